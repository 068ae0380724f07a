"""An input edited while its job runs, whose content then comes back to what it was at the start.

SPEC ("When a job runs"): "Input stamps are taken before the command starts, so an input edited while
its job runs makes the job stale again for the next build." README says the same ("Input stamps are
taken just before a command starts, so an input edited while its job runs makes the job stale again
next time").

buildlike records the pre-start digest and never looks at the input again after the command, so the
job is stale next time only if the edited content is still there. When the content comes back to the
pre-start bytes before the next build, the job counts as up to date although its output was made
from the edited bytes. The most natural way this happens involves no user undo at all: the edited
input is another rule's output, and buildlike itself puts it back (SPEC rule 6 reruns its maker,
which writes the pre-start bytes again), then early-cuts-off the reader.

The concurrent edit is made by the reader's own command before it reads (only while an `edit` file
exists, so the command is the same in every build), so it lands deterministically while the job runs,
as an edit from an editor or another program would.
"""

from __future__ import annotations

MAKER_AND_READER = """
[rules.a]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "echo a >> ran.log; tr a-z A-Z < src.txt > a.txt"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "if [ -f edit ]; then echo HANDEDIT > a.txt; fi; echo b >> ran.log; cat a.txt > b.txt"
"""


def test_reader_whose_input_was_edited_while_it_ran_reruns_after_the_maker_restores_it(make_project):
    """Build 2: src changes, a reruns (a.txt = WORLD), b starts, a.txt is edited to HANDEDIT while b
    runs, b reads it. Build 3: a reruns (its output changed, rule 6) and writes WORLD again.
    Expected: b reruns too (its input was edited while it ran), so b.txt is WORLD. Actual: b is cut
    off (a.txt is back to the digest b's record took before it started); b.txt stays HANDEDIT while
    a.txt is WORLD, and `status` then says everything is up to date."""
    p = make_project(MAKER_AND_READER, {"src.txt": "hello\n"})
    assert p.run().code == 0
    assert p.read("b.txt") == "HELLO\n"

    p.write("src.txt", "world\n")
    p.write("edit")
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["a", "b", "a", "b"]
    assert p.read("b.txt") == "HANDEDIT\n"  # b read the bytes edited while it ran
    (p.root / "edit").unlink()

    r = p.run()
    assert r.code == 0, r.text
    assert p.read("a.txt") == "WORLD\n"  # a reran (rule 6) and restored its output
    assert p.log() == ["a", "b", "a", "b", "a", "b"], "b was cut off although its input changed while it ran"
    assert p.read("b.txt") == "WORLD\n"


def test_source_edited_while_its_job_runs_then_reverted_reruns_the_job(make_project):
    """A source is saved with new bytes while its job runs (the job reads them), then reverted (`git
    checkout src.txt`) before the next build. Expected (SPEC: "an input edited while its job runs makes
    the job stale again for the next build"): the next build reruns the job, and out.txt matches the
    source. Actual: nothing to do; out.txt holds the edited bytes while src.txt holds the original."""
    p = make_project(
        """
        [rules.up]
        inputs = ["src.txt"]
        outputs = ["out.txt"]
        run = "if [ -f edit ]; then cp edited.txt src.txt; fi; echo up >> ran.log; tr a-z A-Z < src.txt > out.txt"
        """,
        {"src.txt": "one\n", "edited.txt": "two\n"},
    )
    p.age("src.txt", 100)
    p.write("edit")
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out.txt") == "TWO\n"  # the job read the bytes saved while it ran
    (p.root / "edit").unlink()

    p.write("src.txt", "one\n")  # reverted before the next build
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["up", "up"], "the job was not rerun although its input was edited while it ran"
    assert p.read("out.txt") == "ONE\n"


def test_input_touched_while_its_job_runs_reruns_nothing(make_project):
    """The other side: SPEC "Touching a file without changing it runs nothing", also while its job
    runs (the file is hashed again at the end, and holds what it held at the start)."""
    p = make_project(
        """
        [rules.up]
        inputs = ["src.txt"]
        outputs = ["out.txt"]
        run = "touch src.txt; echo up >> ran.log; tr a-z A-Z < src.txt > out.txt"
        """,
        {"src.txt": "one\n"},
    )
    p.age("src.txt", 100)
    assert p.run().code == 0
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["up"]

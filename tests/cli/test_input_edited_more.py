"""Files changed while the jobs reading them run, beyond the plain cases (test_input_edited_during_job,
test_input_edited_shared): a folder a rule makes listed by a depfile must settle; a depfile-listed
file edited during its job must make watch build again; a hard link made to an input (its ctime
moves, its bytes do not) is no change. Found by a review.

Not tested, because stats cannot see it: an input edited and put back before its job ends (the
README says so)."""

from __future__ import annotations

FOLDER_LISTED = """
[rules.gen]
inputs = ["ver.in"]
outputs = ["gen"]
run = "mkdir -p gen && cp ver.in gen/x.h"

[rules.use]
inputs = ["src.txt"]
outputs = ["use.o"]
depfile = "use.d"
run = "echo use >> ran.log; cat src.txt gen/x.h > use.o; echo 'use.o: src.txt gen' > use.d"
"""


def test_depfile_listing_another_rules_folder_output_settles(make_project):
    """A depfile that lists a folder another rule makes (`gen`, not a file in it): once built, the
    next builds must have nothing to do. The baseline of a folder output is its tree stand-in,
    which a plain stat (look_of) never equals."""
    p = make_project(FOLDER_LISTED, {"ver.in": "v1\n", "src.txt": "s\n"})
    p.age("ver.in", 100)
    p.age("src.txt", 100)
    assert p.run().code == 0
    assert p.run().code == 0
    r = p.run()
    assert r.code == 0, r.text
    n = len(p.log())
    r = p.run()
    assert r.code == 0, r.text
    assert len(p.log()) == n, f"use reran with nothing changed: {p.log()}\n{r.text}"
    assert p.run("status", "--check").code == 0


DEPFILE_SHARED = """
[settings]
jobs = 1
[rules.a]
inputs = ["a.in"]
outputs = ["a.txt"]
depfile = "a.d"
run = "if [ -f edit ]; then rm edit; cp edited.h h.h; fi; echo a >> ran.log; cat h.h > a.txt; echo 'a.txt: h.h' > a.d"
[rules.b]
inputs = ["a.txt", "h.h"]
outputs = ["b.txt"]
run = "echo b >> ran.log; cat h.h > b.txt"
"""


def test_watch_rebuilds_after_depfile_listed_file_edited_during_its_job(make_project, watching):
    """a's record holds MISSING for h.h (changed while a ran), but b stats h.h again after: watch
    must not be told the build read the edited h.h, or it builds no more and a stays stale."""
    p = make_project(DEPFILE_SHARED, {"a.in": "x\n", "h.h": "one\n", "edited.h": "two\n"})
    for f in ("a.in", "h.h", "edited.h"):
        p.age(f, 100)
    p.write("edit")
    w = watching(p.root)
    w.wait_builds(1)
    w.wait_for(lambda: w.builds() >= 2, timeout=5, why="a second build after h.h changed during the first")
    w.wait_idle()
    r = p.run("status", "--check")
    assert r.code == 0, r.text


HARDLINK = """
[settings]
jobs = 2
[rules.a]
inputs = ["x.txt"]
outputs = ["a.txt"]
run = "ln -f x.txt a.txt; echo a >> ran.log"
[rules.b]
inputs = ["x.txt"]
outputs = ["b.txt"]
run = "sleep 0.3; cat x.txt > b.txt; echo b >> ran.log"
"""


def test_input_hardlinked_by_another_job_is_no_change(make_project):
    """x.txt's ctime moves (a link is made) while b runs: same bytes, so no rerun."""
    p = make_project(HARDLINK, {"x.txt": "one\n"})
    p.age("x.txt", 100)
    assert p.run().code == 0
    r = p.run()
    assert r.code == 0, r.text
    assert sorted(p.log()) == ["a", "b"], r.text


def test_watch_sees_an_input_deleted_while_its_job_runs(make_project, watching):
    """The job read the file, then it went: the build must not tell watch it saw it absent, or the
    deletion is no change to watch and the build it fails never comes."""
    p = make_project(
        """
        [rules.first]
        inputs = ["one.txt"]
        outputs = ["one.out"]
        run = "cp one.txt one.out; if [ -f drop ]; then rm drop one.txt; fi"
        """,
        {"one.txt": "1\n", "drop": ""},
    )
    w = watching(p.root)
    w.wait_text("cannot build; waiting for changes")
    assert w.stop() == 0

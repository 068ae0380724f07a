"""`clean` cases found by a black-box tester: what it must not delete, and what must not stop it.

README: clean never deletes "a source ... or a file reached through a symlinked folder"; SPEC:
"delete the outputs that buildlike made, and nothing else".
"""

from __future__ import annotations

import os
import shutil

RULE = """
[rules.a]
inputs = ["src/s.txt"]
outputs = ["out/s.txt"]
run = "tr a-z A-Z < src/s.txt > out/s.txt"
"""


def test_clean_never_deletes_a_source_reached_through_a_symlinked_output_folder(make_project):
    p = make_project(RULE, {"src/s.txt": "source\n"})
    assert p.run().code == 0
    shutil.rmtree(p.root / "out")
    os.symlink("src", p.root / "out")  # out/s.txt is now src/s.txt, the rule's own input
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("src/s.txt") == "source\n"
    assert "not deleting 'out/s.txt': 'out' is a symlinked folder" in r.err


def test_clean_never_deletes_a_file_reached_through_a_symlinked_folder(make_project):
    p = make_project(RULE, {"src/s.txt": "source\n"})
    assert p.run().code == 0
    os.rename(p.root / "out", p.root / "old-out")
    p.write("mine/deeper/s.txt", "my own notes\n")
    os.symlink("mine", p.root / "out")
    p.write("Maestrofile.toml", RULE.replace("out/s.txt", "out/deeper/s.txt"))
    assert p.run().code == 0  # (it writes through the link: that is the user's set-up to make)
    p.write("mine/deeper/s.txt", "my own notes\n")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("mine/deeper/s.txt") == "my own notes\n"
    assert "'out' is a symlinked folder" in r.err  # the link named, not the folder under it


def test_clean_where_an_output_folder_became_a_file_deletes_the_rest(make_project):
    p = make_project(
        '[rules.a]\ninputs = ["s.txt"]\noutputs = ["out/a.txt"]\nrun = "cp s.txt out/a.txt"\n\n'
        '[rules.z]\ninputs = ["s.txt"]\noutputs = ["z.txt"]\nrun = "cp s.txt z.txt"\n',
        {"s.txt": "s\n"},
    )
    assert p.run().code == 0
    shutil.rmtree(p.root / "out")
    p.write("out", "a file of mine now\n")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert "Traceback" not in r.text, r.text
    assert p.read("out") == "a file of mine now\n"
    assert not p.exists("z.txt")
    r = p.run()  # out/a.txt cannot be made now: its job fails, saying why
    assert r.code == 1 and "cannot create the folder 'out'" in r.err, r.text


def test_clean_spares_a_depfile_the_command_never_wrote(make_project):
    p = make_project(
        '[rules.a]\ninputs = ["s.txt"]\noutputs = ["o.txt"]\ndepfile = "deps.mk"\n'
        'run = "cat s.txt extra.txt > o.txt"\n',
        {"s.txt": "s\n", "extra.txt": "e\n", "deps.mk": "o.txt: extra.txt\n"},
    )
    # (Its ctime tells: written before the build started, as by hand; the build's first command
    # starts tens of milliseconds after the interpreter does, well beyond the clock's tick.)
    assert p.run().code == 0
    p.write("extra.txt", "e2\n")  # still read from it: editing what it lists reruns the job
    assert p.run().code == 0
    assert p.read("o.txt") == "s\ne2\n"
    r = p.run("clean")
    assert r.code == 0, r.text
    assert not p.exists("o.txt")
    assert p.read("deps.mk") == "o.txt: extra.txt\n"


def test_clean_dry_run_names_what_clean_would_delete_and_writes_nothing(make_project):
    """SPEC lists -n among the common options; a preview of clean is what a careful user runs first."""
    p = make_project(
        RULE + '\n[rules.b]\ninputs = ["out/s.txt"]\noutputs = ["b.txt"]\nrun = "cp out/s.txt b.txt"\n',
        {"src/s.txt": "source\n"},
    )
    assert p.run().code == 0
    p.write("out/s.txt", "edited by hand\n")  # (a current rule's output: clean deletes it all the same)
    before = {f: f.read_bytes() for f in p.root.rglob("*") if f.is_file()}
    stamps = {f: f.stat().st_mtime_ns for f in before}
    r = p.run("clean", "-n")
    assert r.code == 0, r.text
    assert r.out.splitlines()[:2] == ["would delete b.txt", "would delete out/s.txt"]
    assert "would delete 2 files" in r.out + r.err
    assert {f: f.read_bytes() for f in p.root.rglob("*") if f.is_file()} == before
    assert {f: f.stat().st_mtime_ns for f in before} == stamps
    r = p.run("clean", "-v")
    assert r.out.splitlines()[:2] == ["deleted b.txt", "deleted out/s.txt"]


def test_clean_warns_once_per_symlinked_folder_not_once_per_file(make_project):
    p = make_project(
        '[rules.a]\nforeach = "src/*.txt"\noutputs = ["out/{name}"]\nrun = "cp {path} {output}"\n',
        {f"src/s{k}.txt": f"{k}\n" for k in range(5)},
    )
    assert p.run().code == 0
    shutil.rmtree(p.root / "out")
    os.symlink("src", p.root / "out")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert all(p.read(f"src/s{k}.txt") == f"{k}\n" for k in range(5))
    assert r.err.count("warning") == 1, r.err
    assert "not deleting 'out/s0.txt', 'out/s1.txt', 'out/s2.txt' and 2 more: 'out' is a symlinked folder" in r.err, (
        r.err
    )


TARGETED = """
[rules.a]
outputs = ["a.txt"]
run = "echo a > a.txt"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "cp a.txt b.txt"

[rules.c]
outputs = ["c.txt"]
run = "echo c > c.txt"
"""


def test_clean_with_targets_deletes_what_the_jobs_they_need_made(make_project):
    """Found by a tester migrating projects: `buildlike clean report` was a bare usage error."""
    p = make_project(TARGETED)
    assert p.run().code == 0
    dry = p.run("clean", "-n", "c")
    assert dry.out.split("\n")[0] == "would delete c.txt", dry.text
    r = p.run("clean", "b")
    assert r.code == 0, r.text
    assert not p.exists("a.txt") and not p.exists("b.txt") and p.exists("c.txt")
    assert "deleted 2 files" in r.err + r.out
    assert p.run("clean", "nope").code == 2
    assert p.exists("c.txt")
    assert p.run("-q").code == 0  # a and b run again; c was not touched
    assert p.run("clean").code == 0
    assert not p.exists("c.txt")

"""Depfile cases found by a black-box tester: a NUL byte, a file listed but absent, and `..` after a
symlinked folder (README: Discovered dependencies)."""

from __future__ import annotations

import os

import pytest


def test_a_depfile_with_a_nul_byte_fails_its_job_with_a_message(make_project):
    """README: a depfile "that cannot be read ... fails its job with a message naming it"."""
    p = make_project(
        '[rules.x]\ninputs = ["s.txt"]\noutputs = ["o.txt"]\ndepfile = "o.d"\n'
        "run = \"cp s.txt o.txt; printf 'o.txt: s\\\\000.h\\\\n' > o.d\"\n",
        {"s.txt": "s\n"},
    )
    r = p.run()
    assert "Traceback" not in r.text, r.text
    assert r.code == 1
    assert "o.d: a file name in it holds a NUL byte" in r.err, r.err


ABSENT = """
[rules.x]
inputs = ["s.txt"]
outputs = ["o.txt"]
depfile = "o.d"
run = "echo x >> ran.log; cp s.txt o.txt; echo 'o.txt: s.txt optional.cfg' > o.d"
"""


def test_a_listed_file_absent_before_and_after_its_job_is_no_change(make_project):
    """SPEC rule 5: stale when an input's content differs, "and only then". A file a depfile lists
    that was never there (`gcc -MG`, an optional file) is absent, and stays so: one rerun at most,
    as the first run cannot tell whether the file was there while its command ran."""
    p = make_project(ABSENT, {"s.txt": "s\n"})
    assert p.run().code == 0
    assert p.run().code == 0
    assert p.run("status", "--check").code == 0
    assert p.run().code == 0
    assert p.log() == ["x", "x"]
    p.write("optional.cfg", "now here\n")  # appearing is a change
    r = p.run("status", "--check")
    assert r.code == 1 and "input 'optional.cfg' changed" in r.out, r.text
    assert p.run().code == 0
    assert p.log() == ["x", "x", "x"]


DOTDOT = """
[rules.cc]
inputs = ["m.c"]
outputs = ["m.o"]
depfile = "m.d"
run = "echo cc >> ran.log; cat m.c inc/../src/b.h > m.o; echo 'm.o: m.c inc/a.h inc/../src/b.h' > m.d"
"""


def test_a_header_reached_by_dotdot_after_a_symlinked_folder_is_the_one_the_kernel_opens(make_project):
    """gcc writes `inc/../src/b.h` with `inc -> vendor/lib/include`: that is vendor/lib/src/b.h, not
    src/b.h; taking `..` on the text tracked the wrong file, and an edit went unseen."""
    p = make_project(
        DOTDOT,
        {
            "m.c": "c\n",
            "vendor/lib/include/a.h": "a\n",
            "vendor/lib/src/b.h": "real 1\n",
            "src/b.h": "an unrelated file of the same name\n",
        },
    )
    os.symlink("vendor/lib/include", p.root / "inc")
    assert p.run().code == 0
    assert p.read("m.o") == "c\nreal 1\n"
    assert p.run().code == 0
    assert p.log() == ["cc"]  # (with no top-level src/b.h, the wrong path was missing: a rerun every time)
    p.write("vendor/lib/src/b.h", "real 2\n")
    r = p.run("status", "--check")
    assert r.code == 1 and "input 'inc/../src/b.h' changed" in r.out, r.text
    assert p.run().code == 0
    assert p.read("m.o") == "c\nreal 2\n"


def test_a_listed_file_that_stays_absent_keeps_the_idle_build_fast_and_its_coming_is_seen(make_project):
    """The clean snapshot (an idle build answered from stat calls) notes the absent file as absent:
    without that, every idle build took the full check; with it, the file appearing must still count."""
    p = make_project(ABSENT, {"s.txt": "s\n"})
    assert p.run().code == 0
    assert p.run().code == 0  # (the one extra run: recorded as absent now)
    for f in p.root.rglob("*"):  # age everything, as if the last build was a while ago
        if ".buildlike" not in f.parts:
            st = f.stat()
            os.utime(f, ns=(st.st_atime_ns - 30 * 10**9, st.st_mtime_ns - 30 * 10**9))
    assert p.run().code == 0  # the full check, which saves the snapshot
    assert p.exists(".buildlike/clean.snapshot")
    assert p.run().code == 0
    assert p.log() == ["x", "x"]
    p.write("optional.cfg", "now here\n")
    assert p.run().code == 0
    assert p.log() == ["x", "x", "x"]


def test_a_depfile_that_lists_itself_does_not_rerun_its_job_every_time(make_project):
    """Found by a black-box tester: the depfile, rewritten by each run, was its job's input too."""
    p = make_project(
        '[rules.x]\ninputs = ["src.c"]\noutputs = ["x.o"]\ndepfile = "x.d"\n'
        "run = \"echo x >> ran.log; cp src.c x.o; echo 'x.o: src.c x.d' > x.d\"\n",
        {"src.c": "int x;\n"},
    )
    assert p.run().code == 0
    assert p.run().code == 0
    assert p.read("ran.log").split() == ["x"]


@pytest.mark.parametrize(
    ("output", "depfile", "in_src"),
    [
        # Found by a black-box tester: `src/{name}.d` was matched next time, a new job every build
        # (`a.c`, then `a.c.d`, then `a.c.d.d`...), as outputs once were.
        ("obj/{name}.o", "src/{name}.d", ["a.c", "a.c.d"]),
        # The depfile's path is known from the output while matching (a review read `{output}` as a
        # placeholder depfile never takes).
        ("src/{name}.o", "{output}.d", ["a.c", "a.c.o", "a.c.o.d"]),
    ],
    ids=["name", "output"],
)
def test_a_foreach_never_matches_its_own_depfiles(make_project, output, depfile, in_src):
    p = make_project(
        f'[rules.cc]\nforeach = "src/*"\ninputs = ["{{path}}"]\noutputs = ["{output}"]\ndepfile = "{depfile}"\n'
        f"run = \"echo {{name}} >> ran.log; cp {{input}} {{output}}; echo '{{output}}: {{input}}' > {depfile}\"\n",
        {"src/a.c": "int a;\n"},
    )
    for _ in range(3):
        assert p.run("-q").code == 0
    assert p.log() == ["a.c"]
    assert sorted(os.listdir(p.root / "src")) == in_src
    assert "cc:src/a.c." not in p.run("list").out

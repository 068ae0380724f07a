"""Found by a black-box tester of watch mode.

README, Watch mode: "A change during a build is never lost: when the build ends, another one runs
if anything changed meanwhile", and what is watched includes "the files their depfiles listed".

A depfile that lists a header in a folder nothing watched before (a new `#include "inc2/h.h"`) gets
that folder watched only after the build. An edit of the header made while the job that read it
still runs (after it read it) comes before that watch, so no event ever tells of it: watch sits
idle although `buildlike status` says "c: input 'inc2/h.h' changed". The existing test of an edit
during the compile uses a header in an already watched folder."""

from __future__ import annotations

import os
import subprocess
import sys

from watching import read

MF = """
[rules.c]
inputs = ["which.txt"]
outputs = ["c.out"]
depfile = "c.d"
run = "h=$(cat which.txt); cat $h > c.out; echo \\"c.out: $h\\" > c.d; touch started; sleep 1"
"""


def save(path, text: str) -> None:
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_text(text)
    os.replace(tmp, path)


def test_a_newly_listed_header_edited_while_its_job_runs_is_built_after_it(make_project, watching):
    p = make_project(MF, {"which.txt": "inc1/h.h\n", "inc1/h.h": "one\n", "inc2/h.h": "two\n"})
    w = watching(p.root)
    w.wait_builds(1)
    assert p.read("c.out") == "one\n"
    (p.root / "started").unlink()
    save(p.root / "which.txt", "inc2/h.h\n")  # the job now includes a header in another folder
    w.wait_for(lambda: p.exists("started"), 10, "the job to have read inc2/h.h")
    save(p.root / "inc2/h.h", "two edited\n")  # while it still runs
    w.wait_for(lambda: read(p.root / "c.out") == "two edited\n", 10, "the header edit to be built")
    w.wait_idle()  # (its job sleeps on after writing c.out)
    assert w.stop() == 0
    status = subprocess.run([sys.executable, "-m", "buildlike", "status"], cwd=p.root, capture_output=True, text=True)
    assert "everything is up to date" in status.stdout, status.stdout + status.stderr


FIRST = """
[rules.c]
inputs = ["src/main.c"]
outputs = ["main.o"]
depfile = "main.d"
run = "cat src/main.c include/util.h > main.o; echo 'main.o: src/main.c include/util.h' > main.d"

[rules.slow]
inputs = ["slow.txt"]
outputs = ["slow.out"]
run = "cp {input} {output}; touch started; sleep 1.5"
"""


def test_a_header_known_from_an_earlier_depfile_edited_during_the_first_build_is_built(make_project, watching):
    """The common case: a C project built before, so main.o is up to date and its depfile listed
    include/util.h. `buildlike watch` watches what depfiles listed only once its first build ended
    (it learns them from that build), so a header saved while the first build runs (often the
    longest one) is never built."""
    p = make_project(FIRST, {"src/main.c": "main\n", "include/util.h": "u1\n", "slow.txt": "1\n"})
    assert p.run("build", "c").code == 0
    w = watching(p.root)
    w.wait_for(lambda: p.exists("started"), 10, "the first build to run `slow`")
    save(p.root / "include/util.h", "u2\n")
    w.wait_for(lambda: read(p.root / "main.o") == "main\nu2\n", 10, "the header edit to be built")
    assert w.stop() == 0

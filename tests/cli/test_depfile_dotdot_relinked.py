"""Found in review: a depfile path `inc/../src/b.h` (gcc's spelling for -Iinc/../src) was resolved
on disk once, when the depfile was read, and the record kept where the link led then. Pointing
`inc` elsewhere (`ln -sfn`, switching a vendored version) changes the file the compiler reads, yet
the job was judged up to date (SPEC rule 5). Such a path now keeps its `..`, and each stat follows
the link anew, as a listed path without `..` through the same link always did."""

from __future__ import annotations

import os

RULE = """
[rules.cc]
inputs = ["a.c"]
outputs = ["a.o"]
depfile = "a.d"
run = "echo cc >> ran.log; cat a.c inc/../src/b.h > a.o; echo 'a.o: a.c inc/../src/b.h' > a.d"
"""


def test_switching_a_symlinked_folder_reruns_a_job_that_read_through_it_with_dotdot(make_project):
    p = make_project(
        RULE,
        {"a.c": "main\n", "v1/include/.keep": "", "v1/src/b.h": "one\n", "v2/include/.keep": "", "v2/src/b.h": "two\n"},
    )
    os.symlink("v1/include", p.root / "inc")
    assert p.run().code == 0
    assert p.run().code == 0
    assert p.read("a.o") == "main\none\n"
    runs = len(p.log())
    os.unlink(p.root / "inc")
    os.symlink("v2/include", p.root / "inc")  # the command would now read v2/src/b.h
    r = p.run("status", "--check")
    assert r.code == 1, r.text  # here: "everything is up to date"
    assert p.run().code == 0
    assert len(p.log()) == runs + 1
    assert p.read("a.o") == "main\ntwo\n"

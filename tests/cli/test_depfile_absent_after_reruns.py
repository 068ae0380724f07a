"""Found in review: a file a depfile lists that stays absent (`gcc -MG`, an optional file) is no
change (README, Discovered dependencies). It was recorded as such only when the judgement before the
job had stat'ed it; a job rerun for a remade input (judged only as far as that) or under -B was not,
so the next build ran it again, and `status --check` (the pre-commit check) failed right after a
complete build. A job's known depfile files are now stat'ed before it starts."""

from __future__ import annotations

CHAIN = """
[rules.gen]
inputs = ["src.txt"]
outputs = ["gen.c"]
run = "cp src.txt gen.c"

[rules.cc]
inputs = ["gen.c"]
outputs = ["gen.o"]
depfile = "gen.d"
run = "echo cc >> ran.log; cp gen.c gen.o; echo 'gen.o: gen.c optional.h' > gen.d"
"""


def _settled(p):
    assert p.run().code == 0
    assert p.run().code == 0  # the first listing: one more run, as the README says
    assert p.run("status", "--check").code == 0
    return len(p.log())


def test_a_rerun_for_a_remade_input_keeps_an_absent_listed_file_unchanged(make_project):
    p = make_project(CHAIN, {"src.txt": "v1\n"})
    runs = _settled(p)
    p.write("src.txt", "v2\n")
    assert p.run().code == 0
    assert len(p.log()) == runs + 1
    r = p.run("status", "--check")
    assert r.code == 0, r.text  # here: "cc: input 'optional.h' changed", though it is still absent
    assert p.run().code == 0
    assert len(p.log()) == runs + 1  # here: cc ran once more for nothing


def test_always_make_keeps_an_absent_listed_file_unchanged(make_project):
    p = make_project(CHAIN, {"src.txt": "v1\n"})
    runs = _settled(p)
    assert p.run("-B").code == 0
    assert len(p.log()) == runs + 1
    r = p.run("status", "--check")
    assert r.code == 0, r.text

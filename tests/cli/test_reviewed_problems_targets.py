"""Found by a review of the commits that added it.

`_more_problems` (loaded.py) adds the unknown command-line targets to the report of a Maestrofile
with problems, but resolves them as written: an output named by its absolute path (README: targets
are "output files (relative to the Maestrofile, or absolute)") is reported as an unknown target,
beside the real problem (a cycle elsewhere)."""

from __future__ import annotations

CYCLE = """
[rules.a]
outputs = ["out.txt"]
run = "echo a > out.txt"

[rules.b]
inputs = ["c.txt"]
outputs = ["b.txt"]
run = "cp c.txt b.txt"

[rules.c]
inputs = ["b.txt"]
outputs = ["c.txt"]
run = "cp b.txt c.txt"
"""


def test_an_absolute_output_target_is_not_unknown_when_the_maestrofile_has_a_problem(make_project):
    p = make_project(CYCLE)
    r = p.run(str(p.root / "out.txt"))
    assert r.code == 2, r.text
    assert "cycle" in r.err, r.text
    assert "unknown target" not in r.err, r.text  # out.txt is rule a's output


def test_the_same_target_spelled_relative_is_not_unknown(make_project):
    p = make_project(CYCLE)
    r = p.run("out.txt")
    assert r.code == 2 and "cycle" in r.err, r.text
    assert "unknown target" not in r.err, r.text

"""Found by a review of the commits that added it.

`clean TARGET` after a rename: the changelog says "`status`, `clean TARGET`, `graph` and watch see it
under the new name". Before the rename, `clean gen` deleted what gen made, also the output its
rule no longer lists (README: clean "also deletes what a job made before its outputs changed (... an
output dropped from a rule ...)"). After renaming gen to generate alone, `clean generate` leaves that
file: its note still names the old job."""

from __future__ import annotations

TWO = """
[rules.{name}]
inputs = ["src.txt"]
outputs = ["a.txt", "b.txt"]
run = "cp src.txt a.txt; cp src.txt b.txt"
"""
ONE = """
[rules.{name}]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "cp src.txt a.txt"
"""


def test_clean_of_a_renamed_rule_deletes_its_dropped_outputs_too(make_project):
    p = make_project(TWO.format(name="gen"), {"src.txt": "v1\n"})
    assert p.run("-q").code == 0
    p.write("Maestrofile.toml", ONE.format(name="gen"))  # b.txt dropped from the rule
    assert p.run("-q").code == 0
    r = p.run("clean", "-n", "gen")
    assert "b.txt" in r.out, r.text  # (before the rename, clean gen would delete it)
    p.write("Maestrofile.toml", ONE.format(name="generate"))  # renamed, nothing else
    assert p.run("status", "--check").code == 0
    r = p.run("clean", "generate")
    assert r.code == 0, r.text
    assert not p.exists("a.txt")
    assert not p.exists("b.txt"), r.text

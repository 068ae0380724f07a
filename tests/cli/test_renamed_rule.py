"""A renamed rule (or foreach rule) that makes the same outputs with the same command is judged by its
last run, as ninja judges an edge by its outputs' log entries: renaming alone reruns nothing. Anything
else the up-to-date rules watch still reruns it, and a failed run under the new name is never trusted."""

from __future__ import annotations

RULES = """
[rules.{gen}]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = ["echo gen >> ran.log", "{command} {{input}} > {{output}}"]

[rules.{each}]
foreach = "parts/*.txt"
inputs = ["{{path}}", "gen.txt"]
outputs = ["out/{{stem}}.txt"]
run = ["echo {{stem}} >> ran.log", "cat {{inputs}} > {{output}}"]
"""
FILES = {"src.txt": "source\n", "parts/a.txt": "a\n", "parts/b.txt": "b\n"}


def maestrofile(gen: str = "gen", each: str = "each", command: str = "cat") -> str:
    return RULES.format(gen=gen, each=each, command=command)


def test_renaming_rules_reruns_nothing(make_project):
    p = make_project(maestrofile(), FILES)
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "b", "gen"]
    p.write("Maestrofile.toml", maestrofile(gen="generate", each="combine"))
    r = p.run("status", "--check")
    assert r.code == 0, r.text
    r = p.run()
    assert r.code == 0, r.text
    assert sorted(p.log()) == ["a", "b", "gen"]  # nothing more ran
    p.write("src.txt", "changed\n")  # and the new names are judged as ever
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "a", "b", "b", "gen", "gen"]
    assert p.read("out/a.txt") == "a\nchanged\n"


def test_a_renamed_rule_whose_command_changed_runs(make_project):
    p = make_project(maestrofile(), FILES)
    assert p.run().code == 0
    p.write("Maestrofile.toml", maestrofile(gen="generate", command="tac"))
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "b", "gen", "gen"]  # its output is the same bytes: early cutoff


def test_a_failed_run_under_the_new_name_is_not_trusted(make_project):
    p = make_project(maestrofile(), FILES)
    assert p.run().code == 0
    p.write("Maestrofile.toml", maestrofile(gen="generate", command="false &&"))  # leaves gen.txt as it is
    assert p.run().code == 1
    p.write("Maestrofile.toml", maestrofile(gen="generate"))  # the command of gen's last success again
    r = p.run("status")
    assert "generate: its last run failed" in r.out, r.text
    assert p.run().code == 0
    assert p.log().count("gen") == 3


def test_clean_deletes_what_a_renamed_rule_made_under_either_name(make_project):
    p = make_project(maestrofile(), FILES)
    assert p.run().code == 0
    p.write("Maestrofile.toml", maestrofile(gen="generate", each="combine"))
    r = p.run("clean", "generate")
    assert r.code == 0, r.text
    assert not p.exists("gen.txt")
    assert p.exists("out/a.txt")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert not p.exists("out/a.txt") and not p.exists("out/b.txt")
    assert p.exists("src.txt") and p.exists("parts/a.txt")
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "a", "b", "b", "gen", "gen"]  # nothing was trusted after clean

"""README (The Maestrofile): "Every problem in a Maestrofile is reported at once, before anything runs,
with file, line, rule and path, and exit code 2". A key or placeholder problem in one rule hides the
graph problems (a cycle, a missing input, an output outside the project) of the other rules: the user
fixes the first, runs again, and only then learns of the rest."""

from __future__ import annotations

import pytest

import buildlike

GRAPH_PROBLEMS = """
[rules.gen]
inputs = ["nothere.txt"]
outputs = ["x.txt"]
run = "echo > {output}"

[rules.c1]
inputs = ["c2.txt"]
outputs = ["c1.txt"]
run = "cp {input} {output}"

[rules.c2]
inputs = ["c1.txt"]
outputs = ["c2.txt"]
run = "cp {input} {output}"
"""

SCHEMA_PROBLEMS = {
    "unknown key": '\n[rules.e]\noutputs = ["e.txt"]\nrun = "true"\ncolour = "red"\n',
    "unknown placeholder": '\n[rules.e]\noutputs = ["e.txt"]\nrun = "echo {bogus} > {output}"\n',
}


@pytest.mark.parametrize("kind", SCHEMA_PROBLEMS)
def test_a_problem_in_one_rule_does_not_hide_the_graph_problems_of_others(make_project, kind):
    p = make_project(GRAPH_PROBLEMS + SCHEMA_PROBLEMS[kind])
    r = p.run()
    assert r.code == 2, r.text
    assert "rule 'e'" in r.err
    assert "cycle: c1 -> c2 -> c1" in r.err, r.err
    assert "input 'nothere.txt' is not a file and no rule makes it" in r.err, r.err
    with pytest.raises(buildlike.MaestrofileError) as e:
        buildlike.load(p.root / "Maestrofile.toml")
    assert {q.rule for q in e.value.problems} >= {"e", "gen"}


def test_a_rule_left_out_of_the_graph_checks_makes_no_input_seem_missing(make_project):
    """A rule whose outputs cannot be read is left out of the graph: what reads its outputs is not
    reported as missing an input, and a default target naming it is not unknown; a cycle elsewhere is."""
    p = make_project(
        """
[settings]
default = ["gen", "use"]

[rules.gen]
outputs = 5
run = "echo > x.txt"

[rules.use]
inputs = ["x.txt"]
outputs = ["y.txt"]
run = "cp {input} {output}"
"""
        + GRAPH_PROBLEMS.replace("[rules.gen]", "[rules.other]").replace("x.txt", "z.txt")
    )
    r = p.run()
    assert r.code == 2, r.text
    assert "'outputs' must be a string or a list of strings" in r.err
    assert "cycle: c1 -> c2 -> c1" in r.err, r.err
    assert "x.txt" not in r.err, r.err  # made by gen, whose outputs could not be read
    assert "nothere.txt" not in r.err, r.err  # (missing inputs are not told apart then)
    assert "unknown target" not in r.err, r.err
    assert not (p.root / ".buildlike" / "graph.cache").exists()


def test_a_var_with_a_bad_value_is_one_problem_not_one_per_rule_using_it(make_project):
    p = make_project(
        """
[vars]
flags = 3

[rules.a]
outputs = ["a.txt"]
run = "echo {flags} > {output}"

[rules.b]
inputs = ["a.txt"]
outputs = ["b-{flags}.txt"]
run = "cp {input} {output}"

[rules.c]
inputs = ["gone.txt"]
outputs = ["c.txt"]
run = "cp {input} {output}"
"""
    )
    r = p.run()
    assert r.code == 2, r.text
    assert "var 'flags' must be a string" in r.err
    assert "unknown placeholder" not in r.err, r.err
    assert "gone.txt" not in r.err, r.err  # rule b is left out: its inputs are not told missing


def test_a_problem_in_a_command_keeps_the_rule_in_the_graph_checks(make_project):
    p = make_project(
        """
[rules.a]
outputs = ["a.txt"]
run = "echo {nope} > {output}"

[rules.b]
inputs = ["a.txt", "gone.txt"]
outputs = ["b.txt"]
run = "cp a.txt {output}"
"""
    )
    r = p.run()
    assert r.code == 2, r.text
    assert "unknown placeholder '{nope}'" in r.err
    assert "input 'gone.txt' is not a file and no rule makes it" in r.err, r.err
    assert "'a.txt'" not in r.err, r.err  # rule a still makes it


@pytest.mark.parametrize("command", ["list", "graph", "build"])
def test_list_and_graph_name_no_missing_input_among_other_problems(make_project, command):
    """README: "`list` and `graph` report what is wrong with the rules themselves ..., but do not
    check that each input is there". Found by a black-box tester: they did once anything else was
    wrong (here the cycle); a build still names both."""
    p = make_project(GRAPH_PROBLEMS)
    r = p.run(command)
    assert r.code == 2, r.text
    assert "cycle: c1 -> c2 -> c1" in r.err, r.err
    assert ("nothere.txt" in r.err) == (command == "build"), r.err

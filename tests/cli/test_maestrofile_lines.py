"""The line a Maestrofile problem is reported at: where the rule or key is written.

README (The Maestrofile): "Every problem in a Maestrofile is reported at once, before anything runs,
with file, line, rule and path". Found by a black-box tester.
"""

from __future__ import annotations

import pytest


def _line_of(r, needle: str) -> str:
    return next(ln for ln in r.err.splitlines() if needle in ln)


# -- what is inside a string or a comment is no key and no header ----------------------------------


@pytest.mark.parametrize(
    "run",
    [
        # a shell assignment shaped like a key (it was taken for `inputs`: line 3)
        "'''\ninputs=$(ls src)\ncat $inputs > out.txt\n'''",
        # a line shaped like a table header (the key fell back to the rule's header: line 1)
        "'''\n[ -d src ] || exit 1\n[x]\n'''",
        # escaped quotes that do not end the string, then a line shaped like a key
        '"""\necho \\"""\ninputs = $(ls)\n"""',
    ],
)
def test_a_key_is_not_found_inside_a_multiline_string(make_project, run):
    text = f'[rules.gen]\nrun = {run}\ndescription = "x"\ninputs = ["{{bogus}}.txt"]\noutputs = ["out.txt"]\n'
    line = text.splitlines().index('inputs = ["{bogus}.txt"]') + 1
    p = make_project(text)
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "{bogus}").startswith(f"error: Maestrofile.toml:{line}: rule 'gen': "), r.err


def test_a_rule_header_inside_a_string_is_not_the_rules_line(make_project):
    """A `[rules.b]` line in rule a's command came first, so rule b was said to start there."""
    p = make_project(
        "[rules.a]\nalways = true\nrun = '''\ncat <<EOF\n[rules.b]\nEOF\n'''\n\n"
        '[rules.b]\noutputs = ["b.out"]\nrun = "true"\n'
    )
    r = p.run("list")
    assert r.code == 0, r.text
    assert "b  (1 job, Maestrofile.toml:9)" in r.out, r.out


def test_a_key_in_a_comment_is_not_the_key(make_project):
    p = make_project('[rules.gen]\n# inputs = ["src/*"] once\noutputs = ["o"]\nrun = "true"\ninputs = ["{bogus}"]\n')
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "{bogus}").startswith("error: Maestrofile.toml:5: "), r.err


# -- rules written as inline tables or dotted keys, and what is no table ---------------------------

INLINE_AND_DOTTED = """\
[rules]
a = { inputs = ["nope1.txt"], outputs = ["a.out"], run = "true" }
b.inputs = ["nope2.txt"]
b.outputs = ["b.out"]
b.run = "true"
"""


@pytest.mark.parametrize(("missing", "line"), [("nope1.txt", 2), ("nope2.txt", 3)])
def test_a_rule_written_as_an_inline_table_or_dotted_keys_is_named_at_its_line(make_project, missing, line):
    """It got no line at all: `error: Maestrofile.toml: rule 'a': input 'nope1.txt' ...`."""
    p = make_project(INLINE_AND_DOTTED)
    r = p.run()
    assert r.code == 2
    assert _line_of(r, missing).startswith(f"error: Maestrofile.toml:{line}: rule "), r.err


def test_a_key_of_an_inline_table_rule_is_named_at_its_own_line(make_project):
    p = make_project(
        '[rules]\na = { outputs = ["a.out"], run = "true", inptus = [] }\n'
        'b = { inputs = [\n  "x.txt",\n], outputs = ["b.out"], run = "{oops}" }\n'
    )
    r = p.run()
    assert r.code == 2
    assert "error: Maestrofile.toml:2: rule 'a': unknown key 'inptus' (did you mean 'inputs'?)" in r.err, r.err
    assert "error: Maestrofile.toml:5: rule 'b': unknown placeholder '{oops}' in 'run'" in r.err, r.err


def test_a_cycle_of_rules_written_as_top_level_dotted_keys_names_their_lines(make_project):
    p = make_project(
        'rules.a.inputs = ["b.out"]\nrules.a.outputs = ["a.out"]\nrules.a.run = "true"\n\n'
        '[rules.b]\ninputs = ["a.out"]\noutputs = ["b.out"]\nrun = "true"\n'
    )
    r = p.run()
    assert r.code == 2
    assert "error: Maestrofile.toml:1: cycle: a -> b -> a (Maestrofile.toml:1, :5)" in r.err, r.err


def test_list_gives_the_line_of_inline_and_dotted_rules(make_project):
    """`list` showed `a  (1 job, Maestrofile.toml)` for such rules, `Maestrofile.toml:N` for others."""
    p = make_project(
        '[rules]\na = { outputs = ["a.out"], run = "touch a.out" }\nb.outputs = ["b.out"]\nb.run = "touch b.out"\n'
    )
    r = p.run("list")
    assert r.code == 0, r.text
    assert "a  (1 job, Maestrofile.toml:2)" in r.out, r.out
    assert "b  (1 job, Maestrofile.toml:3)" in r.out, r.out


def test_rules_written_as_an_array_of_tables_is_named_at_its_header(make_project):
    """`[[rules]]`, as other tools write rules: "'rules' must be a table of rules, not a list", no line."""
    p = make_project('# my rules\n[[rules]]\nname = "a"\noutputs = ["a"]\nrun = "touch a"\n')
    r = p.run()
    assert r.code == 2
    assert "error: Maestrofile.toml:2: 'rules' must be a table of rules, not a list" in r.err, r.err


def test_a_rule_that_is_not_a_table_is_named_at_its_line(make_project):
    p = make_project("[rules]\n# a rule\na = 3\n")
    r = p.run()
    assert r.code == 2
    assert "error: Maestrofile.toml:3: rule 'a': must be a table" in r.err, r.err


# -- a problem with a path of `inputs` or `outputs` is named at that key's line ---------------------

KEYED = """\
[rules.gen]
description = "gen"
inputs = [
    "src.txt",
]
outputs = ["out/gen.txt"]
run = "cp {input} {output}"
"""


def test_a_missing_input_is_named_at_the_inputs_line(make_project):
    """It was named at the rule's header (line 1), however far below its `inputs` were."""
    p = make_project(KEYED)
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "src.txt").startswith("error: Maestrofile.toml:3: rule 'gen': input 'src.txt'"), r.err


def test_an_input_gone_after_the_graph_was_cached_is_named_at_the_inputs_line(make_project):
    p = make_project(KEYED, {"src.txt": "a\n"})
    assert p.run().code == 0
    (p.root / "src.txt").unlink()
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "src.txt").startswith("error: Maestrofile.toml:3: rule 'gen': input 'src.txt'"), r.err
    r = p.run("status")
    assert r.code == 2, r.text
    assert _line_of(r, "src.txt").startswith("error: Maestrofile.toml:3: "), r.err


def test_an_output_with_two_makers_is_named_at_the_outputs_line(make_project):
    p = make_project(KEYED + '\n[rules.copy]\nrun = "true"\noutputs = ["out/gen.txt"]\n', {"src.txt": "a\n"})
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "rule 'copy'").startswith("error: Maestrofile.toml:11: rule 'copy': output"), r.err


def test_a_glob_that_matches_nothing_is_named_at_the_inputs_line_also_from_the_cache(make_project):
    p = make_project('[rules.all]\nrun = "touch {output}"\n\ninputs = ["data/*.csv"]\noutputs = ["all.txt"]\n')
    for _ in range(2):  # (the second run reads the graph from its cache, warnings and all)
        r = p.run()
        assert r.code == 0, r.text
        assert _line_of(r, "data/*.csv").startswith("warning: Maestrofile.toml:4: rule 'all': glob"), r.err

"""Black-box findings on how a bad Maestrofile is reported (after b3381b6): crashes, problems named
that are not wrong, and problems still hidden. README (The Maestrofile): "Every problem in a
Maestrofile is reported at once ... with file, line, rule and path, and exit code 2"; the graph is
still checked "without the rules whose inputs or outputs cannot be worked out"."""

from __future__ import annotations

import pytest

import buildlike


def _problems(p) -> list[str]:
    with pytest.raises(buildlike.MaestrofileError) as e:
        buildlike.load(p.root / "Maestrofile.toml")
    return [q.message for q in e.value.problems]


# -- crashes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ['[ "$OS" = "C:\\Users" ]', '["\\x"]', '[x."\\N"]'])
def test_a_header_like_line_in_a_literal_string_is_no_traceback(make_project, line):
    """The line finder decodes anything shaped like `[..."..."]`, even inside a '''string''', with
    Python's unicode_escape, which raises on `\\U`, `\\x` or `\\N` (TOML never sees them as escapes)."""
    good = f"[rules.a]\noutputs = [\"a.txt\"]\nrun = '''\n{line}\necho > a.txt\n'''\n"
    p = make_project(good)
    r = p.run("build", "--dry-run")
    assert "Traceback" not in r.err, r.err
    assert r.code == 0, r.text
    q = make_project(good.replace("[rules.a]\n", "[rules.a]\ncolour = 1\n"))
    r = q.run()
    assert "Traceback" not in r.err, r.err
    assert r.code == 2 and "unknown key 'colour'" in r.err, r.text


def test_deeply_nested_arrays_are_a_problem_not_a_traceback(make_project):
    p = make_project('[rules.a]\noutputs = ["a"]\nrun = "true"\nenv = ' + "[" * 500 + "]" * 500 + "\n")
    r = p.run()
    assert "Traceback" not in r.err, r.err[-400:]
    assert r.code == 2, r.text[-400:]


# -- TOML that cannot be read ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "named", "column"),
    [("[rules.a]", "rules.a", 9), ('[ rules . "a b" ]', 'rules."a b"', 17), ('["it\'s"]', '"it\'s"', 8)],
)
def test_a_table_declared_twice_is_named_as_written(make_project, header, named, column):
    """Found by a black-box tester: it said `Cannot declare ('rules', 'a') twice`, a Python tuple."""
    p = make_project(f'{header}\noutputs = ["a"]\nrun = "touch a"\n{header}\n')
    r = p.run()
    assert r.code == 2
    assert r.err == f"error: Maestrofile.toml:4: not valid TOML: Cannot declare {named} twice (column {column})\n"


# -- problems named that are not wrong --------------------------------------------------------------

USE = '\n[rules.use]\ninputs = ["x.txt"]\noutputs = ["y.txt"]\nrun = "cp {input} {output}"\n'


@pytest.mark.parametrize(
    "maker",
    [
        '[rules.gen]\noutput = ["x.txt"]\nrun = "echo > x.txt"\n',  # (did you mean 'outputs'?)
        '[rules.gen.x]\noutputs = ["x.txt"]\nrun = "echo > x.txt"\n',  # a dotted rule name: a nested table
    ],
)
def test_a_rule_whose_outputs_are_under_an_unknown_key_makes_no_input_seem_missing(make_project, maker):
    p = make_project('[settings]\ndefault = ["x.txt", "y.txt"]\n\n' + maker + USE)
    messages = _problems(p)
    assert any("unknown key" in m for m in messages), messages
    assert not any("x.txt" in m for m in messages), messages  # gen makes it: it is not missing nor unknown


def test_a_foreach_of_the_wrong_type_is_one_problem_not_also_unknown_placeholders(make_project):
    p = make_project(
        '[rules.cc]\nforeach = 5\ninputs = ["{path}"]\noutputs = ["o/{stem}.o"]\nrun = "cc -c {path} -o {output}"\n',
        {"src/a.c": ""},
    )
    messages = _problems(p)
    assert any("'foreach' must be a string" in m for m in messages), messages
    assert not any("unknown placeholder" in m for m in messages), messages


def test_vars_that_are_not_a_table_make_no_unknown_placeholder(make_project):
    p = make_project('vars = ["CC"]\n\n[rules.a]\noutputs = ["a.o"]\nrun = "{CC} -c a.c -o {output}"\n')
    messages = _problems(p)
    assert any("[vars] must be a table" in m for m in messages), messages
    assert not any("unknown placeholder" in m for m in messages), messages


def test_rules_that_are_not_a_table_make_no_default_target_unknown(make_project):
    p = make_project('[settings]\ndefault = ["app"]\n\n[[rules]]\noutputs = ["app"]\nrun = "true"\n')
    messages = _problems(p)
    assert any("'rules' must be a table" in m for m in messages), messages
    assert not any("unknown target" in m for m in messages), messages


# -- problems still hidden, though every rule's inputs and outputs could be read --------------------

MISSING = '\n[rules.b]\ninputs = ["missing.h"]\noutputs = ["b.txt"]\nrun = "true"\n'


def test_an_unknown_key_called_name_does_not_hide_missing_inputs(make_project):
    """`name` is also the marker of a bad rule name in the keys that leave a rule out of the graph."""
    p = make_project('[rules.a]\nname = "Make A"\noutputs = ["a.txt"]\nrun = "true"\n' + MISSING)
    messages = _problems(p)
    assert any("unknown key 'name'" in m for m in messages), messages
    assert any("input 'missing.h' is not a file" in m for m in messages), messages


@pytest.mark.parametrize("field", ["name", "dir", "stem", "path"])
def test_a_var_named_like_a_foreach_field_leaves_no_foreach_rule_out(make_project, field):
    """With the var refused, `{name}` in a foreach rule's outputs is the matched file's: readable."""
    p = make_project(
        f'[vars]\n{field} = "proj"\n\n[rules.pack]\nforeach = "src/*.c"\noutputs = ["out/{{{field}}}.gz"]\n'
        'run = "gzip -c {path} > {output}"\n' + MISSING,
        {"src/a.c": ""},
    )
    messages = _problems(p)
    assert any(f"var '{field}' has the name of a built-in placeholder" in m for m in messages), messages
    assert any("input 'missing.h' is not a file" in m for m in messages), messages


@pytest.mark.parametrize("other", ["description = 5", 'env = "LC_ALL=C"', 'colour = "red"', 'always = "no"'])
def test_a_rule_without_run_is_reported_whatever_else_is_wrong_with_it(make_project, other):
    p = make_project(f'[rules.a]\noutputs = ["a.txt"]\n{other}\n')
    messages = _problems(p)
    assert len(messages) == 2, messages
    assert any("has no 'run'" in m for m in messages), messages


@pytest.mark.parametrize("other", ["description = 5", 'env = "LC_ALL=C"', 'colour = "red"'])
def test_a_rule_without_outputs_is_reported_whatever_else_is_wrong_with_it(make_project, other):
    p = make_project(f'[rules.a]\nrun = "true"\n{other}\n')
    messages = _problems(p)
    assert any("has no outputs" in m for m in messages), messages


# -- lines named ------------------------------------------------------------------------------------


def _lines(p) -> dict[str, int | None]:
    with pytest.raises(buildlike.MaestrofileError) as e:
        buildlike.load(p.root / "Maestrofile.toml")
    return {q.message: q.line for q in e.value.problems}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[rules.gen]\noutputs = ["x"]\nrun = "true"\n\n[rules.gen.c]\nflags = 1\n', 5),  # its own table
        ('[rules.gen.c]\nflags = 1\n\n[rules.gen]\noutputs = ["x"]\nrun = "true"\n', 1),  # before the rule's
        ("[rules.gen.c]\nflags = 1\n", 1),  # the rule has no header of its own
        ('[rules.gen]\noutputs = ["x"]\nrun = "true"\nc.flags = 1\n', 4),  # a dotted key
        ('[rules.gen]\noutputs = ["x"]\nrun = "true"\n"c" = 1\n', 4),  # a quoted one
    ],
)
def test_an_unknown_key_holding_a_table_is_named_with_its_line(make_project, text, line):
    assert _lines(make_project(text)).get("unknown key 'c'", "absent") == line


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("true", 'a boolean (write FLAG = "true")'),  # (it said "True", Python's spelling)
        ("1e3  # big", 'a number (write FLAG = "1e3")'),  # (it said "1000.0")
        ("0x10", 'a number (write FLAG = "0x10")'),
        ("1979-05-27", 'a date (write FLAG = "1979-05-27")'),  # (it said "not date")
        ("[1, 2]", "a list"),  # (no advice: a Python list's repr is not what to write)
        ("{ a = 1 }", "a table"),
    ],
)
def test_a_var_that_is_no_string_is_told_how_to_write_it_as_written(make_project, value, says):
    """Found by a black-box tester: following the advice gave commands another value (`--color=True`)."""
    p = make_project(f'[vars]\nFLAG = {value}\n[rules.a]\nalways = true\nrun = "echo {{FLAG}}"\n')
    assert _problems(p) == [f"var 'FLAG' must be a string, not {says}"]


@pytest.mark.parametrize(
    ("where", "key", "meant"),
    [
        ("rules.a", "environment", "env"),
        ("rules.a", "command", "run"),
        ("rules.a", "cmd", "run"),
        ("rules.a", "commands", "run"),
        ("rules.a", "script", "run"),  # (not 'description', the closest spelling)
        ("rules.a", "deps", "inputs"),
        ("rules.a", "targets", "outputs"),
        ("rules.a", "phony", "always"),
        ("settings", "targets", "default"),
        ("settings", "parallel", "jobs"),
    ],
)
def test_an_unknown_key_named_as_other_tools_name_it_gets_ours(make_project, where, key, meant):
    """Found by a black-box tester: `environment`, `command`, `cmd` got no did-you-mean, and `script`
    was pointed at `description`."""
    text = '[rules.a]\nalways = true\nrun = "true"\n'
    text = (
        text.replace("[rules.a]\n", f'[rules.a]\n{key} = "x"\n')
        if where == "rules.a"
        else f"[settings]\n{key} = 2\n" + text
    )
    p = make_project(text)
    (message,) = _problems(p)
    assert message.endswith(f"unknown {'key' if where == 'rules.a' else 'setting'} '{key}' (did you mean '{meant}'?)")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("inputs = [1]", "'inputs' must be a string or a list of strings, not a list holding a number"),
        ("outputs = [true]", "'outputs' must be a string or a list of strings, not a list holding a boolean"),
        ('run = ["true", ["x"]]', "'run' must be a string or a list of strings, not a list holding a list"),
    ],
)
def test_a_list_with_something_else_than_strings_says_so(make_project, line, says):
    """Found by a black-box tester: `inputs = [1]` was "a list of strings, not a list"."""
    key = line.split()[0]
    text = '[rules.a]\ninputs = []\noutputs = ["a.txt"]\nrun = "touch a.txt"\n'
    p = make_project(text.replace(next(ln for ln in text.splitlines() if ln.startswith(key)), line))
    assert _problems(p) == [says]


SHELL = 'settings.shell must be a program with its options, such as "/bin/bash" or "bash -eu -o pipefail", not '


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("jobs = true", "settings.jobs must be a whole number >= 0, not a boolean"),  # (it said "True")
        ("jobs = 1979-05-27", "settings.jobs must be a whole number >= 0, not a date"),  # ("datetime.date(...)")
        ("jobs = { a = 1 }", "settings.jobs must be a whole number >= 0, not a table"),  # ("{'a': 1}")
        ('jobs = "4"', "settings.jobs must be a whole number >= 0, not a string (write jobs = 4, without quotes)"),
        ("jobs = -1", "settings.jobs must be a whole number >= 0, not -1"),
        ("jobs = 2.5", "settings.jobs must be a whole number >= 0, not 2.5"),
        # (it said "not a list", which a list is)
        ('default = ["a", 1]', "settings.default must be a list of rule names or files, not a list holding a number"),
        ("default = 5", "settings.default must be a list of rule names or files, not a number"),
        ("shell = true", SHELL + "a boolean"),  # (it said "True")
        ("shell = 'sh \"'", SHELL + '"sh \\""'),  # (an unclosed quote; it said Python's 'sh "')
    ],
)
def test_a_setting_of_the_wrong_type_is_described_in_toml_terms(make_project, line, says):
    """Found by a black-box tester: [settings] spoke Python (`not True`, `not datetime.date(1979, 5, 27)`)."""
    p = make_project(f'[settings]\n{line}\n[rules.a]\nalways = true\nrun = "true"\n')
    assert _problems(p) == [says]


def test_a_placeholder_close_to_a_var_is_pointed_at_the_var_not_at_a_key_of_that_meaning(make_project):
    """Found in review: the table of other tools' names for our keys answered `{SRCS}` with 'inputs'
    and `{TARGET}` with 'outputs', where the user's own vars SRC and TARGETS were meant."""
    p = make_project('[vars]\nSRC = "a.c"\nTARGETS = "app"\n[rules.a]\nalways = true\nrun = "cc {SRCS} {TARGET}"\n')
    assert _problems(p) == [
        "unknown placeholder '{SRCS}' in 'run' (did you mean 'SRC'?)",
        "unknown placeholder '{TARGET}' in 'run' (did you mean 'TARGETS'?)",
    ]

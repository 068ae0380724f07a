"""Black-box tests of bad input: every error of SPEC "The graph" and of the Maestrofile format.

Each one must exit 2 before anything runs (the commands here would create `ran.marker`), name the file
and, where a line is known, the rule and line (`Maestrofile.toml:LINE: rule 'x': ...`), and write
nothing: no outputs and no state, at most the `.buildlike/` folder with its lock and .gitignore.

Most cases run the CLI in this process (`buildlike.__main__.main`), which is quick; the ones closest
to what a user types run the real command in a subprocess.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MARKER = "ran.marker"
OK_RULE = """
[rules.ok]
outputs = ["ok.txt"]
run = "touch ran.marker ok.txt"
"""
ALLOWED_NEW = {".buildlike", ".buildlike/lock", ".buildlike/.gitignore"}
Project = Any  # tests/conftest.py's Project, from the make_project fixture


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def tree(root: Path) -> set[str]:
    out: set[str] = set()
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        for name in dirs + files:
            out.add(os.path.normpath(os.path.join(rel, name)))
    return out


def line_of(p: Project, needle: str, start: int = 1) -> int:
    """The 1-based line of the Maestrofile holding `needle` (at or after line `start`)."""
    for n, text in enumerate(p.read("Maestrofile.toml").splitlines(), 1):
        if n >= start and needle in text:
            return n
    raise AssertionError(f"{needle!r} is not in the Maestrofile")


@pytest.fixture
def run_here(capsys, monkeypatch):
    """Run the `buildlike` entry point in this process, in the project's folder."""
    from buildlike.__main__ import main

    def run(p: Project, *args: str) -> Result:
        monkeypatch.chdir(p.root)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


@pytest.fixture
def reject(run_here):
    """Run buildlike and check the common promises of bad input: exit 2, nothing run, nothing written."""

    def check(p: Project, *args: str, real: bool = False) -> Result:
        before = tree(p.root)
        r = p.run(*args) if real else run_here(p, *args)
        assert r.code == 2, r.text
        assert not p.exists(MARKER), "a command ran"
        new = tree(p.root) - before
        assert new <= ALLOWED_NEW, f"wrote {sorted(new - ALLOWED_NEW)}"
        assert "Traceback" not in r.err
        return r

    return check


def assert_located(r: Result, line: int, rule: str | None = None) -> None:
    where = f"Maestrofile.toml:{line}: " + (f"rule '{rule}': " if rule else "")
    assert where in r.err, f"expected {where!r} in:\n{r.err}"


# -- the file itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        ('[rules.a]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\ndescription = "unterminated\n', 4),
        ('[rules.a]\noutputs = ["a.txt"\nrun = "touch ran.marker a.txt"\n', 3),
        ('[rules.a]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\nrun = "again"\n', 4),
        ('[rules.a]\noutputs = ["a.txt"]\nrun "touch ran.marker a.txt"\n', 3),
    ],
    ids=["unterminated-string", "unclosed-array", "duplicate-key", "missing-equals"],
)
def test_malformed_toml_is_reported_with_the_file_and_line(make_project, reject, text, bad_line):
    """SPEC: The graph: a malformed Maestrofile (with file and line where TOML gives one)."""
    p = make_project(text)
    r = reject(p, real=True)
    assert_located(r, bad_line)
    assert "TOML" in r.err


@pytest.mark.parametrize("command", ["build", "status", "list", "graph", "clean"])
def test_every_command_rejects_a_malformed_maestrofile(make_project, reject, command):
    p = make_project('[rules.a\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p, command)
    assert_located(r, 1)


def test_a_maestrofile_that_is_not_utf8_is_reported_with_the_file_and_line(make_project, reject):
    p = make_project("")
    (p.root / "Maestrofile.toml").write_bytes(b'[rules.a]\noutputs = ["a.txt"]\nrun = "touch ran.marker \xff"\n')
    r = reject(p)
    assert_located(r, 3)
    assert "UTF-8" in r.err


@pytest.mark.parametrize("text", ["", "# only a comment\n", "[settings]\njobs = 2\n", "[vars]\nA = 'b'\n"])
def test_a_maestrofile_without_rules_is_an_error(make_project, reject, text):
    p = make_project(text)
    r = reject(p)
    assert "Maestrofile.toml" in r.err
    assert "rule" in r.err


def test_an_unknown_top_level_table_is_named_with_its_line_and_a_suggestion(make_project, reject):
    p = make_project("[setings]\njobs = 2\n" + OK_RULE)
    r = reject(p)
    assert_located(r, 1)
    assert "'setings'" in r.err
    assert "did you mean 'settings'" in r.err


def test_an_unknown_dotted_table_is_named_with_its_line(make_project, reject):
    p = make_project(OK_RULE + '\n[rule.a]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert "'rule'" in r.err and "did you mean 'rules'" in r.err
    assert_located(r, line_of(p, "[rule.a]"))


def test_an_unknown_top_level_key_is_named_with_its_line(make_project, reject):
    p = make_project("jobs = 2\n" + OK_RULE)
    r = reject(p)
    assert_located(r, 1)
    assert "'jobs'" in r.err


def test_an_unknown_setting_is_named_with_its_line_and_a_suggestion(make_project, reject):
    p = make_project("[settings]\njobs = 2\ndefualt = ['ok']\n" + OK_RULE)
    r = reject(p)
    assert_located(r, 3)
    assert "'defualt'" in r.err
    assert "did you mean 'default'" in r.err


@pytest.mark.parametrize(("key", "suggestion"), [("imputs", "inputs"), ("output", "outputs"), ("comand", None)])
def test_an_unknown_rule_key_is_named_with_rule_line_and_a_suggestion(make_project, reject, key, suggestion):
    p = make_project(OK_RULE + f'\n[rules.a]\noutputs = ["a.txt"]\n{key} = ["x"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert_located(r, line_of(p, f"{key} ="), "a")
    assert f"'{key}'" in r.err
    if suggestion:
        assert f"did you mean '{suggestion}'" in r.err


# -- wrong types ---------------------------------------------------------------------------------

RULE_A = {
    "inputs": "[]",
    "outputs": '["a.txt"]',
    "run": '"touch ran.marker a.txt"',
}

WRONG_SETTINGS = [
    ("jobs", '"4"'),
    ("jobs", "-1"),
    ("jobs", "2.5"),
    ("jobs", "true"),
    ("default", "3"),
    ("default", "[1]"),
    ("default", "{ a = 1 }"),
    ("shell", "5"),
    ("shell", '""'),
    ("shell", '["/bin/sh"]'),
    ("shell", '"   "'),
    ("shell", '"bash -c \'unclosed"'),
    ("shell", '"/bin/sh\\u0000"'),
    ("default", '["ok\\u0000"]'),
]
WRONG_VARS = [("CC", "1"), ("CC", '["cc"]'), ("CC", '{ x = "y" }'), ("CC", "true"), ("CC", '"c\\u0000c"')]
WRONG_RULE_KEYS = [
    ("inputs", "5"),
    ("inputs", "[1]"),
    ("inputs", '{ a = "b" }'),
    ("outputs", "5"),
    ("outputs", "[true]"),
    ("outputs", '["a.txt", 2]'),
    ("run", "7"),
    ("run", "[1]"),
    ("run", '{ a = "b" }'),
    ("run", '""'),
    ("run", "[]"),
    ("description", "1"),
    ("description", '["x"]'),
    ("env", "3"),
    ("env", '"A=1"'),
    ("env", "{ A = 1 }"),
    ("env", '["A=1"]'),
    ("always", '"yes"'),
    ("always", "1"),
    ("foreach", "2"),
    ("foreach", '["*.c"]'),
    ("depfile", "[1]"),
    ("depfile", "3"),
    ("depfile", '""'),
    # Values TOML takes that no command or path can (each used to end in a Python traceback):
    ("env", '{ "CFLAGS=-O2" = "1" }'),
    ("env", '{ "" = "1" }'),
    ("env", '{ A = "x\\u0000y" }'),
    ("run", '"echo \\u0000"'),
    ("inputs", '["in\\u0000.txt"]'),
    ("outputs", '["a\\u0000.txt"]'),
    ("description", '"a\\u0000"'),
    ("depfile", '"a.d\\u0000"'),
]


@pytest.mark.parametrize(("key", "value"), WRONG_SETTINGS, ids=[f"{k}={v}" for k, v in WRONG_SETTINGS])
def test_a_setting_of_the_wrong_type_is_named_with_its_line(make_project, reject, key, value):
    p = make_project(f"[settings]\n{key} = {value}\n" + OK_RULE)
    r = reject(p)
    assert_located(r, 2)
    assert key in r.err


@pytest.mark.parametrize(("key", "value"), WRONG_VARS, ids=[f"{k}={v}" for k, v in WRONG_VARS])
def test_a_var_that_is_not_a_string_is_named_with_its_line(make_project, reject, key, value):
    p = make_project(f'[vars]\nOK = "fine"\n{key} = {value}\n' + OK_RULE)
    r = reject(p)
    assert_located(r, 3)
    assert f"'{key}'" in r.err


@pytest.mark.parametrize(("key", "value"), WRONG_RULE_KEYS, ids=[f"{k}={v}" for k, v in WRONG_RULE_KEYS])
def test_a_rule_key_of_the_wrong_type_is_named_with_rule_and_line(make_project, reject, key, value):
    body = {**RULE_A, key: value}
    p = make_project(OK_RULE + "\n[rules.a]\n" + "".join(f"{k} = {v}\n" for k, v in body.items()))
    r = reject(p)
    assert_located(r, line_of(p, f"{key} = {value}"), "a")
    assert key in r.err.split("rule 'a': ", 1)[1]


@pytest.mark.parametrize(
    ("table", "value"), [("settings", "3"), ("vars", '"CC=cc"'), ("rules", '["a"]')], ids=["settings", "vars", "rules"]
)
def test_a_top_level_table_of_the_wrong_type_is_an_error(make_project, reject, table, value):
    p = make_project(f"{table} = {value}\n" + ("" if table == "rules" else OK_RULE))
    r = reject(p)
    assert table in r.err
    assert "Maestrofile.toml:1: " in r.err


def test_a_rule_that_is_not_a_table_is_an_error_naming_it(make_project, reject):
    p = make_project('[rules]\na = "touch ran.marker"\n')
    r = reject(p)
    assert "rule 'a'" in r.err


# -- incomplete rules ----------------------------------------------------------------------------


def test_a_rule_without_run_is_an_error_naming_the_rule(make_project, reject):
    p = make_project(OK_RULE + '\n[rules.a]\noutputs = ["a.txt"]\n')
    r = reject(p)
    assert_located(r, line_of(p, "[rules.a]"), "a")
    assert "run" in r.err


@pytest.mark.parametrize("extra", ["", "always = false\n", "outputs = []\n"])
def test_a_rule_without_outputs_that_is_not_always_is_an_error(make_project, reject, extra):
    p = make_project(OK_RULE + '\n[rules.a]\nrun = "touch ran.marker"\n' + extra)
    r = reject(p)
    assert_located(r, line_of(p, "[rules.a]"), "a")
    assert "outputs" in r.err
    assert "always" in r.err


# -- placeholders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "unknown", "suggestion"),
    [
        ("run", '"cp {input} {ouptut}"', "ouptut", "output"),
        ("run", '"{CCC} -c {input}"', "CCC", "CC"),
        ("inputs", '["{stme}.c"]', "stme", "stem"),
        ("outputs", '["build/{nmae}.o"]', "nmae", "name"),
        ("description", '"compile {paht}"', "paht", "path"),
    ],
)
def test_an_unknown_placeholder_is_named_with_rule_line_and_a_suggestion(
    make_project, reject, key, value, unknown, suggestion
):
    """SPEC: The graph: an unknown placeholder."""
    body = {
        "foreach": '"src/*.c"',
        "inputs": '["{path}"]',
        "outputs": '["build/{stem}.o"]',
        "run": '"touch ran.marker {output}"',
        key: value,
    }
    p = make_project(
        '[vars]\nCC = "cc"\n\n[rules.cc]\n' + "".join(f"{k} = {v}\n" for k, v in body.items()),
        {"src/a.c": "int a;\n"},
    )
    r = reject(p)
    assert_located(r, line_of(p, f"{key} = {value}"), "cc")
    assert "{" + unknown + "}" in r.err
    assert f"did you mean '{suggestion}'" in r.err


@pytest.mark.parametrize(("key", "value"), [("run", '"cp {} {output}"'), ("outputs", '["out/{ }.txt"]')])
def test_an_empty_placeholder_is_named_as_such(make_project, reject, key, value):
    body = {"inputs": '["src.txt"]', "outputs": '["out.txt"]', "run": '"touch ran.marker {output}"', key: value}
    p = make_project("[rules.a]\n" + "".join(f"{k} = {v}\n" for k, v in body.items()), {"src.txt": "x"})
    r = reject(p)
    assert_located(r, line_of(p, f"{key} = {value}"), "a")
    assert "empty placeholder" in r.err
    assert "unclosed" not in r.err


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("outputs", '["build/{stem}.o"]'),  # foreach fields need foreach
        ("run", '"touch ran.marker {path}"'),
        ("outputs", '["{input}.bak"]'),  # README: only run and description see {input}
    ],
)
def test_a_placeholder_that_this_field_cannot_see_is_unknown(make_project, reject, key, value):
    body = {"inputs": '["src.txt"]', "outputs": '["out.txt"]', "run": '"touch ran.marker {output}"', key: value}
    p = make_project("[rules.a]\n" + "".join(f"{k} = {v}\n" for k, v in body.items()), {"src.txt": "x"})
    r = reject(p)
    assert_located(r, line_of(p, f"{key} = {value}"), "a")
    assert "placeholder" in r.err


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("run", '"touch ran.marker {output"'),
        ("run", '"touch ran.marker output}"'),
        ("run", """ "awk '{print $1}' {input} > {output}" """),
        ("inputs", '["{path.c"]'),
        ("outputs", '["build/}{stem}.o"]'),
        ("description", '"{"'),
    ],
)
def test_unbalanced_braces_are_an_error_naming_rule_and_line(make_project, reject, key, value):
    """SPEC: `{{` and `}}` are literal braces; a lone brace is not."""
    body = {
        "foreach": '"src/*.c"',
        "inputs": '["{path}"]',
        "outputs": '["build/{stem}.o"]',
        "run": '"touch ran.marker {output}"',
        key: value,
    }
    p = make_project("[rules.cc]\n" + "".join(f"{k} = {v.strip()}\n" for k, v in body.items()), {"src/a.c": "x"})
    r = reject(p)
    assert_located(r, line_of(p, f"{key} = {value.strip()}"), "cc")


def test_doubled_braces_are_fine_and_reach_the_command_as_single_ones(make_project):
    p = make_project(
        """
        [rules.a]
        inputs = ["in.txt"]
        outputs = ["out.txt"]
        run = "awk '{{print $2}}' {input} > {output}"
        """,
        {"in.txt": "a b\nc d\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out.txt") == "b\nd\n"


# -- the graph -----------------------------------------------------------------------------------

CYCLE = """
[rules.a]
inputs = ["c.txt"]
outputs = ["a.txt"]
run = "touch ran.marker a.txt"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "touch ran.marker b.txt"

[rules.c]
inputs = ["b.txt"]
outputs = ["c.txt"]
run = "touch ran.marker c.txt"
"""


def cycle_path(err: str) -> list[str]:
    m = re.search(r"cycle: ([\w:./ -]+?(?: -> [\w:./-]+)+)", err)
    assert m, f"no cycle path in:\n{err}"
    return m.group(1).split(" -> ")


def test_a_cycle_is_an_error_showing_the_cycle_path(make_project, reject):
    """SPEC: The graph: a cycle (with the cycle's path)."""
    p = make_project(CYCLE, {"c.txt": "seed"})
    r = reject(p, real=True)
    assert "Maestrofile.toml" in r.err
    path = cycle_path(r.err)
    assert path[0] == path[-1]
    assert sorted(path[:-1]) == ["a", "b", "c"]
    forward = {("a", "b"), ("b", "c"), ("c", "a")}
    steps = set(itertools.pairwise(path))
    assert steps == forward or steps == {(y, x) for x, y in forward}


def test_a_cycle_through_foreach_jobs_names_the_jobs(make_project, reject):
    p = make_project(
        """
        [rules.cc]
        foreach = "src/*.c"
        inputs = ["{path}", "gen.h"]
        outputs = ["build/{stem}.o"]
        run = "touch ran.marker {output}"

        [rules.gen]
        inputs = ["build/a.o"]
        outputs = ["gen.h"]
        run = "touch ran.marker gen.h"
        """,
        {"src/a.c": "x", "gen.h": "y"},
    )
    r = reject(p)
    path = cycle_path(r.err)
    assert path[0] == path[-1]
    assert set(path) == {"cc:src/a.c", "gen"}


def test_a_rule_reading_its_own_output_is_a_cycle(make_project, reject):
    p = make_project(OK_RULE + '\n[rules.a]\ninputs = ["a.txt"]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert cycle_path(r.err) == ["a", "a"]


def test_two_rules_declaring_one_output_is_an_error_naming_both(make_project, reject):
    """SPEC: The graph: two rules declaring the same output."""
    p = make_project(
        """
        [rules.first]
        outputs = ["shared/x.txt"]
        run = "touch ran.marker shared/x.txt"

        [rules.second]
        outputs = ["./shared//x.txt"]
        run = "touch ran.marker shared/x.txt"
        """
    )
    r = reject(p)
    assert "shared/x.txt" in r.err
    assert "'first'" in r.err and "'second'" in r.err
    assert re.search(r"Maestrofile\.toml:\d+: rule '(first|second)': ", r.err)


def test_two_foreach_matches_declaring_one_output_is_an_error(make_project, reject):
    p = make_project(
        """
        [rules.cc]
        foreach = "src/*"
        inputs = ["{path}"]
        outputs = ["build/{stem}.o"]
        run = "touch ran.marker {output}"
        """,
        {"src/a.c": "x", "src/a.h": "y"},
    )
    r = reject(p)
    assert_located(r, line_of(p, "outputs ="), "cc")
    assert "build/a.o" in r.err


@pytest.mark.parametrize("inputs", ["", 'inputs = ["{path}"]\n'])
def test_a_foreach_output_that_is_its_own_match_is_an_error(make_project, reject, inputs):
    """A rule rewriting its matches in place: `clean` would delete the user's sources."""
    p = make_project(
        f"""
[rules.shout]
foreach = "*.txt"
{inputs}outputs = ["{{path}}"]
run = "touch ran.marker; tr a-z A-Z < {{path}} > {{path}}.tmp; mv {{path}}.tmp {{path}}"
""",
        {"a.txt": "a\n", "b.txt": "b\n"},
    )
    r = reject(p)
    assert_located(r, line_of(p, "outputs ="), "shout")
    assert "'a.txt'" in r.err and "always = true" in r.err
    assert p.read("a.txt") == "a\n"


def test_an_output_inside_another_output_is_an_error_naming_both(make_project, reject):
    """Found by a tester: `x` from one rule and `x/y` from another failed at run time (mkdir -p x)."""
    p = make_project(
        """
        [rules.a]
        outputs = ["x"]
        run = "touch ran.marker; echo a > x"

        [rules.b]
        inputs = ["x"]
        outputs = ["x/y"]
        run = "touch ran.marker x/y"
        """
    )
    r = reject(p)
    assert_located(r, line_of(p, "outputs =", line_of(p, "[rules.b]")), "b")
    assert "'x/y'" in r.err and "rule 'a'" in r.err


def test_a_depfile_inside_another_output_is_an_error(make_project, reject):
    p = make_project(
        """
        [rules.a]
        outputs = ["d"]
        run = "touch ran.marker; echo a > d"

        [rules.b]
        outputs = ["b.out"]
        depfile = "d/b.d"
        run = "touch ran.marker b.out"
        """
    )
    r = reject(p)
    assert_located(r, line_of(p, "depfile ="), "b")
    assert "depfile 'd/b.d'" in r.err and "rule 'a'" in r.err


@pytest.mark.timeout(30)
def test_an_absolute_depfile_is_an_error_not_a_hang(make_project, reject, tmp_path):
    """Found by CI: the check for paths inside outputs looped forever at '/' (dirname('/') is '/')."""
    p = make_project(f'[rules.a]\noutputs = ["a.txt"]\ndepfile = "{tmp_path}/a.d"\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert "depfile" in r.err and "outside the project" in r.err


def test_a_foreach_output_inside_another_matchs_output_names_that_job(make_project, reject):
    p = make_project(
        """
        [rules.gen]
        foreach = "src/**/*.c"
        outputs = ["gen/{dir}/{stem}"]
        run = "touch ran.marker {output}"
        """,
        {"src/a.c": "", "src/a/b.c": ""},
    )
    r = reject(p)
    assert "'gen/src/a/b' is inside 'gen/src/a', which job 'gen:src/a.c' makes" in r.err


def test_an_input_that_neither_exists_nor_is_made_is_an_error(make_project, reject):
    """SPEC: The graph: an input that neither exists nor is any rule's output."""
    p = make_project(
        OK_RULE + '\n[rules.a]\ninputs = ["src/gone.txt"]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n'
    )
    r = reject(p)
    assert not p.exists("ok.txt")
    assert_located(r, line_of(p, 'inputs = ["src/gone.txt"]'), "a")
    assert "'src/gone.txt'" in r.err


def test_a_missing_absolute_input_is_an_error_too(make_project, reject, tmp_path):
    gone = tmp_path / "nowhere" / "tool.h"
    p = make_project(f'[rules.a]\ninputs = ["{gone}"]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert str(gone) in r.err


@pytest.mark.parametrize("output", ["../x.txt", "sub/../../x.txt", "ABS/x.txt"])
def test_an_output_outside_the_project_is_an_error(make_project, reject, tmp_path, output):
    """SPEC: Outputs must stay inside it."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    output = output.replace("ABS", str(outside))
    p = make_project(OK_RULE + f'\n[rules.a]\noutputs = ["{output}"]\nrun = "touch ran.marker {{output}}"\n')
    r = reject(p)
    assert_located(r, line_of(p, "outputs =", line_of(p, "[rules.a]")), "a")
    assert "outside" in r.err
    assert list(outside.iterdir()) == []
    assert not (p.root.parent / "x.txt").exists()


def test_an_output_through_a_symlinked_folder_leading_out_is_an_error(make_project, reject, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    p = make_project(OK_RULE + '\n[rules.a]\noutputs = ["link/deeper/x.txt"]\nrun = "touch ran.marker {output}"\n')
    (p.root / "link").symlink_to(outside)
    r = reject(p)
    assert_located(r, line_of(p, "outputs =", line_of(p, "[rules.a]")), "a")
    assert "link/deeper/x.txt" in r.err
    assert list(outside.iterdir()) == []


def test_an_output_through_a_symlinked_folder_inside_the_project_is_fine(make_project):
    p = make_project('[rules.a]\noutputs = ["link/x.txt"]\nrun = "touch {output}"\n')
    (p.root / "real").mkdir()
    (p.root / "link").symlink_to(p.root / "real")
    r = p.run()
    assert r.code == 0, r.text
    assert (p.root / "real" / "x.txt").exists()


# -- targets -------------------------------------------------------------------------------------

TARGETS = """
[rules.alpha]
outputs = ["alpha.txt"]
run = "touch ran.marker alpha.txt"

[rules.cc]
foreach = "src/*.c"
inputs = ["{path}"]
outputs = ["build/{stem}.o"]
run = "touch ran.marker {output}"
"""


@pytest.mark.parametrize(
    ("args", "named", "suggestion"),
    [
        (["build", "alpah"], "alpah", "alpha"),
        (["alpah"], "alpah", "alpha"),
        (["build", "alpha", "nope.txt"], "nope.txt", None),
        (["build", "cc:src/b.c"], "cc:src/b.c", "cc:src/a.c"),
        (["build", "build/b.o"], "build/b.o", "build/a.o"),
        (["status", "alpah"], "alpah", "alpha"),
    ],
)
def test_an_unknown_target_on_the_command_line_is_a_usage_error(make_project, reject, args, named, suggestion):
    """SPEC: The graph: an unknown target."""
    p = make_project(TARGETS, {"src/a.c": "x"})
    r = reject(p, *args)
    assert f"'{named}'" in r.err
    assert "Maestrofile.toml" in r.err
    if suggestion:
        assert f"did you mean '{suggestion}'" in r.err


def test_each_unknown_target_is_a_message_of_its_own(make_project, reject):
    p = make_project(TARGETS, {"src/a.c": "x"})
    r = reject(p, "build", "nope", "alpah")
    lines = [line for line in r.err.splitlines() if "unknown target" in line]
    assert len(lines) == 2 and all(line.startswith("buildlike: unknown target '") for line in lines), r.err


def test_an_unknown_target_writes_no_graph_cache_even_for_an_old_maestrofile(make_project, reject):
    """A Maestrofile old enough to cache: bad usage still writes nothing but the lock."""
    p = make_project(TARGETS, {"src/a.c": "x"})
    past = time.time_ns() - 60 * 10**9
    for rel in ("Maestrofile.toml", "src/a.c", "src", "."):
        os.utime(p.root / rel, ns=(past, past))
    reject(p, "build", "nope")
    reject(p, "build", "nope", real=True)
    r = p.run("build", "alpha")  # and a good one does
    assert r.code == 0, r.text
    assert p.exists(".buildlike/graph.cache")


def test_an_unknown_target_in_settings_default_is_named_with_its_line(make_project, reject):
    p = make_project('[settings]\njobs = 1\ndefault = ["alpha", "alpah"]\n' + TARGETS, {"src/a.c": "x"})
    r = reject(p, real=True)
    assert_located(r, 3)
    assert "'alpah'" in r.err
    assert "did you mean 'alpha'" in r.err


def test_settings_default_is_located_by_its_key_not_by_a_line_starting_with_default(make_project, reject):
    """A var named `default` came first, so its line was given (a text search)."""
    p = make_project('[vars]\ndefault = "x"\n[settings]\n"default" = ["alpah"]\n' + TARGETS, {"src/a.c": "x"})
    assert_located(reject(p, real=True), 4)


def test_an_empty_settings_default_is_an_error_not_every_rule(make_project, reject):
    """Found by a black-box tester: `default = []` built every rule, as if it were absent."""
    p = make_project("[settings]\ndefault = []\n" + TARGETS, {"src/a.c": "x"})
    r = reject(p, real=True)
    assert_located(r, 2)
    assert "settings.default is empty: leave it out to build every rule, or name what to build" in r.err


def test_a_foreach_rule_that_matches_nothing_is_still_a_known_target(make_project):
    p = make_project(TARGETS)
    r = p.run("build", "cc")
    assert r.code == 0, r.text
    assert "src/*.c" in r.err  # the warning names the pattern


# -- several problems ----------------------------------------------------------------------------


def test_several_problems_in_one_file_are_reported_together(make_project, reject):
    """STYLE/README: every problem in a Maestrofile is reported at once."""
    p = make_project(
        """
        [settings]
        jobs = "many"

        [vars]
        CC = 1

        [rules.a]
        outputs = ["a.txt"]
        run = "touch ran.marker {ouput}"

        [rules.b]
        inputs = ["x"]
        run = "touch ran.marker"

        [rules.c]
        outptus = ["c.txt"]
        run = "touch ran.marker c.txt"
        """
    )
    r = reject(p, real=True)
    assert_located(r, line_of(p, "jobs ="))
    assert_located(r, line_of(p, "CC ="))
    assert_located(r, line_of(p, 'run = "touch ran.marker {ouput}"'), "a")
    assert_located(r, line_of(p, "[rules.b]"), "b")
    assert_located(r, line_of(p, "outptus ="), "c")
    assert len([ln for ln in r.err.splitlines() if "Maestrofile.toml:" in ln]) >= 5


def test_problems_of_different_kinds_are_reported_together(make_project, reject):
    """README: every problem in a Maestrofile is reported at once, before anything runs."""
    p = make_project(
        """
        [rules.outside]
        outputs = ["../escape.txt"]
        run = "touch ran.marker"

        [rules.one]
        outputs = ["same.txt"]
        run = "touch ran.marker same.txt"

        [rules.two]
        outputs = ["same.txt"]
        run = "touch ran.marker same.txt"

        [rules.reader]
        inputs = ["missing.txt"]
        outputs = ["r.txt"]
        run = "touch ran.marker r.txt"
        """
    )
    r = reject(p)
    assert "../escape.txt" in r.err
    assert "same.txt" in r.err
    assert "missing.txt" in r.err


# -- warnings that are not errors ----------------------------------------------------------------


def test_a_glob_that_matches_nothing_is_a_warning_naming_rule_and_pattern_and_the_build_goes_on(make_project):
    """README: a glob that matches nothing is a warning naming the rule and the pattern."""
    p = make_project(
        """
        [rules.cat]
        inputs = ["parts/*.txt", "head.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """,
        {"head.txt": "head\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("all.txt") == "head\n"
    warning = next(ln for ln in r.err.splitlines() if "parts/*.txt" in ln)
    assert "warning" in warning
    assert "rule 'cat'" in warning


@pytest.mark.parametrize(
    "inputs", ['inputs = ["{path}"]', 'inputs = ["src/*.h"]', "always = true", 'depfile = "out/{stem}.d"', ""]
)
def test_a_foreach_match_its_jobs_do_not_read_is_a_warning(make_project, inputs):
    """Found by a black-box tester: `foreach = "src/*.h"` without `{path}` among the inputs never
    reran when the file changed, with no word of it. Warned once per rule (a match among the inputs,
    through `{path}` or a glob, an `always` rule, or one with a depfile that may list it, needs
    none), and the build goes on."""
    p = make_project(
        f"""
        [rules.copy]
        foreach = "src/*.h"
        {inputs}
        outputs = ["out/{{stem}}.txt"]
        run = "cp {{path}} {{output}}"
        """,
        {"src/a.h": "a\n", "src/b.h": "b\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out/b.txt") == "b\n"
    warned = [ln for ln in r.err.splitlines() if "foreach match" in ln]
    if inputs:
        assert warned == []
    else:
        assert warned == [
            "warning: Maestrofile.toml:2: rule 'copy': the foreach match 'src/a.h' is not among the rule's"
            ' inputs, so a change to it reruns nothing; add "{path}" to inputs'
        ]


def test_a_foreach_that_matches_nothing_is_a_warning_and_the_rest_builds(make_project):
    p = make_project(
        """
        [rules.cc]
        foreach = "src/*.c"
        inputs = ["{path}"]
        outputs = ["build/{stem}.o"]
        run = "cp {input} {output}"
        """
        + OK_RULE
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.exists("ok.txt")
    warning = next(ln for ln in r.err.splitlines() if "src/*.c" in ln)
    assert "warning" in warning and "rule 'cc'" in warning


# -- finding the Maestrofile, and options --------------------------------------------------------


def test_a_folder_without_a_maestrofile_is_a_usage_error_naming_the_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = subprocess.run([sys.executable, "-m", "buildlike"], cwd=empty, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "Maestrofile.toml" in r.stderr
    assert str(empty) in r.stderr
    assert list(empty.iterdir()) == []


def test_dash_f_to_a_missing_file_is_a_usage_error_naming_it(make_project, reject):
    p = make_project(OK_RULE)
    r = reject(p, "-f", "Other.toml", real=True)
    assert "Other.toml" in r.err


def test_dash_capital_c_to_a_missing_folder_is_a_usage_error_naming_it(make_project, reject, tmp_path):
    p = make_project(OK_RULE)
    missing = str(tmp_path / "no" / "such")
    r = reject(p, "-C", missing)
    assert missing in r.err
    assert not Path(missing).exists()


@pytest.mark.parametrize(
    "value", [["-1"], ["abc"], ["1.5"], [""], []], ids=["negative", "word", "float", "empty", "none"]
)
@pytest.mark.parametrize("form", ["bare", "build"])
def test_a_bad_jobs_value_is_a_usage_error(make_project, reject, value, form):
    p = make_project(OK_RULE)
    args = (["build"] if form == "build" else []) + ["-j", *value]
    r = reject(p, *args)
    assert "-j" in r.err or "jobs" in r.err


def test_a_rule_with_a_blank_name_is_an_error(make_project, reject):
    p = make_project(OK_RULE + '\n[rules." "]\noutputs = ["a.txt"]\nrun = "touch ran.marker a.txt"\n')
    r = reject(p)
    assert "needs a name" in r.err
    assert_located(r, line_of(p, '[rules." "]'))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-f", "src"], "src has no Maestrofile.toml"),
        (["-f", "/dev/null"], "'/dev/null' is not a file"),
        (["-f", "nope.toml"], "nope.toml' does not exist"),
        (["-C", "src"], "src has no Maestrofile.toml"),
        (["-C", "Maestrofile.toml"], "-C Maestrofile.toml: not a folder; to name a Maestrofile, use -f"),
    ],
)
def test_a_maestrofile_that_is_not_there_is_named_for_what_it_is(make_project, reject, args, said):
    p = make_project(OK_RULE, {"src/a.c": ""})
    r = reject(p, "status", *args)
    assert said in r.err


def test_a_maestrofile_in_a_folder_above_is_pointed_at(tmp_path, buildlike_cli):
    """Found by a tester migrating projects: `buildlike status` in a project's subfolder only said
    there was no Maestrofile."""
    (tmp_path / "Maestrofile.toml").write_text('[rules.a]\noutputs = ["a"]\nrun = "touch a"\n')
    (tmp_path / "chapters" / "one").mkdir(parents=True)
    r = buildlike_cli("status", cwd=tmp_path / "chapters" / "one")
    assert r.code == 2
    assert "../../Maestrofile.toml is there: add `-C ../..`" in r.err
    assert buildlike_cli("status", "-C", "../..", cwd=tmp_path / "chapters" / "one").code == 0


@pytest.mark.parametrize("args", [[], ["-f", "Maestrofile.toml"], ["-C", "sub"]])
def test_a_maestrofile_that_is_a_folder_is_said_to_be_one(tmp_path, buildlike_cli, args):
    """Found by a black-box tester: it said "/x has no Maestrofile.toml", where there is one."""
    (tmp_path / "Maestrofile.toml").mkdir()
    (tmp_path / "sub" / "Maestrofile.toml").mkdir(parents=True)
    r = buildlike_cli(*args, cwd=tmp_path)
    assert r.code == 2
    assert "Maestrofile.toml' is a folder, not a file" in r.err


def test_nul_in_settings_default_and_the_project_folder_as_an_output_say_so(make_project, reject):
    p = make_project('[settings]\ndefault = ["ok\\u0000"]\n' + OK_RULE)
    assert "settings.default holds a NUL character" in reject(p).err
    p = make_project(OK_RULE + '\n[rules.a]\noutputs = ["sub/.."]\nrun = "touch ran.marker"\n')
    assert "output '.' is the project folder itself" in reject(p).err


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        (  # a foreach rule whose depfile names no field: every job writes the same one
            '[rules.cc]\nforeach = "src/*.c"\noutputs = ["out/{stem}.o"]\ndepfile = "deps.d"\n'
            'run = "touch ran.marker {output}"\n',
            "depfile 'deps.d' is also the depfile of job 'cc:src/a.c' (line 1); each job needs a depfile of its own"
            " (name it after the match: {stem}.d)",
        ),
        (
            '[rules.a]\noutputs = ["a.o", "a.d"]\nrun = "touch ran.marker a.o a.d"\n\n'
            '[rules.b]\noutputs = ["b.o"]\ndepfile = "a.d"\nrun = "touch ran.marker b.o"\n',
            "depfile 'a.d' is also an output of rule 'a' (line 1); each job needs a depfile of its own",
        ),
    ],
    ids=["foreach-fixed-depfile", "another-rules-output"],
)
def test_a_depfile_two_jobs_would_write_is_an_error(make_project, reject, rules, says):
    """Found by a black-box tester: jobs sharing one depfile were not refused, and raced on it."""
    p = make_project(rules, {"src/a.c": "a", "src/b.c": "b"})
    r = reject(p)
    assert says in r.err, r.err

"""Where tables and keys are written (tomlsource.Locator): simple lines are read whole, the others token
by token, and both must agree with what TOML means."""

from __future__ import annotations

import sys

import pytest

from buildlike.errors import Problem
from buildlike.tomlsource import Locator, at_keys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOC = """\
# [rules.commented] is no header
[settings]
jobs = 4

[rules.a]
inputs = ["x.txt", 'y.txt', ]  # [not.a.header]
outputs = [
  "out/a.txt",
  [inf],
]
run = \"\"\"
[rules.inside_a_string]
key = 1
\"\"\"

[ rules . "b c" ]
env = { A = "1", B = { C = "2" } }
run = "echo \\" [q]"

[rules.d]
e.f = 'g'
description = 'a # b'

[[tables.t]]
k = 1
"""


@pytest.fixture(scope="module")
def where() -> Locator:
    tomllib.loads(DOC)  # (the Locator is only given valid TOML)
    return Locator(DOC)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("settings",), 2),
        (("settings", "jobs"), 3),
        (("rules", "a"), 5),
        (("rules", "a", "inputs"), 6),
        (("rules", "a", "outputs"), 7),  # an array over several lines, one holding `[inf]`
        (("rules", "a", "run"), 11),
        (("rules", "b c"), 16),  # a quoted key, read token by token
        (("rules", "b c", "env"), 17),
        (("rules", "b c", "env", "B", "C"), 17),
        (("rules", "b c", "run"), 18),
        (("rules", "d"), 20),
        (("rules", "d", "e"), 21),
        (("rules", "d", "e", "f"), 21),
        (("rules", "d", "description"), 22),
        (("tables", "t"), 24),
        (("tables", "t", "k"), 25),
        (("rules",), 5),  # the first header inside it
    ],
)
def test_each_table_and_key_has_its_line(where: Locator, path: tuple[str, ...], line: int) -> None:
    assert where.line(*path) == line


@pytest.mark.parametrize(
    "path",
    [("rules", "commented"), ("rules", "inside_a_string"), ("key",), ("not",), ("rules", "a", "inf"), ("q",)],
)
def test_nothing_in_a_comment_string_or_array_is_a_key(where: Locator, path: tuple[str, ...]) -> None:
    assert where.line(*path) is None


def test_lines_end_in_crlf_or_at_the_end_of_the_text() -> None:
    text = '[rules.a]\r\nrun = "x"\r\n\r\n[rules.b]\r\noutputs = [\r\n  "o",\r\n]\r\nrun = "y"'
    where = Locator(text)
    assert [where.line("rules", "a"), where.line("rules", "a", "run"), where.line("rules", "b")] == [1, 2, 4]
    assert [where.line("rules", "b", "outputs"), where.line("rules", "b", "run")] == [5, 8]


def test_a_key_is_looked_up_in_its_table_then_the_table_itself(where: Locator) -> None:
    assert where.key("run", "rules", "a") == 11
    assert where.key("missing", "rules", "a") == 5
    assert where.key("nothing") is None


def test_at_keys_moves_a_problem_to_its_keys_line_and_leaves_the_others():
    text = '[rules.a]\nrun = "true"\ninputs = [\n  "x",\n]\n\n[rules]\nb = { outputs = ["o"], run = "true" }\n'
    problems = [
        Problem("missing", file="M", line=1, rule="a", path="x", key="inputs"),
        Problem("no such key written", file="M", line=1, rule="a", key="depfile"),  # (stays at the header)
        Problem("two makers", file="M", line=8, rule="b", path="o", key="outputs"),
        Problem("a cycle", file="M", line=1, rule="a"),
    ]
    assert [p.line for p in at_keys(problems, text)] == [3, 1, 8, 1]

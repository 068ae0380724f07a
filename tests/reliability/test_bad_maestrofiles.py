"""Maestrofiles wrong in every way the format allows: always exit 2 with a message naming what is wrong,
never a traceback.

SPEC: The graph: "Errors, each reported before anything runs, naming the rule(s) and file(s)".
A valid base project is broken by one to three generated mutations (wrong types, unknown keys, bad
placeholders, bad globs, duplicate outputs, cycles, paths outside the project, TOML syntax, bytes that
are not UTF-8, ...), or replaced by random bytes or text. Each case runs the real entry point in this
process (`buildlike build --dry-run -C DIR`, for speed); a few cases also run as a subprocess.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildlike.__main__ import main

KNOWN = {
    "settings",
    "vars",
    "rules",
    "jobs",
    "default",
    "shell",
    "inputs",
    "outputs",
    "run",
    "description",
    "env",
    "always",
    "foreach",
    "depfile",
    "path",
    "name",
    "stem",
    "dir",
    "input",
    "output",
    "CC",
    "gen",
    "each",
    "link",
}
FILES = {"src/a.txt": "a\n", "src/b.txt": "b\n"}


def base() -> dict[str, Any]:
    return {
        "settings": {"jobs": 2},
        "vars": {"CC": "cc"},
        "rules": {
            "gen": {"inputs": ["src/a.txt"], "outputs": ["build/gen.txt"], "run": "cp {input} {output}"},
            "each": {
                "foreach": "src/*.txt",
                "inputs": ["{path}"],
                "outputs": ["build/{stem}.out"],
                "run": "cp {input} {output}",
                "description": "copy {name}",
            },
            "link": {
                "inputs": ["build/*.out", "build/gen.txt"],
                "outputs": ["app"],
                "run": ["cat {inputs} > {output}", "echo linked"],
            },
        },
    }


# -- a small TOML writer (the standard library only reads TOML) -------------------------------------


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def to_toml(doc: dict[str, Any]) -> str:
    lines: list[str] = []

    def table(path: list[str], d: dict[str, Any]) -> None:
        if path:
            lines.append("[" + ".".join(json.dumps(p) for p in path) + "]")
        for k, v in d.items():
            if not isinstance(v, dict):
                lines.append(f"{json.dumps(k)} = {_value(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table([*path, k], v)

    table([], doc)
    return "\n".join(lines) + "\n"


# -- mutations: each breaks the document in one way and says what the message must name ----------------

Mutation = Callable[[st.DrawFn, dict[str, Any]], list[str]]
names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda s: s not in KNOWN)
junk_values = st.sampled_from([3, -1, 1.5, True, [], [1, 2], {}, {"a": 1}, [[]]])
rule_names = st.sampled_from(["gen", "each", "link"])


def _append(rule: dict[str, Any], key: str, item: str) -> None:
    """Add `item` to a list field, whatever an earlier mutation left in it."""
    field = rule.get(key)
    rule[key] = [*field, item] if isinstance(field, list) else [item]


def unknown_table(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    name = draw(names)
    doc[name] = draw(st.sampled_from([{}, {"x": 1}, "text"]))
    return [f"unknown table '{name}'"]


def unknown_setting(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    name = draw(names)
    doc["settings"][name] = draw(junk_values)
    return [f"unknown setting '{name}'"]


def bad_setting(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    key, bad = draw(
        st.sampled_from(
            [
                ("jobs", -1),
                ("jobs", "4"),
                ("jobs", 1.5),
                ("jobs", True),
                ("jobs", []),
                ("default", 3),
                ("default", [1]),
                ("default", {}),
                ("shell", ""),
                ("shell", "   "),
                ("shell", 3),
                ("shell", ["sh"]),
            ]
        )
    )
    doc["settings"][key] = bad
    return [f"settings.{key}"]


def unknown_default(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    name = draw(names)
    doc["settings"]["default"] = ["link", name]
    return [f"unknown target '{name}'"]


def not_a_table(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    key = draw(st.sampled_from(["settings", "vars", "rules"]))
    doc[key] = draw(st.sampled_from([3, "text", [1], True]))
    return [{"settings": "[settings] must be a table", "vars": "[vars] must be a table", "rules": "'rules'"}[key]]


def bad_var(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    if draw(st.booleans()):
        name = draw(names)
        doc["vars"][name] = draw(junk_values)
        return [f"var '{name}' must be a string"]
    name = draw(st.sampled_from(["path", "name", "stem", "dir", "input", "inputs", "output", "outputs"]))
    doc["vars"][name] = "x"
    return [f"var '{name}'", "built-in placeholder"]


def no_rules(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    doc["rules"] = {}
    return ["no rules"]


def rule_not_a_table(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    name = draw(names)
    doc["rules"][name] = draw(st.sampled_from([3, "run me", [1, 2], False]))
    return [f"rule '{name}'", "must be a table"]


def unknown_rule_key(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule, key = draw(rule_names), draw(names)
    doc["rules"][rule][key] = draw(st.sampled_from(["x", 1, ["a"]]))
    return [f"rule '{rule}'", f"unknown key '{key}'"]


def wrong_field_type(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(rule_names)
    key = draw(st.sampled_from(["inputs", "outputs", "run", "description", "foreach", "depfile", "always", "env"]))
    if key in ("inputs", "outputs", "run"):
        doc["rules"][rule][key] = draw(st.sampled_from([3, True, {}, [1, 2], [[]], 2.5]))
        return [f"rule '{rule}'", f"'{key}' must be a string or a list of strings"]
    if key == "env":
        doc["rules"][rule][key] = draw(st.sampled_from(["LC_ALL=C", 3, ["A"], {"A": 1}, {"A": ["x"]}]))
        return [f"rule '{rule}'", "'env' must be a table of strings"]
    if key == "always":
        doc["rules"][rule][key] = draw(st.sampled_from(["yes", 1, [], {}]))
    else:
        doc["rules"][rule][key] = draw(st.sampled_from([3, True, ["x"], {}]))
    return [f"rule '{rule}'", f"'{key}' must be"]


def empty_run(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(rule_names)
    doc["rules"][rule]["run"] = draw(st.sampled_from(["", "   ", [], [""], ["  ", ""]]))
    return [f"rule '{rule}'", "'run' is empty"]


def missing_part(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(rule_names)
    if draw(st.booleans()):
        del doc["rules"][rule]["run"]
        return [f"rule '{rule}'", "has no 'run'"]
    del doc["rules"][rule]["outputs"]
    return [f"rule '{rule}'", "has no outputs"]


def empty_path(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule, key = draw(rule_names), draw(st.sampled_from(["inputs", "outputs"]))
    _append(doc["rules"][rule], key, draw(st.sampled_from(["", "  "])))
    return [f"rule '{rule}'", f"'{key}' holds an empty path"]


def bad_placeholder(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(rule_names)
    key = draw(st.sampled_from(["run", "description", "inputs", "outputs"]))
    kind = draw(st.sampled_from(["unknown", "foreach only", "run only", "unclosed", "empty", "unmatched"]))
    if kind == "unknown":
        name = draw(names)
        text, expect = f"x {{{name}}}", f"unknown placeholder '{{{name}}}'"
    elif kind == "foreach only":
        rule = draw(st.sampled_from(["gen", "link"]))
        name = draw(st.sampled_from(["path", "name", "stem", "dir"]))
        text, expect = f"x/{{{name}}}", f"unknown placeholder '{{{name}}}'"
    elif kind == "run only":
        key = draw(st.sampled_from(["inputs", "outputs"]))
        name = draw(st.sampled_from(["input", "inputs", "output", "outputs"]))
        text, expect = f"x/{{{name}}}", f"unknown placeholder '{{{name}}}'"
    elif kind == "unclosed":
        text, expect = draw(st.sampled_from(["x {oops", "{", "{{{x", "x {a{b}"])), "unclosed '{'"
    elif kind == "empty":
        text, expect = draw(st.sampled_from(["a {} b", "{ }", "x{  }y"])), "empty placeholder"
    else:
        text, expect = draw(st.sampled_from(["x } y", "}", "a}}}b"])), "unmatched '}'"
    field = doc["rules"][rule].get(key)
    doc["rules"][rule][key] = [*field, text] if isinstance(field, list) else text
    return [f"rule '{rule}'", expect]


def bad_glob(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    pattern = draw(st.sampled_from(["src/[ab.txt", "src/[.txt", "**/[x", "src/[!a"]))
    if draw(st.booleans()):
        _append(doc["rules"]["link"], "inputs", pattern)
        rule = "link"
    else:
        doc["rules"]["each"]["foreach"] = pattern
        rule = "each"
    return [f"rule '{rule}'", "bad glob"]


def duplicate_output(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    if draw(st.booleans()):
        name = draw(names)
        doc["rules"][name] = {"outputs": [draw(st.sampled_from(["app", "build/gen.txt", "./app", "build//gen.txt"]))]}
        doc["rules"][name]["run"] = "true"
    else:
        doc["rules"]["each"]["outputs"] = ["build/same.out"]
        return ["rule 'each'", "is an output of", "of its jobs"]
    return ["is also an output of"]


def job_name_taken(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    name = draw(st.sampled_from(["each:src/a.txt", "each:src/b.txt"]))
    doc["rules"][name] = {"outputs": [draw(st.sampled_from(["x.txt", "y/z.txt"]))], "run": "true"}
    return [f"rule '{name}'", "also the name of a job of rule 'each'"]


def cycle(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    kind = draw(st.sampled_from(["self", "pair", "through foreach"]))
    if kind == "pair":
        doc["rules"]["c1"] = {"inputs": ["c2.txt"], "outputs": ["c1.txt"], "run": "true"}
        doc["rules"]["c2"] = {"inputs": ["c1.txt"], "outputs": ["c2.txt"], "run": "true"}
    else:
        doc["rules"]["c3"] = {"inputs": ["c3.txt"] if kind == "self" else ["app"], "outputs": ["c3.txt"], "run": "true"}
        if kind != "self":
            doc["rules"]["c4"] = {"inputs": ["c3.txt"], "outputs": ["c4.txt"], "run": "true"}
            doc["rules"]["c5"] = {"inputs": ["c4.txt"], "outputs": ["c5.txt"], "run": "true"}
            doc["rules"]["c3"]["inputs"] = ["c5.txt"]
    return ["cycle:"]


def missing_input(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(rule_names)
    path = draw(st.sampled_from(["nope/missing.txt", "src/c.txt", "build/other.out"]))
    _append(doc["rules"][rule], "inputs", path)
    return [f"rule '{rule}'", f"input '{path}' is not a file and no rule makes it"]


def output_outside(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    rule = draw(st.sampled_from(["gen", "link"]))
    path = draw(st.sampled_from(["../escape.txt", "/tmp/abs.txt", "a/../../x.txt", ".buildlike/x", "..", "/"]))
    doc["rules"][rule]["outputs"] = [path]
    return [f"rule '{rule}'", "state folder" if path.startswith(".b") else "outside the project"]


def bad_foreach(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    if draw(st.booleans()):
        doc["rules"]["each"]["foreach"] = draw(st.sampled_from(["", "  "]))
        return ["rule 'each'", "'foreach' is empty"]
    doc["rules"]["each"]["depfile"] = draw(st.sampled_from(["../{stem}.d", "/tmp/{stem}.d"]))
    return ["rule 'each'", "depfile"]


MUTATIONS: list[Mutation] = [
    unknown_table,
    unknown_setting,
    bad_setting,
    unknown_default,
    bad_var,
    rule_not_a_table,
    unknown_rule_key,
    wrong_field_type,
    empty_run,
    missing_part,
    empty_path,
    bad_placeholder,
    bad_glob,
    duplicate_output,
    job_name_taken,
    cycle,
    missing_input,
    output_outside,
    bad_foreach,
]


# These replace a whole table, so they go alone.
ALONE: list[Mutation] = [not_a_table, no_rules]


@st.composite
def broken_documents(draw: st.DrawFn) -> tuple[bytes, list[list[str]]]:
    doc = base()
    if draw(st.integers(0, 9)) == 0:
        chosen = [draw(st.sampled_from(ALONE))]
    else:
        chosen = draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3, unique=True))
    expected = [m(draw, doc) for m in chosen]
    return to_toml(doc).encode(), expected


TOML_JUNK = ["= 1", "[unclosed", 'x = "open', "a = 1\na = 2", "[[", "key = [1, 2", '"k" =', "[settings]", "x = 1 2"]


@st.composite
def broken_syntax(draw: st.DrawFn) -> tuple[bytes, list[list[str]]]:
    lines = to_toml(base()).splitlines()
    at = draw(st.integers(0, len(lines)))
    if draw(st.booleans()):
        junk = draw(st.sampled_from(TOML_JUNK))
        lines.insert(at, junk)
        return "\n".join(lines).encode(), [["not valid TOML"]]
    raw = bytearray("\n".join(lines).encode())
    pos = draw(st.integers(0, len(raw)))
    raw[pos:pos] = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\x80abc", b"\xed\xa0\x80"]))
    return bytes(raw), [["not valid UTF-8"]]


@contextlib.contextmanager
def project(raw: bytes) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="bad-maestrofile-"))
    try:
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        (root / "Maestrofile.toml").write_bytes(raw)
        yield root
    finally:
        shutil.rmtree(root)


def run_in_process(root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["build", "--dry-run", "-C", str(root)])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def check(raw: bytes, expected: list[list[str]]) -> None:
    with project(raw) as root:
        code, out, err = run_in_process(root)
    text = raw.decode(errors="replace")
    assert code == 2, f"exit {code} for:\n{text}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert err.startswith("error: "), err
    named = [all(e in err for e in exp) for exp in expected]
    if len(expected) == 1:
        assert named[0], f"expected {expected[0]} in:\n{err}\nfor:\n{text}"
    else:
        assert any(named), f"expected one of {expected} in:\n{err}\nfor:\n{text}"


def test_the_base_project_of_the_generated_cases_is_valid() -> None:
    with project(to_toml(base()).encode()) as root:
        code, out, err = run_in_process(root)
    assert code == 0, out + err
    assert "4 jobs would run" in out, out


def _examples(long_mode: bool, ci: int) -> int:
    return ci * 10 if long_mode else ci


def test_generated_broken_maestrofiles_exit_2_naming_the_problem(long_mode: bool, figures: Counter[str]) -> None:
    @settings(
        max_examples=_examples(long_mode, 700),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(broken_documents())
    def case(sample: tuple[bytes, list[list[str]]]) -> None:
        figures["bad_inputs"] += 1
        check(*sample)

    case()


def test_generated_toml_syntax_errors_and_non_utf8_bytes_exit_2(long_mode: bool, figures: Counter[str]) -> None:
    @settings(max_examples=_examples(long_mode, 200), deadline=None, database=None)
    @given(broken_syntax())
    def case(sample: tuple[bytes, list[list[str]]]) -> None:
        figures["bad_inputs"] += 1
        check(*sample)

    case()


def test_random_bytes_and_text_as_a_maestrofile_exit_2(long_mode: bool, figures: Counter[str]) -> None:
    @settings(max_examples=_examples(long_mode, 200), deadline=None, database=None)
    @given(st.one_of(st.binary(min_size=0, max_size=300), st.text(max_size=300).map(str.encode)))
    def case(raw: bytes) -> None:
        figures["bad_inputs"] += 1
        with project(raw) as root:
            code, out, err = run_in_process(root)
        assert code == 2, f"exit {code} for {raw!r}:\n{out}{err}"
        assert err.startswith("error: ") and "Maestrofile.toml" in err, err

    case()


def test_a_huge_maestrofile_with_one_mistake_near_its_end_names_it(make_project, figures: Counter[str]) -> None:
    rules = "".join(
        f'[rules.r{i}]\ninputs = ["src.txt"]\noutputs = ["o/{i}.txt"]\nrun = "cp {{input}} {{output}}"\n\n'
        for i in range(5000)
    )
    padding = "# " + "x" * 200 + "\n"
    p = make_project(
        padding * 20000 + rules + '[rules.last]\noutputs = ["o/last"]\nrun = "{nope}"\n', {"src.txt": "x\n"}
    )
    figures["bad_inputs"] += 1
    r = p.run(timeout=120)
    assert r.code == 2, r.text
    line = 20000 + 5000 * 5 + 3  # the line of its `run`
    assert r.err.startswith(f"error: Maestrofile.toml:{line}: rule 'last': unknown placeholder '{{nope}}'"), r.err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\x00\x01\x02binary\xff\xfe", "not valid UTF-8"),
        (b"[rules.a]\nrun = 'true'\noutputs = ['a']\n\xc3\x28\n", "Maestrofile.toml:4: not valid UTF-8"),
        (b"[rules.a\n", "Maestrofile.toml:1: not valid TOML"),
        (
            b'[rules.a]\ninputs = ["b"]\noutputs = ["a"]\nrun = "x"\n'
            b'[rules.b]\ninputs = ["a"]\noutputs = ["b"]\nrun = "y"\n',
            "cycle: ",
        ),
        (b'[rules.a]\noutputs = ["a"]\nrun = "x"\nimputs = ["b"]\n', "unknown key 'imputs' (did you mean 'inputs'?)"),
        (b"", "no rules"),
    ],
)
def test_a_bad_maestrofile_exits_2_from_the_command_line_too(make_project, raw: bytes, expected: str, figures) -> None:
    p = make_project("")
    (p.root / "Maestrofile.toml").write_bytes(raw)
    figures["bad_inputs"] += 1
    r = p.run()
    assert r.code == 2, r.text
    assert "Traceback" not in r.err
    assert expected in r.err, r.err
    assert not (p.root / ".buildlike" / "state.db").exists()


def test_the_generated_documents_are_deep_copies_of_the_base() -> None:
    assert base() == copy.deepcopy(base())


def test_twenty_thousand_unknown_keys_are_reported_without_a_quadratic_search(make_project, figures) -> None:
    """Each problem's line was found by scanning its rule's lines again: 20,000 unknown keys took
    39 s. A generous bound: the report takes well under a second here."""
    keys = "".join(f"key{i} = {i}\n" for i in range(20_000))
    p = make_project(f'[rules.a]\noutputs = ["a"]\nrun = "true"\n{keys}')
    figures["bad_inputs"] += 1
    started = time.monotonic()
    r = p.run(timeout=120)
    assert r.code == 2, r.text[-400:]
    assert time.monotonic() - started < 15
    assert "Maestrofile.toml:20003: rule 'a': unknown key 'key19999'" in r.err, r.err[-400:]

"""Read `Maestrofile.toml` into a `Project`, checking every key and type and reporting all problems at once.

Only this module knows TOML. Rules still hold their placeholders; expanding them into jobs is jobs.py's.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from buildlike.errors import MaestrofileError, Problem
from buildlike.model import Project, Rule, Settings
from buildlike.shellwords import shell_words
from buildlike.template import TemplateSyntaxError, parse
from buildlike.tomlsource import Locator, keys_as_written, toml_string

TOP_KEYS = ("settings", "vars", "rules")
SETTINGS_KEYS = ("jobs", "default", "shell")
_NUL = "holds a NUL character (\\u0000), which no command or path can take"
RULE_KEYS = ("inputs", "outputs", "run", "description", "env", "always", "foreach", "depfile")
FOREACH_FIELDS = ("path", "name", "stem", "dir")
PATH_FIELDS = ("input", "inputs", "output", "outputs")


def did_you_mean(word: str, choices: Iterable[str], *, keys: bool = False) -> str:
    """`" (did you mean 'x'?)"` for the closest choice, or `""`; `keys`: the choices are our keys,
    which other tools' names for them suggest too."""
    close = _closest(word, choices, keys=keys)
    return f" (did you mean '{close}'?)" if close is not None else ""


# What other build tools call our keys (make, ninja, doit, Snakemake, Taskfile...), whatever the
# spelling says: `script` is close to `description`, but meant for `run`. The first of a word's
# meanings that the place allows is the one suggested.
_KNOWN_AS = {
    **dict.fromkeys(("command", "commands", "cmd", "cmds", "script", "actions", "recipe", "exec"), ("run",)),
    **dict.fromkeys(("deps", "dependencies", "depends", "sources", "srcs", "requires", "file_dep"), ("inputs",)),
    **dict.fromkeys(("prerequisites", "prereqs"), ("inputs",)),
    **dict.fromkeys(("targets", "target"), ("outputs", "default", "rules")),
    **dict.fromkeys(("outs", "produces", "generates", "creates"), ("outputs",)),
    **dict.fromkeys(("environment", "environ"), ("env",)),
    **dict.fromkeys(("desc", "doc", "help", "title"), ("description",)),
    **dict.fromkeys(("phony", "force"), ("always",)),
    **dict.fromkeys(("parallel", "workers", "threads", "concurrency"), ("jobs",)),
    **dict.fromkeys(("tasks", "task", "rule"), ("rules",)),
    **dict.fromkeys(("variables", "var"), ("vars",)),
}


def _closest(word: str, choices: Iterable[str], *, keys: bool = False) -> str | None:
    import difflib

    allowed = list(choices)
    known = next((k for k in _KNOWN_AS.get(word.lower(), ()) if k in allowed), None) if keys else None
    if known is not None:
        return known
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


_TYPE_NAMES = {
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "list": "a list",
    "dict": "a table",
    "datetime": "a date and time",
    "date": "a date",
    "time": "a time",
}


def _type_name(value: object) -> str:
    name = type(value).__name__
    return _TYPE_NAMES.get(name, name)


def _not_strings(value: object) -> str:
    """What a value that should be a list of strings is instead: `a list holding a number` for a
    list, else its type."""
    odd = next((v for v in value if not isinstance(v, str)), None) if isinstance(value, list) else None
    return f"a list holding {_type_name(odd)}" if odd is not None else _type_name(value)


class Checked(NamedTuple):
    """A Maestrofile read and checked: its project, and what is wrong with it.

    With problems, `project` holds only the rules whose inputs and outputs could be read (their
    commands may not), so that the graph's problems can be found too and reported with these
    (`every_rule`: none was left out, so an input no rule makes is missing indeed).
    """

    project: Project
    problems: tuple[Problem, ...] = ()
    every_rule: bool = True


_BOM = b"\xef\xbb\xbf"


def maestrofile_text(raw: bytes) -> str:
    """The Maestrofile's text from its bytes, which must be UTF-8 (else UnicodeDecodeError)."""
    # A UTF-8 byte-order mark, which some editors write (Notepad on Windows), is no TOML: skip it, as
    # in depfiles. (The graph cache keys on the file's bytes, mark and all.)
    body = raw.removeprefix(_BOM)
    text = body.decode("utf-8")
    encoding = sys.getfilesystemencoding()
    if encoding.lower() not in ("utf-8", "utf8"):
        # File names go to the system in this encoding (ASCII where LC_ALL=C and PYTHONUTF8=0): the
        # Maestrofile's names and commands, read the same way, name the files their bytes name.
        text = body.decode(encoding, "surrogateescape")
    return text


def read_project(path: Path, raw: bytes | None = None, *, shown: str | None = None) -> Checked:
    """Read and check the Maestrofile at `path` (whose bytes are `raw`, if already read), named
    `shown` in messages (default: its file name).

    Raises `MaestrofileError` when it cannot be read as TOML at all; any other problem is in the
    result, with what could be made of the rest.
    """
    shown = shown if shown is not None else path.name
    try:
        raw = path.read_bytes() if raw is None else raw
    except FileNotFoundError:
        raise MaestrofileError([Problem(f"no {path.name} here ({path.parent})", file=shown)]) from None
    except (IsADirectoryError, PermissionError) as e:
        raise MaestrofileError([Problem(f"cannot read it: {e.strerror}", file=shown)]) from None
    try:
        text = maestrofile_text(raw)
    except UnicodeDecodeError as e:
        body = raw.removeprefix(_BOM)
        line = body[: e.start].count(b"\n") + 1
        raise MaestrofileError(
            [
                Problem(
                    f"not valid UTF-8 (byte 0x{body[e.start]:02x}); save it as UTF-8",
                    file=shown,
                    line=line,
                )
            ]
        ) from None
    # Imported here: a cached graph (the usual case) needs no TOML parser, which costs 7 ms to import.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise MaestrofileError([Problem("not valid TOML: nested too deeply", file=shown)]) from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e)) if m else str(e)
        message = keys_as_written(message)
        where = int(m.group(1)) if m else None
        detail = f"not valid TOML: {message}" + (f" (column {m.group(2)})" if m else "")
        raise MaestrofileError([Problem(detail, file=shown, line=where)]) from None
    return _check(doc, root=str(path.parent.resolve()), shown=shown, where=Locator(text))


def _check(doc: dict[str, Any], *, root: str, shown: str, where: Locator) -> Checked:
    problems: list[Problem] = []

    def problem(message: str, line: int | None, rule: str | None = None) -> None:
        problems.append(Problem(message, file=shown, line=line, rule=rule))

    for key in doc:
        if key not in TOP_KEYS:
            problem(
                f"unknown table '{key}'{did_you_mean(key, TOP_KEYS, keys=True)}",
                where.line(key),
            )
    if not doc.get("rules"):
        problem("no rules: add a [rules.NAME] table with inputs, outputs and run", None)

    settings = _check_settings(doc.get("settings", {}), problem, where)
    raw_vars = doc.get("vars", {})
    vars_ = _check_vars(raw_vars, problem, where)
    # A var with a bad value is still a var: a rule using it has no unknown placeholder (one problem,
    # reported once), though its fields using it cannot be worked out.
    if isinstance(raw_vars, dict):
        refused = frozenset(raw_vars) - {k for k, _ in vars_}
        bad_var: Callable[[str], bool] = refused.__contains__
    else:  # [vars] could not be read: any name that is no built-in placeholder may be one of them
        bad_var = _not_built_in
    rules: list[Rule] = []
    every_rule = True
    raw_rules = doc.get("rules", {})
    if not isinstance(raw_rules, dict):
        problem(f"'rules' must be a table of rules, not {_type_name(raw_rules)}", where.key("rules"))
        raw_rules = {}
        every_rule = False  # (a default target may name one of them)
    for name, body in raw_rules.items():
        rule = _check_rule(name, body, [k for k, _ in vars_], bad_var, problem, where)
        if rule is not None:
            rules.append(rule)
        every_rule = every_rule and rule is not None
    project = Project(root=root, file=shown, settings=settings, vars=tuple(vars_), rules=tuple(rules))
    return Checked(project, tuple(problems), every_rule)


def _check_settings(raw: object, problem: Any, where: Locator) -> Settings:
    if not isinstance(raw, dict):
        problem(f"[settings] must be a table, not {_type_name(raw)}", where.key("settings"))
        return Settings()
    jobs: int = 0
    default: tuple[str, ...] = ()
    shell = Settings().shell
    for key, value in raw.items():
        line = where.key(key, "settings")
        if key == "jobs":
            if type(value) is not int or value < 0:
                # (a number is shown as it is: Python's str() of one is TOML too)
                found = str(value) if type(value) in (int, float) else _type_name(value)
                if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
                    found += f" (write jobs = {int(value)}, without quotes)"
                problem(f"settings.jobs must be a whole number >= 0, not {found}", line)
            else:
                jobs = value
        elif key == "default":
            items = _string_list(value)
            if items is not None and any("\0" in i for i in items):
                problem(f"settings.default {_NUL}", line)
            elif items is None:
                problem(
                    f"settings.default must be a list of rule names or files, not {_not_strings(value)}",
                    line,
                )
            elif not items:  # (read as absent, it would build every rule: the opposite of what it says)
                problem("settings.default is empty: leave it out to build every rule, or name what to build", line)
            else:
                default = tuple(items)
        elif key == "shell":
            words = _shell_words(value)
            if words is None or "\0" in value:
                found = toml_string(value) if isinstance(value, str) else _type_name(value)
                problem(
                    f'settings.shell must be a program with its options, such as "/bin/bash" or '
                    f'"bash -eu -o pipefail", not {found}',
                    line,
                )
            else:
                shell = value
        else:
            problem(f"unknown setting '{key}'{did_you_mean(key, SETTINGS_KEYS, keys=True)}", line)
    return Settings(jobs=jobs, default=default, shell=shell)


def _check_vars(raw: object, problem: Any, where: Locator) -> list[tuple[str, str]]:
    if not isinstance(raw, dict):
        problem(f"[vars] must be a table of strings, not {_type_name(raw)}", where.key("vars"))
        return []
    out: list[tuple[str, str]] = []
    for key, value in raw.items():
        line = where.key(key, "vars")
        if not isinstance(value, str):
            text = where.lines[line - 1] if line else ""
            problem(f"var '{key}' must be a string, not {_type_name(value)}{_as_string(key, value, text)}", line)
        elif key in FOREACH_FIELDS or key in PATH_FIELDS:
            problem(f"var '{key}' has the name of a built-in placeholder; rename it", line)
        elif "\0" in value:
            problem(f"var '{key}' {_NUL}", line)
        else:
            out.append((key, value))
    return _vars_expanded(out, problem, where)


# `{NAME}` in a var's value; `{{NAME}}` is left as written, as are a var's other braces.
_VAR_USE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def _vars_expanded(pairs: list[tuple[str, str]], problem: Any, where: Locator) -> list[tuple[str, str]]:
    """The vars with each `{NAME}` of another var in their values replaced by its value (`IMG =
    "{OUT}/img"`), as make expands `$(OUT)`; a var that uses itself, directly or not, is a problem.
    Other braces stay as written: a var is plain text."""
    values = dict(pairs)
    done: dict[str, str] = {}

    def expanded(name: str, using: tuple[str, ...]) -> str:
        if name in done:
            return done[name]
        if name in using:
            loop = " -> ".join((*using[using.index(name) :], name))
            problem(f"var '{name}' uses itself: {loop}", where.key(name, "vars"))
            return values[name]

        def value_of(m: re.Match[str]) -> str:
            used = m.group(1)
            return expanded(used, (*using, name)) if used in values else m.group(0)

        done[name] = _VAR_USE.sub(value_of, values[name]) if "{" in values[name] else values[name]
        return done[name]

    return [(name, expanded(name, ())) for name in values]


def _as_string(key: str, value: object, text: str) -> str:
    """Advice to quote a var given as a TOML boolean, number or date, as written on its line `text`
    (so `FLAG = true` becomes `FLAG = "true"`, not Python's "True"); none for a list or a table."""
    if isinstance(value, (list, dict)):
        return ""
    m = re.match(r"[^=]*=\s*([^\s#\"'\[{][^#\"']*?)\s*(?:#.*)?$", text)
    written = m.group(1) if m else str(value).lower() if isinstance(value, bool) else str(value)
    return f' (write {key} = "{written}")'


def _shell_words(value: object) -> list[str] | None:
    """The words of a `shell` setting, or None when it is not a string naming a program."""
    if not isinstance(value, str):
        return None
    try:
        words = shell_words(value)
    except ValueError:  # an unclosed quote
        return None
    return words if words and words[0] else None


def _string_list(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


# The keys a rule's place in the graph rests on: with a problem in one of these, the rule is left out
# of the graph's checks; with problems elsewhere only, it stays in them (without its commands).
_GRAPH_KEYS = frozenset({"name", "inputs", "outputs", "foreach", "depfile"})


def _not_built_in(name: str) -> bool:
    return name not in FOREACH_FIELDS and name not in PATH_FIELDS


def _check_rule(
    name: str, body: object, var_names: list[str], bad_var: Callable[[str], bool], problem: Any, where: Locator
) -> Rule | None:
    """The rule; with problems (reported through `problem`), the rule as far as the graph's checks
    need it, or None if its inputs and outputs cannot be worked out."""
    header = where.line("rules", name)
    wrong: set[str | None] = set()  # the keys with a problem (None: the rule as a whole)
    ok = True  # no problem found in it (`bad` says one is)

    def bad(message: str, key: str | None = None) -> None:
        nonlocal ok
        ok = False
        wrong.add(key)
        problem(message, where.key(key, "rules", name) if key else header, name)

    if not isinstance(body, dict):
        bad(f"must be a table with inputs, outputs and run, not {_type_name(body)}")
        return None
    if not name.strip() or "\0" in name:
        bad("a rule needs a name: write [rules.NAME] with a NAME that is not blank")
        wrong.add("name")
    like: set[str] = set()  # the keys that an unknown key may be meant for
    for key in body:
        if key not in RULE_KEYS:
            # (not `bad`: the key's own name says nothing of what it was meant for)
            problem(
                f"unknown key '{key}'{did_you_mean(key, RULE_KEYS, keys=True)}", where.key(key, "rules", name), name
            )
            meant = _closest(key, RULE_KEYS, keys=True)
            if meant is not None:
                like.add(meant)  # `output = [...]`: the rule's outputs may be there
            if isinstance(body[key], dict):  # [rules.gen.c]: a rule of its own, maybe, inputs and outputs too
                like.update(RULE_KEYS)
            wrong.update(like & _GRAPH_KEYS)
            ok = False

    def strings(key: str, *, required: bool = False) -> tuple[str, ...]:
        if key not in body:
            return ()
        items = _string_list(body[key])
        if items is None:
            bad(f"'{key}' must be a string or a list of strings, not {_not_strings(body[key])}", key)
            return ()
        if required and not any(s.strip() for s in items):
            bad(f"'{key}' is empty", key)
        if any(not s.strip() for s in items) and key != "run":
            bad(f"'{key}' holds an empty path", key)
        if any("\0" in s for s in items):
            bad(f"'{key}' {_NUL}", key)
        return tuple(items)

    def optional(key: str, kind: type) -> Any:
        value = body.get(key)
        if value is not None and type(value) is not kind:
            bad(f"'{key}' must be {_type_name(kind())}, not {_type_name(value)}", key)
            return None
        if isinstance(value, str) and "\0" in value:
            bad(f"'{key}' {_NUL}", key)
        return value

    inputs = strings("inputs")
    outputs = strings("outputs")
    run = strings("run", required=True) if "run" in body else ()
    run = tuple(c for c in run if c.strip())
    description = optional("description", str)
    always = bool(optional("always", bool))
    foreach = optional("foreach", str)
    depfile = optional("depfile", str)
    env: list[tuple[str, str]] = []
    raw_env = body.get("env", {})
    if not isinstance(raw_env, dict) or not all(isinstance(v, str) for v in raw_env.values()):
        bad("'env' must be a table of strings, such as env = { LC_ALL = \"C\" }", "env")
    else:
        env = sorted(raw_env.items())
        for k, v in env:
            if not k or "=" in k or "\0" in k:
                bad(f"'env' name {k!r} is not a variable name: it must be non-empty, without '=' or NUL", "env")
            elif "\0" in v:
                bad(f"'env' value of {k} {_NUL}", "env")
    if "run" not in body and "run" not in like:
        bad("has no 'run': add the command that makes its outputs", None)
    if not outputs and not always and not (wrong | like) & {"outputs", "always"}:
        bad(
            "has no outputs: list the files it makes, or set always = true to run it on every build",
            None,
        )
    if foreach is not None and not foreach.strip():
        bad("'foreach' is empty", "foreach")
    if depfile is not None and not depfile.strip():
        bad("'depfile' is empty: name the file the command writes, or leave depfile out", "depfile")
    # Placeholders: check every name against what that field can see.
    each = FOREACH_FIELDS if "foreach" in body else ()  # (one of the wrong type is reported once)
    fields: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        ("inputs", inputs, (*var_names, *each)),
        ("outputs", outputs, (*var_names, *each)),
        ("run", run, (*var_names, *each, *PATH_FIELDS)),
        ("description", (description,) if description else (), (*var_names, *each, *PATH_FIELDS)),
        ("foreach", (foreach,) if foreach else (), tuple(var_names)),
        ("depfile", (depfile,) if depfile else (), (*var_names, *each, "output", "outputs")),
    ]
    for key, texts, allowed in fields:
        for text in texts:
            try:
                used = parse(text).fields
            except TemplateSyntaxError as e:
                bad(f"'{key}': {e}", key)
                continue
            if any(bad_var(f) and f not in allowed for f in used):  # (its problem is the var's)
                wrong.add(key)
                ok = False
            unknown = [f for f in used if f not in allowed and not bad_var(f)]
            for f in unknown:
                hint = did_you_mean(f, allowed)
                if not hint and f in FOREACH_FIELDS:
                    hint = " (it needs foreach)"
                elif not hint and f in PATH_FIELDS:
                    hint = " (only run and description can use it)"
                bad(f"unknown placeholder '{{{f}}}' in '{key}'{hint}", key)
    if not ok and not wrong.isdisjoint(_GRAPH_KEYS):
        return None
    rule = Rule(
        name=name,
        inputs=inputs,
        outputs=outputs,
        run=run,
        description=description,
        env=tuple(env),
        always=always,
        foreach=foreach,
        depfile=depfile,
        line=header,
    )
    # Only the graph's checks see a rule with problems: without what may not be worked out.
    return rule if ok else rule._replace(run=(), description=None, env=())

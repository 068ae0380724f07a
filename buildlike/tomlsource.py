"""Where things are written in a TOML document, for messages: the line of each table and key, found
in one pass that skips strings and comments; and tomllib's messages with keys as TOML writes them.

Reading and checking the Maestrofile itself is maestrofile.py's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from buildlike.errors import Problem

# A key as tomllib's messages give it, a Python tuple of strings: `('rules', 'a')`.
_PYTHON_STR = r"'(?:[^'\\]|\\.)*'|" r'"(?:[^"\\]|\\.)*"'
_PYTHON_KEY = re.compile(rf"\((?:{_PYTHON_STR})(?:, (?:{_PYTHON_STR}))*,?\)")


def keys_as_written(message: str) -> str:
    """A tomllib message with its keys as TOML writes them: "Cannot declare rules.a twice"."""
    return _PYTHON_KEY.sub(_as_written, message)


def _as_written(m: re.Match[str]) -> str:
    """A key given as a Python tuple, `('rules', 'a')`, as it is written in TOML: `rules.a`."""
    import ast  # (only a message needs it)

    parts = ast.literal_eval(m.group())
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else toml_string(p) for p in parts)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, quoted and escaped, such as a user would write it."""
    import json  # (JSON's escapes are TOML's; only a message needs them)

    return json.dumps(text, ensure_ascii=False)


# One TOML token, after the blanks before it: enough to follow a document's structure. A string or
# a comment is one token, so nothing inside it is taken for a key or a header. (The time of a date,
# after its blank, is a token of its own: part of the value, like the rest.)
_TOKEN = re.compile(
    r"""[ \t]*(?:
      (?P<newline>\r?\n)
    | (?P<comment>\#[^\n]*)
    | (?P<multiline>"{3}[^"\\]*(?:(?:\\.|"{1,2}(?!"))[^"\\]*)*"{3,5}|'{3}[^']*(?:'{1,2}(?!')[^']*)*'{3,5})
    | (?P<basic>"[^"\\\n]*(?:\\.[^"\\\n]*)*")
    | (?P<literal>'[^'\n]*')
    | (?P<bare>[^\s\[\]{}=,.\#"']+)
    | (?P<punctuation>[\[\]{}=,.])
    )""",
    re.X | re.S,
)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}


def _key_part(token: str, kind: str) -> str:
    """A bare, "basic" or 'literal' key as TOML reads it."""
    if kind == "bare":
        return token
    if kind == "basic" and "\\" in token:
        return _ESCAPE.sub(_unescape, token[1:-1])
    return token[1:-1]


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1) or m.group(2)
    return chr(int(code, 16)) if code else _ESCAPES.get(m.group(3), m.group(0))


# A line that is all one simple thing, read without the tokenizer: blank or a comment; a header of
# bare keys, `[rules.a]`; or bare keys given a one-line value that opens nothing, `run = "cc {input}"`,
# `inputs = ["a", "b"]`, `jobs = 4`. Only taken where no value is open from the lines before.
_BARE_KEY = r"[A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*"
_ONE_VALUE = r"""(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\n]*'|[A-Za-z0-9_:.+-]+)"""
_ONE_LINE_ARRAY = rf"\[[ \t]*(?:{_ONE_VALUE}[ \t]*(?:,[ \t]*{_ONE_VALUE}[ \t]*)*,?[ \t]*)?\]"  # (no backtracking)
_SIMPLE_LINE = re.compile(
    rf"""[ \t]*(?:
      \[[ \t]*(?P<table>{_BARE_KEY})[ \t]*\]
    | (?P<key>{_BARE_KEY})[ \t]*=[ \t]*(?:{_ONE_VALUE}|{_ONE_LINE_ARRAY})
    )?[ \t]*(?:\#[^\n]*)?(?:\r?\n|\Z)""",
    re.X,
)
_DOT = re.compile(r"[ \t]*\.[ \t]*")


class Locator:
    """Where each table and key of a Maestrofile is written: the line of its header or of its key,
    dotted (`b.run = ...`) or in an inline table (`a = { run = ... }`), found in one pass over the
    text (valid TOML) that skips strings and comments.

    Most lines are simple (a header, or a key and a one-line value): those are read whole, by one
    regular expression each; the others, token by token (two to three times slower).
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._written: dict[tuple[str, ...], int] = {}  # a table or key -> the first line that writes it
        self._within: dict[tuple[str, ...], int] = {}  # a table -> the first header of a table inside it
        self._table: tuple[str, ...] = ()  # of the last header
        written = self._written
        simple = _SIMPLE_LINE.match
        pos, end, line = 0, len(text), 1
        while pos < end:
            m = simple(text, pos)
            if m is None:  # read up to the end of a line where no value is open
                pos, line = self._tokens(text, pos, line)
                continue
            pos = m.end()
            table, key = m.group("table", "key")
            if key is not None:
                if "." in key:
                    self._key(self._table, _DOT.split(key), line)
                else:
                    written.setdefault((*self._table, key), line)
            elif table is not None:
                self._header(tuple(_DOT.split(table)), line)
            line += 1

    def _header(self, table: tuple[str, ...], line: int) -> None:
        self._table = table
        self._written.setdefault(table, line)
        for i in range(1, len(table)):
            self._within.setdefault(table[:i], line)

    def _key(self, base: tuple[str, ...], key: list[str], line: int) -> tuple[str, ...]:
        """Note the key `key` of the table `base`, written on `line`; its whole path."""
        path = (*base, *key)
        for i in range(len(base) + 1, len(path) + 1):  # (`b.run =` writes b too)
            self._written.setdefault(path[:i], line)
        return path

    def _tokens(self, text: str, pos: int, line: int) -> tuple[int, int]:
        """Read `text` from `pos` (the start of line `line`) token by token, up to the end of a line
        where no value is open; where the next line starts, and its number."""
        header: list[str] | None = None  # the parts of the header being read, `[a.b]` or `[[a.b]]`
        key: list[str] = []  # the parts of the key being read
        last: tuple[str, ...] = ()  # the path of the last key read
        value = False  # past the `=` of the line's key
        # The values open on `{` or `[`, innermost last: an inline table's path, or None where keys
        # are not recorded (in an array); and whether a value comes next in it, or a key.
        nest: list[tuple[str, ...] | None] = []
        in_value: list[bool] = []
        for m in _TOKEN.finditer(text, pos):
            kind = m.lastgroup or ""
            if kind == "newline":
                line += 1
                if not nest:
                    return m.end(), line
                continue
            if kind == "comment":
                continue
            if kind == "multiline":
                line += m.group(kind).count("\n")
                continue
            token = m.group(kind)
            keyed = (not value) if not nest else (nest[-1] is not None and not in_value[-1])
            if kind != "punctuation":
                if header is not None:
                    header.append(_key_part(token, kind))
                elif keyed:
                    key.append(_key_part(token, kind))
            elif token == "=":
                if keyed and key:
                    last = self._key((nest[-1] or ()) if nest else self._table, key, line)
                    key = []
                    if nest:
                        in_value[-1] = True
                    else:
                        value = True
            elif token == ",":
                if nest and nest[-1] is not None:
                    in_value[-1] = False
            elif token == "[":
                if nest or value:
                    nest.append(None)
                    in_value.append(True)
                elif header is None:  # (the second `[` of `[[a.b]]` changes nothing here)
                    header = []
            elif token == "{":
                if nest or value:
                    nest.append(last if not nest or nest[-1] is not None else None)
                    in_value.append(False)
            elif token != ".":  # `]` or `}`
                if nest:
                    nest.pop()
                    in_value.pop()
                elif header is not None:
                    self._header(tuple(header), line)
                    header = None
        return len(text), line

    def line(self, *path: str) -> int | None:
        """The line of the table or key at `path` (a header, `key = ...`, `key.x = ...`), else of the
        first header of a table inside it (`[rules.gen.c]` alone)."""
        return self._written.get(path) or self._within.get(path)

    def key(self, key: str, *table: str) -> int | None:
        """The line of `key` in `table`, else the table's."""
        return self.line(*table, key) or (self.line(*table) if table else None)


def at_keys(problems: Sequence[Problem], text: str) -> list[Problem]:
    """`problems`, each about a key of its rule (`inputs`) at that key's line in `text` (the
    Maestrofile) where it is written, rather than at the rule's header. Only for problems to show:
    it reads the whole text again."""
    where = Locator(text)
    return [p._replace(line=where.line("rules", p.rule, p.key) or p.line) if p.key and p.rule else p for p in problems]

"""Placeholders (`{input}`, `{NAME}`, `{{`) and POSIX shell quoting. Never touches the disk.

A template is parsed once into literal and field pieces, so expanding 10,000 `foreach` matches does not
re-scan the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

# A character that needs quoting in a POSIX shell word (all but these never do).
_UNSAFE = re.compile(r"[^A-Za-z0-9@%+=:,./_-]").search


class TemplateSyntaxError(ValueError):
    """A brace that opens or closes nothing; the message says where."""


class Template(NamedTuple):
    """A parsed string: `pieces` alternate literal text (even indexes) and field names (odd)."""

    source: str
    pieces: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.pieces[1::2]

    def render(self, lookup: Callable[[str], str], inside: Callable[[str], str] | None = None) -> str:
        """Substitute every field with `lookup(name)`; with `inside`, a field glued to the word before
        it (`out/pre_{name}`) with `inside(name)`, one that begins a shell word (`cp {input} x`) with
        `lookup(name)`."""
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0]
        out = [pieces[0]]
        for i in range(1, len(pieces), 2):
            before = pieces[i - 1]
            glued = before[-1:] not in _WORD_ENDS if before else i > 1
            out.append((inside if inside is not None and glued else lookup)(pieces[i]))
            out.append(pieces[i + 1])
        return "".join(out)


# What may come just before a shell word: blanks, and the characters that end a word or start one.
_WORD_ENDS = frozenset(" \t\n;&|()<>`")


def parse(text: str) -> Template:
    """Parse `text`; `{{`/`}}` are literal braces, `{name}` a field. Raise `TemplateSyntaxError`."""
    if "{" not in text and "}" not in text:
        return Template(text, (text,))
    pieces: list[str] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "{":
            if text.startswith("{{", i):
                literal.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            name = text[i + 1 : end] if end != -1 else ""
            if end == -1 or "{" in name:
                raise TemplateSyntaxError(f"unclosed '{{' at column {i + 1} in {text!r} (write '{{{{' for a brace)")
            if not name.strip():
                raise TemplateSyntaxError(
                    f"empty placeholder '{{{name}}}' at column {i + 1} in {text!r} (write '{{{{}}}}' for braces)"
                )
            pieces.append("".join(literal))
            pieces.append(name.strip())
            literal = []
            i = end + 1
        elif c == "}":
            if text.startswith("}}", i):
                literal.append("}")
                i += 2
                continue
            raise TemplateSyntaxError(f"unmatched '}}' at column {i + 1} in {text!r} (write '}}}}' for a brace)")
        else:
            literal.append(c)
            i += 1
    pieces.append("".join(literal))
    return Template(text, tuple(pieces))


def quote(word: str) -> str:
    """Quote `word` for a POSIX shell, leaving plain words as they are."""
    if word and not _UNSAFE(word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def quote_all(words: tuple[str, ...] | list[str]) -> str:
    """Quote each word and join them with spaces."""
    return " ".join(quote(w) for w in words)


def lookup_in(*mappings: Mapping[str, str]) -> Callable[[str], str]:
    """A `render` lookup that tries each mapping in turn; a missing name is a `KeyError`."""

    def lookup(name: str) -> str:
        for m in mappings:
            if name in m:
                return m[name]
        raise KeyError(name)

    return lookup

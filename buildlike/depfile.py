"""Read the Makefile-syntax dependency files that compilers write (`gcc -MD -MF`).

Handles continuation lines, escaped spaces (`\\ `), `\\#`, `$$`, several targets, the phony
`header.h:` rules of `-MP`, `target:dep` without a blank, a byte-order mark, and skips variable
assignments. Lines end at `\\n` or `\\r\\n` here; discovered.py reads a depfile with universal newlines
(as a text-mode open would), so there a lone `\\r` ends a line too. Pure text in, paths out; the
runner decides what to do with them.
"""

from __future__ import annotations

import re

# A rule's `:` between targets and prerequisites: one before a blank or the line's end.
_SEPARATOR = re.compile(r":(?=[ \t]|$)")


class DepfileSyntaxError(ValueError):
    """A depfile with words but no `target: prerequisites` rule: what the job read is unknown."""


def parse_depfile(text: str) -> list[str]:
    """The prerequisites named in `text`, in order, without duplicates or targets.

    Raises DepfileSyntaxError for a line of words without a `:`. An empty file, or one of comments
    only, names nothing.
    """
    text = text.removeprefix("\ufeff").replace("\\\r\n", " ").replace("\\\n", " ")
    end = text.removesuffix("\r")
    if end.endswith("\\") and not end.endswith("\\\\"):
        text = end[:-1]  # a continuation at the very end, before no line: make reads nothing more
    seen: dict[str, None] = {}
    for line in text.split("\n"):  # not splitlines(): a form feed or U+2028 may be in a file name
        line = line.removesuffix("\r")
        if _is_assignment(line):
            continue  # `CFLAGS := -O2`: make sets a variable, and no file is named
        words = _words(line)
        if ":" not in words:
            words = _words(line, tight_colon=True)  # `a.o:h.h`, as make reads it too
        if not words:
            continue
        try:
            colon = words.index(":")
        except ValueError:
            raise DepfileSyntaxError(f"no ':' in the line '{line.strip()[:60]}'") from None
        for w in words[colon + 1 :]:
            if w != ":":
                seen.setdefault(w, None)
    return list(seen)


def _is_assignment(line: str) -> bool:
    """Whether make reads `line` as a variable assignment (`=`, `:=`, `::=`, `?=`, `+=`, `!=`).

    Only a plain variable name may come before the operator, and no rule's `:` after it: a
    compiler writes `build/opt=2/a.o: a.c` for a target whose path holds a `=`.
    """
    eq = line.find("=")
    if eq == -1:
        return False
    head = line[:eq]
    for op in (":::", "::", ":", "?", "+", "!"):
        if head.endswith(op):
            head = head[: -len(op)]
            break
    name = head.strip()
    return bool(name) and all(c.isalnum() or c in "_-." for c in name) and not _SEPARATOR.search(line, eq)


def _words(line: str, *, tight_colon: bool = False) -> list[str]:
    """Split one logical line into words, with `:` (the target separator) as a word of its own.

    The separator is a `:` before a blank or the line's end (so `C:/x.o: h.h` keeps its drive); with
    `tight_colon`, for a line that has none, the first unescaped `:` wherever it is.
    """
    words: list[str] = []
    cur: list[str] = []
    i, n = 0, len(line)

    def flush() -> None:
        if cur:
            words.append("".join(cur))
            cur.clear()

    while i < n:
        c = line[i]
        if c == "\\" and i + 1 < n and line[i + 1] in " #\\:":
            # `\\ ` is a backslash then a separator in gcc's output, everything else an escape
            if line[i + 1] == "\\" and i + 2 < n and line[i + 2] == " ":
                cur.append("\\")
                i += 2
                continue
            cur.append(line[i + 1])
            i += 2
            continue
        if c == "$" and i + 1 < n and line[i + 1] == "$":
            cur.append("$")
            i += 2
            continue
        if c == "#" and not cur:
            break  # a comment
        if c in " \t":
            flush()
        elif c == ":" and (i + 1 == n or line[i + 1] in " \t" or (tight_colon and ":" not in words)):
            flush()
            words.append(":")
        else:
            cur.append(c)
        i += 1
    flush()
    return words

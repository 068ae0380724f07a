"""Glob patterns (`*`, `?`, `[...]`, `**`) matched against files on disk and against declared outputs.

Like the shell, a wildcard does not match a leading dot, and `**` does not descend into hidden
folders, but a pattern that writes the dot matches them (`.github/**/*.yml`, `*/.cfg/*.json`);
buildlike's own `.buildlike/` is never matched. Every folder listed is remembered with its
stamp (snapshot.FolderStamp), so a cached load can tell when a glob's answer may have changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache

from buildlike.paths import STATE_DIR
from buildlike.snapshot import ABSENT, NOT_A_FOLDER, FolderStamp, folder_stamp

_MAGIC = frozenset("*?[")
_HAS_MAGIC = re.compile(r"[*?\[]").search


def is_glob(text: str) -> bool:
    return _HAS_MAGIC(text) is not None


def escape(text: str) -> str:
    """`text` as a pattern that matches only itself: `x[1].txt` becomes `x[[]1].txt`."""
    return "".join(f"[{c}]" if c in _MAGIC else c for c in text) if is_glob(text) else text


class GlobSyntaxError(ValueError):
    """A pattern we cannot read, such as an unclosed `[`."""


def _segment_regex(seg: str) -> str:
    out: list[str] = []
    i, n = 0, len(seg)
    if seg and seg[0] in _MAGIC:
        out.append(r"(?!\.)")  # wildcards never match a leading dot
    while i < n:
        c = seg[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < n and seg[j] in "!^":
                j += 1
            if j < n and seg[j] == "]":
                j += 1
            while j < n and seg[j] != "]":
                j += 1
            if j >= n:
                raise GlobSyntaxError(f"unclosed '[' in pattern segment {seg!r}")
            body = seg[i + 1 : j]
            negated = body[:1] in ("!", "^")
            out.append("[" + ("^" if negated else "") + _set_regex(body[1:] if negated else body, seg) + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _set_regex(body: str, seg: str) -> str:
    """The inside of a regex set matching what the glob set `[body]` does: its characters and ranges
    (`a-z`), each escaped, since in a glob `\\`, `[`, `&`, `~`, `|`, `^` and a second `-` are characters
    like any other. A range the wrong way round (`[z-a]`), which matches nothing, is surely a slip."""
    out: list[str] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            low, high = body[k], body[k + 2]
            if low > high:
                raise GlobSyntaxError(f"the range '{low}-{high}' in {seg!r} goes backwards (write '{high}-{low}')")
            out.append(f"{re.escape(low)}-{re.escape(high)}")
            k += 3
        else:
            out.append(re.escape(body[k]))
            k += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile a normalised POSIX glob into a regex over whole project-relative paths."""
    parts = pattern.split("/")
    rx: list[str] = []
    for k, seg in enumerate(parts):
        last = k == len(parts) - 1
        if seg == "**":
            rx.append(r"(?:(?!\.)[^/]+/)*" if not last else r"(?:(?!\.)[^/]+/)*(?!\.)[^/]+")
        else:
            rx.append(_segment_regex(seg) + ("" if last else "/"))
    return re.compile("".join(rx) + r"\Z")


def literal_base(pattern: str) -> str:
    """The folder part of `pattern` before its first wildcard segment (`""` for the project root)."""
    base: list[str] = []
    for seg in pattern.split("/")[:-1]:
        if is_glob(seg):
            break
        base.append(seg)
    return "/".join(base)


class FileTree:
    """Lists project folders on demand, once each, remembering their stamps."""

    def __init__(self, root: str) -> None:
        self.root = root
        # folder -> its stamp when listed (ABSENT: none there; NOT_A_FOLDER: a file, or a link to one)
        self.listed: dict[str, FolderStamp] = {}
        self._entries: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._ids: dict[str, tuple[int, int]] = {}  # folder -> (st_dev, st_ino), to see symlink loops

    def entries(self, folder: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(files, subfolders) directly in `folder`, by name, sorted; empty if it is not a folder."""
        try:
            return self._entries[folder]
        except KeyError:
            pass
        full = os.path.join(self.root, folder) if folder else self.root
        files: list[str] = []
        dirs: list[str] = []
        try:
            st = os.stat(full)
            self.listed[folder] = folder_stamp(st)
            self._ids[folder] = (st.st_dev, st.st_ino)
            with os.scandir(full) as it:
                for e in it:
                    try:
                        is_dir = e.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(e.name)
                    if not is_dir and e.is_symlink():
                        # A link that leads to no folder now may lead to one later, whose files a
                        # glob would then match with no listed folder's mtime moved: noted too.
                        rel = f"{folder}/{e.name}" if folder else e.name
                        self.listed.setdefault(rel, NOT_A_FOLDER if os.path.exists(e.path) else ABSENT)
        except OSError:  # missing, not a folder, unreadable, or too many symlinks deep
            self.listed.setdefault(folder, ABSENT)
        result = (tuple(sorted(files)), tuple(sorted(dirs)))
        self._entries[folder] = result
        return result

    def match(self, pattern: str) -> list[str]:
        """Files on disk matching `pattern` (project-relative, normalised)."""
        rx = compile_glob(pattern)
        base = literal_base(pattern)
        depth_limited = "**" not in pattern
        max_depth = pattern.count("/") - base.count("/") - (1 if base else 0) if depth_limited else -1
        # A hidden folder is entered only where the pattern names a leading dot (`.github/*`,
        # `*/.cfg/*.json`), as the shell does; never by a wildcard, nor by `**`.
        dotted = tuple(
            re.compile(_segment_regex(seg) + r"\Z") for seg in pattern.split("/") if seg.startswith(".") and seg != "."
        )
        out: list[str] = []
        # Depth first, with a stack of our own: a tree thousands of folders deep is no recursion limit.
        # Each folder comes with how deep it may still go and the folders it lies in (by device and
        # inode): a symlinked folder leading back into one of those would make `**` go round forever.
        todo: list[tuple[str, int, frozenset[tuple[int, int]]]] = [(base, max_depth, frozenset())]
        while todo:
            folder, depth, above = todo.pop()
            files, dirs = self.entries(folder)
            here = self._ids.get(folder)
            if here in above:
                continue
            inside = above | {here} if here is not None else above
            prefix = folder + "/" if folder else ""
            out.extend(prefix + name for name in files if rx.match(prefix + name))
            if depth == 0:
                continue
            for name in reversed(dirs):
                if not folder and name == STATE_DIR:
                    continue
                if name.startswith(".") and not any(d.match(name) for d in dotted):
                    continue
                todo.append((prefix + name, depth - 1, inside))
        return out


def match_declared(pattern: str, declared: Iterable[str]) -> list[str]:
    """Declared output paths matching `pattern`."""
    rx = compile_glob(pattern)
    return [p for p in declared if rx.match(p)]

"""Remember what each watched file held, to tell an edit from a rewrite with the same bytes."""

from __future__ import annotations

import time
from collections.abc import Container, Iterable, Mapping

from buildlike.fingerprint import Stamp, Stamper


class Contents:
    """What the last build (or the last look since) saw in each watched file, to tell an edit from a
    rewrite with the same bytes (a formatter, `sed -i`, a save without changes).

    A file's stamp is what the build read: an edit made while it ran still differs from it afterwards.
    A look stats the file and hashes it only when its stat moved. The main thread owns this; the
    observer thread only reads single entries (`differs`).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        # None: seen missing. A path left out is unknown: any event on it counts as a change.
        self.known: dict[str, Stamp | None] = {}

    def changed(self, paths: Iterable[str]) -> set[str]:
        """The `paths` whose content or existence differs from what was seen last, or is unknown; each
        one's stamp becomes what it holds now."""
        out: set[str] = set()
        with Stamper(self.root, self.known, now_ns=time.time_ns()) as stamper:
            for p in paths:
                digest = stamper.digest(p)
                if p not in self.known or _digest(self.known[p]) != digest:
                    out.add(p)
                st = stamper.stat(p)
                self.known[p] = None if digest is None or st is None else stamper.stamp_for(st, digest)
        return out

    def differs(self, path: str) -> bool:
        """Whether `path` now differs from what was seen last (or is unknown); changes nothing."""
        try:
            before = self.known[path]
        except KeyError:
            return True
        with Stamper(self.root, {path: before}, now_ns=time.time_ns()) as stamper:
            return stamper.digest(path) != _digest(before)

    def remember(self, seen: Mapping[str, Stamp | None], paths: Container[str]) -> None:
        """Take what a build `seen` of the files among `paths`."""
        for p, stamp in seen.items():
            if p in paths:
                self.known[p] = stamp

    def keep(self, paths: Container[str]) -> None:
        """Forget every file but `paths` (the others are no longer watched)."""
        self.known = {p: stamp for p, stamp in self.known.items() if p in paths}

    def forget(self, path: str) -> None:
        self.known.pop(path, None)


def _digest(stamp: Stamp | None) -> bytes | None:
    return None if stamp is None else stamp[2]


__all__ = ["Contents"]

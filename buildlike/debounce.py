"""Collect a burst of watched changes into one batch, ended by a quiet spell or a time limit."""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Set as AbstractSet
from typing import NamedTuple

from buildlike.watchset import Change


class Batch(NamedTuple):
    """The changes that end one wait: each path, sorted, with the strongest reason it had."""

    changes: tuple[tuple[str, Change], ...]

    @property
    def change(self) -> Change:
        """The strongest reason among them."""
        return max(c for _, c in self.changes)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.changes)

    @property
    def edited(self) -> tuple[str, ...]:
        """The paths that matter for their content (inputs, the Maestrofile), not for coming or going."""
        return tuple(p for p, c in self.changes if c >= Change.CONTENT)

    def named(
        self, before: AbstractSet[str], now: AbstractSet[str] | None = None, folders: AbstractSet[str] = frozenset()
    ) -> tuple[str, ...]:
        """The paths to name in `changed:`: those that matter for their content, and the files among
        the inputs `before` and `now` (that a glob matched, or matches now). A folder that came or went
        with files a glob gains or loses is named by those files (theirs may have come before the
        folder was watched), and one of the watched `folders` (or those above them) that came or went
        by the inputs `before` in it (`deep` by `deep/er/x.txt`: a folder itself only comes or goes).
        A folder that an earlier build made, or a temporary file, is left out; all are named when
        that leaves none."""
        named = [p for p, c in self.changes if c >= Change.CONTENT or p in before or (now is not None and p in now)]
        came_or_went = (now ^ before) - set(named) if now is not None else set()
        inside = {q for q in came_or_went if any(q.startswith(p + "/") for p in self.paths)}
        came = [p + "/" for p, c in self.changes if c is Change.LISTING and p and p in folders]
        if came:
            inside.update(q for q in before if q.startswith(tuple(came)))
        return tuple(sorted({*named, *inside})) or self.paths

    def without(self, paths: Collection[str]) -> Batch | None:
        """This batch less `paths`; None when nothing is left."""
        kept = tuple((p, c) for p, c in self.changes if p not in paths)
        return Batch(kept) if kept else None


class Debouncer:
    """Collects changes until `delay` seconds pass without one, or `limit` seconds since the first.

    Times are plain numbers (monotonic seconds), given by the caller, so tests need no clock.
    """

    def __init__(self, delay: float, limit: float) -> None:
        self.delay = delay
        self.limit = limit
        self._first: float | None = None
        self._last = 0.0
        self._paths: dict[str, Change] = {}

    def add(self, when: float, change: Change, path: str) -> None:
        if self._first is None:
            self._first, self._last = when, when
        else:
            self._first = min(self._first, when)
            self._last = max(self._last, when)
        self._paths[path] = max(change, self._paths.get(path, change))

    def due(self) -> float | None:
        """When the pending changes should be built; None while there are none."""
        if self._first is None:
            return None
        return min(self._last + self.delay, self._first + self.limit)

    def take(self) -> Batch | None:
        """The pending changes, which are then forgotten."""
        if self._first is None:
            return None
        batch = Batch(tuple(sorted(self._paths.items())))
        self._first, self._paths = None, {}
        return batch


__all__ = ["Batch", "Debouncer"]

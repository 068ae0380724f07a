"""Pure ready/running/done bookkeeping for one build. Starts nothing; the runner drives it."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence


class Plan:
    """Which jobs may start now: a job is ready once every job it needs is done.

    `deps` holds each job's producers (indexes into the whole graph); only `members` take part, so
    producers outside them count as done. Ready jobs come out highest `priority` first.
    """

    def __init__(self, deps: Sequence[Sequence[int]], members: Iterable[int], priority: Sequence[int]) -> None:
        self._members = set(members)
        self._priority = priority
        self._waiting: dict[int, int] = {}
        self._consumers: dict[int, list[int]] = {i: [] for i in self._members}
        self._ready: list[tuple[int, int]] = []
        for i in self._members:
            inside = [d for d in set(deps[i]) if d in self._members]
            for d in inside:
                self._consumers[d].append(i)
            if inside:
                self._waiting[i] = len(inside)
            else:
                heapq.heappush(self._ready, (-priority[i], i))
        self.running: set[int] = set()
        self.done: set[int] = set()
        self.skipped: set[int] = set()
        # Running jobs whose commands ended well, not finished yet; for each waiting job, how many of
        # its producers are among them; and the waiting jobs that finishing them would make ready, by
        # priority (an entry no longer true is dropped when met). Kept as jobs come and go: a build
        # of fast commands can have thousands ended at once, too many to count again at each start.
        self._ended: set[int] = set()
        self._hits: dict[int, int] = {}
        self._unlockable: list[tuple[int, int]] = []

    def has_ready(self, at_least: int = 0) -> bool:
        """Whether a job is ready, of at least that priority."""
        return bool(self._ready) and -self._ready[0][0] >= at_least

    def ended(self, i: int) -> None:
        """Running job `i` ended well; it is finished (or fails) later, once its bookkeeping is done."""
        self._ended.add(i)
        for c in self._consumers[i]:
            n = self._hits.get(c, 0) + 1
            self._hits[c] = n
            if self._waiting.get(c) == n:
                heapq.heappush(self._unlockable, (-self._priority[c], c))

    def unlocks(self) -> int:
        """The highest priority among the jobs that finishing the ended ones would make ready (0:
        none): each waiting job whose producers still to finish have all ended."""
        heap, waiting, hits = self._unlockable, self._waiting, self._hits
        while heap:
            c = heap[0][1]
            if c in waiting and waiting[c] == hits.get(c):
                return -heap[0][0]
            heapq.heappop(heap)
        return 0

    def peek(self) -> int | None:
        """The job `take` would give, without taking it."""
        return self._ready[0][1] if self._ready else None

    def take(self) -> int:
        """Pop the most urgent ready job and count it as running."""
        _, i = heapq.heappop(self._ready)
        self.running.add(i)
        return i

    def finish(self, i: int) -> None:
        """Job `i` is done (ran, or turned out up to date): release its consumers."""
        self.running.discard(i)
        self.done.add(i)
        was_ended = i in self._ended
        self._ended.discard(i)
        for c in self._consumers[i]:
            if c in self.skipped:
                continue  # another of its producers failed: it never becomes ready
            left = self._waiting[c] - 1
            self._waiting[c] = left
            if was_ended:
                self._hits[c] -= 1
            if left == 0:
                del self._waiting[c]
                self._hits.pop(c, None)
                heapq.heappush(self._ready, (-self._priority[c], c))
            elif not was_ended and self._hits.get(c) == left:  # its other producers have all ended
                heapq.heappush(self._unlockable, (-self._priority[c], c))

    def fail(self, i: int) -> list[int]:
        """Job `i` failed: every job that needs it, directly or not, is skipped. Returns those."""
        self.running.discard(i)
        self._ended.discard(i)
        newly: list[int] = []
        stack = list(self._consumers[i])
        while stack:
            c = stack.pop()
            if c in self.skipped:
                continue
            self.skipped.add(c)
            self._waiting.pop(c, None)
            newly.append(c)
            stack.extend(self._consumers[c])
        return newly

    def drop_unstarted(self) -> list[int]:
        """Forget the jobs not started yet, ready or waiting (the build is stopping); returns them.

        Jobs skipped because a producer failed are not among them: `fail` returned those.
        """
        out = sorted([i for _, i in self._ready] + list(self._waiting))
        self._ready.clear()
        self._waiting.clear()
        self.skipped.update(out)  # so that a running producer that ends later releases none of them
        return out

    @property
    def idle(self) -> bool:
        return not self.running and not self._ready


def chain_lengths(consumers: Sequence[Sequence[int]], order: Sequence[int], members: set[int]) -> list[int]:
    """For each member, the number of jobs on its longest path to the end: run long chains first."""
    length = [0] * len(consumers)
    for i in reversed(order):
        if i in members:
            length[i] = 1 + max((length[c] for c in consumers[i] if c in members), default=0)
    return length

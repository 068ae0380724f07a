"""Fixtures of the black-box tests: `watching` starts `buildlike watch` (see watching.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watching import DEBOUNCE_MS, Watching


@pytest.fixture
def watching() -> Iterator[Callable[..., Watching]]:
    """`watching(root, *args, debounce=MS)`: a running `buildlike watch` in `root`, killed at the end
    if the test did not stop it."""
    started: list[Watching] = []

    def start(root: Path, *args: str, debounce: int | None = DEBOUNCE_MS) -> Watching:
        extra = ("--debounce", str(debounce)) if debounce is not None else ()
        w = Watching(root, *extra, *args)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()

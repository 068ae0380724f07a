"""A running `buildlike watch` for black-box tests: its output collected as it comes, and waits that
poll until a deadline (never a fixed sleep for something to happen). The `watching` fixture that
starts one is in conftest.py."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

DEBOUNCE_MS = 80
QUIET = 0.6  # seconds without a new build that prove no build followed
STATUS = re.compile(r"^\[\d\d:\d\d:\d\d\] ", re.M)


class Watching:
    """A running `buildlike watch`, with its output collected as it comes."""

    def __init__(self, root: Path, *args: str) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "buildlike", "watch", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._chunks: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._chunks.append(line)

    @property
    def out(self) -> str:
        return "".join(self._chunks)

    def builds(self) -> int:
        """How many status lines (one per build) were printed."""
        return len(STATUS.findall(self.out))

    def wait_for(self, what: Callable[[], bool], timeout: float = 15.0, why: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not what():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {why or what}; output so far:\n{self.out}")
            if self.proc.poll() is not None:
                pytest.fail(f"watch exited with {self.proc.returncode}; output:\n{self.out}")
            time.sleep(0.02)

    def wait_builds(self, n: int, timeout: float = 15.0) -> None:
        self.wait_for(lambda: self.builds() >= n, timeout, f"{n} builds")
        time.sleep(0.05)  # let the rest of the status line's output arrive

    def wait_text(self, text: str, timeout: float = 15.0) -> None:
        self.wait_for(lambda: text in self.out, timeout, repr(text))

    def wait_file(self, path: Path, text: str, timeout: float = 15.0) -> None:
        """Wait until the file at `path` holds `text`."""
        self.wait_for(lambda: read(path) == text, timeout, f"{path.name} to hold {text!r} (it holds {read(path)!r})")

    def wait_idle(self, timeout: float = 15.0) -> None:
        """Wait until the last build (the one after the last `changed:` line) has ended."""
        self.wait_for(lambda: "watching for changes" in self.out.rsplit("changed:", 1)[-1], timeout, "the build to end")

    def stays_at(self, n: int) -> None:
        """Assert that no build beyond the n-th comes within the quiet period."""
        time.sleep(QUIET)
        assert self.builds() == n, self.out

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.exited(timeout)

    def exited(self, timeout: float = 15.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code


def read(path: Path) -> str | None:
    """The text of the file at `path`; None while it does not exist."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return None

"""Shared fixtures: `make_project` writes a project under tmp_path; `run` runs the real CLI on it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="reliability suite: many more kill moments, interrupts and generated Maestrofiles",
    )


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Project:
    """A project folder with helpers to write files and run buildlike in it."""

    root: Path

    def write(self, rel: str, text: str = "", *, mode: int | None = None) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        if mode is not None:
            p.chmod(mode)
        return p

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def age(self, rel: str, seconds: float = 10.0) -> None:
        """Move a file's mtime into the past (never sleep to age a file)."""
        p = self.root / rel
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns - int(seconds * 1e9), st.st_mtime_ns - int(seconds * 1e9)))

    def run(self, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Result:
        return run_buildlike(*args, cwd=self.root, timeout=timeout, env=env)

    def log(self, name: str = "ran.log") -> list[str]:
        """Lines appended by commands that record what ran (see the `record` helper)."""
        p = self.root / name
        return p.read_text().split() if p.exists() else []


def run_buildlike(*args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None) -> Result:
    """Run the real `buildlike` CLI (as `python -m buildlike`) in `cwd`."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "buildlike", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Project]:
    """`make_project(maestrofile_text, {path: content})` -> Project in a fresh folder."""
    counter = iter(range(1000))

    def make(maestrofile: str, files: dict[str, str] | None = None) -> Project:
        root = tmp_path / f"p{next(counter)}"
        root.mkdir()
        project = Project(root)
        project.write("Maestrofile.toml", textwrap.dedent(maestrofile))
        for rel, text in (files or {}).items():
            project.write(rel, text)
        return project

    return make


@pytest.fixture
def buildlike_cli() -> Callable[..., Result]:
    """`buildlike_cli(*args, cwd=...)`: run the real CLI in any folder."""
    return run_buildlike

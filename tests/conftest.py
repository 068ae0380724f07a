"""Shared fixtures: `make_project` writes a project under tmp_path; `run` runs the real CLI on it;
`git_project` makes one in a git repository with a first commit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
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


# Git runs with its own identity and without the user's global or system config (which could set
# core.hooksPath, commit signing, ...); nothing here writes outside tmp_path.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
}

# The project of the git hook tests: gen.txt (tracked, like any generated file kept in git) is made
# from src.txt; the rule fails when src.txt says "broken", as a generator fails on bad input.
GEN = """
[rules.gen]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = [
    "echo gen >> ran.log",
    "if grep -q broken {input}; then echo 'gen: cannot parse src.txt' >&2; exit 3; fi",
    "tr a-z A-Z < {input} > {output}",
]
"""


@dataclass
class GitProject(Project):
    """A project in a git work tree; every command runs with `env` (GIT_ENV and what a test adds)."""

    env: dict[str, str] = field(default_factory=lambda: dict(GIT_ENV))

    def sh(self, *args: str, cwd: Path | str | None = None, timeout: float = 120) -> Result:
        where = self.root / cwd if cwd is not None else self.root
        proc = subprocess.run(
            args, cwd=where, capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.env}
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def git(self, *args: str, cwd: Path | str | None = None) -> str:
        """Run git, which must succeed; its stdout."""
        r = self.sh("git", *args, cwd=cwd)
        assert r.code == 0, f"git {' '.join(args)}: {r.text}"
        return r.out

    def buildlike(self, *args: str, cwd: Path | str | None = None) -> Result:
        return run_buildlike(*args, cwd=self.root / cwd if cwd is not None else self.root, env=self.env)

    def commit(self, message: str, *, cwd: Path | str | None = None) -> Result:
        """`git commit` with whatever hook is installed; the caller checks the outcome."""
        return self.sh("git", "commit", "-q", "-m", message, cwd=cwd)

    def commit_change(self, rel: str, text: str, *, cwd: Path | str | None = None) -> Result:
        """Write a file, stage it and try to commit it."""
        self.write(rel, text)
        self.git("add", rel)
        return self.commit(f"change {rel}", cwd=cwd)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def committed(self, rel: str) -> str:
        """A file's content in HEAD."""
        return self.git("show", f"HEAD:{rel}")


@pytest.fixture
def git_project(tmp_path: Path) -> Callable[..., GitProject]:
    """`git_project(maestrofile=GEN, files={"src.txt": "hello\\n"}, build=True)`: a repository whose
    first commit holds the project, built; `maestrofile=None` makes one without. ran.log is ignored."""
    counter = iter(range(1000))

    def make(maestrofile: str | None = GEN, files: dict[str, str] | None = None, *, build: bool = True) -> GitProject:
        p = GitProject(tmp_path / f"repo{next(counter)}")
        p.root.mkdir()
        p.git("init", "-q", "-b", "main")
        p.write(".gitignore", "ran.log\n")
        p.write("README.md", "a project\n")
        if maestrofile is not None:
            p.write("Maestrofile.toml", textwrap.dedent(maestrofile))
        for rel, text in (files if files is not None else {"src.txt": "hello\n"}).items():
            p.write(rel, text)
        if build and maestrofile is not None:
            # in-process, to save a process start per test; the CLI is what the tests exercise
            import buildlike
            from buildlike.reporter import Reporter

            buildlike.build(buildlike.load(p.root / "Maestrofile.toml"), reporter=Reporter(quiet=True))
            (p.root / "ran.log").unlink(missing_ok=True)
        p.git("add", "-A")
        p.git("commit", "-q", "-m", "initial")
        return p

    return make

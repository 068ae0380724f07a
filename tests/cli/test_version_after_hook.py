"""README "The command line": "Common options: `-f/--file PATH`, ... `--version`", as in SPEC.md
("Common options: ... --version"); the README's changelog reads SPEC so too: "`--version` is accepted
after every command (`buildlike build --version`), as SPEC lists it among the common options; it
prints the version and runs nothing". After `hook` and its subcommands it is a usage error (exit 2:
"No such option: --version"), while build, watch, status, list, graph and clean accept it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=cwd, capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("command", [["hook"], ["hook", "run"], ["hook", "install"], ["hook", "uninstall"]])
def test_version_after_hook_commands(tmp_path: Path, command: list[str]) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "Maestrofile.toml").write_text('[rules.a]\noutputs = ["a"]\nrun = "touch a"\n')
    r = _run(tmp_path, *command, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("buildlike "), r.stdout
    # ... and runs nothing: no build, no hook written.
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / ".git" / "hooks" / "pre-commit").exists()


def test_version_after_other_commands_for_comparison(tmp_path: Path) -> None:
    (tmp_path / "Maestrofile.toml").write_text('[rules.a]\noutputs = ["a"]\nrun = "touch a"\n')
    for command in (["build"], ["status"], ["list"], ["graph"], ["clean"]):
        r = _run(tmp_path, *command, "--version")
        assert r.returncode == 0 and r.stdout.startswith("buildlike "), (command, r.stderr)
    assert not (tmp_path / "a").exists()

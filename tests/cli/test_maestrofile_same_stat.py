"""A Maestrofile rewritten with the same size and mtime (restored with `cp -p`, `tar x`, `rsync -t`,
or switched by `ln -sfn` between copies extracted from one reproducible archive) still runs its old
commands: the cached graph is trusted on (mtime, size) alone, and even `-B`, which the README gives as
the way to rebuild after a same-(mtime, size) switch, runs the old command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=root, capture_output=True, text=True, timeout=60
    )


MAESTRO = """\
[rules.gen]
inputs = ["src.txt"]
outputs = ["out.txt"]
run = "echo {WORD} > {output}"
"""


def write_maestrofile(root: Path, word: str, mtime_ns: int) -> None:
    p = root / "Maestrofile.toml"
    p.write_text(MAESTRO.replace("{WORD}", word))
    os.utime(p, ns=(mtime_ns, mtime_ns))


def test_always_make_runs_the_command_the_maestrofile_now_says(tmp_path: Path) -> None:
    (tmp_path / "src.txt").write_text("x\n")
    old = 1_600_000_000 * 10**9  # an old, fixed mtime, as a reproducible archive gives every file
    write_maestrofile(tmp_path, "AAAA", old)
    r = cli(tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.txt").read_text() == "AAAA\n"

    # Another version of the Maestrofile, of the same size and with the same mtime.
    write_maestrofile(tmp_path, "BBBB", old)

    r = cli(tmp_path, "status")  # (SPEC rule 3: its command changed)
    assert r.stdout.strip() == "gen: its command changed", r.stdout + r.stderr

    # README: "-B/--always-make: every job the targets need runs" and, for a file switched for another
    # with the same (mtime, size), "-B is the way to rebuild after that too".
    r = cli(tmp_path, "build", "-B")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.txt").read_text() == "BBBB\n", "ran the command of the old Maestrofile"


def test_list_shows_the_rules_the_maestrofile_now_has(tmp_path: Path) -> None:
    (tmp_path / "src.txt").write_text("x\n")
    old = 1_600_000_000 * 10**9
    p = tmp_path / "Maestrofile.toml"
    p.write_text(MAESTRO.replace("{WORD}", "AAAA"))
    os.utime(p, ns=(old, old))
    assert cli(tmp_path).returncode == 0
    # same size: rule 'gen' renamed to 'abc'
    p.write_text(MAESTRO.replace("{WORD}", "AAAA").replace("rules.gen", "rules.abc"))
    os.utime(p, ns=(old, old))
    r = cli(tmp_path, "list")
    assert r.returncode == 0, r.stderr
    assert "abc" in r.stdout, r.stdout

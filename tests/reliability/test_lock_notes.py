"""The lock file's notes of started jobs (found in review): a run a killed build left is taken as
interrupted by the next build and by `status`/`-n`, whatever else happens meanwhile.

SPEC: rule 2 "it never succeeded before (or its last run failed or was interrupted)"; "a build
killed at any moment loses no record of the jobs that had finished". Each test kills a build of x
while x's command runs (SIGKILL), then puts x's input back, so only rule 2 makes x stale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BUILDLIKE = (sys.executable, "-m", "buildlike")

MAESTRO = """
[rules.x]
inputs = ["src.txt"]
outputs = ["x.txt"]
run = "echo $$ > x.pid; if [ -e slow ]; then sleep 30; fi; cp src.txt x.txt"

[rules.y]
inputs = ["other.txt"]
outputs = ["y.txt"]
run = "cp other.txt y.txt"
"""

OTHER = """
[rules.z]
inputs = ["other.txt"]
outputs = ["z.txt"]
run = "echo $$ > z.pid; if [ -e slowz ]; then sleep 4; fi; cp other.txt z.txt"
"""

INTERRUPTED = "x: its last run failed or was interrupted"


def cli(root: Path, *args: str, prefix: tuple[str, ...] = BUILDLIKE, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, *args], cwd=root, capture_output=True, text=True, timeout=90, **kw)


def wait_for(path: Path, proc: subprocess.Popen | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, "never started"
        if proc is not None:
            assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)


def project_with_x_killed(root: Path, *, prefix: tuple[str, ...] = BUILDLIKE) -> None:
    """Build everything; change src.txt; start a build of x and SIGKILL it (and x's command) while
    x's command runs; put src.txt back. x's last run was interrupted: rule 2 says it is stale."""
    (root / "Maestrofile.toml").write_text(MAESTRO)
    (root / "other.toml").write_text(OTHER)
    (root / "src.txt").write_text("1\n")
    (root / "other.txt").write_text("o\n")
    first = cli(root, "build", "x", "y")
    assert first.returncode == 0, first
    (root / "x.pid").write_text("")
    (root / "slow").write_text("")
    (root / "src.txt").write_text("2\n")
    build = subprocess.Popen([*prefix, "build", "x"], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(root / "x.pid", build)
    time.sleep(0.2)
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=10)
    pgid = int((root / "x.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    (root / "slow").unlink()
    (root / "src.txt").write_text("1\n")  # as at x's last successful run: only rule 2 makes x stale


def test_baseline_status_sees_the_interrupted_job(tmp_path: Path) -> None:
    """With nothing else going on, x is reported as interrupted."""
    project_with_x_killed(tmp_path)
    st = cli(tmp_path, "status", "--check")
    assert INTERRUPTED in st.stdout.splitlines(), st
    assert st.returncode == 1


@pytest.mark.parametrize("command", [("status", "--check"), ("build", "-n", "x")])
def test_status_and_dry_run_trust_an_interrupted_job_while_another_maestrofile_builds(tmp_path, command):
    """status and -n read the notes also while a build of another Maestrofile (-f other.toml, the
    same lock) holds the lock: they said x was up to date then."""
    project_with_x_killed(tmp_path)
    (tmp_path / "slowz").write_text("")
    other = subprocess.Popen(
        [*BUILDLIKE, "build", "-f", "other.toml"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for(tmp_path / "z.pid", other)
        during = cli(tmp_path, *command)
    finally:
        other.wait(timeout=60)
    after = cli(tmp_path, *command)
    assert ("x" in after.stdout) and after.returncode in (0, 1), after  # (with the lock free it is seen)
    assert during.stdout == after.stdout and during.returncode == after.returncode, (during, after)


def test_a_build_without_saving_state_keeps_the_notes_of_interrupted_jobs(tmp_path: Path) -> None:
    """A build that cannot save its state (another program holds the database) keeps the notes: its
    stand-in state in memory noted x, the one on disk did not."""
    project_with_x_killed(tmp_path)
    holder = sqlite3.connect(tmp_path / ".buildlike" / "state.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. an SQLite browser with a pending write
    try:
        b = cli(tmp_path, "build", "y")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "without saving state" in b.stderr, b
    st = cli(tmp_path, "status", "--check")
    assert INTERRUPTED in st.stdout.splitlines(), st
    assert st.returncode == 1, st


def test_a_status_reading_the_notes_never_makes_a_no_wait_build_fail(tmp_path: Path) -> None:
    """status and -n read the notes without taking the lock: a build starting meanwhile with
    --no-wait must not find the project busy. (The read is made slow here; the build is the CLI.)"""
    import buildlike.lock as lock

    project_with_x_killed(tmp_path)
    cli(tmp_path, "build", "x")  # note x; the file holds only notes of nothing now
    reading, go_on = threading.Event(), threading.Event()
    real = lock._leftovers

    def slow(fd, where):
        reading.set()
        go_on.wait(20)
        return real(fd, where)

    t = threading.Thread(target=lock.started_by_a_killed_build, args=(tmp_path / ".buildlike", tmp_path / ".buildlike"))
    lock._leftovers = slow
    try:
        t.start()
        assert reading.wait(10)
        b = cli(tmp_path, "build", "--no-wait", "y")
    finally:
        go_on.set()
        t.join()
        lock._leftovers = real
    assert b.returncode == 0, b


NO_TICKS = (
    sys.executable,
    "-c",
    "import buildlike.lock as L; L._ticks_now = lambda: None; from buildlike.__main__ import main; main()",
)


def test_without_a_tick_clock_a_killed_build_still_notes_its_jobs(tmp_path: Path) -> None:
    """Where there is no clock to note groups by (no CLOCK_BOOTTIME: macOS, BSD), jobs are noted all
    the same."""
    project_with_x_killed(tmp_path, prefix=NO_TICKS)
    st = cli(tmp_path, "status", "--check", prefix=NO_TICKS)
    assert INTERRUPTED in st.stdout.splitlines(), st


STRACE = shutil.which("strace")


def _killed_at(root: Path, syscall: str, n: int, args: tuple[str, ...]) -> None:
    """Run buildlike with `args` in `root`, SIGKILLed at its `n`-th `syscall` on .buildlike/lock."""
    r = subprocess.run(
        [
            STRACE,
            "-qq",
            "-o",
            os.devnull,
            "-P",
            str(root / ".buildlike" / "lock"),
            "-e",
            f"trace={syscall}",
            "-e",
            f"inject={syscall}:signal=KILL:when={n}",
            *BUILDLIKE,
            *args,
        ],
        cwd=root,
        capture_output=True,
        timeout=90,
    )
    assert r.returncode == 128 + 9 or r.returncode == -9, r


@pytest.mark.skipif(STRACE is None, reason="needs strace")
@pytest.mark.parametrize(
    ("args", "syscall", "n"),
    [
        pytest.param(("build", "-q", "y"), "pwrite64", 1, id="acquire, before rewriting"),
        pytest.param(("build", "-q", "y"), "ftruncate", 1, id="acquire, between rewriting and cutting"),
        # A build of another Maestrofile keeps x's notes for Maestrofile.toml's next build.
        pytest.param(("build", "-q", "-f", "other.toml"), "pwrite64", 2, id="release, before rewriting"),
        pytest.param(("build", "-q", "-f", "other.toml"), "ftruncate", 2, id="release, between rewriting and cutting"),
    ],
)
def test_a_kill_while_the_lock_file_is_rewritten_keeps_the_notes(tmp_path: Path, args, syscall, n) -> None:
    """The file is rewritten in place, new content first, then cut to length (found in review: it was
    emptied first, and a kill before the notes were written back lost them)."""
    root = tmp_path / "p"
    root.mkdir()
    project_with_x_killed(root)
    _killed_at(root, syscall, n, args)
    st = cli(root, "status", "--check")
    assert INTERRUPTED in st.stdout.splitlines(), st


@pytest.mark.skipif(STRACE is None, reason="needs strace")
def test_a_kill_between_spawning_and_noting_the_group_still_finds_the_job_noted(tmp_path: Path) -> None:
    """A job is noted before its command starts; its group only once it runs."""
    sig = signal

    root = tmp_path / "p"
    root.mkdir()
    project_with_x_killed(root)
    assert cli(root, "build", "x").returncode == 0  # x done again: nothing noted any more
    (root / "src.txt").write_text("2\n")
    (root / "slow").write_text("")
    (root / "x.pid").write_text("")
    args = ("build", "-q", "x")
    try:
        _killed_at(root, "write", 2, args)  # 1: x's note; 2: its command's group
        wait_for(root / "x.pid")
    finally:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int((root / "x.pid").read_text()), sig.SIGKILL)
    (root / "slow").unlink()
    (root / "src.txt").write_text("1\n")
    st = cli(root, "status", "--check")
    assert INTERRUPTED in st.stdout.splitlines(), st

"""Unit tests of `lock.ProjectLock`: the groups a holder notes, and which of them the next holder stops.

A holder killed with SIGKILL leaves its commands running; the next holder must stop exactly those, and
never a process that merely got one of their pids later.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildlike.errors import LockBusy
from buildlike.lock import ProjectLock

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="leftovers are found through /proc")


def start_sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait()


def acquire(folder: Path) -> tuple[ProjectLock, list[str]]:
    said: list[str] = []
    lock = ProjectLock(folder)
    lock.acquire(wait=False, on_wait=said.append, on_leftovers=said.append)
    return lock, said


def test_a_group_noted_by_a_killed_holder_is_stopped_by_the_next(tmp_path, sleepers):
    lock, _ = acquire(tmp_path)
    sleeper = start_sleeper()
    sleepers.append(sleeper)
    lock.record_group(sleeper.pid)
    assert f"group {sleeper.pid} " in (tmp_path / "lock").read_text()
    os.close(lock._fd)  # as if the holder died: the flock goes, the file stays as it was
    lock._fd = -1
    os.close(lock._groups_fd)
    lock._groups_fd = -1

    nxt, said = acquire(tmp_path)
    try:
        assert sleeper.wait(timeout=10) == -signal.SIGTERM
        assert len(said) == 1 and "left 1 command running" in said[0]
    finally:
        nxt.release()


def start_ticks(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def this_system() -> str:
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return f"{boot}:{os.stat('/proc/self/ns/pid').st_ino}"


@pytest.mark.parametrize(
    ("system", "bounds", "why"),
    [
        (None, (-100, +100), "the pid was noted in another boot or pid namespace"),
        ("same", (+1, +100), "the process started after the note: a newcomer that reused the pid"),
        ("same", (-100, -1), "the process started before the holder took the lock"),
    ],
)
def test_a_process_that_is_not_the_noted_command_is_left_alone(tmp_path, sleepers, system, bounds, why):
    sleeper = start_sleeper()
    sleepers.append(sleeper)
    time.sleep(0.03)  # a few clock ticks, so that the bounds below exclude it
    start = start_ticks(sleeper.pid)
    header = f"system {this_system() if system == 'same' else 'other-boot:4026531836'}"
    lo, hi = start + bounds[0], start + bounds[1]
    (tmp_path / "lock").write_text(f"pid 1, since 00:00:00\n{header}\ngroup {sleeper.pid} {lo} {hi}\n")

    lock, said = acquire(tmp_path)
    try:
        assert said == [], why
        assert sleeper.poll() is None, why
    finally:
        lock.release()


def test_a_group_within_its_bounds_in_this_system_is_stopped(tmp_path, sleepers):
    sleeper = start_sleeper()
    sleepers.append(sleeper)
    start = start_ticks(sleeper.pid)
    (tmp_path / "lock").write_text(
        f"pid 1, since 00:00:00\nsystem {this_system()}\ngroup {sleeper.pid} {start - 5} {start + 5}\n"
    )
    lock, said = acquire(tmp_path)
    try:
        assert sleeper.wait(timeout=10) == -signal.SIGTERM
        assert len(said) == 1
    finally:
        lock.release()


def test_release_forgets_the_groups(tmp_path, sleepers):
    lock, _ = acquire(tmp_path)
    lock.record_group(os.getpid())
    lock.release()
    assert (tmp_path / "lock").read_text() == ""
    again, said = acquire(tmp_path)
    again.release()
    assert said == []


def test_the_holder_is_named_to_a_second_build(tmp_path):
    lock, _ = acquire(tmp_path)
    try:
        lock.record_group(os.getpid())
        with pytest.raises(LockBusy, match=f"pid {os.getpid()}") as e:
            acquire(tmp_path)
        assert "group" not in str(e.value) and "system" not in str(e.value)  # the holder, not its notes
    finally:
        lock.release()
    acquire(tmp_path)[0].release()  # free again

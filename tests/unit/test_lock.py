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
    # ... and its process is gone (this one still runs: a holder that runs was not killed)
    notes = (tmp_path / "lock").read_text()
    (tmp_path / "lock").write_text(notes.replace(f"holder {os.getpid()} ", "holder 999999999 "))

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


def test_a_holder_that_has_not_written_its_pid_yet_is_waited_for_a_moment(tmp_path):
    """Found by a black-box tester: of ten builds started at once, one said "pid unknown", having
    read the file between the holder's flock and its first write."""
    import fcntl
    import threading

    fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # holds it, not written yet
        late = threading.Timer(0.05, lambda: os.pwrite(fd, b"pid 4242, since 12:00:00\n", 0))
        late.start()
        with pytest.raises(LockBusy, match="pid 4242, since 12:00:00"):
            ProjectLock(tmp_path).acquire(wait=False, on_wait=lambda _: None)
        late.join()
    finally:
        os.close(fd)


def test_notes_a_build_left_for_the_next_are_not_taken_for_the_holder(tmp_path):
    """Found in review: a build that ended leaves `job ...` lines for the next one; a build waiting
    behind a holder that has not written its pid yet said "another build is running (job 2e...)"."""
    import fcntl

    (tmp_path / "lock").write_text("job 2e2f 12345 6a6f62\n")
    fd = os.open(tmp_path / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(LockBusy) as e:
            ProjectLock(tmp_path).acquire(wait=False, on_wait=lambda _: None)
        assert "pid unknown" in str(e.value) and "job" not in str(e.value)
    finally:
        os.close(fd)


def gone_pid() -> int:
    """The pid of a process that has ended: a group noted under it is never stopped (nor ours)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def die(lock: ProjectLock) -> None:
    """As if the holder died: the flock goes, the file stays as it was."""
    os.close(lock._fd)
    lock._fd = -1
    os.close(lock._groups_fd)
    lock._groups_fd = -1


def test_the_jobs_a_killed_holder_started_are_interrupted_for_the_next_of_the_same_state(tmp_path):
    killed = ProjectLock(tmp_path)
    killed.acquire(wait=False, on_wait=print, state=tmp_path)
    killed.record_start("compile:src/a b.c")  # any characters
    killed.record_group(gone_pid())
    killed.record_start("link")
    die(killed)

    other = ProjectLock(tmp_path)  # another Maestrofile's build: not its jobs
    other.acquire(wait=False, on_wait=print, state=tmp_path / "by-name" / "b.toml")
    assert other.interrupted == {}
    other.release()

    nxt = ProjectLock(tmp_path)
    nxt.acquire(wait=False, on_wait=print, state=tmp_path)
    assert nxt.interrupted == {"compile:src/a b.c": killed.token, "link": killed.token}
    assert nxt.token not in (killed.token, 0, 1)
    nxt.release()  # not emptied: no state noted them yet, so they stay for the next build
    again = ProjectLock(tmp_path)
    again.acquire(wait=False, on_wait=print, state=tmp_path)
    assert again.interrupted == nxt.interrupted
    again.interrupted.clear()  # as the build does once its state has noted them
    again.release()
    assert (tmp_path / "lock").read_text() == ""


def test_a_killed_build_of_another_maestrofile_keeps_its_notes_for_its_own_next_build(tmp_path):
    killed = ProjectLock(tmp_path)
    killed.acquire(wait=False, on_wait=print, state=tmp_path / "by-name" / "b.toml")
    killed.record_start("gen")
    die(killed)
    mine = ProjectLock(tmp_path)
    mine.acquire(wait=False, on_wait=print, state=tmp_path)
    mine.release()
    theirs = ProjectLock(tmp_path)
    theirs.acquire(wait=False, on_wait=print, state=tmp_path / "by-name" / "b.toml")
    assert theirs.interrupted == {"gen": killed.token}
    theirs.interrupted.clear()
    theirs.release()


def test_status_reads_the_notes_without_taking_the_lock(tmp_path, monkeypatch):
    """A job is noted before its command starts (a kill right after the spawn still finds it), also
    where there is no tick clock for the groups; status reads the notes while a build holds the lock."""
    import buildlike.lock
    from buildlike.lock import started_by_a_killed_build

    monkeypatch.setattr(buildlike.lock, "_ticks_now", lambda: None)
    running = ProjectLock(tmp_path)
    running.acquire(wait=False, on_wait=print, state=tmp_path)
    running.record_start("a")
    assert started_by_a_killed_build(tmp_path, tmp_path) == {"a": running.token}
    with pytest.raises(LockBusy):  # (status took no lock a build could trip over)
        acquire(tmp_path)
    die(running)
    assert started_by_a_killed_build(tmp_path, tmp_path) == {"a": running.token}
    assert started_by_a_killed_build(tmp_path / "nothing-here", tmp_path) == {}


def test_a_job_run_again_by_a_later_killed_build_takes_that_builds_number(tmp_path):
    first = ProjectLock(tmp_path)
    first.acquire(wait=False, on_wait=print, state=tmp_path)
    first.record_start("x")
    first.record_start("y")
    die(first)
    second = ProjectLock(tmp_path)
    second.acquire(wait=False, on_wait=print, state=tmp_path)  # (killed before its state noted them)
    second.record_start("x")
    die(second)
    third = ProjectLock(tmp_path)
    third.acquire(wait=False, on_wait=print, state=tmp_path)
    assert third.interrupted == {"x": second.token, "y": first.token}
    third.release()


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        pytest.param(None, False, id="a build that ended"),
        pytest.param("BuildFailed", False, id="a failed build (its state notes the failures)"),
        pytest.param("StateError", True, id="a state that could not be saved"),
        pytest.param("RuntimeError", True, id="a bug"),
    ],
)
def test_a_build_that_ends_unlike_it_should_leaves_its_jobs_noted_as_a_killed_one(tmp_path, error, kept):
    import buildlike.errors

    exc = {"BuildFailed": buildlike.errors.BuildFailed(["a"]), "StateError": buildlike.errors.StateError("full")}
    try:
        with ProjectLock(tmp_path) as lock:
            lock.acquire(wait=False, on_wait=print, state=tmp_path)
            lock.record_start("a")
            if error is not None:
                raise exc.get(error, RuntimeError("bug"))
    except Exception:
        pass
    nxt = ProjectLock(tmp_path)
    nxt.acquire(wait=False, on_wait=print, state=tmp_path)
    assert nxt.interrupted == ({"a": lock.token} if kept else {})
    nxt.release()


def test_status_tells_the_build_holding_the_lock_from_a_killed_one(tmp_path):
    """The holder's note names its pid and when it started: a process that has that pid now but
    started at another time is not the holder (the holder was killed and its pid taken again)."""
    from buildlike.lock import running_build

    holder = ProjectLock(tmp_path)
    holder.acquire(wait=False, on_wait=print, state=tmp_path)
    holder.record_start("a")
    holder.record_start("b")
    holder.record_failed("b")
    live = running_build(tmp_path, tmp_path)
    assert live is not None and live.token == holder.token and live.failed == {"b"}
    assert live.holder.startswith(f"pid {os.getpid()}, since ")
    assert running_build(tmp_path, tmp_path / "other-state") is None  # another Maestrofile's build
    die(holder)
    lines = (tmp_path / "lock").read_text().splitlines()
    assert lines[2].startswith("holder ")
    pid, started = map(int, lines[2].split()[1:])
    assert pid == os.getpid()
    time.sleep(0.03)  # (start times count in clock ticks of 10 ms)
    sleeper = start_sleeper()  # started after the holder: as if it had taken the holder's pid again
    try:
        lines[2] = f"holder {sleeper.pid} {started}"
        (tmp_path / "lock").write_text("\n".join(lines) + "\n")
        assert running_build(tmp_path, tmp_path) is None
    finally:
        sleeper.kill()
        sleeper.wait()
    holder = ProjectLock(tmp_path)
    holder.acquire(wait=False, on_wait=print, state=tmp_path)
    holder.release()
    assert running_build(tmp_path, tmp_path) is None  # released: nobody holds it


def test_a_holder_that_released_without_cleaning_up_is_not_running(tmp_path):
    """Found in review: after a state that cannot be saved, the lock file stays as after a kill (for
    the next build), but a caller that lives on (watch, an API user) no longer builds: `status`
    must not say its jobs run. A torn or hand-made `failed` line is ignored, not a traceback."""
    from buildlike.lock import running_build

    holder = ProjectLock(tmp_path)
    holder.acquire(wait=False, on_wait=print, state=tmp_path)
    holder.record_start("a")
    with (tmp_path / "lock").open("a") as f:
        f.write("failed 61a\nfailed zz\n")
    live = running_build(tmp_path, tmp_path)
    assert live is not None and live.failed == frozenset()
    holder.release(clean=False)
    assert running_build(tmp_path, tmp_path) is None
    nxt = ProjectLock(tmp_path)
    nxt.acquire(wait=False, on_wait=print, state=tmp_path)
    assert nxt.interrupted == {"a": holder.token}  # (still noted for the next build)
    nxt.interrupted.clear()
    nxt.release()

"""One build per project: an exclusive `flock` on `.buildlike/lock`, which the OS frees if we die.

The holder writes its pid into the file so a second build can say whom it waits for, then the process
group of each command it starts: if it is killed (SIGKILL, a crash) its commands run on, and the next
holder stops those before it builds anything, so that they cannot race the reruns of their own jobs.
"""

from __future__ import annotations

import fcntl
import os
import time

TYPE_CHECKING = False  # not from typing: the no-op path imports this module
if TYPE_CHECKING:
    from collections.abc import Callable


class ProjectLock:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = os.path.join(folder, "lock")
        self._fd = -1
        self._groups_fd = -1  # the same file opened for appending, once we hold it through `acquire`
        self._since: int | None = None  # clock ticks when we took the lock: our commands start later

    def acquire(
        self, *, wait: bool, on_wait: Callable[[str], None], on_leftovers: Callable[[str], None] | None = None
    ) -> None:
        """Take the lock; if another build has it, call `on_wait(holder)` and block (or raise `LockBusy`).

        Commands that a killed holder left running are stopped first, telling `on_leftovers` why.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder(fd)
                if not wait:
                    from buildlike.errors import LockBusy

                    raise LockBusy(self.path, holder) from None
                on_wait(holder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._since = _ticks_now()
            where = _system()
            killed, left = _leftovers(fd, where)
            # Our pid first, for builds waiting behind us; the leftovers stay listed until stopped.
            os.ftruncate(fd, 0)
            me = f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}\n" + (f"system {where}\n" if where else "")
            groups = "".join(f"group {g} {lo} {hi}\n" for g, (lo, hi) in left.items())
            os.pwrite(fd, (me + groups).encode(), 0)
            if left:
                _stop_leftovers(killed, left, on_leftovers)
            self._groups_fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def record_group(self, pgid: int) -> None:
        """Note the process group of a command just started, for `_stop_leftovers`.

        With when its leader started: after we took the lock, and no later than now. Until we reap
        it no other process can take its pid, so a process found later under that pid (in this boot
        and pid namespace) is ours only if it started within those bounds. Reading the leader's own
        start time from /proc instead cost 0.2 ms per command.
        """
        now = _ticks_now()
        if now is not None and self._since is not None and self._groups_fd >= 0:
            try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
                os.write(self._groups_fd, f"group {pgid} {self._since} {now}\n".encode())
            except OSError:
                pass  # then a kill of this build leaves that command for the user to stop

    @staticmethod
    def _holder(fd: int) -> str:
        text = os.pread(fd, 200, 0).decode(errors="replace").split("\n", 1)[0].strip()  # not its groups
        return text or "pid unknown"

    def release(self) -> None:
        if self._groups_fd >= 0:
            os.ftruncate(self._groups_fd, 0)  # every command ended: nothing for the next build to stop
            os.close(self._groups_fd)
            self._groups_fd = -1
        if self._fd >= 0:
            os.close(self._fd)  # closing drops the flock
            self._fd = -1

    def try_acquire(self) -> bool:
        """Take the lock if it is free and the lock file exists; never waits, never creates anything."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _ticks_now() -> int | None:
    """Clock ticks since boot, as /proc counts a process's start time; None where there is no /proc."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is None:
        return None
    return time.clock_gettime_ns(boottime) // (1_000_000_000 // os.sysconf("SC_CLK_TCK"))


def _start_time(pid: int) -> int | None:
    """When process `pid` started (clock ticks after boot), or None if it is not running (Linux only)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19]) if len(fields) > 19 and fields[0] not in (b"Z", b"X") else None


def _system() -> str | None:
    """This boot and pid namespace, as `boot_id:namespace`: a pid means something only within both."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        return f"{boot}:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return None


def _leftovers(fd: int, where: str | None) -> tuple[str, dict[int, tuple[int, int]]]:
    """Who held the lock last, and the groups it noted whose leader still runs: {pgid: (from, to)}.

    A leader is recognised by its start time too (within the noted bounds), so a process that reused
    its pid is left alone; so is every group noted in another boot, container or machine.
    """
    lines = os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace").splitlines()
    left: dict[int, tuple[int, int]] = {}
    if where is None or len(lines) < 2 or lines[1] != f"system {where}":
        return (lines[0].strip() if lines else ""), left
    for line in lines[2:]:
        parts = line.split()
        if len(parts) == 4 and parts[0] == "group" and all(p.isdigit() for p in parts[1:]):
            pgid, lo, hi = int(parts[1]), int(parts[2]), int(parts[3])
            if _still_ours(pgid, lo, hi):
                left[pgid] = (lo, hi)
    return lines[0].strip(), left


def _stop_leftovers(killed: str, left: dict[int, tuple[int, int]], warn: Callable[[str], None] | None) -> None:
    """Stop the commands that a killed holder left running (SIGTERM, then SIGKILL), saying so."""
    if warn is not None:
        n = len(left)
        warn(
            f"a build of this project ({killed}) was killed and left {n} command{'s' if n != 1 else ''} "
            f"running; stopping {'them' if n != 1 else 'it'} first"
        )
    from buildlike.executor import stop_groups

    stop_groups(list(left), alive=lambda g: _still_ours(g, *left[g]))


def _still_ours(pgid: int, lo: int, hi: int) -> bool:
    start = _start_time(pgid)
    return start is not None and lo <= start <= hi

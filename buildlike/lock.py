"""One build per project: an exclusive `flock` on `.buildlike/lock`, which the OS frees if we die.

The holder writes its pid into the file so a second build can say whom it waits for, then each job
just before it starts and the process group of each command it starts. If it is killed (SIGKILL, a
crash) its commands run on, and the next holder stops those before it builds anything, so that they
cannot race the reruns of their own jobs; and its jobs count as interrupted (`interrupted`), to be
noted in the state, unless their records show they finished. A holder that ends as it should leaves
only what no state has noted yet. The file is rewritten in place, new content first, then cut to
length: a kill in between leaves old lines, never fewer notes.
"""

from __future__ import annotations

import fcntl
import os
import time

TYPE_CHECKING = False  # not from typing: the no-op path imports this module
if TYPE_CHECKING:
    from collections.abc import Callable

# How often, and how far apart, a waiting build reads the holder's pid before it says "pid unknown".
_HOLDER_LOOKS = 10
_HOLDER_PAUSE_S = 0.02
# How long a holder killed a moment ago may take to be gone once its lock is free (see `_still_runs`).
_EXIT_WAIT_S = 1.0

# The jobs killed builds had started, by state folder (hex): {job (hex): the build's number}.
_Started = dict[str, dict[str, int]]


class ProjectLock:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.fspath(folder)
        self.path = os.path.join(folder, "lock")
        self._fd = -1
        self._groups_fd = -1  # the same file opened for appending, once we hold it through `acquire`
        self._holder_at = -1  # where our `holder` line starts in the file, if we wrote one
        self._since: int | None = None  # clock ticks when we took the lock: our commands start later
        self._state = _state_key(self.folder, self.folder)  # our Maestrofile's state folder (see there)
        # This build's number, saved with each record it writes: a job a killed build had started is
        # interrupted unless its record carries that build's number (it finished, then came the kill).
        self.token = int.from_bytes(os.urandom(6), "big") + 2  # (0 and 1 mean untrusted and trusted)
        self.interrupted: dict[str, int] = {}  # jobs of our state a killed build had started: its number
        self._others: _Started = {}  # the same for other Maestrofiles' states: kept for their builds
        self._unsaved = False  # this build's state is not saved (see `not_saving`)

    def acquire(
        self,
        *,
        wait: bool,
        on_wait: Callable[[str], None],
        on_leftovers: Callable[[str], None] | None = None,
        state: str | os.PathLike[str] | None = None,
    ) -> None:
        """Take the lock; if another build has it, call `on_wait(holder)` and block (or raise `LockBusy`).

        Commands that a killed holder left running are stopped first, telling `on_leftovers` why. The
        jobs it had started for `state` (the Maestrofile's state folder) are then in `interrupted`;
        they stay noted in the file until the caller has noted them in the state and emptied it.
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:  # (made by `sudo buildlike`, say)
            raise _cannot("open", self.path, e) from None
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
            killed, left, started = _leftovers(fd, where)
            self._state = _state_key(self.folder, state if state is not None else self.folder)
            self.interrupted = {_unhex(j): t for j, t in started.pop(self._state, {}).items()}
            self._others = started
            # Our pid first, for builds waiting behind us; the leftovers stay listed until stopped, and
            # the interrupted jobs until their state notes them (for ours: before we release).
            me = f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}\n" + (f"system {where}\n" if where else "")
            started_at = _start_time(os.getpid()) if where else None
            if started_at is not None:  # for `status`: the holder runs while a process of that pid and start does
                self._holder_at = len(me.encode())
                me += f"holder {os.getpid()} {started_at}\n"
            groups = "".join(f"group {g} {lo} {hi}\n" for g, (lo, hi) in left.items())
            try:
                _rewrite(fd, me + f"state {self._state} {self.token}\n" + groups + self._job_lines())
            except OSError as e:  # (a full disk: it is rewritten in place, old lines kept until then)
                raise _cannot("write", self.path, e) from None
            if left:
                _stop_leftovers(killed, left, on_leftovers)
            try:
                self._groups_fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
            except OSError as e:  # (out of descriptors)
                raise _cannot("open", self.path, e) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def not_saving(self) -> None:
        """The build's state cannot be saved (a read-only or locked database): no state will say which
        of its jobs failed or were interrupted, so it is released as after a kill, its notes left for
        the next build to distrust those jobs."""
        self._unsaved = True

    def record_start(self, job: str) -> None:
        """Note a job about to start: if we are killed, the next build takes its run as interrupted."""
        if self._groups_fd >= 0:
            try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
                os.write(self._groups_fd, f"run {_hex(job)}\n".encode())
            except OSError:
                pass  # then a kill of this build leaves the job trusted if nothing it reads changed

    def record_failed(self, job: str) -> None:
        """Note a job whose run failed: `status` then tells it from the jobs we still run."""
        if self._groups_fd >= 0:
            try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
                os.write(self._groups_fd, f"failed {_hex(job)}\n".encode())
            except OSError:
                pass  # then `status` says it runs until this build ends

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

    def _job_lines(self) -> str:
        """The interrupted jobs no state has noted yet, ours and other Maestrofiles'."""
        started = {**self._others, self._state: {_hex(j): t for j, t in self.interrupted.items()}}
        return "".join(f"job {st} {t} {j}\n" for st, jobs in sorted(started.items()) for j, t in sorted(jobs.items()))

    @staticmethod
    def _holder(fd: int) -> str:
        # The holder writes its pid just after it took the lock: one that took it a moment ago may
        # not have yet (ten builds started at once), so look again a few times before giving up.
        for _ in range(_HOLDER_LOOKS):
            text = os.pread(fd, 200, 0).decode(errors="replace").split("\n", 1)[0].strip()  # not its groups
            if text.startswith("pid "):  # (else the notes a build that ended left for the next)
                return text
            time.sleep(_HOLDER_PAUSE_S)
        return "pid unknown"

    def release(self, *, clean: bool = True) -> None:
        """Let the next build in. `clean`: the build ended as it should (also failed or interrupted),
        its state saying which jobs did not finish; else (a bug, a state that cannot be saved) the
        file stays as after a kill, for the next build to treat our jobs as interrupted."""
        if self._groups_fd >= 0:
            # Every command ended, and the state knows which jobs did not finish: nothing for the next
            # build to stop or note, but the interrupted jobs no state has noted yet (the caller
            # empties `interrupted` once ours has; another Maestrofile's wait for its next build).
            if clean:
                try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
                    _rewrite(self._fd, self._job_lines())
                except OSError:
                    pass  # (a full disk) the notes stay as after a kill: the next build looks at them again
            elif self._holder_at >= 0:  # (we live on, a caller catching the error: no build of ours runs now)
                try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
                    os.pwrite(self._fd, b"ended ", self._holder_at)  # as long as "holder": nothing else moves
                except OSError:
                    pass
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

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.release(clean=not self._unsaved)
            return
        from buildlike.errors import BuildlikeError, Interrupted, StateError

        # A failed or interrupted build noted its unfinished jobs in the state; a state that could not
        # be saved, or a bug, may not have.
        ended = issubclass(kind, (BuildlikeError, Interrupted)) and not issubclass(kind, StateError)
        self.release(clean=ended and not self._unsaved)


def _cannot(what: str, path: str, e: OSError) -> Exception:
    from buildlike.errors import StateError

    return StateError(f"cannot {what} buildlike's lock file {path}: {e.strerror}")


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


def _leftovers(fd: int, where: str | None) -> tuple[str, dict[int, tuple[int, int]], _Started]:
    """Who held the lock last; the groups it noted whose leader still runs, {pgid: (from, to)}; and
    the jobs it (or a killed holder before it) had started, with the number of the build.

    A leader is recognised by its start time too (within the noted bounds), so a process that reused
    its pid is left alone; so is every group noted in another boot, container or machine, or by a
    holder that still runs. Its job was started all the same (the state it belongs to is on this
    disk, whoever wrote the note).
    """
    lines = os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace").splitlines()
    left: dict[int, tuple[int, int]] = {}
    started: _Started = {}
    here = len(lines) > 1 and where is not None and lines[1] == f"system {where}"
    state, token = _hex("."), 0  # (the notes of a holder from before states were named: Maestrofile.toml's)
    for line in lines:  # (a holder that released the lock may have left only notes of jobs)
        parts = line.split()
        if len(parts) == 3 and parts[0] == "state" and _is_hex(parts[1]) and parts[2].isdigit():
            state, token = parts[1], int(parts[2])
        elif len(parts) == 2 and parts[0] == "run" and _is_hex(parts[1]):
            started.setdefault(state, {})[parts[1]] = token
        elif len(parts) == 4 and parts[0] == "job" and _is_hex(parts[1]) and parts[2].isdigit() and _is_hex(parts[3]):
            started.setdefault(parts[1], {}).setdefault(parts[3], int(parts[2]))  # (a later run decides)
        elif len(parts) == 4 and parts[0] == "group" and all(p.isdigit() for p in parts[1:]):
            pgid, lo, hi = int(parts[1]), int(parts[2]), int(parts[3])
            if here and _still_ours(pgid, lo, hi):
                left[pgid] = (lo, hi)
    # A holder that still runs was not killed: these are the notes of a live build in a copy of the
    # project (`cp -a` while it ran), whose commands are that build's, not ours to stop.
    holder = lines[2].split() if left and len(lines) > 2 else []
    noted = len(holder) == 3 and holder[0] == "holder" and holder[1].isdigit() and holder[2].isdigit()
    if noted and _still_runs(int(holder[1]), int(holder[2])):
        left = {}
    return (lines[0].strip() if lines and lines[0].startswith("pid ") else ""), left, started


def _still_runs(pid: int, start: int) -> bool:
    """Whether the process `pid` that started at `start` still runs. One killed a moment ago freed its
    lock as it exited, which is when the next build wakes: it is given a moment to be gone."""
    deadline = time.monotonic() + _EXIT_WAIT_S
    while _start_time(pid) == start:
        if time.monotonic() > deadline:
            return True
        time.sleep(0.005)
    return False


def started_by_a_killed_build(folder: str | os.PathLike[str], state: str | os.PathLike[str]) -> dict[str, int]:
    """The jobs of `state` that killed builds had started, with each build's number, for `status`
    and dry runs, which never take the lock (nor disturb a build taking it). A build running now
    lists its jobs too: those it finished carry its number, and those it runs are stale anyway."""
    try:
        fd = os.open(os.path.join(folder, "lock"), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        started = _leftovers(fd, None)[2]
    except OSError:
        return {}
    finally:
        os.close(fd)
    return {_unhex(j): t for j, t in started.get(_state_key(folder, state), {}).items()}


class RunningBuild:
    """The build holding a project's lock now, as `status` sees it without taking the lock."""

    __slots__ = ("failed", "holder", "token")

    def __init__(self, holder: str, token: int, failed: frozenset[str]) -> None:
        self.holder = holder  # "pid N, since HH:MM:SS"
        self.token = token  # its number, saved with each record it writes
        self.failed = failed  # the jobs it ran that failed: those it started and neither finished nor failed run


def running_build(folder: str | os.PathLike[str], state: str | os.PathLike[str]) -> RunningBuild | None:
    """The build of `state` (a Maestrofile's state folder) that holds the lock now; None if none does,
    or where that cannot be told (no /proc, a build in another container). Never takes the lock."""
    try:
        with open(os.path.join(folder, "lock"), "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    where = _system()
    if len(lines) < 4 or not lines[0].startswith("pid ") or where is None or lines[1] != f"system {where}":
        return None  # (released, or written before holders noted their start: cannot be told)
    holder = lines[2].split()
    if len(holder) != 3 or holder[0] != "holder" or not (holder[1].isdigit() and holder[2].isdigit()):
        return None
    if _start_time(int(holder[1])) != int(holder[2]):  # dead, or its pid taken again by a later process
        return None
    mine = lines[3].split()
    if len(mine) != 3 or mine[0] != "state" or mine[1] != _state_key(folder, state) or not mine[2].isdigit():
        return None  # (another Maestrofile's build: none of our jobs runs)
    failed = frozenset(
        _unhex(p[1]) for line in lines[4:] if len(p := line.split()) == 2 and p[0] == "failed" and _is_hex(p[1])
    )
    return RunningBuild(lines[0].strip(), int(mine[2]), failed)


def _state_key(folder: str | os.PathLike[str], state: str | os.PathLike[str]) -> str:
    """How the file names a Maestrofile's state folder: relative to the lock's folder, in hex."""
    return _hex(os.path.relpath(state, folder))


def _rewrite(fd: int, text: str) -> None:
    """Replace the file's content: the new one first, then cut to its length (never empty between)."""
    data = text.encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def _hex(text: str) -> str:
    """A job id or path as one word of the file, whatever characters it holds."""
    return text.encode("utf-8", "surrogatepass").hex()  # (any string comes back as it was)


def _unhex(word: str) -> str:
    data = bytes.fromhex(word)
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:  # written by an older version: the name's bytes
        return data.decode("utf-8", "surrogateescape")


def _is_hex(word: str) -> bool:
    return len(word) % 2 == 0 and all(c in "0123456789abcdef" for c in word)


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

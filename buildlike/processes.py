"""The commands running now: start them and wait, in one thread, for whichever ends first.

Each command is watched through a pidfd, so one `poll` wakes for any of them, for output in a
job's capture pipe, for a signal (the runner points `signal.set_wakeup_fd` at `wake_fd`) or for
`wake()` from another thread. Running one job's commands is executor.py's job; what to run next is
the runner's.
"""

from __future__ import annotations

import contextlib
import os
import resource  # (here, not where it is used: at the limit on open files even loading it fails)
import select
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from buildlike.capture import Capture
from buildlike.executor import Child, Execution, Outcome

K = TypeVar("K")


class Processes(Generic[K]):
    """The jobs running now, each under a key: starts their commands and waits for the next to end.

    Threads waiting on commands made the build loop fight them for the GIL on every stat and state
    write, so all of this runs in the caller's thread. Where pidfds are missing (not Linux), a small
    thread waits for each command instead.
    """

    def __init__(self) -> None:
        self.running: dict[K, Execution] = {}
        self._poll = select.poll()
        self.wake_fd: int
        self._wake_r, self.wake_fd = os.pipe()
        for fd in (self._wake_r, self.wake_fd):
            os.set_blocking(fd, False)
        self._poll.register(self._wake_r, select.POLLIN)
        self._watched: dict[int, tuple[K, Child]] = {}  # by pidfd
        self._reaped: list[tuple[K, int]] = []  # from the waiting threads (append and pop are atomic)
        self._ended: list[tuple[K, Outcome]] = []
        self._captures: dict[int, Capture] = {}  # the output of the running jobs, by reading end
        self._lock = threading.Lock()  # `wake` from other threads against `close`
        self._closed = False

    def start(self, key: K, execution: Execution) -> None:
        """Start the job's first command (or end the job at once if it cannot start)."""
        self.running[key] = execution
        self._step(key, lambda: execution.start(self._capture()))

    def _capture(self) -> Capture:
        capture = Capture()
        if capture.read_fd >= 0:
            self._captures[capture.read_fd] = capture
            self._poll.register(capture.read_fd, select.POLLIN)
        return capture

    def wait(self, timeout: float | None = None) -> list[tuple[K, Outcome]]:
        """The jobs that ended: at once if some have; else once a job ends or a wake-up comes, or
        after `timeout` s or some output (so it may return none).

        Without a timeout, output alone does not end the wait: a command's pipe usually ends just
        before the command does, and returning then cost the caller a round of its loop per job.
        """
        while not self._ended:
            woken = self._poll_once(timeout)
            if woken or timeout is not None:
                break
        ended, self._ended = self._ended, []
        return ended

    def _poll_once(self, timeout: float | None) -> bool:
        """Wait once for whatever comes and handle it; whether it was a wake-up."""
        ready = [fd for fd, _ in self._poll.poll(None if timeout is None else max(timeout, 0.0) * 1000)]
        # Handling an ended command may close a pipe or a pidfd, and a new pidfd or pipe may then
        # take its number: which descriptor meant what is settled first.
        exited = [fd for fd in ready if fd in self._watched]
        woken = False
        for fd in ready:
            capture = self._captures.get(fd)
            if capture is not None:
                if not capture.take():  # every writer closed it (the command may still run)
                    self._unwatch(capture)  # else poll would report its end again and again
            elif fd == self._wake_r:
                woken = True
                with contextlib.suppress(BlockingIOError):
                    os.read(fd, 4096)
        for fd in exited:
            key, child = self._watched.pop(fd)
            self._poll.unregister(fd)
            os.close(fd)
            self._command_ended(key, child.reap())
        while self._reaped:
            self._command_ended(*self._reaped.pop(0))
        return woken

    def has_ended(self) -> bool:
        """Whether a job ended that `wait` has not returned yet (one whose command could not start)."""
        return bool(self._ended)

    def wake(self) -> None:
        """Make `wait` return now; safe from another thread (not from a signal handler: it locks)."""
        with self._lock:  # never after close(): the descriptor's number may belong to another file
            if not self._closed:
                with contextlib.suppress(BlockingIOError):  # full: a wake-up is pending anyway
                    os.write(self.wake_fd, b"\0")

    def signal(self, sig: int, *, stopping: bool = True) -> None:
        """Send `sig` to the process groups of every running job (see `Execution.signal`)."""
        for execution in self.running.values():
            execution.signal(sig, stopping=stopping)

    def close(self) -> None:
        """Stop watching (commands still running are left to the caller to stop first)."""
        with self._lock:
            self._closed = True
            for fd in (*self._watched, self._wake_r, self.wake_fd):
                os.close(fd)
        self._watched.clear()
        for capture in self._captures.values():
            capture.close()
        self._captures.clear()
        for execution in self.running.values():  # (a pipe that ended is no longer among `_captures`)
            if execution.capture is not None:
                execution.capture.close()

    def _unwatch(self, capture: Capture) -> None:
        if capture.read_fd in self._captures:
            self._poll.unregister(capture.read_fd)
            del self._captures[capture.read_fd]

    def _command_ended(self, key: K, code: int) -> None:
        execution = self.running[key]
        self._step(key, lambda: execution.advance(code))

    def _step(self, key: K, step: Callable[[], Child | None]) -> None:
        """Run `step` (which may start the job's next command) and follow what it started."""
        try:
            child = step()
        except BaseException:
            execution = self.running.pop(key)  # nothing of it runs now: never wait for it
            if execution.capture is not None:
                self._unwatch(execution.capture)
                execution.capture.close()
            raise
        self._follow(key, child)

    def _follow(self, key: K, child: Child | None) -> None:
        if child is None:  # the job is over
            execution = self.running.pop(key)
            capture = execution.capture
            assert capture is not None
            self._unwatch(capture)  # before its descriptor is closed (and its number reused)
            capture.finish()
            self._ended.append((key, execution.outcome()))
            return
        try:
            fd = os.pidfd_open(child.pid)
        except (AttributeError, OSError):
            threading.Thread(target=self._reap_in_thread, args=(key, child), daemon=True).start()
            return
        self._watched[fd] = (key, child)
        self._poll.register(fd, select.POLLIN)

    def _reap_in_thread(self, key: K, child: Child) -> None:
        self._reaped.append((key, child.reap()))
        self.wake()


# Descriptors each running job holds (its pidfd and both ends of its output pipe); those the build
# opens for a moment besides what it holds when it starts jobs (a file it hashes, a depfile, a
# script file, a pipe to a fallback Popen, SQLite's own); and what it holds where that cannot be
# counted (the state, the lock, the wake-up pipe, what we inherited).
_DESCRIPTORS_PER_JOB = 3
_DESCRIPTORS_FOR_A_MOMENT = 16
_DESCRIPTORS_TO_SPARE = 4  # fewer free than a job's and these: no job can be run
_DESCRIPTORS_HELD_UNCOUNTED = 64


def _descriptors_held() -> int:
    """How many descriptors this process holds now."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder)) - 1  # (not the one that listed it)
        except OSError:
            continue
    return _DESCRIPTORS_HELD_UNCOUNTED  # pragma: no cover - neither listing exists


def room_for_jobs(jobs: int) -> int:
    """Raise the soft limit on open files if `jobs` commands could pass it; the jobs that fit then
    (0: not even one, with a few descriptors to spare).

    The soft limit is often 1024 while the hard one is far higher; make and ninja face the same.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held = _descriptors_held()
    besides = held + _DESCRIPTORS_FOR_A_MOMENT
    needed = _DESCRIPTORS_PER_JOB * jobs + besides
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return jobs
    with contextlib.suppress(ValueError, OSError):
        soft = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return jobs
    if soft - held < _DESCRIPTORS_PER_JOB + _DESCRIPTORS_TO_SPARE:
        return 0
    return max(1, min(jobs, (soft - besides) // _DESCRIPTORS_PER_JOB))

"""Stopping a build: Ctrl-C and SIGTERM routed to the build loop, a `Cancel` from another thread, and
stopping the commands' process groups. When to stop is the runner's call; this module only carries it out.
Ctrl-Z suspends the commands with the build, and `fg`/`bg` resumes them. A SIGCHLD ignored by whoever started
us is set back to its default while commands run: ignored, their exit codes would be lost. Between builds,
`watch` stops on SIGTERM and SIGHUP as on Ctrl-C (`stop_watching_on_signals`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from buildlike.errors import UsageError
from buildlike.processes import Processes


class Cancel:
    """Stops a running build from another thread, as Ctrl-C would (`buildlike watch --restart`).

    `request()` may come before the build starts or while it runs; either way the build stops its
    commands' process groups and raises `Interrupted(CANCELLED)`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requested = False
        self._wake: Callable[[], None] | None = None

    @property
    def requested(self) -> bool:
        return self._requested

    def request(self) -> None:
        with self._lock:
            self._requested = True
            wake = self._wake
        if wake is not None:
            wake()

    def attach(self, wake: Callable[[], None] | None) -> None:
        """Call `wake` on a request (at once if one came already); None detaches."""
        with self._lock:
            self._wake = wake
            requested = self._requested
        if wake is not None and requested:
            wake()


# Whether a main-thread build has set an ignored SIGCHLD to its default for its length (the one
# process-wide fact here: signal dispositions are the process's, not a build's).
_SIGCHLD_LOCK = threading.Lock()
_SIGCHLD_LENT = threading.Event()


def route_signals(
    handler: Callable[[int, Any], None], processes: Processes[Any], on_suspend: Callable[[], None]
) -> Callable[[], None]:
    """Route SIGINT/SIGTERM to `handler` while `processes` run (main thread only), SIGHUP too (the
    terminal closed: its commands, in sessions of their own, would run on), and Ctrl-Z (SIGTSTP) to
    `on_suspend`; returns a restorer. A SIGHUP or SIGTSTP ignored (under nohup) stays so.

    A handler of the program around us (an application calling the API) for those signals is not
    called: the build raises `Interrupted`, naming the signal, once its commands are stopped.

    The caller's loop calls `suspend_with` once told: a handler stopping the commands itself could
    run between a command's start and the note of its process group, and miss it.

    Each signal also writes a byte to the processes' `wake_fd`, whichever thread the system
    delivered it to, so that their wait ends.
    """
    if threading.current_thread() is not threading.main_thread():
        with _SIGCHLD_LOCK:  # (a default lent by a main-thread build goes back to SIG_IGN at its end)
            if _SIGCHLD_LENT.is_set() or signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
                raise UsageError(
                    "SIGCHLD is ignored in this process, so the exit codes of commands cannot be read;"
                    " build from the main thread, or set SIGCHLD back to SIG_DFL first"
                )
        return lambda: None
    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    with _SIGCHLD_LOCK:
        if signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
            # Ignored (passed on across exec, or the host application's choice), the kernel would reap
            # our commands itself: waitpid then fails with ECHILD, and their exit codes are lost.
            old[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _SIGCHLD_LENT.set()
    if signal.getsignal(signal.SIGHUP) == signal.SIG_DFL:
        old[signal.SIGHUP] = signal.signal(signal.SIGHUP, handler)
    if signal.getsignal(signal.SIGTSTP) == signal.SIG_DFL:
        old[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, lambda _s, _f: on_suspend())
    old_fd = signal.set_wakeup_fd(processes.wake_fd, warn_on_full_buffer=False)  # full: a wake-up is pending anyway

    def restore() -> None:
        signal.set_wakeup_fd(old_fd)  # (a previous owner's warn_on_full_buffer=False is not kept)
        with _SIGCHLD_LOCK:
            for s, h in old.items():
                signal.signal(s, h)
            if signal.SIGCHLD in old:
                _SIGCHLD_LENT.clear()

    return restore


def suspend_with(processes: Processes[Any]) -> None:
    """Ctrl-Z: stop the running commands, then ourselves; once continued (`fg`, `bg`), them too.

    They run in sessions of their own, out of the terminal's reach, so the terminal's SIGTSTP stops
    only us. SIGSTOP, as the kernel drops SIGTSTP for such groups (and for ours, when no shell
    with job control started us).
    """
    processes.signal(signal.SIGSTOP, stopping=False)
    try:
        os.kill(os.getpid(), signal.SIGSTOP)  # we stand still here until SIGCONT
    finally:
        processes.signal(signal.SIGCONT, stopping=False)


def stop_all(processes: Processes[Any], grace: float) -> None:
    """Stop every running job's process group: SIGTERM, then SIGKILL after `grace` seconds.

    Once a job's command has ended, what it left in its group gets SIGKILL at once.
    """
    executions = dict(processes.running)
    processes.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    killed = False
    while processes.running:
        timeout = deadline - time.monotonic()
        if timeout <= 0 and not killed:
            processes.signal(signal.SIGKILL)
            killed = True
        for key, _ in processes.wait(timeout=max(timeout, 0.05) if not killed else 1.0):
            execution = executions.get(key)  # (none for a job that had ended already, e.g. could not start)
            if execution is not None:
                execution.signal(signal.SIGKILL)  # leftovers of the group, if any


def stop_watching_on_signals() -> Callable[[], None]:
    """Make SIGTERM, and SIGHUP (the terminal closed) unless it is ignored (nohup), stop watching as
    Ctrl-C does (KeyboardInterrupt); returns a restorer.

    During a build the runner's own handlers take over, stop the commands and raise `Interrupted`;
    it treats SIGHUP so too, and between builds it must not kill us where during one it ends cleanly.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(_signum: int, _frame: object) -> None:
        ignore_interrupts()  # the first one stops watching; a second (`timeout` sends two) must not cut that short
        raise KeyboardInterrupt

    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    hup = signal.getsignal(signal.SIGHUP)
    if hup is not None:  # (None: set outside Python, which we leave alone)
        old[signal.SIGHUP] = hup  # given back whatever stopping did to it
        if hup == signal.SIG_DFL:
            signal.signal(signal.SIGHUP, stop)

    def restore() -> None:
        for s, h in old.items():
            signal.signal(s, h)

    return restore


def ignore_interrupts() -> None:
    """Ignore SIGINT, SIGTERM and SIGHUP from now on (until the caller restores its handlers)."""
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)

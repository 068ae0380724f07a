"""Run one job's commands, each in its own process group, their output captured (capture.py).

Simple commands (no shell syntax) are exec'ed directly, as make does, which saves a shell per job.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

from buildlike.capture import Capture, inherited_fds
from buildlike.shellwords import shell_words, split_simple

if TYPE_CHECKING:
    import subprocess

DEFAULT_SHELL = "/bin/sh"
_NEEDS_SHELL = -1000
_TOO_LONG = -1001
# Between SIGTERM and SIGKILL when stopping commands.
STOP_GRACE_S = 3.0
# Python ignores these; a command must get them back at their defaults, as Popen does.
_RESTORED_SIGNALS = tuple(getattr(signal, n) for n in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, n))


def _script_file() -> IO[bytes]:
    """An unnamed temporary file (for a command too long to pass as an argument)."""
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here
        import tempfile

        return tempfile.TemporaryFile(prefix="buildlike-script-")
    return os.fdopen(fd, "w+b")


class Outcome(NamedTuple):
    """How a job's commands ended."""

    exit_code: int  # 0 success; >0 the failing command's code; <0 killed by that signal
    failed_command: str | None
    output: bytes
    output_size: int
    seconds: float


class Launcher:
    """What all the commands of one build share: where programs are, and how to start them.

    Programs are found on PATH once per build: leaving the search to exec would try every PATH
    folder in turn for every job (eight failed execve calls per `cp` here), and a shell caches its
    lookups the same way. Commands whose folder is already ours start with `posix_spawn`, which
    costs a fraction of `subprocess.Popen`; the others go through Popen, which can change folder.
    """

    def __init__(
        self, cwd: str, *, on_spawn: Callable[[int], None] | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self._found: dict[tuple[str, str], str | None] = {}
        # The environment of the commands that get none of their own (None: ours, as it is now).
        self.env: Mapping[str, str] = dict(env if env is not None else os.environ)
        self._env_bytes: dict[bytes, bytes] | None = None
        self.cwd = os.path.abspath(cwd)
        self._searched_here: set[str] = set()  # the folders of the PATHs in `_found` inside `cwd`
        # posix_spawn keeps inheritable descriptors open in the child; Popen(close_fds=True) does not.
        closable, stuck = inherited_fds()
        self.closing = [(os.POSIX_SPAWN_CLOSE, fd) for fd in closable]
        self.on_spawn = on_spawn  # told each new process group, e.g. to record it for the next build
        self.default_signals = _signals_to_default()
        try:
            self.spawn_here = os.path.samefile(os.getcwd(), cwd) and hasattr(os, "posix_spawn")
        except OSError:
            self.spawn_here = False
        if stuck:  # (a wrapper lowered `ulimit -n` below a descriptor it left open): Popen closes any
            self.spawn_here = False

    def made(self, outputs: Sequence[str]) -> None:
        """Files a job just made (relative to `cwd`): if one is in a PATH folder we looked in, look
        again there (a tool built by the project)."""
        if not self._searched_here:
            return  # (outputs are all inside the project)
        folders = {os.path.dirname(os.path.abspath(os.path.join(self.cwd, p))) for p in outputs}
        if folders.isdisjoint(self._searched_here):
            return
        for name, path in list(self._found):
            if folders.intersection(_folders(path)):
                del self._found[(name, path)]

    def spawn_env(self, env: Mapping[str, str] | None) -> Mapping[str, str] | Mapping[bytes, bytes]:
        """`env` (None: `self.env`) as posix_spawn takes it.

        The shared environment is encoded once per build: given strings, posix_spawn encodes every
        name and value again on each call (44 variables here: about 60,000 instructions a job).
        """
        if env is not None:
            return env
        if self._env_bytes is None:
            self._env_bytes = {os.fsencode(k): os.fsencode(v) for k, v in self.env.items()}
        return self._env_bytes

    def find(self, name: str, env: Mapping[str, str] | None) -> str | None:
        """The absolute path of `name`, or None if no PATH folder holds it (or PATH is relative)."""
        path = (env if env is not None else self.env).get("PATH", os.defpath)
        key = (name, path)
        if key not in self._found:
            self._found[key] = self._search(name, path)
            inside = os.path.join(self.cwd, "")  # (a root of / is "/", not "//")
            self._searched_here.update(f for f in _folders(path) if f == self.cwd or f.startswith(inside))
        return self._found[key]

    @staticmethod
    def _search(name: str, path: str) -> str | None:
        for folder in path.split(os.pathsep):
            if not os.path.isabs(folder):
                return None  # relative to each command's folder: let exec search
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None


def _signals_to_default() -> tuple[int, ...]:
    """The signals a command starts with at their defaults: all but those ignored now.

    Named all at once: posix_spawn otherwise asks about each signal before resetting it, ~60 more
    system calls in the child while we wait for it to exec (~20 us a spawn). A signal ignored when
    the build starts (nohup's SIGHUP) stays ignored in commands, as exec keeps it; Python's own
    (SIGPIPE) does not, and neither do SIGINT and SIGTERM, which the build catches while it runs.
    """
    out = []
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            ignored = signal.getsignal(sig) == signal.SIG_IGN
        except ValueError:  # not a signal Python can ask about
            continue
        if not ignored or sig in _RESTORED_SIGNALS:
            out.append(int(sig))
    return tuple(out)


class Child(NamedTuple):
    """A command we started: its pid (also its process group's id), and how to reap it."""

    pid: int
    popen: subprocess.Popen[bytes] | None = None

    def reap(self) -> int:
        """Its exit code (negative: the signal that killed it). Blocks until it has ended."""
        if self.popen is not None:
            return self.popen.wait()
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


def _folders(path: str) -> list[str]:
    """The folders of a PATH, each spelt as `os.path.dirname(os.path.abspath(file))` spells it."""
    return [os.path.normpath(f) for f in path.split(os.pathsep)]


class Execution:
    """One job's commands, run in order until one fails, without blocking: `Processes` drives it.

    `start()` and `advance()` start the next command and return it, or None once the job is over;
    `outcome()` then says how it ended.
    """

    def __init__(
        self,
        commands: Sequence[str],
        *,
        shell: str,
        cwd: str,
        env: Mapping[str, str] | None,
        launcher: Launcher | None = None,
        folders: Sequence[str] = (),
        announce: Callable[[str], None] | None = None,
    ) -> None:
        self.commands = tuple(commands)
        self.announce = announce  # told each command as it starts (`-v`)
        self.folders = tuple(folders)  # to create first (relative to `cwd`): those of the outputs
        self.launcher = launcher if launcher is not None else Launcher(cwd)
        self.shell = shell
        self.shell_argv = shell_words(shell)  # the program and its options
        self.cwd = cwd
        self.env = env  # None: the launcher's
        self.pgids: list[int] = []
        self._next = 0  # index of the next command to start
        self._code = 0
        self._failed: str | None = None
        self._stopping = False
        self.capture: Capture | None = None
        self._started = 0.0

    def start(self, capture: Capture) -> Child | None:
        """Create the output folders and start the first command, its output going to `capture`."""
        self._started = time.monotonic()
        self.capture = capture
        if capture.error is not None:
            capture.note(f"buildlike: no pipe for the job's output: {capture.error.strerror} (see `ulimit -n`)\n")
            self._code, self._failed = 1, self.commands[0] if self.commands else "pipe"
            return None
        if not self._make_folders(capture):
            return None
        return self._start_next()

    def advance(self, code: int) -> Child | None:
        """The running command ended with `code`: start the next one, or None when the job is over."""
        if code != 0:
            self._code, self._failed = code, self.commands[self._next - 1]
            return None
        return self._start_next()

    def outcome(self) -> Outcome:
        """How the job ended, with its output (cut in the middle when long); once `capture` is finished."""
        assert self.capture is not None, "outcome() before start()"
        capture = self.capture
        return Outcome(self._code, self._failed, capture.text(), capture.size, time.monotonic() - self._started)

    def signal(self, sig: int, *, stopping: bool = True) -> None:
        """Send `sig` to the process groups of this job (the running one and any left behind);
        `stopping`: the job is being stopped, so none of its further commands starts."""
        self._stopping = self._stopping or stopping
        for pgid in self.pgids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)

    def _make_folders(self, capture: Capture) -> bool:
        """Create the folders; a failure (a file has the name) fails the job as `mkdir -p` would."""
        for folder in self.folders:
            path = os.path.join(self.cwd, folder)
            try:
                if stat.S_ISDIR(os.stat(path).st_mode):
                    continue  # the common case, without the exception makedirs would raise and catch
            except OSError:
                pass
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as e:
                capture.note(f"buildlike: cannot create the folder '{folder}': {e.strerror}\n")
                self._code, self._failed = 1, f"mkdir -p {folder}"
                return False
        return True

    def _start_next(self) -> Child | None:
        while self._next < len(self.commands):
            command = self.commands[self._next]
            self._next += 1
            if self.announce is not None and not self._stopping:
                self.announce(command)
            started = -signal.SIGTERM if self._stopping else self._start_one(command)
            if isinstance(started, Child):
                if self._next == len(self.commands) and self.capture is not None:
                    self.capture.close_writer()  # the last command has its copy
                return started
            if started != 0:
                self._code, self._failed = started, command
                return None
        return None

    def _start_one(self, command: str) -> Child | int:
        """Start `command`; an exit code instead when it could not start."""
        capture = self.capture
        assert capture is not None
        argv = split_simple(command) if self.shell == DEFAULT_SHELL else None
        try:
            started = self._spawn(command, argv, capture)
            if isinstance(started, Child):
                return started
            if started == _NEEDS_SHELL:  # e.g. a script without a #! line, which only a shell runs
                started = self._spawn(command, None, capture)
            if started == _TOO_LONG:
                # Linux takes at most 128 kB in one argument, too little for `sh -c` and a command
                # naming 20,000 inputs: the shell reads such a command from an unnamed file instead
                # (its own copy of the descriptor keeps the file once ours is closed).
                with _script_file() as script:
                    script.write(command.encode("utf-8", "surrogateescape"))
                    script.flush()
                    started = self._spawn(command, None, capture, script=script.fileno())
        except OSError as e:  # the shell itself could not start
            code, reason = _not_started(e)
            capture.note(f"buildlike: cannot start the shell '{self.shell_argv[0]}': {reason}\n")
            return code
        return started

    def _spawn(self, command: str, argv: list[str] | None, capture: Capture, script: int = -1) -> Child | int:
        if script >= 0:
            args = [*self.shell_argv, f"/dev/fd/{script}"]
        else:
            args = argv if argv is not None else [*self.shell_argv, "-c", command]
        program = args[0] if "/" in args[0] else self.launcher.find(args[0], self.env)
        try:
            if self.launcher.spawn_here and program is not None and script < 0:
                child = Child(
                    os.posix_spawn(
                        program,
                        args,
                        self.launcher.spawn_env(self.env),
                        file_actions=[
                            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                            (os.POSIX_SPAWN_DUP2, capture.write_fd, 1),
                            (os.POSIX_SPAWN_DUP2, capture.write_fd, 2),
                            *self.launcher.closing,
                        ],
                        setsid=True,  # own session and process group, away from our tty
                        setsigdef=self.launcher.default_signals,
                    )
                )
            else:
                import subprocess  # here: most commands start with posix_spawn, and it costs 5 ms to import

                proc = subprocess.Popen(
                    args,
                    executable=program,
                    cwd=self.cwd,
                    env=self.env if self.env is not None else self.launcher.env,
                    stdin=subprocess.DEVNULL,
                    stdout=capture.write_fd,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    close_fds=True,
                    pass_fds=(script,) if script >= 0 else (),
                )
                child = Child(proc.pid, proc)
        except OSError as e:
            if e.errno == errno.E2BIG:
                if argv is None and script < 0:
                    return _TOO_LONG
                limit = "the command line and environment are over the system's limit (getconf ARG_MAX)"
                capture.note(f"buildlike: {args[0]}: {os.strerror(e.errno)}: {limit}\n")
                return 126
            if argv is None:
                raise
            if e.errno == errno.ENOEXEC:
                return _NEEDS_SHELL
            code, reason = _not_started(e)
            capture.note(f"buildlike: {argv[0]}: {reason}\n")
            return code
        self.pgids.append(child.pid)
        if self.launcher.on_spawn is not None:
            self.launcher.on_spawn(child.pid)
        return child


def _not_started(e: OSError) -> tuple[int, str]:
    """Say why a program could not start as a shell says it, with its exit code: 127 and "not found",
    else 126 and the system's words ("Permission denied"), never Python's `[Errno 2] ...: 'name'`."""
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return 127, "not found"
    if e.errno == errno.EAGAIN:  # (no fault of the program's)
        return 126, f"{os.strerror(e.errno)}: no more processes may start now (see `ulimit -u`)"
    return 126, os.strerror(e.errno or errno.EACCES)


def stop_groups(pgids: Sequence[int], *, alive: Callable[[int], bool], grace: float = STOP_GRACE_S) -> None:
    """Stop process groups we did not start ourselves: SIGTERM, then SIGKILL after `grace` seconds.

    `alive(pgid)` says whether the group's leader still runs (the caller knows how to tell it from a
    process that reused its pid).
    """
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    try:
        while any(alive(g) for g in pgids) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:  # also on Ctrl-C or SIGTERM during the grace: those commands must not run on
        for pgid in pgids:  # whatever is left in the groups
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)

"""Run one job's commands, each in its own process group, with its output captured to a file.

Output goes to an unnamed temporary file rather than a pipe: a command that leaves a daemon child
holding its stdout cannot hang the build, and one that prints 100 MB cannot fill our memory. Simple
commands (no shell syntax) are exec'ed directly, as make does, which saves a shell per job.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

DEFAULT_SHELL = "/bin/sh"
# Output beyond this is cut in the middle when shown; the head and tail are what people read.
OUTPUT_SHOWN_LIMIT = 1 << 20
_NEEDS_SHELL = -1000
_TOO_LONG = -1001
# Between SIGTERM and SIGKILL when stopping commands.
STOP_GRACE_S = 3.0
# Python ignores these; a command must get them back at their defaults, as Popen does.
_RESTORED_SIGNALS = tuple(getattr(signal, n) for n in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, n))


def output_file() -> IO[bytes]:
    """An unnamed temporary file for captured output: nothing is left behind, even after SIGKILL."""
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here
        import tempfile

        return tempfile.TemporaryFile(prefix="buildlike-out-")
    return os.fdopen(fd, "w+b")


def _inherited_fds() -> list[int]:
    """Our descriptors above 2 that a child would inherit (posix_spawn, unlike Popen, keeps them)."""
    try:
        fds = [int(f) for f in os.listdir("/proc/self/fd")]
    except OSError:
        return []
    out = []
    for fd in fds:
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    out.append(fd)
            except OSError:
                pass  # the listing's own descriptor, closed by now
    return out


def _wait_pid(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


# Words a POSIX shell treats specially as a command name: running these without the shell would
# change their meaning (builtins, keywords) or their exact behaviour (`echo` escapes).
_SHELL_WORDS = frozenset(
    [
        "!",
        "{",
        "}",
        "[",
        "[[",
        ".",
        ":",
        "alias",
        "bg",
        "break",
        "case",
        "cd",
        "command",
        "continue",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "if",
        "in",
        "jobs",
        "kill",
        "let",
        "local",
        "printf",
        "pwd",
        "read",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "source",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
    ]
)
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-")


def split_simple(command: str) -> list[str] | None:
    """Split a command with no shell syntax into words; None when it needs the shell.

    Plain words and single-quoted strings (which the shell takes literally) are accepted; anything
    else (`$`, `*`, `|`, `>`, `"`, backslashes, newlines, builtins, `VAR=x cmd`) goes to the shell.
    """
    words: list[str] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(command)
    while i < n:
        c = command[i]
        if c == " " or c == "\t":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        elif c == "'":
            end = command.find("'", i + 1)
            if end == -1:
                return None
            word.append(command[i + 1 : end])
            in_word = True
            i = end
        elif c in _PLAIN:
            word.append(c)
            in_word = True
        else:
            return None
        i += 1
    if in_word:
        words.append("".join(word))
    if not words or words[0] in _SHELL_WORDS or "=" in words[0] or words[0].startswith("-"):
        return None
    return words


@dataclass(frozen=True, slots=True)
class Outcome:
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

    def __init__(self, cwd: str, *, on_spawn: Callable[[int], None] | None = None) -> None:
        self._found: dict[tuple[str, str], str | None] = {}
        # posix_spawn keeps inheritable descriptors open in the child; Popen(close_fds=True) does not.
        self.closing = [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited_fds()]
        self.on_spawn = on_spawn  # told each new process group, e.g. to record it for the next build
        try:
            self.spawn_here = os.path.samefile(os.getcwd(), cwd) and hasattr(os, "posix_spawn")
        except OSError:
            self.spawn_here = False

    def made(self, paths: Sequence[str]) -> None:
        """Files a job just made: if one is in a folder we looked in, look again (a tool built here)."""
        folders = {os.path.dirname(os.path.abspath(p)) for p in paths}
        for name, path in list(self._found):
            if folders.intersection(path.split(os.pathsep)):
                del self._found[(name, path)]

    def find(self, name: str, env: Mapping[str, str] | None) -> str | None:
        """The absolute path of `name`, or None if no PATH folder holds it (or PATH is relative)."""
        path = (env if env is not None else os.environ).get("PATH", os.defpath)
        key = (name, path)
        if key not in self._found:
            self._found[key] = self._search(name, path)
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


class Execution:
    """One job's command list, run in order in a worker thread; can be stopped from another thread."""

    def __init__(
        self,
        commands: Sequence[str],
        *,
        shell: str,
        cwd: str,
        env: Mapping[str, str] | None,
        launcher: Launcher | None = None,
        folders: Sequence[str] = (),
    ) -> None:
        self.commands = tuple(commands)
        self.folders = tuple(folders)  # to create first (relative to `cwd`): those of the outputs
        self.launcher = launcher if launcher is not None else Launcher(cwd)
        self.shell = shell
        self.cwd = cwd
        self.env = env
        self._lock = threading.Lock()
        self._stopping = False
        self.pgids: list[int] = []

    def run(self, out: IO[bytes] | None = None) -> Outcome:
        """Run the commands, stopping at the first failure; blocks until done.

        `out` is a file to capture the output in (emptied first); by default a fresh one.
        """
        start = time.monotonic()
        with contextlib.nullcontext(out) if out is not None else output_file() as out:
            out.seek(0)
            out.truncate()
            code, failed = self._make_folders(out)
            for command in self.commands if code == 0 else ():
                code = self._run_one(command, out)
                if code != 0:
                    failed = command
                    break
            size = out.seek(0, os.SEEK_END)
            out.seek(0)
            if size <= OUTPUT_SHOWN_LIMIT:
                text = out.read()
            else:
                half = OUTPUT_SHOWN_LIMIT // 2
                head = out.read(half)
                out.seek(size - half)
                tail = out.read()
                cut = size - 2 * half
                text = head + f"\n[... {cut} bytes of output not shown ...]\n".encode() + tail
        return Outcome(code, failed, text, size, time.monotonic() - start)

    def _make_folders(self, out: IO[bytes]) -> tuple[int, str | None]:
        """Create the folders; a failure (a file has the name) fails the job as `mkdir -p` would."""
        for folder in self.folders:
            try:
                os.makedirs(os.path.join(self.cwd, folder), exist_ok=True)
            except OSError as e:
                os.write(out.fileno(), f"buildlike: cannot create the folder '{folder}': {e.strerror}\n".encode())
                return 1, f"mkdir -p {folder}"
        return 0, None

    def _run_one(self, command: str, out: IO[bytes]) -> int:
        argv = split_simple(command) if self.shell == DEFAULT_SHELL else None
        code = self._spawn_and_wait(command, argv, out)
        if code == _NEEDS_SHELL:  # e.g. a script without a #! line, which only a shell runs
            code = self._spawn_and_wait(command, None, out)
        if code == _TOO_LONG:
            # Linux takes at most 128 kB in one argument, too little for `sh -c` and a command
            # naming 20,000 inputs: the shell reads such a command from an unnamed file instead.
            with output_file() as script:
                script.write(command.encode("utf-8", "surrogateescape"))
                script.flush()
                code = self._spawn_and_wait(command, None, out, script=script.fileno())
        return code

    def _spawn_and_wait(self, command: str, argv: list[str] | None, out: IO[bytes], script: int = -1) -> int:
        with self._lock:
            if self._stopping:
                return -signal.SIGTERM
            if script >= 0:
                args = [self.shell, f"/dev/fd/{script}"]
            else:
                args = argv if argv is not None else [self.shell, "-c", command]
            program = args[0] if "/" in args[0] else self.launcher.find(args[0], self.env)
            try:
                if self.launcher.spawn_here and program is not None and script < 0:
                    pid = os.posix_spawn(
                        program,
                        args,
                        self.env if self.env is not None else os.environ,
                        file_actions=[
                            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                            (os.POSIX_SPAWN_DUP2, out.fileno(), 2),
                            *self.launcher.closing,
                        ],
                        setsid=True,  # own session and process group, away from our tty
                        setsigdef=_RESTORED_SIGNALS,
                    )
                    wait: Callable[[], int] = functools.partial(_wait_pid, pid)
                else:
                    proc = subprocess.Popen(
                        args,
                        executable=program,
                        cwd=self.cwd,
                        env=self.env,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        close_fds=True,
                        pass_fds=(script,) if script >= 0 else (),
                    )
                    pid, wait = proc.pid, proc.wait
            except OSError as e:
                if e.errno == errno.E2BIG:
                    if argv is None and script < 0:
                        return _TOO_LONG
                    limit = "the command line and environment are over the system's limit (getconf ARG_MAX)"
                    os.write(out.fileno(), f"buildlike: {args[0]}: {os.strerror(e.errno)}: {limit}\n".encode())
                    return 126
                if argv is None:
                    raise
                if e.errno == errno.ENOEXEC:
                    return _NEEDS_SHELL
                # Say what the shell would have said, with its exit codes.
                code = 127 if e.errno in (errno.ENOENT, errno.ENOTDIR) else 126
                reason = "not found" if code == 127 else os.strerror(e.errno or errno.EACCES)
                os.write(out.fileno(), f"buildlike: {argv[0]}: {reason}\n".encode())
                return code
            self.pgids.append(pid)
            if self.launcher.on_spawn is not None:
                self.launcher.on_spawn(pid)
        return wait()

    def signal(self, sig: int) -> None:
        """Send `sig` to the process groups of this job (the running one and any left behind)."""
        with self._lock:
            self._stopping = True
            for pgid in self.pgids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, sig)


def stop_groups(pgids: Sequence[int], *, alive: Callable[[int], bool], grace: float = STOP_GRACE_S) -> None:
    """Stop process groups we did not start ourselves: SIGTERM, then SIGKILL after `grace` seconds.

    `alive(pgid)` says whether the group's leader still runs (the caller knows how to tell it from a
    process that reused its pid).
    """
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(g) for g in pgids) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pgid in pgids:  # whatever is left in the groups
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


class WorkerPool:
    """A fixed pool of threads, each running one job's commands at a time.

    Results arrive on `events` as `(key, Outcome)`. Long-lived threads, because starting one per job
    made the build loop wait for each to be scheduled (a third of a clean build on a busy machine).
    """

    def __init__(self, size: int, events: queue.SimpleQueue[tuple[int, Outcome] | str]) -> None:
        self._work: queue.SimpleQueue[tuple[int, Execution] | None] = queue.SimpleQueue()
        self._events = events
        self._threads = [
            threading.Thread(target=self._loop, name=f"buildlike worker {n}", daemon=True) for n in range(size)
        ]
        for t in self._threads:
            t.start()

    def submit(self, key: int, execution: Execution) -> None:
        self._work.put((key, execution))

    def _loop(self) -> None:
        while (item := self._work.get()) is not None:
            key, execution = item
            # A fresh capture file per job: a command's background child may go on writing to its own.
            with output_file() as out:
                self._events.put((key, self._run(execution, out)))

    @staticmethod
    def _run(execution: Execution, out: IO[bytes]) -> Outcome:
        try:
            return execution.run(out)
        except OSError as e:  # the shell itself could not start
            message = f"buildlike: cannot start {execution.shell}: {e}\n".encode()
            return Outcome(127, execution.commands[0], message, len(message), 0.0)

    def close(self) -> None:
        """Let the threads end once their current job is done (daemons: none outlives the process)."""
        for _ in self._threads:
            self._work.put(None)

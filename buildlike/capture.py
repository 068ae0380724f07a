"""A job's captured output: a pipe its commands write to, read while they run, kept within a bound.

A pipe rather than a file on disk: making and dropping an unnamed file on ext4 took up to ~120 us
of our CPU per job under load, a pipe ~40 us (a 785-job rebuild used 30 ms less CPU in all), and
output never needs the disk. Only what is shown is kept: the whole output up to
`OUTPUT_SHOWN_LIMIT`, else its head and tail, so a command printing 100 MB costs reading it, not
keeping it.
"""

from __future__ import annotations

import os

# Output beyond this is cut in the middle when shown; the head and tail are what people read.
OUTPUT_SHOWN_LIMIT = 1 << 20
_CHUNK = 1 << 16  # a pipe's default capacity on Linux
# Once the job's last command ended, the pipe holds at most its capacity (1 MiB at most, unless an
# administrator raised the limit): more than that comes from a process left behind.
_FINAL_READ_LIMIT = 1 << 20
# Reads a pipe to its end, dropping what comes: a detached `cat`, started through a shell that exits
# at once (so it is never our zombie). A background job's stdin is /dev/null: hence another number.
_DRAIN_SHELL = "/bin/sh"
_DRAIN_COMMAND = "cat <&{fd} >/dev/null {fd}<&- &"


class Capture:
    """The output of one job's commands: they get `write_fd` as stdout and stderr.

    Read with `take()` when the pipe has something (the caller polls `read_fd`), then `finish()` once
    the last command ended. If no pipe can be made (no descriptors left), `error` says why and the
    job must not start.
    """

    def __init__(self) -> None:
        self.size = 0
        self.error: OSError | None = None
        try:
            self.read_fd, self.write_fd = os.pipe()  # both close-on-exec: a command gets its own copies
        except OSError as e:
            self.read_fd = self.write_fd = -1
            self.error = e
        # Our end stays blocking until `_read_rest`: `take` reads only what poll says is there, and
        # making it non-blocking up front cost two fcntl calls per job.
        self._blocking = True
        self._ended = False
        self._limit = OUTPUT_SHOWN_LIMIT
        self._half = OUTPUT_SHOWN_LIMIT // 2
        self._head = bytearray()
        self._tail = bytearray()

    def take(self) -> bool:
        """Take what the pipe holds, once poll said it is readable (so this never blocks). False at its end."""
        chunk = os.read(self.read_fd, _CHUNK)  # (the whole of a default pipe)
        if not chunk:
            self._ended = True
            return False
        self._add(chunk)
        return True

    def _read_rest(self, limit: int) -> bool:
        """Take what the pipe holds now, up to about `limit` bytes, without waiting. False at its end."""
        if self._ended:
            return False
        if self._blocking:
            os.set_blocking(self.read_fd, False)
            self._blocking = False
        taken = 0
        while taken < limit:
            try:
                chunk = os.read(self.read_fd, _CHUNK)
            except BlockingIOError:
                return True
            if not chunk:
                self._ended = True
                return False
            taken += len(chunk)
            self._add(chunk)
        return True

    def close_writer(self) -> None:
        """Close our writing end once the job's last command has it: the pipe then ends with the job.

        Kept open, a command started meanwhile could still hold it when this job ends (posix_spawn
        returns once the child's exec has replaced its memory, before the kernel closes the child's
        close-on-exec descriptors), and `finish` would take that for a daemon holding the pipe.
        """
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def note(self, message: str) -> None:
        """Add a message of ours (a command that could not start), after what the commands wrote."""
        if self.read_fd >= 0:
            self._read_rest(_FINAL_READ_LIMIT)
        self._add(message.encode("utf-8", "surrogateescape"))

    def finish(self) -> None:
        """The job's last command ended: read what it left in the pipe, then close the pipe.

        A process the commands left running in the background (a daemon) may still hold the pipe:
        it is handed to a drain that reads it to its end, so that process never writes into the next
        job's output, never blocks on a full pipe and is never killed by SIGPIPE.
        """
        self.close_writer()
        if self.read_fd >= 0:
            if self._read_rest(_FINAL_READ_LIMIT):  # not at its end: someone else still holds it
                _drain_elsewhere(self.read_fd)
            os.close(self.read_fd)
            self.read_fd = -1

    def text(self) -> bytes:
        """The output to show: all of it, or its head and tail with a line saying how much is cut."""
        half = self._half
        if self.size <= self._limit:
            return bytes(self._head + self._tail)
        cut = self.size - 2 * half
        return bytes(self._head) + f"\n[... {cut} bytes of output not shown ...]\n".encode() + self._tail[-half:]

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                os.close(fd)
        self.read_fd = self.write_fd = -1
        self._head = self._tail = bytearray()

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        room = self._half - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            # Trimmed to its last half now and then, not on every read; never below what is shown.
            if len(self._tail) > self._limit + self._half:
                del self._tail[: len(self._tail) - self._half]


def _drain_elsewhere(fd: int) -> None:
    """Start a detached process that reads `fd` until its last writer closes it (best effort).

    It gets none of the descriptors we inherited (as commands do not): a pipe our parent waits on
    would otherwise stay open as long as the process the job left behind.
    """
    target = 3 if fd != 3 else 4  # dup2 onto itself would keep it close-on-exec
    closing = [(os.POSIX_SPAWN_CLOSE, f) for f in inherited_fds()[0]]  # (our pipe's end is not among them)
    try:
        os.set_blocking(fd, True)  # (shared with the drain, which must wait for data, not give up)
        pid = os.posix_spawn(
            _DRAIN_SHELL,
            ["sh", "-c", _DRAIN_COMMAND.format(fd=target)],
            {"PATH": os.defpath},
            file_actions=[
                *closing,
                (os.POSIX_SPAWN_DUP2, fd, target),
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
            setsid=True,
        )
        os.waitpid(pid, 0)  # the shell exits at once, leaving `cat` to init
    except OSError:
        pass  # then the process left behind gets SIGPIPE at its next write, as after any closed pipe


def inherited_fds() -> tuple[list[int], bool]:
    """Our descriptors above 2 that a child would inherit (posix_spawn, unlike Popen, keeps them) and
    that posix_spawn can close; and whether another is inherited too, at or above the soft limit on
    open files, which posix_spawn cannot close (EBADF: the child would not start)."""
    try:
        fds = [int(f) for f in os.listdir("/proc/self/fd")]
    except OSError:
        return [], False
    out = []
    for fd in fds:
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    out.append(fd)
            except OSError:
                pass  # the listing's own descriptor, closed by now
    limit = os.sysconf("SC_OPEN_MAX")  # (-1: none)
    closable = [fd for fd in out if limit < 0 or fd < limit]
    return closable, len(closable) < len(out)

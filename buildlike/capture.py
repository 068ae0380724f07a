"""A job's captured output: a pipe its commands write to, read while they run, kept within a bound.

A pipe rather than a file on disk: making and dropping an unnamed file cost ~120 us of our CPU per
job on ext4 under load, a fifth of all the build loop's work per job, and output never needs the
disk. Only what is shown is kept: the whole output up to `OUTPUT_SHOWN_LIMIT`, else its head and
tail, so a command printing 100 MB costs reading it, not keeping it.
"""

from __future__ import annotations

import os

# Output beyond this is cut in the middle when shown; the head and tail are what people read.
OUTPUT_SHOWN_LIMIT = 1 << 20
_CHUNK = 1 << 16  # a pipe's default capacity on Linux
# After the job's last command ended, what is left in the pipe is at most its capacity (1 MiB at
# most, unless an administrator raised it): more than this comes from a process left behind.
_FINAL_READ_LIMIT = 1 << 20


class Capture:
    """The output of one job's commands: they get `write_fd` as stdout and stderr.

    Read with `read()` when the pipe has something (the caller polls `read_fd`), then `finish()` once
    the last command ended. A process the commands left behind (a daemon) may still hold the pipe
    then: `ended` stays False, and whatever it writes later is read and dropped (`discard()`),
    never shown as another job's output.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()  # both close-on-exec: a command gets its own copies
        os.set_blocking(self.read_fd, False)
        self.size = 0
        self.ended = False  # read to the end: no process holds the writing end any more
        self._limit = OUTPUT_SHOWN_LIMIT
        self._half = OUTPUT_SHOWN_LIMIT // 2
        self._head = bytearray()
        self._tail = bytearray()
        self._kept = True  # False once the job is over: later output is dropped

    def read(self, limit: int = _CHUNK) -> None:
        """Take what the pipe holds now, up to about `limit` bytes; never blocks."""
        taken = 0
        while taken < limit:
            try:
                chunk = os.read(self.read_fd, _CHUNK)
            except BlockingIOError:
                return
            if not chunk:
                self.ended = True
                return
            taken += len(chunk)
            if self._kept:
                self._add(chunk)

    def note(self, message: str) -> None:
        """Add a message of ours (a command that could not start), after what the commands wrote."""
        self.read(_FINAL_READ_LIMIT)
        self._add(message.encode("utf-8", "surrogateescape"))

    def finish(self) -> None:
        """The job's last command ended: read what it left in the pipe; from now on, output is dropped."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1
        self.read(_FINAL_READ_LIMIT)
        self._kept = False

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

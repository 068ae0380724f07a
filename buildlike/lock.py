"""One build per project: an exclusive `flock` on `.buildlike/lock`, which the OS frees if we die.

The holder writes its pid into the file so a second build can say whom it waits for.
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

    def acquire(self, *, wait: bool, on_wait: Callable[[str], None]) -> None:
        """Take the lock; if another build has it, call `on_wait(holder)` and block (or raise `LockBusy`)."""
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
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @staticmethod
    def _holder(fd: int) -> str:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
        return text or "pid unknown"

    def release(self) -> None:
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

"""The OS's watches on folders, through watchdog: which folders are watched, each with its inode when
it was (an OS watch stays on that inode, so a folder made anew under the same name must be watched
again), and their events, passed on as (path, `Event`, is_dir). The only module that imports
watchdog; which folders to watch and what an event means are watchset.py's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from buildlike.watchset import Event, Watch, is_within

if TYPE_CHECKING:
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers.api import BaseObserver, ObservedWatch

Identity = tuple[int, int]  # a folder's (st_dev, st_ino); (0, 0) when it is missing


class Observing:
    """The watches of one watch session, on folders of the project at `root` (relative names) or
    outside it (absolute): `on_event` and `on_lost` are called from watchdog's thread."""

    def __init__(
        self,
        root: str,
        *,
        poll: float | None,
        on_event: Callable[[str, Event, bool], None],
        on_lost: Callable[[], None],
        warn: Callable[[str], None],
    ) -> None:
        self.root = root
        self.handler = _make_handler(on_event, on_lost)
        self._warn = warn
        self._watches: dict[Watch, ObservedWatch] = {}
        self._identities: dict[Watch, Identity] = {}  # each watched folder's (st_dev, st_ino) when watched
        self._event_types = _event_types()
        self._observer = _make_observer(poll)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join()

    def absolute(self, folder: str) -> str:
        return folder if folder.startswith("/") else os.path.join(self.root, folder) if folder else self.root

    def update(self, wanted: Sequence[Watch], changed: Collection[str]) -> list[Watch]:
        """Watch exactly the `wanted` folders, anew those on a folder that `changed` (paths events
        named) or its inode says was replaced; return the watches added."""
        for w in set(self._watches) - set(wanted) | self._replaced(changed):
            self._observer.unschedule(self._watches.pop(w))
            self._identities.pop(w, None)
        added = [w for w in wanted if w not in self._watches]
        for w in added:
            self._schedule(w)
        return added

    def _replaced(self, changed: Collection[str]) -> set[Watch]:
        """The watches on a folder that was deleted, moved or made since it was watched: the OS watch
        stays on the inode it was given, so edits in a folder made anew under the same name are
        unseen. An event on the folder (or above it) says so; its inode, when that was not reused."""
        return {
            w
            for w in self._watches
            if any(is_within(w[0], p) for p in changed) or self._identities.get(w) != _identity(self.absolute(w[0]))
        }

    def _schedule(self, w: Watch) -> None:
        folder, recursive = w
        # Before the watch is made: a folder replaced in between has another inode, seen next time.
        self._identities[w] = _identity(self.absolute(folder))
        try:
            self._watches[w] = self._observer.schedule(
                self.handler, self.absolute(folder), recursive=recursive, event_filter=self._event_types
            )
        except OSError as e:
            self._warn(f"cannot watch '{folder or '.'}': {e}; changes there are not seen (try --poll)")


def covered_by(folder: str, watches: Sequence[Watch]) -> bool:
    """Whether one of `watches` reports the events of `folder`."""
    for base, recursive in watches:
        if folder == base or (recursive and (not base or folder.startswith(base + "/"))):
            return True
    return False


def _identity(path: str) -> Identity:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_dev, st.st_ino)


def _make_observer(poll: float | None) -> BaseObserver:
    if poll is not None:
        from watchdog.observers.polling import PollingObserver

        return PollingObserver(timeout=poll)
    from watchdog.observers import Observer

    return Observer()


def _event_types() -> list[type[FileSystemEvent]]:
    from watchdog import events as e

    # Not opened, and not "folder modified" (its created/deleted entries say more). Closed after
    # writing, as a modification: a write through a memory map reports nothing else. And that the
    # OS dropped events, its queue full.
    lost = getattr(e, "EventsLostEvent", None)  # (watchdog 7 and later: not on Python 3.10)
    return [
        e.FileCreatedEvent,
        e.FileDeletedEvent,
        e.FileModifiedEvent,
        e.FileClosedEvent,
        e.FileMovedEvent,
        e.DirCreatedEvent,
        e.DirDeletedEvent,
        e.DirMovedEvent,
        *([lost] if lost is not None else []),
    ]


def _make_handler(on_event: Callable[[str, Event, bool], None], on_lost: Callable[[], None]) -> FileSystemEventHandler:
    from watchdog.events import FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            src = os.fsdecode(event.src_path)
            if event.event_type == "moved":
                # A rename is a deletion and a creation: an editor's rename-over save is one change.
                on_event(src, Event.DELETED, event.is_directory)
                on_event(os.fsdecode(event.dest_path), Event.CREATED, event.is_directory)
            elif event.event_type in ("created", "deleted", "modified"):
                on_event(src, Event(event.event_type), event.is_directory)
            elif event.event_type == "closed":  # (after writing)
                on_event(src, Event.MODIFIED, event.is_directory)
            elif event.event_type == "events_lost":
                on_lost()

    return Handler()

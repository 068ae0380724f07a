"""Watch mode: build, then rebuild whenever an input, a globbed folder or the Maestrofile changes.

Whether an event matters (`relevant`), which folders to watch (`watch_set`, `plan_watches`; see
watchset.py) and when a burst of changes is over (`Debouncer`; see debounce.py) are pure and take
plain data; `Contents` (contents.py) tells an edit from a rewrite with the same bytes; `Watcher` ties
them to the OS's watches (`Observing`, observing.py: watchdog) and to `api.load`/`api.build`, one
build at a time.
"""

from __future__ import annotations

import os
import posixpath
import queue
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from buildlike.api import BuildOptions, build
from buildlike.contents import Contents
from buildlike.debounce import Batch, Debouncer
from buildlike.discovered import ordered_with_discovered
from buildlike.errors import CANCELLED, BuildFailed, BuildlikeError, Interrupted, UsageError
from buildlike.fingerprint import Stamp
from buildlike.graph import JobGraph
from buildlike.interrupts import Cancel, ignore_interrupts, stop_watching_on_signals
from buildlike.jobs import Job
from buildlike.loaded import Loaded, as_targets, find_maestrofile, load, selection
from buildlike.observing import Observing, covered_by
from buildlike.reporter import WatchReporter
from buildlike.snapshot import FolderStamp, folder_stamp_at
from buildlike.state import StateStore
from buildlike.watchset import (
    Change,
    Event,
    Watch,
    WatchSet,
    plan_watches,
    relevant,
    resolve_via,
    watch_set,
    with_disk,
)

# What `WatchOptions` may hold, in seconds (the command line's `--debounce` and `--poll` take the
# same): no timer takes an infinite or NaN wait, and one of more than a minute of quiet, or an hour
# between scans, is surely a slip.
DEBOUNCE_RANGE = (0.0, 60.0)
POLL_RANGE = (0.01, 3600.0)


class WatchOptions(NamedTuple):
    """How `watch` reacts to changes."""

    debounce: float = 0.1  # seconds without a change that end a burst (DEBOUNCE_RANGE)
    restart: bool = False  # a change cancels a running build instead of waiting for its end
    clear: bool = False  # clear the screen before each build
    poll: float | None = None  # seconds between scans with the polling observer (POLL_RANGE); None: OS events


def watch(
    file: str | os.PathLike[str] | None = None,
    *,
    directory: str | os.PathLike[str] | None = None,
    targets: Sequence[str] = (),
    build_options: BuildOptions | None = None,
    options: WatchOptions = WatchOptions(),
    reporter: WatchReporter | None = None,
    on_error: Callable[[BuildlikeError], None] | None = None,
    then_exit: bool = False,
) -> int:
    """Build `targets`, then rebuild on every change that matters, until Ctrl-C or SIGTERM; returns 0.

    The caller's SIGINT, SIGTERM and SIGHUP handlers come back when it returns; with `then_exit`
    (the command line, which exits next) they stay ignored instead, so that a second one while watch
    stops or the process exits (`timeout` sends two) cannot turn exit 0 into 130.

    Errors of one build (a failed job, a bad Maestrofile edit) go to `on_error` and watching goes on.
    Raises `UsageError` at the start only: an option out of its range, no Maestrofile, or a target it
    does not have.
    """
    reporter = reporter if reporter is not None else WatchReporter()
    path = find_maestrofile(file, directory)
    watcher = Watcher(
        path,
        as_targets(targets),
        build_options=build_options if build_options is not None else BuildOptions(),
        options=options,
        reporter=reporter,
        on_error=on_error if on_error is not None else lambda e: reporter.error(e.message),
    )
    return watcher.run(then_exit=then_exit)


class Watcher:
    """One watch session: an observer thread that queues relevant changes, and this loop that builds.

    The observer thread only reads `self._ws` and `self._cancel` (each replaced whole, never changed)
    and single entries of `self._contents`, and puts into `self._inbox`; everything else belongs to
    the thread that calls `run`.
    """

    def __init__(
        self,
        maestrofile: Path,
        targets: tuple[str, ...],
        *,
        build_options: BuildOptions,
        options: WatchOptions,
        reporter: WatchReporter,
        on_error: Callable[[BuildlikeError], None],
    ) -> None:
        _check_options(options)
        self.maestrofile = maestrofile
        self.root = os.path.realpath(maestrofile.parent)
        self.targets = targets
        self.build_options = build_options
        self.options = options
        self.reporter = reporter
        self.on_error = on_error
        self._inbox: queue.SimpleQueue[tuple[float, Change, str]] = queue.SimpleQueue()
        self._base = watch_set(_EMPTY_GRAPH, (), maestrofile=maestrofile.name, listed=())
        self._ws = self._base  # `_base` with what the disk says (see `_look`)
        self._cancel: Cancel | None = None
        self._unwatched: set[str] = set()
        self._discovered: dict[str, tuple[str, ...]] = {}
        self._selected: tuple[Job, ...] | None = None
        self._listed: dict[str, FolderStamp] = {}  # the globbed folders' stamps when loaded
        self._ws_key: object = None
        self._contents = Contents(self.root)
        self._cancelled = False  # the last build was cancelled: the next batch builds, whatever it holds
        self._lost = False  # the OS dropped events (its queue overflowed): look at everything again
        self._os = Observing(
            self.root, poll=options.poll, on_event=self._on_event, on_lost=self._on_lost, warn=reporter.warning
        )

    # -- the observer thread --------------------------------------------------------------------

    def _on_event(self, path: str, event: Event, is_dir: bool) -> None:
        for rel, change in relevant(self._relative(path), event, is_dir=is_dir, ws=self._ws):
            self._inbox.put((time.monotonic(), change, rel))
            cancel = self._cancel
            # Only a real edit cancels: a new file in a globbed folder may be a command's temp file, and
            # a rewrite with the same bytes a formatter's; cancelling the build that writes it would
            # restart forever.
            if (
                cancel is not None
                and self.options.restart
                and change >= Change.CONTENT
                and not cancel.requested
                and self._contents.differs(rel)
            ):
                cancel.request()

    def _on_lost(self) -> None:
        """The OS dropped events (too many at once, while a build held us): any file may have changed
        unseen, so the next cycle looks at the disk again and builds, as a build checks everything."""
        self._lost = True
        self._inbox.put((time.monotonic(), Change.MAESTROFILE, self._ws.maestrofile))

    def _relative(self, path: str) -> str:
        if path == self.root:
            return ""
        if path.startswith(self.root + os.sep):
            return path[len(self.root) + 1 :].replace(os.sep, "/")
        return path.replace(os.sep, "/")

    # -- the main thread ------------------------------------------------------------------------

    def run(self, *, then_exit: bool = False) -> int:
        """Build, then wait for changes and build again, until Ctrl-C or SIGTERM. Returns 0.

        Once one of them came, both are ignored while watching stops (`timeout` sends two), and
        after it too with `then_exit`; see `watch`.
        """
        restore = stop_watching_on_signals()
        try:
            self._os.start()
            self._cycle(None)
            while True:
                self._cycle(self._wait())
        except KeyboardInterrupt:
            ignore_interrupts()
        finally:
            self._os.stop()
            if not then_exit:
                restore()
        self.reporter.watch_stopped()
        return 0

    def _wait(self) -> Batch:
        """Block until changes came and then `debounce` seconds passed without one."""
        delay = self.options.debounce
        if self.options.poll is not None:
            # Scans see a burst in slices: wait for one quiet scan, or a save split by a scan builds twice.
            delay += self.options.poll
        pending = Debouncer(delay, max(1.0, 10 * delay))
        while True:
            due = pending.due()
            timeout = None if due is None else max(0.0, due - time.monotonic())
            try:
                when, change, path = self._inbox.get(timeout=timeout)
            except queue.Empty:
                batch = self._settle(pending.take())
                if batch is not None:
                    return batch
                continue
            pending.add(when, change, path)

    def _settle(self, batch: Batch | None) -> Batch | None:
        """`batch` less the files whose content is what the last build saw (rewritten with the same
        bytes, or edited and changed back); None when nothing is left."""
        if batch is None:
            return None
        edited = batch.edited
        same = set(edited) - self._contents.changed(edited)
        if self._cancelled or self._lost:
            return batch  # the cancelled build is unfinished, whatever the files hold; or events were lost
        return batch.without(same)

    def _cycle(self, batch: Batch | None) -> None:
        """Reload the graph, watch what it needs, and build (unless no change can matter to it)."""
        if batch is None:
            self._contents.changed([self._ws.maestrofile])  # the first look at it
        lost, self._lost = self._lost, False
        if lost:
            self.reporter.warning("the system dropped file events (too many changes at once): looking at every file")
        before = self._ws
        relook = batch is None or lost or self._disk_moved(batch)
        loaded, order = self._load(batch, before)
        self._check_maestrofile(loaded)
        if loaded is None:
            self._selected = None
            # keep watching what we did, and at least the Maestrofile
            self._apply(self._look(self._base) if relook else self._ws, batch)
            self._announce(batch)
            self.reporter.watch_blocked()
            return
        jobs = tuple(loaded.graph.jobs[i] for i in order)
        depfiles = any(job.depfile for job in jobs)
        if batch is None and depfiles:
            self._remember_discovered(loaded)  # what earlier builds' depfiles listed: watched from the start
        # before building, to see what it changes
        added = self._apply(self._watch_set(loaded, order, relook=relook), batch)
        self._announce(batch)
        if (
            batch is not None
            and batch.change is Change.LISTING
            and jobs == self._selected
            # Files came or went in a globbed folder, but no glob's answer changed. Only an input in
            # a folder that just came into view may have changed before it was watched.
            and not any(covered_by(f, added) for p in self._ws.inputs for f in self._folders_of(p))
        ):
            return
        self._selected = jobs
        if self.options.clear:
            self.reporter.clear_screen()
        if batch is not None and not lost:
            self.reporter.changed(list(batch.named(before.inputs, self._ws.inputs, before.folders | before.ancestors)))
        seen = self._build(loaded)
        if seen is None:  # it read nothing (the lock was busy, an input missing): the edits are not seen
            for p in batch.edited if batch is not None else ():
                self._contents.forget(p)
            return
        if depfiles:
            self._remember_discovered(loaded)
            added = self._apply(self._watch_set(loaded, order))
        self._contents.remember(seen, self._ws.inputs)
        if depfiles:
            # A file a depfile listed first now, in a folder watched only now: an edit after its job
            # read it told no one. One the build could not vouch for (it changed while its job ran)
            # is looked at again, which builds it.
            for p in self._ws.inputs - self._contents.known.keys():
                if any(covered_by(f, added) for f in self._folders_of(p)):
                    self._inbox.put((time.monotonic(), Change.CONTENT, p))

    def _folders_of(self, path: str) -> set[str]:
        """The watched folders whose events tell of `path`: its own folder, and its target's."""
        targets = self._ws.targets
        return {resolve_via(posixpath.dirname(path), targets), posixpath.dirname(resolve_via(path, targets))}

    def _check_maestrofile(self, loaded: Loaded | None) -> None:
        """Forget the Maestrofile's content unless the load read what was last seen in it.

        Otherwise an edit between that look and the load, then undone, would compare equal while the
        graph holds the edit. (Only the mtime is compared: a stamp of a file written just before has
        an untrusted size.) After a failed load, any event on it loads again.
        """
        name = self._ws.maestrofile
        stamp = self._contents.known.get(name)
        if loaded is None or stamp is None or stamp[0] != loaded.source[1]:
            self._contents.forget(name)

    def _announce(self, batch: Batch | None) -> None:
        if batch is None:
            watched = self._ws.folders - self._unwatched  # (the watches left out were warned of)
            self.reporter.watch_started(len(watched), poll=self.options.poll)

    def _load(self, batch: Batch | None, before: WatchSet) -> tuple[Loaded | None, list[int]]:
        """The graph and the selected jobs' indexes; (None, []) after showing why there are none,
        after the changes of `batch` (which the watch set `before` told of): the same error again,
        after an input's edit, would otherwise read as a stray repeat.

        Bad usage (an unknown target) ends the session at once; later, after an edit, it is shown
        like a bad Maestrofile and watching goes on.
        """
        try:
            loaded = load(self.maestrofile, save_cache=not self.build_options.dry_run, targets=self.targets)
            return loaded, selection(loaded, self.targets)
        except BuildlikeError as e:
            if batch is None and isinstance(e, UsageError):
                raise
            if batch is not None:
                self.reporter.changed(list(batch.named(before.inputs, folders=before.folders | before.ancestors)))
            self.on_error(e)
            return None, []

    def _build(self, loaded: Loaded) -> dict[str, Stamp | None] | None:
        """Build, showing its errors; return what it saw in the files it read (None: it could not
        start, and read nothing)."""
        cancel = Cancel()
        self._cancel = cancel
        self._cancelled = False
        seen: dict[str, Stamp | None] = {}
        try:
            build(loaded, self.targets, options=self.build_options, reporter=self.reporter, cancel=cancel, seen=seen)
            if self.build_options.dry_run:
                self.reporter.watch_idle()
        except Interrupted as e:
            if e.signal_name != CANCELLED:
                raise KeyboardInterrupt from None  # Ctrl-C, SIGTERM or SIGHUP: the commands are stopped
            self._cancelled = True
            self.reporter.restarting()
        except BuildFailed:
            pass  # the failures and the status line were shown as they happened
        except UsageError:
            raise  # bad options, or a thread that cannot build: every build would say it again
        except BuildlikeError as e:
            self.on_error(e)
            self.reporter.watch_blocked()
            return None
        finally:
            self._cancel = None
        return seen

    def _remember_discovered(self, loaded: Loaded) -> None:
        """Note the inputs the depfiles listed (of every job: one of the selected may list a file
        another job makes); a failed job keeps those of its last success."""
        store = StateStore.open(loaded.state_dir, writable=False, warn=self.reporter.warning)
        try:
            store.adopt_renamed(loaded.graph.jobs)
            for job in loaded.graph.jobs:
                record = store.record(job.id) if job.depfile else None
                if record is not None:
                    self._discovered[job.id] = record.discovered
        finally:
            store.close()

    def _watch_set(self, loaded: Loaded, order: Sequence[int], *, relook: bool = False) -> WatchSet:
        """What the jobs `order` of `loaded` depend on; the disk is looked at again with `relook`."""
        graph = loaded.graph
        order = self._with_makers(graph, order)
        discovered = tuple(p for i in order for p in self._discovered.get(graph.jobs[i].id, ()))
        key = (loaded.source, discovered)
        if key == self._ws_key:
            # the same graph from the same files: skip ~20 ms on 10,000 inputs
            return self._look(self._base) if relook else self._ws
        self._ws_key = key
        self._listed = dict(loaded.source[3])
        self._base = watch_set(
            graph, order, maestrofile=self.maestrofile.name, listed=list(self._listed), discovered=discovered
        )
        return self._look(self._base)

    def _with_makers(self, graph: JobGraph, order: Sequence[int]) -> Sequence[int]:
        """`order` with the makers of the files its jobs' depfiles listed, and what those need: a
        build of the jobs runs them first (a generated header), so their inputs matter too."""
        discovered = self._discovered
        if not discovered:
            return order
        return ordered_with_discovered(graph, order, lambda job_id: discovered.get(job_id, ())).order

    def _look(self, base: WatchSet) -> WatchSet:
        """`base` with what the disk says of its paths: which inputs are folders, which paths are
        symlinks (or in a folder that is one) and where they lead."""
        by_folder: dict[str, set[str]] = {}
        for p in base.inputs | {base.maestrofile}:
            folder, name = posixpath.split(p)
            by_folder.setdefault(folder, set()).add(name)
        trees: list[str] = []
        targets: dict[str, str] = {}
        via: dict[str, list[str]] = {}  # a link on the way -> the watched paths that lead through it
        # One listing per folder, not a stat per input: its entries say which are folders or links
        # (~3x faster on 10,000 inputs).
        for folder, names in by_folder.items():
            try:
                with os.scandir(self._absolute(folder)) as it:
                    for e in it:
                        if e.name not in names:
                            continue
                        p = posixpath.join(folder, e.name)
                        if e.is_symlink():
                            targets[p] = self._resolve(p)
                            for link in self._links_after(p):
                                via.setdefault(link, []).append(p)
                        if p in base.inputs and _is_dir(e):
                            trees.append(p)
            except OSError:
                continue  # missing: its inputs are missing too
        for f in base.folders | set(trees):
            target = self._resolve(f)
            if target != f:
                targets[f] = target
                for link in self._links_after(f):
                    via.setdefault(link, []).append(f)
        return with_disk(base, trees=trees, targets=targets, via=via)

    def _links_after(self, path: str) -> list[str]:
        """The links that the link `path` leads through on its way to its end, after itself: the next
        ones of a chain (`cur -> stage -> a`: `stage`) and symlinked folders on a target's way
        (`cur.txt -> lnk/x.txt`, `lnk -> a`: `lnk`). Pointing one elsewhere changes what `path` is."""
        found: list[str] = []
        todo = [self._absolute(path)]
        while todo and len(found) < _MAX_LINKS:
            at = todo.pop()
            try:
                nxt = os.path.normpath(os.path.join(os.path.dirname(at), os.readlink(at)))
            except OSError:  # (not a link: the end)
                continue
            # Each link on the target's way in the project: its folders, then the target itself.
            parts = nxt.split(os.sep)
            for k in range(2, len(parts) + 1):
                step = os.sep.join(parts[:k])
                if step.startswith(self.root + os.sep) and os.path.islink(step):
                    found.append(self._relative(step))
                    todo.append(step)
                    break  # (what lies past it is that link's to tell)
        return found

    def _resolve(self, path: str) -> str:
        """Where `path` leads, following every symlink (project-relative, absolute outside)."""
        return self._relative(os.path.realpath(self._absolute(path)))

    def _disk_moved(self, batch: Batch) -> bool:
        """Whether a path of `batch` now leads elsewhere than it did at the last look (a link made,
        removed or changed, also one in the middle of a chain), or an input became a folder or
        stopped being one."""
        ws = self._ws
        for p in batch.paths:
            if p in ws.via:
                return True
            if p in ws.inputs and (p in ws.trees) != os.path.isdir(self._absolute(p)):
                return True
            watched = p in ws.inputs or p == ws.maestrofile or p in ws.folders or p in ws.ancestors
            if watched and self._resolve(p) != resolve_via(p, ws.targets):
                return True
        return False

    def _apply(self, ws: WatchSet, batch: Batch | None = None) -> list[Watch]:
        """Watch exactly the folders `ws` needs, anew those that `batch` or their inode says were
        replaced; return the watches added."""
        if ws is not self._ws:
            self._contents.keep(ws.inputs | {ws.maestrofile})
        self._ws = ws
        folders = {resolve_via(f, ws.targets) for f in ws.folders}  # a link's target, not the link
        wanted, left_out = plan_watches(folders, exists=lambda f: os.path.isdir(self._absolute(f)))
        if set(left_out) - self._unwatched:
            self.reporter.not_watched(list(left_out))
        self._unwatched = set(left_out)
        changed = [q for p in batch.paths for q in {p, resolve_via(p, ws.targets)}] if batch is not None else []
        added = self._os.update(wanted, changed)
        # A file that came into a globbed folder between the load and its new watch was not seen:
        # compare the folder's stamp with the one the load listed.
        for folder, was in self._listed.items():
            if (
                added
                and covered_by(resolve_via(folder, ws.targets), added)
                and folder_stamp_at(self._absolute(folder)) != was
            ):
                self._inbox.put((time.monotonic(), Change.LISTING, folder))
        return added

    def _absolute(self, folder: str) -> str:
        return self._os.absolute(folder)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _check_options(options: WatchOptions) -> None:
    """Raise `UsageError` for a value out of its range (`inf`, NaN: watchdog's thread and our waits
    would end in an OverflowError, or scan without a pause)."""
    low, high = DEBOUNCE_RANGE
    if not _within(options.debounce, DEBOUNCE_RANGE):
        raise UsageError(f"debounce must be a number of seconds from {low:g} to {high:g}, not {options.debounce!r}")
    low, high = POLL_RANGE
    if options.poll is not None and not _within(options.poll, POLL_RANGE):
        raise UsageError(
            f"poll must be a number of seconds from {low:g} to {high:g} (or None: OS events), not {options.poll!r}"
        )


def _within(value: float, bounds: tuple[float, float]) -> bool:
    """Whether `value` is a number (not a bool) within `bounds`; NaN never is."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


_MAX_LINKS = 40  # links followed in a chain, as the OS's own limit (ELOOP)
_EMPTY_GRAPH = JobGraph(file="", rule_lines={}, jobs=(), deps=(), producer={})


__all__ = ["WatchOptions", "Watcher", "watch"]

"""The one entry every front end calls: `load` (loaded.py), `build`, `status`, `clean`.

The CLI, watch mode and the git hook all go through here, and so can a Python script:

    import buildlike
    project = buildlike.load("path/to/Maestrofile.toml")
    buildlike.build(project, ["report"], options=buildlike.BuildOptions(jobs=4))
"""

from __future__ import annotations

import errno
import os
import posixpath
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from buildlike import __version__
from buildlike.cache import save_cached
from buildlike.discovered import (
    certain_cycles,
    cycle_problem,
    cycles_left,
    listed_in,
    ordered_with_discovered,
    with_discovered,
)
from buildlike.errors import (
    BuildFailed,
    BuildlikeError,
    Interrupted,
    LockBusy,
    MaestrofileError,
    Problem,
    StateError,
    UsageError,
)
from buildlike.fingerprint import RACY_WINDOW_NS, Stamp, Stamper, hash_file
from buildlike.graph import closure, folder_inputs, input_problems
from buildlike.interrupts import Cancel
from buildlike.jobs import Job
from buildlike.loaded import (
    Loaded,
    Targets,
    as_targets,
    current,
    find_maestrofile,
    load,
    located,
    named_jobs,
    selection,
)
from buildlike.lock import ProjectLock, running_build, started_by_a_killed_build
from buildlike.paths import (
    STATE_DIR,
    folder_resolver,
    is_inside,
    is_state_path,
    normalize,
    symlinked_folder,
)
from buildlike.records import JobRecord
from buildlike.reporter import Reporter
from buildlike.runner import BuildResult, RunOptions, run_build
from buildlike.snapshot import discard_snapshot, save_snapshot
from buildlike.staleness import JobStatus, decide, running_now
from buildlike.state import StateStore, prepare_state_dir
from buildlike.verdicts import initial_verdicts

__all__ = [
    "BuildFailed",
    "BuildOptions",
    "BuildResult",
    "BuildlikeError",
    "Cancel",
    "Interrupted",
    "Job",
    "JobStatus",
    "Loaded",
    "LockBusy",
    "MaestrofileError",
    "Problem",
    "Reporter",
    "StateError",
    "UsageError",
    "build",
    "clean",
    "discovered_edges",
    "find_maestrofile",
    "load",
    "named_jobs",
    "selection",
    "status",
]


class BuildOptions(NamedTuple):
    """How `build` runs: as the command line's -j, -k, -n and --no-wait say."""

    jobs: int | None = None  # None: settings.jobs, else one per CPU
    keep_going: bool = False
    dry_run: bool = False
    no_wait: bool = False
    always_make: bool = False  # run every job the targets need, stale or not (`make -B`)
    env: Mapping[str, str] | None = None  # the commands' environment before their own `env`; None: ours


def discovered_edges(loaded: Loaded, *, reporter: Reporter | None = None) -> list[tuple[int, int]]:
    """The edges (producer, consumer) that the build follows too though no line of the Maestrofile
    names them: to a job from the one making a file its depfile listed last time (a generated
    header). Read from the state; nothing is written."""
    reporter = reporter if reporter is not None else Reporter()
    graph = loaded.graph
    store = StateStore.open(loaded.state_dir, writable=False, warn=reporter.warning)
    try:
        store.adopt_renamed(graph.jobs)
        order = ordered_with_discovered(graph, closure(graph, range(len(graph.jobs))), listed_in(store)).order
        deps = with_discovered(graph, order, set(order), store)
    finally:
        store.close()
    edges: list[tuple[int, int]] = []
    for i in order:
        named = set(graph.deps[i])  # (a set: one job may read 20,000 others' outputs)
        edges.extend((d, i) for d in deps[i] if d not in named)
    return edges


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def build(
    loaded: Loaded,
    targets: Targets = (),
    *,
    options: BuildOptions = BuildOptions(),
    reporter: Reporter | None = None,
    cancel: Cancel | None = None,
    seen: dict[str, Stamp | None] | None = None,
) -> BuildResult:
    """Bring `targets` (default: the default targets) up to date. Raises BuildFailed, Interrupted, ...

    `cancel.request()` from another thread stops the build as Ctrl-C would (`watch --restart`).
    `seen` gets, even when the build raises, the stamp of each file whose content the build read
    (None: it found the file missing), so watch mode can tell a later edit from a rewrite.
    """
    reporter = reporter if reporter is not None else Reporter()
    loaded = current(loaded)
    targets = as_targets(targets)  # (the idle-build snapshot is saved under them too)
    if options.jobs is not None and (type(options.jobs) is not int or options.jobs < 1):
        raise UsageError(f"jobs must be a whole number of at least 1 (or None: the default), not {options.jobs!r}")
    order = selection(loaded, targets)
    jobs = options.jobs or loaded.settings.jobs or _cpu_count()
    run_options = RunOptions(
        jobs=max(1, jobs),
        keep_going=options.keep_going,
        dry_run=options.dry_run,
        always_make=options.always_make,
        shell=loaded.settings.shell,
        env=options.env,
    )
    if options.dry_run:
        started = _killed_builds_jobs(loaded)
        run_options = run_options._replace(running_elsewhere=_running_elsewhere(loaded, started))
        return _build_locked(loaded, order, targets, run_options, reporter, cancel, seen, started)
    folder = prepare_state_dir(loaded.root, loaded.state_dir)
    with ProjectLock(folder) as lock:
        lock.acquire(
            wait=not options.no_wait,
            on_wait=reporter.waiting_for_lock,
            on_leftovers=reporter.warning,
            state=loaded.state_dir,
        )
        discard_snapshot(str(loaded.state_dir))
        run_options = run_options._replace(
            on_start=lock.record_start, on_spawn=lock.record_group, on_failed=lock.record_failed
        )
        return _build_locked(
            loaded, order, targets, run_options, reporter, cancel, seen, lock.interrupted, lock.token, lock.not_saving
        )


def _build_locked(
    loaded: Loaded,
    order: list[int],
    targets: Sequence[str],
    run_options: RunOptions,
    reporter: Reporter,
    cancel: Cancel | None,
    seen: dict[str, Stamp | None] | None,
    interrupted: dict[str, int],
    build: int = 1,
    not_saving: Callable[[], None] | None = None,
) -> BuildResult:
    with Stamper(loaded.root, {}, now_ns=time.time_ns(), trees=loaded.graph.producer) as stamper:
        try:
            result, checked, racy_after_ns = _run_with_store(
                loaded, order, run_options, reporter, cancel, stamper, interrupted, build, not_saving
            )
        finally:
            if seen is not None:  # also when the build raised: what it read so far
                seen.update(stamper.looked())
    if checked is not None:
        # After close: closing may checkpoint the database, which the snapshot stamps.
        save_snapshot(
            str(loaded.state_dir),
            version=__version__,
            source=loaded.source,
            targets=tuple(targets),
            paths=checked[0],
            stats=checked[1],
            racy_after_ns=racy_after_ns,
        )
    return result


def _run_with_store(
    loaded: Loaded,
    order: list[int],
    run_options: RunOptions,
    reporter: Reporter,
    cancel: Cancel | None,
    stamper: Stamper,
    interrupted: dict[str, int],
    build: int,
    not_saving: Callable[[], None] | None,
) -> tuple[BuildResult, tuple[list[str], list[tuple[int, int]]] | None, int]:
    """Run the build (numbered `build`, for its records) with the state open; with what an idle-build
    snapshot may rest on (None: no snapshot) and the moment before which stats may be trusted.
    `interrupted`: the jobs killed builds had started, distrusted first (see `_distrust`);
    `not_saving` is called if the state cannot be saved (the lock then keeps what this one starts)."""
    graph = loaded.graph
    # Before the store is opened: a bad input must leave nothing on disk but the lock.
    problems = _input_problems(loaded, order, stamper)
    if problems:
        raise MaestrofileError(located(loaded, problems))
    warnings = _warnings(loaded, order, stamper)
    if loaded.uncached is not None and not run_options.dry_run:
        save_cached(loaded.state_dir, loaded.source, loaded.uncached, loaded.settings, graph)
    store = StateStore.open(loaded.state_dir, writable=not run_options.dry_run, warn=reporter.warning)
    stamper.known = store.stamps
    store.build = build
    if not store.on_disk and not_saving is not None:
        not_saving()
    try:
        _distrust(store, interrupted)
        store.adopt_renamed(graph.jobs)
        order, cycles = _with_depfile_makers(loaded, order, store, stamper)
        if run_options.dry_run:  # (what the build finds once the readers ran, it cannot tell)
            warnings.extend(cycle_problem(graph, d, i, path, ran=False) for d, i, path in cycles)
        for w in warnings:
            reporter.warning(w)
        result = run_build(
            graph,
            order,
            root=loaded.root,
            store=store,
            stamper=stamper,
            reporter=reporter,
            options=run_options,
            cancel=cancel,
        )
        racy_after_ns = time.time_ns() - RACY_WINDOW_NS
        # A job that ran just wrote its outputs: too recent to trust their stats, so no snapshot.
        # Nor with warnings, which must show on every build.
        fresh = run_options.dry_run or bool(result.ran) or bool(warnings) or bool(cycles)
        checked = None if fresh else _checked_files(loaded, order, store, stamper, racy_after_ns)
        if cycles and not run_options.dry_run:
            # Known only now: whether the reader, run first, still reads what the other job makes.
            still = cycles_left(graph, cycles, store)
            if still:
                raise MaestrofileError(still)
    finally:
        store.close()
    return result, checked, racy_after_ns


def _with_depfile_makers(
    loaded: Loaded, order: list[int], store: StateStore, stamper: Stamper
) -> tuple[list[int], list[tuple[int, int, str]]]:
    """`order` with the makers of the files the jobs' depfiles listed last time, before their readers
    (`ordered_with_discovered`); the inputs of the jobs that adds are checked as the others were.
    With the depfile edges left out as they closed a cycle (maker, reader, file); one whose reader is
    up to date is a certain cycle, an error before anything runs (`certain_cycles`)."""
    wider, cycles = ordered_with_discovered(loaded.graph, order, listed_in(store))
    if len(wider) > len(order):
        problems = _input_problems(loaded, sorted(set(wider) - set(order)), stamper)
        if problems:
            raise MaestrofileError(located(loaded, problems))
    certain = certain_cycles(loaded.graph, cycles, store, stamper) if cycles else []
    if certain:
        raise MaestrofileError(certain)
    return wider, cycles


def _warnings(loaded: Loaded, order: Sequence[int], stamper: Stamper) -> list[Problem]:
    """The loaded graph's warnings (a glob that matches nothing), and a warning for each input of
    `order` that is a folder now; once `_input_problems` stat'ed every input."""
    folders = folder_inputs(loaded.graph, order, stamper.source_folders.__contains__)
    return [*loaded.graph.warnings, *(located(loaded, folders) if folders else ())]


def _input_problems(loaded: Loaded, order: Sequence[int], stamper: Stamper) -> list[Problem]:
    """The inputs of the jobs in `order` that are neither files nor made, or that name a made file
    another way (through a symlinked folder): each an error before anything runs."""
    aliased, missing = input_problems(loaded.graph, order, stamper.exists, folder_resolver(loaded.root))
    return [*aliased, *missing]


def _running_elsewhere(loaded: Loaded, started: Mapping[str, int]) -> dict[str, str]:
    """Of the `started` jobs (`_killed_builds_jobs`), those a build holding the lock runs now, with
    who that is: stale too, as their runs did not end, but for that reason (`status`, `-n`)."""
    live = running_build(os.path.join(loaded.root, STATE_DIR), loaded.state_dir)
    if live is None:
        return {}
    return {j: live.holder for j, build in started.items() if build == live.token and j not in live.failed}


def _killed_builds_jobs(loaded: Loaded) -> dict[str, int]:
    """The jobs of this Maestrofile that killed builds had started, read without taking the lock
    (for `-n` and `status`, which write nothing)."""
    return started_by_a_killed_build(os.path.join(loaded.root, STATE_DIR), loaded.state_dir)


def _distrust(store: StateStore, interrupted: dict[str, int]) -> None:
    """Distrust the records of the jobs killed builds had started ({job: the build's number}), but
    those the same build wrote after (the job finished before the kill): their last run was
    interrupted. Once a writable state has noted them, the lock file need not (`interrupted` empties)."""
    if interrupted:
        store.commit(distrusted=sorted(j for j, build in interrupted.items() if store.written_by(j) != build))
        if store.on_disk:
            interrupted.clear()


def _as_made(full: str, digest: bytes | None) -> bool:
    """Whether the file at `full` still holds what buildlike made (`digest`); a link there, whether
    what it leads to does (a link the user put there since leads elsewhere)."""
    if digest is None:
        return False
    try:
        return hash_file(full) == digest
    except FileNotFoundError:
        return not os.path.islink(full)  # gone: nothing to delete; a dangling link is not what we made
    except OSError:
        return False


def _checked_files(
    loaded: Loaded, order: list[int], store: StateStore, stamper: Stamper, racy_after_ns: int
) -> tuple[list[str], list[tuple[int, int]]] | None:
    """Every file the verdicts of `order` rest on, with the stat they saw; None if no snapshot can say it.

    Also None when a file changed after `racy_after_ns` (as one just built has): its stat cannot be
    trusted yet, so the snapshot would not be saved anyway; the next build saves it.
    """
    graph = loaded.graph
    paths: list[str] = []
    records: list[tuple[Job, JobRecord]] = []
    for i in order:
        job = graph.jobs[i]
        record = store.record(job.id)
        if job.always or record is None:
            return None
        records.append((job, record))
        paths.extend(job.inputs)
        paths.extend(record.discovered)
        paths.extend(job.outputs)
    paths = list(dict.fromkeys(paths))  # an output read by another job is stat'ed once
    stats = stamper.seen_stats(paths)
    if stats is None or any(m > racy_after_ns for m, _ in stats):
        return None
    if any(decide(job, record, stamper).stale for job, record in records):
        return None  # never claim what status would deny (all stats are cached by now)
    return paths, stats


def status(loaded: Loaded, targets: Targets = (), *, reporter: Reporter | None = None) -> list[JobStatus]:
    """Every stale job among `targets` with why, producers first. Runs and writes nothing."""
    reporter = reporter if reporter is not None else Reporter()
    loaded = current(loaded)
    order = selection(loaded, targets)
    started = _killed_builds_jobs(loaded)
    running = _running_elsewhere(loaded, started)
    store = StateStore.open(loaded.state_dir, writable=False, warn=reporter.warning)
    try:
        _distrust(store, started)
        store.adopt_renamed(loaded.graph.jobs)
        with Stamper(loaded.root, store.stamps, now_ns=time.time_ns(), trees=loaded.graph.producer) as stamper:
            problems = _input_problems(loaded, order, stamper)
            if problems:
                raise MaestrofileError(located(loaded, problems))
            warnings = _warnings(loaded, order, stamper)
            order, cycles = _with_depfile_makers(loaded, order, store, stamper)
            warnings.extend(cycle_problem(loaded.graph, d, i, path, ran=False) for d, i, path in cycles)
            stale = initial_verdicts(loaded.graph, order, store, stamper, count_always=False)
            always = initial_verdicts(loaded.graph, order, store, stamper, count_always=True)
    finally:
        store.close()
    for w in warnings:  # as a build would say them
        reporter.warning(w)
    jobs = loaded.graph.jobs
    return [
        JobStatus(
            jobs[i], running_now(always[i], running[jobs[i].id]) if jobs[i].id in running else always[i], i in stale
        )
        for i in order
        if i in always
    ]


def clean(
    loaded: Loaded,
    targets: Targets = (),
    *,
    reporter: Reporter | None = None,
    no_wait: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """Delete the outputs that successful runs recorded (and the depfiles their commands wrote), and
    nothing else: all of them, or those of the jobs that `targets` name and the jobs those read the
    outputs of (not the makers of files that only their depfiles listed).
    Returns what was deleted; with `dry_run`, what would be, deleting and writing nothing.

    Never deletes a path outside the project, inside `.buildlike/`, reached through a symlinked
    folder, or read as a source by the current Maestrofile. Folders stay, even emptied ones: nothing
    tells one that a build created from one the user made (and set up) before.
    """
    reporter = reporter if reporter is not None else Reporter()
    loaded = current(loaded)
    jobs = {loaded.graph.jobs[i].id for i in selection(loaded, targets)} if as_targets(targets) else None
    if not os.path.isdir(os.path.join(loaded.root, STATE_DIR)):
        return []  # never built here (nor building now): nothing is buildlike's, and nothing to write
    if dry_run:  # (no lock, as a dry run of a build: it reads the state as it is)
        store = StateStore.open(loaded.state_dir, writable=False, warn=reporter.warning)
        try:
            store.adopt_renamed(loaded.graph.jobs)
            made = _made_by(store, jobs)
            return [path for path, full in _deletable(loaded, store, made, reporter) if os.path.lexists(full)]
        finally:
            store.close()
    with ProjectLock(prepare_state_dir(loaded.root, loaded.state_dir)) as lock:
        lock.acquire(
            wait=not no_wait, on_wait=reporter.waiting_for_lock, on_leftovers=reporter.warning, state=loaded.state_dir
        )
        store = StateStore.open(loaded.state_dir, writable=True, warn=reporter.warning)
        try:
            _distrust(store, lock.interrupted)
            store.adopt_renamed(loaded.graph.jobs)
            made = _made_by(store, jobs)
            removed = [
                path for path, full in _deletable(loaded, store, made, reporter) if _delete(path, full, reporter)
            ]
            # A job whose files all went is as never run; one with an output a rule makes now left in
            # place (a folder, a file through a symlinked folder) keeps its record, by which the next
            # build judges it. A file left as no rule's (a source now, or changed by hand) is forgotten.
            producer = loaded.graph.producer
            left = {p for p in made if p in producer and os.path.lexists(os.path.join(loaded.root, p))}
            kept = {made[p] for p in left}
            store.forget({job for job in made.values() if job not in kept}, [p for p in made if p not in left])
        finally:
            store.close()
    return removed


def _made_by(store: StateStore, jobs: set[str] | None) -> dict[str, str]:
    """The files the store says buildlike made, each with its job's id: of the `jobs` (None: all)."""
    made = store.made_files()
    return made if jobs is None else {path: job for path, job in made.items() if job in jobs}


def _deletable(
    loaded: Loaded, store: StateStore, made: dict[str, str], reporter: Reporter
) -> Iterator[tuple[str, str]]:
    """Each file of `made` (the outputs and depfiles the store says buildlike made) that `clean` may
    delete, as a path and in full; a warning for each it must not, saying why."""
    root = loaded.root
    graph = loaded.graph
    # What the Maestrofile reads and no rule makes: the inputs, and the files foreach jobs are for;
    # what a depfile said a job read; and the Maestrofile itself.
    sources = {p for job in graph.jobs for p in (*job.inputs, job.match or "") if p not in graph.producer} - {""}
    sources |= store.depfile_inputs() - graph.producer.keys()
    sources.add(normalize(os.path.relpath(loaded.maestrofile, root)))
    # What rules make now: their outputs, and each depfile that the job's last run wrote (one it no
    # longer writes may be the user's now: it goes only if it still holds what buildlike made).
    current = {*graph.producer}
    for job in graph.jobs:
        record = store.record(job.id) if job.depfile else None
        if record is not None and record.depfile is not None and record.depfile == job.depfile:
            current.add(record.depfile)
    digests = store.made_digests() if not current.issuperset(made) else {}
    links: dict[str, str | None] = {}  # folder -> the symlinked folder on its way, if any
    behind_links: dict[str, list[str]] = {}  # that symlinked folder -> the paths through it, left
    for raw in sorted(made):
        path = normalize(raw)
        if path != raw or not is_inside(path) or is_state_path(path) or path in sources:
            continue
        folder = posixpath.dirname(path)
        if folder not in links:
            links[folder] = symlinked_folder(root, path)  # (it depends on the folder alone)
        link = links[folder]
        if link is not None:
            behind_links.setdefault(link, []).append(path)
            continue
        full = os.path.join(root, path)
        if os.path.isdir(full) and not os.path.islink(full):
            # Its files may include some that were there before the job wrote into it (a
            # generator writing into src/): nothing tells those from the ones it made.
            reporter.warning(f"not deleting '{path}': it is a folder (delete what the build put there yourself)")
            continue
        if path not in current and not _as_made(full, digests.get(path)):
            # No rule makes it now, and it is not what buildlike made: someone's file.
            reporter.warning(f"not deleting '{path}': no rule makes it now, and it changed since buildlike made it")
            continue
        yield path, full
    for link, paths in behind_links.items():  # one warning per link, not one per file
        named = ", ".join(f"'{p}'" for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        reporter.warning(f"not deleting {named}: '{link}' is a symlinked folder (what it leads to is not the build's)")


def _delete(path: str, full: str, reporter: Reporter) -> bool:
    """Delete the file (a symlink itself, never what it points to); whether there was one."""
    try:
        os.unlink(full)
    except FileNotFoundError:
        return False
    except OSError as e:  # its folder became a file, say: nothing of the build's is there
        if e.errno != errno.ENOTDIR:
            reporter.warning(f"cannot delete '{path}': {e.strerror}")
        return False
    return True

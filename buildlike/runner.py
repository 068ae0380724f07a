"""The build loop: judge each job when its producers are done, run the stale ones, N at a time.

Each job is judged only once everything it reads has been remade, so a rerun that writes identical
bytes stops there (early cutoff). All in one thread: commands are started and waited for through
`processes.Processes`, between the bookkeeping, the state writes and the printing. Stopping on a
signal or a `Cancel` is interrupts.py's job.
"""

from __future__ import annotations

import errno
import os
import posixpath
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol

from buildlike.depfile import DepfileSyntaxError
from buildlike.discovered import Discovered, discovered_inputs, with_discovered
from buildlike.errors import BuildFailed, Interrupted, TooFewDescriptors
from buildlike.executor import Execution, Launcher, Outcome
from buildlike.fingerprint import MISSING, Look, Stamper
from buildlike.graph import JobGraph, maker_lookup
from buildlike.interrupts import CANCELLED, Cancel, route_signals, stop_all, suspend_with
from buildlike.jobs import Job
from buildlike.plan import Plan, chain_lengths
from buildlike.processes import Processes, room_for_jobs
from buildlike.staleness import Reason, ReasonKind, Verdict, decide, running_now
from buildlike.state import JobRecord, StateStore


class Progress(Protocol):
    """What the build loop tells the user; `reporter.Reporter` is the one the front ends pass."""

    def nothing_to_do(self) -> None: ...
    def would_run(self, job: Job, why: str) -> None: ...
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...
    def command_started(self, job: Job, command: str) -> None: ...
    def job_cut_off(self, job: Job) -> None: ...
    def job_finished(self, done: int, total: int, job: Job, outcome: Outcome) -> None: ...
    def job_failed(
        self, job: Job, outcome: Outcome, *, missing: tuple[str, ...] = (), unreadable_depfile: str | None = None
    ) -> None: ...
    def jobs_skipped(self, jobs: list[Job]) -> None: ...
    def jobs_not_started(self, jobs: list[Job]) -> None: ...
    def interrupted(self, running: int) -> None: ...
    def summary(self, ran: int, failed: int, seconds: float) -> None: ...


class RunOptions(NamedTuple):
    """How the build loop runs its jobs."""

    jobs: int
    keep_going: bool = False
    dry_run: bool = False
    always_make: bool = False  # run every job in `order`, stale or not
    shell: str = "/bin/sh"
    grace_seconds: float = 3.0  # between SIGTERM and SIGKILL when stopping commands
    env: Mapping[str, str] | None = None  # base environment; None: ours
    on_start: Callable[[str], None] | None = None  # told each job about to start, before its first command
    on_spawn: Callable[[int], None] | None = None  # told the process group of each command started
    on_failed: Callable[[str], None] | None = None  # told each job whose run failed
    running_elsewhere: Mapping[str, str] = {}  # (dry run) jobs another build runs now: its holder


class BuildResult(NamedTuple):
    """The job ids of a build that ended, by what became of them, and how long it took."""

    ran: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    cut_off: tuple[str, ...] = ()
    seconds: float = 0.0


def initial_verdicts(
    graph: JobGraph,
    order: Sequence[int],
    store: StateStore,
    stamper: Stamper,
    *,
    count_always: bool = True,
    own_reasons: bool = True,
) -> dict[int, Verdict]:
    """The stale jobs among `order` (producers first), each with why: its own reasons, or UPSTREAM.

    With `count_always=False` (for `status --check`), always jobs are left out, and so is what
    they would remake. With `own_reasons=False` (for a build), a job that reads a file remade first
    is UPSTREAM without being judged further: the build judges it once its producers are done, so
    its own reasons (and the hashes of its old outputs) would be wasted now.
    """
    stale: dict[int, Verdict] = {}
    jobs = graph.jobs
    producer = graph.producer
    maker = maker_lookup(graph)  # (for a depfile's files: one may lie in a folder output)
    for i in order:
        job = jobs[i]
        if not count_always and job.always:
            continue  # whatever else it says, an always job runs on every build anyway
        record = store.record(job.id)
        remade = None
        if stale:  # the first file it reads that a stale job remakes
            remade = next((p for p in job.inputs if producer.get(p) in stale), None)
            if remade is None and record is not None and record.discovered:
                remade = next((p for p in record.discovered if maker(p) in stale), None)
        # A build needs no more about a job reading a remade file: it is judged once that is done.
        verdict = (
            decide(job, record, stamper, had_record=store.had_record(job.id)) if own_reasons or remade is None else None
        )
        if verdict is not None and verdict.stale:
            stale[i] = _remade_first(verdict, maker, stale) if remade is not None else verdict
        elif remade is not None:
            stale[i] = Verdict((Reason(ReasonKind.UPSTREAM, remade),))
    return stale


def _remade_first(verdict: Verdict, maker: Callable[[str], int | None], stale: Mapping[int, Verdict]) -> Verdict:
    """`verdict` with each changed input that a stale job remakes first said so: the job is judged
    again once that is done, and the remade file may well match what it last read (early cutoff)."""
    reasons = [
        Reason(ReasonKind.UPSTREAM, r.detail) if r.kind is ReasonKind.INPUT_CHANGED and maker(r.detail) in stale else r
        for r in verdict.reasons
    ]
    return Verdict(tuple(dict.fromkeys(reasons)))


FORCED = Verdict((Reason(ReasonKind.FORCED),))


class _Running(NamedTuple):
    """A job whose commands run, with what it read when it started."""

    job_index: int
    job: Job
    execution: Execution
    input_digests: tuple[bytes, ...]
    started_ns: int
    # What the build saw of its inputs, and of the files its depfile listed last time, as it started.
    seen: tuple[Look, ...]
    seen_listed: Mapping[str, Look]
    ended: int = 0  # the stamper's moment at which its commands were seen to end


class _Build:
    """Mutable bookkeeping of one run; lives only inside `run_build`."""

    __slots__ = ("cut_off", "done", "failed", "ran", "signal_name", "skipped", "stopping", "total")

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.ran: list[str] = []
        self.failed: list[str] = []
        self.skipped: list[str] = []
        self.cut_off: list[str] = []
        self.stopping = False
        self.signal_name: str | None = None


def run_build(
    graph: JobGraph,
    order: Sequence[int],
    *,
    root: str,
    store: StateStore,
    stamper: Stamper,
    reporter: Progress,
    options: RunOptions,
    cancel: Cancel | None = None,
) -> BuildResult:
    """Bring the jobs in `order` (producers first) up to date. Raises BuildFailed or Interrupted.

    `cancel` lets another thread stop the build as a signal would.
    """
    start = time.monotonic()
    if options.always_make:
        stale = dict.fromkeys(order, FORCED)
    else:
        stale = initial_verdicts(graph, order, store, stamper, own_reasons=options.dry_run)
    if not stale:
        if not options.dry_run:
            store.commit(stamps=stamper.take_refreshed())
        reporter.nothing_to_do()
        return BuildResult(seconds=time.monotonic() - start)
    if options.dry_run:
        for i in order:
            if i in stale:
                holder = options.running_elsewhere.get(graph.jobs[i].id)
                reporter.would_run(graph.jobs[i], str(running_now(stale[i], holder) if holder else stale[i]))
        reporter.info(
            f"buildlike: {len(stale)} job{'s' if len(stale) != 1 else ''} would run (dry run: nothing was run)"
        )
        return BuildResult(seconds=time.monotonic() - start)

    members = set(stale)
    deps = with_discovered(graph, order, members, store)
    # Jobs stale for reasons of their own, reading nothing this build remakes, run whatever happens;
    # the others are judged again once their producers are done (early cutoff).
    fixed = (
        members
        if options.always_make
        else {
            i
            for i, verdict in stale.items()
            if verdict.reasons[0].kind is not ReasonKind.UPSTREAM and not any(d in members for d in deps[i])
        }
    )
    records = {i: store.record(graph.jobs[i].id) for i in members}
    # A job's record is replaced once it succeeded, and distrusted once it failed or was interrupted;
    # one that never starts keeps it (its last run is still the one recorded). A build killed outright
    # leaves the jobs it had started noted in the lock file: the next one distrusts those whose
    # records it did not replace (api.py).
    distrusted: list[str] = []
    consumers = graph.consumers()
    plan = Plan(deps, members, chain_lengths(consumers, order, members))
    state = _Build(total=len(members))
    running: dict[int, _Running] = {}
    base_env = dict(options.env if options.env is not None else os.environ)
    base_env["PWD"] = root  # as a shell started there would say, also for the commands exec'ed directly
    processes: Processes[int] = _processes()
    interrupts: list[str] = []  # signal names, or CANCELLED, as they came
    suspended: list[bool] = []  # Ctrl-Z came: the loop stops the commands, then itself (suspend_with)

    def on_signal(signum: int, _frame: object) -> None:
        interrupts.append(signal.Signals(signum).name)

    def on_cancel() -> None:
        interrupts.append(CANCELLED)
        processes.wake()

    launcher = Launcher(root, on_spawn=options.on_spawn, env=base_env)
    slots = room_for_jobs(options.jobs)
    if slots == 0:
        processes.close()
        raise TooFewDescriptors(_open_files_limit())
    if slots < options.jobs:
        reporter.warning(
            f"at most {slots} jobs at a time, not {options.jobs}: the limit on open files is too low"
            " for more (see `ulimit -n`)"
        )
    finished: list[tuple[int, JobRecord, Outcome]] = []  # succeeded, recorded in the next transaction
    # Ended jobs whose commands succeeded but that may still fail (an output missing, a depfile to
    # read): no job starts until they are finished, as none would after a failure (unless -k).
    unsure: set[int] = set()

    def start_job(i: int) -> _Running:
        # Input stamps are taken before the command starts: an input edited while its job runs
        # then differs from the record, and the job runs again next time.
        job = graph.jobs[i]
        record = records[i]
        listed: dict[str, Look] = {}
        if record is not None and record.discovered:
            for p in record.discovered:  # (its depfile's files too, as far as known: one absent now and
                stamper.stat(p)  # after is no change, see discovered.py; most are stat'ed already)
            listed = dict(zip(record.discovered, stamper.baselines(record.discovered), strict=True))
        digests = tuple(stamper.digest(p) or MISSING for p in job.inputs)
        seen = stamper.baselines(job.inputs)
        return _start(
            job,
            i,
            digests,
            seen,
            listed,
            root=root,
            base_env=base_env,
            shell=options.shell,
            processes=processes,
            launcher=launcher,
            reporter=reporter,
            on_start=options.on_start,
        )

    def save(*, stamps: bool = False) -> None:
        """One transaction: the records of the jobs that succeeded, and the jobs that failed.

        The fresh file stamps only save hashing files again, so they wait for the end of the build
        (`stamps=True`): a commit with them cost twice as much, and a crash before loses none of
        the records, only the chance to trust those files' stats next time.
        """
        if not finished and not distrusted and not stamps:
            return
        store.commit(
            finished=[(graph.jobs[i].id, record) for i, record, _ in finished],
            stamps=stamper.take_refreshed() if stamps else None,
            distrusted=distrusted,
        )
        distrusted.clear()
        for i, _, outcome in finished:  # reported once saved: a printed job is never lost
            state.done += 1
            state.ran.append(graph.jobs[i].id)
            reporter.job_finished(state.done, state.total, graph.jobs[i], outcome)
        finished.clear()

    def next_stale(at_least: int) -> int | None:
        """Take ready jobs (of at least that priority) until one is still stale; the others are up
        to date after all."""
        while plan.has_ready(at_least):
            i = plan.take()
            job = graph.jobs[i]
            if i in fixed or decide(job, records[i], stamper, had_record=True, first_only=True).stale:
                return i
            state.total -= 1
            state.cut_off.append(job.id)
            reporter.job_cut_off(job)
            plan.finish(i)
        return None

    def take_ended(ended: list[tuple[int, Outcome]]) -> list[tuple[_Running, Outcome]]:
        """The jobs that ended, out of `running`; a failure among them stops new jobs at once (unless
        -k), before any of them is finished: jobs that end together are handled one by one. So does a
        job that may still turn out failed after its commands succeeded, until it is finished."""
        stamper.moment += 1
        taken = [(running.pop(i)._replace(ended=stamper.moment), outcome) for i, outcome in ended]
        for run, outcome in taken:
            if outcome.exit_code == 0:
                plan.ended(run.job_index)
        if not options.keep_going:
            if any(outcome.exit_code for _, outcome in ended):
                state.stopping = True
            unsure.update(r.job_index for r, o in taken if o.exit_code == 0 and not _made_all(r.job, root))
        return taken

    def account(run: _Running, outcome: Outcome) -> None:
        """Finish a job that ended: its record to save if it succeeded, else it is distrusted."""
        record = _finish(
            run,
            outcome,
            plan=plan,
            state=state,
            stamper=stamper,
            reporter=reporter,
            graph=graph,
            root=root,
            keep_going=options.keep_going,
        )
        unsure.discard(run.job_index)
        if record is not None:
            finished.append((run.job_index, record, outcome))
            launcher.made(run.job.outputs)
        else:
            distrusted.append(run.job.id)
            if options.on_failed is not None:
                options.on_failed(run.job.id)

    def take_suspension() -> None:
        if suspended:
            suspended.clear()
            suspend_with(processes)

    def may_start() -> bool:
        return not state.stopping and not unsure and not interrupts and len(running) < slots

    def fill() -> None:
        """Start stale ready jobs while a slot is free (none once the build is stopping); a Ctrl-Z
        that came first stops the running ones, and us, before.

        With jobs that ended but are not finished yet (their slots filled first, so that the next
        commands overlap their bookkeeping), only ready jobs at least as urgent as any job they will
        make ready start: the longest chain first, still.
        """
        take_suspension()
        if not may_start():
            return
        at_least = plan.unlocks()  # (only with a slot free: with thousands ended, it is not free)
        while may_start():
            ready = next_stale(at_least)
            if ready is None:
                break
            running[ready] = start_job(ready)
            if processes.has_ended():  # it could not start (its folder is a file): that failure first
                break

    restore: Callable[[], None] | None = None
    try:
        restore = route_signals(on_signal, processes, on_suspend=lambda: suspended.append(True))
        if cancel is not None:
            cancel.attach(on_cancel)
            if cancel.requested:
                raise Interrupted(CANCELLED)
        while True:
            fill()
            save(stamps=not running)
            if not running:
                break
            ended = deque(take_ended(processes.wait()))  # (a signal's byte on the wake-up pipe ends the wait)
            while True:
                take_suspension()  # here, as after any wait: a wait(timeout=0) below may take the byte
                if interrupts:
                    # What succeeded stays done, also the jobs whose commands ended well before (with
                    # fast commands, thousands may wait for their bookkeeping): finished once the
                    # running commands are stopped, which must not wait for hashing their outputs.
                    # The running ones and the failed ones are not recorded: they rerun.
                    distrusted.extend(graph.jobs[i].id for i in running)
                    save()
                    reporter.interrupted(len(processes.running))
                    stop_all(processes, options.grace_seconds)
                    for run, outcome in ended:
                        if outcome.exit_code == 0:
                            account(run, outcome)
                        else:
                            distrusted.append(run.job.id)
                    save(stamps=True)
                    # A signal that came while a cancel stopped the commands wins: the user stops it all.
                    state.signal_name = next((n for n in interrupts if n != CANCELLED), interrupts[0])
                    raise Interrupted(state.signal_name)
                if not ended:
                    break
                run, outcome = ended.popleft()
                if outcome.exit_code == 0:
                    fill()  # the freed slot first: the next command overlaps this job's bookkeeping
                account(run, outcome)
                # Commands that ended meanwhile free their slots before this job's record is saved:
                # a slot waiting for the loop's bookkeeping is a core doing nothing.
                more = take_ended(processes.wait(timeout=0))
                if more:
                    ended.extend(more)
                    fill()
                save()
    except BaseException as e:
        # A state write failed (a full disk) or worse: never leave commands running behind us.
        if processes.running and not isinstance(e, Interrupted):
            stop_all(processes, options.grace_seconds)
        raise
    finally:
        if cancel is not None:
            cancel.attach(None)
        if restore is not None:
            restore()
        processes.close()
        if suspended:  # a Ctrl-Z that came once no command was left to stop (or while stopping them)
            os.kill(os.getpid(), signal.SIGSTOP)
    if state.stopping:
        left = [graph.jobs[i] for i in plan.drop_unstarted()]
        state.skipped.extend(job.id for job in left)
        reporter.jobs_not_started(left)
    reporter.summary(len(state.ran), len(state.failed), time.monotonic() - start)
    # A signal that came once nothing was running any more is still an interrupt.
    late = next((name for name in interrupts if name != CANCELLED), None)
    if late is not None:
        raise Interrupted(late)
    if state.failed:
        raise BuildFailed(state.failed)
    return BuildResult(tuple(state.ran), (), tuple(state.skipped), tuple(state.cut_off), time.monotonic() - start)


def _processes() -> Processes[int]:
    """Where commands will run; TooFewDescriptors if not even its own wake-up pipe can be made."""
    try:
        return Processes()
    except OSError as e:
        if e.errno not in (errno.EMFILE, errno.ENFILE):
            raise
        raise TooFewDescriptors(_open_files_limit()) from None


def _open_files_limit() -> int | None:
    """The soft limit on open files (no module to load: at that limit even that can fail)."""
    limit = os.sysconf("SC_OPEN_MAX")
    return limit if limit > 0 else None


def _as_read(run: _Running, stamper: Stamper) -> tuple[bytes, ...]:
    """The inputs' digests taken before the command started, but MISSING for one that changed while
    it ran: what it read is unknown, so the job runs again next time, even if the file then holds
    what it held at the start again (a reverted edit, or its maker rerun). A stat per input, shared
    by the jobs that ended before it was taken.

    An input gone by then keeps its digest (a job may delete what it read: it settles once its
    maker wrote the same again). A changed or gone one is `doubtful` for the rest of the build: this
    pass must not vouch for what it holds now as what the build read (watch mode asks).
    """
    out = run.input_digests
    for k in stamper.moved_since(run.job.inputs, run.seen, run.ended):
        p = run.job.inputs[k]
        stamper.forget((p,))
        now = stamper.digest(p)
        if now != out[k]:
            stamper.doubtful.add(p)  # (gone too: the build read it, watch must see it go)
            if now is not None:
                out = (*out[:k], MISSING, *out[k + 1 :])
    return out


def _made_all(job: Job, root: str) -> bool:
    """Whether a job whose commands succeeded surely succeeded: it made every output, and it has no
    depfile (one that cannot be read fails it once it is read)."""
    return job.depfile is None and all(os.path.exists(os.path.join(root, o)) for o in job.outputs)


def _start(
    job: Job,
    i: int,
    digests: tuple[bytes, ...],
    seen: tuple[Look, ...],
    seen_listed: Mapping[str, Look],
    *,
    root: str,
    base_env: dict[str, str],
    shell: str,
    processes: Processes[int],
    launcher: Launcher,
    reporter: Progress,
    on_start: Callable[[str], None] | None,
) -> _Running:
    folders = sorted({posixpath.dirname(p) for p in (*job.outputs, job.depfile or "")} - {""})
    env = {**base_env, **dict(job.env)} if job.env else None  # None: the launcher's, `base_env`
    execution = Execution(
        job.commands,
        shell=shell,
        cwd=root,
        env=env,
        launcher=launcher,
        folders=folders,
        announce=lambda command: reporter.command_started(job, command),
    )
    if on_start is not None:
        on_start(job.id)
    started_ns = time.time_ns()
    processes.start(i, execution)
    return _Running(i, job, execution, digests, started_ns, seen, seen_listed)


def _finish(
    run: _Running,
    outcome: Outcome,
    *,
    plan: Plan,
    state: _Build,
    stamper: Stamper,
    reporter: Progress,
    graph: JobGraph,
    root: str,
    keep_going: bool,
) -> JobRecord | None:
    """Account for a job that ended: its record to save if it succeeded, None if it failed."""
    job = run.job
    if outcome.exit_code == 0:
        out_digests = tuple(stamper.rehash(o) for o in job.outputs)  # None: missing
        missing = tuple(o for o, d in zip(job.outputs, out_digests, strict=True) if d is None)
    else:
        stamper.forget(job.outputs)  # (rewritten, maybe: looked at again when needed)
        out_digests, missing = (), ()
    discovered = Discovered()
    unreadable = None
    if outcome.exit_code == 0 and not missing:
        try:
            discovered = discovered_inputs(job, root, stamper, run.started_ns, run.seen_listed)
        except OSError as e:  # a folder, or not readable: what the job read is unknown
            unreadable = f"{job.depfile}: {e.strerror}"
        except DepfileSyntaxError as e:
            unreadable = f"{job.depfile}: {e}"
    if outcome.exit_code != 0 or missing or unreadable:
        state.failed.append(job.id)
        reporter.job_failed(job, outcome, missing=missing, unreadable_depfile=unreadable)
        skipped = plan.fail(run.job_index)
        state.total -= len(skipped)
        state.skipped.extend(graph.jobs[s].id for s in skipped)
        reporter.jobs_skipped([graph.jobs[s] for s in skipped])
        if not keep_going:
            state.stopping = True
        return None
    record = JobRecord(
        job.fingerprint,
        job.inputs,
        _as_read(run, stamper),
        discovered.paths,
        discovered.digests,
        job.outputs,
        tuple(d or MISSING for d in out_digests),
        job.depfile if discovered.depfile_digest else None,  # (none written: it is optional)
        discovered.depfile_digest,
    )
    plan.finish(run.job_index)
    return record

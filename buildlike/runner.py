"""The build loop: judge each job when its producers are done, run the stale ones, N at a time.

Each job is judged only once everything it reads has been remade, so a rerun that writes identical
bytes stops there (early cutoff). All in one thread: commands are started and waited for through
`processes.Processes`, between the bookkeeping, the state writes and the printing. Stopping on a
signal or a `Cancel` is interrupts.py's job; the record of a job that ended, settlement.py's.
"""

from __future__ import annotations

import errno
import os
import posixpath
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, NoReturn, Protocol

from buildlike.discovered import with_discovered
from buildlike.errors import CANCELLED, BuildFailed, Interrupted, TooFewDescriptors
from buildlike.executor import Execution, Launcher, Outcome
from buildlike.fingerprint import ABSENT, Look, Stamper
from buildlike.graph import JobGraph
from buildlike.interrupts import Cancel, route_signals, stop_all, suspend_with
from buildlike.jobs import Job
from buildlike.plan import Plan, chain_lengths
from buildlike.processes import Processes, room_for_jobs
from buildlike.records import JobRecord
from buildlike.settlement import Running, settle, surely_succeeded
from buildlike.staleness import ReasonKind, Verdict, decide, running_now
from buildlike.state import StateStore
from buildlike.verdicts import FORCED, initial_verdicts


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
    def summary(self, ran: int, failed: Sequence[str], seconds: float) -> None: ...


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
    elif options.dry_run:
        for i in order:
            if i in stale:
                holder = options.running_elsewhere.get(graph.jobs[i].id)
                reporter.would_run(graph.jobs[i], str(running_now(stale[i], holder) if holder else stale[i]))
        reporter.info(
            f"buildlike: {len(stale)} job{'s' if len(stale) != 1 else ''} would run (dry run: nothing was run)"
        )
    else:
        loop = _Loop(graph, order, stale, root=root, store=store, stamper=stamper, reporter=reporter, options=options)
        return loop.run(cancel=cancel, start=start)
    return BuildResult(seconds=time.monotonic() - start)


class _Loop:
    """One build's run of its stale jobs: what runs, what ended, what is saved; lives inside `run_build`.

    Every job of `stale` runs unless it turns out up to date once its producers are done. A job's
    record is replaced once it succeeded, and distrusted once it failed or was interrupted; one that
    never starts keeps it (its last run is still the one recorded). A build killed outright leaves
    the jobs it had started noted in the lock file: the next one distrusts those whose records it
    did not replace (api.py).
    """

    __slots__ = (
        "base_env",
        "cut_off",
        "distrusted",
        "done",
        "failed",
        "finished",
        "fixed",
        "graph",
        "interrupts",
        "launcher",
        "options",
        "plan",
        "processes",
        "ran",
        "records",
        "reporter",
        "root",
        "running",
        "skipped",
        "slots",
        "stamper",
        "stopping",
        "store",
        "suspended",
        "total",
        "unsure",
    )

    def __init__(
        self,
        graph: JobGraph,
        order: Sequence[int],
        stale: Mapping[int, Verdict],
        *,
        root: str,
        store: StateStore,
        stamper: Stamper,
        reporter: Progress,
        options: RunOptions,
    ) -> None:
        self.graph, self.root, self.store, self.stamper = graph, root, store, stamper
        self.reporter, self.options = reporter, options
        members = set(stale)
        deps = with_discovered(graph, order, members, store)
        # Jobs stale for reasons of their own, reading nothing this build remakes, run whatever
        # happens; the others are judged again once their producers are done (early cutoff).
        self.fixed = (
            members
            if options.always_make
            else {
                i
                for i, verdict in stale.items()
                if verdict.reasons[0].kind is not ReasonKind.UPSTREAM and not any(d in members for d in deps[i])
            }
        )
        self.records = {i: store.record(graph.jobs[i].id) for i in members}
        self.plan = Plan(deps, members, chain_lengths(graph.consumers(), order, members))
        self.total = len(members)  # the jobs that will run, as far as known: cut-offs and skips leave it
        self.done = 0
        self.ran: list[str] = []
        self.failed: list[str] = []
        self.skipped: list[str] = []
        self.cut_off: list[str] = []
        self.stopping = False  # a job failed (without -k): no new job starts
        self.running: dict[int, Running] = {}
        self.finished: list[tuple[int, JobRecord, Outcome]] = []  # succeeded, saved by the next transaction
        self.distrusted: list[str] = []  # failed or interrupted, distrusted by the next transaction
        # Ended jobs whose commands succeeded but that may still fail (an output missing, a depfile
        # to read): no job starts until they are finished, as none would after a failure (unless -k).
        self.unsure: set[int] = set()
        self.interrupts: list[str] = []  # signal names, or CANCELLED, as they came
        self.suspended: list[bool] = []  # Ctrl-Z came: the loop stops the commands, then itself (suspend_with)
        base_env = dict(options.env if options.env is not None else os.environ)
        base_env["PWD"] = root  # as a shell started there would say, also for the commands exec'ed directly
        self.base_env = base_env
        self.launcher = Launcher(root, on_spawn=options.on_spawn, env=base_env)
        self.processes: Processes[int] = _processes()
        self.slots = room_for_jobs(options.jobs)

    def run(self, *, cancel: Cancel | None, start: float) -> BuildResult:
        """Run the stale jobs to the end; raises BuildFailed or Interrupted. `start`: when the build
        began (`time.monotonic()`), for the summary."""
        processes, reporter = self.processes, self.reporter
        if self.slots == 0:
            processes.close()
            raise TooFewDescriptors(_open_files_limit())
        if self.slots < min(self.options.jobs, self.total):
            reporter.warning(
                f"at most {self.slots} jobs at a time, not {self.options.jobs}: the limit on open files is too low"
                " for more (see `ulimit -n`)"
            )
        restore: Callable[[], None] | None = None
        try:
            restore = route_signals(self._on_signal, processes, on_suspend=lambda: self.suspended.append(True))
            if cancel is not None:
                cancel.attach(self._on_cancel)
                if cancel.requested:
                    raise Interrupted(CANCELLED)
            self._loop()
        except BaseException as e:
            # A state write failed (a full disk) or worse: never leave commands running behind us.
            if processes.running and not isinstance(e, Interrupted):
                stop_all(processes, self.options.grace_seconds)
            raise
        finally:
            if cancel is not None:
                cancel.attach(None)
            if restore is not None:
                restore()
            processes.close()
            if self.suspended:  # a Ctrl-Z that came once no command was left to stop (or while stopping them)
                os.kill(os.getpid(), signal.SIGSTOP)
        if self.stopping:
            left = [self.graph.jobs[i] for i in self.plan.drop_unstarted()]
            self.skipped.extend(job.id for job in left)
            reporter.jobs_not_started(left)
        elif stuck := self.plan.drop_unstarted():  # (never a success with stale jobs left behind)
            names = ", ".join(self.graph.jobs[i].id for i in stuck[:5])
            raise RuntimeError(f"buildlike bug: {len(stuck)} stale jobs never became ready ({names}): a cycle?")
        reporter.summary(len(self.ran), self.failed, time.monotonic() - start)
        # A signal that came once nothing was running any more is still an interrupt.
        late = next((name for name in self.interrupts if name != CANCELLED), None)
        if late is not None:
            raise Interrupted(late)
        if self.failed:
            raise BuildFailed(self.failed, ran=self.ran, skipped=self.skipped)
        return BuildResult(tuple(self.ran), (), tuple(self.skipped), tuple(self.cut_off), time.monotonic() - start)

    def _loop(self) -> None:
        """Start jobs while slots are free, and finish each as it ends, until none runs."""
        processes, interrupts = self.processes, self.interrupts
        while True:
            self._fill()
            self._save(stamps=not self.running)
            if not self.running:
                return
            ended = deque(self._take_ended(processes.wait()))  # (a signal's byte on the wake-up pipe ends the wait)
            while True:
                self._take_suspension()  # here, as after any wait: a wait(timeout=0) below may take the byte
                if interrupts:
                    self._stop(ended)
                if not ended:
                    break
                run, outcome = ended.popleft()
                if outcome.exit_code == 0:
                    self._fill()  # the freed slot first: the next command overlaps this job's bookkeeping
                self._account(run, outcome)
                # Commands that ended meanwhile free their slots before this job's record is saved:
                # a slot waiting for the loop's bookkeeping is a core doing nothing.
                more = self._take_ended(processes.wait(timeout=0))
                if more:
                    ended.extend(more)
                    self._fill()
                self._save()

    def _stop(self, ended: deque[tuple[Running, Outcome]]) -> NoReturn:
        """Stop on a signal or a cancel: what succeeded stays done, also the jobs whose commands ended
        well before (with fast commands, thousands may wait for their bookkeeping), finished once the
        running commands are stopped, which must not wait for hashing their outputs. The running ones
        and the failed ones are not recorded: they rerun."""
        self.distrusted.extend(self.graph.jobs[i].id for i in self.running)
        self._save()
        self.reporter.interrupted(len(self.processes.running))
        stop_all(self.processes, self.options.grace_seconds)
        for run, outcome in ended:
            if outcome.exit_code == 0:
                self._account(run, outcome)
            else:
                if outcome.exit_code > 0:  # (failed before the interrupt came; killed, it may be its part)
                    self.reporter.job_failed(run.job, outcome)
                self.distrusted.append(run.job.id)
        self._save(stamps=True)
        # A signal that came while a cancel stopped the commands wins: the user stops it all.
        raise Interrupted(next((n for n in self.interrupts if n != CANCELLED), self.interrupts[0]))

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.interrupts.append(signal.Signals(signum).name)

    def _on_cancel(self) -> None:
        self.interrupts.append(CANCELLED)
        self.processes.wake()

    def _take_suspension(self) -> None:
        if self.suspended:
            self.suspended.clear()
            suspend_with(self.processes)

    def _may_start(self) -> bool:
        return not self.stopping and not self.unsure and not self.interrupts and len(self.running) < self.slots

    def _fill(self) -> None:
        """Start stale ready jobs while a slot is free (none once the build is stopping); a Ctrl-Z
        that came first stops the running ones, and us, before.

        With jobs that ended but are not finished yet (their slots filled first, so that the next
        commands overlap their bookkeeping), only ready jobs at least as urgent as any job they will
        make ready start: the longest chain first, still.
        """
        self._take_suspension()
        if not self._may_start():
            return
        at_least = self.plan.unlocks()  # (only with a slot free: with thousands ended, it is not free)
        while self._may_start():
            ready = self._next_stale(at_least)
            if ready is None:
                break
            self.running[ready] = self._start(ready)
            if self.processes.has_ended():  # it could not start (its folder is a file): that failure first
                break

    def _next_stale(self, at_least: int) -> int | None:
        """Take ready jobs (of at least that priority) until one is still stale; the others are up
        to date after all."""
        plan = self.plan
        while plan.has_ready(at_least):
            i = plan.take()
            job = self.graph.jobs[i]
            if i in self.fixed or decide(job, self.records[i], self.stamper, had_record=True, first_only=True).stale:
                return i
            self.total -= 1
            self.cut_off.append(job.id)
            self.reporter.job_cut_off(job)
            plan.finish(i)
        return None

    def _start(self, i: int) -> Running:
        """Start job `i`'s commands. Input stamps are taken before the command starts: an input
        edited while its job runs then differs from the record, and the job runs again next time."""
        job = self.graph.jobs[i]
        record = self.records[i]
        stamper = self.stamper
        listed: dict[str, Look] = {}
        if record is not None and record.discovered:
            for p in record.discovered:  # (its depfile's files too, as far as known: one absent now and
                stamper.stat(p)  # after is no change, see discovered.py; most are stat'ed already)
            listed = dict(zip(record.discovered, stamper.baselines(record.discovered), strict=True))
        digests = tuple(stamper.digest(p) or ABSENT for p in job.inputs)  # (ABSENT: see staleness)
        seen = stamper.baselines(job.inputs)
        folders = sorted({posixpath.dirname(p) for p in (*job.outputs, job.depfile or "")} - {""})
        env = {**self.base_env, **dict(job.env)} if job.env else None  # None: the launcher's, `base_env`
        reporter = self.reporter
        execution = Execution(
            job.commands,
            shell=self.options.shell,
            cwd=self.root,
            env=env,
            launcher=self.launcher,
            folders=folders,
            announce=lambda command: reporter.command_started(job, command),
        )
        if self.options.on_start is not None:
            self.options.on_start(job.id)
        started_ns = time.time_ns()
        self.processes.start(i, execution)
        return Running(i, job, execution, digests, started_ns, seen, listed)

    def _take_ended(self, ended: list[tuple[int, Outcome]]) -> list[tuple[Running, Outcome]]:
        """The jobs that ended, out of `running`; a failure among them stops new jobs at once (unless
        -k), before any of them is finished: jobs that end together are handled one by one. So does a
        job that may still turn out failed after its commands succeeded, until it is finished."""
        self.stamper.moment += 1
        moment = self.stamper.moment
        taken = [(self.running.pop(i)._replace(ended=moment), outcome) for i, outcome in ended]
        for run, outcome in taken:
            if outcome.exit_code == 0:
                self.plan.ended(run.job_index)
        if not self.options.keep_going:
            if any(outcome.exit_code for _, outcome in ended):
                self.stopping = True
            self.unsure.update(
                r.job_index for r, o in taken if o.exit_code == 0 and not surely_succeeded(r.job, self.root)
            )
        return taken

    def _account(self, run: Running, outcome: Outcome) -> None:
        """Finish a job that ended: its record to save if it succeeded, else it is distrusted."""
        record = self._finish(run, outcome)
        self.unsure.discard(run.job_index)
        if record is not None:
            self.finished.append((run.job_index, record, outcome))
            self.launcher.made(run.job.outputs)
        else:
            self.distrusted.append(run.job.id)
            if self.options.on_failed is not None:
                self.options.on_failed(run.job.id)

    def _finish(self, run: Running, outcome: Outcome) -> JobRecord | None:
        """Account for a job that ended: its record to save if it succeeded, None if it failed."""
        settled = settle(run, outcome, self.stamper, self.root)
        if isinstance(settled, JobRecord):
            self.plan.finish(run.job_index)
            return settled
        job = run.job
        self.failed.append(job.id)
        self.reporter.job_failed(job, outcome, missing=settled.missing, unreadable_depfile=settled.unreadable_depfile)
        skipped = self.plan.fail(run.job_index)
        self.total -= len(skipped)
        self.skipped.extend(self.graph.jobs[s].id for s in skipped)
        self.reporter.jobs_skipped([self.graph.jobs[s] for s in skipped])
        if not self.options.keep_going:
            self.stopping = True
        return None

    def _save(self, *, stamps: bool = False) -> None:
        """One transaction: the records of the jobs that succeeded, and the jobs that failed.

        The fresh file stamps only save hashing files again, so they wait for the end of the build
        (`stamps=True`): a commit with them cost twice as much, and a crash before loses none of
        the records, only the chance to trust those files' stats next time.
        """
        finished, distrusted = self.finished, self.distrusted
        if not finished and not distrusted and not stamps:
            return
        jobs = self.graph.jobs
        self.store.commit(
            finished=[(jobs[i].id, record) for i, record, _ in finished],
            stamps=self.stamper.take_refreshed() if stamps else None,
            distrusted=distrusted,
        )
        distrusted.clear()
        for i, _, outcome in finished:  # reported once saved: a printed job is never lost
            self.done += 1
            self.ran.append(jobs[i].id)
            self.reporter.job_finished(self.done, self.total, jobs[i], outcome)
        finished.clear()


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

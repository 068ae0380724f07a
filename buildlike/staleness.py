"""`decide()`: whether a job is stale, as a `Verdict` holding one `Reason` per broken SPEC rule.

Reads the job's `JobRecord` and asks a `Stamper` for digests; never opens the database or runs
anything. `status`, `--verbose` and the runner all read the same Verdict, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import NamedTuple

from buildlike.fingerprint import ABSENT, Stamper
from buildlike.jobs import FINGERPRINT_PARTS, FINGERPRINT_WHOLE, Job
from buildlike.records import JobRecord


class ReasonKind(Enum):
    OUTPUT_MISSING = 1  # rule 1
    NEVER_BUILT = 2  # rule 2
    LAST_RUN_FAILED = 3  # rule 2: failed or interrupted
    COMMAND_CHANGED = 4  # rule 3
    INPUTS_CHANGED = 5  # rule 4: the list of inputs
    INPUT_CHANGED = 6  # rule 5: an input's content
    OUTPUT_CHANGED = 7  # rule 6
    ALWAYS = 8  # rule 7
    UPSTREAM = 9  # not a rule: an input is remade first (status and dry runs say this)
    FORCED = 10  # not a rule: `--always-make` runs every job
    RUNNING = 11  # rule 2 as `status` says it of a job the build holding the lock runs now


_TEXT = {
    ReasonKind.OUTPUT_MISSING: "output '{}' is missing",
    ReasonKind.NEVER_BUILT: "never built",
    ReasonKind.LAST_RUN_FAILED: "its last run failed or was interrupted",
    ReasonKind.COMMAND_CHANGED: "its {} changed",
    ReasonKind.INPUTS_CHANGED: "its list of inputs changed ({})",
    ReasonKind.INPUT_CHANGED: "input '{}' changed",
    ReasonKind.OUTPUT_CHANGED: "output '{}' changed since it was built",
    ReasonKind.ALWAYS: "always = true",
    ReasonKind.UPSTREAM: "input '{}' is remade first",
    ReasonKind.FORCED: "--always-make",
    ReasonKind.RUNNING: "running now, in the build of {}",
}


class Reason(NamedTuple):
    """Why a job is stale: the SPEC rule it breaks (or UPSTREAM), with the path or detail concerned."""

    kind: ReasonKind
    detail: str = ""

    def __str__(self) -> str:
        return _TEXT[self.kind].format(self.detail)


class Verdict(NamedTuple):
    """Whether a job is stale, and every reason why (none: up to date)."""

    reasons: tuple[Reason, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.reasons)

    def __str__(self) -> str:
        return "; ".join(str(r) for r in self.reasons) if self.reasons else "up to date"


UP_TO_DATE = Verdict()


def running_now(verdict: Verdict, holder: str) -> Verdict:
    """The verdict on a job that the build of `holder` runs now: that, not a failed run (nor none
    yet), is why."""
    running = Reason(ReasonKind.RUNNING, holder)
    unfinished = (ReasonKind.LAST_RUN_FAILED, ReasonKind.NEVER_BUILT)
    return Verdict(tuple(running if r.kind in unfinished else r for r in verdict.reasons))


def decide(
    job: Job, record: JobRecord | None, stamper: Stamper, *, had_record: bool = False, first_only: bool = False
) -> Verdict:
    """Judge `job` against its last successful run; `had_record`: a failed or cut-off run left one.

    `first_only`: stop at the first reason found (the runner needs only whether, not why; it then
    skips hashing the outputs of a job whose input changed, and looks at its inputs before it stats
    its outputs: the inputs' digests are known already, or needed when the job starts).
    """
    reasons: list[Reason] = []
    for reason in _reasons(job, record, stamper, had_record, outputs_last=first_only):
        reasons.append(reason)
        if first_only:
            break
    return Verdict(tuple(reasons)) if reasons else UP_TO_DATE


def _reasons(
    job: Job, record: JobRecord | None, stamper: Stamper, had_record: bool, *, outputs_last: bool = False
) -> Iterator[Reason]:
    """Every broken SPEC rule, cheapest checks first; `outputs_last`: the outputs' after the inputs'."""
    if job.always:
        yield Reason(ReasonKind.ALWAYS)
    if not outputs_last:
        yield from _missing_outputs(job, stamper)
    if record is None:
        yield Reason(ReasonKind.LAST_RUN_FAILED if had_record else ReasonKind.NEVER_BUILT)
        return

    if record.fingerprint[:FINGERPRINT_WHOLE] != job.fingerprint[:FINGERPRINT_WHOLE]:
        yield Reason(ReasonKind.COMMAND_CHANGED, _what_changed(record.fingerprint, job.fingerprint))
    digest = stamper.digest
    # (An input absent now, as when its job started, recorded ABSENT, is no change: only one inside a
    # folder output can be, as the build checks the others first, and its maker may not make it. One
    # recorded MISSING, changed while its job ran, is a change whatever it holds now.)
    if record.inputs == job.inputs:
        for path, old in zip(record.inputs, record.input_digests, strict=True):
            if (digest(path) or ABSENT) != old:
                yield Reason(ReasonKind.INPUT_CHANGED, path)
    else:
        before = dict(zip(record.inputs, record.input_digests, strict=True))
        added = [p for p in job.inputs if p not in before]
        lost = [p for p in record.inputs if p not in set(job.inputs)]
        # (The same files in another order are no change: a command that reads them in order names
        # them, `{inputs}`, and its text changed then.)
        if added or lost:
            change = [f"+{p}" for p in added[:3]] + [f"-{p}" for p in lost[:3]]
            more = len(added) + len(lost) - len(change)
            yield Reason(ReasonKind.INPUTS_CHANGED, ", ".join(change) + (f", +{more} more" if more > 0 else ""))
        for path in job.inputs:
            if path in before and (digest(path) or ABSENT) != before[path]:
                yield Reason(ReasonKind.INPUT_CHANGED, path)
    for path, old in zip(record.discovered, record.discovered_digests, strict=True):
        now = digest(path)
        if (ABSENT if now is None else now) != old:
            yield Reason(ReasonKind.INPUT_CHANGED, path)
    if outputs_last:
        yield from _missing_outputs(job, stamper)
    if record.outputs == job.outputs:
        for path, old in zip(record.outputs, record.output_digests, strict=True):
            now = digest(path)
            if now is not None and now != old:
                yield Reason(ReasonKind.OUTPUT_CHANGED, path)
    else:
        made = dict(zip(record.outputs, record.output_digests, strict=True))
        for path in job.outputs:
            now = digest(path)
            if now is not None and made.get(path) != now:
                yield Reason(ReasonKind.OUTPUT_CHANGED, path)


def _missing_outputs(job: Job, stamper: Stamper) -> Iterator[Reason]:
    for out in job.outputs:
        if stamper.stat(out) is None:
            yield Reason(ReasonKind.OUTPUT_MISSING, out)


def _what_changed(old: bytes, new: bytes) -> str:
    """Which of a job's command, env and shell differ, from their digests in two fingerprints."""
    size = (len(new) - FINGERPRINT_WHOLE) // len(FINGERPRINT_PARTS)
    if len(old) != len(new) or size <= 0:
        return "command"  # a record from before the parts were kept: its command, env or shell
    names = [
        name
        for k, name in enumerate(FINGERPRINT_PARTS)
        if old[FINGERPRINT_WHOLE + k * size : FINGERPRINT_WHOLE + (k + 1) * size]
        != new[FINGERPRINT_WHOLE + k * size : FINGERPRINT_WHOLE + (k + 1) * size]
    ] or ["command"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class JobStatus(NamedTuple):
    """A stale job as `status` reports it."""

    job: Job
    verdict: Verdict
    counts_for_check: bool  # stale for `status --check`, where `always = true` alone does not count

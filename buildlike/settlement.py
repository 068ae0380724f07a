"""Settle a job whose commands ended: the record of its success (what it read as it started, what
it wrote, what its depfile listed), or why it failed after all. What to do next is runner.py's job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from buildlike.depfile import DepfileSyntaxError
from buildlike.discovered import discovered_inputs
from buildlike.executor import Execution, Outcome
from buildlike.fingerprint import MISSING, Look, Stamper
from buildlike.jobs import Job
from buildlike.records import JobRecord


class Running(NamedTuple):
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


class Failure(NamedTuple):
    """Why a job whose commands ended failed: a non-zero exit (neither set), outputs it did not make,
    or a depfile that cannot be read."""

    missing: tuple[str, ...] = ()
    unreadable_depfile: str | None = None


def settle(run: Running, outcome: Outcome, stamper: Stamper, root: str) -> JobRecord | Failure:
    """The record of a job whose commands ended, to save; or why it failed."""
    job = run.job
    if outcome.exit_code != 0:
        stamper.forget(job.outputs)  # (rewritten, maybe: looked at again when needed)
        return Failure()
    out_digests = tuple(stamper.rehash(o) for o in job.outputs)  # None: missing
    missing = tuple(o for o, d in zip(job.outputs, out_digests, strict=True) if d is None)
    if missing:
        return Failure(missing=missing)
    try:
        discovered = discovered_inputs(job, root, stamper, run.started_ns, run.seen_listed)
    except OSError as e:  # a folder, or not readable: what the job read is unknown
        return Failure(unreadable_depfile=f"{job.depfile}: {e.strerror}")
    except DepfileSyntaxError as e:
        return Failure(unreadable_depfile=f"{job.depfile}: {e}")
    return JobRecord(
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


def surely_succeeded(job: Job, root: str) -> bool:
    """Whether a job whose commands succeeded surely succeeded: it made every output, and it has no
    depfile (one that cannot be read fails it once it is read)."""
    return job.depfile is None and all(os.path.exists(os.path.join(root, o)) for o in job.outputs)


def _as_read(run: Running, stamper: Stamper) -> tuple[bytes, ...]:
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

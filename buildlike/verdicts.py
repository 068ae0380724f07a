"""Which jobs of a build are stale up front, each with why (`decide` over the order, producers first).

A job reading a file that a stale job remakes is only UPSTREAM here: the build judges it again once
that is done (early cutoff, runner.py); `status` asks for its own reasons too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from buildlike.fingerprint import Stamper
from buildlike.graph import JobGraph, maker_lookup
from buildlike.staleness import Reason, ReasonKind, Verdict, decide
from buildlike.state import StateStore

FORCED = Verdict((Reason(ReasonKind.FORCED),))  # every job of `--always-make`


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

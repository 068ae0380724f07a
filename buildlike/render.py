"""Text for `status`, `list` and `graph`: functions that return strings; the caller prints them."""

from __future__ import annotations

from collections.abc import Sequence

from buildlike.errors import one_line
from buildlike.graph import JobGraph
from buildlike.jobs import Job
from buildlike.staleness import JobStatus
from buildlike.template import quote, quote_all


def status_text(stale: Sequence[JobStatus]) -> str:
    """One line per stale job: `job-id: reason; reason`."""
    if not stale:
        return "everything is up to date"
    return "\n".join(one_line(f"{s.job.id}: {s.verdict}") for s in stale)


def list_text(
    graph: JobGraph, chosen: Sequence[int] | None = None, *, rules: Sequence[str] = (), verbose: bool = False
) -> str:
    """The rules, each with its jobs and their descriptions: all of them, or the `chosen` jobs' and
    the `rules` named (a foreach rule may have none); `verbose`: each job's inputs, outputs, depfile,
    env and commands too, as it would run them."""
    by_rule: dict[str, list[int]] = {name: [] for name in graph.rule_lines}
    for i in range(len(graph.jobs)) if chosen is None else sorted(chosen):
        by_rule.setdefault(graph.jobs[i].rule, []).append(i)
    if chosen is not None:
        by_rule = {name: idx for name, idx in by_rule.items() if idx or name in rules}
    lines: list[str] = []
    for name, idx in by_rule.items():
        line = graph.rule_lines.get(name)
        where = f"{graph.file}:{line}" if line else graph.file
        count = f"{len(idx)} job{'s' if len(idx) != 1 else ''}"
        lines.append(f"{name}  ({count}, {where})")
        width = max((len(one_line(graph.jobs[i].id)) for i in idx), default=0)
        for i in idx:
            job = graph.jobs[i]
            extra = "  [always]" if job.always else ""
            lines.append(f"  {one_line(job.id).ljust(width)}  {job.description}{extra}")
            if verbose:
                lines.extend(_job_details(job))
    return "\n".join(lines)


def _job_details(job: Job) -> list[str]:
    """What a job reads, makes and runs, a field a line (paths quoted as a shell would need them)."""
    fields = [("inputs", quote_all(job.inputs) or "(none)"), ("outputs", quote_all(job.outputs) or "(none)")]
    if job.depfile is not None:
        fields.append(("depfile", quote(job.depfile)))
    if job.env:
        fields.append(("env", quote_all([f"{k}={v}" for k, v in job.env])))
    fields.extend(("run" if k == 0 else "", command) for k, command in enumerate(job.commands))
    out = []
    for name, value in fields:
        label = f"{name}:" if name else ""
        for n, part in enumerate(value.splitlines() or [""]):  # (a command over several lines)
            out.append(f"      {label if n == 0 else '':<9}{part}".rstrip())
    return out


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot_text(graph: JobGraph, discovered: Sequence[tuple[int, int]] = ()) -> str:
    """The job graph in Graphviz DOT: one node per job, an edge from each producer to its consumers;
    dashed, the `discovered` ones (producer, consumer: from depfiles)."""
    lines = ["digraph buildlike {", "  rankdir=LR;", "  node [shape=box];"]
    for job in graph.jobs:
        lines.append(f"  {_dot_string(job.id)} [label={_dot_string(job.description)}];")
    for i, deps in enumerate(graph.deps):
        for d in deps:
            lines.append(f"  {_dot_string(graph.jobs[d].id)} -> {_dot_string(graph.jobs[i].id)};")
    for d, i in discovered:
        lines.append(f"  {_dot_string(graph.jobs[d].id)} -> {_dot_string(graph.jobs[i].id)} [style=dashed];")
    lines.append("}")
    return "\n".join(lines)

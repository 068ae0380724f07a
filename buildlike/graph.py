"""The job graph: edges from file producers to consumers, duplicate outputs, cycles, targets, order.

Everything here is pure: the jobs come from jobs.py, and whether a file exists is asked of the caller.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from buildlike.errors import MaestrofileError, Problem, UnknownTargets, some_of
from buildlike.jobs import Job
from buildlike.paths import normalize


class JobGraph(NamedTuple):
    """Jobs in Maestrofile order, each with the indexes of the jobs that make its inputs."""

    file: str  # the Maestrofile's name, for messages
    rule_lines: Mapping[str, int | None]  # rule name -> line of its header, in Maestrofile order
    jobs: tuple[Job, ...]
    deps: tuple[tuple[int, ...], ...]
    producer: Mapping[str, int]  # output path (or input inside a folder output) -> the job that makes it
    warnings: tuple[Problem, ...] = ()

    def consumers(self) -> list[list[int]]:
        """For each job, the jobs that read one of its outputs."""
        out: list[list[int]] = [[] for _ in self.jobs]
        for i, ds in enumerate(self.deps):
            for d in ds:
                out[d].append(i)
        return out


def connect(
    jobs: Sequence[Job], *, file: str, rule_lines: Mapping[str, int | None], warnings: Iterable[Problem] = ()
) -> tuple[JobGraph, list[Problem]]:
    """Connect jobs by their files, with the duplicate outputs and the cycle found (the first maker wins)."""
    problems: list[Problem] = []
    producer: dict[str, int] = {}
    makers: dict[str, list[int]] = {}  # of the outputs with more than one
    for i, job in enumerate(jobs):
        for out in job.outputs:
            j = producer.setdefault(out, i)
            if j != i:
                makers.setdefault(out, [j]).append(i)
    for out, each in makers.items():
        problems.extend(_makers_problems(out, [jobs[i] for i in each], file, rule_lines))
    # A depfile is its job's file too: two jobs writing one (a foreach rule's fixed `depfile`) race.
    depfiles: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if not job.depfile:
            continue
        j = producer.get(job.depfile, depfiles.setdefault(job.depfile, i))
        if j != i:
            other = jobs[j]
            what = "an output" if job.depfile in producer else "the depfile"
            problems.append(
                Problem(
                    f"depfile '{job.depfile}' is also {what} of "
                    + (f"rule '{other.rule}'" if other.rule != job.rule else f"job '{other.id}'")
                    + f" (line {rule_lines.get(other.rule)}); each job needs a depfile of its own"
                    + (" (name it after the match: {stem}.d)" if job.match and other.rule == job.rule else ""),
                    file=file,
                    line=rule_lines.get(job.rule),
                    rule=job.rule,
                    path=job.depfile,
                    key="depfile",
                )
            )
    # A file cannot be a folder too: `x` from one job and `x/y` (an output or a depfile) from another.
    for job in jobs:
        for out in (*job.outputs, *((job.depfile,) if job.depfile else ())):
            folder = _enclosing_output(out, producer)
            if folder:
                owner = jobs[producer[folder]]
                problems.append(
                    Problem(
                        f"{'depfile' if out == job.depfile else 'output'} '{out}' is inside '{folder}', which "
                        + (
                            "it"
                            if owner is job
                            else f"rule '{owner.rule}' (line {rule_lines.get(owner.rule)})"
                            if owner.rule != job.rule
                            else f"job '{owner.id}'"
                        )
                        + " makes as a file; a path cannot be both",
                        file=file,
                        line=rule_lines.get(job.rule),
                        rule=job.rule,
                        path=out,
                        key="depfile" if out == job.depfile else "outputs",
                    )
                )
    # A rule named like a foreach job ('compile:src/a.c') would share that job's record in the state.
    ids: dict[str, int] = {}
    for i, job in enumerate(jobs):
        j = ids.setdefault(job.id, i)
        if j != i:
            odd, other = (job, jobs[j]) if job.rule == job.id else (jobs[j], job)
            problems.append(
                Problem(
                    f"its name is also the name of a job of rule '{other.rule}' (line {rule_lines.get(other.rule)}); "
                    "rename it, since 'rule:path' names a foreach job",
                    file=file,
                    line=rule_lines.get(odd.rule),
                    rule=odd.rule,
                )
            )
    producer.update(inside_folder_outputs(jobs, producer))
    deps: list[tuple[int, ...]] = []
    for job in jobs:
        ds: dict[int, None] = {}
        for p in job.inputs:
            maker = producer.get(p)
            if maker is not None:
                ds[maker] = None
        deps.append(tuple(ds))
    graph = JobGraph(file, dict(rule_lines), tuple(jobs), tuple(deps), producer, tuple(warnings))
    for cycle in find_cycles(graph.deps):
        names = " -> ".join(jobs[i].id for i in cycle)
        lines = ", ".join(
            f":{rule_lines.get(jobs[i].rule)}" for i in dict.fromkeys(cycle) if rule_lines.get(jobs[i].rule)
        )
        first = jobs[cycle[0]]
        problems.append(
            Problem(
                f"cycle: {names}" + (f" ({file}{lines})" if lines else ""), file=file, line=rule_lines.get(first.rule)
            )
        )
    return graph, problems


def inside_folder_outputs(jobs: Sequence[Job], producer: Mapping[str, int]) -> dict[str, int]:
    """Inputs no job lists as an output but that lie inside another job's output (a folder it
    makes, `site/index.html` of `site`), with that job: they are its files too, made before."""
    found: dict[str, int] = {}
    enclosing: dict[str, str] = {}  # by input: many jobs read the same files (`src/*.h`)
    for i, job in enumerate(jobs):
        for p in job.inputs:
            if p in producer or p.startswith("/"):
                continue
            folder = enclosing.get(p)
            if folder is None:
                folder = enclosing[p] = _enclosing_output(p, producer)
            if folder and producer[folder] != i:  # (a job reading inside its own output stays as it was)
                found[p] = producer[folder]
    return found


def _enclosing_output(path: str, producer: Mapping[str, int]) -> str:
    """The nearest folder above `path` that a job makes (a key of `producer`), or "" if none."""
    folder = posixpath.dirname(path)
    while folder and folder not in producer:
        up = posixpath.dirname(folder)
        folder = "" if up == folder else up  # "/" is its own folder (an absolute output, an error)
    return folder


def link(
    jobs: Sequence[Job], *, file: str, rule_lines: Mapping[str, int | None], warnings: Iterable[Problem] = ()
) -> JobGraph:
    """Connect jobs by their files; raise `MaestrofileError` for duplicate outputs and cycles."""
    graph, problems = connect(jobs, file=file, rule_lines=rule_lines, warnings=warnings)
    if problems:
        raise MaestrofileError(problems)
    return graph


def find_cycle(deps: Sequence[Sequence[int]]) -> list[int]:
    """A dependency cycle as a closed path of job indexes (first == last), or [] when there is none."""
    cycles = find_cycles(deps, first_only=True)
    return cycles[0] if cycles else []


def find_cycles(deps: Sequence[Sequence[int]], *, first_only: bool = False) -> list[list[int]]:
    """Dependency cycles, each a closed path of job indexes (first == last) in build order, none
    sharing a job with one found before: every knot to untie is named at once, each only once."""
    white, grey, black = 0, 1, 2
    color = [white] * len(deps)
    found: list[list[int]] = []
    named: set[int] = set()  # jobs on a cycle found already
    for start in range(len(deps)):
        if color[start] != white:
            continue
        stack: list[tuple[int, int]] = [(start, 0)]
        path: list[int] = [start]
        at = {start: 0}  # where each job on `path` is
        color[start] = grey
        while stack:
            node, k = stack[-1]
            if k < len(deps[node]):
                stack[-1] = (node, k + 1)
                nxt = deps[node][k]
                if color[nxt] == grey:
                    if nxt in named or node in named:
                        continue  # (a knot named already: no need to slice the path, maybe long)
                    loop = path[at[nxt] :]
                    if named.isdisjoint(loop):
                        named.update(loop)
                        # In build order: producer first, ending back where it started.
                        found.append([*loop, nxt][::-1])
                        if first_only:
                            return found
                elif color[nxt] == white:
                    color[nxt] = grey
                    stack.append((nxt, 0))
                    at[nxt] = len(path)
                    path.append(nxt)
            else:
                color[node] = black
                stack.pop()
                del at[path.pop()]
    return found


def resolve_targets(graph: JobGraph, targets: Sequence[str]) -> list[int]:
    """Indexes of the jobs named by `targets` (rule names, job ids or output files)."""
    by_rule: dict[str, list[int]] = {}
    by_id: dict[str, int] = {}
    for i, job in enumerate(graph.jobs):
        by_rule.setdefault(job.rule, []).append(i)
        by_id[job.id] = i
    chosen: dict[int, None] = {}
    unknown: list[str] = []
    for t in targets:
        if t in by_rule:
            chosen.update(dict.fromkeys(by_rule[t]))
        elif t in by_id:
            chosen[by_id[t]] = None
        elif normalize(t) in graph.producer:
            chosen[graph.producer[normalize(t)]] = None
        elif t in graph.rule_lines:
            pass  # a foreach rule that matched nothing: nothing to build
        else:
            unknown.append(t)
    if unknown:
        from buildlike.maestrofile import did_you_mean

        names = [*graph.rule_lines, *by_id]
        parts = []
        hinted = []
        for t in unknown:
            hint = did_you_mean(t, names) or did_you_mean(normalize(t), graph.producer)
            parts.append(f"unknown target '{t}': not a rule, a job or an output of {graph.file}{hint}")
            if hint:
                hinted.append(t)
        raise UnknownTargets("\n".join(parts), unknown, hinted=hinted)
    return list(chosen)


def closure(graph: JobGraph, roots: Iterable[int], needs: Callable[[int], Sequence[int]] | None = None) -> list[int]:
    """The jobs in `roots` and every job they need, in a build order (producers first).

    `needs(job)`: the jobs it needs, if not its `deps` (with a depfile's makers, say). A job is
    marked on the way down, so an edge back to one not yet placed, which would close a cycle, is
    left out."""
    needs = needs if needs is not None else graph.deps.__getitem__
    seen = [False] * len(graph.jobs)
    order: list[int] = []
    for root in roots:
        if seen[root]:
            continue
        seen[root] = True
        stack: list[tuple[int, Sequence[int], int]] = [(root, needs(root), 0)]
        while stack:
            node, ds, k = stack[-1]
            if k < len(ds):
                stack[-1] = (node, ds, k + 1)
                nxt = ds[k]
                if not seen[nxt]:
                    seen[nxt] = True
                    stack.append((nxt, needs(nxt), 0))
            else:
                stack.pop()
                order.append(node)
    return order


def _makers_problems(out: str, makers: list[Job], file: str, rule_lines: Mapping[str, int | None]) -> list[Problem]:
    """The problems of an output that several jobs make (the first maker wins): one per rule that
    makes it too, and one for the jobs of a rule that all make it (the matches of a foreach rule)."""
    first = makers[0]
    problems = []
    for rule in dict.fromkeys(job.rule for job in makers):
        mine = [job for job in makers if job.rule == rule]
        if rule != first.rule:
            message = f"output '{out}' is also an output of rule '{first.rule}' (line {rule_lines.get(first.rule)})"
        elif len(mine) > 1:
            message = f"output '{out}' is an output of {len(mine)} of its jobs ({some_of([j.id for j in mine])})"
        else:
            continue
        hint = " (name it after the match: {stem})" if len(mine) > 1 and mine[0].match else ""
        problems.append(
            Problem(
                f"{message}; each file must have one maker{hint}",
                file=file,
                line=rule_lines.get(rule),
                rule=rule,
                path=out,
                key="outputs",
            )
        )
    return problems


def missing_inputs(graph: JobGraph, selected: Iterable[int], exists: Callable[[str], bool]) -> list[Problem]:
    """A problem for each input that is neither a file nor any job's output."""
    return _source_inputs(
        graph, selected, lambda p: not exists(p), lambda p: f"input '{p}' is not a file and no rule makes it"
    )


def input_problems(
    graph: JobGraph, selected: Sequence[int], exists: Callable[[str], bool], real_folder: Callable[[str], str | None]
) -> tuple[list[Problem], list[Problem]]:
    """The problems with what a build of the `selected` jobs reads: the paths that name a made file
    another way, through a symlinked folder (`aliased_paths`, two outputs too), and the inputs that are
    neither files nor made (`missing_inputs`), but those the first already named."""
    aliased = aliased_paths(graph, selected, real_folder)
    named = {(p.rule, p.path) for p in aliased}
    return aliased, [p for p in missing_inputs(graph, selected, exists) if (p.rule, p.path) not in named]


def folder_inputs(graph: JobGraph, selected: Iterable[int], is_folder: Callable[[str], bool]) -> list[Problem]:
    """A warning for each input that is a folder no rule makes: only the names in it are tracked.
    Asked of the disk on every build (`is_folder`): a file may become a folder, or one a file."""
    return _source_inputs(
        graph,
        selected,
        is_folder,
        lambda p: (
            f"input '{p}' is a folder: only the names in it are tracked, not their content; "
            f"write '{p}/**' to track its files"
        ),
    )


def _source_inputs(
    graph: JobGraph, selected: Iterable[int], found: Callable[[str], bool], say: Callable[[str], str]
) -> list[Problem]:
    """A problem saying `say(path)` for each input of the `selected` jobs that no job makes and that
    is `found`, naming its rule: once per rule and path (a `foreach` rule's jobs share inputs)."""
    problems: list[Problem] = []
    looked: dict[str, bool] = {}
    said: set[tuple[str, str]] = set()
    for i in selected:
        job = graph.jobs[i]
        for p in job.inputs:
            if p in graph.producer or (job.rule, p) in said:
                continue
            is_found = looked.get(p)
            if is_found is None:
                is_found = looked[p] = found(p)
            if is_found:
                said.add((job.rule, p))
                problems.append(Problem(say(p), graph.file, graph.rule_lines.get(job.rule), job.rule, p, key="inputs"))
    return problems


def aliased_paths(graph: JobGraph, selected: Iterable[int], real_folder: Callable[[str], str | None]) -> list[Problem]:
    """A problem for each path that names a file some job makes under another name, through a
    symlinked folder inside the project (`link -> real`: `link/a.txt` is `real/a.txt`): an input
    spelled so gets no edge to its maker (it would run beside it, reading the old file), and two
    outputs spelled so are one file with two makers.

    `real_folder(folder)` is the folder's name once its links are resolved (absolute if it leads
    outside), or None if none of its folders is a link. Edges come from names, so the cure is one
    name per file, which the message gives.
    """
    jobs = graph.jobs
    chosen = list(selected)
    folders = {p.rpartition("/")[0] for job in jobs for p in job.outputs}
    folders.update(p.rpartition("/")[0] for i in chosen for p in jobs[i].inputs)
    real = {}
    for folder in folders:
        if folder and not folder.startswith(("/", "../")):
            resolved = real_folder(folder)
            if resolved is not None and resolved != folder and not resolved.startswith("/"):  # (/: outside)
                real[folder] = resolved
    if not real:
        return []

    def canonical(path: str) -> str:
        folder, _, name = path.rpartition("/")
        resolved = real.get(folder)
        return path if resolved is None else name if resolved == "." else f"{resolved}/{name}"

    def maker(j: int) -> str:
        return f"rule '{jobs[j].rule}' (line {graph.rule_lines.get(jobs[j].rule)})"

    def problem(job: Job, kind: str, path: str, named: str, says: str) -> Problem:
        line = graph.rule_lines.get(job.rule)
        text = f"{kind} '{path}' is the file '{named}' (a folder on the way is a symlink), which {says}"
        return Problem(text, graph.file, line, job.rule, path, key=f"{kind}s")

    problems: list[Problem] = []
    makers: dict[str, tuple[str, int]] = {}  # a made file by its resolved name: as named, by which job
    for i, job in enumerate(jobs):
        for out in job.outputs:
            named, j = makers.setdefault(canonical(out), (out, i))
            if j != i and named != out:  # (one name twice is `connect`'s to report)
                problems.append(
                    problem(job, "output", out, named, f"{maker(j)} makes too; each file must have one maker")
                )

    def made(path: str) -> tuple[str, int] | None:
        """The maker of `path` (as the maker names it, and its job), or of the folder output it lies in."""
        real = folder = canonical(path)
        found = makers.get(folder)
        while found is None and "/" in folder:
            folder = folder.rpartition("/")[0]
            found = makers.get(folder)
        return None if found is None else (found[0] + real[len(folder) :], found[1])

    for i in chosen:
        job = jobs[i]
        for p in job.inputs:
            found = made(p)
            # (a job that reads its maker's file by its name too, or another of its files, runs after
            # it anyway: a glob through a link that also matches it there is no harm)
            if found is not None and found[0] != p and found[1] != i and found[1] not in graph.deps[i]:
                says = f"{maker(found[1])} makes; name it '{found[0]}', so that it is made first"
                problems.append(problem(job, "input", p, found[0], says))
    return problems


def maker_lookup(graph: JobGraph) -> Callable[[str], int | None]:
    """The job that makes a path: its declared maker; for a path no job names (a file a depfile
    listed), the maker of the folder output it lies in (`gen/x.h` of `gen`). Asked once per folder."""
    producer = graph.producer
    by_folder: dict[str, int | None] = {}

    def maker(path: str) -> int | None:
        found = producer.get(path)
        if found is not None or path.startswith("/"):
            return found
        folder = path.rpartition("/")[0]
        if folder not in by_folder:
            enclosing = _enclosing_output(path, producer) if folder else ""
            by_folder[folder] = producer[enclosing] if enclosing else None
        return by_folder[folder]

    return maker

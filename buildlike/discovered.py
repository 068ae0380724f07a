"""What a job's depfile says it read: those files, stamped, for its record; and, from the records, the
producers of those files as extra edges for the next build (a generated header before its reader);
and the cycles such an edge would close, as problems.

Parsing the depfile's text is depfile.py's job; the runner and api.py decide when to call these.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from buildlike.depfile import DepfileSyntaxError, parse_depfile
from buildlike.errors import Problem
from buildlike.fingerprint import ABSENT, MISSING, Look, Stamper, hash_bytes, look_of
from buildlike.graph import JobGraph, closure, maker_lookup
from buildlike.jobs import Job
from buildlike.paths import in_project, is_inside, normalize, project_roots
from buildlike.staleness import decide
from buildlike.state import StateStore

# How far a file's ctime may lag the moment it changed: Linux stamps files from a coarse clock, one
# timer tick (1-10 ms) behind. Used for a header first listed by this run, and for whether the job
# wrote its depfile. (File systems with 1-2 s timestamps, FAT and HFS+, lag further: there such a
# header saved in the first second of its job goes unseen, and `clean` may take a depfile written
# in that second for the user's, and leave it.)
CLOCK_TICK_NS = 20_000_000
_MAX_LINK_HOPS = 40  # as Linux follows at most 40 links in one path (ELOOP)


class Ordered(NamedTuple):
    """A build order with the makers of what depfiles listed, and the depfile edges it leaves out."""

    order: list[int]
    # (maker, reader, file): a file the reader's depfile listed last time, made by a job that needs
    # the reader in turn (a cycle; or an include that is gone, which only the reader's rerun shows)
    cycles: list[tuple[int, int, str]]


def listed_in(store: StateStore) -> Callable[[str], Sequence[str]]:
    """The files a job's depfile listed at its last successful run, by job id, as `store` says."""

    def listed(job_id: str) -> Sequence[str]:
        record = store.record(job_id)
        return record.discovered if record is not None else ()

    return listed


def ordered_with_discovered(graph: JobGraph, order: Sequence[int], listed: Callable[[str], Sequence[str]]) -> Ordered:
    """`order` (producers first) with the makers of the files the jobs' depfiles listed last time
    (`listed`, by job id: see `listed_in`), and what those need, each before its readers: `build
    app.o` remakes the generated header `app.o`'s depfile named. A depfile edge in a cycle is left
    out (as make drops a circular dependency), so that the declared edges keep their order."""
    jobs = graph.jobs
    if not any(job.depfile for job in jobs):
        return Ordered(list(order), [])
    maker = maker_lookup(graph)
    by_reader: dict[int, dict[int, str]] = {}  # reader -> {maker: the first file of it that it listed}

    def extra(i: int) -> dict[int, str]:
        if i not in by_reader:
            makers: dict[int, str] = {}
            for p in listed(jobs[i].id) if jobs[i].depfile else ():
                d = maker(p)
                if d is not None and d != i:
                    makers.setdefault(d, p)
            by_reader[i] = makers
        return by_reader[i]

    left_out: set[tuple[int, int]] = set()

    def needs(i: int) -> tuple[int, ...]:
        more = [d for d in extra(i) if (d, i) not in left_out]
        return tuple(dict.fromkeys((*graph.deps[i], *more))) if more else graph.deps[i]

    wider = closure(graph, order, needs)
    position = {i: k for k, i in enumerate(wider)}
    if all(position[d] < position[i] for i in wider for d in needs(i)):
        return Ordered(wider, [])  # (no cycle: every edge goes forward)
    component = _components(wider, needs)
    left_out = {(d, i) for i in wider for d in extra(i) if component[d] == component[i]}
    cycles = [(d, i, extra(i)[d]) for d, i in sorted(left_out, key=lambda e: (position[e[1]], position[e[0]]))]
    return Ordered(closure(graph, order, needs), cycles)


def _components(nodes: Sequence[int], succ: Callable[[int], Sequence[int]]) -> dict[int, int]:
    """Each node's strongly connected component, by one of its nodes (Tarjan's, without recursion)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    component: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ(root)))]
        while work:
            v, edges = work[-1]
            for w in edges:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ(w))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component[w] = v
                        if w == v:
                            break
    return component


def with_discovered(
    graph: JobGraph, order: Sequence[int], members: set[int], store: StateStore
) -> list[tuple[int, ...]]:
    """Each job's producers, plus those of the files its depfile listed last time (a generated header).

    Only producers that come earlier in `order` are added, so the edges can never make a cycle.
    """
    position = {i: k for k, i in enumerate(order)}
    deps = list(graph.deps)
    maker = maker_lookup(graph)
    for i in members:
        record = store.record(graph.jobs[i].id)
        if record is None or not record.discovered:
            continue
        extra = [
            d for d in map(maker, record.discovered) if d is not None and position.get(d, len(order)) < position[i]
        ]
        if extra:
            deps[i] = tuple(dict.fromkeys((*deps[i], *extra)))
    return deps


class Discovered(NamedTuple):
    """What a job's depfile said it read, and the depfile's own digest (b"": the job wrote none)."""

    paths: tuple[str, ...] = ()
    digests: tuple[bytes, ...] = ()
    depfile_digest: bytes = b""


def discovered_inputs(
    job: Job, root: str, stamper: Stamper, started_ns: int, before: Mapping[str, Look] | None = None
) -> Discovered:
    """Extra inputs listed in the job's depfile, with their digests now; and the depfile's digest
    if the job wrote it (then it is the job's, as its outputs are: `clean` deletes it; one that was
    there before, written by hand, is read but stays the user's), from the one read of it.

    `before`: what this pass saw, when the job started, of the files its depfile listed last time.
    Raises OSError if it cannot be read, DepfileSyntaxError if it is not a depfile.
    """
    if job.depfile is None:
        return Discovered()
    before = before if before is not None else {}
    try:
        with open(os.path.join(root, job.depfile), "rb") as f:
            written = os.fstat(f.fileno()).st_ctime_ns >= started_ns - CLOCK_TICK_NS
            data = f.read()
    except FileNotFoundError:
        return Discovered()
    # Universal newlines, as a file opened as text reads (a lone "\r" ends a line too).
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n").replace("\r", "\n")
    listed = parse_depfile(text)
    known = {*job.inputs, *job.outputs, job.depfile}  # (a depfile listing itself: it changes each run)
    roots = project_roots(root)
    real_root = roots[-1]
    paths: list[str] = []
    for p in listed:
        if "\0" in p:  # (no file name holds one: a binary file named as the depfile, say)
            raise DepfileSyntaxError(f"a file name in it holds a NUL byte: {p!r}")
        p = in_project(_spelled(p, root), roots)  # `/abs/proj/gen.h` and `../proj/gen.h` are `gen.h`
        if not is_inside(p) and not p.startswith("/"):
            p = normalize(posixpath.join(real_root, p))  # `../inc/x.h`: outside, so only ever read
        if p not in known and (is_inside(p) or p.startswith("/")):
            known.add(p)
            paths.append(p)
    digests: list[bytes] = []
    links: dict[str, tuple[int, str] | None] = {}  # for `_link_changed`: what each path on the way is
    for p in paths:
        # When the file last changed, by its ctime, which no program sets (an mtime can lie: in the
        # future after clock skew or from a tarball, set back by `cp -p`). The kernel's file clock lags
        # by up to a tick, so a file changed just after the start may read just before it. One seen
        # when the job started (listed last time) must also still be that file, as seen then; one this
        # pass first looks at now gets the margin (a generated header, stamped when its maker ended
        # just before, needs none), and no link on its way may have been made since (a link switched
        # to another file leaves that file's ctime old: `ln -sfn v2 inc`). (Neither, for a file another
        # job's depfile had this pass look at meanwhile: its ctime alone, as for any edit.)
        seen_before = stamper.has_stat(p)
        since = started_ns if seen_before else started_ns - CLOCK_TICK_NS
        d = stamper.digest(p)
        try:
            st = os.stat(os.path.join(root, p))
            if p in before and not stamper.is_tree(p):  # (a folder a rule makes: its ctime, as for any file)
                changed = st.st_ctime_ns >= since or look_of(st) != before[p]
            else:
                changed = st.st_ctime_ns >= since or (
                    not seen_before and _link_changed(os.path.join(root, p), since, links)
                )
        except FileNotFoundError:
            if seen_before and d is None:  # absent when the job was judged, and still: it read none
                digests.append(ABSENT)
                continue
            changed = True  # (first seen now: it may have been there while the command ran)
        except OSError:
            changed = True
        if d is None or changed:
            # Changed while the command ran: what it read is unknown, so the job reruns next time,
            # and this stamp (taken after) must not pass for what it read (watch mode asks).
            digests.append(MISSING)
            stamper.forget((p,))
            stamper.doubtful.add(p)
        else:
            digests.append(d)
    return Discovered(tuple(paths), tuple(digests), hash_bytes(data) if written else b"")


def _link_changed(path: str, since: int, known: dict[str, tuple[int, str] | None]) -> bool:
    """Whether a symlink on the way to `path` (absolute), followed as the kernel follows them, was
    made at or after `since` (by its ctime). `known` keeps each path on the way (a link's ctime and
    where it leads; None: no link) for the next call: headers share their folders."""
    todo = path.split("/")[::-1]  # the names still to walk, the next one last
    here = "/"
    hops = 0
    while todo:
        name = todo.pop()
        if name in ("", "."):
            continue
        if name == "..":
            here = os.path.dirname(here)
            continue
        step = os.path.join(here, name)
        if step not in known:
            try:
                st = os.lstat(step)
                known[step] = (st.st_ctime_ns, os.readlink(step)) if stat.S_ISLNK(st.st_mode) else None
            except OSError:
                return False  # (gone, or a loop: the file's own stat says so)
        link = known[step]
        if link is None:
            here = step
            continue
        ctime, target = link
        hops += 1
        if ctime >= since or hops > _MAX_LINK_HOPS:
            return ctime >= since
        if target.startswith("/"):
            here = "/"
        todo.extend(target.split("/")[::-1])
    return False


def _spelled(path: str, root: str) -> str:
    """`path` as a record keeps it: normalised (`./a//b/../c` is `a/c`), unless a `..` follows a
    symlinked folder. The kernel climbs from where the link leads (`inc/../src/b.h`, with
    `inc -> vendor/lib/include`, is `vendor/lib/src/b.h`, not `src/b.h`), and wherever it leads at
    the time: such a path keeps its `..`, so that each stat follows the link anew."""
    clean = normalize(path)
    parts = path.split("/")
    first = next((k for k, part in enumerate(parts) if part not in ("..", ".", "")), len(parts))
    if ".." not in parts[first:]:
        return clean  # (leading `..`s climb from the project's real folder: `in_project` does that)
    folder = os.path.join(root, posixpath.dirname(path))
    if os.path.realpath(folder) == os.path.realpath(os.path.join(root, posixpath.dirname(clean))):
        return clean  # no symlinked folder before a `..`: the text says where it leads
    kept = "/".join(part for part in parts if part not in ("", "."))
    return "/" + kept if path.startswith("/") else kept


def cycle_problem(graph: JobGraph, maker: int, reader: int, path: str, *, ran: bool) -> Problem:
    """A depfile edge that closes a cycle: the reader read a file that a job needing it makes."""
    r, m = graph.jobs[reader].id, graph.jobs[maker].id
    said = f"job '{r}' reads '{path}' (its depfile says), which job '{m}' makes, and '{m}' needs '{r}' first"
    if ran:
        return Problem(f"a cycle: {said}; no order of the two is right", file=graph.file, rule=graph.jobs[reader].rule)
    return Problem(
        f"{said}: a cycle, unless it no longer reads it (its next run tells); '{r}' runs first",
        file=graph.file,
        line=graph.rule_lines.get(graph.jobs[reader].rule),
        rule=graph.jobs[reader].rule,
        path=path,
    )


def certain_cycles(
    graph: JobGraph, cycles: list[tuple[int, int, str]], store: StateStore, stamper: Stamper
) -> list[Problem]:
    """Of the depfile edges left out (`ordered_with_discovered`), those whose reader is up to date: it
    will not run, so its record keeps the edge, and the cycle is certain before anything runs."""
    problems = []
    for d, i, path in cycles:
        job = graph.jobs[i]
        record = store.record(job.id)
        if record is not None and not decide(job, record, stamper, had_record=True, first_only=True).stale:
            problems.append(cycle_problem(graph, d, i, path, ran=True))
    return problems


def cycles_left(graph: JobGraph, cycles: list[tuple[int, int, str]], store: StateStore) -> list[Problem]:
    """Of the depfile edges left out of a build that ran, those its readers' records still list."""
    maker = maker_lookup(graph)
    problems = []
    for d, i, path in cycles:
        record = store.record(graph.jobs[i].id)
        still = next((p for p in record.discovered if maker(p) == d), None) if record is not None else path
        if still is not None:
            problems.append(cycle_problem(graph, d, i, still, ran=True))
    return problems

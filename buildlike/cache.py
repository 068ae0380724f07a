"""A cache of the loaded job graph in `.buildlike/graph.cache`, so a no-op skips TOML and globbing.

It is keyed by the Maestrofile's stat (with its ctime and inode) and digest and by the stamp of every
folder that globbing listed (a folder's mtime moves when a file in it is added, removed or renamed;
its ctime and inode when that mtime was put back or the folder switched for another).
Written atomically; anything unexpected in it just means a fresh load.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

from buildlike import __version__
from buildlike.errors import Problem
from buildlike.fingerprint import RACY_WINDOW_NS, hash_bytes
from buildlike.graph import JobGraph
from buildlike.jobs import Job
from buildlike.model import Settings
from buildlike.snapshot import SourceStamp, folders_unchanged, listed_recently, source_stamp

CACHE_NAME = "graph.cache"
# Bumped when what a cached graph holds changes (2: fingerprints carry digests of their parts;
# 3: a foreach never matches its own outputs; 5: an output that is its own match is an error;
# 6: an output or depfile inside another output is an error; 9: jobs know their foreach match;
# 10: an input inside a folder output depends on its maker; 11: links to no folder are listed too;
# 12: keyed by the Maestrofile's ctime and inode too; 13: `./` only before a placeholder starting a word;
# 14: a depfile two jobs would write is an error; 15: the key holds the SourceStamp whole;
# 16: a foreach match that is not among its job's inputs is warned about; 17: folders' ctimes and inodes;
# 18: an input that is a folder is warned about by each build, not by the cached graph;
# 19: a foreach never matches its own depfiles; 20: a glob inside a folder a rule makes is an error;
# 22: a rule's line is never one inside a string; 23: rules written as inline tables or dotted keys
# have a line; 25: a description is one line; 26: a warning said once per rule and text;
# 27: a var may use other vars; 28: a checksum first).
_FORMAT = ("buildlike-graph", 28, __version__, marshal.version)
_CHECKSUM = 16  # bytes: hash_bytes of the rest


def load_cached(folder: Path, maestrofile: Path) -> tuple[Settings, JobGraph, SourceStamp] | None:
    """The cached settings and graph, and what they were made from, if none of that has changed."""
    try:
        data = (folder / CACHE_NAME).read_bytes()
        # Its checksum first: a damaged cache is never taken for a graph (a `<` become `>` in a
        # command), nor read by marshal, which trusts the lengths it reads.
        body = data[_CHECKSUM:]
        if hash_bytes(body) != data[:_CHECKSUM]:
            return None
        key, payload = marshal.loads(body)
        fmt, source, digest = key
        if tuple(fmt) != _FORMAT or source[0] != str(maestrofile):
            return None
        now = source_stamp(source[0], os.stat(maestrofile), source[3])
        if now != source and hash_bytes(maestrofile.read_bytes()) != digest:
            return None
        if not folders_unchanged(str(maestrofile.parent), source[3]):
            return None
        settings, graph = _decode(payload)
        return settings, graph, now
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):
        return None


def cacheable(source: SourceStamp) -> bool:
    """Whether no file or folder the graph came from changed too recently to trust its mtime: asked
    when it was read (a build may then wait for the lock a while) and again when saving."""
    racy = time.time_ns() - RACY_WINDOW_NS
    return source[1] <= racy and not listed_recently(source[3], racy)


def save_cached(folder: Path, source: SourceStamp, digest: bytes, settings: Settings, graph: JobGraph) -> None:
    """Save the graph, unless a file or folder it came from changed too recently to trust its mtime."""
    if not cacheable(source):
        return
    key = (_FORMAT, source, digest)
    try:
        body = marshal.dumps((key, _encode(settings, graph)))
    except (ValueError, MemoryError):  # (out of memory, marshal says "unmarshallable object")
        return
    data = hash_bytes(body) + body
    tmp = folder / f"{CACHE_NAME}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, folder / CACHE_NAME)
    except OSError:
        tmp.unlink(missing_ok=True)  # a cache we cannot write is only a slower next run


def _encode(settings: Settings, graph: JobGraph) -> Any:
    declared = {o for j in graph.jobs for o in j.outputs}  # (each made by its producer: no two makers)
    return (
        (settings.jobs, settings.default, settings.shell),
        graph.file,
        tuple(graph.rule_lines.items()),
        tuple(
            (
                j.id,
                j.rule,
                j.inputs,
                j.outputs,
                j.commands,
                j.description,
                j.env,
                j.always,
                j.depfile,
                j.fingerprint,
                j.match,
            )
            for j in graph.jobs
        ),
        graph.deps,
        tuple((w.message, w.file, w.line, w.rule, w.path) for w in graph.warnings),
        tuple((p, i) for p, i in graph.producer.items() if p not in declared),  # inside folders
    )


def _decode(payload: Any) -> tuple[Settings, JobGraph]:
    settings_t, file, rule_lines, job_rows, deps, warnings, inside = payload
    settings = Settings(*settings_t)
    jobs = tuple(Job(*row) for row in job_rows)
    producer = {out: i for i, job in enumerate(jobs) for out in job.outputs}
    producer.update(inside)
    graph = JobGraph(
        file=file,
        rule_lines=dict(rule_lines),
        jobs=jobs,
        deps=deps,
        producer=producer,
        warnings=tuple(Problem(*w) for w in warnings),
    )
    return settings, graph

"""What git says of a work tree, and whether a commit would record files out of step with the build:
the tracked files it changed, those it makes that differ from the index, and the sources with changes
not staged of the files it makes (the plain-git hook builds the work tree). hook.py decides when to ask.

The module that runs git queries (read-only, as a subprocess); `changed_files` is pure.
"""

from __future__ import annotations

import bisect
import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from buildlike.api import Job, Loaded, selection
from buildlike.errors import CommitRefused, UsageError
from buildlike.fingerprint import hash_file
from buildlike.paths import folder_resolver
from buildlike.state import StateStore

_CLEAN = b"clean"  # `changed_files`: the state of a file that does not differ from the index


def git(args: list[str], cwd: Path) -> bytes:
    """Run a read-only git command in `cwd` and return its stdout."""
    try:
        # --no-optional-locks: inside a commit the index is locked; never try to refresh it
        proc = subprocess.run(["git", "--no-optional-locks", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed or not on PATH; the hook commands need it") from None
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip()
        if "not a git repository" in why or "must be run in a work tree" in why:
            raise UsageError(f"{cwd} is not inside a git work tree; run the hook commands in a git repository")
        raise UsageError(f"git {' '.join(args)} failed in {cwd}: {why}")
    return proc.stdout


def _made_always(
    loaded: Loaded, from_top: Callable[[str], str], cwd: Path, top: Path, paths: tuple[str, ...]
) -> list[tuple[str, str]]:
    """Those of `paths` (from the top of the work tree) that an `always` job makes, named from `cwd`,
    each with its rule: a commit that tracks one is refused every time."""
    made = {from_top(out): job.rule for job in loaded.graph.jobs if job.always for out in job.outputs}
    return [(os.path.relpath(top / p, cwd), made[p]) for p in paths if p in made]


def named_from(cwd: Path, top: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    """`paths`, relative to the top of the work tree, as named from `cwd` (as `git status` names
    them there: `../gen.txt`), so that `git add` takes them where the user stands."""
    return tuple(os.path.relpath(top / p, cwd) for p in paths)


def dirty_files(top: Path) -> dict[str, bytes | None]:
    """Tracked files whose work-tree content differs from the index, each with its content digest.

    Git answers which files differ (cheaply, from the index's stat cache); only those are hashed, so a
    file that was already dirty before a build still shows whether the build changed it.
    """
    out = git(["diff", "--name-only", "-z", "--no-renames", "--ignore-submodules"], top)
    found: dict[str, bytes | None] = {}
    for raw in out.split(b"\0"):
        if raw:
            path = os.fsdecode(raw)
            found[path] = _digest(top / path)
    return found


def _digest(path: Path) -> bytes | None:
    try:
        if path.is_symlink():
            return b"link:" + os.fsencode(os.readlink(path))
        return hash_file(str(path))
    except FileNotFoundError:
        return None


def changed_files(before: Mapping[str, bytes | None], after: Mapping[str, bytes | None]) -> tuple[str, ...]:
    """The tracked files a build changed, given `dirty_files` before and after it (sorted)."""
    return tuple(sorted(p for p in before.keys() | after.keys() if before.get(p, _CLEAN) != after.get(p, _CLEAN)))


def refuse_out_of_step(
    loaded: Loaded, cwd: Path, top: Path, dirty: Mapping[str, bytes | None], changed: tuple[str, ...]
) -> None:
    """Refuse the commit if what it records would be out of step with what the build makes: the
    tracked files the build `changed`; those it makes that differ from the index all the same (made
    by an earlier build, or by this one before a refusal, and not staged); and the sources with
    changes not staged of a job whose output git tracks (it was made from what is not committed).
    `dirty`: `dirty_files` now."""
    if not dirty:
        return
    from_top = _from_top(loaded, top)
    jobs = [loaded.graph.jobs[i] for i in selection(loaded)]  # (those the hook builds)
    made = frozenset(from_top(p) for job in jobs for p in _made_by(job))
    # (A file deleted by hand differs from the index too, but the commit records the index's copy.)
    unstaged = tuple(sorted(p for p, d in dirty.items() if d is not None and p not in changed and _is_made(p, made)))
    sources = _unstaged_sources(loaded, jobs, top, dirty, from_top) if any(p not in made for p in dirty) else ()
    if changed or unstaged or sources:
        raise CommitRefused(
            changed=named_from(cwd, top, changed),
            unstaged=named_from(cwd, top, unstaged),
            sources=named_from(cwd, top, sources),
            always=_made_always(loaded, from_top, cwd, top, changed + unstaged),
        )


def _made_by(job: Job) -> tuple[str, ...]:
    return (*job.outputs, job.depfile) if job.depfile else job.outputs


def _from_top(loaded: Loaded, top: Path) -> Callable[[str], str]:
    """A path of the Maestrofile (relative to its folder, or absolute) as git names it from the top of
    the work tree: through a symlinked folder, by its real folder (git tracks no file through a link);
    one outside the work tree, as `../`, which git never names."""
    real_top = os.path.realpath(top)
    real_root = os.path.realpath(loaded.root)
    root = os.path.relpath(real_root, real_top)
    resolve = folder_resolver(loaded.root)

    def from_top(p: str) -> str:
        folder, _, name = p.rpartition("/")
        if folder.startswith(("/", "../")):  # (outside the project: maybe in the work tree still)
            outside = os.path.realpath(os.path.join(real_root, folder))
            return os.path.relpath(os.path.join(outside, name), real_top)
        real = resolve(folder) if folder else None
        if real is not None:
            return os.path.relpath(os.path.join(real_root, real, name), real_top)  # (`real` may be absolute)
        return p if root == "." else os.path.normpath(os.path.join(root, p))

    return from_top


def _unstaged_sources(
    loaded: Loaded, jobs: list[Job], top: Path, dirty: Mapping[str, bytes | None], from_top: Callable[[str], str]
) -> tuple[str, ...]:
    """The `dirty` files that one of `jobs` whose output git tracks reads, declared or listed by its
    depfile last time, and the Maestrofile, which holds their commands (a plain-git hook builds the
    work tree, so that output holds what is not committed)."""
    store = StateStore.open(loaded.state_dir, writable=False, warn=lambda _: None)
    try:
        readers: dict[str, list[Job]] = {}
        for job in jobs:
            record = store.record(job.id) if job.depfile else None
            for p in (*job.inputs, *(record.discovered if record is not None else ())):
                q = from_top(p)
                if q in dirty:
                    readers.setdefault(q, []).append(job)
    finally:
        store.close()
    maestrofile = os.path.relpath(os.path.realpath(loaded.maestrofile), os.path.realpath(top))
    if maestrofile in dirty:  # (every job's command is written there: SPEC rule 3)
        readers[maestrofile] = jobs
    if not readers:
        return ()
    tracked = sorted(os.fsdecode(p) for p in git(["ls-files", "-z"], top).split(b"\0") if p)

    def is_tracked(path: str) -> bool:  # (a folder output: a file in it)
        k = bisect.bisect_left(tracked, path)
        inside = bisect.bisect_left(tracked, path + "/")
        return (k < len(tracked) and tracked[k] == path) or (
            inside < len(tracked) and tracked[inside].startswith(path + "/")
        )

    return tuple(
        sorted(p for p, js in readers.items() if any(is_tracked(from_top(o)) for j in js for o in _made_by(j)))
    )


def _is_made(path: str, made: frozenset[str]) -> bool:
    """Whether a job makes `path`, or a folder holding it (a folder output)."""
    while path:
        if path in made:
            return True
        path = os.path.dirname(path)
    return False

"""Which paths and folders a watch session needs, and whether a file event on one of them matters."""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from buildlike.graph import JobGraph
from buildlike.paths import is_state_path

# Each watch costs an inotify instance and two threads, and a user has only 128 instances by default:
# folders inside the project share one watch per top-level folder, and at most this many are made.
MAX_WATCHES = 48


class Change(enum.IntEnum):
    """Why an event matters, weakest first."""

    LISTING = 1  # a file came or went in a folder that a glob scans: the job graph may change
    CONTENT = 2  # an input of a selected job changed
    MAESTROFILE = 3


class Event(enum.Enum):
    MODIFIED = "modified"
    CREATED = "created"
    DELETED = "deleted"


class WatchSet(NamedTuple):
    """What the selected jobs depend on, as project-relative paths (absolute outside the project)."""

    maestrofile: str
    inputs: frozenset[str]  # files the selected jobs read that no job makes
    listed: frozenset[str]  # folders that globs and foreach scanned
    made: frozenset[str]  # outputs and depfiles of every job: changing them never builds
    folders: frozenset[str]  # folders to watch: the inputs', the listed ones, the Maestrofile's
    ancestors: frozenset[str]  # folders above `folders`, whose creation matters
    trees: frozenset[str] = frozenset()  # inputs that are folders: a name coming or going changes one
    # Watched paths (inputs, the Maestrofile, folders) that are symlinks or lie under one -> where they
    # lead; and the other way round, a link's target -> the watched paths that lead there.
    targets: Mapping[str, str] = MappingProxyType({})
    links: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    # The links on the way of a watched link, after it (`cur -> stage -> a`: stage) -> the watched
    # paths that lead through them.
    via: Mapping[str, tuple[str, ...]] = MappingProxyType({})


def watch_set(
    graph: JobGraph,
    order: Iterable[int],
    *,
    maestrofile: str,
    listed: Iterable[str],
    discovered: Iterable[str] = (),
) -> WatchSet:
    """The paths and folders that matter for building the jobs `order` of `graph`.

    `discovered` are the extra inputs the jobs' depfiles listed.
    """
    made = {o for job in graph.jobs for o in job.outputs}
    made.update(job.depfile for job in graph.jobs if job.depfile)
    read = {p for i in order for p in graph.jobs[i].inputs}
    read.update(discovered)
    inputs = frozenset(p for p in read if p not in graph.producer and p not in made)
    listed_set = frozenset(listed)
    folders = frozenset({posixpath.dirname(p) for p in inputs} | listed_set | {posixpath.dirname(maestrofile)})
    return WatchSet(maestrofile, inputs, listed_set, frozenset(made), folders, _ancestors(folders))


def _ancestors(folders: Iterable[str]) -> frozenset[str]:
    """The folders above `folders` (those outside the project too: a missing one is watched through
    the nearest that exists, which may be any of them)."""
    ancestors: set[str] = set()
    for f in folders:
        while f not in ("", "/"):
            f = posixpath.dirname(f)
            if f in ancestors:
                break
            ancestors.add(f)
    return frozenset(ancestors)


def with_disk(
    ws: WatchSet,
    *,
    trees: Iterable[str],
    targets: Mapping[str, str] = MappingProxyType({}),
    via: Mapping[str, Iterable[str]] = MappingProxyType({}),
) -> WatchSet:
    """`ws` with what only the disk tells: which inputs are folders (watched themselves, since a name
    coming or going in one changes it), where the symlinks among its paths lead, and the links in
    the middle of their chains (their folders are watched: pointing one elsewhere is a change).

    A link's target is watched (for a file: its folder), as the OS watches what it is given, not what
    it leads to; an event there is then also one on the link (see `aliases`).
    """
    tree_set = frozenset(trees)
    folders = ws.folders | tree_set
    led_to = frozenset(t if p in folders else posixpath.dirname(t) for p, t in targets.items())
    links: dict[str, list[str]] = {}
    for p, t in targets.items():
        links.setdefault(t, []).append(p)
    led_to |= {posixpath.dirname(p) for p in via}
    return ws._replace(
        trees=tree_set,
        via=MappingProxyType({link: tuple(sorted(set(ps))) for link, ps in via.items()}),
        folders=folders | led_to,
        ancestors=ws.ancestors | _ancestors(led_to),
        targets=MappingProxyType(dict(targets)),
        links=MappingProxyType({t: tuple(sorted(ps)) for t, ps in links.items()}),
    )


def resolve_via(path: str, targets: Mapping[str, str]) -> str:
    """Where `path` leads through the links in `targets` (its own, or a folder's above it)."""
    at = path
    while targets:
        target = targets.get(at)
        if target is not None:
            return target + path[len(at) :]
        if at in ("", "/"):
            break
        at = posixpath.dirname(at)
    return path


def aliases(path: str, links: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The watched paths that lead to `path` through a symlink: to it, or to a folder above it.

    One step only: a link to a link is resolved to its end when `links` is made, and a loop (a link
    to a folder above itself) gives one alias, not endless ones.
    """
    out: list[str] = []
    at = path
    while links:
        for link in links.get(at, ()):
            alias = link + path[len(at) :] if at else f"{link}/{path}"
            if alias not in out and alias != path:
                out.append(alias)
        if at in ("", "/"):
            break
        at = posixpath.dirname(at)
    return out


def is_editor_dropping(name: str) -> bool:
    """Whether `name` is a file an editor writes beside the one it saves (swap, backup, lock, probe)."""
    if name.endswith("~") or name.startswith(".#") or (name.startswith("#") and name.endswith("#")):
        return True  # vim/emacs backups, emacs lock links and auto-saves
    if name.startswith(".") and len(name) > 4 and name[-4:-1] == ".sw" and "a" <= name[-1] <= "x":
        return True  # vim swap files: .name.swp, .swo, ..., and its .swx probe
    if name.endswith(("___jb_tmp___", "___jb_old___")):
        return True  # JetBrains "safe write"
    # vim checks that it may create files in a folder with 4913, then 5036, 5159, ...
    return name.isdigit() and int(name) >= 4913 and (int(name) - 4913) % 123 == 0


def classify(path: str, event: Event, *, is_dir: bool, ws: WatchSet) -> Change | None:
    """How a change of `path` (project-relative, absolute outside) matters to the build; None: not at all."""
    if path == ws.maestrofile:
        return Change.MAESTROFILE
    if not path or is_state_path(path) or ".git" in path.split("/") or _made(path, ws.made):
        return None
    if path in ws.inputs:
        return Change.CONTENT
    if path in ws.via:
        return Change.LISTING  # (the disk is looked at again; `relevant` names the inputs it leads to)
    if event is Event.MODIFIED:
        return None  # only a file coming or going changes what a glob matches
    folder, name = posixpath.split(path)
    if is_editor_dropping(name):
        return None
    # A name with a leading dot counts too: a glob that writes the dot matches it (`conf/.*.ini`,
    # `.github/**`), and the reload tells whether one does.
    # (A symlink to a folder is no folder to the OS: its creation counts too.)
    if folder in ws.listed or path in ws.folders or path in ws.ancestors:
        # A folder holding inputs that went (`rm -rf data`, moved away) took them with it: with
        # `--poll`, or a watch on the folder itself, that may be the only event there is.
        if is_dir and event is Event.DELETED and any(is_within(p, path) for p in ws.inputs):
            return Change.CONTENT
        return Change.LISTING
    return None


def relevant(path: str, event: Event, *, is_dir: bool, ws: WatchSet) -> list[tuple[str, Change]]:
    """Each watched path that an event on `path` changes, with how (see `classify`): `path` itself and
    the symlinks that lead to it, and the folder input that a name came into or left."""
    out: list[tuple[str, Change]] = []
    for p in (path, *aliases(path, ws.links)):
        change = classify(p, event, is_dir=is_dir, ws=ws)
        if change is not None:
            out.append((p, change))
        folder, name = posixpath.split(p)
        if folder in ws.trees and event is not Event.MODIFIED and not is_editor_dropping(name):
            out.append((folder, Change.CONTENT))  # (only the names in a source folder are its content)
    # A link on the way of watched ones, pointed elsewhere: the inputs through it may hold other bytes.
    for q in ws.via.get(path, ()):
        out.extend((i, Change.CONTENT) for i in ws.inputs if is_within(i, q))
    return out


def is_within(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or inside it (both project-relative, or both absolute)."""
    return path == folder or (folder != "" and path.startswith(folder.rstrip("/") + "/"))


def _made(path: str, made: frozenset[str]) -> bool:
    """Whether `path` is an output, or inside one (an output may be a folder)."""
    while path and path != "/":
        if path in made:
            return True
        path = posixpath.dirname(path)
    return False


Watch = tuple[str, bool]  # (folder, recursive)


def plan_watches(
    folders: Iterable[str], *, exists: Callable[[str], bool], limit: int = MAX_WATCHES
) -> tuple[tuple[Watch, ...], tuple[str, ...]]:
    """The watches that cover `folders`, and the folders outside the project left out to stay in `limit`.

    A missing folder is covered by its nearest existing parent (so its creation is seen). Folders
    inside the project are grouped by their top-level folder: one watch on the group's common folder,
    recursive when the group has more than that one folder, and, room left, one on the parent of a
    nested one (where its renaming is seen). The project folder itself is watched alone, never
    recursively (it holds `.git/` and `.buildlike/`).
    """
    groups: dict[str, set[str]] = {}
    outside: set[str] = set()
    for f in folders:
        while f not in ("", "/") and not exists(f):
            f = posixpath.dirname(f)
        if f.startswith("/"):
            outside.add(f)
        else:
            groups.setdefault(f.split("/", 1)[0], set()).add(f)
    watches: list[Watch] = [("", False)]
    for top in sorted(groups):
        if not top:
            continue
        members = groups[top]
        base = _common_folder(members)
        watches.append((base, any(m != base for m in members)))
    if len(watches) > limit:
        watches = [("", True)]  # many top-level folders: one recursive watch is cheaper than many
    room = max(0, limit - len(watches))
    kept = sorted(outside)[:room]
    watches.extend((f, False) for f in kept)
    # A folder renamed or deleted is seen in its parent, not in itself: the parent of a nested one
    # (`mv data/in data/in.old` is seen in `data`) gets a watch of its own, alone, where room is left.
    watched = {f for f, _ in watches}
    parents = sorted({posixpath.dirname(f) for f, _ in watches if "/" in f and not f.startswith("/")} - watched)
    if len(watches) + len(parents) <= limit and not (watches and watches[0] == ("", True)):
        watches.extend((f, False) for f in parents)
    return tuple(watches), tuple(sorted(outside)[room:])


def _common_folder(folders: Iterable[str]) -> str:
    parts = [f.split("/") for f in folders]
    common: list[str] = []
    for segs in zip(*parts, strict=False):
        if any(s != segs[0] for s in segs):
            break
        common.append(segs[0])
    return "/".join(common)


__all__ = [
    "MAX_WATCHES",
    "Change",
    "Event",
    "Watch",
    "WatchSet",
    "aliases",
    "classify",
    "is_editor_dropping",
    "is_within",
    "plan_watches",
    "relevant",
    "resolve_via",
    "watch_set",
    "with_disk",
]

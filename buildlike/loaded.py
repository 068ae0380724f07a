"""A Maestrofile loaded into a job graph: finding it, loading it (from the graph cache when nothing
it was made from changed), keeping a kept one current, and the jobs that targets need.

Reading the TOML is maestrofile.py's job, the cache cache.py's; api.py builds what is loaded here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from buildlike.cache import cacheable, load_cached
from buildlike.errors import MaestrofileError, Problem, UsageError
from buildlike.fingerprint import hash_bytes
from buildlike.globs import FileTree
from buildlike.graph import JobGraph, aliased_paths, closure, connect, input_problems, resolve_targets
from buildlike.jobs import expand
from buildlike.model import Settings
from buildlike.paths import (
    MAESTROFILE,
    folder_resolver,
    in_project,
    maestrofile_path,
    normalize,
    project_roots,
    state_folder,
)
from buildlike.snapshot import SourceStamp, source_stamp, sources_unchanged


class Loaded(NamedTuple):
    """A Maestrofile turned into a job graph, ready to build."""

    maestrofile: Path
    settings: Settings
    graph: JobGraph
    source: SourceStamp  # what the graph was made from: Maestrofile stat, globbed folders
    # The Maestrofile's digest when the graph is to be cached once a build finds its inputs (`load`).
    uncached: bytes | None = None

    @property
    def root(self) -> str:
        return str(self.maestrofile.parent)

    @property
    def state_dir(self) -> Path:
        """Where this Maestrofile's state, graph cache and snapshot live (the lock is in `.buildlike/`)."""
        return Path(state_folder(str(self.maestrofile)))


def find_maestrofile(
    file: str | os.PathLike[str] | None = None, directory: str | os.PathLike[str] | None = None
) -> Path:
    """The absolute path of the Maestrofile named by `-f`/`-C` (default: ./Maestrofile.toml)."""
    if file == "":
        raise UsageError("-f '': the name of the Maestrofile is empty; name it, or leave -f out for ./Maestrofile.toml")
    if directory == "":
        raise UsageError("-C '': the name of the folder is empty; name it, or leave -C out to run here")
    if directory is not None and not os.path.isdir(directory):
        if os.path.exists(directory):
            raise UsageError(f"-C {directory}: not a folder; to name a Maestrofile, use -f {directory}")
        raise UsageError(f"-C {directory}: no such folder")
    found = maestrofile_path(
        os.fspath(file) if file is not None else None, os.fspath(directory) if directory is not None else None
    )
    if found is None:
        base = os.path.abspath(directory if directory is not None else os.getcwd())
        named = os.path.join(base, file) if file is not None else base
        meant = named if os.path.basename(named) == MAESTROFILE else os.path.join(named, MAESTROFILE)
        if os.path.isdir(meant):
            where = f"'{meant}' is a folder, not a file"
        elif os.path.isdir(named):
            where = f"{named} has no {MAESTROFILE}"
        elif os.path.exists(named):
            where = f"'{named}' is not a file"
        else:
            where = f"'{named}' does not exist"
        above = _maestrofile_above(base) if file is None and directory is None else None
        if above is not None:  # (in a subfolder of a project: git finds its top, make does not)
            raise UsageError(f"no Maestrofile: {where}; {above} is there: add `-C {os.path.dirname(above)}`")
        raise UsageError(f"no Maestrofile: {where}; create one, or point at it with -f FILE or -C DIR")
    return Path(found)


def _maestrofile_above(folder: str) -> str | None:
    """The nearest Maestrofile in a folder above `folder`, relative to it (`../../Maestrofile.toml`)."""
    up = folder
    while (parent := os.path.dirname(up)) != up:
        up = parent
        if os.path.isfile(os.path.join(up, MAESTROFILE)):
            return os.path.join(os.path.relpath(up, folder), MAESTROFILE)
    return None


def shown_name(path: Path) -> str:
    """The Maestrofile as messages name it: from the current folder, so that it can be opened from
    there (`Maestrofile.toml`, `sub/Maestrofile.toml`, `../x/Maestrofile.toml`), or by its absolute
    path where that is shorter (`-C /srv/site` from elsewhere)."""
    absolute = str(path)
    try:
        relative = os.path.relpath(absolute)
    except (OSError, ValueError):  # (the current folder was deleted)
        return absolute
    return relative if len(relative) <= len(absolute) else absolute


def load(
    file: str | os.PathLike[str] | None = None,
    *,
    directory: str | os.PathLike[str] | None = None,
    save_cache: bool = False,
    targets: Sequence[str] = (),
    inputs: bool = True,
) -> Loaded:
    """Load the Maestrofile into a job graph, from the cache when nothing it was made from changed.

    Raises `MaestrofileError` with every problem found; `inputs`: with the missing inputs too, when
    there are others (`list` and `graph` look at the rules alone, and at outputs named two ways), as
    with the unknown ones among `targets`.
    `save_cache`: a build of `targets` writes `.buildlike/graph.cache` once it found every input it
    needs (`status`, `list` and `graph` never write): bad usage, an unknown target or a missing
    input, writes nothing.
    """
    path = find_maestrofile(file, directory)
    shown = shown_name(path)
    state_dir = Path(state_folder(str(path)))
    cached = load_cached(state_dir, path)
    if cached is not None:
        settings, graph, source = cached
        if graph.file != shown:  # (cached by a run from another folder)
            warnings = tuple(w._replace(file=shown) for w in graph.warnings)
            graph = graph._replace(file=shown, warnings=warnings)
        loaded = Loaded(path, settings, graph, source)
        _check_output_folders(loaded)
        if not inputs:
            _check_output_names(loaded)
        return loaded
    from buildlike.maestrofile import read_project  # (here: a cached graph needs no TOML, and 1 ms less)

    st = os.stat(path)  # before reading: a later edit then always shows as a moved stat
    raw = path.read_bytes()
    project, read_problems, every_rule = read_project(path, raw, shown=shown)
    tree = FileTree(project.root)
    jobset = expand(project, tree)
    rule_lines = {r.name: r.line for r in project.rules}
    warned = _at_keys(jobset.warnings, raw)  # (cached with the graph, lines and all)
    graph, problems = connect(jobset.jobs, file=project.file, rule_lines=rule_lines, warnings=warned)
    problems = [*read_problems, *jobset.problems, *problems]
    if every_rule:  # (else an input, or a default target, may be a rule left out's)
        problems += _default_problems(project.settings, graph, raw)
    if problems:
        more = _more_problems(graph, project.root, targets if every_rule else (), inputs=inputs and every_rule)
        raise MaestrofileError(_at_keys([*problems, *more], raw))
    source = source_stamp(str(path), st, jobset.listed_folders)
    loaded = Loaded(path, project.settings, graph, source)
    if not inputs:
        _check_output_names(loaded)
    if save_cache:
        selection(loaded, targets)  # raises UsageError for an unknown one
        if cacheable(source):
            loaded = loaded._replace(uncached=hash_bytes(raw))
    return loaded


def _more_problems(graph: JobGraph, root: str, targets: Sequence[str], *, inputs: bool) -> list[Problem]:
    """What a build would find next in a Maestrofile with problems, for one report of everything: the
    files named two ways (through a symlinked folder), the unknown targets and, with `inputs`, the
    missing inputs."""

    def exists(p: str) -> bool:
        return os.path.exists(os.path.join(root, p))

    aliased, missing = input_problems(graph, range(len(graph.jobs)) if inputs else (), exists, folder_resolver(root))
    unknown: list[Problem] = []
    try:
        resolve_targets(graph, [_as_output(root, graph, t) for t in targets])
    except UsageError as e:
        unknown = [Problem(m) for m in e.message.splitlines()]  # (each names the Maestrofile)
    return [*aliased, *unknown, *missing]


def _check_output_names(loaded: Loaded) -> None:
    """Refuse two outputs that name one file (through a symlinked folder), for `list` and `graph`: a
    build finds them with its inputs' (the links may change after the graph is cached)."""
    problems = aliased_paths(loaded.graph, (), folder_resolver(loaded.root))
    if problems:
        raise MaestrofileError(located(loaded, problems))


def _check_output_folders(loaded: Loaded) -> None:
    """Refuse outputs whose folder became a symlink leading out of the project since the graph was cached."""
    graph = loaded.graph
    first: dict[str, tuple[str, str]] = {}  # folder -> (rule, output)
    for job in graph.jobs:
        for out in job.outputs:
            first.setdefault(out.rpartition("/")[0], (job.rule, out))
    resolve = folder_resolver(loaded.root)  # (an lstat per folder: realpath only under a link)
    problems = [
        Problem(
            f"output '{out}' is in a folder that links outside the project",
            file=graph.file,
            line=graph.rule_lines.get(rule),
            rule=rule,
            path=out,
            key="outputs",
        )
        for folder, (rule, out) in first.items()
        if folder and (resolve(folder) or "").startswith("/")
    ]
    if problems:
        raise MaestrofileError(located(loaded, problems))


def located(loaded: Loaded, problems: Sequence[Problem]) -> list[Problem]:
    """`problems` at the lines of the keys they are about (`inputs = ...`), not at their rules'
    headers; the Maestrofile is read again for that (they are to be shown, so it is worth it)."""
    try:
        raw = loaded.maestrofile.read_bytes()
    except OSError:
        return list(problems)
    return _at_keys(problems, raw)


def _at_keys(problems: Sequence[Problem], raw: bytes) -> list[Problem]:
    if not any(p.key for p in problems):
        return list(problems)
    from buildlike.maestrofile import maestrofile_text  # (here: only problems need them)
    from buildlike.tomlsource import at_keys

    try:
        text = maestrofile_text(raw)
    except UnicodeDecodeError:  # (changed since it was read)
        return list(problems)
    return at_keys(problems, text)


def _default_problems(settings: Settings, graph: JobGraph, raw: bytes) -> list[Problem]:
    try:
        resolve_targets(graph, settings.default)
    except UsageError as e:
        from buildlike.maestrofile import maestrofile_text  # (here: only problems need them)
        from buildlike.tomlsource import Locator

        line = Locator(maestrofile_text(raw)).key("default", "settings")
        return [Problem(f"settings.default: {m}", file=graph.file, line=line) for m in e.message.splitlines()]
    return []


# What the API takes for targets: rule names, jobs or output files, as strings or paths; a lone one
# needs no list.
Targets = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def as_targets(targets: Targets) -> tuple[str, ...]:
    """The targets a caller named: a lone string or path is one (`build(project, "report")`), not one
    per character; a path is an output file (`Path("out/a.txt")`: from the Maestrofile's folder)."""
    if isinstance(targets, (str, os.PathLike)):
        return (os.fspath(targets),)
    return tuple(os.fspath(t) for t in targets)


def current(loaded: Loaded) -> Loaded:
    """`loaded`, or the Maestrofile loaded again if it, or a folder its globs listed, changed since
    (a file that a glob now matches, or no longer does). Raises UsageError if it is gone.

    So a `Loaded` may be kept and built again and again. (A change made within the same tick of the
    file system's clock as the load, a few milliseconds, can go unseen, as by a build started then.)
    """
    try:
        if sources_unchanged(loaded.source):
            return loaded
    except OSError:
        pass  # (gone: loading says so)
    return load(loaded.maestrofile, save_cache=loaded.uncached is not None)


def selection(loaded: Loaded, targets: Targets = ()) -> list[int]:
    """The indexes of the jobs that `targets` (default: the default targets) need, producers first."""
    graph = loaded.graph
    named = [_as_output(loaded.root, graph, t) for t in as_targets(targets)] or list(loaded.settings.default)
    roots = resolve_targets(graph, named) if named else range(len(graph.jobs))
    return closure(graph, roots)


def named_jobs(loaded: Loaded, targets: Targets) -> list[int]:
    """The indexes of the jobs that `targets` name themselves (not the jobs they need)."""
    return resolve_targets(loaded.graph, [_as_output(loaded.root, loaded.graph, t) for t in as_targets(targets)])


def _as_output(root: str, graph: JobGraph, target: str) -> str:
    """A target naming an output by an absolute or `../` path inside the project at `root`, as the
    graph spells it (`buildlike /home/me/proj/all.txt`); any other target as it is."""
    if not target.startswith(("/", "../")):
        return target
    path = in_project(normalize(target), project_roots(root), resolve=True)
    return path if path in graph.producer else target

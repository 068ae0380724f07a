"""Project-relative POSIX paths: normalising them and telling whether they stay inside the project.

Pure string work; the only disk access is in `symlinked_folder` and `folder_resolver`, which resolve
existing folders.
"""

from __future__ import annotations

import os
import posixpath
import stat

TYPE_CHECKING = False  # not from typing: the no-op path imports this module
if TYPE_CHECKING:
    from collections.abc import Callable

STATE_DIR = ".buildlike"
MAESTROFILE = "Maestrofile.toml"


def state_folder(maestrofile: str) -> str:
    """Where the state of `maestrofile` (an absolute path) lives: `.buildlike/` beside it, or for one
    of another name (`-f other.toml`) a folder of its own in there, so that two Maestrofiles in one
    folder never share job records (nor does `clean` of one delete the other's outputs)."""
    folder, name = os.path.split(maestrofile)
    base = os.path.join(folder, STATE_DIR)
    return base if name == MAESTROFILE else os.path.join(base, "by-name", name)


def maestrofile_path(file: str | None, directory: str | None) -> str | None:
    """The absolute path of the Maestrofile named by `-f`/`-C` (default ./Maestrofile.toml), if it exists."""
    if file == "" or directory == "":
        return None  # (a script's unset `-f "$FILE"` names nothing, not the folder it would join to)
    base = directory if directory is not None else os.getcwd()
    path = os.path.join(base, file) if file is not None else os.path.join(base, MAESTROFILE)
    if os.path.isdir(path):
        path = os.path.join(path, MAESTROFILE)
    return os.path.abspath(path) if os.path.isfile(path) else None


def normalize(path: str) -> str:
    """Return `path` as a clean POSIX path: `./a//b/../c` becomes `a/c`; absolute paths stay absolute."""
    if not path:
        return path
    clean = posixpath.normpath(path.replace(os.sep, "/") if os.sep != "/" else path)
    if clean.startswith("//"):  # POSIX keeps a leading `//`; we don't need that distinction
        clean = "/" + clean.lstrip("/")
    return clean


def project_roots(root: str) -> tuple[str, ...]:
    """The project folder (absolute) as `in_project` compares paths with: as given, then resolved."""
    given = normalize(root)
    real = os.path.realpath(given)
    return (given,) if real == given else (given, real)


def in_project(path: str, roots: tuple[str, ...], *, resolve: bool = False) -> str:
    """A normalised path as the project spells it: one that reaches inside the project by an absolute
    or `../` path (`/home/me/proj/a.txt`, `../proj/a.txt`) becomes project-relative (`a.txt`), so it
    meets the rule that makes it; any other path stays as it is.

    `roots` come from `project_roots`: a `../` path climbs from the resolved folder, as the kernel does.
    With `resolve`, an absolute path through a symlinked folder (`/link-to-proj/a.txt`) is recognised
    too, by resolving its folder (a look at the disk: for the Maestrofile's own paths, not depfiles').
    """
    if not (path.startswith("/") or path == ".." or path.startswith("../")):
        return path
    full = path if path.startswith("/") else normalize(posixpath.join(roots[-1], path))
    for root in roots:
        inside = _below(full, root)
        if inside is not None:
            return inside
    if resolve and path.startswith("/"):
        folder, name = posixpath.split(full)
        real = posixpath.join(os.path.realpath(folder), name)  # the name itself may be a link: kept
        inside = _below(real, roots[-1])
        if inside is not None:
            return inside
    return path


def _below(full: str, root: str) -> str | None:
    """`full` relative to `root` if it is `root` or inside it, else None."""
    if full == root:
        return "."
    prefix = root if root.endswith("/") else root + "/"
    return full[len(prefix) :] if full.startswith(prefix) else None


def is_inside(path: str) -> bool:
    """Whether a normalised path names something inside the project folder (not the folder itself)."""
    return not (path in ("", ".", "..") or path.startswith("/") or path.startswith("../"))


def is_state_path(path: str) -> bool:
    """Whether a normalised path lies in buildlike's own state folder."""
    return path == STATE_DIR or path.startswith(STATE_DIR + "/")


def symlinked_folder(root: str, path: str) -> str | None:
    """The folder on the way to `path` that is (or lies under) a symlink, if any: then `path` is
    another file than its spelling says, maybe a source (`out -> src`)."""
    parent = posixpath.dirname(path)
    while parent and not os.path.lexists(os.path.join(root, parent)):
        parent = posixpath.dirname(parent)
    if not parent or os.path.realpath(os.path.join(root, parent)) == os.path.join(os.path.realpath(root), parent):
        return None
    while (up := posixpath.dirname(parent)) and not os.path.islink(os.path.join(root, parent)):
        parent = up  # the link itself, to name it
    return parent


def folder_resolver(root: str) -> Callable[[str], str | None]:
    """A function naming a project folder (`link/sub`) as it is once symlinks are resolved: inside
    the project (`real/sub`), or as an absolute path where it then leads outside; None if no folder
    on its way is a link. One `lstat` per folder on the way and a `realpath` per link, each asked
    once: a folder under a link is its parent's real path and its own name."""
    real_root = os.path.realpath(root)
    known: dict[str, str | None] = {}  # folder -> its real path if a link is on its way, else None

    def real(folder: str) -> str | None:
        # The folders on the way not asked about before, deepest first (a loop, not recursion: a
        # tree thousands of folders deep is no recursion limit), then each from the top down.
        if folder in known:
            return known[folder]
        todo = [folder]
        parent = folder.rpartition("/")[0]
        while parent and parent not in known:
            todo.append(parent)
            parent = parent.rpartition("/")[0]
        above = known[parent] if parent else None
        for folder in reversed(todo):
            try:
                link = stat.S_ISLNK(os.lstat(os.path.join(root, folder)).st_mode)
            except OSError:
                link = False
            name = folder.rpartition("/")[2]
            above = os.path.realpath(os.path.join(root, folder)) if link else f"{above}/{name}" if above else None
            known[folder] = above
        return above

    def resolve(folder: str) -> str | None:
        found = real(folder)
        if found is None:
            return None
        inside = _below(found, real_root)
        return found if inside is None else inside

    return resolve

"""File stamps: trust an unchanged (mtime, size), hash the content otherwise.

An untouched tree must cost only stat calls, so a digest is read from the known stamps whenever the
file's (mtime_ns, size) still match them; the file is hashed only when they moved, and the fresh
stamp is kept so the next run is stat-only again.
"""

from __future__ import annotations

import errno
import os
import stat as statmod
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence

import xxhash

# (mtime_ns, size, digest): what we knew about a file the last time we looked.
Stamp = tuple[int, int, bytes]
Stat = tuple[int, int]
FileId = tuple[int, int, int]  # (st_ino, st_dev, st_ctime_ns): which file a name led to, and its last change
Look = tuple[Stat | None, FileId | None]  # a file's stat and id as seen at one moment (None: none there)

# A file whose mtime is this close to the moment we stat'ed it may still change within the same
# timestamp tick (2 s on FAT, a jiffy on ext4), unseen by a later stat. Such a stamp is stored with an
# impossible size, so the next run hashes the file once more before trusting its stat.
RACY_WINDOW_NS = 2_000_000_000
_UNTRUSTED_SIZE = -1
# The digest recorded for a file to be distrusted (an input that changed while its job ran, an
# output that was not there): no real file's digest, so its job runs again.
MISSING = b""
# The digest recorded for a file that was absent when its job started (an input inside a folder
# output that its rule does not make) or, listed by a depfile, both before and after (`gcc -MG`, an
# optional file): still absent, it has not changed.
ABSENT = b"\0"
# The stat the clean snapshot keeps for a file it saw missing: no file has a size of -1.
ABSENT_STAT: Stat = (0, -1)
_CHUNK = 1 << 20


def hash_bytes(data: bytes) -> bytes:
    """The digest used everywhere: XXH3-128 (measured ~10x faster than blake2b on large files)."""
    return xxhash.xxh3_128_digest(data)


def hash_file(path: str, *, dir_fd: int | None = None, tree: bool = False) -> bytes:
    """Hash a file's content; other special files hash to b"". A folder hashes its sorted entry
    names, or with `tree` every file in it (names and contents, all the way down)."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer (it hashes as special, below).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if statmod.S_ISDIR(st.st_mode):
            if not tree:
                return hash_bytes("\0".join(sorted(os.listdir(fd))).encode("utf-8", "surrogateescape"))
            h = xxhash.xxh3_128()
            for rel, entry in _tree(fd):
                h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
                kind, _, _, folder_fd, name = entry
                h.update(hash_file(name, dir_fd=folder_fd) if kind == "f" else kind.encode())
                h.update(b"\0")
            return h.digest()
        if not statmod.S_ISREG(st.st_mode):
            return b""
        return _hash_open_file(fd, st.st_size)
    finally:
        os.close(fd)


def _hash_open_file(fd: int, size: int) -> bytes:
    """Hash the regular file open as `fd`, of about `size` bytes, from where it is."""
    # A small file in one read of its size (+1 to see the end): a 1 MiB buffer for a few bytes
    # costs an mmap, an mremap and a munmap (with its TLB flush) per file.
    want = size + 1 if size < _CHUNK else _CHUNK
    first = os.read(fd, want)
    if len(first) < want:
        return hash_bytes(first)
    h = xxhash.xxh3_128(first)
    while chunk := os.read(fd, _CHUNK):
        h.update(chunk)
    return h.digest()


# One entry of a folder's tree: kind ("f" a file, "d" a folder, "o" anything else: a dangling link, a
# FIFO), mtime_ns, size, and how to open it (its folder's descriptor, its name), valid while walking.
_Entry = tuple[str, int, int, int, str]


def _tree(fd: int) -> Iterator[tuple[str, _Entry]]:
    """Every entry under the folder open as `fd`, by relative path, sorted, each folder's entries
    before its subfolders'; links are followed to files, never into folders (a link to a folder is
    listed, not walked: no loops).

    A stack of our own rather than `os.fwalk`, which recurses (and holds a descriptor per level): a
    tree a thousand folders deep is no recursion limit. Each folder is opened by its path from `fd`,
    one at a time (`_open_folder`); one that cannot be (gone, unreadable) is listed, not walked.
    """
    todo = [""]  # folders still to list, relative to `fd`: the next one last
    while todo:
        folder = todo.pop()
        if folder:
            try:
                folder_fd = _open_folder(folder, fd)
            except OSError:
                continue
        else:
            folder_fd = fd
        try:
            with os.scandir(folder_fd) as it:
                entries = sorted((e.name, e.is_symlink()) for e in it)
            prefix = folder + "/" if folder else ""
            below: list[str] = []
            for name, link in entries:
                try:
                    st = os.stat(name, dir_fd=folder_fd)
                except OSError:
                    yield prefix + name, ("o", 0, 0, folder_fd, name)
                    continue
                kind = "f" if statmod.S_ISREG(st.st_mode) else "d" if statmod.S_ISDIR(st.st_mode) else "o"
                yield prefix + name, (kind, st.st_mtime_ns, st.st_size if kind == "f" else 0, folder_fd, name)
                if kind == "d" and not link:
                    below.append(prefix + name)
            todo.extend(reversed(below))
        finally:
            if folder_fd != fd:
                os.close(folder_fd)


_OPEN_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_folder(path: str, fd: int) -> int:
    """Open the folder at `path` below `fd`; a path too long for one call (PATH_MAX) is opened a part
    of at most `_PART` characters at a time, each part from the folder the one before opened."""
    try:
        return os.open(path, _OPEN_FOLDER, dir_fd=fd)
    except OSError as e:
        if e.errno != errno.ENAMETOOLONG:
            raise
    here, rest = fd, path
    try:
        while rest:
            cut = rest.rfind("/", 0, _PART) if len(rest) > _PART else -1
            part, rest = (rest[:cut], rest[cut + 1 :]) if cut > 0 else (rest, "")
            step = os.open(part, _OPEN_FOLDER, dir_fd=here)
            if here != fd:
                os.close(here)
            here = step
    except BaseException:
        if here != fd:
            os.close(here)
        raise
    return here


_PART = 1000  # characters: 4000 bytes at most in UTF-8, within PATH_MAX (4096 on Linux)


def tree_stat(path: str, *, dir_fd: int | None = None) -> Stat:
    """A folder's stand-in for (mtime_ns, size): the newest mtime in its tree, and a number that
    changes with any name, mtime or size in it. A folder's own stat misses an edit to a file in it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
    try:
        newest = os.fstat(fd).st_mtime_ns
        h = xxhash.xxh3_64()
        for rel, (kind, mtime, size, _, _) in _tree(fd):
            newest = max(newest, mtime)
            h.update(f"{rel}\0{kind}{mtime}:{size}\0".encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)
    return newest, h.intdigest() >> 2  # never negative: a size of -1 marks an untrusted stamp


# What else `stat` may say of a path no file can have: too long a name, a loop of symlinks.
_NO_SUCH_FILE = frozenset({errno.ENAMETOOLONG, errno.ELOOP})


def _file_id(st: os.stat_result) -> FileId:
    """Which file a stat is of, and its last change: the ctime, which no program sets (`cp -p` puts
    an mtime back, not a ctime)."""
    return st.st_ino, st.st_dev, st.st_ctime_ns


def look_of(st: os.stat_result) -> Look:
    """A stat as `Stamper.baselines` holds it: which file it is too (a link switched, a file renamed
    over it), and its ctime."""
    return (st.st_mtime_ns, st.st_size), _file_id(st)


class Stamper:
    """Stat each path once per pass and give its digest, hashing only what moved.

    `known` maps paths to the stamps saved by earlier runs (None: known to be missing, which tells
    nothing about a file there now). Fresh stamps (for files hashed because their stat moved)
    accumulate in `refreshed` for the caller to save. A folder among `trees` (the outputs: a folder
    a rule makes) counts as every file in it; any other folder (a source) as the names in it, so a
    rule writing into a folder it reads does not make itself stale forever.
    """

    def __init__(
        self, root: str, known: Mapping[str, Stamp | None], *, now_ns: int, trees: Container[str] = ()
    ) -> None:
        self.root = root
        self.known = known
        self.now_ns = now_ns
        self.trees = trees
        self.refreshed: dict[str, Stamp] = {}
        self._stats: dict[str, Stat | None] = {}
        self._ids: dict[str, FileId] = {}  # of the files among `_stats`: which file each name led to
        # Counts the times commands were seen to end (the runner moves it); `_after` holds the stats
        # `moved_since` took, with the moment each was taken.
        self.moment = 0
        self._after: dict[str, tuple[int, Look]] = {}
        self.doubtful: set[str] = set()  # read by a job while they changed: see `looked`
        self._digests: dict[str, bytes | None] = {}
        self._folders: set[str] = set()  # of `trees`: their stats are `tree_stat`s, which no plain stat matches
        self.source_folders: set[str] = set()  # the others seen to be folders: only their names count
        self._fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Stamper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stat(self, path: str) -> Stat | None:
        """(mtime_ns, size) of `path`, following symlinks, or None when it does not exist."""
        try:
            return self._stats[path]
        except KeyError:
            pass
        try:
            st = os.stat(path, dir_fd=self._fd)
            result: Stat | None = (st.st_mtime_ns, st.st_size)
            self._ids[path] = _file_id(st)
            if statmod.S_ISDIR(st.st_mode):
                if path in self.trees:
                    result = tree_stat(path, dir_fd=self._fd)
                    self._folders.add(path)
                else:
                    self.source_folders.add(path)
        except (FileNotFoundError, NotADirectoryError):
            result = None
        except OSError as e:
            if e.errno not in _NO_SUCH_FILE:
                raise
            result = None  # a name too long to be a file, or a loop of links: no file either
        self._stats[path] = result
        return result

    def exists(self, path: str) -> bool:
        return self.stat(path) is not None

    def is_tree(self, path: str) -> bool:
        """Whether this pass took `path` for a folder a rule makes (its stat stands for its whole tree)."""
        return path in self._folders

    def has_stat(self, path: str) -> bool:
        """Whether this pass has a stat of `path` already (`stat` would not look again)."""
        return path in self._stats

    def digest(self, path: str) -> bytes | None:
        """The content digest of `path`, or None when it does not exist."""
        try:
            return self._digests[path]
        except KeyError:
            pass
        st = self.stat(path)
        if st is None:
            digest = None
        else:
            k = self.known.get(path)
            if k is not None and k[0] == st[0] and k[1] == st[1]:
                digest = k[2]
            else:
                try:
                    digest = hash_file(path, dir_fd=self._fd, tree=path in self._folders)
                except FileNotFoundError:  # deleted between stat and open
                    self._stats[path] = None
                    digest = None
                else:
                    self.refreshed[path] = self.stamp_for(st, digest)
        self._digests[path] = digest
        return digest

    def rehash(self, path: str) -> bytes | None:
        """`digest` of a file a command just wrote, forgetting what this pass saw of it before.

        Its stat is taken from the opened file: the stamp of a file just written hardly ever still
        matches, so it is read anyway, and a `stat` before opening it would be one system call more.
        """
        self.forget((path,))
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), dir_fd=self._fd)
        except (FileNotFoundError, NotADirectoryError):
            self._stats[path] = self._digests[path] = None
            return None
        except OSError:
            return self.digest(path)  # (which says why it cannot be read)
        try:
            st = os.fstat(fd)
            if not statmod.S_ISREG(st.st_mode):
                digest = None  # a folder or a special file: `digest` knows those
            else:
                stat: Stat = (st.st_mtime_ns, st.st_size)
                self._stats[path] = stat
                self._ids[path] = _file_id(st)
                k = self.known.get(path)
                if k is not None and k[0] == stat[0] and k[1] == stat[1]:
                    digest = k[2]
                else:
                    digest = _hash_open_file(fd, st.st_size)
                    self.refreshed[path] = self.stamp_for(stat, digest)
                self._digests[path] = digest
        finally:
            os.close(fd)
        return digest if digest is not None else self.digest(path)

    def baselines(self, paths: Iterable[str]) -> tuple[Look, ...]:
        """What this pass holds of `paths` now (taken when a job starts, for `moved_since`)."""
        stats, ids = self._stats, self._ids
        return tuple((stats.get(p), ids.get(p)) for p in paths)

    def moved_since(self, paths: Sequence[str], bases: Sequence[Look], ended: int) -> list[int]:
        """The indexes of `paths` no longer as `bases` says, by a stat taken after the job's commands
        were seen to end at `moment` `ended`: one stat serves every job seen to end by then (a ctime
        never goes back, so a later stat still matching proves no change in between). A folder a
        rule makes is not looked at again (its whole tree would be walked for each of its readers)."""
        moved = []
        after, folders, now = self._after, self._folders, self.moment
        for k, p in enumerate(paths):
            seen = after.get(p)
            if seen is None or seen[0] < ended:
                if p in folders:
                    continue
                try:
                    look = look_of(os.stat(p, dir_fd=self._fd))
                except OSError:
                    look = (None, None)
                seen = after[p] = (now, look)
            if seen[1] != bases[k]:
                moved.append(k)
        return moved

    def stamp_for(self, st: Stat, digest: bytes) -> Stamp:
        """The stamp to save for a file; a racily recent mtime is saved as untrusted."""
        if st[0] > self.now_ns - RACY_WINDOW_NS:
            return (st[0], _UNTRUSTED_SIZE, digest)
        return (st[0], st[1], digest)

    def seen_stats(self, paths: Iterable[str]) -> list[Stat] | None:
        """The stats this pass saw for `paths`, without new calls, ABSENT_STAT for one it saw missing;
        None if one was not seen or is a folder (no plain stat of it can vouch for the files in it)."""
        out: list[Stat] = []
        stats = self._stats
        for p in paths:
            if p not in stats or p in self._folders:
                return None
            st = stats[p]
            out.append(ABSENT_STAT if st is None else st)
        return out

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what we know of `paths` in this pass (a command just rewrote them)."""
        for p in paths:
            self._stats.pop(p, None)
            self._ids.pop(p, None)
            self._digests.pop(p, None)
            self.source_folders.discard(p)  # (until it is looked at again)

    def looked(self) -> dict[str, Stamp | None]:
        """What this pass saw of each file whose content it read (or trusted), None for the missing;
        not the files that changed while a job read them (`doubtful`): what was read is unknown."""
        out: dict[str, Stamp | None] = {}
        for p, st in self._stats.items():
            if p in self.doubtful:
                continue
            if st is None:
                out[p] = None
            else:
                digest = self._digests.get(p)
                if digest is not None:
                    out[p] = self.stamp_for(st, digest)
        return out

    def take_refreshed(self) -> dict[str, Stamp]:
        """Hand over the fresh stamps gathered so far and start a new batch."""
        out, self.refreshed = self.refreshed, {}
        return out

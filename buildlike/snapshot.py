"""The clean snapshot: a no-op build that stops after stat calls, before loading jobs or state.

When a build finds every job of its targets up to date, it saves the (mtime_ns, size) of every file
it checked, with what its job graph was made from and the stamp of the state database. A later build
of the same targets whose stats all still match has nothing to do: no job's inputs, outputs or
command can have changed, since any change to a file, to the Maestrofile, to a globbed folder or to
the state moves one of those stats. Anything else falls through to the full check. Imports almost
nothing, on purpose: this is the whole of an idle `buildlike`.
"""

from __future__ import annotations

import marshal
import os
import stat
import zlib

SNAPSHOT_NAME = "clean.snapshot"
NOTHING_TO_DO = "buildlike: nothing to do, everything is up to date"
_FORMAT = 4  # (2: the Maestrofile's ctime and inode too; 3: the globbed folders' too; 4: a checksum)
# The snapshot starts with the CRC-32 of the rest: marshal trusts the lengths it reads, so one flipped
# bit could have it allocate gigabytes (~1 ms at 10,000 files; a CRC catches any burst up to 32 bits).
_CRC = 4
_DB_FILES = ("state.db", "state.db-wal")

# What globbing saw of a name it listed: (mtime_ns, ctime_ns, inode) of a folder, else ABSENT or
# NOT_A_FOLDER (a link leading to a file, say). The ctime and inode catch a folder whose files changed
# but whose mtime was put back (`tar x` of a reproducible tarball) or that was switched for another
# of the same mtime (`mv new src`, `ln -sfn v2 src`): no one can set a ctime, and another folder has
# another inode.
FolderStamp = tuple[int, int, int]
ABSENT: FolderStamp = (0, 0, 0)
NOT_A_FOLDER: FolderStamp = (-1, -1, -1)

# What a job graph was made from: (Maestrofile path, its mtime_ns, its size, ((folder, stamp), ...),
# its ctime_ns, its inode). The last two catch a Maestrofile switched for another of the same mtime and
# size (`cp -p`, `tar x`, `rsync -t`), as for folders.
SourceStamp = tuple[str, int, int, tuple[tuple[str, FolderStamp], ...], int, int]


def folder_stamp(st: os.stat_result) -> FolderStamp:
    """What a folder listed for a glob is compared by, from its stat (which follows links)."""
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if stat.S_ISDIR(st.st_mode) else NOT_A_FOLDER


def folder_stamp_at(path: str) -> FolderStamp:
    """The stamp of the folder at `path` now: ABSENT if nothing is there (or nothing we may look at,
    as globbing takes it)."""
    try:
        return folder_stamp(os.stat(path))
    except OSError:
        return ABSENT


def _db_stamp(folder: str) -> tuple[tuple[int, int, int] | None, ...]:
    out: list[tuple[int, int, int] | None] = []
    for name in _DB_FILES:
        try:
            st = os.stat(os.path.join(folder, name))
            out.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def source_stamp(path: str, st: os.stat_result, listed: tuple[tuple[str, FolderStamp], ...]) -> SourceStamp:
    """What a graph read from the Maestrofile at `path` (of stat `st`) and the folders `listed` rests on."""
    return (path, st.st_mtime_ns, st.st_size, listed, st.st_ctime_ns, st.st_ino)


def sources_unchanged(source: SourceStamp) -> bool:
    """Whether the Maestrofile and the folders a graph was made from are as they were; OSError if it is gone."""
    path, listed = source[0], source[3]
    if source_stamp(path, os.stat(path), listed) != source:
        return False
    return folders_unchanged(os.path.dirname(path), listed)


def folders_unchanged(root: str, listed: tuple[tuple[str, FolderStamp], ...]) -> bool:
    """Whether every name globbing listed still has its stamp (a folder's, or ABSENT or NOT_A_FOLDER)."""
    return all(folder_stamp_at(os.path.join(root, name) if name else root) == was for name, was in listed)


def listed_recently(listed: tuple[tuple[str, FolderStamp], ...], racy_after_ns: int) -> bool:
    """Whether a folder's mtime is too recent to trust: a file added within the same clock tick would
    leave it as it is. The ctime is not asked: a recent one with an old mtime is what `tar x` leaves,
    and only another extraction that puts the mtime back again, within the same tick of the ctime
    (a few ms) after the listing, would go unseen; asking would keep the cache from every folder
    whose mtime was set back in the last two seconds."""
    return any(was[0] > racy_after_ns for _, was in listed)


def save_snapshot(
    folder: str,
    *,
    version: str,
    source: SourceStamp,
    targets: tuple[str, ...],
    paths: list[str],
    stats: list[tuple[int, int]],
    racy_after_ns: int,
) -> None:
    """Save the snapshot, unless a stat in it is too recent to trust (see fingerprint.RACY_WINDOW_NS)."""
    if source[1] > racy_after_ns or listed_recently(source[3], racy_after_ns):
        return
    if any(m > racy_after_ns for m, _ in stats):
        return
    body = marshal.dumps((_FORMAT, version, source, targets, _db_stamp(folder), tuple(paths), tuple(stats)))
    data = zlib.crc32(body).to_bytes(_CRC, "big") + body
    tmp = os.path.join(folder, f"{SNAPSHOT_NAME}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(folder, SNAPSHOT_NAME))
    except OSError:
        try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
            os.unlink(tmp)
        except OSError:
            pass  # a snapshot we cannot write only means a slower next run


def discard_snapshot(folder: str) -> None:
    try:  # noqa: SIM105 - as above
        os.unlink(os.path.join(folder, SNAPSHOT_NAME))
    except FileNotFoundError:
        pass


def is_clean(folder: str, *, version: str, maestrofile: str, targets: tuple[str, ...]) -> bool:
    """Whether the snapshot in `folder` proves a build of `targets` has nothing to do."""
    try:
        with open(os.path.join(folder, SNAPSHOT_NAME), "rb") as f:
            data = f.read()
        body = memoryview(data)[_CRC:]
        if zlib.crc32(body) != int.from_bytes(data[:_CRC], "big"):
            return False
        fmt, ver, source, saved_targets, db, paths, stats = marshal.loads(body)
        if fmt != _FORMAT or ver != version or saved_targets != targets or source[0] != maestrofile:
            return False
        if not sources_unchanged(source) or _db_stamp(folder) != db:
            return False
        root_fd = os.open(os.path.dirname(maestrofile), os.O_RDONLY)
        try:
            stat = os.stat
            for path, want in zip(paths, stats, strict=True):
                try:
                    st = stat(path, dir_fd=root_fd)
                except FileNotFoundError:  # (as it was, if the snapshot saw it missing: a size of -1)
                    if want[1] != -1:
                        return False
                    continue
                if st.st_mtime_ns != want[0] or st.st_size != want[1]:
                    return False
        finally:
            os.close(root_fd)
        return True
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        return False

"""The build state: SQLite in `.buildlike/state.db` (WAL), one transaction per step of the build loop.

A job's record is written only after it succeeded, with the number of the build that wrote it; a
failed or interrupted run marks its old record untrusted (a run a build killed outright left is
noted in the lock file, and marked by the next build: lock.py), so a build killed at any moment
leaves a store the next run trusts correctly. Outputs a
job's new record no longer lists stay noted for `clean`. A damaged or foreign store is never fatal:
we warn, start a fresh one and rebuild. Only this module knows SQLite.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from buildlike.errors import StateError
from buildlike.fingerprint import Stamp
from buildlike.records import JobRecord, decode_record, encode_record, stored_name, unescape_keys, unescaped

if TYPE_CHECKING:
    from buildlike.jobs import Job

# The schema number and marshal's format number together; any change starts a fresh store.
# (200: records carry a checksum.)
SCHEMA_VERSION = 200 + marshal.version
DB_NAME = "state.db"
# We hold the project lock, so only another program (an SQLite browser, ...) can hold the database's:
# a write waits this long for it, and opening gives up sooner, to build without saving state.
_WRITE_TIMEOUT_S = 10
_PROBE_TIMEOUT_MS = 2000
# Files a job made on a successful run that its newer record no longer lists (its outputs changed),
# kept for `clean`. Added without a new schema number: stores from before get it on opening.
_DROPPED_TABLE = """
CREATE TABLE IF NOT EXISTS dropped (path TEXT PRIMARY KEY, job TEXT NOT NULL, digest BLOB NOT NULL) WITHOUT ROWID;
"""
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, digest BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, ok INTEGER NOT NULL, record BLOB NOT NULL
) WITHOUT ROWID;
{_DROPPED_TABLE}"""


def prepare_state_dir(root: str, files: Path | None = None) -> Path:
    """Create `.buildlike/` (with a .gitignore so it is never committed) and return it.

    `files`: the folder of one Maestrofile's state (`Loaded.state_dir`), created too when it is
    inside `.buildlike/` rather than `.buildlike/` itself.
    """
    from buildlike.paths import STATE_DIR

    folder = Path(root) / STATE_DIR
    gitignore = folder / ".gitignore"
    try:
        if not os.path.isfile(gitignore):  # one stat when all is in place
            folder.mkdir(exist_ok=True)
            # Written aside, then renamed: a build killed here leaves no empty .gitignore, and the
            # next build makes a missing one, so git never takes the state for a file to commit.
            tmp = folder / f".gitignore.{os.getpid()}.{threading.get_ident()}"  # (builds in two threads too)
            try:
                tmp.write_text("# created by buildlike\n*\n")
                os.replace(tmp, gitignore)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)  # (a full disk: not left behind)
    except OSError as e:
        a_file = os.path.exists(folder) and not os.path.isdir(folder)
        raise StateError(
            f"cannot create buildlike's state folder {folder}: {e.strerror}"
            + (" (a file has its name: move it away)" if a_file else "")
        ) from None
    if files is not None and files != folder:
        try:
            files.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StateError(f"cannot create buildlike's state folder {files}: {e.strerror}") from None
    return folder


class StateStore:
    """Saved stamps and job records of one project; see the module docstring for the guarantees."""

    def __init__(self, db: sqlite3.Connection, *, writable: bool, where: str) -> None:
        self._db = db
        self.writable = writable
        self.where = where
        self.build = 1  # saved with each record (as its `ok`): the number of the build that wrote it
        self.stamps: dict[str, Stamp] = {}
        self._records: dict[str, tuple[int, bytes]] = {}
        self._decoded: dict[str, JobRecord | None] = {}  # each record is unmarshalled once
        self._moved: dict[str, str] = {}  # a job no longer declared -> the job that took its record

    # -- opening --------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, *, writable: bool, warn: Callable[[str], None]) -> StateStore:
        """Open (or create, when writable) the store in `folder`; never fails on a bad database."""
        path = folder / DB_NAME
        if not writable:
            try:
                os.stat(path)
            except FileNotFoundError:
                return cls.in_memory()
            except OSError as e:  # (a folder we may not read: made by another user)
                raise StateError(f"cannot read buildlike's state {path}: {e.strerror}") from None
            # With no write-ahead log to read, open it immutable: then not even SQLite's side files
            # (-wal, -shm) are created, and `status` writes nothing at all. (A -shm made by a read
            # of a read-only database would be read-only too, and stay so once the database is not.)
            # A database we may not write is read immutable even so (the WAL's last records unread:
            # those jobs look stale, which is safe).
            mode = "ro" if _size(f"{path}-wal") and os.access(path, os.W_OK) else "ro&immutable=1"
            try:
                uri = f"file:{path}?mode={mode}"
                db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                store = cls(db, writable=False, where=str(path))
                if not store._check_version():
                    db.close()
                    return cls.in_memory()
                store._load()
                return store
            except _ForeignVersion as e:
                warn(f"the build state in {path} is from another buildlike version ({e}); treating every job as stale")
                return cls.in_memory()
            except sqlite3.DatabaseError as e:
                warn(f"cannot read the build state ({path}: {e}); treating every job as stale")
                return cls.in_memory()
        if os.path.exists(path) and not os.access(path, os.W_OK):
            # Not even tried: SQLite would open it read-only, making side files (-wal, -shm) as
            # read-only as it is, which would keep it unwritable once it is not.
            warn(f"cannot use the build state ({path}: not writable); building without saving state")
            return cls._copy_of(folder, warn)
        for attempt in (1, 2):
            try:
                db = sqlite3.connect(path, isolation_level=None, timeout=_WRITE_TIMEOUT_S, check_same_thread=False)
                store = cls(db, writable=True, where=str(path))
                store._setup()
                store._load()
                store._check_writable()
                return store
            except _ForeignVersion as e:
                warn(
                    f"the build state in {path} is from another buildlike version ({e}); "
                    "starting a fresh one, so every job runs once"
                )
            except sqlite3.DatabaseError as e:
                if attempt == 2 or not _is_damage(e):
                    advice = _side_files_advice(path)
                    warn(f"cannot use the build state ({path}: {e}){advice}; building without saving state")
                    return cls._copy_of(folder, warn)
                warn(f"the build state in {path} is damaged ({e}); starting a fresh one, so every job runs once")
            _remove_database(path)
        return cls.in_memory()

    @property
    def on_disk(self) -> bool:
        """Whether writes reach the database file (not the stand-in used when it cannot be written)."""
        return self.writable and self.where != ":memory:"

    @classmethod
    def _copy_of(cls, folder: Path, warn: Callable[[str], None]) -> StateStore:
        """A store in memory holding what the one in `folder` holds, as far as it can be read (one
        we may not write, locked by another program, on a full disk): what it says is up to date
        stays so, though nothing this build does is saved."""
        copy = cls.in_memory()
        try:
            readable = cls.open(folder, writable=False, warn=warn)
        except StateError:
            return copy
        try:
            if readable.where != ":memory:":
                readable._db.backup(copy._db)
                copy._load()
        except sqlite3.DatabaseError:
            copy.close()
            copy = cls.in_memory()
        finally:
            readable.close()
        return copy

    @classmethod
    def in_memory(cls) -> StateStore:
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        store = cls(db, writable=True, where=":memory:")
        store._setup()
        return store

    def _check_version(self) -> bool:
        """Whether the store has our schema: False if it was created but never set up (a build killed
        at once); `_ForeignVersion` if it has another."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version == 0 and not self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return False
        if version != SCHEMA_VERSION:
            raise _ForeignVersion(f"schema {version}, this one uses {SCHEMA_VERSION}")
        return True

    def _check_writable(self) -> None:
        """Fail now rather than at the first job when the store is read-only or locked by another program."""
        db = self._db
        db.execute(f"PRAGMA busy_timeout={_PROBE_TIMEOUT_MS}")
        db.execute("BEGIN IMMEDIATE")
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")  # a write SQLite refuses on a read-only file
        db.execute("ROLLBACK")
        db.execute(f"PRAGMA busy_timeout={_WRITE_TIMEOUT_S * 1000}")

    def _setup(self) -> None:
        db = self._db
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version == 0:
            (tables,) = db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if tables:
                raise _ForeignVersion("no schema number")
            if self.where != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            # One transaction: a build killed here must not leave tables without their schema number,
            # which the next build would take for another version's store.
            db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        elif version != SCHEMA_VERSION:
            raise _ForeignVersion(f"schema {version}, this one uses {SCHEMA_VERSION}")
        else:
            # A store from before the table gets it here; once it exists this writes and locks nothing.
            db.execute(_DROPPED_TABLE)
        # WAL + NORMAL: a commit survives a crash of this process (SIGKILL); only a power cut
        # can lose the last few, which then rerun.
        db.execute("PRAGMA synchronous=NORMAL")

    def _load(self) -> None:
        self.stamps = {
            p: (m, s, d)
            for p, m, s, d in self._db.execute("SELECT path, mtime_ns, size, digest FROM files ORDER BY path")
        }
        self._records = {i: (ok, rec) for i, ok, rec in self._db.execute("SELECT id, ok, record FROM jobs ORDER BY id")}
        unescape_keys(self.stamps)
        unescape_keys(self._records)

    def close(self) -> None:
        self._db.close()

    # -- reading --------------------------------------------------------------------------------

    def record(self, job_id: str) -> JobRecord | None:
        """The record of the job's last successful run, or None if it has none it can trust."""
        row = self._records.get(job_id)
        if row is None or not row[0]:
            return None
        try:
            return self._decoded[job_id]
        except KeyError:
            record = self._decoded[job_id] = decode_record(row[1])
            return record

    def adopt_renamed(self, jobs: Sequence[Job]) -> None:
        """Let each of `jobs` with no record take the record of the one job no longer
        declared that made exactly the same outputs, trusted: a rule renamed, or each match of a
        foreach rule renamed, is then judged by its last run (its command, inputs and outputs, as
        always) instead of running again. Outputs name a job's record as they do in ninja's log.

        In a writable store the rows are renamed at once, in one transaction (with the notes of the
        outputs the job no longer makes): a build killed while the job runs then leaves its record
        untrusted under its new name (the lock names it), never trusted under the old one.
        """
        unrecorded = [job for job in jobs if job.id not in self._records and job.outputs]
        if not unrecorded:
            return  # (every build but the first after a rename or a new rule)
        declared = {job.id for job in jobs}
        by_outputs: dict[tuple[str, ...], str | None] = {}  # None: more than one record made them
        for old in self._records:
            record = self.record(old) if old not in declared else None
            if record is not None and record.outputs:
                by_outputs[record.outputs] = None if record.outputs in by_outputs else old
        moved = {}
        for job in unrecorded:
            maker = by_outputs.pop(job.outputs, None)
            if maker is not None:
                moved[maker] = job.id
        if not moved:
            return
        self._write(
            ("UPDATE jobs SET id=? WHERE id=?", [(stored_name(new), stored_name(old)) for old, new in moved.items()]),
            (
                "UPDATE dropped SET job=? WHERE job=?",
                [(stored_name(new), stored_name(old)) for old, new in moved.items()],
            ),
        )
        for old, new in moved.items():
            self._records[new] = self._records.pop(old)
            self._decoded[new] = self._decoded.pop(old)
        self._moved.update(moved)

    def written_by(self, job_id: str) -> int:
        """The number of the build that wrote the job's trusted record (1 for builds before numbers);
        0 if it has none."""
        row = self._records.get(job_id)
        return row[0] if row is not None and isinstance(row[0], int) else 0

    def had_record(self, job_id: str) -> bool:
        """Whether the job ever had a record (an interrupted or failed rerun keeps an untrusted one)."""
        return job_id in self._records

    def made_files(self) -> dict[str, str]:
        """Every output path a successful run recorded, with the job that made it: those its record
        lists, and those a later run of the job no longer made (noted as dropped)."""
        return {p: job_id for p, job_id, _ in self._made()}  # a record listing a noted path again wins

    def made_digests(self) -> dict[str, bytes]:
        """The digest each path of `made_files` had when buildlike last made it."""
        return {p: digest for p, _, digest in self._made() if digest is not None}

    def _made(self) -> Iterator[tuple[str, str, bytes | None]]:
        """(path, job, digest) of every output made: the dropped ones' notes first, then the records'."""
        for p, job_id, digest in self._db.execute("SELECT path, job, digest FROM dropped"):
            if isinstance(p, str) and isinstance(job_id, str):  # a tampered store may hold anything
                job = unescaped(job_id)  # (moved in memory only, in a store we may not write)
                yield unescaped(p), self._moved.get(job, job), digest if isinstance(digest, bytes) else None
        for job_id, (_ok, blob) in self._records.items():
            rec = decode_record(blob)
            if rec is not None:
                for p, digest in rec.made().items():
                    yield p, job_id, digest

    def depfile_inputs(self) -> set[str]:
        """Every input that a record lists from a depfile (headers and such: sources, for `clean`)."""
        out: set[str] = set()
        for _ok, blob in self._records.values():
            rec = decode_record(blob)
            if rec is not None:
                out.update(p for p in rec.discovered if isinstance(p, str))
        return out

    # -- writing: each call is one transaction ------------------------------------------------------

    def commit(
        self,
        *,
        finished: Sequence[tuple[str, JobRecord]] = (),
        stamps: Mapping[str, Stamp] | None = None,
        distrusted: Sequence[str] = (),
    ) -> None:
        """One transaction: the records of jobs that succeeded, fresh file stamps, and the jobs whose
        last run failed or was interrupted (their old records distrusted until they succeed again).

        A record replaces the job's old one: the old outputs the new one no longer lists are noted
        as dropped, so that `clean` still deletes them.
        """
        blobs = [encode_record(record) for _, record in finished]
        marked = [i for i in distrusted if i in self._records]
        # A job whose first run failed gets a row with no record, so that `status` says so rather
        # than "never built".
        first = list(dict.fromkeys(i for i in distrusted if i not in self._records))
        dropped: list[tuple[str, str, bytes]] = []
        made_again: list[tuple[str]] = []
        for job_id, record in finished:
            old = self._last_record(job_id)
            # A tuple compare first: no cost when unchanged.
            if old is not None and (old.outputs != record.outputs or old.depfile != record.depfile):
                before = {p: d for p, d in old.made().items() if d is not None}
                now = record.made()
                dropped.extend((stored_name(p), stored_name(job_id), d) for p, d in before.items() if p not in now)
                made_again.extend((stored_name(p),) for p in now.keys() - before.keys())
        self._write(
            (
                f"INSERT OR REPLACE INTO jobs VALUES (?, {int(self.build)}, ?)",
                # (bytearrays: for a bytes value, sqlite3 looks for an adapter first, making and
                # dropping two AttributeErrors per value)
                [(stored_name(job_id), bytearray(blob)) for (job_id, _), blob in zip(finished, blobs, strict=True)],
            ),
            ("DELETE FROM dropped WHERE path=?", made_again),  # listed by a record again: noted no more
            ("INSERT OR REPLACE INTO dropped VALUES (?, ?, ?)", dropped),
            (
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                [(stored_name(p), m, s, bytearray(d)) for p, (m, s, d) in (stamps or {}).items()],
            ),
            ("UPDATE jobs SET ok=0 WHERE id=?", [(stored_name(i),) for i in marked]),
            ("INSERT OR IGNORE INTO jobs VALUES (?, 0, ?)", [(stored_name(i), bytearray()) for i in first]),
        )
        for (job_id, record), blob in zip(finished, blobs, strict=True):
            self._records[job_id] = (self.build, blob)
            self._decoded[job_id] = record
        for i in marked:
            self._records[i] = (0, self._records[i][1])
        for i in first:
            self._records[i] = (0, b"")
        if stamps:
            self.stamps.update(stamps)

    def forget(self, job_ids: Iterable[str], paths: Iterable[str]) -> None:
        """Drop records, stamps and dropped-output notes (after `clean` deleted their files)."""
        ids, ps = list(job_ids), list(paths)
        self._write(
            ("DELETE FROM jobs WHERE id=?", [(stored_name(i),) for i in ids]),
            ("DELETE FROM files WHERE path=?", [(stored_name(p),) for p in ps]),
            ("DELETE FROM dropped WHERE path=?", [(stored_name(p),) for p in ps]),
        )
        for i in ids:
            self._records.pop(i, None)
            self._decoded.pop(i, None)
        for p in ps:
            self.stamps.pop(p, None)

    def _last_record(self, job_id: str) -> JobRecord | None:
        """The job's record as stored, trusted or not (a failed or interrupted rerun leaves it untrusted)."""
        if job_id in self._decoded:
            return self._decoded[job_id]
        row = self._records.get(job_id)
        return decode_record(row[1]) if row is not None else None

    def _write(self, *statements: tuple[str, Sequence[Sequence[object]]]) -> None:
        """Run each statement once per row of its own, all in one transaction."""
        if not self.writable:
            return
        todo = [(sql, rows) for sql, rows in statements if rows]
        if not todo:
            return
        db = self._db
        try:
            if len(todo) == 1 and len(todo[0][1]) == 1:
                # One row of one statement (a job that finished alone): a transaction of its own already,
                # without the two round trips of BEGIN and COMMIT.
                db.execute(todo[0][0], todo[0][1][0])
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in todo:
                    db.executemany(sql, rows)
                db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (it does on a full disk): a failing ROLLBACK
                # must not hide the error that matters.
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as e:
            raise StateError(
                f"cannot save the build state in {self.where}: {e}. The state saved before is intact; "
                "free some space (or fix the folder's permissions) and build again"
            ) from None


class _ForeignVersion(Exception):
    pass


def _is_damage(e: sqlite3.DatabaseError) -> bool:
    text = str(e).lower()
    return not isinstance(e, sqlite3.OperationalError) or any(
        w in text for w in ("malformed", "not a database", "corrupt", "no such table", "file is not")
    )


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _size(path: str) -> int:
    """A file's size, 0 if it is not there."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _side_files_advice(path: Path) -> str:
    """Advice when SQLite's side files of a database we may write are read-only (made by a read of
    it while it was read-only): they keep it unwritable until deleted."""
    stuck = [f"{path.name}{end}" for end in ("-wal", "-shm") if os.path.exists(f"{path}{end}")]
    stuck = [name for name in stuck if not os.access(path.parent / name, os.W_OK)]
    if not stuck or not os.access(path, os.W_OK):
        return ""
    return f" ({' and '.join(stuck)} read-only: delete {'them' if len(stuck) > 1 else 'it'} when no build runs)"

"""Unit tests of `state.StateStore`: the outputs a job no longer makes stay known to `clean`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from buildlike.jobs import Job
from buildlike.records import JobRecord
from buildlike.state import SCHEMA_VERSION, StateStore


def record(*outputs: str) -> JobRecord:
    return JobRecord(b"fp", ("in.txt",), (b"i" * 16,), (), (), outputs, tuple(b"o" * 16 for _ in outputs))


def job(job_id: str, *outputs: str) -> Job:
    return Job(job_id, job_id, ("in.txt",), outputs, ("true",), job_id, (), False, None, b"")


def open_store(folder: Path) -> StateStore:
    return StateStore.open(folder, writable=True, warn=print)


def test_outputs_a_new_record_drops_stay_made_files_until_forgotten(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.commit(finished=[("x", record("a.txt", "b.txt")), ("y", record("y.txt"))])
    store.commit(distrusted=["x"])  # a rerun failed: the old record is untrusted, its outputs still count
    store.close()
    store = open_store(tmp_path)
    store.commit(finished=[("x", record("a.txt", "c.txt"))])
    store.close()
    store = open_store(tmp_path)  # noted in the record's own transaction, so saved with it
    assert store.made_files() == {"a.txt": "x", "b.txt": "x", "c.txt": "x", "y.txt": "y"}
    store.commit(finished=[("x", record("b.txt"))])  # made again: listed by the record, noted no more
    assert store.made_files() == {"a.txt": "x", "b.txt": "x", "c.txt": "x", "y.txt": "y"}
    store.forget({"x"}, [])
    assert store.made_files() == {"a.txt": "x", "c.txt": "x", "y.txt": "y"}  # only the notes are left of x
    store.forget((), ["a.txt", "c.txt"])
    assert store.made_files() == {"y.txt": "y"}
    store.close()


def test_a_record_with_the_same_outputs_costs_no_extra_statement(tmp_path: Path) -> None:
    """The build's hot path: a job that reruns and makes the same files writes its record and nothing else."""
    store = open_store(tmp_path)
    store.commit(finished=[("x", record("a.txt"))])
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.commit(finished=[("x", record("a.txt"))])
    # One statement is a transaction of its own: no BEGIN and COMMIT around it.
    assert [s.split(" VALUES")[0] for s in statements] == ["INSERT OR REPLACE INTO jobs"]
    store.close()


def test_a_store_from_before_the_dropped_table_keeps_its_records_and_gains_the_table(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.commit(finished=[("x", record("a.txt"))])
    store.close()
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("DROP TABLE dropped")
    db.commit()
    db.close()
    read_only = StateStore.open(tmp_path, writable=False, warn=print)  # status: reads, creates nothing
    assert read_only.record("x") == record("a.txt")
    read_only.close()
    db = sqlite3.connect(tmp_path / "state.db")
    assert db.execute("SELECT name FROM sqlite_master WHERE name='dropped'").fetchall() == []
    db.close()
    warnings: list[str] = []
    store = StateStore.open(tmp_path, writable=True, warn=warnings.append)
    assert warnings == []
    assert store.record("x") == record("a.txt")
    store.commit(finished=[("x", record("b.txt"))])
    assert store.made_files() == {"a.txt": "x", "b.txt": "x"}
    store.close()
    db = sqlite3.connect(tmp_path / "state.db")
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


def test_a_record_says_which_build_saved_it_and_a_distrusted_one_none(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.build = 123456789012
    store.commit(finished=[("x", record("x.txt")), ("y", record("y.txt"))])
    store.commit(distrusted=["y"])
    store.close()
    store = open_store(tmp_path)
    assert (store.written_by("x"), store.written_by("y"), store.written_by("z")) == (123456789012, 0, 0)
    assert store.record("x") == record("x.txt") and store.record("y") is None
    store.close()


def test_a_depfile_is_made_by_its_job_and_one_it_no_longer_writes_stays_known(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.commit(finished=[("x", record("x.o")._replace(depfile="build/x.d", depfile_digest=b"d" * 16))])
    store.commit(finished=[("x", record("x.o")._replace(depfile="deps/x.d", depfile_digest=b"e" * 16))])
    store.close()
    store = open_store(tmp_path)
    assert store.made_files() == {"x.o": "x", "build/x.d": "x", "deps/x.d": "x"}
    assert store.made_digests()["build/x.d"] == b"d" * 16
    store.close()


def test_a_record_reads_back_and_a_damaged_one_reads_as_none() -> None:
    """Found by a black-box tester: one flipped bit in a stored record made marshal allocate a tuple of
    two billion items (`out of memory` on every command, for good). A record carries a checksum."""
    from buildlike.records import decode_record, encode_record

    blob = encode_record(record("x.o"))
    assert decode_record(blob) == record("x.o")
    for k in range(len(blob)):
        for bit in range(8):
            damaged = bytearray(blob)
            damaged[k] ^= 1 << bit
            assert decode_record(bytes(damaged)) is None
    assert decode_record(blob[:-1]) is None and decode_record(b"") is None


def test_names_that_are_not_utf8_are_stored_and_read_back_as_they_were(tmp_path: Path) -> None:
    """Python holds a non-UTF-8 file name's bytes as surrogates; SQLite's text must be UTF-8."""
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    job = f"up:{name}"
    store = open_store(tmp_path)
    store.commit(finished=[(job, record(name)), ("plain", record("é.txt"))], stamps={name: (1, 2, b"d" * 16)})
    store.commit(finished=[(job, record("other.txt"))])  # `name` is dropped: noted for clean
    store.commit(distrusted=[job])
    store.close()
    store = open_store(tmp_path)
    assert store.stamps == {name: (1, 2, b"d" * 16)}
    assert store.had_record(job) and store.record(job) is None and store.record("plain") is not None
    assert store.made_files() == {name: job, "other.txt": job, "é.txt": "plain"}
    store.forget([job], [name])
    store.close()
    store = open_store(tmp_path)
    assert store.stamps == {} and not store.had_record(job) and store.made_files() == {"é.txt": "plain"}
    store.close()


def test_escaped_names_come_back_as_they_were_whatever_the_file_system_encoding():
    """Found by a black-box tester: under an ASCII file-system encoding (LC_ALL=C PYTHONUTF8=0) `é`
    is read from the disk as two surrogates, whose bytes are valid UTF-8: stored as those bytes, the
    name came back as `é`, another string, and the job was 'never built' on every run."""
    from buildlike.records import stored_name, unescaped

    for name in ("src/\udcc3\udca9.txt", "bad-\udcff.txt", "plain.txt", "é.txt"):
        assert unescaped(stored_name(name)) == name
    assert unescaped("\0" + b"bad-\xff.txt".hex()) == "bad-\udcff.txt"  # (as older versions wrote it)


def test_a_job_with_no_record_takes_the_record_of_the_one_undeclared_job_with_its_outputs(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.commit(finished=[("old", record("a.txt")), ("twin1", record("t.txt")), ("twin2", record("t.txt"))])
    store.commit(finished=[("kept", record("k.txt"))])
    store.adopt_renamed([job("new", "a.txt"), job("t", "t.txt"), job("kept", "a.txt"), job("other", "k.txt")])
    assert store.record("new") == record("a.txt")
    assert store.record("t") is None  # two records made t.txt: no guess
    assert store.record("other") is None  # kept is declared: its record is its own
    assert store.made_files() == {"a.txt": "new", "t.txt": "twin2", "k.txt": "kept"}
    store.commit(finished=[("new", record("a.txt"))])  # run under its new name: the old record goes
    store.close()
    store = open_store(tmp_path)
    assert store.record("old") is None and not store.had_record("old")
    assert store.record("new") == record("a.txt")
    store.close()


def test_a_taken_record_distrusted_or_forgotten_goes_under_both_names(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.commit(finished=[("old", record("a.txt")), ("old2", record("b.txt"))])
    store.adopt_renamed([job("new", "a.txt"), job("new2", "b.txt")])
    store.commit(distrusted=["new"])  # its first run under the new name failed
    store.forget({"new2"}, ["b.txt"])  # clean
    store.close()
    store = open_store(tmp_path)
    store.adopt_renamed([job("new", "a.txt"), job("new2", "b.txt")])
    assert store.record("new") is None and store.had_record("new")  # last run failed
    assert not store.had_record("old") and not store.had_record("old2") and not store.had_record("new2")
    assert store.made_files() == {"a.txt": "new"}  # its outputs still count for clean
    store.close()

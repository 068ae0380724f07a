"""A damaged, foreign, locked or read-only state database: a warning and a correct build, never a
traceback. A full disk while saving state: a clear error, and the state saved before stays usable.

README: "A damaged database, or one from another buildlike version, gives a warning and a full rebuild,
never a traceback."
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_tools import BUILDLIKE, Log, kill_groups, leftover_processes

CHAIN = """
[rules.a]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "echo a >> ran.log; tr a-z A-Z < {input} > {output}"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "echo b >> ran.log; cat {input} {input} > {output}"
"""


def _db(p) -> Path:
    return p.root / ".buildlike" / "state.db"


def _truncate(p) -> None:
    db = _db(p)
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])


def _garbage(p) -> None:
    _db(p).write_bytes(os.urandom(20_000))


def _header_then_garbage(p) -> None:
    _db(p).write_bytes(b"SQLite format 3\0" + os.urandom(8_000))


def _other_version(p) -> None:
    with sqlite3.connect(_db(p)) as db:
        db.execute("PRAGMA user_version=7")


def _foreign_schema(p) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_db(p)}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(_db(p)) as db:
        db.execute("CREATE TABLE jobs (name TEXT, whatever BLOB)")
        db.execute("INSERT INTO jobs VALUES ('a', x'00')")


def _garbage_records(p) -> None:
    with sqlite3.connect(_db(p)) as db:
        db.execute("UPDATE jobs SET record = x'deadbeef'")
        db.execute("UPDATE files SET digest = 'not bytes', size = 'big'")


def _wal_garbage(p) -> None:
    Path(f"{_db(p)}-wal").write_bytes(os.urandom(9_000))


def _a_folder(p) -> None:
    _db(p).unlink()
    _db(p).mkdir()


DAMAGE = {
    "truncated": _truncate,
    "garbage": _garbage,
    "sqlite header then garbage": _header_then_garbage,
    "other version": _other_version,
    "foreign schema": _foreign_schema,
    "garbage records": _garbage_records,
    "garbage write-ahead log": _wal_garbage,
    "a folder": _a_folder,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_state_database_gives_a_warning_and_a_correct_rebuild(make_project, damage: str) -> None:
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    p.write("src.txt", "world\n")  # stale now, whatever the state says
    DAMAGE[damage](p)
    for read_only in ("status", "list", "graph", "-n"):
        r = p.run(read_only)
        assert r.code == 0 and "Traceback" not in r.err, (read_only, r.text)
    assert "a" in p.run("status").out
    r = p.run()
    assert r.code == 0, r.text
    assert "Traceback" not in r.err
    assert "warning:" in r.err or damage in ("garbage records", "garbage write-ahead log"), r.err
    assert p.read("b.txt") == "WORLD\nWORLD\n"
    assert p.log()[:2] == ["a", "b"] and p.log()[2:] == ["a", "b"]
    r = p.run()
    if damage == "a folder":  # nothing is deleted to make room: each build warns, and is correct
        assert r.code == 0 and "warning:" in r.err and p.read("b.txt") == "WORLD\nWORLD\n", r.text
        return
    assert r.code == 0 and "nothing to do" in r.out, r.text  # it settles: a fresh state was saved
    assert p.run("status").code == 0


def _can_make_read_only(path: Path) -> bool:
    if os.geteuid() != 0:
        return True
    return shutil.which("chattr") is not None


def _read_only(path: Path, on: bool) -> None:
    if os.geteuid() == 0:  # root ignores file modes: make it immutable instead
        subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if on else 0o644)


def test_a_read_only_state_database_gives_a_warning_and_a_correct_build(make_project) -> None:
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    db = _db(p)
    if not _can_make_read_only(db):
        pytest.skip("running as root without chattr: cannot make a file read-only")
    p.write("src.txt", "world\n")
    try:
        _read_only(db, True)
    except subprocess.CalledProcessError:
        pytest.skip("this file system has no immutable flag")
    try:
        r = p.run()
    finally:
        _read_only(db, False)
    assert r.code == 0, r.text
    assert "Traceback" not in r.err
    assert "warning:" in r.err and "state" in r.err, r.err
    assert p.read("b.txt") == "WORLD\nWORLD\n"
    r = p.run()  # writable again: the old records say the outputs changed, so it reruns, then settles
    assert r.code == 0 and p.read("b.txt") == "WORLD\nWORLD\n", r.text
    assert "nothing to do" in p.run().out


def test_a_state_database_locked_by_another_program_gives_a_warning_and_a_correct_build(make_project) -> None:
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    p.write("src.txt", "world\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(_db(p)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        r = p.run(timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert r.code == 0, r.text
    assert "Traceback" not in r.err
    assert "warning:" in r.err and "state" in r.err, r.err
    assert p.read("b.txt") == "WORLD\nWORLD\n"
    assert p.run().code == 0
    assert "nothing to do" in p.run().out


def test_a_state_folder_that_is_a_file_gives_a_clear_error(make_project) -> None:
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    p.write(".buildlike", "not a folder\n")
    r = p.run()
    assert r.code in (1, 2), r.text
    assert "Traceback" not in r.err
    assert ".buildlike" in r.err, r.err


MANY = "\n".join(
    f"""
[rules.r{i:02}]
inputs = ["src.txt"]
outputs = ["o/{i:02}.txt"]
run = "echo start r{i:02} $BL_RUN $$ >> log; sleep 0.3; cp src.txt o/{i:02}.txt"
"""
    for i in range(40)
)


def test_a_full_disk_while_saving_state_gives_a_clear_error_and_keeps_the_previous_state(make_project) -> None:
    """STYLE: each write to the state is one transaction that leaves the store valid."""
    p = make_project("[settings]\njobs = 4\n" + MANY, {"src.txt": "v1\n"})
    assert p.run(env={"BL_RUN": "first"}).code == 0
    p.write("src.txt", "v2\n")
    old = time.time_ns() - 10**10
    os.utime(p.root / "src.txt", ns=(old, old))

    def small_files() -> None:  # every file this build writes may hold at most 40 kB
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    proc = subprocess.run(
        [*BUILDLIKE],
        cwd=p.root,
        env={**os.environ, "BL_RUN": "full"},
        preexec_fn=small_files,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pgids = Log.pgids(p.root, "full")
    try:
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert "cannot save the build state" in proc.stderr
        assert any(w in proc.stderr for w in ("disk is full", "disk I/O error", "too large")), proc.stderr
        assert leftover_processes(pgids, settle=0.1) == {}  # the running commands were stopped
    finally:
        kill_groups(pgids)
    saved = sum(1 for line in proc.stdout.splitlines() if line.startswith("["))
    assert saved < 40
    r = p.run(env={"BL_RUN": "after"})
    assert r.code == 0, r.text
    assert "warning" not in r.err, r.err  # the state is intact, not "damaged"
    reran = Log.read(p.root).started("after")
    assert len(reran) == 40 - saved, (saved, reran)
    assert all((p.root / f"o/{i:02}.txt").read_text() == "v2\n" for i in range(40))

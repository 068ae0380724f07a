"""A `.buildlike/` that this user cannot write or read.

The everyday way to get one: `sudo buildlike` once (or a CI step run as root, a docker volume),
after which `.buildlike/` and its files belong to root, and the user's next `buildlike` cannot open
`.buildlike/lock` for writing. Root here: file modes are made to bind by dropping CAP_DAC_OVERRIDE
and CAP_DAC_READ_SEARCH with setpriv (root then obeys the owner bits like any user).

SPEC/README: a bad situation is "a clear message" naming the file; README: "a read-only one [state
database] ... gives a warning and a build that saves nothing", "never a traceback".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from limits_tools import cli, lines, no_dac_prefix, write_project

COPY = """
[rules.copy]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{name}"]
run = "cp {input} {output}; echo {name} >> ran.log"
"""


def _built(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "p", COPY, {"src/a.txt": "a\n", "src/b.txt": "b\n"})
    first = cli(root, "-q")
    assert first.code == 0, first.text
    (root / "ran.log").unlink()
    (root / "src/a.txt").write_text("A, edited\n")
    return root


def _chmod(paths: list[Path], mode: int) -> None:
    for p in paths:
        if p.exists():
            p.chmod(mode)


@pytest.mark.parametrize("command", [("-q",), ("clean",)])
def test_a_lock_file_that_cannot_be_written_is_a_clear_error(tmp_path, command):
    """The lock file is read-only to us (made by `sudo buildlike`): `os.open(lock, O_RDWR|O_CREAT)`
    in lock.py raises PermissionError, and build and clean end in a traceback, exit 1.
    (`status`, `-n` and `clean -n`, which do not take the lock, work.)"""
    prefix = no_dac_prefix()
    root = _built(tmp_path)
    lock = root / ".buildlike" / "lock"
    assert lock.exists()
    lock.chmod(0o444)
    try:
        r = cli(root, *command, prefix=prefix)
        st = cli(root, "status", prefix=prefix)
    finally:
        lock.chmod(0o644)
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code in (1, 2), r.text
    assert "lock" in r.err and "Permission denied" in r.err, r.err
    assert st.code == 0 and "Traceback" not in st.err, st.text


@pytest.mark.parametrize("command", [("-q",), ("status",), ("build", "-n"), ("clean",)])
def test_a_state_folder_that_cannot_be_read_is_a_clear_error(tmp_path, command):
    """`.buildlike` at mode 000 (another user's, or a restore that lost its modes): every command,
    even `status`, ends in `PermissionError: [Errno 13] ... .buildlike/state.db` (or .gitignore)."""
    prefix = no_dac_prefix()
    root = _built(tmp_path)
    folder = root / ".buildlike"
    folder.chmod(0o000)
    try:
        r = cli(root, *command, prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code in (1, 2), r.text
    assert ".buildlike" in r.err, r.err


def _read_only_state(root: Path) -> list[Path]:
    db = root / ".buildlike" / "state.db"
    return [db, *(root / ".buildlike").glob("state.db-*")]


def test_a_read_only_state_runs_only_the_stale_jobs(tmp_path):
    """With a read-only state database, `status` reads it and says one job is stale (a.txt was
    edited), but `build` opens no store at all (state.py falls back to an empty in-memory one) and
    reruns every job, b too. SPEC, up-to-date rules: a job runs when one of the rules holds, "and
    only then"; README promises "a build that saves nothing", not a build that forgets everything.
    (The same fallback is taken when another program holds the database locked, and on a full disk
    when SQLite's side file cannot grow: 'disk I/O error' -> every job reruns, exit 0.)"""
    prefix = no_dac_prefix()
    root = _built(tmp_path)
    files = _read_only_state(root)
    _chmod(files, 0o444)
    try:
        st = cli(root, "status", prefix=prefix)
        r = cli(root, "-q", prefix=prefix)
    finally:
        _chmod(files, 0o644)
    assert st.out.strip() == "copy:src/a.txt: input 'src/a.txt' changed", st.text
    assert r.code == 0, r.text
    assert "warning" in r.err and "state" in r.err, r.err
    assert (root / "out/a.txt").read_text() == "A, edited\n"
    assert lines(root / "ran.log") == ["a.txt"], "an up-to-date job reran"


def test_clean_with_a_read_only_state_deletes_what_clean_n_lists(tmp_path):
    """`clean -n` lists both outputs; `clean` then says "deleted 0 files that buildlike made" and
    exits 0, leaving both in place: it too opened an empty in-memory store. The outputs' folder is
    writable, so clean could delete them (the records left behind only make the next build rerun
    the jobs, as a missing output does); at the least it must not report success."""
    prefix = no_dac_prefix()
    root = _built(tmp_path)
    files = _read_only_state(root)
    _chmod(files, 0o444)
    try:
        dry = cli(root, "clean", "-n", prefix=prefix)
        r = cli(root, "clean", prefix=prefix)
    finally:
        _chmod(files, 0o644)
    assert "would delete out/a.txt" in dry.out and "would delete out/b.txt" in dry.out, dry.text
    assert "Traceback" not in r.err, r.err[-1500:]
    deleted = not (root / "out/a.txt").exists() and not (root / "out/b.txt").exists()
    assert deleted or r.code != 0, f"clean kept both outputs and exited {r.code}: {r.text}"
    assert os.path.isdir(root / "src")


FAILING_AFTER_COPY = """
[rules.a]
inputs = ["in.txt"]
outputs = ["out/a.txt"]
run = ["cp in.txt out/a.txt", "test ! -e fail"]
"""


def test_a_job_failing_in_a_build_that_cannot_save_is_not_trusted_next_time(tmp_path):
    """Found by a review: the build released the lock as one whose state noted its failures, but
    nothing was saved, so the next build (the database writable again) took the job's old record for
    its last run and said "everything is up to date" (SPEC rule 2: its last run failed)."""
    prefix = no_dac_prefix()
    root = write_project(tmp_path / "p", FAILING_AFTER_COPY, {"in.txt": "hi\n"})
    assert cli(root, "-q", prefix=prefix).code == 0
    db = root / ".buildlike" / "state.db"
    (root / "out" / "a.txt").unlink()
    (root / "fail").touch()
    db.chmod(0o444)
    try:
        first = cli(root, "-q", prefix=prefix)
    finally:
        db.chmod(0o644)
    assert first.code == 1 and "FAILED: a" in first.err, first.text
    (root / "fail").unlink()
    st = cli(root, "status", prefix=prefix)
    assert "a: its last run failed" in st.out, st.text
    assert cli(root, "-q", prefix=prefix).code == 0
    assert cli(root, "status", "--check", prefix=prefix).code == 0


def test_a_read_only_state_with_a_wal_leaves_no_read_only_side_files(tmp_path):
    """Found by a review: a read of a read-only database whose WAL held records (a killed build's)
    made SQLite create a read-only `-shm`, which kept the database unwritable once it was writable
    again: every build after ran every job, saving nothing."""
    prefix = no_dac_prefix()
    root = _built(tmp_path)
    db = root / ".buildlike" / "state.db"
    # A killed build's last transaction, still in the WAL (the connection never closed).
    code = (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
        " c.execute(\"INSERT OR REPLACE INTO files VALUES ('nowhere.txt', 1, 1, x'00')\"); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    assert (root / ".buildlike" / "state.db-wal").stat().st_size > 0
    (root / ".buildlike" / "state.db-shm").unlink(missing_ok=True)
    db.chmod(0o444)
    try:
        assert cli(root, "status", prefix=prefix).code == 0
    finally:
        db.chmod(0o644)
    r = cli(root, "-q", prefix=prefix)
    assert r.code == 0 and "warning" not in r.err, r.text
    assert lines(root / "ran.log") == ["a.txt"]
    assert cli(root, "status", "--check", prefix=prefix).code == 0

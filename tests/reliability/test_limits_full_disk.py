"""A full disk (simulated by RLIMIT_FSIZE; the same happens with ENOSPC on a real full file system)
when buildlike writes its lock file's notes.

README, Running: "A full disk while saving stops the build with a clear error and leaves the state
saved before intact." The state database was handled so; the lock file was not (found by a
black-box tester): `acquire` rewrote the lock file's notes (`lock.py`, `_rewrite` ->
`os.ftruncate`/`os.pwrite`) without catching OSError, so on a full disk every `build` and every
`clean` ended in a Python traceback
(`OSError: [Errno 27] File too large`, or `[Errno 28] No space left on device` on a full tmpfs --
reproduced by hand with a 512 kB tmpfs filled by `dd`). `clean`, the command a user runs to free
space, could not run at all on a full disk.
"""

from __future__ import annotations

from limits_tools import cli, lines, write_project

COPY = """
[rules.copy]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{name}"]
run = "cp {input} {output}; echo {name} >> ran.log"
"""


def _built(tmp_path):
    root = write_project(tmp_path / "p", COPY, {"src/a.txt": "a\n", "src/b.txt": "b\n"})
    first = cli(root, "-q")
    assert first.code == 0, first.text
    (root / "ran.log").unlink()
    (root / "src/a.txt").write_text("A, edited\n")
    return root


def test_a_build_on_a_full_disk_is_a_clear_error_not_a_traceback(tmp_path):
    root = _built(tmp_path)
    r = cli(root, "-q", fsize=1)  # nothing more can be written: the lock notes need ~100 bytes
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code == 1, r.text
    assert ".buildlike" in r.err, r.err  # names what could not be written
    # Once space is back the edit is still seen, and only its job runs.
    again = cli(root, "-q")
    assert again.code == 0, again.text
    assert lines(root / "ran.log") == ["a.txt"]
    assert (root / "out/a.txt").read_text() == "A, edited\n"


def test_clean_on_a_full_disk_is_not_a_traceback(tmp_path):
    root = _built(tmp_path)
    r = cli(root, "clean", fsize=1)
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code in (0, 1), r.text
    assert r.err.strip() or r.out.strip(), "clean said nothing"


def test_a_first_build_on_a_full_disk_does_not_blame_a_file_with_the_folders_name(tmp_path):
    """A fresh project: creating `.buildlike/.gitignore` fails with EFBIG (ENOSPC on a real full
    disk, same message there, checked on a full tmpfs). The message adds "(a file has its name: move
    it away)", advice for a different problem (`.buildlike` being a file); nothing has that name.
    The tmpfs run also left `.buildlike/.gitignore.<pid>.<n>` behind."""
    root = write_project(tmp_path / "p", COPY, {"src/a.txt": "a\n"})
    r = cli(root, "-q", fsize=0)
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code == 1, r.text
    assert not (root / ".buildlike").is_file()
    assert "a file has its name" not in r.err, r.err

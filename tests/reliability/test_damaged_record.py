"""Found by a black-box tester: a damaged job record in `.buildlike/state.db` (bit rot, a torn page:
SQLite keeps no checksum of a row's bytes, so a damaged blob reads back without any error from SQLite).

README ("Running"): "A damaged database, or one from another buildlike version, gives a warning and
a full rebuild, never a traceback". The record blob is unmarshalled without any check on what it
claims (state._decode): one flipped bit in a length makes `marshal.loads` allocate a tuple of ~1.9
billion slots (15 GB: `status` took 14.8 GB and 28 s here), so on a machine without that much
memory every command -- status, build, clean -- ends in "out of memory", for good, since no build
ever gets far enough to replace the record. A record whose fields have the wrong type (a number
where a list of paths was) ends every command in a TypeError traceback, and one whose output path
holds a NUL byte ends `clean` in a ValueError traceback.
"""

from __future__ import annotations

import marshal
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

BUILDLIKE = (sys.executable, "-m", "buildlike")
MAESTRO = """
[rules.a]
inputs = ["src.txt"]
outputs = ["out.txt"]
run = "cp src.txt out.txt; echo a >> ran.log"
"""
ONE_GB = 1 << 30  # buildlike needs some 20 MB for this project: a small machine, or a container


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ONE_GB, ONE_GB))


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BUILDLIKE, *args], cwd=root, capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory
    )


def built(root: Path) -> None:
    root.mkdir()
    (root / "Maestrofile.toml").write_text(MAESTRO)
    (root / "src.txt").write_text("hello\n")
    r = cli(root, "-q")
    assert r.returncode == 0, r.stdout + r.stderr
    (root / "ran.log").unlink()
    (root / ".buildlike" / "clean.snapshot").unlink(missing_ok=True)


def damage(root: Path, change) -> None:
    db = sqlite3.connect(root / ".buildlike" / "state.db")
    try:
        (blob,) = db.execute("SELECT record FROM jobs WHERE id='a'").fetchone()
        db.execute("UPDATE jobs SET record=? WHERE id='a'", (bytes(change(bytearray(blob))),))
        db.commit()
    finally:
        db.close()


def flip_one_bit(blob: bytearray) -> bytearray:
    # The record is a tuple whose first item is the 40-byte fingerprint: `)` 9, then `s`|FLAG_REF and
    # its length (0x28 ...). Bit 3 of that type byte turns `s` into `{`, and the length's 0x28 into the
    # type `(` of a tuple whose length is read from the next 4 bytes (0x71000000...).
    assert blob[0] == ord(")") and blob[2] == (ord("s") | 0x80) and blob[3] == 40, blob[:8]
    blob[2] ^= 1 << 3
    return blob


def test_one_flipped_bit_in_a_record_is_a_rebuild_not_out_of_memory_forever(tmp_path: Path) -> None:
    root = tmp_path / "p"
    built(root)
    damage(root, flip_one_bit)
    st = cli(root, "status")
    assert st.returncode == 0, st.stdout + st.stderr
    first = cli(root, "-q")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (root / "ran.log").read_text().split() == ["a"]
    assert (root / "out.txt").read_text() == "hello\n"


def test_a_record_with_a_field_of_the_wrong_type_is_a_rebuild_not_a_traceback(tmp_path: Path) -> None:
    root = tmp_path / "p"
    built(root)

    def outputs_a_number(blob: bytearray) -> bytes:
        fields = list(marshal.loads(bytes(blob)))
        fields[5] = 5  # the outputs: a tuple of paths
        return marshal.dumps(tuple(fields))

    damage(root, outputs_a_number)
    for command in ("status", "clean", "build"):
        r = cli(root, command)
        assert "Traceback" not in r.stderr, (command, r.stderr[-800:])
        assert r.returncode == 0, (command, r.stdout + r.stderr)


def test_a_record_with_a_nul_in_an_output_path_does_not_crash_clean(tmp_path: Path) -> None:
    root = tmp_path / "p"
    built(root)

    def nul_in_output(blob: bytearray) -> bytes:
        fields = list(marshal.loads(bytes(blob)))
        fields[5] = ("ou\0.txt",)  # one byte of "out.txt" zeroed
        return marshal.dumps(tuple(fields))

    damage(root, nul_in_output)
    r = cli(root, "clean")
    assert "Traceback" not in r.stderr, r.stderr[-800:]
    assert r.returncode == 0, r.stdout + r.stderr

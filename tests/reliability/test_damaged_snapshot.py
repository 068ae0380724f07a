"""A damaged `.buildlike/clean.snapshot`, the file an idle build reads first: marshal trusts the
lengths it reads, so a flipped bit in one (a tuple of two billion paths) had it allocate gigabytes,
which ends in "out of memory" on a small machine on every idle build. The snapshot carries a CRC-32
of the rest now: a damaged one is no snapshot, and the full check decides. (Found by a review of
the checksums that records and the graph cache got for the same reason.)"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from tests.cli.test_noop_snapshot import age_everything

N = 300  # sources: more than 255 paths, so their tuple's length takes 4 bytes
MAESTRO = """
[rules.all]
inputs = ["src/*.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {output}"
"""
ONE_GB = 1 << 30


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ONE_GB, ONE_GB))


def cli(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )


def test_a_snapshot_with_a_damaged_length_is_no_snapshot_not_out_of_memory(make_project) -> None:
    p = make_project(MAESTRO, {f"src/{k:03}.txt": f"{k}\n" for k in range(N)})
    assert cli(p.root).returncode == 0
    age_everything(p.root)  # old enough to be trusted by their stats
    assert cli(p.root).returncode == 0  # the idle build that saves the snapshot
    snapshot = p.root / ".buildlike" / "clean.snapshot"
    data = bytearray(snapshot.read_bytes())
    # The tuples of the paths it checked and of their stats: N sources and the output.
    length = (N + 1).to_bytes(4, "little")
    starts = [k for k in range(len(data) - 5) if data[k] in (0x28, 0xA8) and data[k + 1 : k + 5] == length]
    assert starts, "no tuple of N + 1 items in the snapshot"
    for k in starts:
        data[k + 1 : k + 5] = (0x7FFFFFF0).to_bytes(4, "little")
    snapshot.write_bytes(bytes(data))
    r = cli(p.root)
    assert r.returncode == 0, r.stderr[-800:]
    assert "Traceback" not in r.stderr and "memory" not in r.stderr, r.stderr[-800:]

"""A build killed outright: the jobs it never started keep their records (found by a tester).

SPEC: a build killed at any moment "loses no record of the jobs that had finished". Every job that
might run used to be marked as started before the first command, so after a SIGKILL even the jobs
that early cutoff would spare reran, and `status --check` failed.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from reliability_tools import BUILDLIKE

CHAIN = """
[rules.a]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "echo a >> log; sleep 1.5; head -1 src.txt > a.txt"
[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "echo b >> log; cp a.txt b.txt"
[rules.c]
inputs = ["b.txt"]
outputs = ["c.txt"]
run = "echo c >> log; cp b.txt c.txt"
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_jobs_a_killed_build_never_started_keep_their_records(tmp_path, sig):
    (tmp_path / "Maestrofile.toml").write_text(CHAIN)
    (tmp_path / "src.txt").write_text("1\n")
    assert subprocess.run([*BUILDLIKE, "-q"], cwd=tmp_path, timeout=60).returncode == 0
    (tmp_path / "log").unlink()
    (tmp_path / "src.txt").write_text("1\n2\n")  # a reruns, and writes the same a.txt

    build = subprocess.Popen([*BUILDLIKE, "-q"], cwd=tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (tmp_path / "log").exists():  # a's command has started
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    build.send_signal(sig)
    build.wait(timeout=30)

    status = subprocess.run([*BUILDLIKE, "status"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert status.stdout.splitlines() == [
        "a: its last run failed or was interrupted",
        "b: input 'a.txt' is remade first",  # judged once a is remade, not interrupted
        "c: input 'b.txt' is remade first",
    ], status.stdout
    assert subprocess.run([*BUILDLIKE, "-q"], cwd=tmp_path, timeout=60).returncode == 0
    assert (tmp_path / "log").read_text().split() == ["a", "a"], "b and c never started, yet reran"
    check = subprocess.run([*BUILDLIKE, "status", "--check"], cwd=tmp_path, capture_output=True, timeout=60)
    assert check.returncode == 0, check

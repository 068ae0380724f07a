"""A job that failed just as Ctrl-C came is shown as failed, with its output (SPEC: "the failure is
shown with the command, exit code and output"), though the build stops for the interrupt.

Its end and the interrupt are taken in one wait: the command stops buildlike (SIGSTOP), fails, and a
process it leaves behind sends SIGINT and then SIGCONT, so that buildlike finds both when it wakes.
Such a job used to be only distrusted, its output never printed.
"""

from __future__ import annotations

import subprocess
import sys

MAESTROFILE = """
[rules.f]
outputs = ["f.txt"]
run = "kill -STOP $PPID; (sleep .5; kill -INT $PPID; sleep .3; kill -CONT $PPID) >/dev/null 2>&1 & echo said-f; exit 3"
"""


def test_a_job_failing_as_the_build_is_interrupted_is_shown_failed(tmp_path):
    (tmp_path / "Maestrofile.toml").write_text(MAESTROFILE)
    r = subprocess.run([sys.executable, "-m", "buildlike"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert r.returncode == 130, r.stdout + r.stderr
    assert "said-f" in r.stdout + r.stderr
    assert "exit code 3" in r.stdout + r.stderr
    assert "stopping 0" not in r.stderr
    # ... and it runs again next time.
    again = subprocess.run([sys.executable, "-m", "buildlike", "status"], cwd=tmp_path, capture_output=True, text=True)
    assert "f" in again.stdout
    assert not (tmp_path / "f.txt").exists()

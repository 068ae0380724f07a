"""README (When a job runs): "Run while a build is going on (in another terminal), it (and `-n`) says
so of the jobs that build runs now: `report: running now, in the build of pid 4242, since 14:02:11`".
A job that has no record yet and whose outputs are already on disk (a fresh clone with committed
generated files, `.buildlike/` deleted, or an `always` job on its first build) is said to be only
"never built" while the build runs it: the "running now" part is missing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BUILDLIKE = (sys.executable, "-m", "buildlike")

MAESTRO = """
[rules.slow]
outputs = ["slow.txt"]
run = "touch started; while [ ! -e go ]; do sleep 0.02; done; echo made > slow.txt"

[rules.fmt]
always = true
run = "touch started2; while [ ! -e go ]; do sleep 0.02; done"
"""


def test_status_says_running_now_of_a_job_never_built_before(tmp_path: Path) -> None:
    (tmp_path / "Maestrofile.toml").write_text(MAESTRO)
    (tmp_path / "slow.txt").write_text("committed\n")  # the output is there, the job never ran
    build = subprocess.Popen(
        [*BUILDLIKE, "-j2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not ((tmp_path / "started").exists() and (tmp_path / "started2").exists()):
            assert build.poll() is None and time.monotonic() < deadline, build.communicate(timeout=60)
            time.sleep(0.02)
        st = subprocess.run([*BUILDLIKE, "status"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        lines = dict(line.split(": ", 1) for line in st.stdout.splitlines() if ": " in line)
        dry = subprocess.run([*BUILDLIKE, "-n"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        (tmp_path / "go").touch()
        out, _ = build.communicate(timeout=60)
    assert build.returncode == 0, out
    running = f"running now, in the build of pid {build.pid}"
    assert running in lines.get("slow", ""), st.stdout
    assert running in lines.get("fmt", ""), st.stdout
    assert dry.stdout.count(running) == 2, dry.stdout

"""`status` while a build runs in another terminal: the jobs that build runs now are stale because they
run, not because a last run "failed or was interrupted" (what status said of them before); a job of
that build which did fail still says so, and one that finished is up to date."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BUILDLIKE = (sys.executable, "-m", "buildlike")

# All three read src.txt; `slow` waits for a file `go`, `bad` fails while a file `fail` exists.
MAESTRO = """
[rules.quick]
inputs = ["src.txt"]
outputs = ["quick.txt"]
run = "cp src.txt quick.txt"

[rules.bad]
inputs = ["src.txt"]
outputs = ["bad.txt"]
run = "if [ -e fail ]; then exit 3; fi; cp src.txt bad.txt"

[rules.slow]
inputs = ["src.txt"]
outputs = ["slow.txt"]
run = "touch started; while [ ! -e go ]; do sleep 0.02; done; cp src.txt slow.txt"
"""
FAILED = "its last run failed or was interrupted"


def status(root: Path) -> dict[str, str]:
    """{job: why it is stale} as `status` prints it, one `job: reason` line per stale job."""
    out = subprocess.run([*BUILDLIKE, "status"], cwd=root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)


def built_then_edited(root: Path) -> None:
    """Everything built once; then src.txt edited, `go` gone and `fail` there."""
    (root / "Maestrofile.toml").write_text(MAESTRO)
    (root / "src.txt").write_text("one\n")
    (root / "go").touch()
    first = subprocess.run([*BUILDLIKE, "-q"], cwd=root, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stdout + first.stderr
    (root / "src.txt").write_text("two\n")
    (root / "go").unlink()
    (root / "started").unlink()
    (root / "fail").touch()


def test_status_says_which_jobs_a_running_build_runs_now(tmp_path: Path) -> None:
    built_then_edited(tmp_path)
    build = subprocess.Popen(
        [*BUILDLIKE, "-k", "-j3"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # until quick is done and bad has failed, while slow waits for `go`
            if build.poll() is not None or time.monotonic() > deadline:
                (tmp_path / "go").touch()
                raise AssertionError(build.communicate(timeout=60))
            seen = status(tmp_path) if (tmp_path / "started").exists() else {}
            if "quick" not in seen and seen.get("bad") == FAILED:
                break
            time.sleep(0.05)
        assert sorted(seen) == ["bad", "slow"]
        assert seen["slow"].startswith(f"running now, in the build of pid {build.pid}, since "), seen
        dry = subprocess.run([*BUILDLIKE, "-n"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, dry.stdout + dry.stderr  # (a dry run does not wait for the lock)
        assert f"(running now, in the build of pid {build.pid}, since " in dry.stdout + dry.stderr, dry
    finally:
        (tmp_path / "go").touch()
        out, _ = build.communicate(timeout=60)
    assert build.returncode == 1, out
    assert status(tmp_path) == {"bad": FAILED}


def test_a_killed_build_s_job_was_interrupted_it_does_not_run(tmp_path: Path) -> None:
    """The note of who holds the lock outlives a SIGKILL: its pid is dead (or taken by a process
    started later), so the job it ran was interrupted."""
    built_then_edited(tmp_path)
    build = subprocess.Popen([*BUILDLIKE, "slow"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "started").exists():
            assert build.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        build.kill()
        build.wait(timeout=30)
    assert status(tmp_path)["slow"] == FAILED
    (tmp_path / "go").touch()  # (its command, left running, ends)

"""An interrupted build (Ctrl-C, SIGTERM; the CLI, watch mode or the API) says which signal, and
releases the lock as a build that ended: no notes of running jobs left for the next build to treat
as a killed build's. Found by a review of e68c87a, which broke both (they held at 6a04a2c)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SLOW = """
[rules.fast]
outputs = ["fast.txt"]
run = "echo fast > fast.txt"

[rules.slow]
inputs = ["fast.txt"]
outputs = ["slow.txt"]
run = "echo $$ > pid.txt; sleep 30; echo slow > slow.txt"
"""


def _interrupted_cli_build(tmp_path: Path, sig: int) -> subprocess.CompletedProcess[str]:
    (tmp_path / "Maestrofile.toml").write_text(SLOW)
    p = subprocess.Popen(
        [sys.executable, "-m", "buildlike"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not (tmp_path / "pid.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def test_sigterm_to_the_cli_says_sigterm(tmp_path):
    r = _interrupted_cli_build(tmp_path, signal.SIGTERM)
    assert r.returncode == 130
    assert "interrupted by SIGTERM; stopped the running commands" in r.stderr, r.stderr


def test_an_interrupted_build_releases_the_lock_cleanly(tmp_path):
    """lock.release(clean=True) is for 'failed or interrupted' builds: the lock file keeps no
    'run'/'group' notes, as after a kill."""
    r = _interrupted_cli_build(tmp_path, signal.SIGINT)
    assert r.returncode == 130
    lock = (tmp_path / ".buildlike" / "lock").read_text()
    assert "group " not in lock and "run " not in lock, lock


def test_an_api_interrupt_releases_the_lock_cleanly(tmp_path):
    (tmp_path / "Maestrofile.toml").write_text(SLOW)
    code = """
import io, os, signal, threading, time, buildlike
from buildlike.reporter import Reporter
def go():
    while not os.path.exists("pid.txt"):
        time.sleep(0.02)
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=go, daemon=True).start()
try:
    buildlike.build(buildlike.load("."), reporter=Reporter(io.StringIO(), io.StringIO()))
except buildlike.Interrupted:
    print("Interrupted")
print(open(".buildlike/lock").read().replace("\\n", "|"))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.stdout.startswith("Interrupted"), r.stdout + r.stderr
    assert "group " not in r.stdout, r.stdout


def test_an_interrupted_watch_releases_the_lock_cleanly(tmp_path):
    (tmp_path / "Maestrofile.toml").write_text(SLOW)
    p = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "watch"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not (tmp_path / "pid.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    lock = (tmp_path / ".buildlike" / "lock").read_text()
    assert "group " not in lock and "run " not in lock, lock

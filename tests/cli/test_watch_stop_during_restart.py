"""README, Watch mode: "Stopping: Ctrl-C, SIGTERM or SIGHUP ... stops the running commands' whole
process groups (SIGTERM, then SIGKILL after 3 s), leaves no child behind, and exits 0, whether a build
runs or watch waits for changes." With `--restart`, a Ctrl-C or SIGTERM that comes while a change is
cancelling the running build (a command that ignores SIGTERM gets its 3 s before SIGKILL) is lost:
watch starts the new build, runs it to its end and goes on watching."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

import pytest

SLOW_IGNORING_TERM = """
[rules.slow]
inputs = ["in.txt"]
outputs = ["out.txt"]
run = "echo $$ >> pids; trap '' TERM; sleep 60; cp {input} {output}"
"""


def kill_groups(p) -> None:
    """Leave nothing behind, whatever watch did: each command's shell leads its own process group."""
    if not p.exists("pids"):
        return
    for line in p.read("pids").split():
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.killpg(int(line), signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_while_restart_cancels_a_build_ends_watch(make_project, watching, sig):
    p = make_project(SLOW_IGNORING_TERM, {"in.txt": "1\n"})
    w = watching(p.root, "--restart")
    try:
        w.wait_for(lambda: p.exists("pids") and p.read("pids").count("\n") == 1, why="the first command to start")
        p.write("in.txt", "2\n")  # --restart: cancel the running build (SIGTERM ignored: 3 s to SIGKILL)
        w.wait_text("interrupted: stopping 1 running command")
        w.proc.send_signal(sig)  # the user stops watch while the cancel is under way
        try:
            code = w.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"watch went on after {sig.name}; output:\n{w.out}")
        w._reader.join(timeout=5)
        assert code == 0, w.out
        assert "stopped watching" in w.out
        assert p.read("pids").count("\n") == 1, f"a new build started after {sig.name}:\n{w.out}"
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()
        kill_groups(p)

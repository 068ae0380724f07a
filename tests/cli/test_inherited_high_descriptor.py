"""Found by a black-box tester: started with a lowered soft limit on open files (`ulimit -n 128`) and
a descriptor above it left open for it (a wrapper, a CI agent), buildlike failed every command with
"cannot start /bin/sh: [Errno 9] Bad file descriptor": posix_spawn cannot close such a descriptor.
Commands now start, and still without the descriptor (as with Popen's close_fds)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("run", ["echo a >> log.txt; touch a.txt", "touch a.txt"])  # (shell; exec'ed)
def test_commands_start_beside_an_inherited_descriptor_above_the_soft_limit(tmp_path: Path, run: str) -> None:
    check = "[ -e /dev/fd/200 ] && echo leaked >> log.txt; echo ran >> log.txt"
    (tmp_path / "Maestrofile.toml").write_text(
        f'[rules.a]\noutputs = ["a.txt"]\nrun = "{run}"\n\n[rules.b]\ninputs = ["a.txt"]\noutputs = ["b.txt"]\n'
        f'run = ["{check}", "touch b.txt"]\n'
    )
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    r_fd, w_fd = os.pipe()
    os.dup2(w_fd, 200, inheritable=True)
    try:
        r = subprocess.run(
            [sys.executable, "-m", "buildlike", "-j", "1"],
            cwd=tmp_path,
            pass_fds=(200,),
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        for fd in (r_fd, w_fd, 200):
            os.close(fd)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "b.txt").exists()
    assert "leaked" not in (tmp_path / "log.txt").read_text()

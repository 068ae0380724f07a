"""Ctrl-C or SIGTERM while a build stops the commands a SIGKILLed build left running stops them too.

README: "the next build in the project stops those (SIGTERM, then SIGKILL after 3 s, with a warning)
before it starts"; SPEC: "Ctrl-C/SIGTERM stop all running commands (their whole process groups) and
exit 130." The second build used to exit 130 at once and leave a left-over command that ignores SIGTERM
running (writing its job's output after the user stopped everything) until some later build.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MAESTROFILE = """
[rules.t]
outputs = ["t.txt"]
run = "echo $$ > pid.t; trap '' TERM; sleep 4; touch t.txt"
"""


def _group_alive(pgid: int) -> bool:
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_while_stopping_leftover_commands_still_stops_them(tmp_path, sig):
    (tmp_path / "Maestrofile.toml").write_text(MAESTROFILE)
    buildlike = [sys.executable, "-m", "buildlike"]
    first = subprocess.Popen([*buildlike, "-q"], cwd=tmp_path)
    deadline = time.time() + 10
    while not (tmp_path / "pid.t").exists() or not (tmp_path / "pid.t").read_text().strip():
        assert time.time() < deadline
        time.sleep(0.05)
    first.kill()
    first.wait()
    pgid = int((tmp_path / "pid.t").read_text())
    assert _group_alive(pgid)

    second = subprocess.Popen(buildlike, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = second.stdout.readline()
    assert "stopping it first" in line, line
    time.sleep(0.5)  # inside the 3 s between SIGTERM and SIGKILL
    second.send_signal(sig)
    second.communicate(timeout=10)
    assert second.returncode == 130
    try:
        deadline = time.time() + 1  # (SIGKILL was sent, but may take a moment under load; well before `sleep 4` ends)
        while _group_alive(pgid) and time.time() < deadline:
            time.sleep(0.05)
        assert not _group_alive(pgid), "the left-over command still runs after Ctrl-C"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

"""Nothing in buildlike opens a network port or connects anywhere: build, status, list, graph, clean,
watch and hook install run under an audit hook that records every socket operation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

AUDIT = """
import os, sys

def _audit(event, args):
    if event.startswith("socket."):
        with open(os.environ["BUILDLIKE_SOCKET_LOG"], "a") as f:
            f.write(f"{event} {args!r}\\n")

sys.addaudithook(_audit)
"""

PROJECT = """
[rules.copy]
inputs = ["src.txt"]
outputs = ["out.txt"]
run = "cp {input} {output}"
"""


def test_no_command_of_buildlike_opens_a_socket(make_project, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "sockets.log"
    p = make_project(PROJECT, {"src.txt": "x\n"})
    subprocess.run(["git", "init", "-q"], cwd=p.root, check=True, env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    env = {
        "PYTHONPATH": os.pathsep.join([str(hooks), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "BUILDLIKE_SOCKET_LOG": str(log),
    }
    for args in (["build"], ["status"], ["list"], ["graph"], ["build", "-n"], ["clean"], ["hook", "install"]):
        r = p.run(*args, env=env)
        assert "Traceback" not in r.err, (args, r.err)
    watch = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "watch"],
        cwd=p.root,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    p.write("src.txt", "y\n")
    time.sleep(1.5)
    watch.send_signal(signal.SIGINT)
    _, err = watch.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert (p.root / "out.txt").exists()
    assert not log.exists(), log.read_text()
    # And the hook works: the audit hook was active in those runs.
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.socket().close()"],
        env={**os.environ, **env},
        check=True,
    )
    assert probe.returncode == 0 and "socket.__new__" in log.read_text()

"""Found by a review of the commits that added it.

A renamed rule takes the record of the undeclared job that made the same outputs (state.py
`adopt_renamed`). The commit promises: "a failed or interrupted run under the new name makes a row of
its own, untrusted, and the old one goes". With Ctrl-C that holds; with a build killed outright
(SPEC: "a build killed at any moment loses no record"; rule 2: a job whose last run was interrupted
reruns) the old, trusted row stays, and the next rename trusts it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

RULE = """
[rules.{name}]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = ["echo run >> ran.log", "touch started; {wait}", "cp src.txt gen.txt"]
"""


def _interrupt_a_run_under_a_new_name(p, sig: int) -> None:
    p.write("Maestrofile.toml", RULE.format(name="gen", wait="true"))
    p.write("src.txt", "v1\n")
    assert p.run("-q").code == 0
    (p.root / "started").unlink()
    p.write("Maestrofile.toml", RULE.format(name="generate", wait="sleep 30"))  # renamed ...
    p.write("src.txt", "v2\n")  # ... and stale, so it runs
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "-q"],
        cwd=p.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 8
    while not p.exists("started") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert p.exists("started")
    os.kill(proc.pid, sig)
    proc.wait(timeout=10)
    # The interrupted run under the name 'generate' wrote nothing yet; the input is put back, and the
    # rule renamed once more.
    p.write("src.txt", "v1\n")
    p.write("Maestrofile.toml", RULE.format(name="gen2", wait="true"))


def test_ctrl_c_during_a_renamed_jobs_run_makes_it_rerun(make_project):
    p = make_project("")
    _interrupt_a_run_under_a_new_name(p, signal.SIGINT)
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["run", "run", "run"], r.text  # its last run was interrupted: it reruns


def test_a_killed_build_during_a_renamed_jobs_run_makes_it_rerun(make_project):
    p = make_project("")
    _interrupt_a_run_under_a_new_name(p, signal.SIGKILL)
    r = p.run("status")
    assert "gen2" in r.out, r.text  # its last run was interrupted (killed), as with Ctrl-C
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["run", "run", "run"], r.text

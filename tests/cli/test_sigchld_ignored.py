"""A build started with SIGCHLD ignored (inherited across exec from a parent that set SIG_IGN, or set
by the application that calls the Python API) must still see its commands' exit codes.

SPEC (Running): "A command that exits non-zero fails its job: no new jobs start ... and the job reruns
next time." With SIGCHLD ignored the kernel reaps children itself, so waitpid gets ECHILD:
buildlike then reports a failing command as a success (exit 0, dependents run, the failure recorded
as up to date), or, when the command is spawned in place, never notices it ended and hangs (even
SIGTERM/SIGINT cannot end it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

FAILING = """
[rules.gen]
outputs = ["gen.txt"]
run = "echo partial > {output}; echo 'compiler error' >&2; exit 1"

[rules.use]
inputs = ["gen.txt"]
outputs = ["use.txt"]
run = "cp {input} {output}"
"""

# exec the CLI with SIGCHLD ignored, as a parent that ignores it (some daemons, CI agents) passes it on
EXEC_IGNORING_SIGCHLD = (
    "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, '-m', 'buildlike', *sys.argv[1:]])"
)


def run_ignoring_sigchld(*args, cwd):
    try:
        return subprocess.run(
            [sys.executable, "-c", EXEC_IGNORING_SIGCHLD, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("buildlike hung: it never saw its command end (SIGCHLD ignored)")


@pytest.mark.parametrize("where", ["in the project", "with -C"])
def test_a_failing_command_fails_the_build_when_sigchld_is_inherited_ignored(make_project, tmp_path, where):
    p = make_project(FAILING)
    if where == "in the project":
        r = run_ignoring_sigchld(cwd=p.root)
    else:
        r = run_ignoring_sigchld("-C", str(p.root), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAILED: gen" in r.stderr
    assert not p.exists("use.txt")  # the job that needs the failed one never ran
    check = p.run("status", "--check")
    assert check.code == 1, check.text  # the failed job reruns next time


API_SCRIPT = textwrap.dedent(
    """
    import signal, sys, buildlike
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # the host application's choice
    project = buildlike.load(sys.argv[1])
    try:
        buildlike.build(project)
    except buildlike.BuildFailed as e:
        print("failed", *e.failed)
    else:
        print("succeeded")
    print("sigchld restored:", signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN)
    """
)


def test_the_api_raises_build_failed_when_the_host_ignores_sigchld(make_project, tmp_path):
    p = make_project(FAILING)
    try:
        r = subprocess.run(
            [sys.executable, "-c", API_SCRIPT, str(p.root / "Maestrofile.toml")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("buildlike.build hung with SIGCHLD ignored")
    assert "failed gen" in r.stdout, r.stdout + r.stderr
    assert "sigchld restored: True" in r.stdout
    assert not p.exists("use.txt")


def test_hook_run_outside_a_repository_says_so_when_sigchld_is_inherited_ignored(tmp_path):
    """README (Git hooks): `hook run` exits 2 "not in a git repository"; with SIGCHLD ignored git's
    failure read as success and `hook run` died with a ValueError traceback (exit 1)."""
    r = run_ignoring_sigchld("hook", "run", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "git" in r.stderr


THREAD_SCRIPT = textwrap.dedent(
    """
    import signal, sys, threading, buildlike
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    project = buildlike.load(sys.argv[1])
    caught = []
    def build():
        try:
            buildlike.build(project)
        except buildlike.BuildlikeError as e:
            caught.append(e)
    t = threading.Thread(target=build)
    t.start(); t.join()
    print(type(caught[0]).__name__ if caught else "no error", caught[0] if caught else "")
    """
)


def test_an_api_build_outside_the_main_thread_refuses_to_run_when_sigchld_is_ignored(make_project, tmp_path):
    """Only the main thread may set SIGCHLD back: elsewhere a clear error beats wrong exit codes."""
    p = make_project(FAILING)
    r = subprocess.run(
        [sys.executable, "-c", THREAD_SCRIPT, str(p.root / "Maestrofile.toml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert r.stdout.startswith("UsageError"), r.stdout + r.stderr
    assert "SIGCHLD" in r.stdout
    assert not p.exists("gen.txt")  # nothing ran

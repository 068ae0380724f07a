"""19c3bb6: `_exit_at_once` assumed sys.stdout and sys.stderr are streams. A process started with fd 1
or fd 2 closed (`2>&-`, some daemons and cron set-ups) has them as None: the flush raised
AttributeError, a traceback, and exit 1 where the command had succeeded (exit 0 before 19c3bb6).

Also: a flush that fails at the end (`buildlike graph | head -1` whose reader is gone, with the DOT
text still in the buffer) takes "the ordinary exit", which does not cope: Python prints
"Exception ignored ... BrokenPipeError" and exits 120, the traceback run_guarded avoids mid-command."""

from __future__ import annotations

import os
import subprocess
import sys

PROJECT = """
[rules.a]
outputs = ["a.txt"]
run = "echo a > a.txt"
"""


def _sh(script: str, cwd) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run it: buffered
    return subprocess.run(
        ["sh", "-c", script, "sh", sys.executable], cwd=cwd, capture_output=True, text=True, timeout=60, env=env
    )


def test_graph_with_stderr_closed_still_exits_0(make_project):
    p = make_project(PROJECT)
    r = _sh('exec "$1" -m buildlike graph 2>&-', p.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "digraph" in r.stdout


def test_status_with_stdout_closed_still_exits_0(make_project):
    p = make_project(PROJECT)
    assert p.run().code == 0
    r = _sh('exec "$1" -m buildlike status >&-', p.root)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


def test_graph_into_a_pipe_whose_reader_is_gone_ends_without_a_traceback(make_project):
    """`buildlike graph | head -1`: the reader left before the final flush."""
    p = make_project(PROJECT)
    r = _sh('"$1" -m buildlike graph | (exec 0<&-; sleep 1)', p.root)
    assert "Exception ignored" not in r.stderr and "BrokenPipeError" not in r.stderr, r.stderr


def test_a_build_with_stdout_and_stderr_closed_builds_and_exits_0(make_project):
    """Older than 19c3bb6: the reporter wrote to sys.stdout, None when fd 1 was closed."""
    p = make_project(PROJECT)
    r = _sh('exec "$1" -m buildlike >&- 2>&-', p.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert p.read("a.txt") == "a\n"
    r = _sh('exec "$1" -m buildlike >&- 2>&-', p.root)  # and the state was saved: nothing to do
    assert r.returncode == 0

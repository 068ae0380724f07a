"""Under a low limit on open files (`ulimit -n 64`, as some CI containers and launchd set), buildlike
runs one job at a time even at `-j 2`, though a running job holds three descriptors and buildlike itself
about a dozen: it warns "at most 1 jobs at a time, not 2" (it keeps about 64 descriptors in reserve:
at `ulimit -n 70` two jobs run, at 128 only 21 of `-j 100`). 300 jobs of 0.3 s at `-j 100` take
92 s under `ulimit -n 64` against 0.8 s without.

README: "a `-j` too high for a hard limit on open files runs fewer jobs at a time, with a warning,
instead of failing" -- fewer than the limit allows, not one.
"""

from __future__ import annotations

import subprocess
import sys

# Each job notes that it started, then waits (up to 4 s) for the other one to start too: with two
# slots both are running at once; one at a time, the first one waits in vain.
RULE = """
[rules.{name}]
outputs = ["out/{name}"]
run = [
    "touch started.{name}; n=0; while [ ! -e started.{other} ] && [ $n -lt 40 ]; do sleep 0.1; n=$((n+1)); done",
    "if [ -e started.{other} ]; then echo together; else echo alone; fi > out/{name}",
]
"""


def test_two_jobs_run_at_once_under_ulimit_n_64(make_project):
    p = make_project(RULE.format(name="a", other="b") + RULE.format(name="b", other="a"))
    proc = subprocess.run(
        ["sh", "-c", 'ulimit -n 64 && exec "$0" -m buildlike build -j 2', sys.executable],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (p.read("out/a").strip(), p.read("out/b").strip()) == ("together", "together"), proc.stderr


def test_very_low_ulimit_gives_a_message_not_a_traceback(make_project):
    """At `ulimit -n 10` (or 6, 8, 9) the build ends in a Python traceback (OSError: [Errno 24] Too many
    open files, from os.pipe() in processes.py), exit 1. At 11 and 12 the same shortage is a clear
    message ("no pipe for the job's output: Too many open files (see `ulimit -n`)"). Now it says so
    before anything runs."""
    p = make_project('[rules.a]\noutputs = ["out/a"]\nrun = "echo a > out/a"\n')
    proc = subprocess.run(
        ["sh", "-c", 'ulimit -n 10 && exec "$0" -m buildlike build', sys.executable],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "the limit on open files (`ulimit -n` is 10) leaves none for the build itself" in proc.stderr
    assert not p.exists("out/a")

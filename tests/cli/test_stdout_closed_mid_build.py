"""`buildlike | head -1`: the reader closes buildlike's stdout after the first progress line. The build
then stops after a few jobs and exits 1 -- "a job failed" in SPEC's exit codes -- with nothing at all on
stderr (which is still open), and the jobs whose commands it had run meanwhile are "never built".

Seen: 300 jobs at -j2, `buildlike -j2 2>err | head -1`: exit 1, err empty, 5 outputs made, 2 recorded.
A build started with stdout already closed (`>&-`) builds everything and exits 0 (README changelog),
so the same pipe closed a moment later should not silently turn into a failure: now the build goes on
without its progress lines, and exits 0.
SPEC: "Exit codes: 0 success, 1 a job failed ..."; every failure is "shown".
"""

from __future__ import annotations

import subprocess
import sys

N = 60


def test_stdout_closed_by_reader_mid_build(make_project):
    rules = "\n".join(f'[rules.r{i}]\noutputs = ["o/{i}"]\nrun = "echo {i} > o/{i}; echo line{i}"\n' for i in range(N))
    p = make_project(rules)
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "build", "-j", "2"],
        cwd=p.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # like `head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert first.startswith(b"[1/")
    assert "Traceback" not in err, err
    made = sum(p.exists(f"o/{i}") for i in range(N))
    # The build goes on without its progress lines, as with stdout closed from the start.
    assert code == 0, f"exit {code}; {made} of {N} outputs made; stderr: {err}"
    assert made == N
    assert err == ""
    assert "everything is up to date" in p.run("status").out

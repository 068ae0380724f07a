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


def test_a_callers_stream_whose_reader_went_away_keeps_its_descriptor(make_project):
    """Found in review: the API's reporter pointed the caller's own descriptor (a socket here) at
    /dev/null for the rest of the process. Only the CLI's own stdout and stderr may be."""
    import contextlib
    import os
    import socket

    import buildlike
    from buildlike.reporter import Reporter

    p = make_project('[rules.c]\ninputs = ["in.txt"]\noutputs = ["out.txt"]\nrun = "cp in.txt out.txt; echo copied"\n')
    p.write("in.txt", "x\n")
    mine, theirs = socket.socketpair()
    try:
        stream = mine.makefile("w")
        theirs.close()  # the reader goes away
        result = buildlike.build(buildlike.load(p.root / "Maestrofile.toml"), reporter=Reporter(out=stream))
        assert result.ran == ("c",)
        assert os.readlink(f"/proc/self/fd/{mine.fileno()}").startswith("socket:")
        with contextlib.suppress(OSError):  # (what it still buffers cannot go anywhere)
            stream.close()
    finally:
        mine.close()


def test_watch_ends_once_the_reader_of_its_output_went_away(make_project):
    """Found in review: `buildlike watch | head -1` would have gone on for ever, writing to nothing."""
    import time

    p = make_project('[rules.c]\ninputs = ["in.txt"]\noutputs = ["out.txt"]\nrun = "cp in.txt out.txt; echo copied"\n')
    p.write("in.txt", "x\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "watch"], cwd=p.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.stdout.close()
        deadline = time.monotonic() + 20
        k = 0
        while proc.poll() is None and time.monotonic() < deadline:
            k += 1
            p.write("in.txt", f"{k}\n")  # a change: a build, whose lines go nowhere
            time.sleep(0.5)
        assert proc.poll() is not None, "watch went on with its reader gone"
    finally:
        proc.kill()
        proc.wait()

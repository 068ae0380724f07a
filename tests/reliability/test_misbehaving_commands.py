"""Commands that misbehave: a daemon child left holding the output, 100 MB of output, a command that
deletes its own input. (One that ignores SIGTERM is in test_interrupts.py.)"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from reliability_tools import BUILDLIKE, kill_groups, live_members


def _kill_pids(path) -> None:
    if path.exists():
        for pid in path.read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def test_a_command_that_leaves_a_daemon_child_does_not_hang_the_build(make_project):
    """README: Running: a daemon left holding the output pipe does not hold up its job or the build."""
    p = make_project(
        """
        [rules.serve]
        outputs = ["started.txt"]
        run = "sleep 30 & echo $! > daemon.pid; echo started > {output}"

        [rules.detached]
        outputs = ["detached.txt"]
        run = "setsid sh -c 'echo $$ > detached.pid; exec sleep 30' & echo ok > {output}"

        [rules.after]
        inputs = ["started.txt", "detached.txt"]
        outputs = ["after.txt"]
        run = "cat {inputs} > {output}"
        """
    )
    try:
        start = time.monotonic()
        r = p.run(timeout=25)
        assert time.monotonic() - start < 10
        assert r.code == 0, r.text
        assert p.read("after.txt") == "started\nok\n"
        assert p.run(timeout=25).out.strip().endswith("nothing to do, everything is up to date")
    finally:
        _kill_pids(p.root / "daemon.pid")
        _kill_pids(p.root / "detached.pid")


def test_a_command_that_prints_100_mb_does_not_fill_buildlikes_memory(make_project, tmp_path):
    """README: Running: only the head and tail of the output are kept, and shown."""
    p = make_project(
        """
        [rules.chatty]
        outputs = ["out.txt"]
        run = "yes 0123456789abcdef | head -c 100000000; echo done > {output}"
        """
    )
    shown = tmp_path / "stdout"
    # A process's ru_maxrss starts from its parent's memory when it is forked, and this pytest may have
    # grown to hundreds of MB: so a small Python starts buildlike and reports its children's peak.
    probe = (
        "import resource, subprocess, sys\n"
        "code = subprocess.call(sys.argv[1:])\n"
        "sys.stderr.write(f'MAXRSS={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n')\n"
        "sys.exit(code)\n"
    )
    with open(shown, "wb") as out, open(tmp_path / "stderr", "wb") as err:
        code = subprocess.call([sys.executable, "-c", probe, *BUILDLIKE], cwd=p.root, stdout=out, stderr=err)
    errors = (tmp_path / "stderr").read_text()
    assert code == 0, errors
    maxrss = int(errors.rsplit("MAXRSS=", 1)[1].split()[0])
    # KiB, for buildlike and the commands it waited for; Python itself needs ~30 MB.
    assert maxrss < 90 * 1024, f"max RSS {maxrss // 1024} MiB"
    text = shown.read_bytes()
    assert 1_000_000 < len(text) < 3_000_000, len(text)
    assert b"bytes of output not shown ...]" in text


def test_a_command_that_deletes_its_own_input_gets_a_clear_message_next_time(make_project):
    """SPEC: The graph: an input that neither exists nor is any rule's output is an error, named."""
    p = make_project(
        """
        [rules.eat]
        inputs = ["food.txt"]
        outputs = ["out.txt"]
        run = "cat {input} > {output}; rm {input}"
        """,
        {"food.txt": "yum\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out.txt") == "yum\n" and not p.exists("food.txt")
    r = p.run()
    assert r.code == 2, r.text
    assert "input 'food.txt' is not a file and no rule makes it" in r.err
    assert "Traceback" not in r.err


def test_a_command_that_deletes_an_input_made_by_another_rule_settles(make_project):
    """SPEC: When a job runs: a rerun that writes identical bytes does not make dependents run."""
    p = make_project(
        """
        [rules.make]
        inputs = ["src.txt"]
        outputs = ["mid.txt"]
        run = "echo make >> ran.log; cp {input} {output}"

        [rules.eat]
        inputs = ["mid.txt"]
        outputs = ["out.txt"]
        run = "echo eat >> ran.log; cat {input} > {output}; rm {input}"
        """,
        {"src.txt": "data\n"},
    )
    assert p.run().code == 0
    assert p.log() == ["make", "eat"]
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["make", "eat", "make"]  # mid.txt remade, identical: eat is not run again
    assert p.run().code == 0
    assert p.log() == ["make", "eat", "make"]
    assert p.read("out.txt") == "data\n"


def test_a_failing_job_stops_the_build_and_leaves_no_process(make_project):
    """SPEC: Running: a failure starts no new jobs; the running ones finish."""
    p = make_project(
        """
        [settings]
        jobs = 3

        [rules.fail]
        outputs = ["fail.txt"]
        run = "echo $$ >> pids; sleep 0.2; exit 7"

        [rules.slow]
        outputs = ["slow.txt"]
        run = "echo $$ >> pids; sleep 1; echo ok > {output}"

        [rules.later]
        inputs = ["slow.txt"]
        outputs = ["later.txt"]
        run = "cp {input} {output}"
        """
    )
    r = p.run(timeout=30)
    pgids = [int(x) for x in p.read("pids").split()]
    try:
        assert r.code == 1, r.text
        assert "exit code 7" in r.err
        assert p.read("slow.txt") == "ok\n"  # the running one finished
        assert not p.exists("later.txt")  # no new job started
        assert all(not live_members(g) for g in pgids)
    finally:
        kill_groups(pgids)

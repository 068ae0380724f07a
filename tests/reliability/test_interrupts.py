"""Ctrl-C and SIGTERM at random moments: exit 130, every command's process group gone, state consistent.

SPEC: "Ctrl-C/SIGTERM stop all running commands (their whole process groups) and exit 130."
A signal is sent only once buildlike's command line runs, which it shows by catching SIGTERM (its
SigCgt mask in /proc): before that, the Python interpreter itself is starting up, and a signal ends
it in Python's way. "Exit 130" is what a shell reports: an exit status of 130, or death by SIGINT,
which is how Python ends after a handled Ctrl-C in some moments of its shutdown.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_tools import (
    DagProject,
    Log,
    ended_output,
    kill_groups,
    leftover_processes,
    live_members,
    pid_written,
    printed_done,
    ran_count,
    spawn,
    trusted_jobs,
    wait_until,
    wait_until_catching,
    wrong_outputs,
)

INTERRUPTS_IN_CI = 24
INTERRUPTS_LONG = 300
PROJECT = DagProject.generate(40, seed=77, min_sleep=0.02, max_sleep=0.15, sources=8, jobs=4)


def _chain(root: Path, seed: int, figures: Counter[str]) -> int:
    """Build `root` from scratch, interrupted at a few random moments, then to the end. Returns the interrupts."""
    rng = random.Random(seed)
    PROJECT.write(root)
    ids = PROJECT.job_ids
    clean = PROJECT.expected()
    planned = rng.randint(2, 6)
    trusted: set[str] = set()
    interrupts = 0
    for run in range(1, 100):
        name = f"i{seed}r{run}"
        sig = rng.choice((signal.SIGINT, signal.SIGTERM)) if interrupts < planned else None
        proc = spawn(root, env={"BL_RUN": name})
        sent = False
        if sig is not None and wait_until_catching(proc, signal.SIGTERM):
            left = len(ids) - len(trusted)
            time.sleep(rng.uniform(0, 0.1 + 1.0 * left / len(ids)))
            if proc.poll() is None:
                proc.send_signal(sig)
                sent = True
        out, err = proc.communicate(timeout=60)
        where = f"seed {seed}, run {run} ({sig.name if sent and sig else 'no signal'})"
        assert "Traceback" not in err, f"{where}: {err}"
        left_over = leftover_processes(Log.pgids(root, name))
        figures["orphans"] += len(left_over)
        assert not left_over, f"{where}: processes left running: {left_over}"
        started = Log.read(root).started(name)
        again = sorted(set(started) & trusted)
        assert not again, f"{where}: jobs whose record was saved ran again: {again}"
        if "interrupted" in err:
            assert sent and proc.returncode in (130, -signal.SIGINT), f"{where}: exit {proc.returncode}\n{err}"
            interrupts += 1
            now = trusted_jobs(root, ids)
            assert trusted <= now, f"{where}: records lost: {sorted(trusted - now)}"
            assert set(printed_done(out)) <= now, f"{where}: printed as done but not saved"
            assert not (now - trusted - Log.read(root).ended(name)), f"{where}: trusted but never finished"
            bad = wrong_outputs(root, clean, only=[f"out/{j}.txt" for j in now])
            figures["wrong"] += len(bad)
            assert not bad, f"{where}: trusted outputs that differ from a clean build's: {bad}"
            trusted = now
            continue
        # Not interrupted: the build finished (the signal, if any, came as the process was ending).
        ended = ran_count(out) is not None or "nothing to do" in out
        assert proc.returncode == 0 or (sent and ended and proc.returncode == -sig), (
            f"{where}: exit {proc.returncode}\n{out}\n{err}"
        )
        assert set(started) == set(ids) - trusted, where
        bad = wrong_outputs(root, clean)
        figures["wrong"] += len(bad)
        assert not bad, f"{where}: outputs that differ from a clean build's: {bad}"
        if sent:
            interrupts += 1  # it arrived as the build ended, and changed nothing
        break
    return interrupts


def test_sigint_and_sigterm_at_random_moments_exit_130_and_leave_no_process(
    tmp_path: Path, long_mode: bool, figures: Counter[str]
) -> None:
    """SPEC: Running: Ctrl-C/SIGTERM stop all running commands (their whole process groups) and exit 130."""
    target = INTERRUPTS_LONG if long_mode else INTERRUPTS_IN_CI
    total = 0
    for seed in range(1, 10_000):
        n = _chain(tmp_path / f"chain{seed}", seed, figures)
        total += n
        figures["interrupts"] += n
        if total >= target:
            break


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(make_project, sig: signal.Signals) -> None:
    """README: Running: SIGTERM, then SIGKILL after 3 s."""
    p = make_project(
        """
        [rules.stubborn]
        outputs = ["out.txt"]
        run = "echo $$ > pid; trap '' TERM; sleep 30; echo done > {output}"
        """
    )
    proc = spawn(p.root)
    wait_until(proc, pid_written(p.root / "pid"))
    pgid = int(p.read("pid"))
    assert wait_until_catching(proc, signal.SIGTERM)
    start = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - start
    assert proc.returncode in (130, -signal.SIGINT), out + err
    assert 2.5 < took < 10, took
    assert "Traceback" not in err
    assert leftover_processes([pgid], settle=1.0) == {}, live_members(pgid)
    assert not p.exists("out.txt")
    status = p.run("status")
    assert "stubborn" in status.out, status.text


def test_a_job_an_interrupt_kept_from_starting_keeps_its_record(make_project) -> None:
    """Found by a tester: b, waiting for a when Ctrl-C came, was recorded as failed and reran next
    time, although a then remade its output byte for byte (SPEC: early cutoff)."""
    p = make_project(
        """
        [rules.a]
        inputs = ["a.in"]
        outputs = ["a.out"]
        run = ["echo a >> ran.log", "if test -f slow; then touch started; sleep 30; fi", "tr -d ' ' < a.in > a.out"]

        [rules.b]
        inputs = ["a.out"]
        outputs = ["b.out"]
        run = "echo b >> ran.log; cp a.out b.out"
        """,
        {"a.in": "x\n"},
    )
    assert p.run().code == 0
    p.write("slow", "")
    p.write("a.in", "x \n")  # a reruns, and its output stays "x"
    proc = spawn(p.root)
    wait_until(proc, lambda: p.exists("started"))
    assert wait_until_catching(proc, signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (130, -signal.SIGINT), err
    (p.root / "slow").unlink()
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "a"]


def test_ctrl_c_while_buildlike_starts_up_shows_no_traceback_of_buildlike(
    tmp_path: Path, figures: Counter[str]
) -> None:
    """Ctrl-C during imports and loading: a message and exit 130, not a traceback through buildlike's code.

    (Before buildlike's code runs, the interpreter's own start-up may still print its own traceback.)
    """
    PROJECT.write(tmp_path)
    rng = random.Random(11)
    for n in range(40):
        proc = spawn(tmp_path, "-n", env={"BL_RUN": f"startup{n}"})
        if wait_until_catching(proc, signal.SIGINT):
            time.sleep(rng.uniform(0, 0.12))
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert not re.search(r'File "[^"]*/buildlike/[^"/]+\.py"', err), err  # a frame of buildlike's code
        if "buildlike: interrupted" in err:
            assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)
            figures["interrupts"] += 1


@pytest.mark.parametrize("entry", ["main(['--version'])", "None"])
def test_ctrl_c_between_the_entry_module_and_main_is_a_message_and_exit_130(entry: str) -> None:
    """The instant between importing the entry module and `main`'s own catching (its first line)."""
    code = (
        "import os, signal\nimport buildlike.__main__\nfrom buildlike.__main__ import main\n"
        f"os.kill(os.getpid(), signal.SIGINT)\n{entry}\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (130, "buildlike: interrupted\n")


def test_ctrl_c_while_the_interpreter_shuts_down_is_a_message_and_exit_130() -> None:
    """Python reports a KeyboardInterrupt it cannot raise (in `threading._shutdown`, a `__del__`) as
    "Exception ignored" with a traceback: buildlike prints its message instead."""
    code = (
        "import buildlike.__main__\n"
        "class Late:\n    def __del__(self):\n        raise KeyboardInterrupt\n"
        "late = Late()\ndel late\nprint('not reached')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "", "buildlike: interrupted\n")


def _state(pid: int) -> str:
    """A process's state letter from /proc (T: stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _still(pid: int) -> bool:
    """Stopped, or held by children that are: a shell in `vfork` (dash starts `sleep` so) waits, in
    state D, for its child's exec, and a child stopped before its exec holds it there."""
    if _state(pid) == "T":
        return True
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return bool(children) and all(_state(int(c)) == "T" for c in children)


def test_ctrl_z_stops_the_commands_with_the_build_and_fg_resumes_them(make_project) -> None:
    """Found by a tester: the commands run in sessions of their own, so the terminal's SIGTSTP stopped
    only buildlike, and they ran on (a counter kept rising). Now they stop with it, and go on with it."""
    p = make_project(  # a run list: the next command starts once the stopped one went on and ended
        '[rules.count]\noutputs = ["n.txt", "done.txt"]\n'
        'run = ["echo $$ > pid; for i in $(seq 1 40); do echo $i >> n.txt; sleep 0.05; done", "touch done.txt"]\n'
    )
    build = spawn(p.root)
    wait_until(build, lambda: p.exists("n.txt"))
    command = int(p.read("pid"))
    try:
        build.send_signal(signal.SIGTSTP)
        wait_until(build, lambda: _state(build.pid) == "T" and _still(command), timeout=10)
        counted = p.read("n.txt")
        time.sleep(0.3)
        assert p.read("n.txt") == counted  # the command stands still while the build does
        build.send_signal(signal.SIGCONT)  # as `fg` does
        out, err = build.communicate(timeout=30)
    finally:  # a failure above must not leave a stopped build and command behind
        ended_output(build)
        kill_groups([command])
    assert build.returncode == 0, out + err
    assert p.read("n.txt").split() == [str(i) for i in range(1, 41)] and p.exists("done.txt")


def test_a_terminal_closing_on_a_suspended_build_stops_its_commands(make_project) -> None:
    """Found in review: the shell sends SIGHUP, then SIGCONT, to a stopped job. buildlike died of the
    SIGHUP, leaving its commands stopped for good (in sessions of their own, nobody continued them).
    SIGHUP now stops a build as SIGTERM does."""
    p = make_project('[rules.one]\noutputs = ["out.txt"]\nrun = "echo $$ > pid; sleep 30; echo done > out.txt"\n')
    build = spawn(p.root)
    wait_until(build, lambda: p.exists("pid") and p.read("pid").strip() != "")
    command = int(p.read("pid"))
    try:
        build.send_signal(signal.SIGTSTP)
        wait_until(build, lambda: _state(build.pid) == "T" and _still(command), timeout=10)
        build.send_signal(signal.SIGHUP)
        build.send_signal(signal.SIGCONT)
        out, err = build.communicate(timeout=30)
    finally:
        ended_output(build)
        kill_groups([command])
    assert build.returncode == 130, out + err
    assert not Path(f"/proc/{command}").exists() and not p.exists("out.txt")

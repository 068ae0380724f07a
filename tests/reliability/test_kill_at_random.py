"""SIGKILL at random moments: the state survives, nothing finished reruns, nothing cut off is trusted.

SPEC: "State lives in .buildlike/ ... and survives crashes: a build killed at any moment loses no
record of the jobs that had finished." Also README: "a job that was cut off reruns".

A chain builds a fresh copy of a 200-job project, SIGKILLs buildlike at a random moment, checks the
state it left, builds again (killed again at another moment) and so on until a build is let run to
the end. After each kill, with T the jobs whose record the next build will trust:
- T holds every job trusted before (no record lost) and every job the killed build printed as done
  (it prints only after saving the record);
- every job that became trusted logged its `end` (its command finished) and its output is byte for
  byte a clean build's (a cut-off job left a partial output: it must not be in T);
- the next build starts no job of T (nothing that had finished runs again).
The build that runs to the end starts exactly the jobs outside T and leaves every output equal to a
clean build's; one more build has nothing to do.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reliability_tools import (
    DagProject,
    Log,
    kill_groups,
    leftover_processes,
    pid_written,
    printed_done,
    ran_count,
    spawn,
    trusted_jobs,
    wait_until,
    wrong_outputs,
)

JOBS = 200
KILLS_IN_CI = 50
KILLS_LONG = 600
KILLS_PER_CHAIN = (3, 8)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[DagProject, dict[str, bytes], float, float]:
    """The project, the outputs of a clean build of it, and how long that build and a no-op took."""
    project = DagProject.generate(JOBS, seed=20240611, max_sleep=0.008)
    root = tmp_path_factory.mktemp("clean")
    project.write(root)
    start = time.monotonic()
    proc = spawn(root, env={"BL_RUN": "clean"})
    out, err = proc.communicate(timeout=120)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, out + err
    clean = {rel: (root / rel).read_bytes() for rel in project.expected()}
    assert clean == project.expected()
    start = time.monotonic()
    proc = spawn(root, env={"BL_RUN": "noop"})
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "nothing to do" in out, out + err
    return project, clean, seconds, time.monotonic() - start


def _chain(project: DagProject, clean: dict[str, bytes], times: tuple[float, float], root: Path, seed: int) -> int:
    """Build `root` from scratch, killed at a few random moments, then to the end. Returns the kills."""
    rng = random.Random(seed)
    seconds, startup = times
    planned = rng.randint(*KILLS_PER_CHAIN)
    project.write(root)
    ids = project.job_ids
    jobs = rng.choice(("1", "2", "4", "8"))
    trusted: set[str] = set()
    kills = 0
    for run in range(1, 1000):
        name = f"s{seed}r{run}"
        left = len(ids) - len(trusted)
        delay = rng.uniform(0.02, startup + seconds * left / len(ids)) if kills < planned else 0.0
        proc = spawn(root, "-j", jobs, env={"BL_RUN": name})
        try:
            proc.wait(timeout=delay or 120)
        except subprocess.TimeoutExpired:
            if delay:
                proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
        where = f"seed {seed}, run {run} (-j {jobs}, killed after {delay:.3f}s)"
        assert "Traceback" not in err, f"{where}: {err}"
        warnings = [w for w in err.splitlines() if w.startswith("warning:") and "was killed and left" not in w]
        assert not warnings, f"{where}: the kill left a state that the next build warns about: {warnings}"
        started = Log.read(root).started(name)
        again = sorted(set(started) & trusted)
        assert not again, f"{where}: jobs whose record was saved ran again: {again}"
        assert len(started) == len(set(started)), f"{where}: a job started twice in one build"
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, f"{where}: exit {proc.returncode}\n{out}\n{err}"
            assert set(started) == set(ids) - trusted, f"{where}: ran {sorted(started)}, trusted {sorted(trusted)}"
            assert ran_count(out) == len(started) or (not started and "nothing to do" in out), out
            assert wrong_outputs(root, clean) == [], where
            break
        kills += 1
        now = trusted_jobs(root, ids)
        lost = sorted(trusted - now)
        assert not lost, f"{where}: the kill lost the records of {lost}"
        unsaved = sorted(set(printed_done(out)) - now)
        assert not unsaved, f"{where}: printed as done but not saved: {unsaved}"
        ended = Log.read(root).ended(name)
        unfinished = sorted(now - trusted - ended)
        assert not unfinished, f"{where}: trusted though their command never finished: {unfinished}"
        bad = wrong_outputs(root, clean, only=[f"out/{j}.txt" for j in now])
        assert not bad, f"{where}: trusted outputs that differ from a clean build's: {bad}"
        trusted = now
    final = spawn(root, "-j", jobs, env={"BL_RUN": f"s{seed}final"})
    out, err = final.communicate(timeout=60)
    assert final.returncode == 0 and "nothing to do" in out, out + err
    return kills


def test_a_build_killed_at_random_moments_resumes_exactly_where_it_stopped(
    reference: tuple[DagProject, dict[str, bytes], float, float],
    tmp_path: Path,
    long_mode: bool,
    figures: Counter[str],
) -> None:
    """SPEC: State ... survives crashes: a build killed at any moment loses no record of the jobs that had finished."""
    project, clean, seconds, startup = reference
    target = KILLS_LONG if long_mode else KILLS_IN_CI
    total = 0
    guard = threading.Lock()
    seeds = iter(range(1, 100_000))

    def worker() -> None:
        nonlocal total
        while True:
            with guard:
                if total >= target:
                    return
                seed = next(seeds)
            kills = _chain(project, clean, (seconds, startup), tmp_path / f"chain{seed}", seed)
            with guard:
                total += kills
                figures["kills"] += kills

    with ThreadPoolExecutor(max_workers=2) as pool:
        for f in [pool.submit(worker) for _ in range(2)]:
            f.result()
    assert total >= target


def test_a_build_right_after_a_kill_stops_the_commands_the_killed_build_left_running(make_project) -> None:
    """README: a job that was cut off reruns, and its leftover command must not race the rerun."""
    p = make_project(
        """
        [rules.slow]
        outputs = ["out.txt"]
        run = "echo $$ > pid; echo part1 > {output}; [ -e first ] && rm first && sleep 30; echo part2 >> {output}"
        """,
        {"first": ""},  # only the killed build's command waits: long enough to be found running
    )
    proc = spawn(p.root)
    wait_until(proc, pid_written(p.root / "pid"))
    # The build notes the group just after the spawn returns; the command may write first.
    noted = f"group {p.read('pid').strip()} "
    wait_until(proc, lambda: noted in p.read(".buildlike/lock"))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    pgid = int(p.read("pid"))
    try:
        r = p.run()
        assert r.code == 0, r.text
        assert "was killed and left 1 command running; stopping it first" in r.err, r.err
        assert leftover_processes([pgid]) == {}
        assert p.read("out.txt") == "part1\npart2\n"
        assert "nothing to do" in p.run().out
    finally:
        kill_groups([pgid])

"""Builds started at once in one project: one runs each job, the others wait and find nothing to do;
killing the build that holds the project frees the others, which finish its work correctly.

SPEC: "Two builds in one project never run at once: the second says which process holds the project
and waits for it. The lock is released by the OS if a build dies."
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_tools import (
    DagProject,
    Log,
    kill_groups,
    leftover_processes,
    printed_done,
    spawn,
    wait_until,
    wrong_outputs,
)


@pytest.mark.parametrize("builds", [2, 5])
def test_builds_started_at_once_run_each_job_exactly_once(tmp_path: Path, builds: int) -> None:
    project = DagProject.generate(30, seed=builds, min_sleep=0.01, max_sleep=0.06, sources=6, jobs=4)
    project.write(tmp_path)
    procs = [spawn(tmp_path, env={"BL_RUN": f"b{k}"}) for k in range(builds)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, out + err
        assert "Traceback" not in err
    log = Log.read(tmp_path)
    starts = Counter(job for kind, job, _ in log.lines if kind == "start")
    assert starts == Counter(project.job_ids), "each job must run exactly once"
    workers = [k for k, (out, _) in enumerate(results) if printed_done(out)]
    assert len(workers) == 1, workers
    for k, (out, err) in enumerate(results):
        if k != workers[0]:
            assert "nothing to do" in out, out + err
    assert any("another build is running in this project" in err for _, err in results)
    assert wrong_outputs(tmp_path, project.expected()) == []


def test_killing_the_build_that_holds_the_project_frees_the_waiting_ones(tmp_path: Path) -> None:
    """SPEC: the lock is released by the OS if a build dies; README: a job that was cut off reruns."""
    project = DagProject.generate(8, seed=3, min_sleep=0.6, max_sleep=1.0, sources=8, jobs=2)
    project.write(tmp_path)
    holder = spawn(tmp_path, env={"BL_RUN": "holder"})
    wait_until(holder, lambda: len(Log.read(tmp_path).started("holder")) >= 2)
    waiting = [spawn(tmp_path, env={"BL_RUN": f"w{k}"}) for k in range(2)]
    time.sleep(0.5)  # both are waiting for the lock now
    assert all(w.poll() is None for w in waiting)
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    cut_off = Log.pgids(tmp_path, "holder")
    try:
        results = [w.communicate(timeout=60) for w in waiting]
        for w, (out, err) in zip(waiting, results, strict=True):
            assert w.returncode == 0, out + err
            assert "another build is running in this project" in err, err
        # The killed build's commands must not race the reruns of their own jobs.
        assert wrong_outputs(tmp_path, project.expected()) == []
        assert leftover_processes(cut_off) == {}
        log = Log.read(tmp_path)
        reruns = [job for kind, job, run in log.lines if kind == "start" and run != "holder"]
        assert len(reruns) == len(set(reruns)), "a job ran twice after the holder died"
    finally:
        kill_groups(cut_off)

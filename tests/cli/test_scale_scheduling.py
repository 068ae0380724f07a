"""Scale: buildlike's own work per job must not grow with the number of jobs in the build.

A build of N independent fast jobs spends buildlike's CPU quadratically in N: jobs whose commands
ended pile up waiting for their bookkeeping (2687 of 4000 `true` jobs at once at -j4), and each time a
slot is filled the loop walks that pile, so 50,000 one-line `cp` jobs take 324 s
(6.5 ms/job) where 2,000 take 2.9 s (1.5 ms/job).
"""

from __future__ import annotations

import time

import buildlike
from buildlike.reporter import Reporter


def _own_cpu_per_job(make_project, n: int) -> float:
    rules = "\n".join(f'[rules.r{i}]\nalways = true\nrun = "true"\n' for i in range(n))
    p = make_project(rules)
    project = buildlike.load(p.root / "Maestrofile.toml")
    t0 = time.process_time()  # buildlike's own CPU, not its commands'
    result = buildlike.build(project, options=buildlike.BuildOptions(jobs=4), reporter=Reporter(quiet=True))
    spent = time.process_time() - t0
    assert len(result.ran) == n
    return spent / n


def test_cpu_per_job_does_not_grow_with_job_count(make_project):
    small = _own_cpu_per_job(make_project, 1500)
    large = _own_cpu_per_job(make_project, 8000)
    # Linear bookkeeping: about the same per-job cost (50% allowed for caches and noise). Seen: 0.33-0.40
    # ms/job at 1500 jobs, 0.89-0.97 ms/job at 8000 (the jobs whose commands ended pile up unfinished,
    # thousands of them, and the loop walks that pile each time it fills a slot).
    assert large < 1.5 * small, f"{small * 1e3:.3f} ms/job at 1500 jobs, {large * 1e3:.3f} ms/job at 8000"

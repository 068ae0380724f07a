"""SIGKILL at chosen system calls: inside every state write, checkpoint and cache save of a build.

A random kill rarely lands inside SQLite's few writes; here strace kills buildlike at the n-th call
of pwrite64, write, fdatasync, ftruncate, unlink or rename of its main thread (where the state,
the graph cache and the clean snapshot are written), for every n of a first build and of an
incremental one (CI tries a fixed sample of those moments, `--long` all of them). After each kill
the next build must not warn about the state, must not rerun a job the killed build printed as
done (nor, after a first build, one it saved), must rerun every job it did not save, and must leave
every output as a clean build would.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_tools import BUILDLIKE, DagProject, Log, printed_done, spawn, trusted_jobs, wrong_outputs

STRACE = shutil.which("strace")
pytestmark = pytest.mark.skipif(STRACE is None, reason="needs strace to stop buildlike at a chosen system call")

SYSCALLS = ("pwrite64", "write", "fdatasync", "ftruncate", "unlink", "rename")
PROJECT = DagProject.generate(12, seed=5, max_sleep=0.0, sources=4, jobs=2)
CHANGED = "src/s00.txt"
SAMPLE_IN_CI = 14  # moments per scenario


def _strace(*args: str) -> list[str]:
    assert STRACE is not None
    return [STRACE, "-qq", *args, *BUILDLIKE]


def _counts(root: Path) -> dict[str, int]:
    """How many times the build in `root` calls each of SYSCALLS (it is built, so use a copy)."""
    report = root.parent / f"{root.name}.counts"
    r = subprocess.run(
        [*_strace("-c", "-o", str(report), "-e", "trace=" + ",".join(SYSCALLS))],
        cwd=root,
        env={**os.environ, "BL_RUN": "count"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    counts = {}
    for line in report.read_text().splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m and m.group(2) in SYSCALLS:
            counts[m.group(2)] = int(m.group(1))
    return counts


def _scenario(tmp: Path, incremental: bool) -> Path:
    """A project ready to build: new, or built and then one source changed."""
    template = tmp / ("incremental" if incremental else "first")
    PROJECT.write(template)
    if incremental:
        r = subprocess.run(
            [*BUILDLIKE], cwd=template, capture_output=True, text=True, env={**os.environ, "BL_RUN": "0"}
        )
        assert r.returncode == 0, r.stdout + r.stderr
        (template / CHANGED).write_text("sum 1000\n")
        past = time.time_ns() - 50 * 10**9
        os.utime(template / CHANGED, ns=(past, past))
    return template


@pytest.mark.parametrize("incremental", [False, True], ids=["first build", "incremental build"])
def test_a_build_killed_inside_any_of_its_writes_resumes_exactly(
    tmp_path: Path, incremental: bool, long_mode: bool, figures: Counter[str]
) -> None:
    template = _scenario(tmp_path, incremental)
    probe = tmp_path / "probe"
    shutil.copytree(template, probe, symlinks=True)
    moments = [(call, n) for call, count in _counts(probe).items() for n in range(1, count + 1)]
    assert len(moments) > 20, moments
    if not long_mode:
        moments = sorted(random.Random(7).sample(moments, SAMPLE_IN_CI))
    sources = {**PROJECT.sources, CHANGED: "sum 1000\n"} if incremental else dict(PROJECT.sources)
    expected = PROJECT.expected(sources)
    stale = PROJECT.needing(CHANGED) if incremental else set(PROJECT.job_ids)
    for call, n in moments:
        root = tmp_path / f"{call}-{n}"
        shutil.copytree(template, root, symlinks=True)
        where = f"killed at {call} #{n}"
        killed = subprocess.run(
            _strace("-o", os.devnull, "-e", f"trace={call}", "-e", f"inject={call}:signal=KILL:when={n}"),
            cwd=root,
            env={**os.environ, "BL_RUN": "killed"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        done = set(printed_done(killed.stdout))
        if not incremental:
            trusted = trusted_jobs(root, PROJECT.job_ids)
            assert done <= trusted, f"{where}: printed as done but not saved: {sorted(done - trusted)}"
            bad = wrong_outputs(root, expected, only=[f"out/{j}.txt" for j in trusted])
            figures["wrong"] += len(bad)
            assert not bad, f"{where}: trusted outputs that a clean build would not make: {bad}"
        resume = spawn(root, env={"BL_RUN": "resume"})
        out, err = resume.communicate(timeout=60)
        assert resume.returncode == 0, f"{where}\n{out}\n{err}"
        warnings = [w for w in err.splitlines() if w.startswith("warning:") and "was killed and left" not in w]
        assert not warnings, f"{where}: {warnings}"
        again = set(Log.read(root).started("resume"))
        assert not again & done, f"{where}: printed as done, yet ran again: {sorted(again & done)}"
        assert again <= stale, f"{where}: ran without cause: {sorted(again - stale)}"
        # A stale job neither printed nor rerun was saved just before the kill (printing is one of
        # the writes): its output, checked below, shows whether that was right.
        if not incremental:
            assert again == set(PROJECT.job_ids) - trusted, where
        bad = wrong_outputs(root, expected)
        figures["wrong"] += len(bad)
        assert not bad, f"{where}: outputs that differ from a clean build's: {bad}"
        gitignore = root / ".buildlike" / ".gitignore"
        assert gitignore.exists() and "*" in gitignore.read_text(), f"{where}: the state folder may be committed"
        idle = subprocess.run([*BUILDLIKE], cwd=root, capture_output=True, text=True, env={**os.environ, "BL_RUN": "x"})
        assert idle.returncode == 0 and "nothing to do" in idle.stdout, f"{where}: {idle.stdout}{idle.stderr}"
        if killed.returncode != 0:
            figures["kills"] += 1

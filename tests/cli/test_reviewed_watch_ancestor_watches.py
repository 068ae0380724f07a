"""Found by a review of the commits that added it.

Review of ee3f01b (watch: a watch on each folder above a nested one).

`plan_watches` now adds, for each top-level group, one watch per folder above the group's folder.
These count against MAX_WATCHES (48): ten modules laid out as Maven/Gradle ones
(`modN/src/main/java/org/example/`) need 10 + 40 + 1 watches, so the plan collapses to ONE RECURSIVE
WATCH ON THE WHOLE PROJECT, which inotify makes one watch per folder of the tree, `node_modules`,
build folders and all: 11 watches before this commit, over 500 after (and a tree larger than
fs.inotify.max_user_watches is then not watched at all: "cannot watch '.'").
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="counts inotify watches in /proc")


def _inotify_watches(pid: int) -> int:
    n = 0
    for fd in Path(f"/proc/{pid}/fdinfo").iterdir():
        with contextlib.suppress(OSError):
            n += sum(1 for line in fd.read_text().splitlines() if line.startswith("inotify wd:"))
    return n


def test_nested_module_inputs_do_not_make_watch_recurse_over_the_whole_project(make_project):
    modules = [f"mod{i}/src/main/java/org/example" for i in range(10)]
    rules = "\n".join(
        f'[rules.m{i}]\ninputs = ["{d}/A.java"]\noutputs = ["out/m{i}.txt"]\nrun = "cp {{input}} {{output}}"\n'
        for i, d in enumerate(modules)
    )
    p = make_project(rules, {f"{d}/A.java": "class A {}\n" for d in modules})
    for j in range(300):  # an unrelated tree no rule reads
        (p.root / "node_modules" / f"pkg{j}" / "lib").mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildlike", "watch"],
        cwd=p.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 10
        seen = ""
        while "watching for changes" not in seen and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
        assert "watching for changes" in seen, seen
        count = _inotify_watches(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # 10 input folders (and the ones above them, and the project folder): well under 100 watches.
    assert count < 100, f"{count} inotify watches for 10 input folders"

"""A build stopped by a Maestrofile error (exit 2) must write nothing but the lock; an input that
neither exists nor is made by a rule still leaves `.buildlike/graph.cache` behind (other errors,
such as a cycle or an unknown target, write nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=root, capture_output=True, text=True, timeout=60
    )


def test_a_build_with_a_missing_input_writes_nothing_but_the_lock(tmp_path: Path) -> None:
    mf = tmp_path / "Maestrofile.toml"
    mf.write_text('[rules.a]\ninputs = ["nope.txt"]\noutputs = ["a.txt"]\nrun = "cp {input} {output}"\n')
    old = 1_600_000_000 * 10**9  # a Maestrofile old enough for the graph to be cached
    os.utime(mf, ns=(old, old))

    r = cli(tmp_path)
    assert r.returncode == 2, r.stderr
    assert "rule 'a'" in r.stderr and "nope.txt" in r.stderr, r.stderr

    state = tmp_path / ".buildlike"
    written = sorted(p.name for p in state.rglob("*") if p.is_file()) if state.exists() else []
    assert set(written) <= {"lock", ".gitignore"}, f"a build refused with exit 2 wrote {written}"

    (tmp_path / "nope.txt").write_text("here now\n")  # the same graph, its input there: cached now
    r = cli(tmp_path)
    assert r.returncode == 0, r.stderr
    assert (state / "graph.cache").is_file() and (tmp_path / "a.txt").read_text() == "here now\n"

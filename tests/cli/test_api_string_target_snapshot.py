"""c0d9293: `build(loaded, "ab")` builds the one target 'ab', but `_build_locked` still saves the
idle-build snapshot under `tuple(targets)` = ('a', 'b'). `buildlike a b` then matches that snapshot
and answers "nothing to do" although a.txt and b.txt were never made (SPEC, When a job runs: 1. one
of its outputs is missing)."""

from __future__ import annotations

import subprocess
import sys

PROJECT = """
[rules.a]
outputs = ["a.txt"]
run = "echo a > a.txt"

[rules.b]
outputs = ["b.txt"]
run = "echo b > b.txt"

[rules.ab]
outputs = ["ab.txt"]
run = "echo ab > ab.txt"
"""

SCRIPT = """
import os, sys, buildlike
project = buildlike.load(sys.argv[1])
buildlike.build(project, "ab")
for p in ("ab.txt", "Maestrofile.toml"):  # old enough to be trusted by the snapshot
    path = os.path.join(os.path.dirname(sys.argv[1]), p)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
buildlike.build(buildlike.load(sys.argv[1]), "ab")  # idle: saves the snapshot
"""


def test_a_string_target_from_the_api_does_not_make_cli_targets_look_up_to_date(make_project):
    p = make_project(PROJECT)
    m = str(p.root / "Maestrofile.toml")
    subprocess.run([sys.executable, "-c", SCRIPT, m], check=True, timeout=60, capture_output=True)
    assert p.exists("ab.txt") and not p.exists("a.txt")
    r = p.run("a", "b")
    assert r.code == 0, r.text
    assert p.exists("a.txt") and p.exists("b.txt"), r.text

"""Found by a tester migrating projects: a problem in a foreach rule's `inputs` is one problem, yet
it was reported once per matched file.

With 6 raw CSVs and a typo in a shared helper's path, buildlike prints the same
`error: ... rule 'each': input 'helper.py' is not a file and no rule makes it` six times
(600 times for 600 files); a glob in `inputs` that matches nothing gives its warning six times.
The other per-rule messages (bad globs, "the foreach match is not among the rule's inputs")
are said once per rule and text.
"""

import os
import subprocess
import sys
from pathlib import Path

BUILDLIKE = [sys.executable, "-m", "buildlike"]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LC_ALL="C.UTF-8")
    return subprocess.run(BUILDLIKE + list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=60)


def make_project(tmp_path: Path, inputs: str) -> None:
    (tmp_path / "raw").mkdir()
    for i in range(6):
        (tmp_path / "raw" / f"{i}.csv").write_text(f"{i}\n")
    (tmp_path / "Maestrofile.toml").write_text(
        "[rules.each]\n"
        'foreach = "raw/*.csv"\n'
        f"inputs = {inputs}\n"
        'outputs = ["out/{stem}.txt"]\n'
        'run = "cp {path} {output}"\n'
    )


def test_missing_shared_input_of_foreach_rule_reported_once(tmp_path: Path) -> None:
    make_project(tmp_path, '["{path}", "lib/helper.py"]')
    r = run(tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if "lib/helper.py" in line]
    assert len(lines) == 1, "the same error is printed once per foreach match:\n" + r.stderr


def test_empty_glob_warning_of_foreach_rule_said_once(tmp_path: Path) -> None:
    make_project(tmp_path, '["{path}", "extra/*.csv"]')
    r = run(tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "extra/*.csv" in line]
    assert len(lines) == 1, "the same warning is printed once per foreach match:\n" + r.stderr

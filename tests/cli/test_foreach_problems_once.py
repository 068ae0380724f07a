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


def test_an_output_every_match_makes_is_one_problem_naming_the_jobs(tmp_path: Path) -> None:
    """Found migrating projects: a foreach rule whose output is not named after its match said, once
    per match after the first, that the output "is also an output of job 'each:raw/0.csv'", never
    naming the job that clashed, and five times the same line for six files."""
    make_project(tmp_path, '["{path}"]')
    text = (tmp_path / "Maestrofile.toml").read_text().replace("out/{stem}.txt", "out/all.txt")
    (tmp_path / "Maestrofile.toml").write_text(text + '\n[rules.other]\noutputs = ["out/all.txt"]\nrun = "true"\n')
    r = run(tmp_path)
    assert r.returncode == 2, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: Maestrofile.toml:4: rule 'each': output 'out/all.txt' is an output of 6 of its jobs"
        " (each:raw/0.csv, each:raw/1.csv, each:raw/2.csv, each:raw/3.csv, each:raw/4.csv and 1 more);"
        " each file must have one maker (name it after the match: {stem})",
        "error: Maestrofile.toml:8: rule 'other': output 'out/all.txt' is also an output of rule 'each'"
        " (line 1); each file must have one maker",
    ]
    assert not (tmp_path / "out").exists()

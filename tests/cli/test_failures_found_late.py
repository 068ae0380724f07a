"""A job can fail after its commands exit 0: an output it did not make, a depfile that cannot be read.
Such a failure stops new jobs as a non-zero exit does (SPEC: "no new jobs start (unless `-k`)").
Found by a black-box tester: the build started the next job before it had looked at the outputs,
one more per free slot."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write(root: Path, text: str) -> None:
    (root / "Maestrofile.toml").write_text(textwrap.dedent(text))


def ran(root: Path) -> list[str]:
    log = root / "ran.log"
    return log.read_text().split() if log.exists() else []


OTHERS = """
[rules.b]
always = true
run = "echo b >> ran.log"

[rules.c]
always = true
run = "echo c >> ran.log"
"""


@pytest.mark.parametrize(
    "first",
    [
        'outputs = ["a.txt"]\nrun = "echo a >> ran.log"',  # its output missing
        'outputs = ["a.txt"]\ndepfile = "a.d"\nrun = "echo a >> ran.log; touch a.txt; echo no colon > a.d"',
        'outputs = ["a.txt"]\nrun = "echo a >> ran.log; exit 1"',  # (as it always was)
    ],
    ids=["missing-output", "bad-depfile", "exit-1"],
)
def test_a_job_failing_after_a_zero_exit_stops_new_jobs(buildlike_cli, tmp_path: Path, first: str) -> None:
    write(tmp_path, f"[rules.a]\n{first}\n{OTHERS}")
    r = buildlike_cli("-j1", cwd=tmp_path)
    assert r.code == 1, r.text
    assert ran(tmp_path) == ["a"], r.text
    assert "not started: 2 jobs" in r.err
    assert "  command (exit code " in r.err and "): echo a >> ran.log" in r.err  # (as for any failure)

    # With -k the others run, and the build still fails.
    (tmp_path / "ran.log").unlink()
    r = buildlike_cli("-j1", "-k", cwd=tmp_path)
    assert r.code == 1, r.text
    assert sorted(ran(tmp_path)) == ["a", "b", "c"]


def test_with_two_slots_no_third_job_starts_after_a_missing_output(buildlike_cli, tmp_path: Path) -> None:
    """`a` fails at once while `slow` still runs: the running one finishes, nothing else starts."""
    write(
        tmp_path,
        """
        [rules.a]
        outputs = ["a.txt"]
        run = "echo a >> ran.log"

        [rules.slow]
        always = true
        run = "sleep 0.5; echo slow >> ran.log"

        [rules.c]
        always = true
        run = "echo c >> ran.log"
        """,
    )
    r = buildlike_cli("-j2", cwd=tmp_path)
    assert r.code == 1, r.text
    assert sorted(ran(tmp_path)) == ["a", "slow"], r.text


def test_a_job_that_cannot_start_stops_the_jobs_of_the_same_fill(buildlike_cli, tmp_path: Path) -> None:
    """Found in review: a job failing as it starts (its output folder is a file) was seen only at the
    next wait, and the other free slot was filled meanwhile."""
    (tmp_path / "f").write_text("a file, not a folder\n")
    write(
        tmp_path,
        """
        [rules.bad]
        outputs = ["f/x.txt"]
        run = "touch f/x.txt"

        [rules.good]
        outputs = ["g.txt"]
        run = "echo good >> ran.log; touch g.txt"
        """,
    )
    r = buildlike_cli("-j2", cwd=tmp_path)
    assert r.code == 1, r.text
    assert "cannot create the folder 'f'" in r.err, r.err
    assert ran(tmp_path) == [], r.text
    assert "not started: 1 job" in r.err

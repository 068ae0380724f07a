"""README (When a job runs): "`buildlike status` says which jobs are stale and why, one line each".

A file name holding a line break (which buildlike handles, as it does a description's: "shown on
one line") made the job's id and paths in `status` span several lines, so a script reading `status`
line by line saw a broken line per such job; so did `-n`, `list` and a failure's first line. They
are written `\\n` now. Found by a black-box tester."""

from __future__ import annotations

FOREACH = """
[rules.c]
foreach = "src/*.c"
inputs = ["{path}"]
outputs = ["o/{stem}.o"]
run = "cp {input} {output}"
"""


def test_status_gives_one_line_per_stale_job_with_a_line_break_in_a_name(make_project):
    p = make_project(FOREACH, {"src/a\nb.c": "x\n", "src/plain.c": "y\n"})
    r = p.run("status")
    assert r.code == 0, r.text
    lines = r.out.splitlines()
    assert len(lines) == 2, r.out  # two stale jobs
    assert any(line.startswith("c:src/plain.c: ") for line in lines)
    assert any(line.startswith("c:src/a\\nb.c: ") for line in lines), r.out


def test_dry_run_list_and_a_failure_give_one_line_per_job_with_a_line_break_in_a_name(make_project):
    p = make_project(FOREACH.replace("cp {input} {output}", "exit 3"), {"src/a\nb.c": "x\n"})
    r = p.run("-n")
    assert r.code == 0, r.text
    assert r.out.splitlines()[0] == "would run: c src/a b.c (output 'o/a\\nb.o' is missing; never built)", r.out
    r = p.run("list")
    assert r.code == 0, r.text
    assert "  c:src/a\\nb.c  c src/a b.c" in r.out.splitlines(), r.out
    r = p.run()
    assert r.code == 1, r.text
    assert "FAILED: c src/a b.c (job 'c:src/a\\nb.c')" in r.err.splitlines(), r.err

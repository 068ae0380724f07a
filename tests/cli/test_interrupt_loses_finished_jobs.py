"""SIGTERM during a build of many fast jobs loses the records of hundreds of jobs whose commands had
finished (exit 0, output written) long before the signal: they are "never built" for `status` and
rerun.

README: "Ctrl-C or SIGTERM saves the jobs that had succeeded before it stops the running commands
(they used to rerun)." Cause seen from outside: with fast commands, jobs whose commands ended pile up
unfinished behind the build loop (thousands of them: see test_scale_scheduling.py), and an interrupt
drops the whole pile. Seen by hand: 6000 `touch` jobs at -j4, SIGTERM after 4 s: 2079 outputs made,
708 records saved, 1371 finished jobs "never built". This test (3000 `touch` jobs, -j4, SIGTERM from
a job once 2000 outputs exist) lost 16 to 746 records in five runs.
"""

from __future__ import annotations

N = 3000

KILLER = """
[rules.killer]
outputs = ["k"]
run = "while [ $(ls o | wc -l) -lt 2000 ]; do sleep 0.02; done; kill -TERM $PPID; sleep 10; touch k"

[rules.after]
inputs = ["k"]
outputs = ["k2"]
run = "touch k2"
"""


def test_sigterm_keeps_records_of_jobs_that_finished(make_project):
    rules = "\n".join(f'[rules.r{i}]\noutputs = ["o/{i}"]\nrun = "touch o/{i}"\n' for i in range(N))
    p = make_project(KILLER + rules, {"o/.keep": ""})
    r = p.run("build", "-q", "-j", "4", timeout=60)
    assert r.code == 130, r.text
    made = {i for i in range(N) if p.exists(f"o/{i}")}
    assert len(made) >= 2000
    st = p.run("status")
    stale = {line.split(":")[0] for line in st.out.splitlines()}
    # Jobs whose output is there but are stale: at most the few whose commands were still running
    # (3 slots besides the killer) when the signal came.
    lost = sorted(i for i in made if f"r{i}" in stale)
    assert len(lost) <= 6, (
        f"{len(lost)} of {len(made)} finished jobs lost their record, e.g. {lost[:5]}: {st.out[:300]}"
    )

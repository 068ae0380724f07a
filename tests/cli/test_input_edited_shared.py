"""An input read by several jobs, edited while they run: each job is judged against what the build
saw when it started, not against a stat another job took meanwhile (which would make the edit
look like no change to the job that read the edited bytes, and to watch mode). SPEC: "an input
edited while its job runs makes the job stale again for the next build". Found by a review."""

from __future__ import annotations

MF = """
[settings]
jobs = 2
[rules.a]
inputs = ["x.txt"]
outputs = ["a.txt"]
run = "if [ -f edit ]; then rm edit; cp edited.txt x.txt; fi; echo a >> ran.log; cat x.txt > a.txt"
[rules.b]
inputs = ["x.txt"]
outputs = ["b.txt"]
run = "sleep 1; echo b >> ran.log; cat x.txt > b.txt"
[rules.c]
inputs = ["a.txt", "x.txt"]
outputs = ["c.txt"]
run = "echo c >> ran.log; cat x.txt > c.txt"
"""


def test_second_reader_reruns_after_revert(make_project):
    """b reads x.txt after a's command edited it; c (ready once a is finished) stats x.txt again
    before b ends, so b's end-of-run check compares against c's stat, not b's own start."""
    p = make_project(MF, {"x.txt": "one\n", "edited.txt": "two\n"})
    p.age("x.txt", 100)
    p.age("edited.txt", 100)
    p.write("edit")
    assert p.run().code == 0
    assert p.read("b.txt") == "two\n"  # b read the edited bytes
    p.write("x.txt", "one\n")  # reverted
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("b.txt") == "one\n", "b was not rerun although x.txt changed while it ran"


def test_watch_rebuilds_after_shared_input_edited_during_build(make_project, watching):
    p = make_project(MF, {"x.txt": "one\n", "edited.txt": "two\n"})
    p.age("x.txt", 100)
    p.age("edited.txt", 100)
    p.write("edit")
    w = watching(p.root)
    w.wait_builds(1)
    w.wait_for(lambda: w.builds() >= 2, timeout=5, why="a second build after x.txt changed during the first")
    w.wait_idle()
    assert p.run("status", "--check").code == 0

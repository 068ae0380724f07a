"""A file a depfile lists, with an mtime in the future (clock skew, a tarball made on another
machine, `touch -d`), is judged by its content like any input."""

from __future__ import annotations

DEPFILE_JOB = """
[rules.cc]
inputs = ["a.c"]
outputs = ["a.o"]
depfile = "a.d"
run = "echo cc >> ran.log; cat a.c h.h > a.o; echo 'a.o: a.c h.h' > a.d"
"""


def test_an_unchanged_header_with_a_future_mtime_does_not_rerun_its_job_on_every_build(make_project):
    """SPEC: a job is stale when one of the rules holds, "and only then"; "Touching a file without
    changing it runs nothing." The job reran on every build until the clock passed the header's
    mtime (an hour here), and `status --check` failed all that time."""
    p = make_project(DEPFILE_JOB, {"a.c": "c\n", "h.h": "h\n"})
    p.age("h.h", -3600)
    for _ in range(3):
        r = p.run()
        assert r.code == 0, r.text
    assert p.log() == ["cc"]
    r = p.run("status", "--check")
    assert r.code == 0, r.text


def test_a_header_edited_while_its_job_runs_still_reruns_it(make_project):
    """SPEC: an input edited while its job runs makes the job stale again for the next build (also
    one first seen in the depfile, and also when the edit sets an old mtime, as `cp -p` does)."""
    p = make_project(
        DEPFILE_JOB.replace("cat a.c h.h > a.o;", "cat a.c h.h > a.o; echo new > h.h; touch -d '-2 hours' h.h;"),
        {"a.c": "c\n", "h.h": "old\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("a.o") == "c\nold\n"
    r = p.run("status", "--check")
    assert r.code == 1, r.text
    assert "h.h" in r.out

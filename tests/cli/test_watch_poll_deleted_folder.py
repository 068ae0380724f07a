"""Found by a black-box tester: with `--poll`, deleting the folder that holds an input (`rm -rf data`)
starts no build: the polling emitter of the deleted folder only says the folder went, which counts
as a listing change no glob sees, so the missing input is never reported and watch keeps saying it
is watching for changes while `status` says the job is stale. With OS events the same deletion
builds (and reports the missing input), as the README promises: "a build starts only when some
file's content or existence differs from what the last build read in it", and "a missing input ...
prints the error and then `waiting for changes`"."""

from __future__ import annotations

import shutil

import pytest

PROJECT = """
[rules.cat]
inputs = ["data/x.txt"]
outputs = ["out.txt"]
run = "cat {inputs} > {output}"
"""


@pytest.mark.parametrize("poll", [(), ("--poll", "0.2")], ids=["events", "poll"])
def test_deleting_the_folder_of_an_input_builds_and_reports_it_missing(make_project, watching, poll):
    p = make_project(PROJECT, {"data/x.txt": "1\n"})
    w = watching(p.root, *poll)
    w.wait_builds(1)
    shutil.rmtree(p.root / "data")
    w.wait_builds(2, timeout=20)  # the build that finds data/x.txt missing
    assert "data/x.txt" in w.out.split("watching for changes", 1)[1], w.out
    assert "waiting for changes" in w.out, w.out
    assert w.stop() == 0

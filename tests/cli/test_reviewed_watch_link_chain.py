"""Found by a reviewer (a link in the middle of a chain was a CONTENT change, watchset.py). The link
is reported as CONTENT under its own name, `stage`, which `Contents` never knows (it holds the
inputs' stamps), so `_settle` always takes it as changed: the link re-made to the same place
starts a build (and `--restart` would cancel a running one: `differs` is True for it).
README (watch): "a build starts only when some file's content or existence differs from what the
last build read in it". The first two tests pass on 6641751. With an `always = true` job that
re-pins such a link, watch never settles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from watching import Watching


@pytest.fixture
def watch():
    started: list[Watching] = []

    def start(root: Path, *args: str) -> Watching:
        w = Watching(root, "--debounce", "80", *args)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


LINK = """
[rules.cat]
inputs = ["cur.txt"]
outputs = ["out.txt"]
run = "cat {inputs} > {output}"
"""


def test_middle_link_remade_to_the_same_place_builds_nothing(make_project, watch):
    p = make_project(LINK, {"a/x.txt": "1\n"})
    os.symlink("a/x.txt", p.root / "stage")
    os.symlink("stage", p.root / "cur.txt")
    w = watch(p.root)
    w.wait_builds(1)
    # `ln -sfn a/x.txt stage`: the same link again (a deploy script, a setup step run twice).
    os.symlink("a/x.txt", p.root / "stage.tmp")
    os.replace(p.root / "stage.tmp", p.root / "stage")
    w.stays_at(1)  # HEAD: a second build ("changed: stage")
    assert w.stop() == 0


ALWAYS_LINK = """
[rules.cat]
inputs = ["cur.txt"]
outputs = ["out.txt"]
run = "cat {inputs} > {output}"

[rules.pin]
always = true
run = "ln -sfn a/x.txt stage"
"""


def test_an_always_job_that_repins_a_middle_link_settles(make_project, watch):
    p = make_project(ALWAYS_LINK, {"a/x.txt": "1\n"})
    os.symlink("a/x.txt", p.root / "stage")
    os.symlink("stage", p.root / "cur.txt")
    w = watch(p.root)
    w.wait_builds(1)
    p.write("a/x.txt", "2\n")
    w.wait_builds(2)
    w.wait_idle()
    n = w.builds()
    w.stays_at(n)  # HEAD: build after build, each one's `ln -sfn` starting the next
    assert w.stop() == 0


def test_a_folder_link_on_the_chains_way_pointed_elsewhere_builds(make_project, watch):
    """`_links_after` only asks whether each next hop *itself* is a link: a symlinked folder in the
    target's path (`cur.txt -> lnk/x.txt`, `lnk -> a`) is not in `via`, so `ln -sfn b lnk` (cur.txt
    now leads to b/x.txt, other bytes) builds nothing. README (db265b3): "a link made, removed or
    pointed elsewhere is followed to its new target, also one in the middle of a chain"."""
    p = make_project(LINK, {"a/x.txt": "1\n", "b/x.txt": "2\n"})
    os.symlink("a", p.root / "lnk")
    os.symlink("lnk/x.txt", p.root / "cur.txt")
    w = watch(p.root)
    w.wait_builds(1)
    assert p.read("out.txt") == "1\n"
    os.symlink("b", p.root / "lnk.tmp")
    os.replace(p.root / "lnk.tmp", p.root / "lnk")
    w.wait_file(p.root / "out.txt", "2\n", timeout=5)  # HEAD: no build, out.txt keeps "1"
    assert w.stop() == 0

"""A watched folder that is deleted and made again (`rm -rf data && mkdir data && ...`, a fetch script,
a tool that swaps a folder in by rename) within one debounce: the rebuild right after may happen, but the
OS watch stays on the old, deleted folder, so every later edit inside the new one is never seen."""

from __future__ import annotations

import os
import shutil

from watching import read

PROJECT = """
[rules.cat]
inputs = ["data/x.txt"]
outputs = ["out.txt"]
run = "cat {inputs} > {output}"
"""


def test_edits_in_a_folder_deleted_and_made_again_are_built(make_project, watching):
    p = make_project(PROJECT, {"data/x.txt": "1\n"})
    w = watching(p.root)
    w.wait_builds(1)
    shutil.rmtree(p.root / "data")
    (p.root / "data").mkdir()
    p.write("data/x.txt", "2\n")
    w.wait_for(lambda: read(p.root / "out.txt") == "2\n", 10, "the recreated data/x.txt to be built")
    w.wait_for(lambda: "watching for changes" in w.out.rsplit("changed:", 1)[-1], 10, "the build to end")
    p.write("data/x.txt", "3\n")  # a plain edit in the new folder
    w.wait_for(lambda: read(p.root / "out.txt") == "3\n", 10, "the edit in the recreated folder to be built")
    assert w.stop() == 0


def test_a_folder_swapped_in_by_rename_is_built_and_watched(make_project, watching):
    p = make_project(PROJECT, {"data/x.txt": "1\n", "data.new/x.txt": "2\n"})
    w = watching(p.root)
    w.wait_builds(1)
    os.rename(p.root / "data", p.root / "data.old")
    os.rename(p.root / "data.new", p.root / "data")
    w.wait_for(lambda: read(p.root / "out.txt") == "2\n", 10, "the swapped-in data/x.txt to be built")
    p.write("data/x.txt", "3\n")
    w.wait_for(lambda: read(p.root / "out.txt") == "3\n", 10, "the edit in the swapped-in folder to be built")
    assert w.stop() == 0

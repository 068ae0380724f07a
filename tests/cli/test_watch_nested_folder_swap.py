"""Found by a black-box tester of watch mode.

README, Watch mode: "A watched folder that is deleted and made again, or replaced by a rename
(`rm -rf data && mkdir data`, a tool that swaps `data.new` in), is watched anew, so edits in the new
folder are built too."

That holds for a top-level folder (the project folder's own watch sees the renames), but not for a
folder deeper down that is watched alone: `mv data/in data/in.old && mv data/in.new data/in` gives
the OS watch on the old folder (now data/in.old) a "moved away" it does not report, and nothing else
watches `data/`, so neither the swap nor any later edit in the new data/in is ever built."""

from __future__ import annotations

import os

from watching import read

PROJECT = """
[rules.load]
inputs = ["data/in/x.csv"]
outputs = ["x.out"]
run = "cp {input} {output}"
"""


def test_a_nested_folder_swapped_in_by_rename_is_built_and_watched(make_project, watching):
    p = make_project(PROJECT, {"data/in/x.csv": "1\n", "data/in.new/x.csv": "2\n"})
    w = watching(p.root)
    w.wait_builds(1)
    assert p.read("x.out") == "1\n"
    os.rename(p.root / "data/in", p.root / "data/in.old")  # the old folder is kept (a backup)
    os.rename(p.root / "data/in.new", p.root / "data/in")
    w.wait_for(lambda: read(p.root / "x.out") == "2\n", 10, "the swapped-in data/in/x.csv to be built")
    w.wait_idle()
    p.write("data/in/x.csv", "3\n")
    w.wait_for(lambda: read(p.root / "x.out") == "3\n", 10, "an edit in the swapped-in folder to be built")
    assert w.stop() == 0


INDEX = """
[rules.index]
inputs = ["content/posts/*.md"]
outputs = ["index.txt"]
run = "cat {inputs} > {output}"
"""


def test_a_nested_globbed_folder_renamed_away_then_made_anew_is_built(make_project, watching):
    """Renaming a folder in an IDE's tree (content/posts -> content/old), then making a new
    content/posts with a post in it: the glob's answer changed twice, and nothing was built; a later
    edit in content/old (no input any more) was then reported as `changed: content/posts/a.md`."""
    p = make_project(INDEX, {"content/posts/a.md": "a\n", "content/posts/b.md": "b\n"})
    w = watching(p.root)
    w.wait_builds(1)
    os.rename(p.root / "content/posts", p.root / "content/old")
    (p.root / "content/posts").mkdir()
    p.write("content/posts/c.md", "c\n")
    w.wait_for(lambda: read(p.root / "index.txt") == "c\n", 10, "the new content/posts/c.md to be built")
    assert w.stop() == 0

"""Found by a black-box tester of watch mode.

README, Watch mode: watch "rebuilds whenever something the build depends on changes"; SPEC: `watch`
rebuilds "on every change of an input".

A program that edits an input in place through mmap (a hex editor, LMDB with a write map, any tool
that patches bytes through a mapping) makes the kernel report no "modified" event, only a "closed
after writing" one, which watch filters out ("Not opened/closed"). The edit is never built, while
`buildlike build` sees it (its mtime moved). Niche, but a silent miss: taking watchdog's
FileClosedEvent as a modification (the same-content check drops the duplicates) builds it."""

from __future__ import annotations

import mmap

from watching import read

MF = """
[rules.a]
inputs = ["data.bin"]
outputs = ["a.out"]
run = "cp {input} {output}"
"""


def test_an_input_edited_through_mmap_is_built(make_project, watching):
    p = make_project(MF, {"data.bin": "aaaa\n"})
    w = watching(p.root)
    w.wait_builds(1)
    assert p.read("a.out") == "aaaa\n"
    with open(p.root / "data.bin", "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[0:4] = b"bbbb"
        m.flush()
    w.wait_for(lambda: read(p.root / "a.out") == "bbbb\n", 10, "the mmap edit to be built")
    assert w.stop() == 0

"""SPEC: "Globs support `*`, `?`, `[...]` and `**` (any depth)". A `**` over a tree about a thousand
folders deep (path still far below PATH_MAX) ends the build in a RecursionError traceback, exit 1."""

from __future__ import annotations

import os

MF = """
[rules.r]
inputs = ["src/**/*.txt"]
outputs = ["out"]
run = "echo r >> ran.log; echo {inputs} | wc -w > {output}"
"""


DEPTH = 1100  # src/a/a/.../a: 2,200 characters


def _remove_deep(src):
    """shutil.rmtree (and so pytest's clean-up of old tmp folders) recurses too: undo by hand."""
    deepest = os.path.join(src, *["a"] * DEPTH)
    if os.path.exists(os.path.join(deepest, "x.txt")):
        os.unlink(os.path.join(deepest, "x.txt"))
    for k in range(DEPTH, 0, -1):
        d = os.path.join(src, *["a"] * k)
        if os.path.isdir(d):
            os.rmdir(d)


def test_doublestar_walks_a_very_deep_tree(make_project):
    p = make_project(MF, {"src/top.txt": "t\n"})
    try:
        _check(p)
    finally:
        _remove_deep(str(p.root / "src"))


def _check(p):
    fd = os.open(p.root / "src", os.O_RDONLY)
    try:
        for _ in range(DEPTH):
            os.mkdir("a", dir_fd=fd)
            nfd = os.open("a", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        with open(os.open("x.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write("x\n")
    finally:
        os.close(fd)
    r = p.run()
    assert "Traceback" not in r.err, r.err[-500:]
    assert r.code == 0, r.text[-500:]
    assert p.read("out").strip() == "2"

"""A `**` glob over a tree 1000 folders deep (paths of about 2,000 bytes, well within PATH_MAX) ends
`build`, `status`, `list` and `clean` in a Python traceback (RecursionError: maximum recursion depth
exceeded, in globs.py `_walk`), exit 1. 900 folders deep works.

SPEC: "Globs support `*`, `?`, `[...]` and `**` (any depth)"; failures are clear messages, never a
traceback.
"""

from __future__ import annotations

import os

DEPTH = 1000


def _deep_tree(root) -> str:
    here = root / "src"
    here.mkdir()
    fd = os.open(here, os.O_RDONLY)
    try:
        for _ in range(DEPTH):  # one level at a time, by descriptor: no path grows past PATH_MAX
            os.mkdir("d", dir_fd=fd)
            nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        wfd = os.open("x.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, b"deep\n")
        os.close(wfd)
    finally:
        os.close(fd)
    return "src/" + "d/" * DEPTH + "x.txt"


def _remove_deep_tree(root) -> None:
    """Delete the tree bottom-up by descriptors (shutil.rmtree, as pytest's clean-up of old tmp
    folders, recurses once per level and would itself hit the recursion limit)."""
    fds = [os.open(root / "src", os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        for name in os.listdir(fds[-1]):
            os.unlink(name, dir_fd=fds[-1])
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def test_double_star_glob_over_1000_deep_tree(make_project):
    p = make_project(
        """
        [rules.all]
        inputs = ["src/**/*.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """
    )
    _deep_tree(p.root)
    try:
        _check(p)
    finally:
        _remove_deep_tree(p.root)


def _check(p) -> None:
    for args in (("list",), ("status",)):
        r = p.run(*args)
        assert "Traceback" not in r.err, f"{args}: {r.err[-600:]}"
    r = p.run("build")
    assert "Traceback" not in r.err, r.err[-600:]
    assert r.code == 0, r.text[-600:]
    assert p.read("all.txt") == "deep\n"

"""Found by a black-box tester: a symlinked input whose link leads to another link (`cur.txt -> stage
-> a/x.txt`, as with `current -> releases/latest -> v2` or /etc/alternatives): pointing the link in
the middle elsewhere (`ln -sfn b/x.txt stage`) changes what the input holds, and `buildlike build` /
`status` see it, but watch only watches the first link and the end of the chain, so the switch is
never built (nor, after it, any edit in the new target).

README, Watch mode: "Symlinks are followed as a build follows them ... a link made, removed or
pointed elsewhere is followed to its new target"."""

from __future__ import annotations

import os

import pytest
from watching import read


def relink(path, target) -> None:
    """`ln -sfn target path`: a new link renamed over the old one."""
    tmp = path.parent / (path.name + ".tmp")
    os.symlink(target, tmp)
    os.replace(tmp, path)


@pytest.mark.parametrize(
    ("inputs", "first", "second"),
    [
        ("cur.txt", "a/x.txt", "b/x.txt"),  # a file through two links
        ("cur/x.txt", "a", "b"),  # a folder through two links
    ],
    ids=["file", "folder"],
)
def test_pointing_the_middle_link_of_a_chain_elsewhere_is_built(make_project, watching, inputs, first, second):
    p = make_project(
        f"""
[rules.cat]
inputs = ["{inputs}"]
outputs = ["out.txt"]
run = "cat {{inputs}} > {{output}}"
""",
        {"a/x.txt": "a\n", "b/x.txt": "b\n"},
    )
    os.symlink(first, p.root / "stage")
    os.symlink("stage", p.root / inputs.split("/")[0])
    w = watching(p.root)
    w.wait_builds(1)
    assert read(p.root / "out.txt") == "a\n"
    relink(p.root / "stage", second)
    w.wait_file(p.root / "out.txt", "b\n", timeout=20)
    assert w.stop() == 0

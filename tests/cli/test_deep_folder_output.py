"""A folder a rule makes, a thousand folders deep (found in review): its fingerprint walked it with
`os.fwalk`, which recurses, and every build and `status` ended in a RecursionError traceback."""

from __future__ import annotations

import os

DEPTH = 1100  # deep/d/d/.../d: about 2,200 characters, within PATH_MAX

MF = f"""
[rules.deep]
outputs = ["deep"]
run = "echo deep >> ran.log; mkdir -p deep/{"/".join(["d"] * DEPTH)} && echo x > deep/{"/".join(["d"] * DEPTH)}/x.txt"
"""


def _remove(root) -> None:
    """shutil.rmtree (and so pytest's clean-up) recurses too: undo by hand, deepest first."""
    for k in range(DEPTH, -1, -1):
        d = os.path.join(root, "deep", *["d"] * k)
        if os.path.exists(os.path.join(d, "x.txt")):
            os.unlink(os.path.join(d, "x.txt"))
        if os.path.isdir(d):
            os.rmdir(d)


def test_a_folder_output_a_thousand_folders_deep_is_fingerprinted(make_project):
    p = make_project(MF)
    try:
        r = p.run("-q")
        assert r.code == 0, r.text[-800:]
        for command in (("status",), ("build",)):
            r = p.run(*command)
            assert "Traceback" not in r.err, r.err[-800:]
            assert r.code == 0 and "up to date" in r.out, r.text[-800:]
        deepest = os.path.join(p.root, "deep", *["d"] * DEPTH, "x.txt")
        with open(deepest, "w") as f:  # a hand edit deep inside: the folder's content changed
            f.write("edited\n")
        r = p.run("-q")
        assert r.code == 0, r.text[-800:]
        assert p.log() == ["deep", "deep"]
    finally:
        _remove(p.root)

"""A file a depfile lists, reached through a symlink that is switched while its job runs.

README ("When a job runs"): "A file its depfile lists is stamped once the job ended: one changed after
the job started is taken as unknown, so the job reruns next time. That is judged by the file's ctime".
SPEC: "Input stamps are taken before the command starts, so an input edited while its job runs makes
the job stale again for the next build."

The ctime is taken with a stat that follows the link, i.e. the ctime of the file the link leads to
*now*. When the link (`inc -> v1` made `inc -> v2`, or `x.h -> x2.h` made `x.h -> x3.h`, as
`ln -sfn` does) is switched during the job to a file that has existed for a while, that ctime is old,
so the switch is not seen; and the digest recorded is taken after the job, of the new target. The
record then says the job read the new header, so the next build says "nothing to do" although the
output was made from the old one: a silently stale build (status --check agrees, wrongly).

Here the switch is made by the job's command itself, after it read the header (only while a
`switch` file exists, so the command stays the same across builds), so that it lands
deterministically while the job runs, as a concurrent `ln -sfn` by another program would.
"""

from __future__ import annotations

import os


def _aged(p, *names: str, seconds: float) -> None:
    for n in names:
        p.age(n, seconds)


def test_header_through_symlinked_folder_switched_during_first_build_is_seen_next_build(make_project):
    """Expected: after the build during which `inc` was switched from v1 to v2, `status` calls `cc`
    stale and the next build reruns it (out.txt then holds X2). Actual: `status` says everything is up
    to date and the build says nothing to do; out.txt still holds X1 while inc/x.h holds X2."""
    p = make_project(
        """
        [rules.cc]
        inputs = ["src.c"]
        outputs = ["out.txt"]
        depfile = "out.d"
        run = [
            "echo cc >> ran.log; cat src.c inc/x.h > out.txt; echo 'out.txt: src.c inc/x.h' > out.d",
            "if [ -f switch ]; then ln -sfn v2 inc; fi",
        ]
        """,
        {"src.c": "S\n", "v1/x.h": "X1\n", "v2/x.h": "X2\n", "switch": ""},
    )
    _aged(p, "v1/x.h", "v2/x.h", "src.c", seconds=100)
    os.symlink("v1", p.root / "inc")
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cc"]
    assert p.read("out.txt") == "S\nX1\n"
    assert os.readlink(p.root / "inc") == "v2"  # switched while cc ran, after it read v1/x.h
    (p.root / "switch").unlink()

    status = p.run("status")
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cc", "cc"], f"cc was not rerun; status said: {status.out.strip()!r}"
    assert p.read("out.txt") == "S\nX2\n"


def test_known_header_symlink_switched_during_a_rerun_is_seen_next_build(make_project):
    """The header was listed by earlier runs. The user switches `x.h` to x2.h and edits src.in (say, by
    checking out another branch); the build runs gen, then cc; while cc runs, `x.h` is switched again,
    to x3.h. Expected: the next build reruns cc (out.txt then ends in X3). Actual: "nothing to do",
    out.txt ends in X2 while x.h holds X3 (the record took x3.h's digest, after the job, as what cc
    read)."""
    p = make_project(
        """
        [rules.gen]
        inputs = ["src.in"]
        outputs = ["src.c"]
        run = "cp src.in src.c"

        [rules.cc]
        inputs = ["src.c"]
        outputs = ["out.txt"]
        depfile = "out.d"
        run = [
            "echo cc >> ran.log; cat src.c x.h > out.txt; echo 'out.txt: src.c x.h' > out.d",
            "if [ -f switch ]; then ln -sfn x3.h x.h; fi",
        ]
        """,
        {"src.in": "S\n", "x1.h": "X1\n", "x2.h": "X2\n", "x3.h": "X3\n"},
    )
    p.age("src.in", 100)
    p.age("x1.h", 100)
    p.age("x2.h", 200)
    p.age("x3.h", 300)
    os.symlink("x1.h", p.root / "x.h")
    assert p.run().code == 0
    assert p.run().code == 0
    assert p.log() == ["cc"]

    p.write("src.in", "S2\n")
    (p.root / "x.h").unlink()
    os.symlink("x2.h", p.root / "x.h")
    p.write("switch")
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cc", "cc"]
    assert p.read("out.txt") == "S2\nX2\n"
    assert os.readlink(p.root / "x.h") == "x3.h"  # switched while cc ran, after it read x2.h
    (p.root / "switch").unlink()

    status = p.run("status")
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cc", "cc", "cc"], f"cc was not rerun; status said: {status.out.strip()!r}"
    assert p.read("out.txt") == "S2\nX3\n"

"""`clean` deletes only what a successful job recorded as its output, inside the project, never a
source, even when the state database lies; outputs that lead outside the project are refused.

SPEC: "`buildlike clean`: delete the outputs that buildlike made, and nothing else"; "Outputs must
stay inside it"; The graph: "an output path outside the project" is an error reported before anything
runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildlike.records import JobRecord
from buildlike.state import StateStore

PROJECT = """
[rules.make]
inputs = ["src/input.txt"]
outputs = ["out/made.txt"]
depfile = "out/made.d"
run = "cat src/input.txt src/header.h > {output}; echo 'out/made.txt: src/header.h' > out/made.d"
"""


def _age(root: Path) -> None:
    """Make every file and folder look old, so caches and snapshots may trust their stats."""
    past = 1_600_000_000 * 10**9
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.utime(os.path.join(folder, name), ns=(past, past), follow_symlinks=False)
    os.utime(root, ns=(past, past))


def _tamper(root: Path, outputs: list[str]) -> None:
    store = StateStore.open(root / ".buildlike", writable=True, warn=print)
    try:
        record = JobRecord(b"forged", (), (), (), (), tuple(outputs), tuple(b"x" * 16 for _ in outputs))
        store.commit(finished=[("forged", record)])
    finally:
        store.close()


def test_clean_deletes_nothing_a_tampered_state_lists_outside_the_project_or_as_a_source(
    make_project, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("victim.txt", "absolute.txt", "through-link.txt", "link-target.txt"):
        (outside / name).write_text("precious\n")
    p = make_project(PROJECT, {"src/input.txt": "in\n", "src/header.h": "h\n", "notes/keep.txt": "mine\n"})
    os.symlink(outside, p.root / "linkdir")
    os.symlink(outside / "link-target.txt", p.root / "link-out.txt")
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out/made.txt") == "in\nh\n"
    forged = [
        "../outside/victim.txt",
        str(outside / "absolute.txt"),
        "src/input.txt",  # a source of the Maestrofile
        "src/header.h",  # a source known only from a depfile
        "Maestrofile.toml",
        "linkdir/through-link.txt",  # a file reached through a symlinked folder
        "link-out.txt",  # a symlink pointing out of the project
        ".buildlike/state.db",
        "out/../src/input.txt",
        "notes",  # a folder
        "",
        ".",
        "..",
    ]
    _tamper(p.root, forged)
    r = p.run("clean", "-v")
    assert r.code == 0, r.text
    assert "Traceback" not in r.err
    assert not p.exists("out/made.txt")  # what the real job made is gone
    for name in ("victim.txt", "absolute.txt", "through-link.txt", "link-target.txt"):
        assert (outside / name).read_text() == "precious\n", name
    assert p.read("src/input.txt") == "in\n" and p.read("src/header.h") == "h\n"
    assert p.exists("Maestrofile.toml") and p.read("notes/keep.txt") == "mine\n"
    assert (p.root / ".buildlike" / "state.db").exists()
    r = p.run()  # the state still works
    assert r.code == 0 and p.read("out/made.txt") == "in\nh\n", r.text


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("../escape.txt", "outside the project"),
        ("sub/../../escape.txt", "outside the project"),
        ("{OUTSIDE}/escape.txt", "outside the project"),
        ("linkdir/escape.txt", "links outside the project"),
        ("linkdir/new/deeper/escape.txt", "links outside the project"),
        (".buildlike/escape.txt", "state folder"),
    ],
)
def test_outputs_that_lead_outside_the_project_are_refused_before_anything_runs(
    make_project, tmp_path: Path, output: str, says: str
) -> None:
    """SPEC: The graph: an output path outside the project is an error, reported before anything runs."""
    outside = tmp_path / "outside"
    outside.mkdir()
    p = make_project(
        f"""
        [vars]
        OUTSIDE = "{outside}"

        [rules.first]
        outputs = ["first.txt"]
        run = "touch {{output}}"

        [rules.escape]
        outputs = ["{output}"]
        run = "echo gotcha > {{output}}"
        """
    )
    os.symlink(outside, p.root / "linkdir")
    r = p.run()
    assert r.code == 2, r.text
    assert says in r.err and "rule 'escape'" in r.err, r.err
    assert list(outside.iterdir()) == [] and not p.exists("first.txt")


def test_a_folder_replaced_by_a_symlink_after_a_build_is_still_refused(make_project, tmp_path: Path) -> None:
    """Outputs are checked on every build, not only when the Maestrofile changed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    p = make_project(
        """
        [rules.gen]
        inputs = ["src.txt"]
        outputs = ["build/gen.txt"]
        run = "cp {input} {output}"
        """,
        {"src.txt": "v1\n"},
    )
    _age(p.root)
    assert p.run().code == 0
    assert "nothing to do" in p.run().out  # graph and state are cached now
    (p.root / "build" / "gen.txt").unlink()
    (p.root / "build").rmdir()
    os.symlink(outside, p.root / "build")
    p.write("src.txt", "v2\n")
    r = p.run()
    assert r.code == 2, r.text
    assert "links outside the project" in r.err, r.err
    assert list(outside.iterdir()) == []

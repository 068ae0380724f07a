"""Found by a black-box tester (failed at 6a04a2c): a `pathlib.Path` naming an output file is not accepted as a target.

README (The command line, Python API): targets are "rules, jobs (`rule:path`) or output files
(relative to the Maestrofile, or absolute)", and `load` itself takes `str | os.PathLike`. A library
user naturally names an output file with a `Path` (`build(project, [root / "report.md"])`). Today
`build`, `status` and a lone `Path` target escape as raw `AttributeError: 'PosixPath' object has no
attribute 'startswith'` / `TypeError: 'PosixPath' object is not iterable`, not even a
`BuildlikeError`. Expected: the same as the equivalent `str` (or, at the very least, a `UsageError`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import project

import buildlike

TEXT = """
[rules.one]
inputs = ["src.txt"]
outputs = ["out/one.txt"]
run = "cp {input} {output}"

[rules.two]
outputs = ["two.txt"]
run = "echo two > two.txt"
"""


@pytest.fixture
def loaded(tmp_path: Path) -> buildlike.Loaded:
    return buildlike.load(project(tmp_path / "p", TEXT, {"src.txt": "hello\n"}))


def test_str_targets_work_relative_and_absolute(loaded, capsys):
    assert buildlike.build(loaded, ["out/one.txt"]).ran == ("one",)
    assert buildlike.build(loaded, [str(loaded.maestrofile.parent / "two.txt")]).ran == ("two",)


def test_a_relative_path_target_builds_that_output(loaded, capsys):
    assert buildlike.build(loaded, [Path("out/one.txt")]).ran == ("one",)


def test_an_absolute_path_target_builds_that_output(loaded, capsys):
    assert buildlike.build(loaded, [loaded.maestrofile.parent / "out" / "one.txt"]).ran == ("one",)


def test_a_lone_path_target_is_one_target(loaded, capsys):
    # as a lone str is one target (api.as_targets), a lone Path is one too
    assert buildlike.build(loaded, Path("two.txt")).ran == ("two",)


def test_status_takes_a_path_target(loaded, capsys):
    assert [s.job.id for s in buildlike.status(loaded, [Path("out/one.txt")])] == ["one"]

"""What `build()` tells its caller, and errors that were not BuildlikeErrors. Found by a black-box
tester (failed at 6a04a2c but for the last test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from api_helpers import project

import buildlike

KEEP_GOING = """
[settings]
jobs = 1

[rules.good]
outputs = ["good.txt"]
run = "echo good > good.txt"

[rules.bad]
outputs = ["bad.txt"]
run = "exit 4"

[rules.after_bad]
inputs = ["bad.txt"]
outputs = ["after.txt"]
run = "cp bad.txt after.txt"
"""


def test_a_failed_keep_going_build_still_says_which_jobs_ran(tmp_path, capsys):
    """`BuildResult` has `ran`, `failed` and `skipped`, but a build with a failure never returns
    one: it raises `BuildFailed`, which carries only `failed`. So `BuildResult.failed` and
    `.skipped` are always empty, and after `keep_going=True` (whose whole point is to do what can be
    done) the caller cannot learn from the API which jobs ran and which were skipped: only from the
    printed lines. Expected: `BuildFailed` carries the build's `BuildResult` (or its `ran` and
    `skipped`), with `good` among what ran and `after_bad` among what was skipped.
    A reasonable library user's expectation; README promises only `failed` on BuildFailed."""
    loaded = buildlike.load(project(tmp_path / "p", KEEP_GOING))
    with pytest.raises(buildlike.BuildFailed) as failed:
        buildlike.build(loaded, options=buildlike.BuildOptions(keep_going=True))
    assert failed.value.failed == ("bad",)  # (holds)
    assert (tmp_path / "p" / "good.txt").exists()  # (holds: good did run)
    result = getattr(failed.value, "result", None)
    ran = getattr(failed.value, "ran", None) if result is None else result.ran
    skipped = getattr(failed.value, "skipped", None) if result is None else result.skipped
    assert ran == ("good",)
    assert skipped == ("after_bad",)


def test_status_of_a_project_whose_folder_is_gone_is_a_buildlike_error(tmp_path, capsys):
    """errors.py: "anything else escaping is a bug". A service keeps a `Loaded`; the project's
    folder is removed (a checkout deleted, a temp folder cleaned). `build()` then says
    `StateError: cannot create buildlike's state folder ...: No such file or directory`, but
    `status()` and a dry-run `build()` escape as a raw `FileNotFoundError` from
    `os.open(root, O_DIRECTORY)` in fingerprint.Stamper. Expected: a BuildlikeError naming the folder."""
    root = project(tmp_path / "p", '[rules.a]\noutputs = ["a.txt"]\nrun = "echo a > a.txt"\n')
    loaded = buildlike.load(root)
    shutil.rmtree(root)
    with pytest.raises(buildlike.BuildlikeError):
        buildlike.build(loaded)  # (holds: StateError)
    with pytest.raises(buildlike.BuildlikeError):
        buildlike.status(loaded)


def test_a_dry_run_of_a_project_whose_folder_is_gone_is_a_buildlike_error(tmp_path, capsys):
    root = project(tmp_path / "p", '[rules.a]\noutputs = ["a.txt"]\nrun = "echo a > a.txt"\n')
    loaded = buildlike.load(root)
    shutil.rmtree(root)
    with pytest.raises(buildlike.BuildlikeError):
        buildlike.build(loaded, options=buildlike.BuildOptions(dry_run=True))


def test_load_takes_str_and_path_files_and_folders_alike(tmp_path, capsys, monkeypatch):
    root = project(tmp_path / "p", '[rules.a]\noutputs = ["a.txt"]\nrun = "echo a > a.txt"\n')
    monkeypatch.chdir(tmp_path)
    want = root / "Maestrofile.toml"
    for arg in ("p", Path("p"), "p/Maestrofile.toml", Path("p/Maestrofile.toml"), str(root), want):
        assert buildlike.load(arg).maestrofile == want
    assert buildlike.load(directory=Path("p")).maestrofile == want
    assert buildlike.load("Maestrofile.toml", directory="p").maestrofile == want

"""Unit tests of hook.py's pure parts: which tracked files a build changed, the hook script, the marker."""

from __future__ import annotations

import subprocess

import pytest

from buildlike.errors import CommitRefused
from buildlike.gitstate import changed_files
from buildlike.hook import CHAINED_NAME, MARKER, hook_script, is_buildlike_hook


def test_a_file_that_becomes_dirty_during_the_build_is_changed():
    assert changed_files({}, {"gen.txt": b"d1"}) == ("gen.txt",)


def test_a_file_dirty_before_and_untouched_by_the_build_is_not_changed():
    assert changed_files({"notes.txt": b"d1"}, {"notes.txt": b"d1"}) == ()


def test_a_dirty_file_the_build_rewrote_with_other_content_is_changed():
    assert changed_files({"gen.txt": b"d1"}, {"gen.txt": b"d2"}) == ("gen.txt",)


def test_a_dirty_file_the_build_made_equal_to_the_index_again_is_changed():
    assert changed_files({"gen.txt": b"d1"}, {}) == ("gen.txt",)


def test_a_tracked_file_the_build_deleted_is_changed():
    assert changed_files({}, {"gen.txt": None}) == ("gen.txt",)
    assert changed_files({"gen.txt": None}, {"gen.txt": None}) == ()


def test_changed_files_come_sorted():
    assert changed_files({"b": b"1"}, {"b": b"2", "a": b"1", "c": None}) == ("a", "b", "c")


def test_the_script_buildlike_writes_carries_the_marker():
    script = hook_script(python="/venv/bin/python")
    assert MARKER in script.splitlines()
    assert is_buildlike_hook(script.encode())


@pytest.mark.parametrize(
    "foreign",
    [
        b"#!/bin/sh\nexec pre-commit hook-impl --hook-type=pre-commit\n",
        b"#!/bin/sh\n# runs buildlike-hook too, but not on a line of its own\nbuildlike\n",
        b"",
        b"\x7fELF\x02\x01\x01\x00binary",
    ],
)
def test_a_hook_without_the_marker_line_is_foreign(foreign: bytes):
    assert not is_buildlike_hook(foreign)


def test_the_script_runs_hook_run_with_check_and_a_quoted_maestrofile():
    script = hook_script(python="/opt/my venv/bin/python", check=True, file="docs/My Maestrofile.toml")
    assert "-m buildlike hook run --check -f 'docs/My Maestrofile.toml'" in script
    assert "python='/opt/my venv/bin/python'" in script


def test_the_script_runs_a_chained_hook_only_when_asked():
    assert CHAINED_NAME not in hook_script(python="/p")
    chained = hook_script(python="/p", chained=True)
    call = chained.index(CHAINED_NAME)
    assert call < chained.index("-m buildlike hook run")  # the earlier hook runs first
    assert "|| exit $?" in chained  # and its failure stops the commit


@pytest.mark.parametrize("chained", [False, True])
def test_the_script_is_valid_sh(chained: bool):
    script = hook_script(python="/p", check=True, file="a b/Maestrofile.toml", chained=chained)
    proc = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_a_refused_commit_names_the_changed_files_and_what_to_do():
    e = CommitRefused(changed=["gen/a.txt", "gen/b.txt"])
    assert e.exit_code == 1
    assert e.changed == ("gen/a.txt", "gen/b.txt")
    assert "2 files that git tracks" in e.message
    assert "git add" in e.message
    assert "\n  gen/a.txt\n  gen/b.txt" in e.message


def test_a_check_refusal_names_the_stale_jobs():
    e = CommitRefused(stale=["gen"])
    assert e.stale == ("gen",)
    assert "1 job is stale (gen)" in e.message

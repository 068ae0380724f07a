"""What a walk through the README on a fresh clone found at odds with it (each failed at c0d9293)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

PROJECT = """
[rules.copy]
inputs = ["in.txt"]
outputs = ["out.txt"]
run = "cp {input} {output}"
"""

STATUS = re.compile(r"^\[\d\d:\d\d:\d\d\] ", re.M)


def _watch(root, *args, script=None, seconds=3.0):
    """Run watch (CLI, or a Python script) for `seconds`, stop it with SIGINT; (code, output)."""
    cmd = [sys.executable, "-c", script] if script else [sys.executable, "-m", "buildlike", "watch", *args]
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    return proc.returncode, out


def test_watch_dry_run_prints_one_status_line_per_build(make_project):
    # README, Watch mode, Output: "then one status line per build"
    p = make_project(PROJECT, {"in.txt": "x\n"})
    assert p.run("build").code == 0
    code, out = _watch(p.root, "-n")
    assert code == 0, out
    assert len(STATUS.findall(out)) == 1, (
        out
    )  # prints "... up to date; watching for changes" AND "watching for changes"


def test_python_watch_takes_one_target_as_a_plain_string_like_build(make_project):
    # Changelog: "the Python API takes one target as a plain string (`build(project, "report")` built one
    # target per character)"; buildlike.watch.watch(path, targets="copy") still splits it into characters.
    p = make_project(PROJECT, {"in.txt": "x\n"})
    script = textwrap.dedent(
        """
        from buildlike.watch import watch
        watch("Maestrofile.toml", targets="copy")
        """
    )
    _code, out = _watch(p.root, script=script)
    assert "unknown target" not in out, out
    assert p.read("out.txt") == "x\n"


def test_an_option_before_a_command_name_says_options_follow_the_command(make_project):
    # README: "Options follow the command"; the first command of the README is `buildlike -C DIR`,
    # so `buildlike -C DIR status` (as with git -C) is natural, and says only "unknown target 'status'".
    p = make_project(PROJECT, {"in.txt": "x\n"})
    r = p.run("-C", ".", "status")
    assert r.code == 2
    assert "buildlike status -C" in r.err or "follow the command" in r.err, r.err


def test_the_api_value_types_the_readme_names_are_importable_from_the_package():
    import buildlike

    for name in ("BuildOptions", "BuildResult", "JobStatus", "Job", "Problem", "Loaded"):
        assert hasattr(getattr(buildlike, name), "_replace"), name


def test_a_run_of_the_wrong_type_says_a_string_or_a_list_of_strings(make_project):
    p = make_project('[rules.a]\noutputs = ["a.txt"]\nrun = 3\n')
    r = p.run()
    assert r.code == 2
    assert "'run' must be a string or a list of strings, not a number" in r.err, r.err

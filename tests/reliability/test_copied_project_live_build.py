"""Found by a black-box tester: a project copied (`cp -a`, rsync, a backup, a CI cache of
`.buildlike`) while a build runs in it: the copy's `.buildlike/lock` holds the live build's notes
(its pid, its command's process group). The copy's lock file is another file, so a build in the
copy takes it at once, took the notes for a build that "was killed" and stopped the commands noted
there -- which are the ORIGINAL project's commands, still running under a live build. The original
build then failed its job (SIGTERM).

README: "when a build is killed outright its commands run on, and the next build in the project
stops those" -- the holder here is alive (its pid runs, with the start time noted in the `holder`
line), it was never killed, and the commands are not of this project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

BUILDLIKE = (sys.executable, "-m", "buildlike")

MAESTRO = """
[rules.slow]
inputs = ["src.txt"]
outputs = ["out.txt"]
run = "echo start >> ran.log; while [ ! -e go ]; do sleep 0.02; done; cp src.txt out.txt; echo end >> ran.log"
"""


def test_a_build_in_a_copy_of_a_project_leaves_the_originals_running_build_alone(tmp_path: Path) -> None:
    orig = tmp_path / "orig"
    orig.mkdir()
    (orig / "Maestrofile.toml").write_text(MAESTRO)
    (orig / "src.txt").write_text("one\n")
    build = subprocess.Popen([*BUILDLIKE, "-q"], cwd=orig, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    copy = tmp_path / "copy"
    try:
        deadline = time.monotonic() + 30
        while not (orig / "ran.log").exists():  # the command runs
            assert build.poll() is None and time.monotonic() < deadline, build.communicate(timeout=60)
            time.sleep(0.02)
        shutil.copytree(orig, copy, symlinks=True)  # as `cp -a` would
        (copy / "ran.log").unlink()
        (copy / "go").touch()  # the copy's own job may finish at once
        other = subprocess.run([*BUILDLIKE, "-q"], cwd=copy, capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stdout + other.stderr
    finally:
        (orig / "go").touch()
        out, _ = build.communicate(timeout=60)
    # The original build's command was never stopped: it ran to its end and the build succeeded.
    assert (orig / "ran.log").read_text().split() == ["start", "end"], out
    assert build.returncode == 0, out

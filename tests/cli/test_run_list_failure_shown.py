"""Found by a tester migrating projects: a `run` list whose job "succeeded without creating a
declared output" was shown joined with `&&`.

Each command of a `run` list runs in a shell of its own (a `cd` does not carry over), but the
failure message prints `commands (exit code 0): cd sub && pwd > o.txt`: a command line that,
pasted into a shell, does create sub/o.txt. The message describes a different command from the
one that ran, and hides the cause (the `cd` was lost between two shells). A failing list shows
just the failing command; this message should list the commands as they ran (one per line, or
as separate shells), not as one `&&` chain.
"""

import os
import subprocess
import sys
from pathlib import Path

BUILDLIKE = [sys.executable, "-m", "buildlike"]


def test_missing_output_of_run_list_not_shown_as_and_chain(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "Maestrofile.toml").write_text('[rules.a]\noutputs = ["sub/o.txt"]\nrun = ["cd sub", "pwd > o.txt"]\n')
    r = subprocess.run(
        BUILDLIKE, cwd=tmp_path, capture_output=True, text=True, timeout=60, env=dict(os.environ, LC_ALL="C.UTF-8")
    )
    assert r.returncode == 1, r.stderr
    assert (tmp_path / "o.txt").exists()  # the second command ran in the project's folder
    assert "did not create: sub/o.txt" in r.stderr, r.stderr
    # What the message shows must not be a shell line that would have made the file.
    assert "cd sub && pwd > o.txt" not in r.stderr, r.stderr
    assert "each in a shell of its own:\n    cd sub\n    pwd > o.txt\n" in r.stderr, r.stderr

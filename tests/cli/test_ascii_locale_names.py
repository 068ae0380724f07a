"""Found by a black-box tester. Under an ASCII file-system encoding (`LC_ALL=C` with `PYTHONUTF8=0`, as
some CI images and service managers run), a job for a file with a non-ASCII name (`src/é.txt`) reran
on every build, and a name written in the Maestrofile (`inputs = ["é.txt"]`) ended in a traceback;
`status --check` failed right after a successful build. SPEC (When a job runs): a job is stale "when
any of these holds, and only then"; none does on the second build. Under the default UTF-8 mode the
same project is up to date after one build (and non-UTF-8 names are handled, see
tests/cli/test_non_utf8_names.py)."""

from __future__ import annotations

import os
import subprocess
import sys

FOREACH = """
[rules.up]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{stem}.up"]
run = "echo {stem} >> ran.log; tr a-z A-Z < {input} > {output}"
"""


def _run(root, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8:surrogateescape"}
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=root, capture_output=True, text=True, timeout=60, env=env
    )


def test_non_ascii_name_is_up_to_date_after_one_build_under_an_ascii_locale(make_project):
    p = make_project(FOREACH, {"src/plain.txt": "p\n"})
    with open(os.path.join(bytes(p.root), "src/é.txt".encode()), "wb") as f:
        f.write(b"x\n")
    first = _run(p.root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(p.log()) == 2
    second = _run(p.root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(p.log()) == 2, "a job reran with nothing changed: " + second.stdout
    check = _run(p.root, "status", "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_non_ascii_name_written_in_the_maestrofile_builds_without_a_traceback(make_project):
    # The Maestrofile is UTF-8 TOML naming `é.txt`; under an ASCII locale the build (and `status`)
    # ended in a UnicodeEncodeError traceback from os.stat.
    p = make_project(
        """
        [rules.up]
        inputs = ["é.txt"]
        outputs = ["ö.up"]
        run = "echo up >> ran.log; cat {input} > {output}"
        """,
        {"é.txt": "x\n"},
    )
    r = _run(p.root)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
    assert p.read("ö.up") == "x\n"
    s = _run(p.root, "status", "--check")
    assert "Traceback" not in s.stderr, s.stderr
    assert s.returncode == 0, s.stdout + s.stderr

"""Found by a black-box tester of watch mode.

README, Watch mode: "a build starts only when some file's content or existence differs from what
the last build read in it, so an edit made while a build runs is still built next", and "A change
during a build is never lost". `watch` takes `--no-wait`.

With `watch --no-wait`, an edit that comes while another buildlike process holds the project (a
manual `buildlike slow` in another terminal, a pre-commit hook) starts a build that fails at once
("another build is running ... cannot build; waiting for changes"), having read nothing. Yet watch
takes the edited content as seen: when the other build is over nothing retries it, and even saving
the file again (or `touch`) builds nothing, since its content is "what the last build read". The
edit stays unbuilt (`buildlike status`: "input 'a.txt' changed") until the file's content changes
again. Expected at least: saving again builds it (better: retry once the lock is free)."""

from __future__ import annotations

import os
import subprocess
import sys

from watching import read

MF = """
[rules.a]
inputs = ["a.txt"]
outputs = ["a.out"]
run = "cp {input} {output}"

[rules.slow]
always = true
run = "touch started; sleep 2"
"""


def save(path, text: str) -> None:
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_text(text)
    os.replace(tmp, path)


def test_an_edit_refused_by_the_lock_is_built_when_saved_again(make_project, watching):
    p = make_project(MF, {"a.txt": "1\n"})
    w = watching(p.root, "--no-wait", "a")
    w.wait_builds(1)
    other = subprocess.Popen([sys.executable, "-m", "buildlike", "slow"], cwd=p.root)
    try:
        w.wait_for(lambda: p.exists("started"), 10, "the other build to hold the project")
        save(p.root / "a.txt", "2\n")
        w.wait_text("cannot build; waiting for changes")
    finally:
        assert other.wait(timeout=15) == 0
    save(p.root / "a.txt", "2\n")  # the user saves again once the other build is over
    os.utime(p.root / "a.txt")
    w.wait_for(lambda: read(p.root / "a.out") == "2\n", 10, "the edit to be built")
    assert w.stop() == 0

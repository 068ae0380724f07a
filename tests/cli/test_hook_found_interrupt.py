"""Found by a black-box tester of the git hook.

Ctrl-C during the hook's build: the commit stops (fine), but a tracked generated file the build had
already rewritten is not named (a failed build names them: "the failed build also changed files that
git tracks"), and the next commit's hook, which no longer changes it, lets it go in stale.
README: the hook "refuses the commit ... when it changed a file that git tracks"; SPEC: Ctrl-C "exit 130"."""

from __future__ import annotations

import os
import signal
import subprocess
import time

SLOW = """
[rules.gen]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = "tr a-z A-Z < {input} > {output}"

[rules.slow]
inputs = ["gen.txt", "delay.txt"]
outputs = ["slow.txt"]
run = "touch started; sleep $(cat delay.txt); cp gen.txt {output}"
"""


def test_after_ctrl_c_in_the_hook_the_next_commit_does_not_take_a_stale_generated_file(git_project):
    p = git_project(SLOW, {"src.txt": "hello\n", "delay.txt": "0\n", ".gitignore": "ran.log\nstarted\n"})
    assert p.buildlike("hook", "install").code == 0
    (p.root / "started").unlink(missing_ok=True)
    p.write("src.txt", "world\n")
    p.write("delay.txt", "30\n")
    p.git("add", "src.txt", "delay.txt")
    proc = subprocess.Popen(
        ["git", "commit", "-q", "-m", "world"],
        cwd=p.root,
        env={**os.environ, **p.env},
        start_new_session=True,  # its own process group, as a terminal's foreground job
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 10
    while not (p.root / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (p.root / "started").exists(), "the slow job never started"
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=15)
    assert p.read("gen.txt") == "WORLD\n"  # rewritten before the interrupt, not staged
    interrupted_named_it = "gen.txt" in err

    p.write("delay.txt", "0\n")
    p.git("add", "delay.txt")
    for _ in range(3):  # follow the refusal's advice until the commit goes through
        r = p.commit("world")
        if r.code == 0:
            break
        named = [line.strip() for line in r.err.splitlines() if line.startswith("  ")]
        assert named, r.text
        p.git("add", *named)
    else:
        return
    assert p.committed("gen.txt") == "WORLD\n", (
        f"committed src.txt={p.committed('src.txt')!r} with gen.txt={p.committed('gen.txt')!r}; "
        f"the interrupted hook named gen.txt: {interrupted_named_it}; its output:\n{err}"
    )

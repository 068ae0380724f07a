"""Found by a tester checking the README's "Watch mode" against the code.

- "**Output:** `changed:` and the files that start a build: the inputs edited, and the files a glob
  gained or lost (not a folder the last build made, nor an editor's temporary file)". An input that
  appears in a folder that did not exist yet ("folders that do not exist yet are watched through their
  parent, so an input that appears later is built") is named by that new folder instead:
  `changed: deep`, neither an input nor a file a glob gained.
- "Inputs outside the project ... are watched folder by folder, up to 48 watches in all; beyond that a
  warning names the folders left out." The banner then still counts the folders left out: `warning:
  not watching 8 folders ...` followed by `buildlike: watching 56 folders`.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path


def _start(cwd: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = cwd.parent / f"{cwd.name}-watch.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "buildlike", "watch", "--debounce", "50"],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, log


def _wait_for(log: Path, pattern: str, count: int = 1, timeout: float = 6.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if len(re.findall(pattern, text)) >= count:
            return text
        time.sleep(0.05)
    return log.read_text(errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_changed_names_the_input_that_appeared_in_a_new_folder(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "Maestrofile.toml").write_text(
        '[rules.a]\ninputs = ["deep/er/x.txt"]\noutputs = ["a"]\nrun = "cp deep/er/x.txt a"\n'
    )
    proc, log = _start(root)
    try:
        text = _wait_for(log, r"waiting for changes")
        assert "waiting for changes" in text, text
        (root / "deep" / "er").mkdir(parents=True)
        (root / "deep" / "er" / "x.txt").write_text("x\n")
        text = _wait_for(log, r"watching for changes")
    finally:
        _stop(proc)
    assert (root / "a").read_text() == "x\n", text
    changed = [line for line in text.splitlines() if line.startswith("changed:")]
    assert changed, text
    assert changed[0] == "changed: deep/er/x.txt", text


def test_banner_does_not_count_the_folders_left_out(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    outside = []
    for i in range(55):
        d = tmp_path / f"ext{i:02d}"
        d.mkdir()
        (d / "f.h").write_text(f"{i}\n")
        outside.append(f'"{d}/f.h"')
    (root / "Maestrofile.toml").write_text(
        f'[rules.a]\ninputs = [{", ".join(outside)}]\noutputs = ["a"]\nrun = "cat {{inputs}} > a"\n'
    )
    proc, log = _start(root)
    try:
        text = _wait_for(log, r"watching for changes")
    finally:
        _stop(proc)
    left_out = re.search(r"not watching (\d+) folders", text)
    watching = re.search(r"watching (\d+) folders? \(", text)
    assert left_out and watching, text
    # 55 folders outside plus the project's own: with 8 left out, at most 48 are watched.
    assert int(watching.group(1)) <= 48, text

"""Found by a review of the commits that added it.

watch's `changed:` (debounce.py `Batch.named` with `folders`): README: "`changed:` and the files that
start a build: the inputs edited, and the files a glob gained or lost". A folder input (`inputs =
["assets"]`, a watched folder) gains a name: the batch holds `assets` (CONTENT), and since it is one of
the watched folders, every input inside it is named too, though none changed: `changed: assets,
assets/a.txt`. The new code meant folders that came or went, but does not check that."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from buildlike.debounce import Batch
from buildlike.watchset import Change


def test_batch_named_does_not_name_unchanged_inputs_of_a_folder_input():
    batch = Batch((("assets", Change.CONTENT),))
    inputs = {"assets", "assets/a.txt"}
    assert batch.named(inputs, inputs, {"", "assets"}) == ("assets",)


def _wait_for(log: Path, text: str, count: int = 1, timeout: float = 6.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = log.read_text(errors="replace")
        if seen.count(text) >= count:
            return seen
        time.sleep(0.05)
    return log.read_text(errors="replace")


def test_watch_names_only_the_folder_input_that_gained_a_name(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "a.txt").write_text("a\n")
    (root / "Maestrofile.toml").write_text(
        '[rules.pack]\ninputs = ["assets"]\noutputs = ["pack.txt"]\nrun = "ls assets > pack.txt"\n'
        '[rules.one]\ninputs = ["assets/a.txt"]\noutputs = ["one.txt"]\nrun = "cp assets/a.txt one.txt"\n'
    )
    log = tmp_path / "watch.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "buildlike", "watch", "--debounce", "50"],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        text = _wait_for(log, "watching for changes")
        assert "watching for changes" in text, text
        (root / "assets" / "new.txt").write_text("new\n")
        text = _wait_for(log, "watching for changes", 2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    changed = [line for line in text.splitlines() if line.startswith("changed:")]
    assert changed, text
    assert changed[0] == "changed: assets", text  # assets/a.txt did not change

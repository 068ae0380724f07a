"""Found by a black-box tester (failed at 6a04a2c): a `Loaded` kept across builds went stale silently
once a glob's matches changed.

The shape of the API (`project = load(...)`, then `build(project)` / `status(project)`, as the
README's example does with one `project`) invites a long-lived application (a notebook, a service
rebuilding reports) to load once and build many times. Nothing in README or the docstrings says a
`Loaded` must be reloaded before each build, and it carries `source` (the Maestrofile's stat and the
globbed folders' stamps: exactly what tells a stale graph, the graph cache uses it).

- SPEC, When a job runs, 4: a job is stale when "the list of its inputs changed (a glob matches a
  new or lost file)". With a file added under a globbed folder, `status(project)` says everything is
  up to date and `build(project)` runs nothing, while `buildlike status` on the same disk says two
  jobs are stale (and `buildlike` runs them).
- With a file deleted, `build(project)` fails with a MaestrofileError ("input 'src/one.txt' is not a
  file and no rule makes it") every time from then on, while `buildlike` builds fine.

Expected: `build`/`status` notice that what the graph was made from changed (reload it, or raise
an error saying to) rather than answer from the old graph. A judgment call on the API's design, but
status disagreeing with the CLI's status is the user-visible defect.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from api_helpers import project

import buildlike

TEXT = """
[rules.copy]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{stem}.txt"]
run = "cp {input} {output}"

[rules.all]
inputs = ["src/*.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {output}"
"""


def _built(tmp_path: Path) -> tuple[Path, buildlike.Loaded]:
    root = project(tmp_path / "p", TEXT, {"src/one.txt": "1\n", "src/two.txt": "2\n"})
    loaded = buildlike.load(root)
    assert len(buildlike.build(loaded).ran) == 3
    return root, loaded


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=root, capture_output=True, text=True, timeout=60
    )


def test_status_of_a_kept_project_sees_a_file_a_glob_now_matches(tmp_path, capsys):
    root, loaded = _built(tmp_path)
    (root / "src" / "three.txt").write_text("3\n")
    cli = _cli(root, "status", "--check")
    assert cli.returncode == 1 and "copy:src/three.txt" in cli.stdout  # the CLI sees it
    assert sorted(s.job.id for s in buildlike.status(loaded)) == ["all", "copy:src/three.txt"]


def test_build_of_a_kept_project_makes_what_a_new_file_needs(tmp_path, capsys):
    root, loaded = _built(tmp_path)
    (root / "src" / "three.txt").write_text("3\n")
    buildlike.build(loaded)
    assert sorted((root / "all.txt").read_text().split()) == ["1", "2", "3"]
    assert (root / "out" / "three.txt").exists()


def test_build_of_a_kept_project_survives_a_deleted_source(tmp_path, capsys):
    root, loaded = _built(tmp_path)
    (root / "src" / "one.txt").unlink()
    buildlike.build(loaded)  # raises MaestrofileError: input 'src/one.txt' is not a file
    assert (root / "all.txt").read_text().split() == ["2"]


def test_a_fresh_load_sees_it(tmp_path, capsys):
    root, _ = _built(tmp_path)
    (root / "src" / "one.txt").unlink()
    (root / "src" / "three.txt").write_text("3\n")
    assert sorted(buildlike.build(buildlike.load(root)).ran) == ["all", "copy:src/three.txt"]

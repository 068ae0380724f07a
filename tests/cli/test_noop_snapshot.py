"""The clean snapshot answers an idle build from stat calls alone; every change must still be seen.

SPEC: "When a job runs": an untouched tree costs only stat calls, and every rule still holds.
"""

from __future__ import annotations

import os
from pathlib import Path

MAESTRO = """
[rules.a]
inputs = ["src/*.txt"]
outputs = ["out/a.txt"]
run = "echo a >> ran.log; cat {inputs} > {output}"

[rules.b]
inputs = ["out/a.txt"]
outputs = ["out/b.txt"]
run = "echo b >> ran.log; cat {input} {input} > {output}"
"""


def age_everything(root: Path, seconds: float = 30.0) -> None:
    """Move every project file's mtime back, as if the last build happened a while ago."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".buildlike"]
        for name in [*filenames, *dirnames, "."]:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            shift = int(seconds * 1e9)
            os.utime(p, ns=(st.st_atime_ns - shift, st.st_mtime_ns - shift))


def settled(make_project):
    """A built project whose files are old enough for the snapshot to be written and used."""
    p = make_project(MAESTRO, {"src/1.txt": "one\n"})
    assert p.run().code == 0
    age_everything(p.root)
    assert p.run().code == 0  # full check: refreshes stamps, writes the snapshot
    assert p.exists(".buildlike/clean.snapshot")
    assert p.run().code == 0  # answered by the snapshot
    assert p.log() == ["a", "b"]
    return p


def test_an_idle_build_after_a_settled_one_runs_nothing(make_project):
    p = settled(make_project)
    r = p.run()
    assert r.code == 0 and "nothing to do" in r.out
    assert p.log() == ["a", "b"]


def test_an_edited_input_is_seen_despite_the_snapshot(make_project):
    p = settled(make_project)
    p.write("src/1.txt", "uno\n")
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "b"]


def test_a_new_file_matching_a_glob_is_seen_despite_the_snapshot(make_project):
    p = settled(make_project)
    p.write("src/2.txt", "two\n")
    assert p.run().code == 0
    assert p.read("out/a.txt") == "one\ntwo\n"


def test_a_deleted_or_edited_output_is_seen_despite_the_snapshot(make_project):
    p = settled(make_project)
    (p.root / "out/b.txt").unlink()
    assert p.run().code == 0
    assert p.log() == ["a", "b", "b"]
    age_everything(p.root)
    p.run()
    p.write("out/a.txt", "hand edit\n")
    assert p.run().code == 0
    assert p.log() == ["a", "b", "b", "a"]  # a restores its output; b's input is then unchanged


def test_a_changed_command_is_seen_despite_the_snapshot(make_project):
    p = settled(make_project)
    p.write("Maestrofile.toml", MAESTRO.replace("cat {input} {input}", "cat {input}"))
    assert p.run().code == 0
    assert p.log() == ["a", "b", "b"]


def test_a_lost_state_database_reruns_everything_despite_the_snapshot(make_project):
    """SPEC rule 2: a job with no record of success runs."""
    p = settled(make_project)
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        (p.root / ".buildlike" / name).unlink(missing_ok=True)
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "b"]


def test_other_targets_do_not_use_the_snapshot_of_the_default_ones(make_project):
    p = settled(make_project)
    (p.root / "out/a.txt").unlink()
    (p.root / "out/b.txt").unlink()
    assert p.run("build", "a").code == 0
    assert p.log() == ["a", "b", "a"]


def test_a_failed_build_leaves_no_snapshot_behind(make_project):
    p = settled(make_project)
    p.write("Maestrofile.toml", MAESTRO.replace("cat {inputs}", "exit 1; cat {inputs}"))
    assert p.run().code == 1
    assert not p.exists(".buildlike/clean.snapshot")
    assert p.run().code == 1


def test_always_jobs_still_run_on_every_build(make_project):
    """SPEC rule 7."""
    p = make_project(MAESTRO + '\n[rules.c]\nalways = true\nrun = "echo c >> ran.log"\n')
    p.write("src/1.txt", "x\n")
    p.run()
    age_everything(p.root)
    p.run()
    p.run()
    assert p.log().count("c") == 3

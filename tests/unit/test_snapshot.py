"""snapshot.py: a saved snapshot proves "nothing to do" only while every stat it holds still matches."""

from __future__ import annotations

import os
import time
from pathlib import Path

from buildlike.snapshot import SNAPSHOT_NAME, discard_snapshot, folder_stamp_at, is_clean, save_snapshot

OLD = time.time_ns() - 60 * 10**9  # comfortably outside the racy window


def setup(tmp_path: Path) -> tuple[str, str, list[str], list[tuple[int, int]]]:
    root = tmp_path / "p"
    (root / ".buildlike").mkdir(parents=True)
    maestrofile = root / "Maestrofile.toml"
    maestrofile.write_text("[rules.x]\n")
    (root / "a.txt").write_text("a")
    (root / "b.txt").write_text("bb")
    for p in (maestrofile, root / "a.txt", root / "b.txt", root):
        os.utime(p, ns=(OLD, OLD))
    paths = ["a.txt", "b.txt"]
    stats = [((root / p).stat().st_mtime_ns, (root / p).stat().st_size) for p in paths]
    return str(root), str(maestrofile), paths, stats


def save(root: str, maestrofile: str, paths: list[str], stats: list[tuple[int, int]], **kw: object) -> None:
    st = os.stat(maestrofile)
    source = (maestrofile, st.st_mtime_ns, st.st_size, (("", folder_stamp_at(root)),), st.st_ctime_ns, st.st_ino)
    args: dict[str, object] = {
        "version": "1",
        "source": source,
        "targets": (),
        "paths": paths,
        "stats": stats,
        "racy_after_ns": time.time_ns() - 2 * 10**9,
    }
    args.update(kw)
    save_snapshot(os.path.join(root, ".buildlike"), **args)  # type: ignore[arg-type]


def clean(root: str, maestrofile: str, targets: tuple[str, ...] = (), version: str = "1") -> bool:
    return is_clean(os.path.join(root, ".buildlike"), version=version, maestrofile=maestrofile, targets=targets)


def test_a_fresh_snapshot_says_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    assert clean(root, mf)


def test_a_maestrofile_switched_for_one_of_the_same_mtime_and_size_is_not_clean(tmp_path):
    """`cp -p`, `tar x` or `rsync -t` give the new file the old mtime; its inode and ctime differ."""
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    other = os.path.join(root, "other.toml")
    Path(other).write_text("[rules.y]\n")
    os.utime(other, ns=(OLD, OLD))
    os.replace(other, mf)
    os.utime(root, ns=(OLD, OLD))
    assert not clean(root, mf)


def test_a_file_whose_stat_moved_is_not_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    os.utime(os.path.join(root, "b.txt"), ns=(OLD + 1, OLD + 1))
    assert not clean(root, mf)


def test_a_deleted_file_is_not_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    os.unlink(os.path.join(root, "a.txt"))
    assert not clean(root, mf)


def test_an_edited_maestrofile_or_a_new_file_in_a_listed_folder_is_not_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    Path(root, "new.txt").write_text("x")  # moves the listed folder's mtime
    assert not clean(root, mf)
    root, mf, paths, stats = setup(tmp_path / "2")
    save(root, mf, paths, stats)
    Path(mf).write_text("[rules.y]\n")
    assert not clean(root, mf)


def test_a_new_file_in_a_listed_folder_whose_mtime_was_put_back_is_not_clean(tmp_path):
    """As `tar x` leaves it: the folder's mtime set back to what it was, its ctime moved."""
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    Path(root, "new.txt").write_text("x")
    os.utime(root, ns=(OLD, OLD))
    assert not clean(root, mf)


def test_other_targets_another_version_or_a_changed_state_database_are_not_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    assert not clean(root, mf, targets=("x",))
    assert not clean(root, mf, version="2")
    Path(root, ".buildlike", "state.db").write_bytes(b"new")
    assert not clean(root, mf)


def test_racily_recent_stats_are_never_saved(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    now = time.time_ns()
    save(root, mf, paths, [stats[0], (now, stats[1][1])])
    assert not os.path.exists(os.path.join(root, ".buildlike", SNAPSHOT_NAME))


def test_discard_removes_it_and_garbage_is_not_clean(tmp_path):
    root, mf, paths, stats = setup(tmp_path)
    save(root, mf, paths, stats)
    discard_snapshot(os.path.join(root, ".buildlike"))
    assert not clean(root, mf)
    Path(root, ".buildlike", SNAPSHOT_NAME).write_bytes(b"\x00garbage")
    assert not clean(root, mf)

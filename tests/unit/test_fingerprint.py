"""Folder stamps: the files of a folder a rule makes, all the way down, decide its stat stand-in and digest."""

from __future__ import annotations

import os

from buildlike.fingerprint import hash_file, tree_stat


def test_a_folder_digest_changes_with_a_file_deep_inside_and_only_then(tmp_path):
    (tmp_path / "d" / "deep").mkdir(parents=True)
    (tmp_path / "d" / "deep" / "a.txt").write_text("1")
    first = hash_file(str(tmp_path / "d"), tree=True)
    assert hash_file(str(tmp_path / "d"), tree=True) == first
    (tmp_path / "d" / "deep" / "a.txt").write_text("2")
    assert hash_file(str(tmp_path / "d"), tree=True) != first
    (tmp_path / "d" / "deep" / "a.txt").write_text("1")
    assert hash_file(str(tmp_path / "d"), tree=True) == first  # content, not times
    (tmp_path / "d" / "deep" / "b.txt").write_text("")
    assert hash_file(str(tmp_path / "d"), tree=True) != first


def test_a_folder_tree_stat_moves_when_a_file_inside_is_edited(tmp_path):
    (tmp_path / "d" / "deep").mkdir(parents=True)
    f = tmp_path / "d" / "deep" / "a.txt"
    f.write_text("1")
    os.utime(f, ns=(1_000_000_000, 1_000_000_000))
    before = tree_stat(str(tmp_path / "d"))
    f.write_text("2")
    os.utime(f, ns=(2_000_000_000, 2_000_000_000))
    after = tree_stat(str(tmp_path / "d"))
    assert after != before and after[1] >= 0
    assert after[0] >= 2_000_000_000  # the newest mtime in the tree


def test_links_inside_a_folder_never_loop_and_dangling_ones_count(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("a")
    (d / "up").symlink_to(tmp_path)  # a link to a folder above: listed, not walked
    (d / "gone").symlink_to(tmp_path / "nowhere")
    first = hash_file(str(d), tree=True)
    tree_stat(str(d))
    (d / "gone").unlink()
    assert hash_file(str(d), tree=True) != first


def test_a_source_folder_counts_as_its_names(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("1")
    first = hash_file(str(tmp_path / "d"))
    (tmp_path / "d" / "a.txt").write_text("2")
    assert hash_file(str(tmp_path / "d")) == first


def test_rehashing_a_rewritten_file_gives_what_a_fresh_stamper_sees(tmp_path):
    from buildlike.fingerprint import Stamper

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "f").write_text("a")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "x").write_text("1")
    os.mkfifo(tmp_path / "fifo")
    paths = ["out/f", "tree", "fifo", "gone", "out/f/below"]
    with Stamper(str(tmp_path), {}, now_ns=0, trees={"tree"}) as stamper:
        before = {p: stamper.digest(p) for p in paths}
        (tmp_path / "out" / "f").write_text("b")
        (tmp_path / "tree" / "x").write_text("2")
        after = {p: stamper.rehash(p) for p in paths}
        stats = {p: stamper.stat(p) for p in paths}
        refreshed = stamper.take_refreshed()
    with Stamper(str(tmp_path), {}, now_ns=0, trees={"tree"}) as fresh:
        assert after == {p: fresh.digest(p) for p in paths}
        assert stats == {p: fresh.stat(p) for p in paths}
        assert refreshed == fresh.take_refreshed()
    assert after["out/f"] != before["out/f"] and after["tree"] != before["tree"]
    assert after["gone"] is None and after["out/f/below"] is None and after["fifo"] == b""
    assert {"out/f", "tree"} <= set(refreshed)


def test_a_folder_deeper_than_path_max_is_walked_to_the_bottom(tmp_path):
    """Found in review: opening each folder by its whole path stopped at PATH_MAX (4096 bytes), and a
    change at the bottom of a folder output 500 x 11 bytes deep went unseen."""
    names = ["dddddddddd"] * 500
    fd = os.open(tmp_path, os.O_RDONLY)
    here = os.open(tmp_path, os.O_RDONLY)
    try:
        os.mkdir("out", dir_fd=here)
        for name in ["out", *names]:
            if name != "out":
                os.mkdir(name, dir_fd=here)
            step = os.open(name, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = step
        leaf = os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
        os.write(leaf, b"one")
        os.close(leaf)
        before = hash_file("out", dir_fd=fd, tree=True), tree_stat("out", dir_fd=fd)
        leaf = os.open("leaf", os.O_WRONLY | os.O_TRUNC, dir_fd=here)
        os.write(leaf, b"two, longer")
        os.close(leaf)
        after = hash_file("out", dir_fd=fd, tree=True), tree_stat("out", dir_fd=fd)
        assert before[0] != after[0] and before[1] != after[1]
    finally:
        os.unlink("leaf", dir_fd=here)
        os.close(here)
        _remove_chain(fd, "out", names)
        os.close(fd)


def _remove_chain(fd: int, top: str, names: list[str]) -> None:
    """Remove `top/names[0]/names[1]/...` below `fd`, deepest first, by descriptor (shutil.rmtree
    recurses, and the paths are longer than PATH_MAX)."""
    holders = [os.open(top, os.O_RDONLY, dir_fd=fd)]  # holders[k] holds names[k]
    for name in names[:-1]:
        holders.append(os.open(name, os.O_RDONLY, dir_fd=holders[-1]))
    for name, holder in zip(reversed(names), reversed(holders), strict=True):
        os.rmdir(name, dir_fd=holder)
        os.close(holder)
    os.rmdir(top, dir_fd=fd)

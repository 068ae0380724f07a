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

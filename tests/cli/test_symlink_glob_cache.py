"""A `**` glob walks symlinked folders. A link that leads nowhere yet (a vendored or generated folder
not fetched/made when the project was first built) is listed as a plain name; once its target folder
appears, the glob matches the files in it (a fresh load sees them: `status` says "its list of inputs
changed"), but no folder that globbing listed changed its mtime, so the graph cache and the clean
snapshot keep answering with the old input list: SPEC rule 4 ("a glob matches a new file") broken.
"""

from __future__ import annotations

import os

MAESTRO = """
[rules.cat]
inputs = ["src/**/*.txt"]
outputs = ["all.txt"]
run = "echo cat >> ran.log; cat {inputs} > {output}"
"""


def settle(p):
    """Build, age everything, build again so that the graph cache and the snapshot are written."""
    assert p.run().code == 0
    for rel in ("src/1.txt", "src", "all.txt", "ran.log", "Maestrofile.toml", "."):
        p.age(rel, 30)
    assert p.run().code == 0
    assert p.exists(".buildlike/clean.snapshot") and p.exists(".buildlike/graph.cache")
    assert p.log() == ["cat"]


def test_a_dangling_folder_link_that_comes_to_life_is_seen_by_a_glob(make_project):
    p = make_project(MAESTRO, {"src/1.txt": "one\n"})
    os.symlink("../vendor/lib", p.root / "src" / "lib")  # vendor/ not fetched yet
    settle(p)

    (p.root / "vendor" / "lib").mkdir(parents=True)  # fetched now
    p.write("vendor/lib/2.txt", "two\n")
    p.age("vendor/lib/2.txt", 30)
    p.age("vendor/lib", 30)

    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cat", "cat"], r.text
    assert p.read("all.txt") == "one\ntwo\n"


def test_the_same_without_the_snapshot_graph_cache_alone(make_project):
    p = make_project(MAESTRO, {"src/1.txt": "one\n"})
    os.symlink("../vendor/lib", p.root / "src" / "lib")
    settle(p)
    (p.root / "vendor" / "lib").mkdir(parents=True)
    p.write("vendor/lib/2.txt", "two\n")
    (p.root / ".buildlike" / "clean.snapshot").unlink()
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cat", "cat"], r.text


def test_control_a_fresh_load_does_see_the_new_match(make_project):
    """Passes: without the graph cache, `status` sees the new input, so the caches are what hide it."""
    p = make_project(MAESTRO, {"src/1.txt": "one\n"})
    os.symlink("../vendor/lib", p.root / "src" / "lib")
    settle(p)
    (p.root / "vendor" / "lib").mkdir(parents=True)
    p.write("vendor/lib/2.txt", "two\n")
    (p.root / ".buildlike" / "graph.cache").unlink()
    assert "+src/lib/2.txt" in p.run("status").out


def test_a_link_to_a_file_whose_target_becomes_a_folder_is_seen_by_a_glob(make_project):
    p = make_project(MAESTRO, {"src/1.txt": "one\n", "vendor/lib": "a file for now\n"})
    os.symlink("../vendor/lib", p.root / "src" / "lib")
    p.age("vendor/lib", 30)
    settle(p)
    (p.root / "vendor" / "lib").unlink()
    (p.root / "vendor" / "lib").mkdir()
    p.write("vendor/lib/2.txt", "two\n")
    for rel in ("vendor/lib/2.txt", "vendor/lib", "vendor"):
        p.age(rel, 30)
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cat", "cat"], r.text
    assert p.read("all.txt") == "one\ntwo\n"


def test_editing_the_file_a_globbed_link_leads_to_keeps_the_graph_cache(make_project):
    """The link is noted as leading to no folder, not by its target's mtime: an edit of the file
    reruns the job (its content changed) without a fresh load of the Maestrofile."""
    p = make_project(MAESTRO, {"src/1.txt": "one\n", "vendor/two.txt": "two\n"})
    os.symlink("../vendor/two.txt", p.root / "src" / "2.txt")
    p.age("vendor/two.txt", 30)
    settle(p)
    cache = p.root / ".buildlike" / "graph.cache"
    before = cache.stat().st_mtime_ns
    p.write("vendor/two.txt", "TWO\n")
    p.age("vendor/two.txt", 20)
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("all.txt") == "one\nTWO\n"
    assert cache.stat().st_mtime_ns == before  # not written again: it was still good

"""A globbed folder swapped for another folder whose own stat (mtime, size) is the same (two trees
extracted from reproducible tarballs, `rsync -a`, a Nix store path behind a symlink) holds other
files: the glob's answer changed, so rule 4 makes the job stale, and `-B` ("the way to rebuild
after" a switch that looks untouched) must run it with the new input list."""

from __future__ import annotations

import os

MF = """
[rules.cat]
inputs = ["src/*.txt"]
outputs = ["out"]
run = "echo cat >> ran.log; cat {inputs} > {output}"
"""


def _age_tree(root, seconds):
    for dp, dns, fns in os.walk(root):
        if ".buildlike" in dp:
            continue
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)), follow_symlinks=False)


def _same_mtime(root, t_ns):
    """Every file and folder under root gets mtime t_ns (as a reproducible tarball extracts)."""
    for dp, dns, fns in os.walk(root):
        for n in dns + fns:
            os.utime(os.path.join(dp, n), ns=(t_ns, t_ns), follow_symlinks=False)
    os.utime(root, ns=(t_ns, t_ns))


def _project(make_project):
    p = make_project(MF, {"src/a.txt": "1\n", "new/a.txt": "1\n", "new/b.txt": "2\n"})
    t = (int(os.stat(p.root / "Maestrofile.toml").st_mtime) - 1000) * 10**9
    _same_mtime(p.root / "src", t)
    _same_mtime(p.root / "new", t)
    p.age("Maestrofile.toml", 100)
    r = p.run("-q")
    assert r.code == 0, r.text
    _age_tree(p.root, 50)
    r = p.run()  # up to date: the graph is cached
    assert r.code == 0 and "nothing to do" in r.text, r.text
    (p.root / "ran.log").unlink()
    # swap in the other release: same folder stat, one more file
    os.rename(p.root / "src", p.root / "old")
    os.rename(p.root / "new", p.root / "src")
    st = os.stat(p.root)
    os.utime(p.root, ns=(st.st_atime_ns, st.st_mtime_ns - 10 * 10**9))
    return p


def test_swapped_folder_changes_input_list_status(make_project):
    p = _project(make_project)
    r = p.run("status")
    assert "src/b.txt" in r.text, r.text


def test_swapped_folder_build_reruns_with_new_inputs(make_project):
    p = _project(make_project)
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cat"]
    assert p.read("out") == "1\n2\n"


def test_swapped_folder_always_make_uses_new_inputs(make_project):
    p = _project(make_project)
    r = p.run("build", "-B")
    assert r.code == 0, r.text
    assert p.read("out") == "1\n2\n", "-B ran with the cached (old) list of inputs"


FE = """
[rules.up]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{name}"]
run = "echo up:{name} >> ran.log; cp {input} {output}"
"""


def _foreach_project(make_project, *, symlink):
    p = make_project(FE, {"v1/a.txt": "1\n", "v2/a.txt": "1\n", "v2/b.txt": "2\n"})
    t = (int(os.stat(p.root / "Maestrofile.toml").st_mtime) - 1000) * 10**9
    _same_mtime(p.root / "v1", t)
    _same_mtime(p.root / "v2", t)
    if symlink:
        os.symlink("v1", p.root / "src")
    else:
        os.rename(p.root / "v1", p.root / "src")
    p.age("Maestrofile.toml", 100)
    assert p.run("-q").code == 0
    _age_tree(p.root, 50)
    r = p.run()
    assert "nothing to do" in r.text, r.text
    (p.root / "ran.log").unlink()
    if symlink:  # `ln -sfn v2 src`: the next release
        os.unlink(p.root / "src")
        os.symlink("v2", p.root / "src")
    else:  # `mv src old && mv v2 src`
        os.rename(p.root / "src", p.root / "old")
        os.rename(p.root / "v2", p.root / "src")
    st = os.stat(p.root)
    os.utime(p.root, ns=(st.st_atime_ns, st.st_mtime_ns - 10 * 10**9))
    return p


def test_foreach_swapped_folder_new_match_gets_a_job(make_project):
    p = _foreach_project(make_project, symlink=False)
    r = p.run("list")
    assert "up:src/b.txt" in r.text, r.text
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["up:b.txt"]
    assert p.read("out/b.txt") == "2\n"


def test_foreach_relinked_folder_new_match_gets_a_job(make_project):
    p = _foreach_project(make_project, symlink=True)
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["up:b.txt"]
    assert p.read("out/b.txt") == "2\n"

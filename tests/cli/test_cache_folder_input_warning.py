"""README: "an input that is a folder is accepted with a warning naming the rule: only the names in it
are tracked". With the graph cached, the warning follows the cache, not the disk: a file input
replaced by a folder never gets it, and a folder input replaced by a file keeps getting it."""

from __future__ import annotations

import os
import shutil

MF = """
[rules.cat]
inputs = ["in.txt"]
outputs = ["out"]
run = "echo cat >> ran.log; ls -R {inputs} > {output}"
"""

WARNING = "input 'in.txt' is a folder"


def _age_all(root, seconds):
    for dp, dns, fns in os.walk(root):
        if ".buildlike" in dp.split(os.sep):
            continue
        for n in dns + fns:
            if n == ".buildlike":
                continue
            p = os.path.join(dp, n)
            st = os.lstat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)), follow_symlinks=False)
    st = os.stat(root)
    os.utime(root, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def _cached(p):
    _age_all(p.root, 100)
    assert p.run("-q").code == 0
    _age_all(p.root, 50)
    assert p.run("-q").code == 0  # the graph is cached now
    assert p.exists(".buildlike/graph.cache")


def test_file_input_becoming_a_folder_gets_the_warning(make_project):
    p = make_project(MF, {"in.txt": "0\n"})
    _cached(p)
    (p.root / "in.txt").unlink()
    p.write("in.txt/z", "z\n")
    _age_all(p.root, 20)
    r = p.run()
    assert r.code == 0, r.text
    assert WARNING in r.err, r.err


def test_folder_input_becoming_a_file_loses_the_warning(make_project):
    p = make_project(MF, {"in.txt/z": "z\n"})
    _cached(p)
    shutil.rmtree(p.root / "in.txt")
    p.write("in.txt", "0\n")
    _age_all(p.root, 20)
    r = p.run()
    assert r.code == 0, r.text
    assert WARNING not in r.err, r.err
    r = p.run("status")
    assert WARNING not in r.err, r.err

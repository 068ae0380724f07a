"""`tar xf` of a reproducible release tarball (every mtime fixed, as SOURCE_DATE_EPOCH or
`tar --mtime` make them) over the folder a glob reads adds a file but puts the folder's mtime back.
The glob's answer changed (rule 4: "the list of its inputs changed (a glob matches a new or lost
file)"), so the job must rerun; status must say so, and `list` must show a `foreach` job for it."""

from __future__ import annotations

import io
import os
import tarfile

T = 1_700_000_000


def _tarball(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("src")
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.mtime = T
        tar.addfile(info)
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"src/{name}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = T
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def _extract(root, files):
    with tarfile.open(fileobj=_tarball(files)) as tar:
        tar.extractall(root)  # restores every mtime, the folder's last, as `tar xf` does


def _built(make_project, maestrofile):
    p = make_project(maestrofile)
    os.utime(p.root / "Maestrofile.toml", (T, T))
    _extract(p.root, {"a.txt": "1\n"})  # release 1.0
    r = p.run("-q")
    assert r.code == 0, r.text
    for out in ("out", "out/a.txt"):
        if (p.root / out).is_file():
            os.utime(p.root / out, (T + 100, T + 100))
    r = p.run()
    assert "nothing to do" in r.text, r.text
    (p.root / "ran.log").unlink()
    _extract(p.root, {"a.txt": "1\n", "b.txt": "2\n"})  # release 1.1 over it: one more file
    assert os.stat(p.root / "src").st_mtime == T
    return p


CAT = """
[rules.cat]
inputs = ["src/*.txt"]
outputs = ["out"]
run = "echo cat >> ran.log; cat {inputs} > {output}"
"""

FOREACH = """
[rules.up]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{name}"]
run = "echo up:{name} >> ran.log; cp {input} {output}"
"""


def test_status_sees_file_extracted_into_globbed_folder(make_project):
    p = _built(make_project, CAT)
    r = p.run("status")
    assert "src/b.txt" in r.text, r.text


def test_build_reruns_job_whose_glob_gained_an_extracted_file(make_project):
    p = _built(make_project, CAT)
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["cat"]
    assert p.read("out") == "1\n2\n"


def test_foreach_gets_job_for_extracted_file(make_project):
    p = _built(make_project, FOREACH)
    assert "up:src/b.txt" in p.run("list").text
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["up:b.txt"]
    assert p.read("out/b.txt") == "2\n"


def test_always_make_after_extract_uses_new_input_list(make_project):
    """README: an untouched-looking change is what `-B` is for; it must at least see the new file."""
    p = _built(make_project, CAT)
    r = p.run("build", "-B")
    assert r.code == 0, r.text
    assert p.read("out") == "1\n2\n"

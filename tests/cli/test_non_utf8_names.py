"""File names that are not UTF-8 (Linux names are bytes: a Latin-1 name from an old archive or a
Windows share). Found by two black-box testers: the build ran the job, then died with a traceback
(UnicodeEncodeError) saving the state, on every build; in watch mode the whole session died."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import buildlike
from buildlike.reporter import Reporter

FOREACH = """
[rules.up]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{stem}.up"]
description = "up {path}"
run = "echo {stem} >> ran.log; tr a-z A-Z < {input} > {output}"
"""


def _run(p, *args: str) -> subprocess.CompletedProcess[bytes]:
    # (strict, as Python's output is under a UTF-8 locale: this machine's C.UTF-8 escapes anyway)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    r = subprocess.run([sys.executable, "-m", "buildlike", *args], cwd=p.root, capture_output=True, timeout=60, env=env)
    assert b"Traceback" not in r.stderr, r.stderr.decode("utf-8", "replace")
    return r


def _read(p, rel: bytes) -> bytes:
    with open(os.path.join(bytes(p.root), rel), "rb") as f:
        return f.read()


def test_a_foreach_over_a_non_utf8_name_builds_once_and_is_then_up_to_date(make_project):
    p = make_project(FOREACH, {"src/a.txt": "a\n"})
    name = os.path.join(bytes(p.root), b"src/caf\xe9.txt")
    with open(name, "wb") as f:
        f.write(b"x\n")
    assert _run(p).returncode == 0
    assert _read(p, b"out/caf\xe9.up") == b"X\n"
    assert _run(p).returncode == 0
    assert _run(p, "status", "--check").returncode == 0
    assert len((p.root / "ran.log").read_bytes().split()) == 2  # each job once
    with open(name, "wb") as f:
        f.write(b"y\n")
    assert _run(p, "status", "--check").returncode == 1
    assert _run(p).returncode == 0
    assert _read(p, b"out/caf\xe9.up") == b"Y\n"
    r = _run(p, "clean", "-v")
    assert b"deleted out/caf\xe9.up" in r.stdout  # printed as its bytes, as ls does
    assert r.returncode == 0
    assert not os.path.exists(os.path.join(bytes(p.root), b"out/caf\xe9.up"))


def test_a_depfile_naming_a_non_utf8_header_builds_and_tracks_it(make_project):
    p = make_project(
        '[rules.x]\ninputs = ["s.txt"]\noutputs = ["o.txt"]\ndepfile = "o.d"\n'
        "run = \"echo x >> ran.log; cat s.txt h*.h > o.txt; printf 'o.txt: h\\\\351.h\\\\n' > o.d\"\n",
        {"s.txt": "s\n"},
    )
    header = os.path.join(bytes(p.root), b"h\xe9.h")
    with open(header, "wb") as f:
        f.write(b"h\n")
    assert _run(p).returncode == 0
    assert _run(p).returncode == 0
    assert p.log() == ["x"]
    with open(header, "wb") as f:
        f.write(b"h2\n")
    assert _run(p).returncode == 0
    assert p.log() == ["x", "x"]
    assert p.read("o.txt") == "s\nh2\n"


def test_a_reporter_on_a_strict_stream_prints_such_a_name_replaced(make_project):
    """An API caller's stream may refuse the name's bytes: the progress line says it with U+FFFD."""
    p = make_project(FOREACH, {"src/a.txt": "a\n"})
    with open(os.path.join(bytes(p.root), b"src/caf\xe9.txt"), "wb") as f:
        f.write(b"x\n")
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    buildlike.build(buildlike.load(p.root / "Maestrofile.toml"), reporter=Reporter(out))
    assert "up src/caf\ufffd.txt" in out.buffer.getvalue().decode()


def test_a_failed_job_with_such_a_name_is_named_by_its_bytes_on_stderr(make_project):
    """Found in review: stderr (backslashreplace by default) spelt the name `caf\\udce9`."""
    p = make_project(
        '[rules.up]\nforeach = "src/*.txt"\noutputs = ["out/{stem}.up"]\nrun = "false"\n', {"src/a.txt": ""}
    )
    os.remove(p.root / "src/a.txt")
    with open(os.path.join(bytes(p.root), b"src/caf\xe9.txt"), "wb") as f:
        f.write(b"x\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    r = subprocess.run([sys.executable, "-m", "buildlike"], cwd=p.root, capture_output=True, timeout=60, env=env)
    assert r.returncode == 1
    assert b"up:src/caf\xe9.txt" in r.stderr and b"\\udce9" not in r.stderr, r.stderr


def test_watch_survives_a_new_file_with_such_a_name(make_project, tmp_path):
    """The watch session died with the traceback and exit 1 when such a file appeared."""
    p = make_project(FOREACH, {"src/a.txt": "a\n"})
    log = tmp_path / "watch.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "buildlike", "watch", "--debounce", "80"],
            cwd=p.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 15
        while b"watching for changes" not in log.read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_bytes()
            time.sleep(0.02)
        with open(os.path.join(bytes(p.root), b"src/caf\xe9.txt"), "wb") as f:
            f.write(b"x\n")
        deadline = time.monotonic() + 5  # the build of the new file, then a quiet moment
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        text = log.read_bytes().decode("utf-8", "replace")
        assert proc.poll() is None, f"watch exited with {proc.returncode}:\n{text}"
        assert "Traceback" not in text, text
    finally:
        if proc.poll() is None:
            proc.send_signal(2)
            proc.wait(15)

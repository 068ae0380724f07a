"""The command line ends without tearing the interpreter down (freeing a loaded graph object by object
cost 8.5 ms of a 2000-job rebuild), unless something in the process counts on the ordinary exit."""

from __future__ import annotations

import os

import pytest

PROJECT = """
[rules.good]
outputs = ["good.txt"]
run = "echo ok > good.txt"

[rules.bad]
outputs = ["bad.txt"]
run = "echo oops; exit 3"
"""

# Imported by Python at start-up from PYTHONPATH: `torn down` is written only if the interpreter frees
# its modules' globals at exit; `atexit ran` only if an atexit callback ran.
SITECUSTOMIZE = """
import atexit, os
OUT = os.environ["PROBE_OUT"]

class _Witness:
    def __del__(self, _open=open, _out=OUT):  # (the module's globals may be gone by then)
        with _open(_out, "a") as f:
            f.write("torn down\\n")

witness = _Witness()
if os.environ.get("PROBE_ATEXIT"):
    atexit.register(lambda: open(OUT, "a").write("atexit ran\\n"))
"""


@pytest.fixture
def probe(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    out = tmp_path / "probe.txt"

    def env(**extra: str) -> dict[str, str]:
        path = os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])
        return {"PYTHONPATH": path, "PROBE_OUT": str(out), **extra}

    def seen() -> list[str]:
        return out.read_text().splitlines() if out.exists() else []

    return env, seen


def test_a_build_ends_without_tearing_the_interpreter_down_and_says_everything(make_project, probe):
    env, seen = probe
    p = make_project(PROJECT)
    r = p.run("-k", env=env())
    assert r.code == 1, r.text  # the failed job's exit code comes through
    assert "FAILED: bad" in r.err and "oops" in r.err  # and everything said before the end
    assert p.read("good.txt") == "ok\n"
    assert seen() == []  # no teardown
    r = p.run("-k", env=env())  # its state was saved all the same: only the failed job reruns
    assert r.code == 1, r.text
    assert "[1/1] bad" not in r.out and "good" not in r.out


def test_an_atexit_callback_gets_the_ordinary_exit(make_project, probe):
    env, seen = probe
    p = make_project(PROJECT)
    r = p.run("good", env=env(PROBE_ATEXIT="1"))
    assert r.code == 0, r.text
    assert seen() == ["atexit ran", "torn down"]


def test_a_no_op_ends_at_once_too(make_project, probe):
    env, seen = probe
    p = make_project(PROJECT)
    assert p.run("good").code == 0
    assert p.run("good").code == 0  # (saves the clean snapshot)
    r = p.run("good", env=env())
    assert r.code == 0 and "nothing to do" in r.out, r.text
    assert seen() == []

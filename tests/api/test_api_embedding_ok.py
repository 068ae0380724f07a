"""Written by a black-box tester, passing at 6a04a2c: what an embedding application relies on.

Two projects in one process, alternately and from two threads at once, keep their own vars, shell,
env and settings; many builds leave cwd, os.environ, signal handlers, descriptors and children as
they were; each error class of SPEC comes as a documented `BuildlikeError` with its facts (an
interrupt as a KeyboardInterrupt); a
KeyboardInterrupt raised by the caller's own code during a build stops the commands, propagates,
and leaves the running job to rerun.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from api_helpers import project, script

import buildlike

ONE = """
[settings]
jobs = 2
shell = "/bin/bash"

[vars]
TAG = "alpha"

[rules.make]
foreach = "in/*.txt"
inputs = ["{path}"]
outputs = ["out/{stem}.txt"]
env = { WHO = "first" }
run = "echo {TAG} $WHO ${{BASH_VERSION:+bash}} $(cat {input}) > {output}; echo {stem} >> ran.log"
"""

TWO = """
[settings]
jobs = 3

[vars]
TAG = "beta"

[rules.make]
foreach = "in/*.txt"
inputs = ["{path}"]
outputs = ["out/{stem}.txt"]
env = { WHO = "second" }
run = "echo {TAG} $WHO ${{BASH_VERSION:+bash}} $(cat {input}) > {output}; echo {stem} >> ran.log"
"""


def _two_projects(tmp_path: Path, n: int = 12) -> tuple[Path, Path]:
    files = {f"in/f{i}.txt": f"{i}\n" for i in range(n)}
    return project(tmp_path / "one", ONE, files), project(tmp_path / "two", TWO, files)


def _outputs(root: Path) -> set[str]:
    return {" ".join(p.read_text().split()[:-1]) for p in (root / "out").iterdir()}  # (all but the number)


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_two_projects_alternately_keep_their_own_vars_shell_and_env(tmp_path, capsys):
    a, b = _two_projects(tmp_path)
    pa, pb = buildlike.load(a), buildlike.load(str(b / "Maestrofile.toml"))
    assert len(buildlike.build(pa).ran) == 12
    assert len(buildlike.build(pb).ran) == 12
    assert buildlike.build(pa).ran == () and buildlike.build(pb).ran == ()
    assert _outputs(a) == {"alpha first bash"}
    assert _outputs(b) == {"beta second"}  # /bin/sh, not project one's bash
    assert "WHO" not in os.environ


def test_two_projects_built_from_two_threads_at_once_do_not_mix(tmp_path, capsys):
    a, b = _two_projects(tmp_path, 30)
    pa, pb = buildlike.load(a), buildlike.load(b)
    (b / "in" / "f7.txt").write_text("7\n")
    errors: list[BaseException] = []
    counts: dict[str, list[object]] = {"a": [], "b": []}

    def loop(name: str, loaded: buildlike.Loaded) -> None:
        try:
            for _ in range(5):
                r = buildlike.build(loaded, options=buildlike.BuildOptions(always_make=True))
                counts[name].append(len(r.ran))
        except BaseException as e:  # pragma: no cover - shown by the assert
            errors.append(e)

    threads = [threading.Thread(target=loop, args=("a", pa)), threading.Thread(target=loop, args=("b", pb))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert counts == {"a": [30] * 5, "b": [30] * 5}
    assert _outputs(a) == {"alpha first bash"} and _outputs(b) == {"beta second"}


def test_many_builds_leave_cwd_environ_signals_descriptors_and_children_alone(tmp_path, capsys):
    a, b = _two_projects(tmp_path, 3)
    pa, pb = buildlike.load(a), buildlike.load(b)
    cwd, env = os.getcwd(), dict(os.environ)
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGTSTP, signal.SIGCHLD)
    handlers = {s: signal.getsignal(s) for s in sigs}
    buildlike.build(pa)
    fds = _fds()
    for _ in range(30):
        buildlike.build(pa, options=buildlike.BuildOptions(always_make=True))
        buildlike.build(pb)
        buildlike.status(pa)
        buildlike.status(pb)
    buildlike.clean(pb)
    assert os.getcwd() == cwd
    assert dict(os.environ) == env
    assert {s: signal.getsignal(s) for s in sigs} == handlers
    assert _fds() == fds
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, running or unreaped


def test_same_project_from_two_threads_runs_each_job_once(tmp_path, capsys):
    root = project(
        tmp_path / "p",
        """
        [rules.slow]
        outputs = ["slow.txt"]
        run = "echo run >> ran.log; sleep 0.5; echo done > slow.txt"

        [rules.warm]
        outputs = ["warm.txt"]
        run = "touch warm.txt"
        """,
    )
    loaded = buildlike.load(root)
    # A first build creates .buildlike/: the first builds from threads at once trip over that (see
    # test_api_first_build_from_threads.py); this test is about the lock once it exists.
    buildlike.build(loaded, ["warm"])
    results: list[object] = []

    def go() -> None:
        results.append(buildlike.build(loaded, ["slow"]).ran)

    threads = [threading.Thread(target=go, args=()) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results, key=len) == [(), (), ("slow",)]
    assert (root / "ran.log").read_text().split() == ["run"]


def test_every_spec_error_is_a_buildlike_error_with_its_facts(tmp_path, capsys):
    def load(name: str, text: str, files: dict[str, str] | None = None) -> buildlike.Loaded:
        return buildlike.load(project(tmp_path / name, text, files))

    with pytest.raises(buildlike.MaestrofileError) as bad:
        load("toml", "[rules.a\n")
    assert bad.value.problems[0].line == 1 and bad.value.exit_code == 2

    with pytest.raises(buildlike.MaestrofileError) as cycle:
        load(
            "cycle",
            '[rules.a]\ninputs=["b"]\noutputs=["a"]\nrun="x"\n[rules.b]\ninputs=["a"]\noutputs=["b"]\nrun="x"\n',
        )
    assert "a -> b -> a" in str(cycle.value)

    missing = load("missing", '[rules.a]\ninputs=["nope.txt"]\noutputs=["a"]\nrun="x"\n')
    with pytest.raises(buildlike.MaestrofileError) as miss:
        buildlike.build(missing)
    assert (miss.value.problems[0].rule, miss.value.problems[0].path) == ("a", "nope.txt")

    ok = load("ok", '[rules.a]\noutputs=["a"]\nrun="touch a"\n')
    with pytest.raises(buildlike.UsageError) as unknown:
        buildlike.build(ok, ["zzz"])
    assert "zzz" in str(unknown.value) and unknown.value.exit_code == 2

    failing = load("fail", '[rules.a]\noutputs=["a"]\nrun="exit 3"\n')
    with pytest.raises(buildlike.BuildFailed) as failed:
        buildlike.build(failing)
    assert failed.value.failed == ("a",) and failed.value.exit_code == 1

    for cls in (
        buildlike.MaestrofileError,
        buildlike.UsageError,
        buildlike.BuildFailed,
        buildlike.LockBusy,
        buildlike.StateError,
    ):
        assert issubclass(cls, buildlike.BuildlikeError)
    # ... but an interrupted build is a KeyboardInterrupt, as Ctrl-C is in Python: `except Exception`
    # must not swallow it.
    assert issubclass(buildlike.Interrupted, KeyboardInterrupt)
    assert not issubclass(buildlike.Interrupted, Exception)


def test_lock_held_by_another_process_is_lock_busy_with_the_holder(tmp_path, capsys):
    root = project(tmp_path / "p", '[rules.a]\noutputs=["a"]\nrun="sleep 2; touch a"\n')
    holder = subprocess.Popen(
        [sys.executable, "-c", "import buildlike; buildlike.build(buildlike.load('.'))"],
        cwd=root,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not (root / ".buildlike").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        with pytest.raises(buildlike.LockBusy) as busy:
            buildlike.build(buildlike.load(root), options=buildlike.BuildOptions(no_wait=True))
        assert str(holder.pid) in busy.value.holder
    finally:
        holder.wait(30)


def test_keyboard_interrupt_from_the_callers_code_stops_the_commands_and_propagates(tmp_path):
    """A KeyboardInterrupt raised by the embedding program (here from a reporter callback) during
    a build: it propagates as it is, the running command's group is stopped, and the job it was
    running reruns next time while the one that finished does not."""
    root = project(
        tmp_path / "p",
        """
        [settings]
        jobs = 2
        [rules.fast]
        outputs = ["fast.txt"]
        run = "echo fast > fast.txt"
        [rules.slow]
        outputs = ["slow.txt"]
        run = "echo $$ > pid.txt; sleep 30; echo slow > slow.txt"
        """,
    )
    r = script(
        """
        import io, os, time, buildlike
        from buildlike.reporter import Reporter
        class R(Reporter):
            def job_finished(self, done, total, job, outcome):
                if job.id == "fast":
                    while not os.path.exists("pid.txt") or not open("pid.txt").read().strip():
                        time.sleep(0.02)
                    raise KeyboardInterrupt
        try:
            buildlike.build(buildlike.load("."), reporter=R(io.StringIO(), io.StringIO()))
        except KeyboardInterrupt:
            print("KeyboardInterrupt")
        pid = int(open("pid.txt").read())
        try:
            os.kill(pid, 0)
            print("still running")
        except ProcessLookupError:
            print("stopped")
        print(*sorted(s.job.id for s in buildlike.status(buildlike.load("."))))
        """,
        cwd=root,
    )
    assert r.stdout.split("\n")[:3] == ["KeyboardInterrupt", "stopped", "slow"], r.stdout + r.stderr

"""Behaviours under OS limits that are right today, pinned (these pass).

Each was probed black-box by a tester; test_limits_full_disk.py, _state_permissions.py and
_memory.py hold the ones that were not (fixed since).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from limits_tools import cli, lines, write_project

COPY = """
[rules.copy]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["out/{name}"]
run = "cp {input} {output}; echo {name} >> ran.log"
"""


def test_a_command_line_over_arg_max_fails_its_job_clearly_and_reruns(tmp_path):
    # 20,000 names of ~110 bytes: 2.2 MB of arguments, over Linux's 2 MB ARG_MAX.
    root = write_project(
        tmp_path / "p",
        """
        [rules.all]
        inputs = ["src/*.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > all.txt"
        [rules.direct]
        inputs = ["src/*.txt"]
        outputs = ["n.txt"]
        run = ["wc -l {inputs}", "touch n.txt"]
        """,
    )
    (root / "src").mkdir()
    for i in range(20_000):
        (root / "src" / f"{'x' * 100}{i:05d}.txt").write_text("1\n")
    r = cli(root, "-k", timeout=120)
    assert r.code == 1, r.text[-2000:]
    assert "Traceback" not in r.err
    assert "Argument list too long" in r.err, r.err[-2000:]
    assert len(r.err) < 20_000  # the 2 MB command is shown shortened
    st = cli(root, "status", timeout=120)
    assert "all: its last run failed" in st.out and "direct:" in st.out, st.text


def test_an_environment_value_over_the_single_string_limit_fails_its_job_clearly(tmp_path):
    big = "y" * 200_000  # over MAX_ARG_STRLEN (128 kB), under ARG_MAX
    root = write_project(
        tmp_path / "p",
        f'[rules.t]\noutputs = ["t.txt"]\nenv = {{ BIG = "{big}" }}\nrun = "touch t.txt"\n'
        f'[rules.u]\noutputs = ["u.txt"]\nrun = "printf %s {big} | wc -c > u.txt"\n',
    )
    r = cli(root, "-k")
    assert r.code == 1 and "Traceback" not in r.err, r.text[-2000:]
    assert "FAILED: t" in r.err and "Argument list too long" in r.err, r.err[-2000:]
    assert (root / "u.txt").read_text().strip() == "200000"  # a long command goes through a file


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_bad_jobs_option_is_a_usage_error(tmp_path, value):
    root = write_project(tmp_path / "p", COPY, {"src/a.txt": "a\n"})
    r = cli(root, "-j", value)
    assert r.code == 2 and "Traceback" not in r.err, r.text
    assert not (root / "ran.log").exists()


def test_settings_jobs_zero_means_cpus_and_a_huge_j_still_builds(tmp_path):
    root = write_project(tmp_path / "p", "[settings]\njobs = 0\n" + COPY, {f"src/{i}.txt": f"{i}\n" for i in range(8)})
    assert cli(root, "-q").code == 0
    assert sorted(lines(root / "ran.log")) == sorted(f"{i}.txt" for i in range(8))
    (root / "ran.log").unlink()
    (root / "src/3.txt").write_text("three\n")
    r = cli(root, "-q", "-j", "100000")
    assert r.code == 0 and "Traceback" not in r.err, r.text
    assert lines(root / "ran.log") == ["3.txt"]
    # One job to run is no reason to warn that fewer than 100,000 can run at once (it did).
    assert "jobs at a time" not in r.err, r.err


def test_binary_output_and_commands_closing_their_streams(tmp_path):
    root = write_project(
        tmp_path / "p",
        r"""
        [rules.bin]
        outputs = ["bin.out"]
        run = "printf 'ok\\377\\376\\000 \\351t\\351\\n'; head -c 3000 /dev/urandom; touch bin.out"
        [rules.binfail]
        outputs = ["binfail.out"]
        run = "printf 'x\\377\\351\\000y\\n' >&2; exit 3"
        [rules.closer]
        outputs = ["closer.out"]
        run = "exec >&- 2>&-; sleep 0.3; echo done > closer.out"
        """,
    )
    for env in ({}, {"LC_ALL": "C", "PYTHONUTF8": "0"}):
        for f in ("bin.out", "closer.out"):
            if (root / f).exists():
                (root / f).unlink()
        proc = subprocess.run(
            [sys.executable, "-m", "buildlike", "-k", "-B"], cwd=root, capture_output=True, env={**os.environ, **env}
        )
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert b"Traceback" not in proc.stderr
        assert b"x\xff\xe9\x00y" in proc.stderr  # the failing job's bytes, as they were
        assert (root / "closer.out").read_text() == "done\n" and (root / "bin.out").exists()


def test_paths_whose_absolute_form_is_over_path_max(tmp_path):
    """A source and an output whose paths from the project are under PATH_MAX but whose absolute
    paths are over it (only relative names reach them: buildlike must not absolutize)."""
    root = tmp_path / "p"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        comps = [f"d{i:03d}" + "e" * 246 for i in range(16)]
        rel = "/".join(comps)
        for k in range(1, len(comps) + 1):
            os.mkdir("/".join(comps[:k]), dir_fd=fd)
        name = "f" * max(4100 - len(str(root)) - len(rel) - 2, 10) + ".txt"
        assert len(rel) + 1 + len(name) < 4096 < len(str(root)) + 1 + len(rel) + 1 + len(name)

        def put(path, text):
            with open(path, "w", opener=lambda p, flags: os.open(p, flags, 0o644, dir_fd=fd)) as f:
                f.write(text)

        def get(path):
            with open(path, opener=lambda p, flags: os.open(p, flags, dir_fd=fd)) as f:
                return f.read()

        put(f"{rel}/{name}", "one\n")
        write_project(root, COPY.replace("src/*.txt", "d000*/**/*.txt"))
        r = cli(root, "-q")
        assert r.code == 0 and "Traceback" not in r.err, r.text[-1500:]
        assert get(f"out/{name}") == "one\n"
        put(f"{rel}/{name}", "two\n")
        assert cli(root, "status").out.startswith("copy:d000"), "the edit was not seen"
        r = cli(root, "-q")
        assert r.code == 0 and get(f"out/{name}") == "two\n", r.text[-1500:]
        assert "up to date" in cli(root, "status").out
        assert cli(root, "clean").code == 0 and not os.path.exists(root / "out" / name)
    finally:
        os.close(fd)


def test_edits_are_seen_with_future_and_backwards_mtimes(tmp_path):
    root = write_project(tmp_path / "p", COPY, {"src/fut.txt": "AAAA\n", "src/old.txt": "AAAA\n"})
    y2100 = 4102444800
    os.utime(root / "src/fut.txt", (y2100, y2100))
    os.utime(root / "src/old.txt", (978307200, 978307200))  # 2001
    assert cli(root, "-q").code == 0
    (root / "ran.log").unlink()
    assert cli(root, "status", "--check").code == 0  # a future mtime is not stale forever
    (root / "src/fut.txt").write_text("BBBB\n")  # same size; its mtime even goes back to 2100
    os.utime(root / "src/fut.txt", (y2100, y2100))
    (root / "src/old.txt").write_text("BBBB\n")  # same size, mtime set back further (1999)
    os.utime(root / "src/old.txt", (915148800, 915148800))
    assert cli(root, "-q").code == 0
    assert sorted(lines(root / "ran.log")) == ["fut.txt", "old.txt"]
    assert (root / "out/fut.txt").read_text() == "BBBB\n" and (root / "out/old.txt").read_text() == "BBBB\n"


def test_a_full_disk_while_saving_records_stops_the_build_and_loses_nothing(tmp_path):
    root = write_project(
        tmp_path / "p",
        COPY.replace("cp {input} {output}", "touch {output}"),
        {f"src/f{i:03d}.txt": f"{i}\n" for i in range(200)},
    )
    r = cli(root, "-q", "-j2", fsize=60_000)
    assert r.code == 1 and "Traceback" not in r.err, r.text
    assert "cannot save the build state" in r.err
    first = lines(root / "ran.log")
    (root / "ran.log").unlink()
    again = cli(root, "-q", "-j2")
    assert again.code == 0, again.text
    second = lines(root / "ran.log")
    assert set(first) | set(second) == {f"f{i:03d}.txt" for i in range(200)}
    assert len(second) >= 200 - len(first)  # nothing recorded that did not finish
    assert cli(root, "status", "--check").code == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root is exempt from RLIMIT_NPROC (checked by hand as uid 65534)")
def test_a_command_that_cannot_fork_fails_its_job_with_the_reason(tmp_path):
    root = write_project(tmp_path / "p", '[rules.d]\noutputs = ["d.out"]\nrun = ["touch d.out", "touch d2"]\n')
    n = int(
        subprocess.run(
            ["sh", "-c", f"ps -u {os.getuid()} --no-headers -L | wc -l"], capture_output=True, text=True
        ).stdout
    )

    def low():
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))  # buildlike itself is the last one allowed

    proc = subprocess.run([sys.executable, "-m", "buildlike"], cwd=root, capture_output=True, text=True, preexec_fn=low)
    if proc.returncode == 0:
        pytest.skip("the process limit could not be made to bind here")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "FAILED: d" in proc.stderr and "Resource temporarily unavailable" in proc.stderr
    ok = cli(root, "-q")
    assert ok.code == 0 and (root / "d2").exists()

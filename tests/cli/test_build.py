"""Black-box tests of `buildlike build` against SPEC.md: "When a job runs" and "Running"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

COPY = """
[rules.copy]
inputs = ["src.txt"]
outputs = ["out/copy.txt"]
run = "echo copy >> ran.log; cp {input} {output}"
"""

CHAIN = """
[rules.a]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "echo a >> ran.log; tr a-z A-Z < {input} > {output}"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "echo b >> ran.log; cat {input} {input} > {output}"
"""


def test_a_first_build_runs_every_job_and_a_second_runs_nothing(make_project):
    """SPEC: When a job runs, rules 1 and 2."""
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    r = p.run()
    assert r.code == 0, r.text
    assert p.log() == ["a", "b"]
    assert p.read("b.txt") == "HELLO\nHELLO\n"
    assert p.run().code == 0
    assert p.log() == ["a", "b"]


def test_inputs_and_outputs_may_be_one_string(make_project):
    """README: `inputs` and `outputs` may be one string for one path; the message says so too."""
    p = make_project(CHAIN.replace('["src.txt"]', '"src.txt"').replace('["b.txt"]', '"b.txt"'), {"src.txt": "hi\n"})
    assert p.run().code == 0
    assert p.read("b.txt") == "HI\nHI\n"
    p.write("src.txt", "ho\n")
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "b"]


def test_touching_an_input_without_changing_it_runs_nothing(make_project):
    """SPEC: When a job runs: content is compared by hash."""
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    p.run()
    p.age("src.txt", -5)  # a new mtime, same bytes
    assert p.run().code == 0
    assert p.log() == ["a", "b"]


def test_changing_an_input_reruns_its_job_and_dependents(make_project):
    """SPEC rule 5."""
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    p.run()
    p.write("src.txt", "world\n")
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "b"]
    assert p.read("b.txt") == "WORLD\nWORLD\n"


def test_identical_rebuilt_output_stops_dependents_early_cutoff(make_project):
    """SPEC: a job that reruns and writes byte-identical outputs does not make its dependents run."""
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    p.run()
    p.write("src.txt", "HELLO\n")  # a.txt stays "HELLO\n"
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a"]
    assert p.run("status", "--check").code == 0  # b, judged up to date after all, stays trusted
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a"]


def test_a_missing_output_reruns_its_job(make_project):
    """SPEC rule 1."""
    p = make_project(CHAIN, {"src.txt": "x\n"})
    p.run()
    (p.root / "b.txt").unlink()
    p.run()
    assert p.log() == ["a", "b", "b"]


def test_a_changed_command_reruns_but_a_changed_description_does_not(make_project):
    """SPEC rule 3."""
    p = make_project(COPY, {"src.txt": "x\n"})
    p.run()
    p.write("Maestrofile.toml", COPY + 'description = "copy it"\n')
    p.run()
    assert p.log() == ["copy"]
    p.write("Maestrofile.toml", COPY.replace("cp {input}", "cp -p {input}"))
    p.run()
    assert p.log() == ["copy", "copy"]


def test_a_changed_env_or_shell_reruns(make_project):
    """SPEC rule 3: env table and shell setting."""
    p = make_project(COPY, {"src.txt": "x\n"})
    p.run()
    p.write("Maestrofile.toml", COPY + 'env = { LC_ALL = "C" }\n')
    p.run()
    assert p.log() == ["copy", "copy"]
    p.write("Maestrofile.toml", '[settings]\nshell = "/bin/bash"\n' + COPY + 'env = { LC_ALL = "C" }\n')
    p.run()
    assert p.log() == ["copy", "copy", "copy"]


def test_the_shell_setting_may_give_the_shell_options(make_project):
    """`bash -eu -o pipefail`: a failure inside a pipe fails the job, as it would not under plain sh."""
    rule = """
        [rules.piped]
        outputs = ["out.txt"]
        run = ["echo ran >> ran.log; false | cat", "echo made > out.txt"]
        """
    plain = make_project(rule)
    assert plain.run().code == 0
    assert plain.exists("out.txt")
    strict = make_project('[settings]\nshell = "bash -eu -o pipefail"\n' + textwrap.dedent(rule))
    assert strict.run().code == 1
    assert strict.log() == ["ran"]
    assert not strict.exists("out.txt")


def test_a_shell_path_with_a_blank_runs_that_program(make_project, tmp_path):
    program = tmp_path / "my tools" / "sh"
    program.parent.mkdir()
    program.symlink_to("/bin/sh")
    p = make_project(
        f'[settings]\nshell = "{program}"\n'
        + '[rules.a]\noutputs = ["a.txt"]\nrun = "echo ran >> ran.log; touch a.txt"\n'
    )
    assert p.run().code == 0
    assert p.log() == ["ran"] and p.exists("a.txt")


@pytest.mark.parametrize(
    ("shell", "said", "code"),
    [
        ("nonexistent-shell", "cannot start the shell 'nonexistent-shell': not found", 127),
        ("nonexistent-shell -eu", "cannot start the shell 'nonexistent-shell': not found", 127),
        ("/etc/passwd", "cannot start the shell '/etc/passwd': Permission denied", 126),
    ],
)
def test_a_shell_that_cannot_start_is_said_as_a_missing_program_is(make_project, shell, said, code):
    """`buildlike: nonexistent-cmd: not found` for a program run directly, but for the shell it was
    `cannot start nonexistent-shell: [Errno 2] No such file or directory: 'nonexistent-shell'`."""
    p = make_project(f'[settings]\nshell = "{shell}"\n[rules.a]\noutputs = ["a"]\nrun = "touch a;"\n')
    r = p.run()
    assert r.code == 1, r.text
    assert f"buildlike: {said}\n" in r.err, r.err
    assert f"(exit code {code})" in r.err, r.err
    assert "Errno" not in r.err and not p.exists("a")


def test_a_var_may_use_another_var(make_project):
    """Found by a tester migrating projects: `IMG = "{OUT}/img"` made a folder named `{OUT}/img`.
    Vars in vars are expanded as make expands `$(OUT)`; `{{...}}` stays literal braces."""
    p = make_project(
        '[vars]\nOUT = "build"\nIMG = "{OUT}/img"\nLIT = "{{OUT}}"\n'
        '[rules.a]\noutputs = ["{IMG}/a.txt"]\nrun = "echo \'{LIT} {IMG}\' > {output}"\n'
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("build/img/a.txt") == "{{OUT}} build/img\n"
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace('OUT = "build"', 'OUT = "out"'))
    assert p.run().code == 0
    assert p.read("out/img/a.txt") == "{{OUT}} out/img\n"


def test_a_var_that_uses_itself_is_an_error_naming_the_loop(make_project):
    p = make_project('[vars]\nA = "{B}"\nB = "x{A}"\n[rules.a]\noutputs = ["{A}"]\nrun = "touch {output}"\n')
    r = p.run()
    assert r.code == 2
    assert "Maestrofile.toml:2: var 'A' uses itself: A -> B -> A" in r.err


def test_an_unused_var_changes_nothing(make_project):
    p = make_project(COPY, {"src.txt": "x\n"})
    p.run()
    p.write("Maestrofile.toml", '[vars]\nUNUSED = "1"\n' + COPY)
    p.run()
    assert p.log() == ["copy"]


def test_a_glob_matching_a_new_file_reruns(make_project):
    """SPEC rule 4: the list of inputs changed."""
    p = make_project(
        """
        [rules.cat]
        inputs = ["parts/*.txt"]
        outputs = ["all.txt"]
        run = "echo cat >> ran.log; cat {inputs} > {output}"
        """,
        {"parts/1.txt": "one\n"},
    )
    p.run()
    p.write("parts/2.txt", "two\n")
    p.run()
    assert p.log() == ["cat", "cat"]
    assert p.read("all.txt") == "one\ntwo\n"
    (p.root / "parts/2.txt").unlink()
    p.run()
    assert p.log() == ["cat", "cat", "cat"]
    assert p.read("all.txt") == "one\n"


def test_an_output_edited_by_hand_reruns_its_job(make_project):
    """SPEC rule 6."""
    p = make_project(COPY, {"src.txt": "x\n"})
    p.run()
    p.write("out/copy.txt", "edited\n")
    p.run()
    assert p.log() == ["copy", "copy"]
    assert p.read("out/copy.txt") == "x\n"


def test_always_jobs_run_on_every_build(make_project):
    """SPEC rule 7."""
    p = make_project('[rules.hi]\nalways = true\nrun = "echo hi >> ran.log"\n')
    p.run()
    p.run()
    assert p.log() == ["hi", "hi"]


def test_a_failed_job_reruns_next_time_and_stops_new_jobs(make_project):
    """SPEC: Running: a command that exits non-zero fails its job; the job reruns next time."""
    p = make_project(
        CHAIN.replace("tr a-z A-Z", "test -f ok && tr a-z A-Z"),
        {"src.txt": "x\n"},
    )
    r = p.run()
    assert r.code == 1
    assert p.log() == ["a"]
    assert "FAILED" in r.err and "exit code 1" in r.err
    p.write("ok", "")
    assert p.run().code == 0
    assert p.log() == ["a", "a", "b"]


# One job at a time; `bad` fails, so `after_bad`, which needs it, never runs.
BAD_THEN_AFTER = """
[settings]
jobs = 1
[rules.bad]
outputs = ["bad.txt"]
run = "echo bad >> ran.log; exit 3"
[rules.after_bad]
inputs = ["bad.txt"]
outputs = ["after.txt"]
run = "echo after >> ran.log; touch {output}"
"""


def test_keep_going_runs_independent_jobs_after_a_failure(make_project):
    p = make_project(
        BAD_THEN_AFTER
        + """
        [rules.good]
        outputs = ["good.txt"]
        run = "echo good >> ran.log; touch {output}"
        """
    )
    r = p.run("-k")
    assert r.code == 1
    assert sorted(p.log()) == ["bad", "good"]
    assert "skipped 1 job" in r.err
    # One last line, naming the failure (a usability tester found two, saying it twice).
    assert r.err.splitlines()[-1].startswith("buildlike: 1 job failed (bad), 1 ran (")
    assert "build failed" not in r.err


def test_a_failure_lists_the_jobs_that_did_not_start(make_project):
    """SPEC: Running: a failure stops new jobs; the user is told which did not start, and why."""
    p = make_project(
        BAD_THEN_AFTER
        + """
        [rules.good]
        foreach = "src/*.txt"
        outputs = ["out/{name}"]
        run = "echo good >> ran.log; cp {path} {output}"
        [rules.last]
        inputs = ["out/one.txt"]
        outputs = ["last.txt"]
        run = "echo last >> ran.log; touch {output}"
        """,
        {"src/one.txt": "1\n", "src/two.txt": "2\n"},
    )
    r = p.run()
    assert r.code == 1
    assert p.log() == ["bad"]  # the longest chain first, then nothing
    assert "skipped 1 job that needs a failed one: after_bad" in r.err
    assert "not started: 3 jobs, as a build stops at its first failure" in r.err
    assert "good:src/one.txt, good:src/two.txt, last" in r.err
    assert p.run("-k").code == 1
    assert sorted(p.log()) == ["bad", "bad", "good", "good", "last"]


def test_a_job_that_does_not_create_its_output_fails(make_project):
    """SPEC: a job that succeeds without creating a declared output fails."""
    p = make_project('[rules.x]\noutputs = ["x.txt"]\nrun = "true"\n')
    r = p.run()
    assert r.code == 1
    assert "x.txt" in r.err


def test_a_run_list_stops_at_its_first_failing_command(make_project):
    p = make_project('[rules.x]\noutputs = ["x.txt"]\nrun = ["echo 1 >> ran.log", "false", "echo 2 >> ran.log"]\n')
    assert p.run().code == 1
    assert p.log() == ["1"]


def test_independent_jobs_run_in_parallel(make_project):
    """SPEC: at most `jobs` at a time; each starts as soon as its producers are done."""
    p = make_project(
        """
        [settings]
        jobs = 3
        [rules.one]
        outputs = ["1"]
        run = "sleep 1; touch 1"
        [rules.two]
        outputs = ["2"]
        run = "sleep 1; touch 2"
        [rules.three]
        outputs = ["3"]
        run = "sleep 1; touch 3"
        """
    )
    start = time.monotonic()
    assert p.run().code == 0
    assert time.monotonic() - start < 2.5  # three 1 s jobs, generous margin for a loaded machine


def test_jobs_option_bounds_parallelism(make_project):
    p = make_project(
        """
        [rules.w]
        foreach = "in/*"
        inputs = ["{path}"]
        outputs = ["out/{name}"]
        run = "echo start >> events.log; sleep 0.3; echo end >> events.log; cp {input} {output}"
        """,
        {f"in/{k}": str(k) for k in range(4)},
    )
    assert p.run("-j", "2").code == 0
    running, peak = 0, 0
    for ev in p.read("events.log").split():
        running += 1 if ev == "start" else -1
        peak = max(peak, running)
    assert peak <= 2


def test_a_job_starts_when_its_own_producers_finish_not_level_by_level(make_project):
    """SPEC: stale jobs run as soon as the jobs that make their inputs are done."""
    p = make_project(
        """
        [settings]
        jobs = 2
        [rules.slow]
        outputs = ["slow.txt"]
        run = "sleep 1.5; echo slow-done >> ran.log; touch {output}"
        [rules.fast]
        outputs = ["fast.txt"]
        run = "touch {output}"
        [rules.after_fast]
        inputs = ["fast.txt"]
        outputs = ["after.txt"]
        run = "echo after-fast >> ran.log; touch {output}"
        """
    )
    assert p.run().code == 0
    assert p.log() == ["after-fast", "slow-done"]


def test_commands_run_in_the_maestrofile_folder_with_output_folders_created(make_project):
    p = make_project('[rules.x]\noutputs = ["deep/er/still/x.txt"]\nrun = "pwd > {output}"\n')
    assert p.run("-C", str(p.root)).code == 0
    assert p.read("deep/er/still/x.txt").strip() == os.path.realpath(p.root)


def test_env_table_reaches_the_command(make_project):
    p = make_project(
        '[rules.x]\noutputs = ["x.txt"]\nenv = { GREETING = "hi there" }\nrun = "echo $GREETING > {output}"\n'
    )
    assert p.run().code == 0
    assert p.read("x.txt") == "hi there\n"


def test_names_with_spaces_and_quotes_are_quoted_in_commands(make_project):
    p = make_project(
        """
        [rules.copy]
        foreach = "in/*.txt"
        inputs = ["{path}"]
        outputs = ["out/{stem} copy.txt"]
        run = "cp {input} {output}"
        """,
        {"in/it's a file.txt": "q\n", "in/plain.txt": "p\n"},
    )
    assert p.run().code == 0, p.run().text
    assert p.read("out/it's a file copy.txt") == "q\n"
    assert p.read("out/plain copy.txt") == "p\n"


def test_named_targets_build_only_what_they_need(make_project):
    p = make_project(
        CHAIN + '\n[rules.other]\noutputs = ["o.txt"]\nrun = "echo other >> ran.log; touch {output}"\n',
        {"src.txt": "x\n"},
    )
    assert p.run("build", "a").code == 0
    assert p.log() == ["a"]
    assert p.run("build", "b.txt").code == 0
    assert p.log() == ["a", "b"]


def test_default_targets_come_from_settings(make_project):
    p = make_project('[settings]\ndefault = ["a"]\n' + CHAIN, {"src.txt": "x\n"})
    assert p.run().code == 0
    assert p.log() == ["a"]


def test_dry_run_runs_nothing_and_writes_nothing(make_project):
    p = make_project(CHAIN, {"src.txt": "x\n"})
    r = p.run("-n")
    assert r.code == 0
    assert "would run" in r.out
    assert p.log() == []
    assert not p.exists(".buildlike")


def test_depfile_lists_become_inputs_from_the_next_build_on(make_project):
    """SPEC: depfile."""
    p = make_project(
        """
        [rules.cc]
        foreach = "src/*.c"
        inputs = ["{path}"]
        outputs = ["build/{stem}.o"]
        depfile = "build/{stem}.d"
        run = [
            "echo {stem} >> ran.log; cat {input} > {output}",
            "printf '%s: %s \\\\\\n  inc/my\\\\ header.h\\n' {output} {input} > build/{stem}.d",
        ]
        """,
        {"src/a.c": "a", "src/b.c": "b", "inc/my header.h": "h1"},
    )
    assert p.run().code == 0, p.run().text
    assert "inc/my\\ header.h" in p.read("build/a.d")
    assert sorted(p.log()) == ["a", "b"]
    p.write("inc/my header.h", "h2")
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "a", "b", "b"]
    assert p.run().code == 0
    assert len(p.log()) == 4


def test_version_and_python_m_work(make_project):
    p = make_project(COPY)
    r = p.run("--version")
    assert r.code == 0 and r.out.startswith("buildlike ")


def test_a_job_finishing_after_its_sibling_failed_does_not_crash_the_build(make_project):
    """SPEC: Running: no new jobs start after a failure; the running ones finish."""
    p = make_project(
        """
        [settings]
        jobs = 2
        [rules.bad]
        outputs = ["bad.txt"]
        run = "exit 1"
        [rules.slow]
        outputs = ["slow.txt"]
        run = "sleep 0.5; echo slow >> ran.log; touch {output}"
        [rules.both]
        inputs = ["bad.txt", "slow.txt"]
        outputs = ["both.txt"]
        run = "echo both >> ran.log; touch {output}"
        """
    )
    r = p.run()
    assert r.code == 1, r.text
    assert "Traceback" not in r.err
    assert p.log() == ["slow"]


def test_a_build_saves_the_stamps_of_what_it_hashed_for_the_next_build(make_project):
    """README: Up to date: a file whose (mtime, size) matches its stamp is trusted without reading it.

    The stamps of the outputs wait for the end of the build (the records do not): they must be saved
    then, after a failure too.
    """
    from buildlike.state import StateStore

    p = make_project(CHAIN + '\n[rules.bad]\noutputs = ["bad.txt"]\nrun = "exit 3"\n', {"src.txt": "hello\n"})
    p.age("src.txt", 60)  # old enough to trust its stat (the outputs are too fresh: their size is kept as -1)
    assert p.run("-k").code == 1
    store = StateStore.open(p.root / ".buildlike", writable=False, warn=print)
    try:
        st = (p.root / "src.txt").stat()
        assert store.stamps["src.txt"][:2] == (st.st_mtime_ns, st.st_size)
        assert {"a.txt", "b.txt"} <= set(store.stamps)
    finally:
        store.close()


def test_no_job_starts_once_a_failure_is_known_even_among_jobs_that_ended_together(make_project, monkeypatch):
    """SPEC: a failure stops new jobs. Here `a` and `f` end before the loop looks; `a` is handled first."""
    from buildlike import api, processes
    from buildlike.errors import BuildFailed
    from buildlike.reporter import Reporter

    p = make_project(
        """
        [rules.a]
        outputs = ["a.txt"]
        run = "sleep 0.1; touch a.txt"

        [rules.a2]
        inputs = ["a.txt"]
        outputs = ["a2.txt"]
        run = "touch a2.txt"

        [rules.f]
        outputs = ["f.txt"]
        run = "sleep 0.1; exit 1"

        [rules.f2]
        inputs = ["f.txt"]
        outputs = ["f2.txt"]
        run = "touch f2.txt"

        [rules.z]
        outputs = ["z.txt"]
        run = "touch z.txt"
        """
    )
    real_wait = processes.Processes.wait

    def busy_then_wait(self, timeout=None):
        if timeout is None:
            time.sleep(0.5)  # the loop busy elsewhere: both commands end before it looks
        return real_wait(self, timeout)

    monkeypatch.setattr(processes.Processes, "wait", busy_then_wait)
    monkeypatch.chdir(p.root)
    loaded = api.load(p.root / "Maestrofile.toml")
    with pytest.raises(BuildFailed):
        api.build(loaded, options=api.BuildOptions(jobs=2), reporter=Reporter(quiet=True))
    assert not p.exists("z.txt") and not p.exists("a2.txt")


def test_a_foreach_never_matches_its_own_outputs_left_on_disk(make_project):
    """Found by a tester: `**/*.txt` making out/{path} matched out/a.txt next time, then out/out/a.txt..."""
    p = make_project(
        """
        [rules.copy]
        foreach = "**/*.txt"
        outputs = ["out/{path}"]
        run = "echo {path} >> ran.log; cp {path} {output}"
        """,
        {"a.txt": "a\n", "docs/b.txt": "b\n"},
    )
    for _ in range(3):
        assert p.run().code == 0
    assert sorted(p.log()) == ["a.txt", "docs/b.txt"]
    assert not p.exists("out/out")
    assert p.run("status", "--check").code == 0


def test_a_job_a_failure_kept_from_starting_keeps_its_record(make_project):
    """Found by a tester: a job that never ran was recorded as failed, so it reran after the fix
    although its input came back byte for byte (SPEC: early cutoff; rule 2 is about runs)."""
    p = make_project(
        """
        [rules.a]
        inputs = ["a.in"]
        outputs = ["a.out"]
        run = ["echo a >> ran.log", "! grep -q bad a.in", "cp a.in a.out"]

        [rules.b]
        inputs = ["a.out"]
        outputs = ["b.out"]
        run = "echo b >> ran.log; cp a.out b.out"
        """,
        {"a.in": "x\n"},
    )
    assert p.run().code == 0
    p.write("a.in", "bad\n")
    assert p.run().code == 1
    p.write("a.in", "x\n")
    assert p.run().code == 0
    assert p.log() == ["a", "b", "a", "a"]
    assert p.run("status", "--check").code == 0


def test_two_maestrofiles_in_one_folder_keep_apart_states(make_project):
    """Found by a tester: `-f a.toml` and `-f b.toml` shared .buildlike/, so a rule named in both
    reran on every switch, and `clean -f a.toml` deleted b.toml's outputs."""
    p = make_project('[rules.x]\noutputs = ["a.txt"]\nrun = "echo a >> ran.log; echo a > a.txt"\n')
    (p.root / "Maestrofile.toml").rename(p.root / "a.toml")
    p.write("b.toml", '[rules.x]\noutputs = ["b.txt"]\nrun = "echo b >> ran.log; echo b > b.txt"\n')
    for _ in range(2):
        assert p.run("-f", "a.toml").code == 0
        assert p.run("-f", "b.toml").code == 0
    assert p.log() == ["a", "b"]
    assert p.run("clean", "-f", "a.toml").code == 0
    assert not p.exists("a.txt") and p.exists("b.txt")
    assert p.run("status", "--check", "-f", "b.toml").code == 0


def test_a_jobs_output_is_printed_byte_for_byte_even_when_it_is_not_utf8(make_project):
    """README: each job's output is captured and printed whole, as make and ninja pass it on."""
    p = make_project(
        r"""
        [rules.latin]
        outputs = ["a"]
        run = 'printf "caf\351 \377\376"; touch a'
        [rules.broken]
        outputs = ["b"]
        run = 'printf "err\351\n" >&2; exit 1'
        """
    )
    proc = subprocess.run([sys.executable, "-m", "buildlike", "-k", "-j1"], cwd=p.root, capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert b"caf\xe9 \xff\xfe\n" in proc.stdout  # ended by a newline, nothing replaced
    assert b"err\xe9\n" in proc.stderr


def test_the_python_api_raises_errors_the_package_exports(make_project, monkeypatch):
    """A script calling buildlike catches `buildlike.BuildFailed` and friends without knowing the modules."""
    import buildlike
    from buildlike.reporter import Reporter

    p = make_project(
        """
        [rules.bad]
        outputs = ["bad.txt"]
        run = "exit 3"

        [rules.good]
        outputs = ["good.txt"]
        run = "echo ok > good.txt"
        """
    )
    monkeypatch.chdir(p.root)
    loaded = buildlike.load("Maestrofile.toml")
    with pytest.raises(buildlike.BuildFailed) as failed:
        buildlike.build(loaded, options=buildlike.BuildOptions(jobs=1, keep_going=True), reporter=Reporter(quiet=True))
    assert failed.value.failed == ("bad",) and isinstance(failed.value, buildlike.BuildlikeError)
    assert p.read("good.txt") == "ok\n"

    p.write(
        "Maestrofile.toml",
        '[rules.x]\noutputs = ["x.txt"]\nrun = "true"\n[rules.y]\noutputs = ["x.txt"]\nrun = "true"\n',
    )
    with pytest.raises(buildlike.MaestrofileError) as bad:
        buildlike.load("Maestrofile.toml")
    [problem] = bad.value.problems
    assert isinstance(problem, buildlike.Problem) and problem.path == "x.txt" and problem.rule in ("x", "y")
    for name in buildlike.__all__:
        getattr(buildlike, name)  # every name the package lists is there


def test_the_python_api_takes_one_target_as_a_string_and_refuses_jobs_below_one(make_project, monkeypatch):
    """`build(project, "a")` builds a, not one target per character; jobs=0 is an error, as -j 0 is."""
    import buildlike
    from buildlike.reporter import Reporter

    p = make_project(
        """
        [rules.a]
        outputs = ["a.txt"]
        run = "echo a > a.txt"

        [rules.b]
        outputs = ["b.txt"]
        run = "echo b > b.txt"
        """
    )
    monkeypatch.chdir(p.root)
    loaded = buildlike.load("Maestrofile.toml")
    for jobs in (0, -1):
        with pytest.raises(buildlike.UsageError, match="at least 1"):
            buildlike.build(loaded, options=buildlike.BuildOptions(jobs=jobs), reporter=Reporter(quiet=True))
    assert not p.exists("a.txt")
    result = buildlike.build(loaded, "a", reporter=Reporter(quiet=True))
    assert result.ran == ("a",)
    assert p.exists("a.txt") and not p.exists("b.txt")
    [stale] = buildlike.status(loaded, "b")
    assert stale.job.id == "b"

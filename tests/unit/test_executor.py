"""Unit tests of `executor` and `processes`: `Execution` runs a job's commands, `Processes` waits for many.

What a build relies on: commands run in order and stop at the first failure, which is named with its
exit code (negative for a signal); simple commands are exec'ed directly and shell ones go to the shell
with the same results; each job's output (stdout and stderr, in order) is its own, through a pipe
of its own, so a background child left by a command never writes into another job's output;
`wait()` reports every job exactly once, wakes for `wake()`, and works the same without pidfds (one
thread per command) and through both ways of starting a command (posix_spawn when the command's folder
is ours, Popen otherwise). Results are read from files the commands write and from `Outcome`s, never
from timing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildlike import capture as capture_module
from buildlike import executor
from buildlike import processes as processes_module
from buildlike.capture import OUTPUT_SHOWN_LIMIT, Capture
from buildlike.executor import DEFAULT_SHELL, Execution, Launcher, Outcome
from buildlike.interrupts import stop_all
from buildlike.processes import Processes

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="Linux-only executor details")


@pytest.fixture(params=["posix_spawn", "popen"])
def cwd(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands' folder: ours (they start with posix_spawn) or another one (they start with Popen)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work if request.param == "posix_spawn" else tmp_path)
    assert Launcher(str(work)).spawn_here == (request.param == "posix_spawn")
    return work


@pytest.fixture(params=["pidfd", "pidfd_raises", "no_pidfd"])
def pidfd(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How commands are waited for: pidfds, or a thread each when `os.pidfd_open` fails or is missing.

    The list holds the pids `os.pidfd_open` was called with (none when it is missing).
    """
    calls: list[int] = []
    if request.param == "no_pidfd":
        monkeypatch.delattr(os, "pidfd_open", raising=False)
        return calls
    real = getattr(os, "pidfd_open", None)
    if real is None:
        pytest.skip("no os.pidfd_open here")

    def pidfd_open(pid: int, flags: int = 0) -> int:
        calls.append(pid)
        if request.param == "pidfd_raises":
            raise OSError(errno.ENOSYS, "pidfd_open is not implemented")
        return real(pid, flags)

    monkeypatch.setattr(os, "pidfd_open", pidfd_open)
    return calls


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> list[Capture]:
    """The captures (output pipes) made for jobs since the test began."""
    made: list[Capture] = []

    class Recorded(Capture):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(processes_module, "Capture", Recorded)
    return made


@pytest.fixture
def argvs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argument lists commands were started with, by posix_spawn or Popen, failed starts included."""
    seen: list[list[str]] = []
    real_spawn = os.posix_spawn

    def posix_spawn(path: Any, argv: Any, env: Any, **kwargs: Any) -> int:
        seen.append(list(argv))
        return real_spawn(path, argv, env, **kwargs)

    class Popen(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            seen.append(list(args))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(os, "posix_spawn", posix_spawn)
    monkeypatch.setattr(subprocess, "Popen", Popen)
    return seen


def execution(commands: list[str], cwd: Path, **kwargs: Any) -> Execution:
    kwargs.setdefault("shell", DEFAULT_SHELL)
    kwargs.setdefault("env", None)
    return Execution(commands, cwd=str(cwd), **kwargs)


def wait_for(processes: Processes[Any], count: int, limit_s: float = 5.0) -> list[tuple[Any, Outcome]]:
    """Wait until `count` jobs have ended (an empty answer, a wake-up, is fine); fail rather than hang."""
    ended: list[tuple[Any, Outcome]] = []
    deadline = time.monotonic() + limit_s
    while len(ended) < count:
        assert time.monotonic() < deadline, f"{len(ended)} of {count} jobs ended"
        ended += processes.wait(timeout=0.5)
    return ended


@contextlib.contextmanager
def watching() -> Iterator[Processes[Any]]:
    """A `Processes` whose jobs still running at the end are killed and waited for."""
    processes: Processes[Any] = Processes()
    try:
        yield processes
    finally:
        deadline = time.monotonic() + 5
        while processes.running and time.monotonic() < deadline:
            processes.signal(signal.SIGKILL)
            processes.wait(timeout=0.2)
        processes.close()


def run(commands: list[str], cwd: Path, **kwargs: Any) -> Outcome:
    """Run one job to its end."""
    with watching() as processes:
        processes.start("job", execution(commands, cwd, **kwargs))
        [(key, outcome)] = wait_for(processes, 1)
        assert key == "job"
        assert not processes.running
    return outcome


def wait_for_file(path: Path, limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.005)


def kill_group_in(pid_file: Path) -> None:
    """Kill the process group whose leader wrote its pid to `pid_file`, if any."""
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def make_program(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


# 1. Commands in order, output captured in order.


def test_commands_run_in_order_and_all_their_output_is_captured_in_order(cwd, pidfd):
    outcome = run(
        [
            "echo first >> log.txt; echo out1",
            "sh -c 'echo err2 >&2; echo second >> log.txt'",
            "cp log.txt copy.txt",
            "echo out4; echo err4 >&2; echo out4b",
        ],
        cwd,
    )
    assert outcome.exit_code == 0
    assert outcome.failed_command is None
    assert outcome.output == b"out1\nerr2\nout4\nerr4\nout4b\n"
    assert outcome.output_size == len(outcome.output)
    assert (cwd / "log.txt").read_text() == "first\nsecond\n"
    assert (cwd / "copy.txt").read_text() == "first\nsecond\n"
    if hasattr(os, "pidfd_open"):
        assert len(pidfd) == 4  # one per command, whether it worked or not


def test_a_job_without_commands_succeeds_with_no_output(tmp_path):
    outcome = run([], tmp_path)
    assert (outcome.exit_code, outcome.failed_command, outcome.output, outcome.output_size) == (0, None, b"", 0)


# 2. Failures and signals.


@pytest.mark.parametrize(
    ("failing", "code"),
    [("sh -c 'exit 3'", 3), ("exit 5", 5), ("false", 1), ("grep -q absent log.txt", 1)],
)
def test_a_failing_middle_command_stops_the_job_and_is_named(cwd, failing, code):
    outcome = run(["echo one >> log.txt", "echo before", failing, "echo three >> log.txt", "echo after"], cwd)
    assert (outcome.exit_code, outcome.failed_command) == (code, failing)
    assert outcome.output == b"before\n"
    assert (cwd / "log.txt").read_text() == "one\n"


@pytest.mark.parametrize(
    ("killer", "sig"),
    [
        ("sh -c 'kill -KILL $$'", signal.SIGKILL),  # exec'ed directly
        ("echo dying; kill -TERM $$", signal.SIGTERM),  # through the shell
    ],
)
def test_a_command_killed_by_a_signal_gives_minus_that_signal(cwd, killer, sig):
    outcome = run([killer, "touch after"], cwd)
    assert (outcome.exit_code, outcome.failed_command) == (-sig, killer)
    assert not (cwd / "after").exists()


# 3. Simple commands and shell ones.


def test_simple_commands_are_execed_directly_and_shell_ones_go_to_the_shell(cwd, argvs):
    (cwd / "a.txt").write_text("content\n")
    outcome = run(
        ["cp a.txt 'b c.txt'", "echo hi there | tr a-z A-Z > upper.txt", "echo done", "sh -c 'echo $0' x"],
        cwd,
    )
    assert outcome.exit_code == 0
    assert outcome.output == b"done\nx\n"
    assert (cwd / "b c.txt").read_text() == "content\n"
    assert (cwd / "upper.txt").read_text() == "HI THERE\n"
    assert argvs == [
        ["cp", "a.txt", "b c.txt"],
        [DEFAULT_SHELL, "-c", "echo hi there | tr a-z A-Z > upper.txt"],
        [DEFAULT_SHELL, "-c", "echo done"],  # a builtin: the shell's own echo
        ["sh", "-c", "echo $0", "x"],
    ]


def test_another_shell_runs_every_command_even_simple_ones(cwd, argvs):
    outcome = run(["cp a.txt b.txt", "echo $BASH_VERSION"], cwd, shell="/bin/bash")
    assert outcome.exit_code == 1  # cp: no a.txt
    assert outcome.failed_command == "cp a.txt b.txt"
    assert argvs == [["/bin/bash", "-c", "cp a.txt b.txt"]]
    assert run(['test -n "$BASH_VERSION"'], cwd, shell="/bin/bash").exit_code == 0


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("no-such-program-xyz --flag", b"buildlike: no-such-program-xyz: not found\n"),  # exec'ed: our message
        ("./no-such-program-xyz", b"buildlike: ./no-such-program-xyz: not found\n"),
        ("no-such-program-xyz > /dev/null", b"no-such-program-xyz: not found"),  # the shell's message
    ],
)
def test_a_missing_program_gives_127_with_a_message_naming_it(cwd, command, message):
    outcome = run([command, "touch after"], cwd)
    assert (outcome.exit_code, outcome.failed_command) == (127, command)
    assert message in outcome.output
    assert not (cwd / "after").exists()


@pytest.mark.parametrize("command", ["touch x", "touch x > y"])  # exec'ed directly, and by the shell
def test_a_command_that_cannot_start_for_the_process_limit_says_so(cwd, monkeypatch, command):
    """Found by a black-box tester under `ulimit -u`: it said only "Resource temporarily unavailable",
    or blamed the shell."""

    def no_process(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(os, "posix_spawn", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    outcome = run([command], cwd)
    assert outcome.exit_code == 126
    assert b"no more processes may start now (see `ulimit -u`)" in outcome.output


def test_a_file_that_cannot_be_executed_gives_126(cwd):
    (cwd / "data.txt").write_text("not a program\n")
    outcome = run(["./data.txt"], cwd)
    assert (outcome.exit_code, outcome.failed_command) == (126, "./data.txt")
    assert outcome.output == b"buildlike: ./data.txt: Permission denied\n"


def test_a_script_without_a_hashbang_line_runs_through_the_shell(cwd, argvs):
    make_program(cwd / "script", "echo from script > ran.txt\necho $((1 + 2))\nexit 4\n")
    outcome = run(["./script --flag", "touch after"], cwd)
    assert (outcome.exit_code, outcome.failed_command) == (4, "./script --flag")
    assert outcome.output == b"3\n"
    assert (cwd / "ran.txt").read_text() == "from script\n"
    assert argvs == [["./script", "--flag"], [DEFAULT_SHELL, "-c", "./script --flag"]]


def test_a_missing_shell_gives_127_with_a_message(cwd):
    outcome = run(["echo hi"], cwd, shell=str(cwd / "no-such-shell"))
    assert (outcome.exit_code, outcome.failed_command) == (127, "echo hi")
    assert outcome.output == f"buildlike: cannot start the shell '{cwd / 'no-such-shell'}': not found\n".encode()


def test_commands_get_the_environment_given_and_an_empty_stdin(cwd, tmp_path):
    env = {**os.environ, "GREETING": "hello there"}
    ours = tmp_path / "our-stdin.txt"
    ours.write_text("our stdin\n")
    saved = os.dup(0)
    fd = os.open(ours, os.O_RDONLY)
    try:
        os.dup2(fd, 0)  # not the commands' stdin, whatever ours is
        outcome = run(["sh -c 'echo \"$GREETING\"'", "readlink /proc/self/fd/0", "cat"], cwd, env=env)
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(fd)
    assert outcome.exit_code == 0
    assert outcome.output == b"hello there\n/dev/null\n"


def test_sigpipe_is_back_at_its_default_in_commands(cwd):
    """Python ignores SIGPIPE; `yes` must die of it quietly rather than complain of a broken pipe."""
    outcome = run(["yes | head -n 2"], cwd)
    assert outcome.exit_code == 0
    assert outcome.output == b"y\ny\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc")
def test_commands_keep_the_signals_we_inherited_as_ignored_and_get_the_others_at_their_defaults(cwd):
    old = signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # as nohup leaves SIGHUP
    try:
        outcome = run(["grep -E '^SigIgn' /proc/self/status"], cwd, launcher=Launcher(str(cwd)))
    finally:
        signal.signal(signal.SIGUSR1, old)
    fields = dict(line.split(":", 1) for line in outcome.output.decode().splitlines())
    ignored = int(fields["SigIgn"], 16)
    assert ignored & (1 << (signal.SIGUSR1 - 1))  # kept ignored, as exec keeps it
    assert not ignored & (1 << (signal.SIGPIPE - 1))  # Python's own: back at its default


def test_our_inheritable_descriptors_do_not_reach_commands(cwd):
    fd = os.open(os.devnull, os.O_RDONLY)
    try:
        os.set_inheritable(fd, True)
        launcher = Launcher(str(cwd))
        outcome = run([f"sh -c 'test -e /proc/$$/fd/{fd} && echo leaked || echo closed'"], cwd, launcher=launcher)
    finally:
        os.close(fd)
    assert outcome.output == b"closed\n"


def test_each_command_is_announced_and_leads_its_own_process_group(cwd):
    spawned: list[int] = []
    launcher = Launcher(str(cwd), on_spawn=spawned.append)
    ex = execution(
        ["sh -c 'cut -d\" \" -f5 /proc/$$/stat > pgid1'", "cut -d' ' -f5 /proc/$$/stat > pgid2"], cwd, launcher=launcher
    )
    with watching() as processes:
        processes.start("job", ex)
        [(_, outcome)] = wait_for(processes, 1)
    assert outcome.exit_code == 0, outcome.output
    assert len(spawned) == 2 and spawned == ex.pgids
    assert [int((cwd / f"pgid{i}").read_text()) for i in (1, 2)] == spawned


def test_commands_too_long_for_one_argument_still_run(cwd):
    """Linux takes at most 128 kB in one argument: `sh -c <command>` fails, the shell reads a file instead."""
    word = "x" * 200_000
    outcome = run([f"echo {word} | wc -c", f"/bin/echo {word}"], cwd)
    assert outcome.output.startswith(b"200001\nbuildlike: /bin/echo: Argument list too long: ")
    assert (outcome.exit_code, outcome.failed_command) == (126, f"/bin/echo {word}")


# 4. Output isolation: a pipe of its own per job.


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The capture (output pipe) each job was started with, in order."""
    given: list[object] = []
    real = Execution.start

    def start(self: Execution, out: Any) -> Any:
        given.append(out)
        return real(self, out)

    monkeypatch.setattr(Execution, "start", start)
    return given


def test_each_job_writes_in_a_capture_file_of_its_own(cwd, files, handed):
    with watching() as processes:
        processes.start("A", execution(["echo AAAAAAAAAA", "echo aaaa >&2"], cwd))
        [(_, a)] = wait_for(processes, 1)
        processes.start("B", execution(["echo B"], cwd))
        [(_, b)] = wait_for(processes, 1)
        processes.start("C", execution(["sh -c 'printf C'"], cwd))
        [(_, c)] = wait_for(processes, 1)
    assert a.output == b"AAAAAAAAAA\naaaa\n"
    assert (b.output, b.output_size) == (b"B\n", 2)
    assert (c.output, c.output_size) == (b"C", 1)
    assert len({id(f) for f in handed}) == 3
    assert all(f in files for f in handed)


def run_after_late_writer(cwd: Path, left_commands: list[str], pid_file: Path) -> tuple[Outcome, Outcome]:
    """Run job L (which leaves a child printing "late"), then job N, which ends only once "late" is out."""
    try:
        with watching() as processes:
            processes.start("L", execution(left_commands, cwd))
            [(_, left)] = wait_for(processes, 1)
            wait_loop = "n=0; while [ ! -e late.done ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done"
            processes.start("N", execution([wait_loop, "test -e late.done", "echo next"], cwd))
            [(_, nxt)] = wait_for(processes, 1)
    finally:
        kill_group_in(pid_file)
    return left, nxt


def test_a_background_writer_never_writes_into_the_next_job(cwd):
    background = "sh -c 'echo $$ > bg.pid; sleep 0.3; echo late; touch late.done' &"
    left, nxt = run_after_late_writer(cwd, [background, "echo L"], cwd / "bg.pid")
    assert (left.exit_code, left.output) == (0, b"L\n")
    assert (nxt.exit_code, nxt.output) == (0, b"next\n")


def test_a_background_writer_in_its_own_session_never_writes_into_the_next_job(cwd, tmp_path):
    pid_file = tmp_path / "bg.pid"
    # The command ends once the child has left the job's process group (the pid file is written after).
    daemon = (
        f"setsid sh -c 'echo $$ > {pid_file}.new; mv {pid_file}.new {pid_file}; sleep 0.3; echo late; touch late.done'"
        f" & n=0; while [ ! -e {pid_file} ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done"
    )
    left, nxt = run_after_late_writer(cwd, [daemon], pid_file)
    assert (left.exit_code, left.output) == (0, b"")
    assert (nxt.exit_code, nxt.output) == (0, b"next\n")


def test_a_command_that_closes_its_output_early_is_waited_for_without_spinning(cwd):
    """Its pipe ends while it still runs: the end is seen once, not polled again until the job ends."""
    with watching() as processes:
        processes.start("job", execution(["sh -c 'echo before; exec >&- 2>&-; sleep 0.5; touch done'"], cwd))
        cpu_before = time.thread_time()
        [(_, outcome)] = wait_for(processes, 1)
        cpu = time.thread_time() - cpu_before
    assert (outcome.exit_code, outcome.output) == (0, b"before\n")
    assert (cwd / "done").exists()
    assert cpu < 0.25  # a loop on the ended pipe would take the whole half second


def test_the_pipe_of_a_job_is_ours_to_write_only_until_its_last_command_starts(cwd):
    """Commands started meanwhile copy our descriptors until their exec is done: a writing end we still
    held could then outlive the job, and its end look like a daemon's."""
    with watching() as processes:
        one = execution(["sleep 0.2"], cwd)
        two = execution(["true", "sleep 0.2"], cwd)
        processes.start("one", one)
        processes.start("two", two)
        assert one.capture is not None and one.capture.write_fd == -1
        assert two.capture is not None and two.capture.write_fd >= 0  # for its second command
        ended = wait_for(processes, 2)
    assert sorted(key for key, _ in ended) == ["one", "two"]


def test_a_job_that_failed_to_make_its_folders_leaves_the_next_one_clean(cwd):
    (cwd / "blocker").write_text("")
    with watching() as processes:
        processes.start("A", execution(["touch ran"], cwd, folders=["blocker"]))
        [(_, a)] = wait_for(processes, 1)
        processes.start("B", execution(["echo B"], cwd))
        [(_, b)] = wait_for(processes, 1)
    assert a.exit_code == 1
    assert b.output == b"B\n"


def test_a_background_writer_is_never_blocked_by_the_pipe_it_kept(cwd, tmp_path):
    """What it prints after its job ended (more than a pipe holds) is read and dropped while others run."""
    pid_file = tmp_path / "bg.pid"
    background = f"sh -c 'echo $$ > {pid_file}; sleep 0.2; head -c 300000 /dev/zero; touch written' &"
    try:
        with watching() as processes:
            processes.start("L", execution([background, "echo L"], cwd))
            [(_, left)] = wait_for(processes, 1)
            wait_loop = "n=0; while [ ! -e written ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done"
            processes.start("N", execution([wait_loop, "test -e written"], cwd))
            [(_, nxt)] = wait_for(processes, 1)
    finally:
        kill_group_in(pid_file)
    assert (left.exit_code, left.output) == (0, b"L\n")
    assert (nxt.exit_code, nxt.output) == (0, b"")


def test_a_job_whose_output_pipe_cannot_be_made_fails_with_a_message(cwd, monkeypatch):
    """No descriptors left (EMFILE): the job fails at once, nothing runs, nothing is left waiting."""

    def no_pipe() -> tuple[int, int]:
        raise OSError(errno.EMFILE, "Too many open files")

    with watching() as processes:
        monkeypatch.setattr(os, "pipe", no_pipe)
        processes.start("job", execution(["touch ran"], cwd))
        monkeypatch.undo()
        [(_, outcome)] = processes.wait(timeout=0)
        assert not processes.running
    assert (outcome.exit_code, outcome.failed_command) == (1, "touch ran")
    assert outcome.output == b"buildlike: no pipe for the job's output: Too many open files (see `ulimit -n`)\n"
    assert not (cwd / "ran").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_pipes_kept_by_background_processes_are_not_ours_to_hold(cwd, tmp_path):
    """Each job leaving a process that holds its output: the pipe goes to a drain, not kept open by us."""
    pids = tmp_path / "pids"
    before = len(os.listdir("/proc/self/fd"))
    try:
        with watching() as processes:
            for i in range(20):
                processes.start(i, execution([f"sh -c 'echo $$ >> {pids}; exec sleep 30' &"], cwd))
                wait_for(processes, 1)
            held = len(os.listdir("/proc/self/fd")) - before
    finally:
        for line in pids.read_text().split():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(line), signal.SIGKILL)
    assert held <= 3  # the wake-up pipe and its poll; none per job


def test_the_drain_of_a_kept_pipe_holds_no_descriptor_we_inherited(cwd, tmp_path):
    """Found in review: the drain got our inherited descriptors, as commands do not; a pipe our
    parent waits on (a CI agent's) then stayed open as long as the process the job left behind."""
    pid_file = tmp_path / "bg.pid"
    r, w = os.pipe()
    os.set_inheritable(w, True)  # (as one we inherited would be)
    try:
        run([f"sh -c 'echo $$ > {pid_file}; exec sleep 5' &"], cwd)  # it keeps the job's pipe: drained
        wait_for_file(pid_file)
        os.close(w)
        w = -1
        ready, _, _ = select.select([r], [], [], 3)
        assert ready and os.read(r, 1) == b"", "a process still holds the inherited pipe"
    finally:
        kill_group_in(pid_file)
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)


def test_a_background_writer_lives_on_after_the_build(cwd, tmp_path):
    """Its output is drained after the build too: never a SIGPIPE for a server a job started."""
    pid_file = tmp_path / "bg.pid"
    writer = f"sh -c 'echo $$ > {pid_file}; sleep 0.3; echo late; echo $? > {tmp_path}/status; touch {tmp_path}/done' &"
    try:
        run([writer], cwd)  # the Processes is closed when this returns
        wait_for_file(tmp_path / "done")
    finally:
        kill_group_in(pid_file)
    assert (tmp_path / "status").read_text() == "0\n"


# 5. Many jobs through one Processes.


def test_many_jobs_three_at_a_time_each_end_once_with_their_own_output(cwd, pidfd, files, handed):
    (cwd / "running").mkdir()
    (cwd / "counts").mkdir()
    todo = list(range(30))
    ended: list[tuple[int, Outcome]] = []
    with watching() as processes:
        launcher = Launcher(str(cwd))
        deadline = time.monotonic() + 8
        while todo or processes.running:
            assert time.monotonic() < deadline, f"{len(ended)} jobs ended"
            while todo and len(processes.running) < 3:
                i = todo.pop(0)
                commands = [
                    f"touch running/{i}",
                    f"echo out {i}; ls running | wc -l > counts/{i}; echo err {i} >&2",
                    f"sh -c 'echo tail {i}'",
                    f"rm running/{i}",
                ]
                processes.start(i, execution(commands, cwd, launcher=launcher))
            ended += processes.wait(timeout=0.5)
        assert processes.wait(timeout=0.05) == []
    keys = [key for key, _ in ended]
    assert sorted(keys) == list(range(30))  # each exactly once
    for i, outcome in ended:
        assert (outcome.exit_code, outcome.output) == (0, f"out {i}\nerr {i}\ntail {i}\n".encode())
    counts = [int((cwd / "counts" / str(i)).read_text()) for i in range(30)]
    assert min(counts) >= 1 and max(counts) <= 3  # a job is reported only once its last command is over
    assert list((cwd / "running").iterdir()) == []
    assert len({id(f) for f in handed}) == 30
    assert len(files) == 30  # one per job
    assert all(f.read_fd < 0 and f.write_fd < 0 for f in files)  # closed once the job is over
    if hasattr(os, "pidfd_open"):
        assert len(pidfd) == 4 * 30


# 7. wake(), signal() and timeouts.


@pytest.mark.timeout(10)
def test_wake_from_another_thread_ends_a_blocked_wait_then_sigterm_ends_the_job(cwd, pidfd):
    with watching() as processes:
        processes.start("long", execution(["sleep 5", "touch after"], cwd))
        waker = threading.Timer(0.05, processes.wake)
        waker.start()
        try:
            assert processes.wait() == []
        finally:
            waker.join()
        assert processes.wait(timeout=0.05) == []
        assert list(processes.running) == ["long"]
        processes.signal(signal.SIGTERM)
        [(key, outcome)] = processes.wait()
    assert key == "long"
    assert (outcome.exit_code, outcome.failed_command) == (-signal.SIGTERM, "sleep 5")
    assert not (cwd / "after").exists()


def test_wait_with_a_timeout_and_nothing_running_returns_nothing():
    with watching() as processes:
        assert processes.wait(timeout=0.05) == []
        assert processes.wait(timeout=0) == []


@pytest.mark.timeout(10)
def test_a_job_being_stopped_starts_no_further_command_even_if_the_running_one_succeeds(cwd):
    trapping = "trap 'exit 0' TERM; touch ready; n=0; while [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done"
    with watching() as processes:
        processes.start("job", execution([trapping, "touch after"], cwd))
        wait_for_file(cwd / "ready")
        processes.signal(signal.SIGTERM)
        [(_, outcome)] = wait_for(processes, 1)
    assert (outcome.exit_code, outcome.failed_command) == (-signal.SIGTERM, "touch after")
    assert not (cwd / "after").exists()


# 8. Output folders.


def test_output_folders_are_made_before_the_first_command(cwd):
    (cwd / "there").mkdir()
    outcome = run(
        ["test -d out/sub/deep && test -d gen && test -d there", "touch out/sub/deep/x gen/y"],
        cwd,
        folders=["out/sub/deep", "gen", "there"],
    )
    assert (outcome.exit_code, outcome.output) == (0, b"")
    assert (cwd / "out/sub/deep/x").exists() and (cwd / "gen/y").exists()


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("folder", "reason"), [("blocker", "File exists"), ("blocker/sub", "Not a directory")])
def test_a_file_in_the_way_of_an_output_folder_fails_the_job_before_its_commands(cwd, folder, reason):
    (cwd / "blocker").write_text("")
    with watching() as processes:
        processes.start("job", execution(["touch ran"], cwd, folders=["fine", folder]))
        [(_, outcome)] = processes.wait()  # ended at once: no command to wait for
    assert (outcome.exit_code, outcome.failed_command) == (1, f"mkdir -p {folder}")
    assert outcome.output == f"buildlike: cannot create the folder '{folder}': {reason}\n".encode()
    assert not (cwd / "ran").exists()
    assert (cwd / "fine").is_dir()
    assert stat.S_ISREG((cwd / "blocker").stat().st_mode)


# 9. Long output is cut in the middle.


def test_output_over_the_limit_is_cut_in_the_middle(tmp_path):
    size = OUTPUT_SHOWN_LIMIT + 100_000
    outcome = run(["printf HEAD", f"head -c {size} /dev/zero", "printf TAIL"], tmp_path)
    assert outcome.exit_code == 0
    assert outcome.output_size == size + 8
    half = OUTPUT_SHOWN_LIMIT // 2
    full = b"HEAD" + bytes(size) + b"TAIL"
    marker = f"\n[... {size + 8 - 2 * half} bytes of output not shown ...]\n".encode()
    assert outcome.output == full[:half] + marker + full[-half:]


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        (16, b"0123456789abcdef"),
        (15, b"0123456\n[... 2 bytes of output not shown ...]\n9abcdef"),
        (10, b"01234\n[... 6 bytes of output not shown ...]\nbcdef"),
    ],
)
def test_output_is_cut_only_beyond_the_limit(tmp_path, monkeypatch, limit, shown):
    monkeypatch.setattr(capture_module, "OUTPUT_SHOWN_LIMIT", limit)
    outcome = run(["printf 0123456789", "printf abcdef"], tmp_path)
    assert (outcome.output, outcome.output_size) == (shown, 16)


# 10. Launcher: PATH lookups and programs made by jobs.


def test_a_program_made_in_a_path_folder_looked_in_before_is_found_after_made(cwd):
    bin_ = cwd / "bin"
    bin_.mkdir()
    env = {**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}
    launcher = Launcher(str(cwd))
    assert launcher.find("made-tool", env) is None
    assert run(["made-tool"], cwd, env=env, launcher=launcher).exit_code == 127

    making = ["printf '#!/bin/sh\\necho made tool\\n' > bin/made-tool", "chmod +x bin/made-tool"]
    assert run(making, cwd, env=env, launcher=launcher).exit_code == 0
    launcher.made([str(bin_ / "made-tool")])
    assert launcher.find("made-tool", env) == str(bin_ / "made-tool")
    assert run(["made-tool"], cwd, env=env, launcher=launcher).output == b"made tool\n"


def shadowing_setup(cwd: Path, first_folder: str) -> tuple[dict[str, str], Launcher, Path]:
    """`tool` only in other/ at first; PATH names `first_folder` (bin/, maybe spelt differently) before it."""
    (cwd / "bin").mkdir()
    (cwd / "other").mkdir()
    make_program(cwd / "other/tool", "#!/bin/sh\necho other\n")
    env = {**os.environ, "PATH": f"{first_folder}{os.pathsep}{cwd / 'other'}"}
    return env, Launcher(str(cwd)), cwd / "bin/tool"


def test_a_program_made_earlier_on_path_replaces_the_one_found_before(cwd):
    env, launcher, made = shadowing_setup(cwd, str(cwd / "bin"))
    assert run(["tool"], cwd, env=env, launcher=launcher).output == b"other\n"
    make_program(made, "#!/bin/sh\necho bin\n")
    assert run(["tool"], cwd, env=env, launcher=launcher).output == b"other\n"  # looked up once per build
    launcher.made([str(cwd / "unrelated/x.o")])
    assert launcher.find("tool", env) == str(cwd / "other/tool")
    launcher.made([str(made)])
    assert run(["tool"], cwd, env=env, launcher=launcher).output == b"bin\n"


def test_a_program_made_in_a_path_folder_spelt_with_a_trailing_slash_is_found(cwd):
    env, launcher, made = shadowing_setup(cwd, f"{cwd / 'bin'}/")
    assert run(["tool"], cwd, env=env, launcher=launcher).output == b"other\n"
    make_program(made, "#!/bin/sh\necho bin\n")
    launcher.made([str(made)])
    assert run(["tool"], cwd, env=env, launcher=launcher).output == b"bin\n"


def test_a_program_made_in_a_path_folder_is_looked_up_again_even_when_the_project_is_the_root():
    """Found by review: with the project at /, no PATH folder counted as inside it ("//" prefix)."""
    launcher = Launcher("/")
    env = {"PATH": "/bin"}
    assert launcher.find("sh", env) == "/bin/sh"
    launcher.made(["bin/sh"])
    assert ("sh", "/bin") not in launcher._found  # looked up again next time


def test_a_wake_after_close_writes_nothing_into_the_file_that_took_its_descriptor():
    """Found by review: a Cancel from another thread could land after close(), into a reused descriptor."""
    processes: Processes[Any] = Processes()
    wake_fd = processes.wake_fd
    processes.close()
    r, w = os.pipe()
    try:
        taken = {r, w}
        processes.wake()
        os.set_blocking(r, False)
        with contextlib.suppress(BlockingIOError):
            assert os.read(r, 10) == b"", f"the wake byte went to descriptor {wake_fd}, now {taken}"
    finally:
        os.close(r)
        os.close(w)


def test_a_job_whose_start_raises_is_not_left_running(cwd, monkeypatch):
    """A job that raised while starting a command must not stay in `running`: stopping would wait for ever."""

    def broken(self: Execution, out: Any) -> Any:
        out.close()
        raise OSError(24, "Too many open files")

    with watching() as processes:
        monkeypatch.setattr(Execution, "start", broken)
        with pytest.raises(OSError):
            processes.start("A", execution(["true"], cwd))
        assert processes.running == {}
        monkeypatch.undo()
        processes.start("B", execution(["sh -c 'echo one'", "false-is-not-here-xyz"], cwd))
        monkeypatch.setattr(executor, "split_simple", lambda command: (_ for _ in ()).throw(OSError(24, "EMFILE")))
        with pytest.raises(OSError):
            wait_for(processes, 1)
        assert processes.running == {}


# 11. Stopping every job (interrupts.stop_all).


def test_stopping_all_jobs_passes_over_one_that_had_ended_already(cwd, tmp_path):
    """Found by review: a job that could not start has ended before stopping begins; it is not waited for
    twice, and the others are still stopped (Ctrl-C then exits 130, not with a KeyError)."""
    pid_file = tmp_path / "slow.pid"
    with watching() as processes:
        processes.start("slow", execution([f"sh -c 'echo $$ > {pid_file}; exec sleep 30'"], cwd))
        processes.start("bad", execution(["no-such-program-xyz"], cwd))
        wait_for_file(pid_file)
        deadline = time.monotonic() + 5
        while not pid_file.read_text().endswith("\n"):  # (`>` makes the file before `echo` writes)
            assert time.monotonic() < deadline
            time.sleep(0.005)
        stop_all(processes, grace=1.0)
        assert processes.running == {}
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_closing_releases_the_pipe_of_a_running_job_whose_output_ended(cwd):
    """Found by review: a pipe that ended while its job runs is no longer watched, but still ours to close."""
    processes: Processes[Any] = Processes()
    job = execution(["sh -c 'exec >&- 2>&-; exec sleep 30'"], cwd)
    processes.start("job", job)
    try:
        assert job.capture is not None
        deadline = time.monotonic() + 5
        while job.capture.read_fd in processes._captures:  # until its end is seen
            assert time.monotonic() < deadline
            processes.wait(timeout=0.1)
        processes.close()
        assert job.capture.read_fd == -1
    finally:
        job.signal(signal.SIGKILL)
        for pgid in job.pgids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pgid, 0)

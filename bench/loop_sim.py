"""How fast can a Python build loop start commands? A simulation, beside GNU make on the same commands.

    python bench/loop_sim.py [--jobs-count 800] [--bookkeeping 0,150,350] [--rounds 5] [--workload sort|cp]

Runs the same independent commands (the `sort -u -o OUT IN...` of layers 10x200's first layer, over
and over, or `cp`) at -j2 in several ways, interleaved, and prints the median wall time of each:

- `make`: GNU make -j2 on a Makefile of those commands (no shell: make execs them directly);
- `loop B`: what buildlike's loop does, in one thread: `posix_spawn` with the same file actions,
  signal defaults and session, a pipe for the output, a pidfd to wait on, plus B microseconds of
  busy CPU per job standing in for buildlike's bookkeeping (judging, recording, reporting);
- `forkserver B`: the loop hands each command to a second process over a socket (its output pipe
  passed along), which spawns and reaps it, so the loop never blocks in `posix_spawn`;
- `pinned B`: the loop pinned to CPU 0, each command unpinned once spawned (so a new child starts
  on the loop's CPU instead of waiting behind a command on the other one).

Nothing of buildlike is imported: this measures what any Python loop would pay, to tell the cost
of spawning from the cost of buildlike's own work.
"""

from __future__ import annotations

import argparse
import marshal
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import layer_inputs, layers_sources

WIDTH = 200
MESSAGE = 64  # bytes of one message from the fork server: (job, exit code), padded
_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))


def commands(root: Path, count: int, workload: str) -> list[list[str]]:
    """`count` independent commands reading the sources under `root`, writing under root/out."""
    (root / "out").mkdir(parents=True, exist_ok=True)
    for name, text in layers_sources(WIDTH).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    sort, cp = shutil.which("sort") or "/usr/bin/sort", shutil.which("cp") or "/bin/cp"
    out = []
    for k in range(count):
        j = k % WIDTH
        if workload == "cp":
            out.append([cp, str(root / f"src/s{j}.txt"), str(root / f"out/c{k}.txt")])
        else:
            sources = [str(root / f"src/s{i}.txt") for i in layer_inputs(0, j, WIDTH)]
            out.append([sort, "-u", "-o", str(root / f"out/c{k}.txt"), *sources])
    return out


def _spawn(argv: Sequence[str], write_fd: int) -> int:
    return os.posix_spawn(
        argv[0],
        list(argv),
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, write_fd, 1),
            (os.POSIX_SPAWN_DUP2, write_fd, 2),
        ],
        setsid=True,
        setsigdef=_SIGNALS,
    )


def _busy(microseconds: int) -> None:
    end = time.perf_counter_ns() + microseconds * 1000
    while time.perf_counter_ns() < end:
        pass


def run_loop(cmds: Sequence[Sequence[str]], bookkeeping: int, *, pinned: bool = False) -> None:
    """Start the commands two at a time from this thread; half the bookkeeping before each start,
    half after each end (buildlike judges a job before, and records it after)."""
    everywhere = os.sched_getaffinity(0)
    if pinned:
        os.sched_setaffinity(0, {min(everywhere)})
    todo = list(range(len(cmds)))
    running: dict[int, tuple[int, int]] = {}  # pidfd: (pid, read end of its output pipe)
    poll = select.poll()

    def start(k: int) -> None:
        r, w = os.pipe()
        os.set_blocking(r, False)
        _busy(bookkeeping // 2)
        pid = _spawn(cmds[k], w)
        if pinned:
            os.sched_setaffinity(pid, everywhere)
        os.close(w)
        fd = os.pidfd_open(pid)
        running[fd] = (pid, r)
        poll.register(fd, select.POLLIN)

    try:
        while todo or running:
            while todo and len(running) < 2:
                start(todo.pop(0))
            for fd, _ in poll.poll():
                pid, r = running.pop(fd)
                poll.unregister(fd)
                os.close(fd)
                os.waitpid(pid, 0)
                os.read(r, 65536)
                os.close(r)
                if todo:
                    start(todo.pop(0))
                _busy(bookkeeping // 2)
    finally:
        if pinned:
            os.sched_setaffinity(0, everywhere)


def _fork_server(sock: socket.socket) -> None:
    """Spawn what comes over `sock` (the job, its argv and its output pipe); send back each exit."""
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    children: dict[int, tuple[int, int]] = {}  # pidfd: (job, pid)
    while True:
        for fd, _ in poll.poll():
            if fd == sock.fileno():
                message, fds, _flags, _address = socket.recv_fds(sock, 65536, 1)
                if not message:
                    return
                k, argv = marshal.loads(message)
                pid = _spawn(argv, fds[0])
                os.close(fds[0])
                pidfd = os.pidfd_open(pid)
                children[pidfd] = (k, pid)
                poll.register(pidfd, select.POLLIN)
            else:
                k, pid = children.pop(fd)
                poll.unregister(fd)
                os.close(fd)
                code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                sock.sendall(marshal.dumps((k, code)).ljust(MESSAGE, b" "))


def run_forkserver(cmds: Sequence[Sequence[str]], bookkeeping: int) -> None:
    """The loop of `run_loop`, with the spawning and reaping done by a second process."""
    ours, theirs = socket.socketpair()
    server = os.fork()
    if server == 0:  # pragma: no cover - the child
        ours.close()
        _fork_server(theirs)
        os._exit(0)
    theirs.close()
    todo = list(range(len(cmds)))
    running: dict[int, int] = {}  # job: read end of its output pipe

    def start(k: int) -> None:
        r, w = os.pipe()
        os.set_blocking(r, False)
        _busy(bookkeeping // 2)
        socket.send_fds(ours, [marshal.dumps((k, list(cmds[k])))], [w])
        os.close(w)
        running[k] = r

    pending = b""
    while todo or running:
        while todo and len(running) < 2:
            start(todo.pop(0))
        pending += ours.recv(MESSAGE * 16)
        while len(pending) >= MESSAGE:
            k, _code = marshal.loads(pending[:MESSAGE])  # (marshal ignores the padding)
            pending = pending[MESSAGE:]
            r = running.pop(k)
            os.read(r, 65536)
            os.close(r)
            if todo:
                start(todo.pop(0))
            _busy(bookkeeping // 2)
    ours.close()
    os.waitpid(server, 0)


def run_make(folder: Path, cmds: Sequence[Sequence[str]]) -> Callable[[], None]:
    """A Makefile of the commands (each its own phony target), and how to run it at -j2."""
    rules = "".join(f"t{k}:\n\t{' '.join(c)}\n" for k, c in enumerate(cmds))
    targets = " ".join(f"t{k}" for k in range(len(cmds)))
    (folder / "Makefile").write_text(f"MAKEFLAGS += -r\n.PHONY: all {targets}\nall: {targets}\n{rules}")

    def run() -> None:
        subprocess.run(["make", "-s", "-j2", "-C", str(folder)], check=True, stdout=subprocess.DEVNULL)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs-count", type=int, default=800)
    p.add_argument("--bookkeeping", default="0,150,350", help="microseconds of CPU per job, comma-separated")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--workload", choices=("sort", "cp"), default="sort")
    args = p.parse_args(argv)
    books = [int(b) for b in args.bookkeeping.split(",")]
    with tempfile.TemporaryDirectory(prefix="buildlike-loop-sim-") as tmp:
        root = Path(tmp)
        cmds = commands(root, args.jobs_count, args.workload)
        ways: dict[str, Callable[[], None]] = {}
        if shutil.which("make"):
            ways["make -j2"] = run_make(root, cmds)
        for b in books:
            ways[f"loop {b} us"] = lambda b=b: run_loop(cmds, b)  # type: ignore[misc]
            ways[f"forkserver {b} us"] = lambda b=b: run_forkserver(cmds, b)  # type: ignore[misc]
            ways[f"pinned {b} us"] = lambda b=b: run_loop(cmds, b, pinned=True)  # type: ignore[misc]
        times: dict[str, list[float]] = {w: [] for w in ways}
        for r in range(args.rounds + 1):  # round 0 warms up and is not counted
            for name, way in ways.items():
                t = time.perf_counter()
                way()
                if r:
                    times[name].append(time.perf_counter() - t)
    load = os.getloadavg()[0]
    print(f"{args.jobs_count} x {args.workload} at -j2, {args.rounds} rounds, median (min-max); load {load:.1f}")
    base = statistics.median(times["make -j2"]) if "make -j2" in times else None
    for name, ts in times.items():
        m = statistics.median(ts)
        ratio = f"  {m / base:.2f}x make" if base else ""
        print(f"  {name:18} {m:6.3f} s ({min(ts):.3f}-{max(ts):.3f}){ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

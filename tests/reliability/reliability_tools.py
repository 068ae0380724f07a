"""Helpers of the reliability suite: a generated DAG project whose right answer is known, runs of the
real CLI as subprocesses, and checks on processes and on the saved state.

Every job of a `DagProject` logs `start ID RUN PGID` and `end ID RUN`, and writes its output in two
steps (`job ID`, then after a short sleep `sum N`), so a job cut off in the middle leaves a partial
file that a correct build must never trust. N is a checksum of the job's inputs, so a job that read a
partial or stale input also shows in its own output.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from buildlike.state import StateStore

BUILDLIKE = (sys.executable, "-m", "buildlike")
LOG = "log"
PIDS = "pids"
_MOD = 1_000_000_007
_PROGRESS = re.compile(r"^\[\d+/\d+\] (\S+)$", re.M)
_RAN = re.compile(r"^buildlike: (\d+) jobs? ran", re.M)


@dataclass(frozen=True)
class DagProject:
    """`n` jobs `j000`..., each reading source files or earlier jobs' outputs, with known outputs."""

    inputs: Mapping[str, tuple[str, ...]]
    sleeps: Mapping[str, float]
    sources: Mapping[str, str]
    jobs: int = 4

    @classmethod
    def generate(
        cls, n: int, *, seed: int, max_sleep: float, min_sleep: float = 0.0, sources: int = 20, jobs: int = 4
    ) -> DagProject:
        rng = random.Random(seed)
        srcs = {f"src/s{k:02}.txt": f"sum {k + 1}\n" for k in range(sources)}
        inputs: dict[str, tuple[str, ...]] = {}
        sleeps: dict[str, float] = {}
        names = sorted(srcs)
        for i in range(n):
            job = f"j{i:03}"
            earlier = rng.sample(range(i), k=min(i, rng.randint(0, 3))) if i >= sources else []
            ins = [f"out/j{d:03}.txt" for d in earlier]
            if not ins or rng.random() < 0.3:
                ins.append(rng.choice(names))
            inputs[job] = tuple(ins)
            sleeps[job] = round(rng.uniform(min_sleep, max_sleep), 3)
        return cls(inputs, sleeps, srcs, jobs)

    @property
    def job_ids(self) -> list[str]:
        return list(self.inputs)

    def maestrofile(self) -> str:
        parts = [f"[settings]\njobs = {self.jobs}\n"]
        for job, ins in self.inputs.items():
            seed = int(job[1:])
            pause = f"sleep {self.sleeps[job]}; " if self.sleeps[job] > 0 else ""
            # No braces besides placeholders: `{...}` would be read as one.
            run = (
                f'echo "start {job} $BL_RUN $$" >> {LOG}; echo $$ >> {PIDS}; s={seed}; '
                'for f in {inputs}; do t=; while read -r a b; do [ "$a" = sum ] && t=$b; done < "$f"; '
                '[ -n "$t" ] || exit 3; s=$(( (s * 31 + t) % 1000000007 )); done; '
                f'echo "job {job}" > {{output}}; {pause}echo "sum $s" >> {{output}}; echo "end {job} $BL_RUN" >> {LOG}'
            )
            listed = ", ".join(f'"{p}"' for p in ins)
            parts.append(f"[rules.{job}]\ninputs = [{listed}]\noutputs = [\"out/{job}.txt\"]\nrun = '''{run}'''\n")
        return "\n".join(parts)

    def expected(self, sources: Mapping[str, str] | None = None) -> dict[str, bytes]:
        """Every output's content after a correct build (of `sources`, default the project's own)."""
        sums = {p: int(text.split()[1]) for p, text in (sources or self.sources).items()}
        out: dict[str, bytes] = {}
        for job, ins in self.inputs.items():
            s = int(job[1:])
            for p in ins:
                s = (s * 31 + sums[p]) % _MOD
            path = f"out/{job}.txt"
            sums[path] = s
            out[path] = f"job {job}\nsum {s}\n".encode()
        return out

    def needing(self, path: str) -> set[str]:
        """The jobs that read `path`, directly or through other jobs' outputs."""
        found: set[str] = set()
        for job, ins in self.inputs.items():  # producers come first
            if path in ins or any(f"out/{j}.txt" in ins for j in found):
                found.add(job)
        return found

    def write(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        files = {"Maestrofile.toml": self.maestrofile(), **self.sources}
        past = time.time_ns() - 100 * 10**9  # old enough that caches and snapshots may trust them
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            os.utime(p, ns=(past, past))


@dataclass
class Log:
    """The `start`/`end` lines that jobs append to `log`."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (start|end, job, run)

    @classmethod
    def read(cls, root: Path) -> Log:
        p = root / LOG
        text = p.read_text() if p.exists() else ""
        return cls([tuple(line.split()[:3]) for line in text.splitlines() if line.strip()])  # type: ignore[misc]

    def started(self, run: str) -> list[str]:
        return [job for kind, job, r in self.lines if kind == "start" and r == run]

    def ended(self, run: str) -> set[str]:
        return {job for kind, job, r in self.lines if kind == "end" and r == run}

    @staticmethod
    def pgids(root: Path, run: str) -> list[int]:
        """The process groups of the commands that `run` started (each logs its shell's `$$`)."""
        p = root / LOG
        rows = [line.split() for line in p.read_text().splitlines()] if p.exists() else []
        return [int(r[3]) for r in rows if len(r) == 4 and r[0] == "start" and r[2] == run]


def printed_done(stdout: str) -> list[str]:
    """Job ids of the `[n/total] description` lines, which buildlike prints after saving the record."""
    return _PROGRESS.findall(stdout)


def ran_count(stdout: str) -> int | None:
    m = _RAN.search(stdout)
    return int(m.group(1)) if m else None


def trusted_jobs(root: Path, job_ids: Iterable[str]) -> set[str]:
    """The jobs whose saved record the next build would trust; fails on any warning about the store."""
    warnings: list[str] = []
    store = StateStore.open(root / ".buildlike", writable=False, warn=warnings.append)
    try:
        assert not warnings, warnings
        return {j for j in job_ids if store.record(j) is not None}
    finally:
        store.close()


def spawn(root: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the real CLI in `root`, its output captured."""
    return subprocess.Popen(
        [*BUILDLIKE, *args],
        cwd=root,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def live_members(pgid: int) -> list[int]:
    """The processes still alive (not zombies) in process group `pgid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(entry))
    return found


def leftover_processes(pgids: Iterable[int], *, settle: float = 2.0) -> dict[int, list[int]]:
    """The groups among `pgids` that still have live members after `settle` seconds at most."""
    deadline = time.monotonic() + settle
    while True:
        left = {g: m for g in pgids if (m := live_members(g))}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def recorded_pgids(root: Path) -> list[int]:
    p = root / PIDS
    return [int(x) for x in p.read_text().split()] if p.exists() else []


def handler_installed(pid: int, signum: int) -> bool:
    """Whether process `pid` catches `signum` (its SigCgt mask in /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except OSError:
        pass
    return False


def wait_until_catching(proc: subprocess.Popen[str], signum: int, timeout: float = 20.0) -> bool:
    """Wait until `proc` catches `signum`; False if it exited first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if handler_installed(proc.pid, signum):
            return True
        if time.monotonic() > deadline:
            raise AssertionError(f"buildlike never installed a handler for {signal.Signals(signum).name}")
        time.sleep(0.002)
    return False


def wait_until(proc: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until `ready()` while `proc` runs (a command started, a file appeared)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() >= deadline or proc.poll() is not None:
            raise AssertionError(f"gave up waiting; buildlike said: {ended_output(proc)}")
        time.sleep(0.01)


def ended_output(proc: subprocess.Popen[str]) -> tuple[object, object]:
    """What `proc` printed, killing it first if it still runs (a stopped process would never end,
    and reading its pipes to their end would hang the test instead of failing it)."""
    if proc.poll() is None:
        proc.kill()  # (SIGKILL ends a stopped process too)
    try:
        return proc.communicate(timeout=10)
    except subprocess.TimeoutExpired as e:  # a process it left behind holds its pipes
        return e.output, e.stderr


def pid_written(path: Path) -> Callable[[], bool]:
    """A `wait_until` condition: a command wrote its `$$` into `path`."""
    return lambda: path.exists() and path.read_text().strip() != ""


def kill_groups(pgids: Iterable[int]) -> None:
    """Test cleanup: SIGKILL whatever is left in these process groups."""
    for g in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(g, signal.SIGKILL)


def wrong_outputs(root: Path, expected: Mapping[str, bytes], only: Iterable[str] | None = None) -> list[str]:
    """The outputs (of `only` jobs' outputs, default all) whose bytes differ from `expected`."""
    wanted = set(only) if only is not None else None
    bad = []
    for rel, content in expected.items():
        if wanted is not None and rel not in wanted:
            continue
        p = root / rel
        if not p.exists() or p.read_bytes() != content:
            bad.append(rel)
    return bad

"""Measure `buildlike watch` on a generated 10,000-file project (issue 3).

    python bench/watch_bench.py [--files 10000] [--folders 100] [--saves 50] [--idle 10] [--debounce MS]
                                [--per-file] [--poll SECONDS] [--keep]

- latency: from a save (the moment just before the file is written) to the start of the rebuild (the
  moment the rebuilt job's command starts: it appends `date +%s.%N` to a log outside the project);
  p50 and p95 over `--saves` saves of random files, one at a time, each after the previous rebuild
  ended and the watcher went quiet. Goal: p95 under 300 ms with the default debounce (100 ms).
- idle CPU: the watcher's own CPU time (utime + stime from /proc, children excluded) over `--idle`
  seconds with nothing changing, as a percentage of one core. Goal: under 1%.
- memory: the watcher's resident set (VmRSS) when idle, and its peak (VmHWM), after the saves.

The project: `--folders` folders under src/, `--files` files in all. By default one job per folder
(`foreach = "src/*/index.txt"`, reading `{dir}/*.txt`) and one job reading all their outputs; with
`--per-file`, one job per file instead (a 10,000-job graph). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PER_FOLDER = """
[rules.pack]
foreach = "src/*/index.txt"
inputs = ["{dir}/*.txt"]
outputs = ["out/{dir}.txt"]
run = "echo {dir} $(date +%s.%N) >> STAMPS; cat {inputs} > {output}"

[rules.all]
inputs = ["out/src/*.txt"]
outputs = ["all.txt"]
run = "cat {inputs} | wc -l > {output}"
"""

PER_FILE = """
[rules.copy]
foreach = "src/**/*.txt"
inputs = ["{path}"]
outputs = ["out/{path}"]
run = "echo {path} $(date +%s.%N) >> STAMPS; cp {input} {output}"
"""


def make_project(root: Path, *, files: int, folders: int, per_file: bool, stamps: Path) -> list[Path]:
    """Write the project; return the source files a save may pick."""
    per = max(1, files // folders)
    sources: list[Path] = []
    for d in range(folders):
        folder = root / "src" / f"d{d:03}"
        folder.mkdir(parents=True)
        for k in range(per):
            name = "index.txt" if k == 0 else f"f{k:04}.txt"
            (folder / name).write_text(f"{d} {k}\n")
            sources.append(folder / name)
    text = (PER_FILE if per_file else PER_FOLDER).replace("STAMPS", str(stamps))
    (root / "Maestrofile.toml").write_text(text)
    return sources


class Watcher:
    """`buildlike watch` as a subprocess, its output read as it comes."""

    def __init__(self, root: Path, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "buildlike", "watch", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def statuses(self) -> int:
        return sum(1 for line in self.lines if line.startswith("[") and "] " in line and ":" in line[:10])

    def wait_statuses(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.statuses() < n:
            if self.proc.poll() is not None:
                raise SystemExit("watch exited early:\n" + "".join(self.lines))
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for build {n}:\n" + "".join(self.lines[-20:]))
            time.sleep(0.005)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def memory_kib(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        return out

    def stop(self) -> int:
        self.proc.send_signal(2)
        return self.proc.wait(timeout=30)


def stamps_after(stamps: Path, offset: int) -> list[tuple[str, float]]:
    with open(stamps) as f:
        f.seek(offset)
        return [(w[0], float(w[1])) for w in (line.split() for line in f.read().splitlines()) if len(w) == 2]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--folders", type=int, default=100)
    ap.add_argument("--saves", type=int, default=50)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    ap.add_argument("--debounce", type=int, default=None, help="ms (default: buildlike's default, 100)")
    ap.add_argument("--per-file", action="store_true", help="one job per file instead of one per folder")
    ap.add_argument("--poll", type=float, default=None, help="use the polling observer every SECONDS")
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="buildlike-watch-bench-"))
    root = tmp / "project"
    root.mkdir()
    stamps = tmp / "stamps.log"
    stamps.write_text("")
    sources = make_project(root, files=args.files, folders=args.folders, per_file=args.per_file, stamps=stamps)
    watch_args = []
    if args.debounce is not None:
        watch_args += ["--debounce", str(args.debounce)]
    if args.poll is not None:
        watch_args += [f"--poll={args.poll}"]
    shape = f"{len(sources)} files in {args.folders} folders, " + (
        f"{len(sources)} jobs (one per file)" if args.per_file else f"{args.folders + 1} jobs (one per folder + 1)"
    )
    print(f"project: {shape}; watch {' '.join(watch_args) or '(defaults)'}")

    started = time.monotonic()
    w = Watcher(root, watch_args)
    try:
        w.wait_statuses(1, timeout=600)
        print(f"first build: {time.monotonic() - started:.1f}s (including start-up)")
        time.sleep(2.5)  # let the first build's events and the graph cache settle

        before = w.cpu_seconds()
        t0 = time.monotonic()
        time.sleep(args.idle)
        idle_cpu = (w.cpu_seconds() - before) / (time.monotonic() - t0) * 100
        idle_mem = w.memory_kib()

        rng = random.Random(args.seed)
        latencies: list[float] = []
        for n in range(args.saves):
            path = rng.choice(sources)
            builds = w.statuses()
            offset = stamps.stat().st_size
            saved_at = time.time()
            path.write_text(f"save {n} {saved_at}\n")
            deadline = time.monotonic() + 60
            while not (got := stamps_after(stamps, offset)):
                if time.monotonic() > deadline:
                    raise SystemExit(f"save {n} of {path} started no job:\n" + "".join(w.lines[-20:]))
                time.sleep(0.002)
            latencies.append((got[0][1] - saved_at) * 1000)
            w.wait_statuses(builds + 1, timeout=60)
            time.sleep(0.15)  # quiet between saves, so each is its own burst
        peak = w.memory_kib()
    finally:
        code = w.stop()
    extra = w.statuses() - 1 - args.saves
    print(f"latency save -> rebuild start over {len(latencies)} saves (ms):")
    print(
        f"  p50 {statistics.median(latencies):.0f}  p95 {percentile(latencies, 0.95):.0f}  "
        f"min {min(latencies):.0f}  max {max(latencies):.0f}"
    )
    print(f"idle CPU over {args.idle:g}s: {idle_cpu:.2f}% of one core")
    print(
        f"memory idle: RSS {idle_mem['VmRSS'] / 1024:.1f} MiB; after the saves: RSS {peak['VmRSS'] / 1024:.1f} MiB, "
        f"peak {peak['VmHWM'] / 1024:.1f} MiB"
    )
    print(f"builds beyond one per save: {extra}; watch exited with {code}")
    if args.keep:
        print(f"project kept in {root}")
    else:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

"""Benchmark buildlike against GNU make, ninja and doit on the same generated workloads.

    python bench/bench.py [--quick] [--only wide-noop,wide-clean,...] [--repeat N] [--buildlike-rev REV]

Every workload is written under bench/work/ once per tool, in that tool's idiomatic form (see
bench/README.md), and the tools run interleaved: run 1 of each tool, then run 2 of each, ... Warm-up
runs are not counted. Medians, ratios to make and ninja and peak RSS are printed and saved as
JSON and Markdown under bench/results/ (`latest.json`, `latest.md`, plus a timestamped copy).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
RESULTS = BENCH / "results"

# A file whose mtime is this recent is distrusted by buildlike's stamps and no-op snapshot (2 s),
# so the harness waits this long after a build before it times no-ops.
SETTLE_SECONDS = 2.5

WIDE_TOOLS = ("buildlike", "buildlike-explicit", "make", "ninja", "doit")
LAYER_TOOLS = ("buildlike", "make", "ninja", "doit")
TINY_TOOLS = ("python", "python-S", "buildlike", "make", "ninja", "doit")
SECTIONS = ("wide-noop", "wide-clean", "layers-edit", "layers-noop", "startup", "importtime", "profile")

TOOL_FILE = {
    "buildlike": "Maestrofile.toml",
    "buildlike-explicit": "Maestrofile.toml",
    "make": "Makefile",
    "ninja": "build.ninja",
    "doit": "dodo.py",
}
# What each tool keeps between runs; removed (with the outputs) before a clean build.
TOOL_STATE = {
    "buildlike": (".buildlike",),
    "buildlike-explicit": (".buildlike",),
    "make": (),
    "ninja": (".ninja_log", ".ninja_deps"),
    "doit": (".doit.db", ".doit.db.db", ".doit.db.dat", ".doit.db.dir", ".doit.db.bak"),
}
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
_MAKE_HEADER = "MAKEFLAGS += --no-builtin-rules\n.SUFFIXES:\n"


class BenchError(RuntimeError):
    """A tool failed, or did something other than what the workload expects."""


# -- workloads: what every tool must build ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LayerJob:
    """One job of the layers workload: `sort -u -o output inputs...`."""

    output: str
    inputs: tuple[str, ...]


def wide_sources(n: int) -> dict[str, str]:
    """The N sources of `wide N`: src/iK.txt."""
    return {f"src/i{k}.txt": f"line {k}\n" for k in range(n)}


def layer_inputs(layer: int, j: int, width: int) -> tuple[int, ...]:
    """Which items of the layer below job `j` of `layer` reads: j, j+1 and, for even j, j+(layer+2)^2 (mod width)."""
    picks = [j, (j + 1) % width]
    if j % 2 == 0:
        picks.append((j + (layer + 2) ** 2) % width)
    return tuple(dict.fromkeys(picks))


def layer_path(layer: int, j: int) -> str:
    """The file of item `j` of `layer`; layer -1 is the sources."""
    return f"src/s{j}.txt" if layer < 0 else f"out/l{layer}_{j}.txt"


def layers_jobs(layers: int, width: int) -> list[LayerJob]:
    """Every job of `layers LxW`, layer by layer."""
    return [
        LayerJob(layer_path(layer, j), tuple(layer_path(layer - 1, i) for i in layer_inputs(layer, j, width)))
        for layer in range(layers)
        for j in range(width)
    ]


def layers_sources(width: int, version: str = "v0") -> dict[str, str]:
    """One line per source; `sort -u` keeps the union of lines, so every file stays small."""
    return {layer_path(-1, j): f"s{j} {version}\n" for j in range(width)}


def _readers(jobs: Sequence[LayerJob]) -> dict[str, list[str]]:
    readers: dict[str, list[str]] = {}
    for job in jobs:
        for i in job.inputs:
            readers.setdefault(i, []).append(job.output)
    return readers


def downstream(jobs: Sequence[LayerJob], path: str, *, readers: dict[str, list[str]] | None = None) -> list[str]:
    """The outputs of every job that (transitively) reads `path`: what an edit of `path` reruns."""
    readers = _readers(jobs) if readers is None else readers
    seen: set[str] = set()
    todo = [path]
    while todo:
        for out in readers.get(todo.pop(), ()):
            if out not in seen:
                seen.add(out)
                todo.append(out)
    return sorted(seen)


def pick_edit(layers: int, width: int, target: int) -> tuple[str, int]:
    """The source whose edit reruns the number of jobs closest to `target` (lowest index on ties), and that number."""
    jobs = layers_jobs(layers, width)
    readers = _readers(jobs)
    counts = [(len(downstream(jobs, s, readers=readers)), j, s) for j, s in enumerate(layers_sources(width))]
    count, _, best = min(counts, key=lambda c: (abs(c[0] - target), c[1]))
    return best, count


# -- writing a workload in each tool's idiomatic form ---------------------------------------------


def _write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _ninja_inputs(paths: Sequence[str], per_line: int = 50) -> str:
    chunks = [" ".join(paths[i : i + per_line]) for i in range(0, len(paths), per_line)]
    return " $\n    ".join(chunks)


def wide_tool_file(n: int, tool: str) -> str:
    """The build file of `wide N` for `tool`: N `cp src/iK.txt out/iK.txt` and one `cat out/i*.txt > all.txt`.

    The outputs keep their source's name (out/iK.txt) because a buildlike `foreach` cannot rename
    `i` to `o`; every tool uses the same names. The concatenation globs in the shell for every tool,
    since 10,000 paths in one `sh -c` argument pass the kernel's 128 KB limit on a single argument.
    """
    outs = [f"out/i{k}.txt" for k in range(n)]
    head = f"wide {n}: generated by bench/bench.py"
    if tool == "buildlike":
        return (
            f"# {head}\n\n"
            '[rules.copy]\nforeach = "src/i*.txt"\ninputs = ["{path}"]\noutputs = ["out/{name}"]\n'
            'run = "cp {input} {output}"\n\n'
            '[rules.concat]\ninputs = ["out/i*.txt"]\noutputs = ["all.txt"]\nrun = "cat out/i*.txt > all.txt"\n'
        )
    if tool == "buildlike-explicit":
        rules = [
            f'[rules.copy_i{k}]\ninputs = ["src/i{k}.txt"]\noutputs = ["out/i{k}.txt"]\n'
            'run = "cp {input} {output}"\n'
            for k in range(n)
        ]
        concat = '[rules.concat]\ninputs = ["out/i*.txt"]\noutputs = ["all.txt"]\nrun = "cat out/i*.txt > all.txt"\n'
        return f"# {head}, one rule per copy\n\n" + "\n".join([*rules, concat])
    if tool == "make":
        # Without --no-builtin-rules, make 4.3 tries its ~90 built-in implicit rules on each of the
        # 20,000 files and a no-op takes ~3.5 s instead of ~0.08 s; every fast Makefile turns them off.
        return (
            f"# {head}\n{_MAKE_HEADER}\n"
            "SRCS := $(wildcard src/i*.txt)\nOUTS := $(SRCS:src/%=out/%)\n\n"
            "all.txt: $(OUTS)\n\tcat out/i*.txt > $@\n\n"
            "$(OUTS): out/%.txt: src/%.txt | out\n\tcp $< $@\n\n"
            "out:\n\tmkdir -p $@\n"
        )
    if tool == "ninja":
        edges = [f"build {o}: cp src/{o[4:]}\n" for o in outs]
        return (
            f"# {head}\n"
            "rule cp\n  command = cp $in $out\n"
            "rule concat\n  command = cat out/i*.txt > $out\n\n"
            + "".join(edges)
            + f"build all.txt: concat {_ninja_inputs(outs)}\n"
        )
    if tool == "doit":
        return (
            f'"""{head} (default md5 checker)."""\n\n'
            "import glob\n\nfrom doit.tools import create_folder\n\n"
            'SRCS = sorted(glob.glob("src/i*.txt"))\nOUTS = ["out/" + s[len("src/") :] for s in SRCS]\n\n\n'
            "def task_copy():\n"
            "    for src, out in zip(SRCS, OUTS):\n"
            "        yield {\n"
            '            "name": out,\n'
            '            "file_dep": [src],\n'
            '            "targets": [out],\n'
            '            "actions": [(create_folder, ["out"]), ["cp", src, out]],\n'
            "        }\n\n\n"
            "def task_concat():\n"
            '    return {"file_dep": OUTS, "targets": ["all.txt"], "actions": ["cat out/i*.txt > all.txt"]}\n'
        )
    raise ValueError(f"unknown tool {tool!r}")


def layers_tool_file(layers: int, width: int, tool: str) -> str:
    """The build file of `layers LxW` for `tool`: one explicit `sort -u -o OUT IN...` per job."""
    jobs = layers_jobs(layers, width)
    head = f"layers {layers}x{width}: generated by bench/bench.py"
    if tool == "buildlike":
        rules = [
            f"[rules.{Path(job.output).stem}]\ninputs = {_toml_list(job.inputs)}\n"
            f'outputs = ["{job.output}"]\nrun = "sort -u -o {{output}} {{inputs}}"\n'
            for job in jobs
        ]
        return f"# {head}\n\n" + "\n".join(rules)
    if tool == "make":
        finals = " ".join(job.output for job in jobs[-width:])
        rules = [f"{job.output}: {' '.join(job.inputs)} | out\n\tsort -u -o $@ $^\n" for job in jobs]
        return f"# {head}\n{_MAKE_HEADER}\n.PHONY: all\nall: {finals}\n\n" + "".join(rules) + "\nout:\n\tmkdir -p $@\n"
    if tool == "ninja":
        edges = [f"build {job.output}: sort {' '.join(job.inputs)}\n" for job in jobs]
        return f"# {head}\nrule sort\n  command = sort -u -o $out $in\n\n" + "".join(edges)
    if tool == "doit":
        table = "".join(f"    ({job.output!r}, {list(job.inputs)!r}),\n" for job in jobs)
        return (
            f'"""{head} (default md5 checker)."""\n\n'
            "from doit.tools import create_folder\n\n"
            f"JOBS = [\n{table}]\n\n\n"
            "def task_layer():\n"
            "    for out, ins in JOBS:\n"
            "        yield {\n"
            '            "name": out,\n'
            '            "file_dep": ins,\n'
            '            "targets": [out],\n'
            '            "actions": [(create_folder, ["out"]), ["sort", "-u", "-o", out, *ins]],\n'
            "        }\n"
        )
    raise ValueError(f"unknown tool {tool!r}")


def tiny_tool_file(tool: str) -> str:
    """A one-job project (cp src/a.txt out/a.txt), to time start-up; 'python' has no file."""
    if tool == "buildlike":
        return '[rules.copy]\ninputs = ["src/a.txt"]\noutputs = ["out/a.txt"]\nrun = "cp {input} {output}"\n'
    if tool == "make":
        return f"{_MAKE_HEADER}\nout/a.txt: src/a.txt | out\n\tcp $< $@\n\nout:\n\tmkdir -p $@\n"
    if tool == "ninja":
        return "rule cp\n  command = cp $in $out\n\nbuild out/a.txt: cp src/a.txt\n"
    if tool == "doit":
        return (
            "from doit.tools import create_folder\n\n\n"
            "def task_copy():\n"
            '    return {"file_dep": ["src/a.txt"], "targets": ["out/a.txt"],\n'
            '            "actions": [(create_folder, ["out"]), ["cp", "src/a.txt", "out/a.txt"]]}\n'
        )
    if tool.startswith("python"):
        return ""
    raise ValueError(f"unknown tool {tool!r}")


def write_wide(root: Path, n: int, tool: str) -> None:
    """Write `wide N` for `tool` into `root` (sources and build file)."""
    _write_files(root, {**wide_sources(n), TOOL_FILE[tool]: wide_tool_file(n, tool)})


def write_layers(root: Path, layers: int, width: int, tool: str) -> None:
    """Write `layers LxW` for `tool` into `root` (sources and build file)."""
    _write_files(root, {**layers_sources(width), TOOL_FILE[tool]: layers_tool_file(layers, width, tool)})


def write_tiny(root: Path, tool: str) -> None:
    """Write the one-job project for `tool` into `root`."""
    files = {"src/a.txt": "a\n"}
    if tool in TOOL_FILE:
        files[TOOL_FILE[tool]] = tiny_tool_file(tool)
    _write_files(root, files)


def reset_outputs(root: Path, tool: str) -> None:
    """Remove everything a build made and every record the tool keeps: the start of a clean build."""
    for name in ("out", "all.txt", *TOOL_STATE[tool]):
        p = root / name
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)


# -- running the tools ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Toolchain:
    """Where each tool is, and how buildlike is started."""

    python: str
    buildlike: tuple[str, ...]
    buildlike_env: tuple[tuple[str, str], ...]
    buildlike_source: str  # what is measured, e.g. "working tree (dirty)" or "git 1d2a096"
    make: str | None
    ninja: str | None
    doit: tuple[str, ...] | None

    def has(self, tool: str) -> bool:
        if tool == "make":
            return self.make is not None
        if tool == "ninja":
            return self.ninja is not None
        if tool == "doit":
            return self.doit is not None
        return True

    def argv(self, tool: str, jobs: int | None) -> list[str]:
        """The command that builds the default targets; `jobs` None: the tool's plain invocation."""
        j = [] if jobs is None else ["-j", str(jobs)]
        if tool.startswith("buildlike"):
            return [*self.buildlike, "build", *j]
        if tool == "make" and self.make:
            return [self.make, *j]
        if tool == "ninja" and self.ninja:
            return [self.ninja, *j]
        if tool == "doit" and self.doit:
            return [*self.doit, *([] if jobs is None else ["-n", str(jobs)])]
        if tool == "python":
            return [self.python, "-c", "pass"]
        if tool == "python-S":
            return [self.python, "-S", "-c", "pass"]
        raise BenchError(f"tool {tool!r} is not available")

    def env(self, tool: str) -> dict[str, str]:
        """A user's default environment: Python tools cache bytecode (in bench/work/pycache) and buffer output."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}
        env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
        if tool.startswith("buildlike"):
            env.update(self.buildlike_env)
        return env


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


def find_toolchain(*, buildlike_rev: str | None = None) -> Toolchain:
    """Find the tools: the repo's .venv (else this interpreter's folder) for buildlike, ninja and doit."""
    venv_bin = REPO / ".venv" / "bin"
    bin_dir = venv_bin if (venv_bin / "python").exists() else Path(sys.executable).parent
    python = str(bin_dir / "python") if (bin_dir / "python").exists() else sys.executable

    def tool(name: str) -> str | None:
        p = bin_dir / name
        return str(p) if p.exists() else shutil.which(name)

    doit = tool("doit")
    if buildlike_rev is None:
        script = tool("buildlike")
        command = (script,) if script else (python, "-m", "buildlike")
        try:
            dirty = bool(_git("status", "--porcelain", "--", "buildlike"))
            source = f"working tree at git {_git('rev-parse', '--short', 'HEAD')}" + (
                " (with uncommitted changes)" if dirty else ""
            )
        except (OSError, subprocess.CalledProcessError):
            source = "installed buildlike"
        return Toolchain(python, command, (), source, tool("make"), tool("ninja"), (doit,) if doit else None)
    commit = _git("rev-parse", "--short", buildlike_rev)
    snapshot = WORK / f"buildlike-{commit}"
    if not (snapshot / "buildlike" / "__main__.py").exists():
        snapshot.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit, "buildlike"], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive.stdout, check=True)
    env = (("PYTHONPATH", str(snapshot)),)
    return Toolchain(
        python,
        (python, "-m", "buildlike"),
        env,
        f"git {commit}",
        tool("make"),
        tool("ninja"),
        (doit,) if doit else None,
    )


@dataclass(frozen=True, slots=True)
class Sample:
    """One timed run of one tool."""

    seconds: float
    maxrss_kb: int  # of the tool and the children it waited for
    ran: int  # jobs the tool says it ran


_JOB_LINE = {
    "make": re.compile(r"^(?:cp|cat|sort) ", re.M),
    "ninja": re.compile(r"^\[\d+/\d+\] ", re.M),
    "doit": re.compile(r"^\. ", re.M),
}


def count_ran(tool: str, output: str) -> int:
    """How many jobs `tool` ran, read from what it printed."""
    if tool.startswith("buildlike"):
        m = re.search(r"^buildlike: (\d+) jobs? ran", output, re.M)
        return int(m.group(1)) if m else len(re.findall(r"^\[\d+/\d+\] ", output, re.M))
    pattern = _JOB_LINE.get(tool)
    return len(pattern.findall(output)) if pattern else 0


def run_timed(argv: Sequence[str], cwd: Path, env: dict[str, str], tool: str) -> tuple[Sample, str]:
    """Run `argv` in `cwd`, timing it and reading its peak RSS; raise if it fails.

    The peak RSS comes from GNU time (`/usr/bin/time -f %M`): a process keeps the high-water RSS of
    what it was before exec, so a tool forked straight from this Python would show ours (~18 MB).
    GNU time is a small C program, so what it reports is the tool's own. Its fork and exec (~1 ms)
    are in every tool's time alike.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile(mode="r") as rss:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv] if GNU_TIME else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
        lines = rss.read().split()
        maxrss_kb = int(lines[-1]) if GNU_TIME and lines and lines[-1].isdigit() else int(usage.ru_maxrss)
    if code != 0:
        raise BenchError(f"{tool} failed (exit {code}) in {cwd}: {' '.join(argv)}\n{text[-3000:]}")
    return Sample(seconds, maxrss_kb, count_ran(tool, text)), text


# -- measuring ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What the issue asks of buildlike on a workload."""

    reference: str  # the tool compared with
    factor: float  # buildlike's median at most factor x the reference's
    rss_mb: float | None = None

    def text(self) -> str:
        rss = f", peak RSS <= {self.rss_mb:g} MB" if self.rss_mb else ""
        return f"buildlike <= {self.factor:g}x {self.reference}{rss}"


@dataclass
class WorkloadResult:
    """The samples of every tool on one workload, with how it was set up."""

    name: str
    title: str
    how: str
    expected_ran: int | None
    samples: dict[str, list[Sample]]
    target: Target | None = None
    notes: list[str] = field(default_factory=list)

    def median(self, tool: str) -> float:
        return statistics.median(s.seconds for s in self.samples[tool])

    def peak_rss_mb(self, tool: str) -> float:
        return max(s.maxrss_kb for s in self.samples[tool]) / 1024

    def ratio(self, tool: str, reference: str) -> float | None:
        if reference not in self.samples or not self.samples[reference]:
            return None
        return self.median(tool) / self.median(reference)

    def target_met(self) -> bool | None:
        t = self.target
        if t is None or "buildlike" not in self.samples:
            return None
        ratio = self.ratio("buildlike", t.reference)
        if ratio is None:
            return None
        return ratio <= t.factor and (t.rss_mb is None or self.peak_rss_mb("buildlike") <= t.rss_mb)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Bench:
    """One benchmark run: the toolchain, the sizes and the results gathered so far."""

    chain: Toolchain
    repeat: int
    jobs: int
    wide_noop_n: int
    wide_clean_n: int
    layers: int
    width: int
    edit_target: int
    results: list[WorkloadResult] = field(default_factory=list)
    extras: dict[str, str] = field(default_factory=dict)

    def tools(self, wanted: Sequence[str]) -> list[str]:
        missing = [t for t in wanted if not self.chain.has(t)]
        if missing:
            log(f"  skipping {', '.join(missing)}: not installed")
        return [t for t in wanted if self.chain.has(t)]

    def run(self, tool: str, root: Path, *, jobs: int | None) -> tuple[Sample, str]:
        return run_timed(self.chain.argv(tool, jobs), root, self.chain.env(tool), tool)

    def interleaved(
        self,
        tools: Sequence[str],
        roots: dict[str, Path],
        *,
        jobs: int | None,
        before: Callable[[str, int], None] | None = None,
        expect: int | None = None,
        rounds: int | None = None,
        label: str = "",
    ) -> dict[str, list[Sample]]:
        """Run 1 of each tool, then run 2 of each, ...; the starting tool rotates each round."""
        samples: dict[str, list[Sample]] = {t: [] for t in tools}
        n = self.repeat if rounds is None else rounds
        for r in range(n):
            order = [*tools[r % len(tools) :], *tools[: r % len(tools)]]
            for tool in order:
                if before is not None:
                    before(tool, r)
                sample, text = self.run(tool, roots[tool], jobs=jobs)
                if expect is not None and sample.ran != expect:
                    raise BenchError(f"{label}: {tool} ran {sample.ran} jobs, expected {expect}\n{text[-2000:]}")
                samples[tool].append(sample)
            log(f"  {label} round {r + 1}/{n}: " + ", ".join(f"{t} {samples[t][-1].seconds:.3f}s" for t in tools))
        return samples

    def build_all(self, tools: Sequence[str], roots: dict[str, Path], expect: int, label: str) -> None:
        for tool in tools:
            sample, text = self.run(tool, roots[tool], jobs=self.jobs)
            log(f"  {label}: {tool} built {sample.ran} jobs in {sample.seconds:.2f}s")
            if sample.ran != expect:
                raise BenchError(f"{label}: {tool} ran {sample.ran} jobs, expected {expect}\n{text[-2000:]}")

    # -- wide ---------------------------------------------------------------------------------------

    def wide_roots(self, n: int, tools: Sequence[str]) -> dict[str, Path]:
        roots = {t: WORK / f"wide-{n}" / t for t in tools}
        for tool, root in roots.items():
            shutil.rmtree(root, ignore_errors=True)
            write_wide(root, n, tool)
        return roots

    def wide_noop(self) -> None:
        n = self.wide_noop_n
        tools = self.tools(WIDE_TOOLS)
        log(f"wide-noop: wide {n}, {len(tools)} tools")
        roots = self.wide_roots(n, tools)
        self.build_all(tools, roots, n + 1, f"wide {n} build")
        time.sleep(SETTLE_SECONDS)
        self.interleaved(tools, roots, jobs=None, expect=0, rounds=2, label="warm-up no-op")
        samples = self.interleaved(tools, roots, jobs=None, expect=0, label="no-op")
        self.results.append(
            WorkloadResult(
                "wide-noop",
                f"No-op of wide {n}",
                f"{n} copies + 1 concat, all up to date; each tool's plain invocation (no -j); "
                f"after a -j{self.jobs} build, a {SETTLE_SECONDS:g} s pause and 2 uncounted no-ops",
                0,
                samples,
                Target("make", 3.5, 80),
                [_agree(roots, ["all.txt"])],
            )
        )
        if "buildlike" in roots:
            self.extras["profile_root"] = str(roots["buildlike"])

    def wide_clean(self) -> None:
        n = self.wide_clean_n
        tools = self.tools(WIDE_TOOLS)
        log(f"wide-clean: wide {n} at -j{self.jobs}, {len(tools)} tools")
        roots = self.wide_roots(n, tools)

        def reset(tool: str, _round: int) -> None:
            reset_outputs(roots[tool], tool)

        self.interleaved(tools, roots, jobs=self.jobs, before=reset, expect=n + 1, rounds=1, label="warm-up build")
        samples = self.interleaved(tools, roots, jobs=self.jobs, before=reset, expect=n + 1, label="clean build")
        self.results.append(
            WorkloadResult(
                "wide-clean",
                f"Clean build of wide {n} at -j{self.jobs}",
                f"outputs and the tool's state removed before each run (untimed); {n + 1} jobs; "
                "1 uncounted warm-up build",
                n + 1,
                samples,
                Target("ninja", 1.0),
                [_agree(roots, ["all.txt"])],
            )
        )

    # -- layers -------------------------------------------------------------------------------------

    def layers_section(self, which: set[str]) -> None:
        L, W = self.layers, self.width
        tools = self.tools(LAYER_TOOLS)
        source, count = pick_edit(L, W, self.edit_target)
        log(f"layers: {L}x{W}, editing {source} reruns {count} jobs, {len(tools)} tools")
        roots = {t: WORK / f"layers-{L}x{W}" / t for t in tools}
        for tool, root in roots.items():
            shutil.rmtree(root, ignore_errors=True)
            write_layers(root, L, W, tool)
        self.build_all(tools, roots, L * W, f"layers {L}x{W} build")
        finals = [layer_path(L - 1, j) for j in range(W)]
        j = int(source[len("src/s") : -len(".txt")])

        def edit(tool: str, r: int) -> None:
            # New content on every round: `sort -u` output really changes all the way down, so no
            # tool gets an early cutoff; every tool sees the same sequence of contents.
            (roots[tool] / source).write_text(f"s{j} edit{r}\n")

        if "layers-edit" in which:
            self.interleaved(
                tools, roots, jobs=self.jobs, before=lambda t, r: edit(t, 1000 + r), expect=count, rounds=1,
                label="warm-up edit",
            )  # fmt: skip
            samples = self.interleaved(tools, roots, jobs=self.jobs, before=edit, expect=count, label="edit")
            self.results.append(
                WorkloadResult(
                    "layers-edit",
                    f"One edited source in layers {L}x{W} at -j{self.jobs}",
                    f"{source} gets a new line before each run; {count} of {L * W} jobs rerun in every tool "
                    "(checked); 1 uncounted warm-up edit",
                    count,
                    samples,
                    Target("make", 1.3),
                    [_agree(roots, finals)],
                )
            )
        if "layers-noop" in which:
            time.sleep(SETTLE_SECONDS)
            self.interleaved(tools, roots, jobs=None, expect=0, rounds=2, label="warm-up no-op")
            samples = self.interleaved(tools, roots, jobs=None, expect=0, label="no-op")
            self.results.append(
                WorkloadResult(
                    "layers-noop",
                    f"No-op of layers {L}x{W}",
                    f"{L * W} jobs, all up to date; plain invocation; 2 uncounted no-ops first",
                    0,
                    samples,
                    None,
                    [_agree(roots, finals)],
                )
            )

    # -- start-up -----------------------------------------------------------------------------------

    def tiny_roots(self) -> tuple[list[str], dict[str, Path]]:
        tools = self.tools(TINY_TOOLS)
        roots = {t: WORK / "tiny" / t for t in tools}
        for tool, root in roots.items():
            shutil.rmtree(root, ignore_errors=True)
            write_tiny(root, tool)
        built = [t for t in tools if not t.startswith("python")]
        self.build_all(built, roots, 1, "tiny build")
        time.sleep(SETTLE_SECONDS)
        return tools, roots

    def startup(self) -> None:
        log("startup: no-op of a one-job project")
        tools, roots = self.tiny_roots()
        self.interleaved(tools, roots, jobs=None, expect=0, rounds=2, label="warm-up no-op")
        samples = self.interleaved(tools, roots, jobs=None, expect=0, rounds=self.repeat * 4, label="no-op")
        self.results.append(
            WorkloadResult(
                "startup",
                "No-op start-up on a one-job project",
                "one up-to-date `cp`; plain invocation; 'python' is the venv's bare interpreter (`python -c pass`) "
                f"and 'python-S' the same without site (`python -S -c pass`), for scale; {self.repeat * 4} rounds",
                0,
                samples,
            )
        )

    def importtime(self) -> None:
        log("importtime: python -X importtime on the no-op of the one-job project")
        root = WORK / "tiny" / "buildlike"
        if not (root / ".buildlike").is_dir():
            self.tiny_roots()
        argv = [self.chain.python, "-X", "importtime", "-m", "buildlike", "build"]
        env = self.chain.env("buildlike")
        runs = [subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=True) for _ in range(3)]
        self.extras["importtime"] = importtime_table(runs[-1].stderr)

    def profile(self) -> None:
        root = Path(self.extras.get("profile_root", WORK / f"wide-{self.wide_noop_n}" / "buildlike"))
        log(f"profile: cProfile of the buildlike no-op in {root}")
        if not (root / ".buildlike").is_dir():
            shutil.rmtree(root, ignore_errors=True)
            write_wide(root, self.wide_noop_n, "buildlike")
            self.build_all(["buildlike"], {"buildlike": root}, self.wide_noop_n + 1, "profile build")
            time.sleep(SETTLE_SECONDS)
            self.run("buildlike", root, jobs=None)
        prof = WORK / "wide-noop.prof"
        argv = [self.chain.python, "-m", "cProfile", "-o", str(prof), "-m", "buildlike", "build"]
        env = self.chain.env("buildlike")
        for _ in range(2):  # the first one may write .pyc files
            subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=True)
        self.extras["profile"] = profile_table(prof)


def _agree(roots: dict[str, Path], files: Sequence[str]) -> str:
    """Whether every tool made the same bytes in `files`."""
    contents = {tool: b"".join((root / f).read_bytes() for f in files) for tool, root in roots.items()}
    distinct = set(contents.values())
    if len(distinct) == 1:
        return f"outputs identical across tools ({len(files)} file{'s' if len(files) != 1 else ''} compared)"
    raise BenchError("the tools made different outputs: " + ", ".join(sorted(roots)))


def importtime_table(stderr: str, top: int = 15) -> str:
    """The slowest imports by cumulative time, as Markdown, from `python -X importtime` output."""
    rows: list[tuple[int, int, str]] = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), int(m.group(1)), "  " * (len(m.group(3)) // 2 - 1) + m.group(4)))
    total_self = sum(r[1] for r in rows)
    lines = [
        f"{len(rows)} modules imported, {total_self / 1000:.1f} ms in all (self times summed)",
        "",
        "| cumulative ms | self ms | module |",
        "|---:|---:|---|",
    ]
    for cum, self_us, name in sorted(rows, reverse=True)[:top]:
        lines.append(f"| {cum / 1000:.1f} | {self_us / 1000:.1f} | `{name.strip()}` |")
    return "\n".join(lines)


def profile_table(prof: Path, top: int = 20) -> str:
    """The top functions of a cProfile dump by own time and by cumulative time, as Markdown."""
    stats = pstats.Stats(str(prof))
    raw = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        file, line, func = key
        if file == "~":
            return func
        short = file.split("/buildlike/")[-1] if "/buildlike/" in file else Path(file).name
        return f"{short}:{line}({func})"

    rows = [(tt, ct, nc, name(k)) for k, (_cc, nc, tt, ct, _callers) in raw.items()]
    lines = [f"{sum(r[2] for r in rows)} calls, {total:.3f} s under the profiler", ""]
    for title, key in (("own time", 0), ("cumulative time", 1)):
        lines += [f"By {title}:", "", "| own s | cumulative s | calls | function |", "|---:|---:|---:|---|"]
        for tt, ct, nc, fn in sorted(rows, key=lambda r: r[key], reverse=True)[:top]:
            lines.append(f"| {tt:.3f} | {ct:.3f} | {nc} | `{fn}` |")
        lines.append("")
    return "\n".join(lines)


# -- reporting ----------------------------------------------------------------------------------------


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def result_table(w: WorkloadResult) -> str:
    """One workload's medians, ratios, peak RSS and job counts as a Markdown table."""
    lines = [
        "| tool | median s | min-max s | vs make | vs ninja | peak RSS MB | jobs run |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for tool, samples in w.samples.items():
        secs = [s.seconds for s in samples]
        ran = sorted({s.ran for s in samples})
        lines.append(
            f"| {tool} | {w.median(tool):.3f} | {min(secs):.3f}-{max(secs):.3f} | "
            f"{_fmt_ratio(w.ratio(tool, 'make'))} | {_fmt_ratio(w.ratio(tool, 'ninja'))} | "
            f"{w.peak_rss_mb(tool):.1f} | {'/'.join(map(str, ran))} |"
        )
    return "\n".join(lines)


def markdown(bench: Bench, meta: dict[str, str]) -> str:
    """The whole report: setup, one table per workload, targets, imports and the profile."""
    out = [f"# buildlike benchmark, {meta['date']}", ""]
    out += [f"- {k}: {v}" for k, v in meta.items() if k != "date"]
    out += ["", "Times are medians of interleaved runs in seconds; ratios are of medians.", ""]
    for w in bench.results:
        out += [f"## {w.title} (`{w.name}`)", "", w.how + ".", "", result_table(w), ""]
        if w.target is not None:
            met = w.target_met()
            verdict = "n/a" if met is None else ("met" if met else "NOT met")
            ratio = _fmt_ratio(w.ratio("buildlike", w.target.reference))
            out += [f"Target: {w.target.text()}: **{verdict}** ({ratio})", ""]
        out += [f"- {n}" for n in w.notes] + [""]
    if "importtime" in bench.extras:
        out += [
            "## `python -X importtime` of the buildlike no-op (one-job project)",
            "",
            bench.extras["importtime"],
            "",
        ]
    if "profile" in bench.extras:
        out += [
            f"## cProfile of the buildlike no-op of wide {bench.wide_noop_n}",
            "",
            bench.extras["profile"],
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def _version(argv: Sequence[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "not found"
    return out.splitlines()[0] if out else "?"


def metadata(bench: Bench) -> dict[str, str]:
    chain = bench.chain
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "buildlike": chain.buildlike_source,
        "python": platform.python_version(),
        "make": _version([chain.make, "--version"]) if chain.make else "not found",
        "ninja": _version([chain.ninja, "--version"]) if chain.ninja else "not found",
        "doit": _version([*chain.doit, "--version"]) if chain.doit else "not found",
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, load average {load} at the end",
        "runs": f"{bench.repeat} counted per tool (startup: {bench.repeat * 4}), interleaved, "
        f"-j{bench.jobs} for builds; peak RSS by {GNU_TIME or 'wait4'}",
    }


def save(bench: Bench, meta: dict[str, str]) -> Path:
    """Write latest.json/latest.md and a timestamped copy of each; return the Markdown path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "meta": meta,
        "workloads": [
            {
                **{k: v for k, v in asdict(w).items() if k != "samples"},
                "medians": {t: w.median(t) for t in w.samples},
                "peak_rss_mb": {t: w.peak_rss_mb(t) for t in w.samples},
                "target_met": w.target_met(),
                "samples": {t: [asdict(s) for s in ss] for t, ss in w.samples.items()},
            }
            for w in bench.results
        ],
        "extras": bench.extras,
    }
    md = markdown(bench, meta)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in ("latest", stamp):
        (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
        (RESULTS / f"{name}.md").write_text(md)
    return RESULTS / "latest.md"


def print_summary(bench: Bench) -> None:
    for w in bench.results:
        print(f"\n{w.title} [{w.name}]")
        print(f"{'tool':<20}{'median s':>10}{'vs make':>10}{'vs ninja':>10}{'peak MB':>10}{'jobs':>8}")
        for tool in w.samples:
            print(
                f"{tool:<20}{w.median(tool):>10.3f}{_fmt_ratio(w.ratio(tool, 'make')):>10}"
                f"{_fmt_ratio(w.ratio(tool, 'ninja')):>10}{w.peak_rss_mb(tool):>10.1f}{w.samples[tool][0].ran:>8}"
            )
        if w.target is not None:
            met = w.target_met()
            print(f"target: {w.target.text()}: {'n/a' if met is None else ('met' if met else 'NOT met')}")
    for key in ("importtime", "profile"):
        if key in bench.extras:
            print(f"\n{key}:\n{bench.extras[key]}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="smaller workloads (wide 2000/300, layers 5x100), 3 runs")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    p.add_argument("--repeat", type=int, default=None, help="counted runs per tool (default 5, quick 3)")
    p.add_argument("--jobs", type=int, default=2, help="-j of the timed builds (default 2)")
    p.add_argument(
        "--buildlike-rev", default=None, help="measure this git revision of buildlike/ instead of the venv's"
    )
    args = p.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    only = set(args.only.split(","))
    quick = bool(args.quick)
    layers, width = (5, 100) if quick else (10, 200)
    bench = Bench(
        chain=find_toolchain(buildlike_rev=args.buildlike_rev),
        repeat=args.repeat or (3 if quick else 5),
        jobs=args.jobs,
        wide_noop_n=2000 if quick else 10000,
        wide_clean_n=300 if quick else 1000,
        layers=layers,
        width=width,
        edit_target=round(790 * layers * width / 2000),
    )
    WORK.mkdir(parents=True, exist_ok=True)
    log(f"buildlike: {bench.chain.buildlike_source}")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("startup", bench.startup),
        ("importtime", bench.importtime),
        ("wide-noop", bench.wide_noop),
        ("profile", bench.profile),
        ("wide-clean", bench.wide_clean),
    ]
    try:
        for name, step in steps:
            if name in only:
                step()
        if only & {"layers-edit", "layers-noop"}:
            bench.layers_section(only)
    except BenchError as e:
        log(f"bench: {e}")
        return 1
    finally:
        with contextlib.suppress(OSError):
            if bench.results or bench.extras:
                path = save(bench, metadata(bench))
                log(f"results: {path} (and {path.with_suffix('.json').name})")
    print_summary(bench)
    return 0


if __name__ == "__main__":
    sys.exit(main())

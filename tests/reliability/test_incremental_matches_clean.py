"""Model-based differential test of incremental correctness.

SPEC "When a job runs": after any sequence of user actions, an incremental build leaves exactly the
outputs a from-scratch build of the same sources leaves, runs every stale job and no other (the seven
rules, early cutoff included), a second build runs nothing and `status --check` finds nothing stale.

A generated project (foreach, a glob over the foreach's outputs, a diamond, an early-cutoff rule, a
depfile naming the include files a command read, a `[vars]` entry, a `run` list) is driven through the
real CLI by random actions. Every command appends its job id to a log outside the project, so the
test sees what ran through a file. A Python model of every command and of buildlike's records says
which jobs must run and what each output must hold; a fresh copy of the sources built once (without
`.buildlike/`) says what a from-scratch build leaves.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BUILDLIKE = (sys.executable, "-m", "buildlike")
NAMES = "abcdefgh"
INCLUDES = ("a.h", "b.h", "c.h")
WORDS = ("alpha", "Beta", "gamma", "delta", "Eps", "zeta", "eta", "theta", "iota", "kappa", "x", "yy")

# --------------------------------------------------------------------------------------------------
# The project

EXP_RUN = (
    'echo exp:{path} >> "$BL_LOG"; : > {output}; deps=; '
    'while IFS= read -r l; do case "$l" in '
    '!*) exit 1;; @*) f=inc/$(printf %s "$l" | cut -c2-); cat "$f" >> {output}; deps="$deps $f";; '
    "*) printf '%s\\n' \"$l\" >> {output};; esac; done < {input}; "
    "echo {output}:$deps > out/exp/{stem}.d"
)
UP_RUNS = (
    'echo up:{path} >> "$BL_LOG"; tr a-z A-Z < {input} > {output}',
    "echo up:{path} >> \"$BL_LOG\"; tr '[:lower:]' '[:upper:]' < {input} > {output}",  # same bytes out
)
SORT_FLAGS = ("", "-r")


@dataclass
class Config:
    """The parts of the Maestrofile the actions change."""

    tag: str = "v1"
    unused: str = "u1"
    up: int = 0
    sort: int = 0
    count_env: str = "a"
    desc: str = "d1"
    shell: str = "/bin/sh"

    def maestrofile(self) -> str:
        up_run = UP_RUNS[self.up]
        flag = SORT_FLAGS[self.sort]
        return f"""\
[settings]
jobs = 2
shell = "{self.shell}"

[vars]
TAG = "{self.tag}"
UNUSED = "{self.unused}"

[rules.exp]
foreach = "src/*.txt"
inputs = ["{{path}}"]
outputs = ["out/exp/{{stem}}.txt"]
depfile = "out/exp/{{stem}}.d"
description = "expand {{path}} {self.desc}"
run = '''{EXP_RUN}'''

[rules.up]
foreach = "src/*.txt"
inputs = ["out/exp/{{stem}}.txt"]
outputs = ["out/up/{{stem}}.txt"]
run = '''{up_run}'''

[rules.all]
inputs = ["out/up/*.txt"]
outputs = ["out/all.txt"]
run = '''echo all >> "$BL_LOG"; cat /dev/null {{inputs}} > {{output}}'''

[rules.sorted]
inputs = ["out/all.txt"]
outputs = ["out/sorted.txt"]
run = '''echo sorted >> "$BL_LOG"; LC_ALL=C sort {flag} {{input}} > {{output}}'''

[rules.count]
inputs = ["out/all.txt"]
outputs = ["out/count.txt"]
env = {{ COUNT_MODE = "{self.count_env}" }}
run = '''echo count >> "$BL_LOG"; wc -l < {{input}} | tr -d ' ' > {{output}}'''

[rules.final]
inputs = ["out/count.txt"]
outputs = ["out/final.txt"]
run = '''echo final >> "$BL_LOG"; echo "lines: $(cat {{input}})" > {{output}}'''

[rules.report]
inputs = ["out/sorted.txt", "out/count.txt"]
outputs = ["out/report.txt"]
run = [
    'echo report >> "$BL_LOG"',
    "cat {{inputs}} > {{output}}",
    "echo tag={{TAG}} >> {{output}}",
]
"""


# --------------------------------------------------------------------------------------------------
# The model: every job, what it reads, what its command is (as far as staleness goes), what it writes


@dataclass(frozen=True)
class Job:
    id: str
    rule: str
    inputs: tuple[str, ...]  # declared inputs, after globbing
    outputs: tuple[str, ...]
    command: tuple[str, ...]  # whatever identifies command + env + shell
    depfile: str | None = None
    stem: str = ""


def jobs_of(cfg: Config, sources: list[str], strays: list[str] = ()) -> list[Job]:
    """Every job, in an order where makers come before their readers. `strays`: files in out/up/
    that no rule makes (left there when their source was deleted), which the glob of `all` matches."""
    stems = sorted(Path(s).stem for s in sources)
    sh = cfg.shell
    jobs: list[Job] = []
    for s in stems:
        jobs.append(
            Job(f"exp:src/{s}.txt", "exp", (f"src/{s}.txt",), (f"out/exp/{s}.txt",), ("exp", sh), f"out/exp/{s}.d", s)
        )
    for s in stems:
        jobs.append(
            Job(f"up:src/{s}.txt", "up", (f"out/exp/{s}.txt",), (f"out/up/{s}.txt",), ("up", cfg.up, sh), None, s)
        )
    jobs.append(
        Job("all", "all", tuple(sorted({*(f"out/up/{s}.txt" for s in stems), *strays})), ("out/all.txt",), ("all", sh))
    )
    jobs.append(Job("sorted", "sorted", ("out/all.txt",), ("out/sorted.txt",), ("sorted", cfg.sort, sh)))
    jobs.append(Job("count", "count", ("out/all.txt",), ("out/count.txt",), ("count", cfg.count_env, sh)))
    jobs.append(Job("final", "final", ("out/count.txt",), ("out/final.txt",), ("final", sh)))
    jobs.append(
        Job("report", "report", ("out/sorted.txt", "out/count.txt"), ("out/report.txt",), ("report", cfg.tag, sh))
    )
    return jobs


class Fails(Exception):
    """The command exits 1 after writing `written`."""

    def __init__(self, written: dict[str, bytes]) -> None:
        self.written = written


def compute(job: Job, cfg: Config, read) -> tuple[dict[str, bytes], list[str]]:
    """What the job's command writes (outputs and depfile) from what `read` gives, and the include
    files it read. Raises Fails for a source line starting with `!`."""
    deps: list[str] = []
    if job.rule == "exp":
        out = b""
        for line in read(job.inputs[0]).split(b"\n")[:-1]:
            if line.startswith(b"!"):
                raise Fails({job.outputs[0]: out})
            if line.startswith(b"@"):
                f = "inc/" + line[1:].decode()
                out += read(f) or b""
                deps.append(f)
            else:
                out += line + b"\n"
        dep = f"{job.outputs[0]}:" + "".join(" " + d for d in deps) + "\n"
        return {job.outputs[0]: out, job.depfile: dep.encode()}, deps
    if job.rule == "up":
        return {job.outputs[0]: read(job.inputs[0]).upper()}, deps  # ASCII only
    if job.rule == "all":
        return {job.outputs[0]: b"".join(read(p) for p in sorted(job.inputs))}, deps
    if job.rule == "sorted":
        lines = read(job.inputs[0]).split(b"\n")[:-1]
        lines.sort(reverse=bool(cfg.sort))
        return {job.outputs[0]: b"".join(x + b"\n" for x in lines)}, deps
    if job.rule == "count":
        return {job.outputs[0]: b"%d\n" % read(job.inputs[0]).count(b"\n")}, deps
    if job.rule == "final":
        return {job.outputs[0]: b"lines: " + read(job.inputs[0]).strip() + b"\n"}, deps
    if job.rule == "report":
        return {job.outputs[0]: read(job.inputs[0]) + read(job.inputs[1]) + f"tag={cfg.tag}\n".encode()}, deps
    raise AssertionError(job)


@dataclass
class Record:
    """What buildlike should remember of a job's last successful run."""

    command: tuple[str, ...]
    inputs: tuple[str, ...]
    seen: dict[str, bytes | None]  # every input, declared or from the depfile: its content then
    outputs: dict[str, bytes]


def closure(jobs: list[Job], targets: list[str]) -> set[str]:
    by_out = {o: j for j in jobs for o in j.outputs}
    by_id = {j.id: j for j in jobs}
    todo: list[Job] = []
    for t in targets or [j.rule for j in jobs]:
        if t in by_id:
            todo.append(by_id[t])
        elif t in by_out:
            todo.append(by_out[t])
        else:
            todo.extend(j for j in jobs if j.rule == t)
    need: set[str] = set()
    while todo:
        j = todo.pop()
        if j.id in need:
            continue
        need.add(j.id)
        todo.extend(by_out[i] for i in j.inputs if i in by_out)
    return need


def read_tree(root: Path) -> dict[str, bytes]:
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".buildlike"]
        for n in filenames:
            p = Path(dirpath, n)
            files[p.relative_to(root).as_posix()] = p.read_bytes()
    return files


def run_cli(root: Path, log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BL_LOG": str(log)}
    return subprocess.run(
        [*BUILDLIKE, *args, "-C", str(root)], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def log_lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


# --------------------------------------------------------------------------------------------------
# The test harness: a project, its model, the actions and the invariants


@dataclass
class Harness:
    tmp: Path
    rng: random.Random
    cfg: Config = field(default_factory=Config)
    records: dict[str, Record] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)  # the actions so far, for the failure message
    reference_cache: dict[tuple, dict[str, bytes]] = field(default_factory=dict)
    check_reference: bool = True

    def __post_init__(self) -> None:
        self.root = self.tmp / "proj"
        self.logdir = self.tmp / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.log = self.logdir / "ran.log"
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_maestrofile()

    # ---- files

    def write(self, rel: str, data: bytes | str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)

    def write_maestrofile(self) -> None:
        self.write("Maestrofile.toml", self.cfg.maestrofile())

    def sources(self) -> list[str]:
        return (
            sorted(f"src/{p.name}" for p in (self.root / "src").glob("*.txt")) if (self.root / "src").exists() else []
        )

    def strays(self) -> list[str]:
        """Files in out/up/ whose source is gone: sources of `all` now (README, Globs)."""
        stems = {Path(s).stem for s in self.sources()}
        up = self.root / "out/up"
        return sorted(f"out/up/{p.name}" for p in up.glob("*.txt") if p.stem not in stems) if up.exists() else []

    def outputs_on_disk(self) -> list[str]:
        return sorted(p for p in read_tree(self.root) if p.startswith("out/"))

    def random_text(self, lines: int | None = None) -> str:
        n = self.rng.randint(1, 4) if lines is None else lines
        out = []
        for _ in range(n):
            if self.rng.random() < 0.25:
                out.append("@" + self.rng.choice(INCLUDES))
            else:
                out.append(" ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3))))
        return "".join(x + "\n" for x in out)

    def note(self, what: str) -> None:
        self.history.append(what)

    # ---- the actions

    def act_edit_source(self, same_size: bool | None = None) -> None:
        srcs = self.sources()
        if not srcs:
            return self.act_add_source()
        s = self.rng.choice(srcs)
        old = (self.root / s).read_bytes()
        if same_size is None:
            same_size = self.rng.random() < 0.5
        if same_size:
            new = self.same_size_change(old)
        else:
            new = (
                (old + self.random_text(1).encode())
                if self.rng.random() < 0.6 or old.count(b"\n") < 2
                else (b"\n".join(old.split(b"\n")[1:]))
            )
        self.write(s, new)
        self.note(f"write {s} {new!r}")

    def same_size_change(self, old: bytes) -> bytes:
        """Flip one letter's case (an edit `up` cuts off) or change one letter (one it does not)."""
        letters = []
        start = 0
        for line in old.split(b"\n"):
            if not line.startswith(b"@"):
                letters += [start + k for k, c in enumerate(line) if chr(c).isalpha()]
            start += len(line) + 1
        if not letters:
            return old[:-1] + b"\n" if old else b"q\n"
        i = self.rng.choice(letters)
        c = chr(old[i])
        new = c.swapcase() if self.rng.random() < 0.5 else ("q" if c.lower() != "q" else "w")
        return old[:i] + new.encode() + old[i + 1 :]

    def act_break_source(self) -> None:
        """Add a line that makes the source's `exp` command fail, or take such lines out."""
        srcs = self.sources()
        broken = [s for s in srcs if b"\n!" in b"\n" + (self.root / s).read_bytes()]
        if broken:
            s = self.rng.choice(broken)
            text = "".join(x for x in (self.root / s).read_text().splitlines(keepends=True) if not x.startswith("!"))
            text = text or "mended\n"
        elif srcs:
            s = self.rng.choice(srcs)
            lines = (self.root / s).read_text().splitlines(keepends=True)
            lines.insert(self.rng.randint(0, len(lines)), "!fail\n")
            text = "".join(lines)
        else:
            return
        self.write(s, text)
        self.note(f"write {s} {text!r}")

    def act_add_source(self) -> None:
        free = [n for n in NAMES if not (self.root / f"src/{n}.txt").exists()]
        if not free:
            return self.act_delete_source()
        n = self.rng.choice(free)
        text = self.random_text()
        self.write(f"src/{n}.txt", text)
        self.note(f"write src/{n}.txt {text!r}")

    def act_delete_source(self) -> None:
        srcs = self.sources()
        if len(srcs) <= 1:
            return self.act_add_source()
        s = self.rng.choice(srcs)
        stem = Path(s).stem
        # The README: a deleted source's outputs are only files left on disk, which globs then match.
        # Sometimes delete them too, as a user would; sometimes leave them (a git checkout).
        if self.rng.random() < 0.5:
            for rel in (s, f"out/exp/{stem}.txt", f"out/exp/{stem}.d", f"out/up/{stem}.txt"):
                (self.root / rel).unlink(missing_ok=True)
            self.note(f"rm {s} and its outputs")
        else:
            (self.root / s).unlink()
            self.note(f"rm {s}")

    def act_include_ref(self) -> None:
        srcs = self.sources()
        if not srcs:
            return self.act_add_source()
        s = self.rng.choice(srcs)
        lines = (self.root / s).read_text().splitlines(keepends=True)
        refs = [i for i, line in enumerate(lines) if line.startswith("@")]
        if refs and self.rng.random() < 0.5:
            del lines[self.rng.choice(refs)]
            if not lines:
                lines = ["lone\n"]
        else:
            lines.insert(self.rng.randint(0, len(lines)), "@" + self.rng.choice(INCLUDES) + "\n")
        self.write(s, "".join(lines))
        self.note(f"write {s} {''.join(lines)!r}")

    def act_edit_include(self) -> None:
        inc = "inc/" + self.rng.choice(INCLUDES)
        old = (self.root / inc).read_bytes()
        new = (
            self.same_size_change(old)
            if self.rng.random() < 0.5
            else self.random_text(self.rng.randint(1, 2)).replace("@", "at-").encode()
        )
        self.write(inc, new)
        self.note(f"write {inc} {new!r}")

    def act_touch(self) -> None:
        files = self.sources() + [f"inc/{i}" for i in INCLUDES]
        f = self.rng.choice(files)
        p = self.root / f
        if self.rng.random() < 0.5:
            os.utime(p)
            self.note(f"touch {f}")
        else:
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 3_600_000_000_000))
            self.note(f"touch -d '1 hour earlier' {f}")

    def act_edit_output(self) -> None:
        outs = [o for o in self.outputs_on_disk() if o.endswith(".txt")]
        if not outs:
            return
        o = self.rng.choice(outs)
        old = (self.root / o).read_bytes()
        new = self.same_size_change(old) if self.rng.random() < 0.5 else old + b"hand edit\n"
        if new == old:
            new = old + b"hand edit\n"
        self.write(o, new)
        self.note(f"write {o} {new!r}  # hand edit of an output")

    def act_delete_output(self) -> None:
        outs = [o for o in self.outputs_on_disk() if o.endswith(".txt")]
        if not outs:
            return
        o = self.rng.choice(outs)
        (self.root / o).unlink()
        self.note(f"rm {o}")

    def act_config(self) -> None:
        what = self.rng.choice(["tag", "tag", "unused", "up", "sort", "count_env", "desc", "shell"])
        c = self.cfg
        if what == "tag":
            c.tag = self.rng.choice([t for t in ("v1", "v2", "v3", "v10") if t != c.tag])
        elif what == "unused":
            c.unused = "u2" if c.unused == "u1" else "u1"
        elif what == "up":
            c.up = 1 - c.up
        elif what == "sort":
            c.sort = 1 - c.sort
        elif what == "count_env":
            c.count_env = "b" if c.count_env == "a" else "a"
        elif what == "desc":
            c.desc = "d2" if c.desc == "d1" else "d1"
        else:
            c.shell = "/bin/bash" if c.shell == "/bin/sh" else "/bin/sh"
        self.write_maestrofile()
        self.note(f"Maestrofile: {what} = {getattr(c, what)!r}")

    def act_age_all(self) -> None:
        for rel in read_tree(self.root):
            p = self.root / rel
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 30_000_000_000))
        self.note("age every file by 30 s")

    def act_racy(self) -> None:
        """Change a file, build at once, then change it again within the same (coarse) clock tick:
        same size, same mtime, in place or by a rename over it as editors save."""
        kind = self.rng.choice(["src", "inc", "out", "maestro"])
        if kind == "maestro":
            self.cfg.tag = self.rng.choice([t for t in ("v1", "v2", "v3") if t != self.cfg.tag])
            self.write_maestrofile()
            self.note(f"Maestrofile: tag = {self.cfg.tag!r}")
            self.build(check=False)
            p = self.root / "Maestrofile.toml"
            st = p.stat()
            self.cfg.tag = self.rng.choice([t for t in ("v1", "v2", "v3") if t != self.cfg.tag])
            self.replace_keeping_stat(p, self.cfg.maestrofile().encode(), st)
            self.note(f"Maestrofile: tag = {self.cfg.tag!r}, same size and mtime")
            self.random_build()
            return
        if kind == "src":
            self.act_edit_source(same_size=True)
            target = self.history[-1].split()[1]
        elif kind == "inc":
            self.act_edit_include()
            target = self.history[-1].split()[1]
        else:
            target = None
        self.build(check=False)
        if self.act_racy_edit(target):
            self.random_build()

    def replace_keeping_stat(self, p: Path, data: bytes, st: os.stat_result) -> None:
        if self.rng.random() < 0.5:
            p.write_bytes(data)
        else:
            tmp = p.with_name(p.name + ".swp")
            tmp.write_bytes(data)
            os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
            os.replace(tmp, p)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))

    def act_racy_edit(self, target: str | None = None) -> bool:
        """A same-size edit that keeps the mtime of a file written under 1.2 s ago: on a file system
        with a coarse clock this is what an edit in the same tick looks like, and buildlike's racy
        window (README: stamps of files younger than 2 s are not trusted) is there for it."""
        now = time.time_ns()
        files = [f for f in read_tree(self.root) if f != "Maestrofile.toml" and not f.endswith(".d")]
        young = [f for f in files if now - (self.root / f).stat().st_mtime_ns < 1_200_000_000]
        young = [f for f in young if (f == target if target is not None else f.startswith("out/"))]
        if not young:
            return False
        f = self.rng.choice(sorted(young))
        p = self.root / f
        st = p.stat()
        old = p.read_bytes()
        new = self.same_size_change(old)
        if new == old or len(new) != len(old):
            return False
        self.replace_keeping_stat(p, new, st)
        self.note(
            f"same-size edit keeping the mtime of {f} (written {(now - st.st_mtime_ns) / 1e6:.0f} ms ago) -> {new!r}"
        )
        return True

    def act_clean(self) -> None:
        strays = set(self.strays())
        r = run_cli(self.root, self.log, "clean")
        self.note("buildlike clean")
        assert r.returncode == 0, self.fail_msg(f"clean failed: {r.stdout}{r.stderr}")
        left = set(self.outputs_on_disk())
        made = {o for j in jobs_of(self.cfg, self.sources(), sorted(strays)) if j.id in self.records for o in j.outputs}
        assert not (left & made), self.fail_msg(f"clean left outputs: {sorted(left & made)}")
        gone = {s for s in strays if not (self.root / s).exists()}
        assert not gone, self.fail_msg(f"clean deleted {sorted(gone)}, which `all` reads as sources")

    # ---- the build and the invariants

    def fail_msg(self, what: str) -> str:
        return what + "\nactions:\n  " + "\n  ".join(self.history)

    def expect(self, targets: list[str]) -> tuple[list[str], dict[str, bytes], dict[str, Record], set[str]]:
        """The jobs that must run (in model order), the files the build must leave, the new records
        and the jobs the targets need."""
        disk = read_tree(self.root)
        jobs = jobs_of(self.cfg, self.sources(), self.strays())
        need = closure(jobs, targets)
        records = dict(self.records)
        ran = []
        self.failed: list[str] = []
        blocked: set[str] = set()  # outputs of failed jobs and of the jobs that need them
        for j in jobs:
            if j.id not in need:
                continue
            if any(i in blocked for i in j.inputs):
                blocked.update(j.outputs)
                continue
            rec = records.get(j.id)
            stale = (
                any(o not in disk for o in j.outputs)
                or rec is None
                or rec.command != j.command
                or rec.inputs != j.inputs
                or any(disk.get(p) != c for p, c in rec.seen.items())
                or any(disk.get(o) != c for o, c in rec.outputs.items())
            )
            if not stale:
                continue
            ran.append(j.id)
            try:
                written, deps = compute(j, self.cfg, disk.get)
            except Fails as e:
                disk.update(e.written)
                records.pop(j.id, None)
                self.failed.append(j.id)
                blocked.update(j.outputs)
                continue
            disk.update(written)
            seen = {p: disk.get(p) for p in (*j.inputs, *deps)}
            records[j.id] = Record(j.command, j.inputs, seen, {o: disk[o] for o in j.outputs})
        return ran, disk, records, need

    def reference(self) -> dict[str, bytes]:
        """The files a from-scratch build of a copy of the current sources leaves."""
        strays = set(self.strays())
        sources = {k: v for k, v in read_tree(self.root).items() if not k.startswith("out/") or k in strays}
        key = tuple(sorted(sources.items()))
        if key not in self.reference_cache:
            ref = self.tmp / f"ref{len(self.reference_cache)}"
            for rel, data in sources.items():
                (ref / rel).parent.mkdir(parents=True, exist_ok=True)
                (ref / rel).write_bytes(data)
            r = run_cli(ref, self.logdir / "ref.log")
            assert r.returncode == 0, self.fail_msg(f"from-scratch build failed: {r.stdout}{r.stderr}")
            self.reference_cache[key] = read_tree(ref)
            shutil.rmtree(ref)
        return self.reference_cache[key]

    def build(self, targets: list[str] | None = None, opts: list[str] | None = None, *, check: bool = True) -> None:
        targets = list(targets or [])
        opts = list(opts or [])
        ran_expected, after, records, need = self.expect(targets)
        failing = bool(self.failed)
        if failing and "-k" not in opts:
            opts.append("-k")  # without -k, which of the other jobs ran depends on timing
        broken = any(b"\n!" in b"\n" + (self.root / s).read_bytes() for s in self.sources())
        before = log_lines(self.log)
        reference = self.reference() if check and self.check_reference and not broken else None
        args = ["build", *opts, *targets]
        r = run_cli(self.root, self.log, *args)
        self.note("buildlike " + " ".join(args) + (f"  # fails: {self.failed}" if failing else ""))
        assert r.returncode == (1 if failing else 0), self.fail_msg(
            f"build exit code {r.returncode}, expected {1 if failing else 0}: {r.stdout}{r.stderr}"
        )
        ran = log_lines(self.log)[len(before) :]
        assert len(ran) == len(set(ran)), self.fail_msg(f"a job ran twice: {ran}")
        assert sorted(ran) == sorted(ran_expected), self.fail_msg(
            f"ran {sorted(ran)}, the model expected {sorted(ran_expected)}\n"
            f"  extra: {sorted(set(ran) - set(ran_expected))}  missing: {sorted(set(ran_expected) - set(ran))}"
        )
        self.records = records
        jobs = jobs_of(self.cfg, self.sources(), self.strays())
        wanted = sorted({o for j in jobs if j.id in need and j.id in records for o in (*j.outputs, j.depfile) if o})
        disk = read_tree(self.root)
        for o in wanted:
            assert disk.get(o) == after.get(o), self.fail_msg(f"{o}: {disk.get(o)!r}, model says {after.get(o)!r}")
            if reference is not None:
                assert disk.get(o) == reference.get(o), self.fail_msg(
                    f"{o}: {disk.get(o)!r}, a from-scratch build has {reference.get(o)!r}"
                )
        if failing:
            r = run_cli(self.root, self.log, "status", "--check", *targets)
            assert r.returncode == 1, self.fail_msg(f"`status --check` after a failed build: {r.stdout}{r.stderr}")
            return
        if not check:
            return
        # A second build has nothing to do.
        r = run_cli(self.root, self.log, *args)
        again = log_lines(self.log)[len(before) + len(ran) :]
        assert r.returncode == 0 and again == [], self.fail_msg(f"a second `buildlike {' '.join(args)}` ran {again}")
        r = run_cli(self.root, self.log, "status", "--check", *targets)
        assert r.returncode == 0, self.fail_msg(
            f"`status --check {' '.join(targets)}` after a build: {r.stdout}{r.stderr}"
        )

    def random_build(self) -> None:
        srcs = self.sources()
        targets = self.rng.choice(
            [
                [],
                [],
                [],
                ["report"],
                ["final"],
                ["out/sorted.txt"],
                ["up"],
                [f"exp:{self.rng.choice(srcs)}"] if srcs else [],
            ]
        )
        opts = []
        if self.rng.random() < 0.3:
            opts += ["-j", "1"]
        if self.rng.random() < 0.3:
            opts.append("-k")
        self.build(targets, opts)

    def setup(self) -> None:
        for inc in INCLUDES:
            self.write(f"inc/{inc}", f"included {inc}\n")
        for n in self.rng.sample(NAMES, 3):
            self.write(f"src/{n}.txt", self.random_text())
        self.note("initial project: " + repr(read_tree(self.root)))


ACTIONS = [
    ("edit_source", 6),
    ("add_source", 2),
    ("delete_source", 2),
    ("include_ref", 3),
    ("edit_include", 3),
    ("touch", 2),
    ("edit_output", 2),
    ("delete_output", 2),
    ("config", 4),
    ("age_all", 1),
    ("racy", 3),
    ("break_source", 2),
    ("clean", 1),
]


def run_random_session(tmp_path: Path, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    h = Harness(tmp_path, rng)
    h.setup()
    h.build()
    names = [a for a, _ in ACTIONS]
    weights = [w for _, w in ACTIONS]
    for _ in range(steps):
        action = rng.choices(names, weights)[0]
        getattr(h, f"act_{action}")()
        if rng.random() < 0.5:
            h.random_build()
    h.build()


@pytest.mark.parametrize("seed", range(6))
def test_random_sessions_match_a_clean_build(tmp_path: Path, seed: int) -> None:
    run_random_session(tmp_path, seed, steps=14)

"""Black-box tests of the command line (SPEC: The command line; Running: two builds never run at once).

`status`, `list`, `graph`, `clean`, the common options, targets, exit codes and the project lock, each
run as the real `buildlike` in a subprocess on a project made with `make_project`.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import buildlike

PROJECT = """
[rules.compile]
foreach = "src/*.c"
inputs = ["{path}"]
outputs = ["build/{stem}.o"]
run = "echo compile >> ran.log; cp {input} {output}"
description = "compile {path}"

[rules.link]
inputs = ["build/*.o"]
outputs = ["app"]
run = "echo link >> ran.log; cat {inputs} > {output}"

[rules.docs]
inputs = ["README.txt"]
outputs = ["out/docs/readme.html"]
run = "echo docs >> ran.log; cp {input} {output}"
"""
FILES = {"src/a.c": "a\n", "src/b.c": "b\n", "README.txt": "read me\n"}
ALL_JOBS = {"compile:src/a.c", "compile:src/b.c", "link", "docs"}


# SQLite's side files: a reader may create or touch them without changing the state (checked apart).
_SIDE_FILES = {os.path.join(".buildlike", "state.db-wal"), os.path.join(".buildlike", "state.db-shm")}


def snapshot(root: Path) -> dict[str, object]:
    """Every file and folder under `root` with its mtime, size and digest, and the state's content."""
    out: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root)
            if rel in _SIDE_FILES:
                continue
            st = os.lstat(full)
            digest = hashlib.sha256(Path(full).read_bytes()).hexdigest() if name in files else "dir"
            out[rel] = (st.st_mtime_ns if name in files else 0, st.st_size, digest)
    out["<state>"] = state_content(root)
    return out


def state_content(root: Path) -> list[tuple[object, ...]] | None:
    """Every row of every table of `.buildlike/state.db`, read without writing."""
    db_path = root / ".buildlike" / "state.db"
    if not db_path.exists():
        return None
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows: list[tuple[object, ...]] = []
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for t in tables:
            rows.extend((t, *row) for row in db.execute(f"SELECT * FROM {t} ORDER BY 1"))
        return rows
    finally:
        db.close()


def status_lines(text: str) -> dict[str, str]:
    """`job-id: reason` lines of `status`, by job id."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        for job in sorted(ALL_JOBS | {"hi", "ok"}, key=len, reverse=True):
            if line.startswith(job + ": "):
                assert job not in out, f"{job} is listed twice"
                out[job] = line[len(job) + 2 :]
                break
    return out


@pytest.fixture
def built(make_project):
    """The project, built once; `ran.log` emptied."""
    p = make_project(PROJECT, FILES)
    r = p.run()
    assert r.code == 0, r.text
    (p.root / "ran.log").unlink()
    return p


# -- status --------------------------------------------------------------------------------------


def test_status_of_a_new_project_lists_every_job_once_with_its_reason_and_writes_nothing(make_project):
    """SPEC: status says what is stale and why, running nothing; it never writes state or outputs."""
    p = make_project(PROJECT, FILES)
    before = snapshot(p.root)
    r = p.run("status")
    assert r.code == 0, r.text
    lines = status_lines(r.out)
    assert set(lines) == ALL_JOBS
    assert all(reason.strip() for reason in lines.values())
    assert "never built" in lines["docs"] or "missing" in lines["docs"]
    assert snapshot(p.root) == before


def test_status_after_an_edit_lists_only_the_stale_jobs_with_why(built):
    built.write("src/a.c", "changed\n")
    before = snapshot(built.root)
    r = built.run("status")
    assert r.code == 0, r.text
    lines = status_lines(r.out)
    assert set(lines) == {"compile:src/a.c", "link"}
    assert "src/a.c" in lines["compile:src/a.c"]
    assert built.log() == []
    assert snapshot(built.root) == before


def test_status_says_a_changed_input_that_is_remade_first_is_remade_first(make_project):
    """A hand-edited middle file: its maker reruns, and what reads it is judged after (early cutoff)."""
    p = make_project(
        """
        [rules.a]
        inputs = ["src.txt"]
        outputs = ["a.out"]
        run = "cp src.txt a.out"
        [rules.b]
        inputs = ["a.out"]
        outputs = ["b.out"]
        run = "cp a.out b.out"
        [rules.c]
        inputs = ["b.out"]
        outputs = ["c.out"]
        run = "cp b.out c.out; echo c >> ran.log"
        """,
        {"src.txt": "1\n"},
    )
    assert p.run().code == 0
    p.write("b.out", "edited by hand\n")
    lines = dict(line.split(": ", 1) for line in p.run("status").out.splitlines())
    assert lines == {"b": "output 'b.out' changed since it was built", "c": "input 'b.out' is remade first"}
    assert "would run: c (input 'b.out' is remade first)" in p.run("-n").out
    assert p.run().code == 0
    assert p.log() == ["c"]  # only its first build: b remade the same bytes


def test_status_says_which_of_command_env_and_shell_changed(built):
    """SPEC rule 3: a job reruns when its command, its `env` table or the `shell` setting changed."""
    text = built.read("Maestrofile.toml")
    with_env = text.replace('cp {input} {output}"\n', 'cp {input} {output}"\nenv = {LC_ALL = "C"}\n', 1)
    built.write("Maestrofile.toml", with_env)
    lines = status_lines(built.run("status").out)
    assert lines["compile:src/a.c"] == "its env changed"
    built.write("Maestrofile.toml", '[settings]\nshell = "/bin/bash"\n' + text.replace("echo docs", "echo doc"))
    lines = status_lines(built.run("status").out)
    assert lines["compile:src/a.c"] == "its shell changed"
    assert lines["docs"] == "its command and shell changed"


def test_status_gives_the_warnings_a_build_gives(make_project):
    """Found by a tester: a glob matching nothing was a warning of `build` only."""
    p = make_project('[rules.r]\ninputs = ["data/*.csv"]\noutputs = ["r.txt"]\nrun = "touch r.txt"\n')
    r = p.run("status")
    assert r.code == 0, r.text
    assert "warning: " in r.err and "rule 'r'" in r.err and "data/*.csv" in r.err
    assert "data/*.csv" not in r.out


def test_status_says_a_failed_first_run_failed_and_clean_and_a_good_run_then_work(make_project):
    """SPEC rule 2: "it never succeeded before (or its last run failed or was interrupted)": a job
    whose only run failed was said to be "never built"."""
    p = make_project('[rules.a]\noutputs = ["a.txt"]\nrun = "if [ -f ok ]; then touch a.txt; else exit 3; fi"\n')
    assert p.run().code == 1
    r = p.run("status")
    assert "a: " in r.out and "last run failed or was interrupted" in r.out and "never built" not in r.out, r.out
    assert p.run("clean").code == 0
    p.write("ok")
    assert p.run().code == 0 and p.exists("a.txt")
    assert p.run("status", "--check").code == 0
    assert p.run("clean").code == 0 and not p.exists("a.txt")


def test_status_of_an_up_to_date_project_lists_no_job(built):
    r = built.run("status")
    assert r.code == 0, r.text
    assert status_lines(r.out) == {}


def test_status_of_a_target_judges_only_what_it_needs(built):
    built.write("src/a.c", "changed\n")
    built.write("README.txt", "changed\n")
    assert set(status_lines(built.run("status", "docs").out)) == {"docs"}
    assert set(status_lines(built.run("status", "compile:src/b.c").out)) == set()


def test_status_check_exits_1_when_anything_is_stale_and_0_when_not(built):
    """SPEC: `status --check` exits 1 if anything is stale."""
    assert built.run("status", "--check").code == 0
    (built.root / "app").unlink()
    before = snapshot(built.root)
    r = built.run("status", "--check")
    assert r.code == 1, r.text
    assert "link" in r.text
    assert snapshot(built.root) == before
    assert built.run("status", "--check", "docs").code == 0


ALWAYS = """
[rules.ok]
outputs = ["ok.txt"]
run = "echo ok > ok.txt"

[rules.hi]
always = true
run = "echo hi >> ran.log"
"""


def test_status_check_does_not_count_always_jobs(make_project):
    """SPEC: `status --check` does not count `always` jobs as stale."""
    p = make_project(ALWAYS)
    assert p.run().code == 0
    r = p.run("status", "--check")
    assert r.code == 0, r.text
    (p.root / "ok.txt").unlink()
    assert p.run("status", "--check").code == 1


def test_status_check_does_not_count_an_always_job_that_never_ran(make_project):
    """SPEC: `status --check` does not count `always` jobs as stale."""
    p = make_project(ALWAYS, {"ok.txt": "ok\n"})
    assert p.run("build", "ok").code == 0
    r = p.run("status", "--check")
    assert r.code == 0, r.text


# -- list and graph ------------------------------------------------------------------------------


def test_list_shows_every_rule_and_job_with_its_description_and_writes_nothing(built):
    before = snapshot(built.root)
    r = built.run("list")
    assert r.code == 0, r.text
    for rule in ("compile", "link", "docs"):
        assert re.search(rf"^{rule}\b", r.out, re.M), r.out
    a_line = next(ln for ln in r.out.splitlines() if "compile:src/a.c" in ln)
    assert "compile src/a.c" in a_line.replace("compile:src/a.c", "", 1)
    assert "compile:src/b.c" in r.out
    assert snapshot(built.root) == before


def test_list_of_a_new_project_writes_nothing(make_project):
    p = make_project(PROJECT, FILES)
    before = snapshot(p.root)
    assert p.run("list").code == 0
    assert p.run("graph").code == 0
    assert snapshot(p.root) == before


_DOT_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(->|--)|([{}\[\];=,])|([A-Za-z0-9_.]+))', re.S)


def dot_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _DOT_TOKEN.match(text, pos)
        assert m and m.end() > pos, f"not DOT at {text[pos : pos + 30]!r}"
        tokens.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return tokens


def unquote(token: str) -> str:
    if token.startswith('"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def parse_dot(text: str) -> tuple[list[str], set[tuple[str, str]]]:
    """The nodes (in order) and edges of a `digraph`; fails on anything that is not valid DOT."""
    tokens = dot_tokens(text)
    assert tokens[0] == "digraph", tokens[:3]
    k = 1 if tokens[1] == "{" else 2
    assert tokens[k] == "{" and tokens[-1] == "}"
    body = tokens[k + 1 : -1]
    nodes: list[str] = []
    edges: set[tuple[str, str]] = set()
    i = 0
    while i < len(body):
        if body[i] == ";":
            i += 1
            continue
        stmt: list[str] = []
        while i < len(body) and body[i] != ";" and not (stmt and _starts_statement(body, i, stmt)):
            stmt.append(body[i])
            i += 1
        attrs_at = stmt.index("[") if "[" in stmt else len(stmt)
        if "[" in stmt:
            assert stmt[-1] == "]", stmt
        head = stmt[:attrs_at]
        if head and head[0] in ("node", "edge", "graph"):
            continue
        if len(head) == 3 and head[1] == "=":
            continue  # a graph attribute such as rankdir=LR
        if "->" in head:
            names = head[0::2]
            assert all(op == "->" for op in head[1::2]), stmt
            for a, b in itertools.pairwise(names):
                edges.add((unquote(a), unquote(b)))
        else:
            assert len(head) == 1, stmt
            nodes.append(unquote(head[0]))
    return nodes, edges


def _starts_statement(body: list[str], i: int, stmt: list[str]) -> bool:
    """Whether a new statement starts at `i` without a `;` (DOT allows leaving it out)."""
    depth = stmt.count("[") - stmt.count("]")
    return depth == 0 and stmt[-1] not in ("->", "=", "[") and body[i] not in ("->", "=", "[")


def test_graph_is_valid_dot_with_one_node_per_job_and_edges_from_producer_to_consumer(built):
    """SPEC: `graph` draws one node per job, edges from producer to consumer."""
    r = built.run("graph")
    assert r.code == 0, r.text
    nodes, edges = parse_dot(r.out)
    assert sorted(nodes) == sorted(ALL_JOBS)
    assert edges == {("compile:src/a.c", "link"), ("compile:src/b.c", "link")}


def test_graph_draws_the_edges_depfiles_added_dashed_and_writes_nothing(make_project):
    """Found by a tester: a generated header's producer -> the job whose depfile listed it is an
    edge the build follows (it orders the two), so the graph draws it too, dashed."""
    p = make_project(
        '[rules.gen]\noutputs = ["gen.h"]\nrun = "echo g > gen.h"\n\n'
        '[rules.cc]\ninputs = ["m.c"]\noutputs = ["m.o"]\ndepfile = "m.d"\n'
        "run = \"cat m.c gen.h > m.o; echo 'm.o: m.c gen.h' > m.d\"\n",
        {"m.c": "c\n"},
    )
    assert parse_dot(p.run("graph").out)[1] == set()  # nothing known before a build
    assert p.run("-j1").code == 0
    before = sorted((f, f.stat().st_mtime_ns) for f in p.root.rglob("*"))
    r = p.run("graph")
    assert r.code == 0, r.text
    assert parse_dot(r.out)[1] == {("gen", "cc")}
    assert '"gen" -> "cc" [style=dashed];' in r.out
    assert sorted((f, f.stat().st_mtime_ns) for f in p.root.rglob("*")) == before


def test_graph_quotes_job_names_with_quotes_and_backslashes(make_project):
    p = make_project(
        """
        [rules.copy]
        foreach = "in/*.txt"
        inputs = ["{path}"]
        outputs = ["out/{name}"]
        run = "cp {input} {output}"

        [rules.all]
        inputs = ["out/*.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """,
        {'in/say "hi".txt': "1", "in/back\\slash.txt": "2", "in/it's.txt": "3"},
    )
    r = p.run("graph")
    assert r.code == 0, r.text
    nodes, edges = parse_dot(r.out)
    expected = {'copy:in/say "hi".txt', "copy:in/back\\slash.txt", "copy:in/it's.txt"}
    assert set(nodes) == expected | {"all"}
    assert edges == {(n, "all") for n in expected}
    dot = subprocess.run(["dot", "-Tcanon"], input=r.out, capture_output=True, text=True) if _has_dot() else None
    assert dot is None or dot.returncode == 0, dot.stderr


def _has_dot() -> bool:
    from shutil import which

    return which("dot") is not None


# -- clean ---------------------------------------------------------------------------------------


def test_clean_deletes_only_what_buildlike_made_and_leaves_the_folders(built):
    """SPEC: `clean` deletes the outputs that buildlike made, and nothing else."""
    built.write("build/notes.txt", "mine\n")  # a user's file in an output folder
    built.write("out/keep.txt", "mine too\n")
    r = built.run("clean")
    assert r.code == 0, r.text
    for made in ("build/a.o", "build/b.o", "app", "out/docs/readme.html"):
        assert not built.exists(made), made
    assert built.exists("out/docs")  # emptied, but maybe made by the user: kept
    assert built.read("build/notes.txt") == "mine\n"
    assert built.read("out/keep.txt") == "mine too\n"
    for source, text in FILES.items():
        assert built.read(source) == text
    assert built.exists("Maestrofile.toml")
    assert built.run().code == 0  # everything is made again
    assert sorted(built.log()) == ["compile", "compile", "docs", "link"]


def test_clean_keeps_a_folder_the_user_made_even_when_it_empties_it(make_project):
    """Found by a tester: a folder made before any build, with its own permissions, was removed."""
    p = make_project('[rules.r]\noutputs = ["reports/r.txt"]\nrun = "echo r > reports/r.txt"\n')
    (p.root / "reports").mkdir(mode=0o700)
    assert p.run().code == 0
    assert p.run("clean").code == 0
    assert not p.exists("reports/r.txt")
    assert (p.root / "reports").is_dir()
    assert (p.root / "reports").stat().st_mode & 0o777 == 0o700


def test_clean_never_deletes_a_declared_output_that_buildlike_did_not_make(make_project):
    p = make_project(
        """
        [rules.gen]
        outputs = ["gen.txt"]
        run = "exit 1"
        [rules.later]
        outputs = ["later.txt"]
        run = "touch later.txt"
        """,
        {"gen.txt": "written by hand\n", "later.txt": "also by hand\n"},
    )
    assert p.run("build", "gen").code == 1
    assert p.run("clean").code == 0
    assert p.read("gen.txt") == "written by hand\n"
    assert p.read("later.txt") == "also by hand\n"


def test_clean_in_a_project_never_built_deletes_and_writes_nothing(make_project):
    p = make_project(
        """
        [rules.gen]
        outputs = ["gen.txt"]
        run = "echo made > gen.txt"
        """,
        {"gen.txt": "written by hand\n"},
    )
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("gen.txt") == "written by hand\n"
    assert not p.exists(".buildlike")


def test_clean_deletes_what_a_rule_made_even_after_the_rule_was_removed(built):
    built.write("Maestrofile.toml", PROJECT.split("[rules.docs]")[0])
    assert built.run("clean").code == 0
    assert not built.exists("out/docs/readme.html")
    assert not built.exists("app")


def test_clean_spares_a_file_no_rule_makes_now_that_changed_since_buildlike_made_it(make_project):
    """Never lose a user's data: at a path only an old rule made, a file that is not what buildlike
    made is someone's (written by hand after the rule went, or over an output left behind)."""
    p = make_project(
        """
        [rules.x]
        inputs = ["in.txt"]
        outputs = ["old.txt", "kept.txt"]
        run = "cp in.txt old.txt; cp in.txt kept.txt"
        [rules.gone]
        outputs = ["gone.txt"]
        run = "echo made > gone.txt"
        """,
        {"in.txt": "v1\n"},
    )
    assert p.run().code == 0
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace('"old.txt", ', "").split("[rules.gone]")[0])
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace("cp in.txt old.txt; ", ""))
    assert p.run().code == 0  # x reruns without old.txt (its command changed); gone's rule is gone
    p.write("old.txt", "mine now\n")
    p.write("gone.txt", "mine too\n")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("old.txt") == "mine now\n" and p.read("gone.txt") == "mine too\n"
    assert "not deleting 'old.txt'" in r.err and "not deleting 'gone.txt'" in r.err
    assert not p.exists("kept.txt")
    p.run("clean")  # forgotten: never asked about again
    assert p.read("old.txt") == "mine now\n"


def test_clean_never_deletes_a_file_the_maestrofile_now_reads_as_a_source(built):
    built.write(
        "Maestrofile.toml", '[rules.show]\ninputs = ["app"]\noutputs = ["shown.txt"]\nrun = "cp app shown.txt"\n'
    )
    assert built.run("clean").code == 0
    assert built.exists("app")
    assert not built.exists("build/a.o")


def _copier(outputs: str, *, foreach: str = "", more: str = "") -> str:
    """A Maestrofile whose rule `x` copies in.txt to each of `outputs` (a TOML list)."""
    each = f'foreach = "{foreach}"\n' if foreach else ""
    run = "for o in {outputs}; do cp {input} $o; done"
    return f'[rules.x]\n{each}inputs = ["in.txt"]\noutputs = {outputs}\nrun = "{run}"\n{more}'


@pytest.mark.parametrize(
    ("foreach", "before", "after", "dropped"),
    [
        pytest.param("", '["out1.txt"]', '["out2.txt"]', "out1.txt", id="renamed output"),
        pytest.param("in.txt", '["o/{stem}.a"]', '["o/{stem}.b"]', "o/in.a", id="foreach pattern"),
        pytest.param("", '["one.txt", "two.txt"]', '["one.txt"]', "two.txt", id="one of two outputs dropped"),
    ],
)
def test_clean_deletes_what_a_job_made_before_its_outputs_changed(make_project, foreach, before, after, dropped):
    """SPEC: `clean` deletes the outputs that buildlike made. Found by a tester: a job's new record
    replaced its old one, and `clean` forgot the outputs it no longer lists."""
    p = make_project(_copier(before, foreach=foreach), {"in.txt": "hi\n"})
    assert p.run().code == 0
    p.write("Maestrofile.toml", _copier(after, foreach=foreach))
    r = p.run("-v")
    assert r.code == 0, r.text
    assert p.exists(dropped)  # made by the first build, no output of the second
    r = p.run("clean")
    assert r.code == 0, r.text
    assert sorted(f.name for f in p.root.rglob("*") if f.is_file() and ".buildlike" not in f.parts) == [
        "Maestrofile.toml",
        "in.txt",
    ]


def test_clean_never_deletes_a_dropped_output_the_maestrofile_now_reads_as_a_source(make_project):
    p = make_project(_copier('["out1.txt"]'), {"in.txt": "hi\n"})
    assert p.run().code == 0
    # From now on out1.txt is kept by hand, and a new rule reads it.
    p.write(
        "Maestrofile.toml",
        _copier(
            '["out2.txt"]', more='[rules.y]\ninputs = ["out1.txt"]\noutputs = ["y.txt"]\nrun = "cp out1.txt y.txt"\n'
        ),
    )
    assert p.run().code == 0
    assert p.run("clean").code == 0
    assert p.read("out1.txt") == "hi\n"
    assert not p.exists("out2.txt") and not p.exists("y.txt")
    # That clean forgot it: it stays even once no rule reads it any more.
    p.write("Maestrofile.toml", _copier('["out2.txt"]'))
    assert p.run("clean").code == 0
    assert p.read("out1.txt") == "hi\n"


def test_clean_never_deletes_through_a_folder_link_that_now_leads_outside(make_project, tmp_path):
    """README: `clean` never deletes anything outside the project or reached through a symlinked folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    p = make_project('[rules.a]\noutputs = ["link/x.txt"]\nrun = "echo made > link/x.txt"\n')
    (p.root / "real").mkdir()
    (p.root / "link").symlink_to(p.root / "real")
    assert p.run().code == 0
    (p.root / "link").unlink()
    (p.root / "link").symlink_to(outside)
    (outside / "x.txt").write_text("not yours\n")
    p.write("Maestrofile.toml", '[rules.b]\noutputs = ["b.txt"]\nrun = "touch b.txt"\n')
    assert p.run("clean").code == 0
    assert (outside / "x.txt").read_text() == "not yours\n"


def test_clean_deletes_the_depfiles_of_jobs_that_succeeded_and_no_other(make_project):
    """As ninja's clean does: a depfile is the command's by-product, like its outputs."""
    p = make_project(
        """
        [rules.compile]
        foreach = "src/*.c"
        inputs = ["{path}"]
        outputs = ["build/{stem}.o"]
        depfile = "build/{stem}.d"
        run = "cp {input} {output}; echo '{output}: {input} inc/h.h' > build/{stem}.d"
        [rules.never]
        inputs = ["other.txt"]
        outputs = ["never.out"]
        depfile = "kept.d"
        run = "cp other.txt never.out"
        """,
        {"src/a.c": "a\n", "src/b.c": "b\n", "inc/h.h": "h\n", "other.txt": "o\n", "kept.d": "by hand\n"},
    )
    assert p.run("build", "compile").code == 0
    assert p.exists("build/a.d") and p.exists("build/b.d")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert not p.exists("build/a.o") and not p.exists("build/a.d") and not p.exists("build/b.d")
    assert p.read("kept.d") == "by hand\n"  # its job never ran: not buildlike's
    assert p.read("inc/h.h") == "h\n"  # a header a depfile named stays, as every source does


def test_clean_leaves_the_files_in_a_folder_output_with_a_warning(make_project):
    """Found in review: a folder output may hold files that were there before its job wrote into it
    (a generator writing into src/, beside the sources a rule reads): clean cannot tell them apart
    from what the job made, so it deletes none of them, and says so."""
    p = make_project(
        """
        [rules.gen]
        inputs = ["api.txt"]
        outputs = ["src"]
        run = "mkdir -p src && cp api.txt src/api.c"
        [rules.app]
        inputs = ["src/main.c", "src/api.c"]
        outputs = ["app"]
        run = "cat src/main.c src/api.c > app"
        """,
        {"api.txt": "api\n", "src/main.c": "main\n", "src/notes.txt": "mine\n"},
    )
    assert p.run().code == 0
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("src/main.c") == "main\n" and p.read("src/notes.txt") == "mine\n" and p.exists("src/api.c")
    assert "not deleting 'src': it is a folder" in r.err and not p.exists("app")


def test_clean_spares_a_link_the_user_put_where_a_removed_rule_wrote(make_project):
    """Found in review: a link at such a path was deleted unchecked; it leads to someone's file."""
    p = make_project(_copier('["latest.txt"]'), {"in.txt": "v1\n", "mine.txt": "my notes\n"})
    assert p.run().code == 0
    p.write("Maestrofile.toml", _copier('["copy.txt"]').replace("[rules.x]", "[rules.y]"))
    (p.root / "latest.txt").unlink()
    (p.root / "latest.txt").symlink_to("mine.txt")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert (p.root / "latest.txt").is_symlink() and p.read("mine.txt") == "my notes\n"
    assert "not deleting 'latest.txt'" in r.err


def test_clean_never_deletes_the_file_a_foreach_job_is_for(make_project):
    """Found in review: a file an old rule made, now the match of a foreach whose inputs do not list
    it (its command reads {path}), is a source: clean deleted it, and the job with it."""
    p = make_project('[rules.gen]\ninputs = ["seed.txt"]\noutputs = ["data/a.txt"]\nrun = "cp seed.txt data/a.txt"\n')
    p.write("seed.txt", "precious\n")
    assert p.run().code == 0
    p.write(
        "Maestrofile.toml",
        '[rules.copy]\nforeach = "data/*.txt"\noutputs = ["out/{name}"]\nrun = "cp {path} {output}"\n',
    )
    assert p.run().code == 0
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("data/a.txt") == "precious\n" and not p.exists("out/a.txt")


def test_clean_deletes_the_depfile_a_job_wrote_before_its_depfile_changed(make_project):
    """Found in review: a depfile from before the rule's `depfile` changed was left behind."""
    rule = (
        '[rules.c]\ninputs = ["a.c"]\noutputs = ["build/a.o"]\ndepfile = "DEP"\n'
        "run = \"cp a.c build/a.o; mkdir -p deps; echo 'build/a.o: a.c a.h' > DEP\"\n"
    )
    p = make_project(rule.replace("DEP", "build/a.d"), {"a.c": "a\n", "a.h": "h\n"})
    assert p.run().code == 0
    p.write("Maestrofile.toml", rule.replace("DEP", "deps/a.d"))
    assert p.run().code == 0
    assert p.exists("build/a.d") and p.exists("deps/a.d")
    r = p.run("clean")
    assert r.code == 0, r.text
    assert not p.exists("build/a.d") and not p.exists("deps/a.d") and not p.exists("build/a.o")
    assert p.read("a.h") == "h\n"


def test_clean_of_a_project_never_built_deletes_nothing(make_project):
    p = make_project(PROJECT, {**FILES, "app": "a user's app\n"})
    r = p.run("clean")
    assert r.code == 0, r.text
    assert p.read("app") == "a user's app\n"


# -- dry run, quiet, verbose ---------------------------------------------------------------------


def test_dry_run_after_an_edit_says_what_would_run_and_writes_nothing(built):
    """SPEC: `-n` never writes state or outputs."""
    built.write("src/a.c", "changed\n")
    before = snapshot(built.root)
    r = built.run("-n")
    assert r.code == 0, r.text
    assert "compile src/a.c" in r.out
    assert "compile src/b.c" not in r.out
    assert built.log() == []
    assert snapshot(built.root) == before
    assert built.run().code == 0
    assert sorted(built.log()) == ["compile", "link"]


def test_quiet_prints_nothing_on_success_but_still_shows_a_failure(make_project):
    p = make_project('[rules.x]\noutputs = ["x.txt"]\nrun = "echo chatter; touch x.txt"\n')
    r = p.run("-q")
    assert r.code == 0, r.text
    assert r.out == ""
    assert "chatter" not in r.text
    p.write("Maestrofile.toml", '[rules.x]\noutputs = ["x.txt"]\nrun = "echo why it broke; exit 4"\n')
    r = p.run("build", "-q")
    assert r.code == 1
    assert "why it broke" in r.err
    assert "exit code 4" in r.err


def test_verbose_prints_each_command_after_substitution(make_project):
    p = make_project(PROJECT, FILES)
    r = p.run("-v")
    assert r.code == 0, r.text
    assert "cp src/a.c build/a.o" in r.out
    assert "cat build/a.o build/b.o > app" in r.out


def test_verbose_prints_only_the_commands_that_start(make_project):
    """SPEC: a list stops at its first failing command; -v must not claim the rest ran."""
    p = make_project('[rules.a]\noutputs = ["a"]\nrun = ["echo one", "false", "rm -f kept.txt"]\n', {"kept.txt": ""})
    r = p.run("-v")
    assert r.code == 1
    assert "+ echo one" in r.out and "+ false" in r.out
    assert "rm -f kept.txt" not in r.out.replace("command (exit code 1)", "")
    assert p.exists("kept.txt")


def test_a_name_placeholder_starting_with_a_dash_reaches_a_command_as_a_file(make_project):
    """README: a path placeholder whose path starts with `-` gives `./-name`; {name} too."""
    p = make_project(
        '[rules.w]\nforeach = "*.md"\ninputs = ["{path}"]\noutputs = ["out/{stem}.count"]\n'
        'run = "wc -c < {name} > {output}; printf %s {name} > out/{stem}.arg"\n',
        {"-n.md": "hello\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out/-n.arg") == "./-n.md"


def test_without_verbose_commands_are_not_printed(make_project):
    p = make_project(PROJECT, FILES)
    r = p.run()
    assert r.code == 0, r.text
    assert "cp src/a.c build/a.o" not in r.text


# -- entry points and option placement -----------------------------------------------------------

SCRIPT = Path(sys.executable).parent / "buildlike"


def test_version_is_the_same_from_the_command_and_python_m(make_project):
    p = make_project(PROJECT, FILES)
    expected = f"buildlike {buildlike.__version__}"
    assert p.run("--version").out.strip() == expected
    if SCRIPT.exists():
        out = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0
        assert out.stdout.strip() == expected


@pytest.mark.skipif(not SCRIPT.exists(), reason="no installed `buildlike` script next to this Python")
def test_the_buildlike_command_builds_like_python_m(make_project):
    """SPEC: `buildlike`, also `python -m buildlike`."""
    p = make_project(PROJECT, FILES)
    out = subprocess.run([str(SCRIPT)], cwd=p.root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert p.read("app") == "a\nb\n"
    assert p.run().code == 0
    assert sorted(p.log()) == ["compile", "compile", "docs", "link"]


OVERLAP = """
[rules.one]
outputs = ["1"]
run = "echo start >> events.log; sleep 0.3; echo end >> events.log; touch 1"

[rules.two]
outputs = ["2"]
run = "echo start >> events.log; sleep 0.3; echo end >> events.log; touch 2"
"""


def test_a_bare_jobs_option_means_build_with_it(make_project):
    """SPEC: a bare `buildlike -j 4` means `buildlike build -j 4`."""
    p = make_project(OVERLAP)
    r = p.run("-j", "1")
    assert r.code == 0, r.text
    assert p.read("events.log").split() == ["start", "end", "start", "end"]


def test_the_top_level_help_says_that_a_bare_buildlike_builds(make_project):
    """SPEC: a bare `buildlike -j 4` means `buildlike build -j 4`; `buildlike -h` listed only
    `--version` and the commands, so nothing said that `buildlike -j 4 app` works, nor where to look
    for its options."""
    p = make_project(PROJECT, FILES)
    r = p.run("-h")
    assert r.code == 0, r.text
    text = " ".join(r.out.split())  # (help text is wrapped to the terminal's width)
    assert "A bare `buildlike [OPTIONS] [TARGET...]` means `buildlike build [OPTIONS] [TARGET...]`" in text
    assert "`buildlike build -h`" in text


def test_the_help_of_clean_says_what_verbose_does_there(make_project):
    """`clean -v` names each file it deletes; `clean -h` said "Print the commands." (clean runs none)."""
    p = make_project(PROJECT, FILES)
    r = p.run("clean", "-h")
    assert r.code == 0, r.text
    line = next(ln for ln in r.out.splitlines() if "--verbose" in ln)
    assert "command" not in line and "deleted" in line, line
    assert p.run("-q").code == 0
    r = p.run("clean", "-v")
    assert "deleted app" in r.out.splitlines(), r.out


def test_a_bare_target_means_build_it(make_project):
    p = make_project(PROJECT, FILES)
    assert p.run("docs").code == 0
    assert p.log() == ["docs"]


def test_options_follow_the_command_and_may_follow_targets(make_project):
    """SPEC: options follow the command (`buildlike build -j 4 app`)."""
    p = make_project(PROJECT + OVERLAP, FILES)
    assert p.run("build", "-j", "1", "one", "two").code == 0
    assert p.read("events.log").split() == ["start", "end", "start", "end"]
    assert p.run("build", "docs", "-q").code == 0
    assert p.log() == ["docs"]
    assert p.run("status", "--check", "docs").code == 0
    assert p.run("status", "link", "--check").code == 1


def project_in_sub(make_project, name: str = "Maestrofile.toml"):
    p = make_project("[vars]\nX = '1'\n")  # a decoy in the current folder, never used
    sub = p.root / "sub"
    (sub / "src").mkdir(parents=True)
    (sub / name).write_text(PROJECT)
    for rel, text in FILES.items():
        (sub / rel).write_text(text)
    return p, sub


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("Maestrofile.toml", ["-C", "sub"]),
        ("Maestrofile.toml", ["--directory=sub"]),
        ("Build.toml", ["-f", "sub/Build.toml"]),
        ("Build.toml", ["--file", "sub/Build.toml"]),
        ("Build.toml", ["-C", "sub", "-f", "Build.toml"]),
    ],
)
def test_a_build_finds_the_project_by_file_or_directory_and_runs_there(make_project, name, where):
    """SPEC: common options -f/--file and -C/--directory; paths are relative to the Maestrofile."""
    p, sub = project_in_sub(make_project, name)
    r = p.run("build", *where)
    assert r.code == 0, r.text
    assert (sub / "app").read_text() == "a\nb\n"
    assert (sub / "out/docs/readme.html").exists()
    assert (sub / ".buildlike").is_dir()
    assert not p.exists("app") and not p.exists(".buildlike") and not p.exists("ran.log")


def test_every_command_takes_file_and_directory_options(make_project):
    p, sub = project_in_sub(make_project, "Build.toml")
    assert p.run("-C", "sub", "-f", "Build.toml", "-q").code == 0  # the bare form takes them too
    assert (sub / "app").exists()
    assert p.run("status", "-C", "sub", "-f", "Build.toml", "--check").code == 0
    assert "compile:src/a.c" in p.run("list", "--file", "sub/Build.toml").out
    assert "->" in p.run("graph", "-f", "sub/Build.toml").out
    assert p.run("clean", "--directory", "sub", "--file", "Build.toml").code == 0
    assert not (sub / "app").exists()
    assert not p.exists(".buildlike")


@pytest.mark.parametrize(("empty", "said"), [(["-f", ""], "-f ''"), (["--file="], "-f ''"), (["-C", ""], "-C ''")])
@pytest.mark.parametrize("command", [[], ["status"], ["list"], ["clean"], ["watch"]])
def test_an_empty_file_or_directory_is_a_usage_error(make_project, command, empty, said):
    """Exit codes: 2 bad usage. A script's unset `-f "$MAESTROFILE"` built ./Maestrofile.toml, exit 0."""
    p = make_project(PROJECT, FILES)
    r = p.run(*command, *empty)
    assert r.code == 2, r.text
    assert f"{said}: the name of the" in r.err and "is empty" in r.err, r.err
    assert not p.exists("ran.log") and not p.exists(".buildlike")


def test_an_empty_file_or_directory_is_refused_where_an_idle_build_is_answered_at_once(make_project):
    """The idle-build snapshot is looked up before the engine is loaded: it found ./Maestrofile.toml
    for `-f ''` and `-C ''` and said "nothing to do", exit 0."""
    p = make_project(PROJECT, FILES)
    assert p.run("-q").code == 0
    for rel in (".", *FILES, "app", "build", "build/a.o", "build/b.o", "out/docs/readme.html", "Maestrofile.toml"):
        st = os.stat(p.root / rel)
        os.utime(p.root / rel, ns=(st.st_atime_ns - 30 * 10**9, st.st_mtime_ns - 30 * 10**9))
    assert p.run("-q").code == 0  # the full check: writes the snapshot
    assert "nothing to do" in p.run().out
    for empty in (["-f", ""], ["-C", ""], ["build", "-f", ""], ["build", "-C", ""]):
        r = p.run(*empty)
        assert r.code == 2, (empty, r.text)
        assert "nothing to do" not in r.out


# -- targets -------------------------------------------------------------------------------------


def test_a_job_id_target_builds_only_that_job(make_project):
    """SPEC: build the named rules or output files (README: jobs as `rule:path`)."""
    p = make_project(PROJECT, FILES)
    r = p.run("build", "compile:src/b.c")
    assert r.code == 0, r.text
    assert p.log() == ["compile"]
    assert p.exists("build/b.o") and not p.exists("build/a.o")


def test_a_rule_name_target_builds_all_of_its_jobs_and_nothing_after(make_project):
    p = make_project(PROJECT, FILES)
    assert p.run("build", "compile").code == 0
    assert p.log() == ["compile", "compile"]
    assert not p.exists("app")


def test_an_output_path_target_builds_its_job_and_what_it_needs(make_project):
    p = make_project(PROJECT, FILES)
    assert p.run("build", "./app").code == 0
    assert sorted(p.log()) == ["compile", "compile", "link"]
    assert p.run("build", "out/docs/readme.html", "build/a.o").code == 0
    assert sorted(p.log()) == ["compile", "compile", "docs", "link"]


# -- exit codes ----------------------------------------------------------------------------------


def test_exit_codes_are_0_success_1_failed_job_2_usage(make_project):
    """SPEC: exit codes 0 success, 1 a job failed, 2 bad Maestrofile or usage."""
    p = make_project(PROJECT + '\n[rules.bad]\noutputs = ["bad.txt"]\nrun = "exit 9"\n', FILES)
    assert p.run("build", "docs").code == 0
    r = p.run("build", "bad")
    assert r.code == 1
    assert "exit code 9" in r.err
    assert p.run("build", "--bogus-option").code == 2
    assert p.run("status", "--bogus-option").code == 2
    assert p.run("frobnicate").code == 2  # an unknown target


@pytest.mark.parametrize(("typed", "command"), [("stauts", "status"), ("claen", "clean"), ("buidl", "build")])
def test_a_misspelt_command_gets_a_did_you_mean_for_the_command(make_project, typed, command):
    """`buildlike stauts` said only "unknown target 'stauts': not a rule, a job or an output", while a
    misspelt target got a did-you-mean; the likelier slip here is the command's name."""
    p = make_project(PROJECT, FILES)
    r = p.run(typed)
    assert r.code == 2, r.text
    assert f"unknown target '{typed}'" in r.err
    assert f"did you mean the command `buildlike {command}`?" in r.err, r.err
    assert not p.exists("ran.log")
    r = p.run(typed, "-B")  # (read by typer, not by the fast path)
    assert r.code == 2 and f"`buildlike {command}`" in r.err, r.err


def test_a_misspelt_target_close_to_a_rule_gets_only_the_rules_did_you_mean(make_project):
    """The target's own did-you-mean wins: `stauts` near a rule `stat` is taken for that rule."""
    p = make_project(PROJECT + '\n[rules.stat]\nalways = true\nrun = "true"\n', FILES)
    r = p.run("stauts")
    assert r.code == 2
    assert "(did you mean 'stat'?)" in r.err and "the command" not in r.err, r.err
    for args in (["build", "stauts"], ["docs", "stauts"], ["frobnicate"]):  # not where a command goes
        r = p.run(*args)
        assert r.code == 2 and "the command" not in r.err, (args, r.err)


def test_a_failure_while_a_sibling_producer_runs_is_reported_not_a_crash(make_project):
    """SPEC: a failing command fails its job; the running ones finish; exit 1."""
    p = make_project(
        """
        [settings]
        jobs = 2
        [rules.bad]
        outputs = ["bad.txt"]
        run = "exit 1"
        [rules.slow]
        outputs = ["slow.txt"]
        run = "sleep 0.5; touch slow.txt"
        [rules.both]
        inputs = ["bad.txt", "slow.txt"]
        outputs = ["both.txt"]
        run = "cat bad.txt slow.txt > both.txt"
        """
    )
    r = p.run()
    assert "Traceback" not in r.err, r.err
    assert r.code == 1
    assert p.exists("slow.txt")  # the running job finished
    assert not p.exists("both.txt")


# -- one build at a time -------------------------------------------------------------------------

BLOCKING = """
[rules.wait]
outputs = ["out.txt"]
run = "touch started; while [ ! -f go ]; do sleep 0.02; done; echo wait >> ran.log; touch out.txt"

[rules.quick]
outputs = ["quick.txt"]
run = "echo quick >> ran.log; touch quick.txt"
"""


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def popen(p, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "buildlike", *args],
        cwd=p.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_no_wait_fails_at_once_naming_the_build_that_holds_the_project(make_project):
    """SPEC: two builds never run at once; `--no-wait` fails at once with exit 1."""
    p = make_project(BLOCKING)
    first = popen(p, "build", "wait")
    try:
        wait_for(lambda: p.exists("started"))
        r = p.run("build", "quick", "--no-wait")
        assert r.code == 1, r.text
        assert f"pid {first.pid}" in r.err
        assert not p.exists("quick.txt")
    finally:
        p.write("go")
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert p.log() == ["wait"]


@pytest.fixture
def held_lock(make_project):
    """A project whose lock this test process holds, as a running build would (writing its pid)."""
    p = make_project(BLOCKING)
    (p.root / ".buildlike").mkdir()
    fd = os.open(p.root / ".buildlike" / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"pid {os.getpid()}, since 00:00:00\n".encode())
    try:
        yield p, fd
    finally:
        os.close(fd)


def test_no_wait_fails_while_another_process_holds_the_lock(held_lock):
    p, _ = held_lock
    r = p.run("build", "quick", "--no-wait")
    assert r.code == 1, r.text
    assert str(os.getpid()) in r.err
    assert not p.exists("quick.txt")
    assert p.log() == []


def test_a_second_build_says_who_holds_the_project_waits_and_then_runs(held_lock):
    """SPEC: the second says which process holds the project and waits for it."""
    p, fd = held_lock
    second = popen(p, "build", "quick")
    try:
        line = second.stderr.readline()  # blocks until it says it is waiting
        assert str(os.getpid()) in line, line
        assert second.poll() is None
        assert not p.exists("quick.txt")
        fcntl.flock(fd, fcntl.LOCK_UN)
        _, err = second.communicate(timeout=60)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, err
    assert p.log() == ["quick"]


def test_clean_no_wait_fails_while_another_process_holds_the_lock(held_lock):
    p, _ = held_lock
    p.write("quick.txt", "a user's file\n")
    r = p.run("clean", "--no-wait")
    assert r.code == 1, r.text
    assert str(os.getpid()) in r.err
    assert p.exists("quick.txt")


# -- the commands answered before typer is imported -----------------------------------------------

QUICK_COMMANDS = [
    ["status"],
    ["status", "--check"],
    ["status", "-q", "--check", "link"],
    ["status", "-f", "Maestrofile.toml", "nope"],
    ["list"],
    ["list", "-C", "."],
    ["list", "-v", "link"],
    ["list", "--verbose", "nope"],
    ["graph"],
    ["graph", "-f", "missing.toml"],
]


@pytest.mark.parametrize("args", QUICK_COMMANDS, ids=" ".join)
def test_status_list_and_graph_read_without_typer_say_what_typer_would(built, args, capsys, monkeypatch):
    """`__main__.parse_args` reads these command lines itself; the answer must be typer's, to the byte."""
    from buildlike.__main__ import parse_args
    from buildlike.cli import run

    built.write("src/a.c", "changed\n")
    monkeypatch.chdir(built.root)
    parsed = parse_args(list(args))
    assert parsed is not None
    answers = []
    for values in (parsed, None):
        code = run(list(args), values)
        out, err = capsys.readouterr()
        answers.append((code, out, err))
    assert answers[0] == answers[1]
    assert answers[0][0] in (0, 1, 2)


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--bogus"],
        ["graph", "extra"],
        ["list", "-q"],
        ["graph", "-j", "2"],
        ["status", "-k"],
        ["build", "-j", "\u00b2"],
    ],
)
def test_an_option_a_command_does_not_take_is_left_to_typer(args):
    from buildlike.__main__ import parse_args

    assert parse_args(list(args)) is None


@pytest.mark.parametrize("command", ["status", "list", "graph"])
def test_status_list_and_graph_do_not_import_the_cli_framework(built, command):
    """Start-up counts: typer and click cost ~40 ms before anything is read."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "buildlike", command],
        cwd=built.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "buildlike.api" in imported  # (the check sees imports at all)
    assert not {m for m in imported if m.split(".")[0] in ("typer", "click")}


@pytest.mark.parametrize("args", [["graph"], ["list"], ["status"], ["build", "-j1"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(make_project, args):
    """`buildlike graph | head`: the reader is gone; no traceback, exit 1, and the next build is right.
    A build goes on without its progress lines instead, and exits 0 (test_stdout_closed_mid_build)."""
    files = {f"src/f{k}.txt": f"{k}\n" for k in range(3000)}
    p = make_project(
        '[rules.c]\nforeach = "src/*.txt"\ninputs = ["{path}"]\noutputs = ["out/{name}"]\n'
        'run = "cp {input} {output}"\n',
        files,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildlike", *args],
        cwd=p.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == (0 if args[0] == "build" else 1), err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    r = p.run("-q")
    assert r.code == 0, r.text
    assert p.read("out/f2999.txt") == "2999\n"


def test_a_target_may_name_an_output_by_its_absolute_path(built):
    built.write("src/a.c", "changed\n")
    r = built.run("build", str(built.root / "build" / "a.o"))
    assert r.code == 0, r.text
    assert built.log() == ["compile"]  # only that job: not link, not docs
    assert built.read("build/a.o") == "changed\n"
    r = built.run("build", str(built.root / "nope.o"))
    assert r.code == 2 and f"unknown target '{built.root / 'nope.o'}'" in r.err


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--version"],
        ["-j2", "--version"],
        ["status", "--version"],
        ["list", "--version"],
        ["graph", "--version"],
        ["clean", "--version"],
        ["watch", "--version"],
        ["--version", "-q"],  # (found by a black-box tester: a usage error)
        ["--version", "build", "app"],
    ],
)
def test_version_is_a_common_option_that_runs_nothing(make_project, args):
    """SPEC: common options include --version; after any command it prints the version and stops."""
    p = make_project(PROJECT, FILES)
    r = p.run(*args)
    assert r.code == 0, r.text
    assert r.out.strip() == f"buildlike {buildlike.__version__}"
    assert not p.exists("app") and not p.exists(".buildlike/state.db")


def test_a_description_with_line_breaks_is_shown_on_one_line(make_project):
    """Found by a black-box tester: the progress line was split ("[1/1] copy" then "now")."""
    p = make_project('[rules.a]\noutputs = ["a.txt"]\nrun = "touch a.txt"\ndescription = """copy\n   now\r\n"""\n')
    r = p.run()
    assert r.code == 0, r.text
    assert "[1/1] copy now\n" in r.out
    assert "copy now" in p.run("list").out


@pytest.mark.parametrize("command", ["clean", "status", "list", "graph"])
def test_a_rule_with_a_commands_name_is_said_to_be_shadowed(make_project, command):
    """Found by a tester migrating projects: a rule named `clean` made `buildlike clean` delete every
    output, without a word about the rule; the command still runs, with a note saying how to build it."""
    p = make_project(f'[rules.{command}]\noutputs = ["{command}.txt"]\nrun = "touch {command}.txt"\n')
    assert p.run("build", command).code == 0
    assert p.exists(f"{command}.txt")
    r = p.run(command)
    assert f"to build the rule '{command}', write `buildlike build {command}`" in r.err
    assert "note" not in p.run("build", command).err
    if command in ("status", "clean"):  # (list and graph have no -q)
        assert "note" not in p.run(command, "-q").err

"""Every bundled example builds, and builds again with nothing to run (STYLE: Tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def copy_example(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(REPO / "examples" / name, dest, ignore=shutil.ignore_patterns(".buildlike", "build", "results"))
    return dest


def mtimes(root: Path, names: list[str]) -> dict[str, int]:
    return {n: (root / n).stat().st_mtime_ns for n in names}


def test_the_pipeline_example_builds_then_has_nothing_to_do(tmp_path, buildlike_cli):
    run_buildlike = buildlike_cli
    root = copy_example("pipeline", tmp_path)
    r = run_buildlike("-j", "3", cwd=root)
    assert r.code == 0, r.text
    report = (root / "report.md").read_text()
    assert "| north | 90 |" in report
    outputs = ["results/trend.json", "results/summary.json", "results/rainfall.json", "report.md"]
    before = mtimes(root, outputs)
    r = run_buildlike(cwd=root)
    assert r.code == 0 and "nothing to do" in r.out
    assert mtimes(root, outputs) == before


def test_editing_one_analysis_reruns_it_and_the_report_only(tmp_path, buildlike_cli):
    run_buildlike = buildlike_cli
    root = copy_example("pipeline", tmp_path)
    assert run_buildlike("-j", "3", cwd=root).code == 0
    outputs = ["results/trend.json", "results/rainfall.json", "results/summary.json"]
    before = mtimes(root, outputs)
    script = root / "analyses/summary.py"
    script.write_text(
        script.read_text().replace("round(sum(temps) / len(temps), 2)", "round(sum(temps) / len(temps), 1)")
    )
    assert run_buildlike(cwd=root).code == 0
    after = mtimes(root, outputs)
    assert after["results/trend.json"] == before["results/trend.json"]
    assert after["results/rainfall.json"] == before["results/rainfall.json"]
    assert after["results/summary.json"] != before["results/summary.json"]


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_the_c_project_builds_runs_and_recompiles_exactly_what_includes_an_edited_header(tmp_path, buildlike_cli):
    run_buildlike = buildlike_cli
    """SPEC: depfile: listed files become extra inputs from the next build on."""
    root = copy_example("c-project", tmp_path)
    r = run_buildlike(cwd=root)
    assert r.code == 0, r.text
    r = run_buildlike("build", "run", cwd=root)
    assert r.code == 0 and "hello from buildlike: 2 + 3 = 5" in r.out
    objects = ["build/main.o", "build/util.o", "build/hello"]
    before = mtimes(root, objects)
    r = run_buildlike(cwd=root)
    assert "nothing to do" in r.out
    assert mtimes(root, objects) == before

    header = root / "src/util.h"
    header.write_text(header.read_text().replace("hello from buildlike", "hello again"))
    assert run_buildlike(cwd=root).code == 0
    after = mtimes(root, objects)
    assert all(after[o] != before[o] for o in objects)
    assert "hello again" in run_buildlike("build", "run", cwd=root).out

    # A comment changes no object file: the compiles rerun, the link is cut off.
    before = after
    header.write_text(header.read_text() + "/* a comment */\n")
    assert run_buildlike(cwd=root).code == 0
    after = mtimes(root, objects)
    assert after["build/main.o"] != before["build/main.o"]
    assert after["build/hello"] == before["build/hello"]


def test_the_projects_own_maestrofile_loads():
    import buildlike

    project = buildlike.load(REPO / "Maestrofile.toml")
    assert {j.rule for j in project.graph.jobs} >= {"lint", "typecheck", "test"}

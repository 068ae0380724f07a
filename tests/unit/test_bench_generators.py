"""The benchmark's workload generators (bench/bench.py): every tool's build file makes the same outputs.

Small workloads only (wide 5, layers 3x4), so this stays fast; make, ninja and doit are left out
when they are not installed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load_bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "bench.py"
    spec = importlib.util.spec_from_file_location("buildlike_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def chain() -> Any:
    found = bench.find_toolchain()
    # Test the buildlike of this interpreter, whatever the venv's script points at.
    return bench.Toolchain(
        found.python,
        (sys.executable, "-m", "buildlike"),
        (),
        "this interpreter",
        found.make,
        found.ninja,
        found.doit,
    )


def _build(chain: Any, tool: str, root: Path, *, jobs: int | None = 2) -> int:
    sample, _ = bench.run_timed(chain.argv(tool, jobs), root, chain.env(tool), tool)
    return int(sample.ran)


def _available(chain: Any, tools: tuple[str, ...]) -> list[str]:
    return [t for t in tools if chain.has(t)]


def test_every_tool_builds_wide_5_into_the_same_files_and_then_runs_nothing(chain: Any, tmp_path: Path) -> None:
    made: dict[str, bytes] = {}
    for tool in _available(chain, bench.WIDE_TOOLS):
        root = tmp_path / tool
        bench.write_wide(root, 5, tool)
        assert _build(chain, tool, root) == 6, tool
        assert _build(chain, tool, root, jobs=None) == 0, tool
        made[tool] = (root / "all.txt").read_bytes()
    assert made["buildlike"] == b"".join(f"line {k}\n".encode() for k in range(5))
    assert set(made.values()) == {made["buildlike"]}, made


def test_editing_the_picked_source_of_layers_3x4_reruns_the_predicted_jobs_in_every_tool(
    chain: Any, tmp_path: Path
) -> None:
    source, count = bench.pick_edit(3, 4, 5)
    expected = bench.downstream(bench.layers_jobs(3, 4), source)
    assert len(expected) == count and 0 < count < 12
    finals: dict[str, bytes] = {}
    for tool in _available(chain, bench.LAYER_TOOLS):
        root = tmp_path / tool
        bench.write_layers(root, 3, 4, tool)
        assert _build(chain, tool, root) == 12, tool
        (root / source).write_text("edited\n")
        assert _build(chain, tool, root) == count, tool
        finals[tool] = b"".join((root / bench.layer_path(2, j)).read_bytes() for j in range(4))
    assert b"edited" in finals["buildlike"]
    assert set(finals.values()) == {finals["buildlike"]}, finals


def test_each_layers_job_reads_two_or_three_files_of_the_layer_below() -> None:
    jobs = bench.layers_jobs(10, 200)
    assert len(jobs) == 2000
    assert {len(j.inputs) for j in jobs} == {2, 3}
    assert all(i.startswith("src/") for j in jobs[:200] for i in j.inputs)
    assert all(i.startswith("out/l8_") for j in jobs[-200:] for i in j.inputs)


def test_the_full_layers_edit_reruns_about_790_of_2000_jobs() -> None:
    source, count = bench.pick_edit(10, 200, 790)
    assert source.startswith("src/s")
    assert abs(count - 790) <= 10


def test_jobs_run_are_counted_from_each_tools_output() -> None:
    assert bench.count_ran("buildlike", "[1/2] a\n[2/2] b\nbuildlike: 2 jobs ran (0.01s)\n") == 2
    assert bench.count_ran("buildlike", "buildlike: nothing to do, everything is up to date\n") == 0
    assert bench.count_ran("make", "mkdir -p out\ncp src/a out/a\ncat out/i*.txt > all.txt\n") == 2
    assert bench.count_ran("ninja", "[1/2] cp a b\n[2/2] cat out/i*.txt > all.txt\n") == 2
    assert bench.count_ran("ninja", "ninja: no work to do.\n") == 0
    assert bench.count_ran("doit", ".  copy:out/a\n-- copy:out/b\n.  concat\n") == 2

"""Unit tests of graph.py: file edges, duplicate outputs, cycles, closure order, targets (SPEC: The graph)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildlike.errors import MaestrofileError, UsageError
from buildlike.graph import aliased_paths, closure, find_cycle, find_cycles, link, missing_inputs, resolve_targets
from buildlike.jobs import Job


def job(job_id: str, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> Job:
    return Job(
        id=job_id,
        rule=job_id.split(":", 1)[0],
        inputs=inputs,
        outputs=outputs,
        commands=("true",),
        description=job_id,
        env=(),
        always=False,
        depfile=None,
        fingerprint=b"",
    )


def graph_of(*jobs: Job, rule_lines: dict[str, int | None] | None = None):
    lines = rule_lines if rule_lines is not None else {j.rule: n for n, j in enumerate(jobs, 1)}
    return link(list(jobs), file="Maestrofile.toml", rule_lines=lines)


def is_closed_path_in_build_order(cycle: list[int], deps) -> bool:
    return len(cycle) >= 2 and cycle[0] == cycle[-1] and all(a in deps[b] for a, b in itertools.pairwise(cycle))


# -- find_cycle ----------------------------------------------------------------------------------


def test_a_graph_without_cycles_has_none():
    assert find_cycle([[], [0], [0], [1, 2]]) == []  # a diamond is not a cycle
    assert find_cycle([]) == []


def test_a_cycle_comes_back_as_a_closed_path_producers_first():
    deps = [[2], [0], [1]]  # 0 needs 2, 1 needs 0, 2 needs 1
    cycle = find_cycle(deps)
    assert is_closed_path_in_build_order(cycle, deps)
    assert set(cycle) == {0, 1, 2}


def test_a_self_loop_is_a_cycle_of_one_job():
    assert find_cycle([[], [1]]) == [1, 1]


def test_a_cycle_far_from_the_first_job_is_found():
    deps = [[], [0], [1], [4], [3], [2]]
    cycle = find_cycle(deps)
    assert is_closed_path_in_build_order(cycle, deps)
    assert set(cycle) == {3, 4}


def test_every_separate_cycle_is_found_once():
    """Found by a black-box tester: only the first was reported, then the next once it was fixed."""
    deps = [[1], [0], [3], [2], [4], [0, 2]]  # 0 <-> 1, 2 <-> 3, 4 on itself, 5 needs two of them
    cycles = find_cycles(deps)
    assert sorted(sorted(set(c)) for c in cycles) == [[0, 1], [2, 3], [4]]
    assert all(is_closed_path_in_build_order(c, deps) for c in cycles)


def test_finding_every_cycle_stays_linear_on_a_long_path():
    """Found in review: each back edge looked its job up along the whole path (50,000 jobs, each
    reading its neighbours on both sides: quadratic)."""
    import time

    n = 50_000
    deps = [[j for j in (i - 1, i + 1) if 0 <= j < n] for i in range(n)]
    started = time.process_time()
    cycles = find_cycles(deps)
    assert time.process_time() - started < 2.0  # (about 0.1 s; the quadratic walk took minutes)
    assert cycles and all(is_closed_path_in_build_order(c, deps) for c in cycles)


def test_cycles_sharing_a_job_are_one_knot_named_once():
    deps = [[1, 2], [0], [0]]  # 0 <-> 1 and 0 <-> 2: fixing 0 unties both
    cycles = find_cycles(deps)
    assert len(cycles) == 1 and is_closed_path_in_build_order(cycles[0], deps)


@given(st.lists(st.lists(st.integers(min_value=0, max_value=7), max_size=3), min_size=1, max_size=8))
def test_find_cycle_finds_a_real_cycle_exactly_when_there_is_one(raw):
    n = len(raw)
    deps = [[d % n for d in ds] for ds in raw]
    cycle = find_cycle(deps)
    # Kahn's algorithm: a graph is acyclic exactly when every node can be removed.
    waiting = [len(set(ds)) for ds in deps]
    consumers: list[set[int]] = [set() for _ in deps]
    for i, ds in enumerate(deps):
        for d in ds:
            consumers[d].add(i)
    ready = [i for i in range(n) if waiting[i] == 0]
    removed = 0
    while ready:
        i = ready.pop()
        removed += 1
        for c in consumers[i]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    if removed == n:
        assert cycle == []
    else:
        assert is_closed_path_in_build_order(cycle, deps)


# -- link ----------------------------------------------------------------------------------------


def test_a_job_depends_on_the_job_that_declares_its_input_as_an_output():
    """SPEC: the DAG comes from file edges."""
    g = graph_of(
        job("cc:a.c", ("a.c",), ("a.o",)), job("cc:b.c", ("b.c",), ("b.o",)), job("ld", ("a.o", "b.o"), ("app",))
    )
    assert g.deps == ((), (), (0, 1))
    assert g.producer == {"a.o": 0, "b.o": 1, "app": 2}
    assert g.consumers() == [[2], [2], []]


def test_two_jobs_declaring_one_output_are_an_error_naming_both_rules_and_the_path():
    """SPEC: two rules declaring the same output."""
    with pytest.raises(MaestrofileError) as e:
        graph_of(job("a", (), ("x.txt",)), job("b", (), ("x.txt",)), rule_lines={"a": 3, "b": 7})
    (p,) = e.value.problems
    assert p.path == "x.txt"
    assert p.rule == "b"
    assert p.line == 7
    assert "'a'" in p.message


def test_a_cycle_is_an_error_showing_its_path():
    """SPEC: a cycle (with the cycle's path)."""
    with pytest.raises(MaestrofileError) as e:
        graph_of(job("a", ("c.txt",), ("a.txt",)), job("b", ("a.txt",), ("b.txt",)), job("c", ("b.txt",), ("c.txt",)))
    text = str(e.value)
    assert "cycle" in text
    assert any(path in text for path in ("a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c"))


# -- closure -------------------------------------------------------------------------------------


def chain_graph():
    return graph_of(
        job("gen", (), ("gen.h",)),
        job("cc:a.c", ("a.c", "gen.h"), ("a.o",)),
        job("cc:b.c", ("b.c",), ("b.o",)),
        job("ld", ("a.o", "b.o"), ("app",)),
        job("docs", (), ("docs.html",)),
    )


def test_closure_holds_the_roots_and_everything_they_need_producers_first():
    g = chain_graph()
    order = closure(g, [3])
    assert sorted(order) == [0, 1, 2, 3]
    pos = {j: k for k, j in enumerate(order)}
    for i in order:
        assert all(pos[d] < pos[i] for d in g.deps[i])


def test_closure_lists_each_job_once_even_when_roots_share_producers():
    g = chain_graph()
    order = closure(g, [1, 3, 1, 0])
    assert sorted(order) == [0, 1, 2, 3]


def test_closure_of_a_leaf_is_only_that_leaf():
    assert closure(chain_graph(), [4]) == [4]


# -- resolve_targets -----------------------------------------------------------------------------


def foreach_graph():
    return graph_of(
        job("cc:src/a.c", ("src/a.c",), ("build/a.o",)),
        job("cc:src/b.c", ("src/b.c",), ("build/b.o",)),
        job("ld", ("build/a.o", "build/b.o"), ("app",)),
        rule_lines={"cc": 1, "ld": 6, "empty": 10},
    )


def test_a_rule_name_names_all_of_its_jobs():
    assert sorted(resolve_targets(foreach_graph(), ["cc"])) == [0, 1]


def test_a_job_id_names_one_job():
    assert resolve_targets(foreach_graph(), ["cc:src/b.c"]) == [1]


def test_an_output_path_names_its_producer_even_written_loosely():
    g = foreach_graph()
    assert resolve_targets(g, ["build/a.o"]) == [0]
    assert resolve_targets(g, ["./build//a.o"]) == [0]


def test_a_foreach_rule_that_matched_nothing_is_a_known_target_with_no_jobs():
    assert resolve_targets(foreach_graph(), ["empty"]) == []


def test_unknown_targets_are_a_usage_error_naming_each_with_a_suggestion():
    """SPEC: an unknown target is an error (exit 2)."""
    with pytest.raises(UsageError) as e:
        resolve_targets(foreach_graph(), ["ldd", "build/c.o", "cc"])
    assert e.value.exit_code == 2
    text = e.value.message
    assert "'ldd'" in text and "'ld'" in text
    assert "'build/c.o'" in text
    assert e.value.targets == ("ldd", "build/c.o")
    assert e.value.hinted == ("ldd", "build/c.o")  # (`build/a.o` for the second)
    with pytest.raises(UsageError) as e:
        resolve_targets(foreach_graph(), ["zzz"])
    assert e.value.hinted == ()


# -- missing_inputs ------------------------------------------------------------------------------


def test_an_input_that_is_neither_a_file_nor_made_is_a_problem_naming_rule_and_path():
    g = graph_of(job("a", ("src.txt", "gone.txt", "b.txt"), ("a.txt",)), job("b", (), ("b.txt",)))
    problems = missing_inputs(g, [0, 1], exists=lambda p: p == "src.txt")
    assert [(p.rule, p.path) for p in problems] == [("a", "gone.txt")]
    assert problems[0].file == "Maestrofile.toml"


def test_an_input_inside_a_folder_output_is_made_by_that_folders_maker():
    jobs = [
        job("site", ("src.txt",), ("site",)),
        job("deploy", ("site/a/index.html", "/abs/site/x", "sitemap.txt"), ("out.txt",)),
        job("self", ("own/in.txt",), ("own",)),  # reads inside its own output: a source, as before
    ]
    g = graph_of(*jobs)
    assert g.deps == ((), (0,), ())
    assert g.producer == {"site": 0, "out.txt": 1, "own": 2, "site/a/index.html": 0}
    assert missing_inputs(g, [1], lambda p: p != "site/a/index.html") == []


# -- aliased_paths -------------------------------------------------------------------------------

LINKS = {"link": "real", "link/sub": "real/sub", "top": "."}  # as folder_resolver would say


def test_a_file_named_through_a_symlinked_folder_is_found_under_its_makers_name():
    g = graph_of(
        job("gen", outputs=("real/a.txt", "real/sub/b.txt", "c.txt")),
        job("use", inputs=("link/a.txt", "link/sub/b.txt", "top/c.txt")),
        job("both", inputs=("link/a.txt", "real/a.txt"), outputs=("both.txt",)),
    )
    problems = aliased_paths(g, [1], LINKS.get)
    assert [(p.rule, p.path, p.line) for p in problems] == [
        ("use", "link/a.txt", 2),
        ("use", "link/sub/b.txt", 2),
        ("use", "top/c.txt", 2),
    ]
    assert "is the file 'c.txt'" in problems[2].message and "name it 'c.txt'" in problems[2].message
    assert aliased_paths(g, [0], LINKS.get) == []  # (only the selected jobs' inputs are looked at)
    # Found in review: a glob through a link matching a file the job also reads by its name (so it
    # runs after its maker anyway) is no harm.
    assert aliased_paths(g, [2], LINKS.get) == []


def test_outputs_naming_one_file_two_ways_have_two_makers():
    g = graph_of(job("a", outputs=("link/x.txt",)), job("b", outputs=("real/x.txt",)), job("c", outputs=("y",)))
    [problem] = aliased_paths(g, [], LINKS.get)
    assert (problem.rule, problem.path) == ("b", "real/x.txt")
    assert "is the file 'link/x.txt'" in problem.message and "rule 'a' (line 1) makes too" in problem.message


def test_no_link_on_the_way_costs_no_more_than_a_look_at_each_folder():
    asked: list[str] = []

    def resolve(folder: str) -> str | None:
        asked.append(folder)
        return None

    g = graph_of(
        job("a", outputs=("out/x", "out/y", "/abs/z")), job("b", inputs=("out/x", "../up/w", "src/s"), outputs=("t",))
    )
    assert aliased_paths(g, [0, 1], resolve) == []
    assert sorted(asked) == ["out", "src"]  # once each; never the project's own folder, nor one outside

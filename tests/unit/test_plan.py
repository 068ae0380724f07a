"""Unit tests of plan.py: ready order, finishing, failure and skip propagation, priority (SPEC: Running)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from buildlike.plan import Plan, chain_lengths


def drain(plan: Plan) -> list[int]:
    """Run every ready job to success, one at a time, returning the order they started in."""
    order: list[int] = []
    while plan.has_ready():
        i = plan.take()
        order.append(i)
        plan.finish(i)
    return order


def test_jobs_without_producers_are_ready_at_once_and_the_rest_wait():
    plan = Plan([[], [], [0, 1]], [0, 1, 2], [0, 0, 0])
    assert plan.has_ready()
    first, second = plan.take(), plan.take()
    assert {first, second} == {0, 1}
    assert not plan.has_ready()  # 2 waits for both
    assert plan.running == {0, 1}


def test_a_job_becomes_ready_only_when_its_last_producer_finishes():
    """SPEC: stale jobs run as soon as the jobs that make their inputs are done."""
    plan = Plan([[], [], [0, 1]], [0, 1, 2], [0, 0, 0])
    plan.take(), plan.take()
    plan.finish(0)
    assert not plan.has_ready()
    plan.finish(1)
    assert plan.take() == 2


def test_a_consumer_starts_while_an_unrelated_slow_job_still_runs():
    """SPEC: not level by level."""
    plan = Plan([[], [], [1]], [0, 1, 2], [1, 1, 0])
    slow, fast = plan.take(), plan.take()
    plan.finish(1 if fast == 1 else slow)
    assert plan.has_ready() and plan.take() == 2
    assert 0 in plan.running


def test_ready_jobs_come_out_highest_priority_first():
    plan = Plan([[], [], [], []], [0, 1, 2, 3], [1, 5, 3, 5])
    order = [plan.take() for _ in range(4)]
    assert order[:2] in ([1, 3], [3, 1])
    assert order[2:] == [2, 0]


def test_unlocks_names_the_most_urgent_job_that_finishing_the_ended_ones_would_make_ready():
    # 0 -> 2 (priority 5), 0 -> 3 (4, also waiting for 1), 4 alone (1)
    plan = Plan([[], [], [0], [0, 1], []], range(5), [6, 5, 5, 4, 1])
    assert plan.take() == 0
    assert plan.unlocks() == 0  # 0 runs still
    plan.ended(0)
    assert plan.unlocks() == 5  # 2 waits only for 0; 3 also waits for 1
    assert plan.has_ready(at_least=5)  # 1 (priority 5)
    assert plan.take() == 1
    assert plan.unlocks() == 5
    plan.finish(0)  # 2 is ready now; 3 waits for 1, which runs still
    assert plan.unlocks() == 0
    plan.ended(1)
    assert plan.unlocks() == 4
    plan.finish(1)
    assert plan.unlocks() == 0
    assert drain(plan) == [2, 3, 4]


def test_unlocks_counts_a_job_whose_producers_end_together():
    """Found in review: 2 needs 0 and 1; when both ended in one wait, neither alone unlocks it."""
    plan = Plan([[], [], [0, 1], []], range(4), [3, 3, 2, 1])
    plan.take(), plan.take()
    plan.ended(0)
    assert plan.unlocks() == 0
    plan.ended(1)
    assert plan.unlocks() == 2
    plan.finish(0)
    assert plan.unlocks() == 2  # 1 ended, still to finish
    plan.finish(1)
    assert plan.unlocks() == 0 and plan.has_ready(at_least=2)


def test_unlocks_sees_a_job_whose_other_producer_turned_out_up_to_date():
    """2 needs 0 and 1: 0 ended, then 1 is finished without running (judged up to date)."""
    plan = Plan([[], [], [0, 1]], range(3), [3, 3, 2])
    assert plan.take() == 0
    plan.ended(0)
    assert plan.unlocks() == 0
    assert plan.take() == 1
    plan.finish(1)
    assert plan.unlocks() == 2


def test_unlocks_forgets_an_ended_job_that_failed_after_all():
    """0 ended well but its output is missing: it fails, and 1 never becomes ready."""
    plan = Plan([[], [0]], range(2), [2, 1])
    assert plan.take() == 0
    plan.ended(0)
    assert plan.unlocks() == 1
    assert plan.fail(0) == [1]
    assert plan.unlocks() == 0 and not plan.has_ready()


def test_producers_outside_the_members_count_as_done():
    plan = Plan([[], [0], [1]], [1, 2], [0, 0, 0])  # job 0 is up to date, so not a member
    assert drain(plan) == [1, 2]


def test_a_failure_skips_every_job_that_needs_it_directly_or_not_and_nothing_else():
    deps = [[], [0], [1], [], [2, 3]]
    plan = Plan(deps, range(5), [1, 0, 0, 0, 0])
    assert plan.take() == 0
    skipped = plan.fail(0)
    assert sorted(skipped) == [1, 2, 4]
    assert plan.skipped == {1, 2, 4}
    assert plan.take() == 3  # independent of the failure: still ready
    assert not plan.has_ready()


def test_a_skipped_job_is_reported_once_even_on_two_failed_paths():
    deps = [[], [], [0, 1]]
    plan = Plan(deps, range(3), [0] * 3)
    plan.take(), plan.take()
    assert plan.fail(0) == [2]
    assert plan.fail(1) == []


def test_a_producer_finishing_after_its_consumer_was_skipped_does_not_revive_or_crash():
    """SPEC: a failure stops new jobs; the running ones finish."""
    plan = Plan([[], [], [0, 1]], range(3), [0] * 3)
    plan.take(), plan.take()
    assert plan.fail(0) == [2]
    plan.finish(1)  # was running alongside; finishes after the failure
    assert not plan.has_ready()
    assert plan.idle


def test_drop_unstarted_forgets_the_ready_and_the_waiting_jobs_and_returns_them():
    plan = Plan([[], [], [], [0], [3]], range(5), [0] * 5)
    plan.take()
    assert plan.drop_unstarted() == [1, 2, 3, 4]
    assert not plan.has_ready()
    assert not plan.idle  # one still runs
    plan.finish(0)  # it ends after the stop: its consumer stays forgotten
    assert not plan.has_ready()
    assert plan.idle


def test_drop_unstarted_leaves_out_the_jobs_skipped_after_a_failure():
    plan = Plan([[], [0], [], [2]], range(4), [0] * 4)
    plan.take(), plan.take()
    assert plan.fail(0) == [1]
    assert plan.drop_unstarted() == [3]


def test_chain_lengths_count_the_jobs_on_the_longest_path_to_the_end():
    # 0 -> 1 -> 2, and 3 alone; 4 -> 2
    consumers = [[1], [2], [], [], [2]]
    order = [0, 4, 1, 2, 3]
    assert chain_lengths(consumers, order, {0, 1, 2, 3, 4}) == [3, 2, 1, 1, 2]


def test_chain_lengths_ignore_jobs_that_are_not_members():
    consumers = [[1], [2], []]
    assert chain_lengths(consumers, [0, 1, 2], {0, 1}) == [2, 1, 0]


def test_the_longest_chain_starts_first():
    deps = [[], [0], [1], []]  # 0 -> 1 -> 2, and 3 alone
    consumers = [[1], [2], [], []]
    members = {0, 1, 2, 3}
    plan = Plan(deps, members, chain_lengths(consumers, [0, 1, 2, 3], members))
    assert plan.take() == 0


@given(st.lists(st.lists(st.integers(min_value=0, max_value=30), max_size=3), min_size=1, max_size=12), st.data())
def test_every_member_runs_exactly_once_and_after_its_producers(raw, data):
    # Make it acyclic: a job may only need jobs with a smaller index.
    deps = [[d % i for d in ds] if i else [] for i, ds in enumerate(raw)]
    n = len(deps)
    members = set(data.draw(st.sets(st.integers(min_value=0, max_value=n - 1))))
    plan = Plan(deps, members, [data.draw(st.integers(0, 5)) for _ in range(n)])
    finished: set[int] = set()
    order: list[int] = []
    while not plan.idle:
        # Either start a ready job or finish one of the running ones, as a real pool would.
        if plan.has_ready() and (not plan.running or data.draw(st.booleans())):
            i = plan.take()
            assert all(d in finished or d not in members for d in deps[i])
            order.append(i)
        else:
            i = data.draw(st.sampled_from(sorted(plan.running)))
            finished.add(i)
            plan.finish(i)
    assert sorted(order) == sorted(members)
    assert finished == members

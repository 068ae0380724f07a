"""README (Running): stale jobs run "as soon as the jobs that make their inputs are done ..., longest
chain first". Found by a black-box tester: when a job ended, its slot was filled before its consumers
were counted as ready, so a lone job jumped ahead of the chain's next job every time (-j1: x1 a x2 b
x3), and at -j2 the chain ended a whole round later."""

from __future__ import annotations

from pathlib import Path


def rule(name: str, needs: str | None = None, sleep: float = 0) -> str:
    inputs = f'["{needs}.out"]' if needs else "[]"
    pause = f"sleep {sleep}; " if sleep else ""
    return (
        f'[rules.{name}]\ninputs = {inputs}\noutputs = ["{name}.out"]\n'
        f'run = "echo {name} >> order.log; {pause}touch {name}.out"\n\n'
    )


def test_with_one_slot_the_chain_goes_on_before_lone_jobs(buildlike_cli, tmp_path: Path) -> None:
    (tmp_path / "Maestrofile.toml").write_text(rule("a") + rule("b") + rule("x1") + rule("x2", "x1") + rule("x3", "x2"))
    r = buildlike_cli("-j1", cwd=tmp_path)
    assert r.code == 0, r.text
    order = (tmp_path / "order.log").read_text().split()
    # (x3, a and b are chains of one job each: any order of them is longest-first)
    assert order[:2] == ["x1", "x2"], order
    assert sorted(order[2:]) == ["a", "b", "x3"], order


def test_at_j2_lone_jobs_run_beside_the_chain_not_ahead_of_it(buildlike_cli, tmp_path: Path) -> None:
    """x1 -> ... -> x5 and four lone jobs, 0.3 s each: the chain first takes 5 rounds, one lone job
    beside each of x1..x4 (it took 6: x1 a | b x2 | c d | x3 | x4 | x5)."""
    text = "".join(rule(n, sleep=0.3) for n in "abcd")
    text += "".join(rule(f"x{i}", f"x{i - 1}" if i > 1 else None, sleep=0.3) for i in range(1, 6))
    (tmp_path / "Maestrofile.toml").write_text(text)
    r = buildlike_cli("-j2", cwd=tmp_path)
    assert r.code == 0, r.text
    order = (tmp_path / "order.log").read_text().split()
    for i in range(2, 6):  # each of the chain's jobs starts before the lone job of its round ends
        lone_before = [j for j in order[: order.index(f"x{i}")] if not j.startswith("x")]
        assert len(lone_before) <= i, order

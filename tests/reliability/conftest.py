"""Fixtures of the reliability suite: `long_mode` (pytest --long) and `figures`, the counts that the
README's "Reliability" section reports, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest

FIGURES = pytest.StashKey[Counter[str]]()
NAMES = {
    "kills": "kills survived",
    "interrupts": "interrupts (SIGINT/SIGTERM) survived",
    "bad_inputs": "generated bad inputs",
    "orphans": "orphans found",
    "wrong": "wrong results",
}


@pytest.fixture
def long_mode(request: pytest.FixtureRequest) -> bool:
    """True under `pytest --long`: many more kill moments, interrupts and generated inputs."""
    return bool(request.config.getoption("--long"))


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Counter[str]:
    """Counters shared by the whole run; the summary at the end prints them."""
    return request.config.stash.setdefault(FIGURES, Counter())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--long"):  # ten times the work: more than the usual two minutes a test
        for item in items:
            if "reliability" in item.path.parts:
                item.add_marker(pytest.mark.timeout(3600))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    counts = config.stash.get(FIGURES, None)
    if counts:
        terminalreporter.section("reliability figures")
        for key, name in NAMES.items():
            terminalreporter.write_line(f"{name}: {counts.get(key, 0)}")

"""The Maestrofile as frozen values: `Settings`, `Rule`, `Project`. No parsing here; see maestrofile.py."""

from __future__ import annotations

from typing import NamedTuple

from buildlike.executor import DEFAULT_SHELL


class Settings(NamedTuple):
    """The `[settings]` table."""

    jobs: int = 0  # 0: one per CPU
    default: tuple[str, ...] = ()  # empty: every rule
    shell: str = DEFAULT_SHELL


class Rule(NamedTuple):
    """One `[rules.NAME]` table, with its strings still holding placeholders."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run: tuple[str, ...]
    description: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    always: bool = False
    foreach: str | None = None
    depfile: str | None = None
    line: int | None = None  # of its `[rules.NAME]` header, when we could find it


class Project(NamedTuple):
    """A loaded Maestrofile: where it is, and what it says."""

    root: str  # absolute folder holding the Maestrofile; commands run here
    file: str  # the Maestrofile's name as shown in messages
    settings: Settings
    vars: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]

"""Helpers of the test_limits_*.py tests: run the real CLI under OS limits.

Black-box: every test runs `python -m buildlike` in a subprocess, in a project under tmp_path.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def write_project(root: Path, maestrofile: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Maestrofile.toml").write_text(textwrap.dedent(maestrofile))
    for rel, text in (files or {}).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def cli(
    root: Path,
    *args: str,
    fsize: int | None = None,
    address_space: int | None = None,
    prefix: tuple[str, ...] = (),
    timeout: float = 60,
) -> Ran:
    """Run `buildlike ARGS` in `root`, with RLIMIT_FSIZE / RLIMIT_AS set in the child when given,
    and `prefix` (such as setpriv dropping capabilities) before the interpreter."""

    def limits() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "buildlike", *args],
        cwd=root,
        # No .pyc written under a limit: cut short by RLIMIT_FSIZE, one would break every later run.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        timeout=timeout,
        preexec_fn=limits if (fsize is not None or address_space is not None) else None,
    )
    return Ran(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def no_dac_prefix() -> tuple[str, ...]:
    """A prefix under which file modes bind: nothing for an ordinary user; for root, `setpriv`
    dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root then obeys the owner bits, as a user
    does). Skips the test when neither works here."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be made to bind")
    prefix = (
        setpriv,
        "--inh-caps=-dac_override,-dac_read_search",
        "--bounding-set=-dac_override,-dac_read_search",
    )
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr.decode(errors='replace')[-200:]}")
    return prefix

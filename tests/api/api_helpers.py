"""Shared bits of the API tests: write a project, run a script in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def project(root: Path, maestrofile: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Maestrofile.toml").write_text(textwrap.dedent(maestrofile))
    for rel, text in (files or {}).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def script(code: str, *args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh Python (signals, handlers and the main thread are its own)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

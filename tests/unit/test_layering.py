"""The arrows point one way: each module imports only modules above it in STYLE.md's map.

Every `import` counts, wherever it is written: at the top, inside a function, or under
`if TYPE_CHECKING:`. A module missing from the map fails, so that a new module gets placed on purpose:
add it to `LAYERS` below (and to the map in STYLE.md/README.md) in the row where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import buildlike

# Upstream first. Within a row, a module may import the ones listed before it, never after.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    # snapshot: the idle-build answer, imports no buildlike module (not in STYLE.md's map, which predates it);
    # globs takes its folder stamps
    ("paths", "template", "snapshot", "globs"),
    ("fingerprint",),
    ("shellwords", "capture", "executor", "processes"),
    ("model", "tomlsource", "maestrofile"),
    ("jobs", "graph"),
    ("cache",),
    ("records", "state", "lock"),
    ("staleness", "verdicts"),
    ("depfile", "discovered", "settlement"),
    ("plan", "interrupts", "runner"),
    ("reporter", "render"),
    ("loaded",),
    ("api",),
    ("watchset", "debounce", "contents", "observing", "watch", "gitstate", "hook"),
    ("cli", "__main__"),
)
RANK = {name: k for k, name in enumerate(name for row in LAYERS for name in row)}

# Third-party or standard libraries that belong to one module each (STYLE.md: where code goes).
OWNED_LIBRARIES = {
    "typer": {"cli"},
    "click": {"cli"},
    "sqlite3": {"state"},
    "subprocess": {"executor", "gitstate"},
    "watchdog": {"observing"},
    "tomllib": {"maestrofile"},
    "tomli": {"maestrofile"},
}

# `buildlike/__init__.py` only re-exports the API (lazily); other modules may take its version string.
PACKAGE_NAMES_ANYONE_MAY_IMPORT = {"__version__"}

PACKAGE = Path(buildlike.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def imports_of(module: str) -> tuple[set[str], set[str], set[str]]:
    """(buildlike modules, names taken from the package itself, top-level libraries) that `module` imports."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(), filename=f"{module}.py")
    inner: set[str] = set()
    from_package: set[str] = set()
    libraries: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "buildlike":
                    if len(parts) > 1:
                        inner.add(parts[1])
                    else:
                        from_package.add("*")
                else:
                    libraries.add(parts[0])
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level > 0 or (parts and parts[0] == "buildlike"):
                sub = parts[1:] if node.level == 0 else parts
                if sub:
                    inner.add(sub[0])
                else:  # `from buildlike import x` / `from . import x`: a module, or a name of the package
                    for alias in node.names:
                        if (PACKAGE / f"{alias.name}.py").exists():
                            inner.add(alias.name)
                        else:
                            from_package.add(alias.name)
            elif parts:
                libraries.add(parts[0])
    return inner, from_package, libraries


def test_every_module_has_a_place_in_the_map():
    unplaced = [m for m in MODULES if m not in RANK]
    assert not unplaced, f"place these modules in LAYERS (tests/unit/test_layering.py) and STYLE.md: {unplaced}"


KNOWN_VIOLATIONS: dict[str, str] = {}  # module -> why it may break the map for now


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(m, marks=pytest.mark.xfail(reason=KNOWN_VIOLATIONS[m], strict=True))
        if m in KNOWN_VIOLATIONS
        else m
        for m in MODULES
    ],
)
def test_each_module_imports_only_modules_above_it_in_the_map(module):
    assert module in RANK, f"{module}.py is not in the map; place it in LAYERS"
    inner, _, _ = imports_of(module)
    wrong = sorted(m for m in inner if m != module and (m not in RANK or RANK[m] >= RANK[module]))
    assert not wrong, f"{module}.py imports {wrong}, which are not above it in the map"


@pytest.mark.parametrize("module", MODULES)
def test_modules_take_only_the_version_from_the_package_itself(module):
    _, from_package, _ = imports_of(module)
    assert from_package <= PACKAGE_NAMES_ANYONE_MAY_IMPORT, f"{module}.py imports {from_package} from `buildlike`"


def test_the_package_init_only_re_exports_the_api():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "buildlike":
            imported.update(f"buildlike.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("buildlike."):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names if a.name.startswith("buildlike"))
    assert imported <= {"buildlike.api"}


@pytest.mark.parametrize("library", sorted(OWNED_LIBRARIES))
def test_a_library_with_an_owner_is_imported_only_by_its_owner(library):
    users = {m for m in MODULES if library in imports_of(m)[2]}
    assert users <= OWNED_LIBRARIES[library], f"{library} is imported by {sorted(users - OWNED_LIBRARIES[library])}"


def test_the_import_walker_sees_type_checking_and_function_level_imports(tmp_path, monkeypatch):
    """Guard the guard: a violation hidden in a function or under TYPE_CHECKING is still seen."""
    fake = tmp_path / "pkg"
    fake.mkdir()
    (fake / "errors.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from buildlike.api import load\n"
        "def f():\n    import sqlite3\n    from . import runner\n"
        "from buildlike import __version__\n"
    )
    (fake / "runner.py").write_text("")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    inner, from_package, libraries = imports_of("errors")
    assert inner == {"api", "runner"}
    assert from_package == {"__version__"}
    assert {"typing", "sqlite3"} <= libraries

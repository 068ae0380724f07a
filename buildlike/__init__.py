"""buildlike: a Makefile-style file-dependency build tool driven by `Maestrofile.toml`.

The public Python API lives in `buildlike.api` (with the errors it raises); the names below are
re-exported lazily so that `import buildlike` stays cheap on the command line's no-op path.
"""

__version__ = "0.1.0"
TYPE_CHECKING = False  # not `from typing import ...`: this module is on the no-op path

if TYPE_CHECKING:
    from buildlike.api import (
        BuildFailed,
        BuildlikeError,
        BuildOptions,
        BuildResult,
        Cancel,
        Interrupted,
        Job,
        JobStatus,
        Loaded,
        LockBusy,
        MaestrofileError,
        Problem,
        Reporter,
        StateError,
        UsageError,
        build,
        clean,
        load,
        status,
    )

__all__ = [
    "BuildFailed",
    "BuildOptions",
    "BuildResult",
    "BuildlikeError",
    "Cancel",
    "Interrupted",
    "Job",
    "JobStatus",
    "Loaded",
    "LockBusy",
    "MaestrofileError",
    "Problem",
    "Reporter",
    "StateError",
    "UsageError",
    "__version__",
    "build",
    "clean",
    "load",
    "status",
]


def __getattr__(name: str) -> object:
    if name in __all__:
        from buildlike import api

        return getattr(api, name)
    raise AttributeError(f"module 'buildlike' has no attribute {name!r}")

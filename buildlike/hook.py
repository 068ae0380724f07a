"""Git pre-commit hooks: `run_hook` builds and refuses the commit when the build fails or what the
commit would record is out of step with it (gitstate.py); `install_hook`/`uninstall_hook` manage the
plain-git hook scripts that call it.

Git is asked through gitstate.py; building goes through api.py, output through the Reporter.
`hook_script` and `is_buildlike_hook` are pure.
"""

from __future__ import annotations

import contextlib
import os
import shlex
from pathlib import Path
from typing import NamedTuple

from buildlike.api import BuildOptions, build, load, status
from buildlike.errors import BuildFailed, CommitRefused, HookConflict, Interrupted, UsageError
from buildlike.gitstate import changed_files, dirty_files, git, named_from, refuse_out_of_step
from buildlike.paths import MAESTROFILE
from buildlike.render import status_text
from buildlike.reporter import Reporter

# The line that tells a hook buildlike wrote from one it must never touch. Keep the prefix stable:
# `uninstall` of a later version must still recognise the hooks this one wrote.
MARKER_PREFIX = "# buildlike-hook:"
MARKER = f"{MARKER_PREFIX} written by `buildlike hook install`; `buildlike hook uninstall` removes it"
HOOK_NAME = "pre-commit"
# git runs this one instead of pre-commit for a merge made without conflicts (`git merge`)
MERGE_HOOK_NAME = "pre-merge-commit"
CHAINED_NAME = "pre-commit.buildlike-chained"  # a foreign hook kept by `install --chain`, run first

# What git sets to point its commands at a repository (its `local_repo_env`, as `git rev-parse
# --local-env-vars` lists it, which it clears itself on entering a submodule). A hook gets some of
# them (GIT_INDEX_FILE for `commit -a`, GIT_DIR in a linked worktree): the build's commands must not,
# or a command that runs git (`git describe`, `git -C vendor status`) would read the commit's
# temporary index or another repository.
_REPO_ENV = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",  # (and with it the GIT_CONFIG_KEY_n/VALUE_n pairs it counts)
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_GRAFT_FILE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "GIT_REPLACE_REF_BASE",
    "GIT_SHALLOW_FILE",
    "GIT_WORK_TREE",
)


class Repo(NamedTuple):
    """A git work tree: its top folder, and the folder git runs hooks from."""

    top: Path
    hooks: Path

    @property
    def hook(self) -> Path:
        return self.hooks / HOOK_NAME

    @property
    def chained(self) -> Path:
        return self.hooks / CHAINED_NAME

    @property
    def merge_hook(self) -> Path:
        return self.hooks / MERGE_HOOK_NAME


class Installed(NamedTuple):
    """What `install_hook` did."""

    path: Path
    chained: Path | None  # the earlier hook, kept and run before the build
    updated: bool  # the hook was already buildlike's and was rewritten
    merge_hook: Path | None = None  # (that runs the pre-commit hook for merges) None: another is there


class Uninstalled(NamedTuple):
    """What `uninstall_hook` did."""

    path: Path
    removed: bool  # False: there was no hook to remove
    restored: bool  # the hook kept by `install --chain` is back in its place


def find_repo(cwd: Path) -> Repo:
    """The work tree around `cwd`; hooks where git looks for them (core.hooksPath, worktrees)."""
    top, hooks = os.fsdecode(git(["rev-parse", "--show-toplevel", "--git-path", "hooks"], cwd)).splitlines()
    return Repo(Path(top), Path(os.path.abspath(cwd / hooks)))  # --git-path is relative to cwd


def locate_maestrofile(repo: Repo, cwd: Path, file: str | None) -> Path:
    """The Maestrofile a hook builds: `file` (relative to `cwd`), else the one at the top of the work tree."""
    if file == "":
        raise UsageError(
            f"-f '': the name of the Maestrofile is empty; name it, or leave -f out for the {MAESTROFILE}"
            " at the top of the repository"
        )
    path = cwd / file if file is not None else repo.top / MAESTROFILE
    if path.is_dir():
        path = path / MAESTROFILE
    if path.is_file():
        return Path(os.path.abspath(path))
    if file is not None:
        raise UsageError(f"no Maestrofile at '{path}' (from -f {file})")
    raise UsageError(
        f"no {MAESTROFILE} at the top of the git repository {repo.top}; "
        f"create one, or name the Maestrofile with -f PATH"
    )


def _build_command(repo: Repo, cwd: Path, maestrofile: Path) -> str:
    """What builds `maestrofile` from `cwd`, where `hook run` was started: by hand, any folder of the
    work tree; by git, its top, which is then named, as the user may stand elsewhere."""
    relative = os.path.relpath(maestrofile, cwd)
    if relative == MAESTROFILE:
        return "buildlike"
    command = f"buildlike -f {shlex.quote(relative)}"
    return f"{command} (at the top of the repository)" if os.path.samefile(cwd, repo.top) else command


def run_hook(
    cwd: Path,
    *,
    file: str | None = None,
    check: bool = False,
    options: BuildOptions,
    reporter: Reporter,
) -> None:
    """Build the default targets for a commit; raise CommitRefused (or BuildFailed) if it must not go on.

    With `check`, build nothing: refuse if any job (not counting `always` ones) is stale. The files
    and the command the refusal names are as seen from `cwd`.
    """
    repo = find_repo(cwd)
    maestrofile = locate_maestrofile(repo, cwd, file)
    if check:
        loaded = load(maestrofile)
        stale = status(loaded, reporter=reporter)
        counted = [s.job.id for s in stale if s.counts_for_check]
        if counted:
            reporter.info(status_text(stale))
            raise CommitRefused(stale=counted, command=_build_command(repo, cwd, maestrofile))
        refuse_out_of_step(loaded, cwd, repo.top, dirty_files(repo.top), ())
        return
    loaded = load(maestrofile, save_cache=True)
    before = dirty_files(repo.top)
    env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
    try:
        build(loaded, options=options._replace(env=env), reporter=reporter)
    except (BuildFailed, Interrupted) as e:
        changed = named_from(cwd, repo.top, changed_files(before, dirty_files(repo.top)))
        if changed:
            what = "failed" if isinstance(e, BuildFailed) else "interrupted"
            reporter.warning(f"the {what} build also changed files that git tracks: {', '.join(changed)}")
        raise
    after = dirty_files(repo.top)
    refuse_out_of_step(loaded, cwd, repo.top, after, changed_files(before, after))


def is_buildlike_hook(text: bytes) -> bool:
    """Whether a hook file's content is one that `install_hook` wrote (it has the marker line)."""
    return any(line.startswith(MARKER_PREFIX.encode()) for line in text.splitlines())


def hook_script(*, python: str, check: bool = False, file: str | None = None, chained: bool = False) -> str:
    """The text of the plain-git pre-commit hook.

    `python` is the interpreter buildlike is installed in (PATH is the fallback); `file` is the
    Maestrofile relative to the top of the work tree; `chained`: run CHAINED_NAME first.
    """
    args = ["hook", "run", *(["--check"] if check else []), *(["-f", file] if file is not None else [])]
    command = " ".join(shlex.quote(a) for a in args)
    what = "anything is stale" if check else "the build fails or changes a file that git tracks"
    lines = [
        "#!/bin/sh",
        MARKER,
        f"# Refuses the commit if {what}. Skip it once with `git commit --no-verify`.",
    ]
    if chained:  # find the hooks folder before leaving the folder $0 may be relative to
        lines.append('hooks="$(cd "$(dirname "$0")" && pwd)" || exit 2')
    lines.append('cd "$(git rev-parse --show-toplevel)" || exit 2')
    if chained:
        lines += [
            "# The hook that was here before `buildlike hook install --chain`; it runs first, as it did.",
            f'if [ -x "$hooks/{CHAINED_NAME}" ]; then "$hooks/{CHAINED_NAME}" "$@" || exit $?; fi',
        ]
    lines += [
        f"python={shlex.quote(python)}",
        f'if [ -x "$python" ]; then exec "$python" -m buildlike {command}; fi',
        f"if command -v buildlike >/dev/null 2>&1; then exec buildlike {command}; fi",
        'echo "buildlike pre-commit hook: buildlike is not found ($python is gone, none on PATH);" >&2',
        'echo "install it, or remove this hook: buildlike hook uninstall (skip it once: git commit -n)" >&2',
        "exit 1",
    ]
    return "\n".join(lines) + "\n"


def _read_hook(path: Path) -> bytes | None:
    """A hook's content; None when there is none; b"" when it can't be read (a folder, a broken link)."""
    if not os.path.lexists(path):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return b""


def install_hook(
    cwd: Path, *, python: str, file: str | None = None, check: bool = False, chain: bool = False
) -> Installed:
    """Write buildlike's pre-commit hook where git looks for it, never losing a hook that was there.

    A foreign hook makes this raise HookConflict, unless `chain`: then it moves to CHAINED_NAME and the
    new hook runs it first. A hook buildlike wrote before is rewritten (keeping its chained hook).
    """
    repo = find_repo(cwd)
    # fail now rather than at every commit: the hook must find its Maestrofile
    maestrofile = locate_maestrofile(repo, cwd, file)
    stored = None
    if file is not None:
        top = os.path.realpath(repo.top)
        # The folder resolved, the name as given: a symlinked Maestrofile keeps its own state folder.
        real = os.path.join(os.path.realpath(os.path.dirname(maestrofile)), os.path.basename(maestrofile))
        stored = Path(os.path.relpath(real, top)).as_posix() if real.startswith(top + os.sep) else real
    existing = _read_hook(repo.hook)
    ours = existing is not None and is_buildlike_hook(existing)
    if existing is not None and not ours:
        if not chain:
            raise HookConflict(
                str(repo.hook),
                f"{repo.hook} is a pre-commit hook that buildlike did not install; left as it is. "
                f"Rerun with --chain to keep it and run it before the build, or move it away first",
            )
        if os.path.lexists(repo.chained):
            raise HookConflict(
                str(repo.chained),
                f"cannot chain the hook at {repo.hook}: {repo.chained} already exists; "
                f"left both as they are (merge them, or move one away, then install again)",
            )
    keep_chained = (existing is not None and not ours) or os.path.lexists(repo.chained)
    text = hook_script(python=python, check=check, file=stored, chained=keep_chained)
    _write_hook(repo, repo.hook, text, keep_as=repo.chained if existing is not None and not ours else None)
    return Installed(repo.hook, repo.chained if keep_chained else None, ours, _install_merge_hook(repo))


def _write_hook(repo: Repo, path: Path, text: str, *, keep_as: Path | None = None) -> None:
    """Write the executable script `text` at `path` in one step (a file beside it, renamed over it);
    the hook that was there moves to `keep_as` first, once the new one is written."""
    temp = repo.hooks / f".{path.name}.buildlike-{os.getpid()}"
    try:
        repo.hooks.mkdir(parents=True, exist_ok=True)
        temp.write_text(text)
        temp.chmod(0o755)
        if keep_as is not None:
            os.rename(path, keep_as)
        os.replace(temp, path)
    except OSError as e:  # e.g. core.hooksPath names a file
        raise UsageError(
            f"cannot write the {path.name} hook in {repo.hooks} (git's hooks folder, core.hooksPath): {e.strerror or e}"
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            temp.unlink()


def merge_hook_script() -> str:
    """The text of the pre-merge-commit hook: it runs the pre-commit hook, as git's sample does."""
    return (
        "\n".join(
            [
                "#!/bin/sh",
                MARKER,
                "# A merge made without conflicts runs this hook, not pre-commit: run that one.",
                'hook="$(dirname "$0")/pre-commit"',
                'if [ -x "$hook" ]; then exec "$hook" "$@"; fi',
            ]
        )
        + "\n"
    )


def _install_merge_hook(repo: Repo) -> Path | None:
    """Write the pre-merge-commit hook, unless one that buildlike did not write is there (None)."""
    existing = _read_hook(repo.merge_hook)
    if existing is not None and not is_buildlike_hook(existing):
        return None
    _write_hook(repo, repo.merge_hook, merge_hook_script())
    return repo.merge_hook


def uninstall_hook(cwd: Path) -> Uninstalled:
    """Remove buildlike's pre-commit hook and put back the one it chained; a foreign hook raises HookConflict."""
    repo = find_repo(cwd)
    existing = _read_hook(repo.hook)
    if existing is not None and not is_buildlike_hook(existing):
        raise HookConflict(
            str(repo.hook),
            f"{repo.hook} was not installed by buildlike (it has no '{MARKER_PREFIX}' line); left as it is",
        )
    merge = _read_hook(repo.merge_hook)
    if merge is not None and is_buildlike_hook(merge):
        repo.merge_hook.unlink()
    if os.path.lexists(repo.chained):
        os.replace(repo.chained, repo.hook)
        return Uninstalled(repo.hook, removed=existing is not None, restored=True)
    if existing is None:
        return Uninstalled(repo.hook, removed=False, restored=False)
    repo.hook.unlink()
    return Uninstalled(repo.hook, removed=True, restored=False)

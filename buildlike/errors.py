"""The `BuildlikeError` family: every error a user can cause, with its exit code and its facts;
and `Interrupted`, a KeyboardInterrupt.

Messages are written for users: where, what and, when possible, what to do. The front ends catch
these (`cli.py`; `watch.py`, which shows them and goes on watching); anything else escaping is a bug
and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple


def some_of(names: Sequence[str], shown: int = 5) -> str:
    """The first `shown` of `names`, and how many more, for a message: `a, b, c, d, e and 7 more`."""
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def one_line(text: str) -> str:
    """`text` with its line breaks written `\\n` and `\\r`: a job id or path from a file name that holds
    one, in output read line by line (`status`: one line per stale job)."""
    return text.replace("\r", "\\r").replace("\n", "\\n") if "\n" in text or "\r" in text else text


class BuildlikeError(Exception):
    """Base class: a message for the user and the process exit code that goes with it."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Problem(NamedTuple):
    """One thing wrong with a Maestrofile, located as precisely as we know."""

    message: str
    file: str | None = None
    line: int | None = None
    rule: str | None = None
    path: str | None = None
    key: str | None = None  # the rule's key it is about (`inputs`): `tomlsource.at_keys` finds its line

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        rule = f"rule '{self.rule}': " if self.rule is not None else ""
        return f"{where}{rule}{self.message}"


class MaestrofileError(BuildlikeError):
    """The Maestrofile (or the files it names) cannot be built as written; every problem at once."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(BuildlikeError):
    """Bad command-line use: unknown target, bad option value, no Maestrofile."""

    exit_code = 2


class UnknownTargets(UsageError):
    """Targets that name no rule, job or output of the Maestrofile; `hinted`: those of them that the
    message suggests one for (a did-you-mean)."""

    def __init__(self, message: str, targets: Iterable[str], *, hinted: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.targets = tuple(targets)
        self.hinted = tuple(hinted)


class BuildFailed(BuildlikeError):
    """At least one job failed; the failures were already shown as they happened."""

    exit_code = 1

    def __init__(self, failed: Iterable[str], *, ran: Iterable[str] = (), skipped: Iterable[str] = ()) -> None:
        self.failed = tuple(failed)
        self.ran = tuple(ran)  # the jobs that succeeded before it stopped (or all the others, with -k)
        self.skipped = tuple(skipped)  # the jobs that did not run, for a failure
        n = len(self.failed)
        super().__init__(f"build failed: {n} job{'s' if n != 1 else ''} failed ({', '.join(self.failed)})")


class StaleWork(BuildlikeError):
    """`status --check` found work to do."""

    exit_code = 1

    def __init__(self, stale: Iterable[str]) -> None:
        self.stale = tuple(stale)
        n = len(self.stale)
        super().__init__(f"{n} job{'s are' if n != 1 else ' is'} stale")


class LockBusy(BuildlikeError):
    """Another build holds the project and `--no-wait` was given."""

    exit_code = 1

    def __init__(self, lock_path: str, holder: str) -> None:
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(
            f"another build is running in this project ({holder}); "
            f"wait for it, or run without --no-wait to queue behind it"
        )


class StateError(BuildlikeError):
    """The build state could not be saved (full disk, read-only folder)."""

    exit_code = 1


class TooFewDescriptors(BuildlikeError):
    """The limit on open files leaves the build none for its own use: nothing ran."""

    exit_code = 1

    def __init__(self, limit: int | None) -> None:
        where = f" (`ulimit -n` is {limit})" if limit is not None else ""
        super().__init__(
            f"the limit on open files{where} leaves none for the build itself, nothing was run; raise it"
            " (`ulimit -n 1024`)"
        )


CANCELLED = "cancelled"  # the `signal_name` of an Interrupted for a `Cancel` request (interrupts.py)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP (or a `Cancel`) stopped a build, and its running commands.

    A KeyboardInterrupt, as Ctrl-C is anywhere in Python, and not a BuildlikeError, so that a
    caller's `except Exception` does not swallow it; it has their `message` and `exit_code` though.
    """

    exit_code = 130

    def __init__(self, signal_name: str = "SIGINT") -> None:
        self.signal_name = signal_name  # or CANCELLED
        said = "cancelled" if signal_name == CANCELLED else f"interrupted by {signal_name}"
        self.message = f"{said}; stopped the running commands"
        super().__init__(self.message)


class CommitRefused(BuildlikeError):
    """The pre-commit hook refuses the commit: the build changed files that git tracks, or work is stale."""

    exit_code = 1

    def __init__(
        self,
        *,
        changed: Iterable[str] = (),
        stale: Iterable[str] = (),
        command: str = "buildlike",
        always: Iterable[tuple[str, str]] = (),
        unstaged: Iterable[str] = (),
        sources: Iterable[str] = (),
    ) -> None:
        """`command`: what builds the hook's Maestrofile from the folder `hook run` ran in; `always`:
        the changed files that an `always` rule makes, each with the rule; `unstaged`: files the
        build makes that an earlier build changed and that are not staged; `sources`: files with
        changes not staged that a job whose output git tracks reads."""
        self.changed = tuple(changed)
        self.unstaged = tuple(unstaged)
        self.sources = tuple(sources)
        self.stale = tuple(stale)
        if not self.changed and not self.unstaged and self.sources:
            n = len(self.sources)
            message = (
                f"commit refused: {n} source{'s' if n != 1 else ''} of files that git tracks"
                f" {'have' if n != 1 else 'has'} changes that are not staged, and the build reads the"
                " work tree: stage them too, or set them aside (git stash --keep-index) and commit again:\n"
                + "\n".join(f"  {p}" for p in self.sources)
            )
        elif self.changed or self.unstaged:
            n = len(self.changed) + len(self.unstaged)
            files = f"{n} file{'s' if n != 1 else ''} that git tracks"
            if not self.unstaged:
                what = f"the build changed {files}"
            elif not self.changed:
                what = f"{files} and the build makes differ from what is staged (made by an earlier build)"
            else:
                what = f"the build changed or made {files} that differ from what is staged"
            message = (
                f"commit refused: {what}; check the changes, stage them (git add) and commit again"
                " (to commit named paths, `git commit PATH...`, name them too):\n"
                + "\n".join(f"  {p}" for p in (*self.changed, *self.unstaged))
            )
            if self.sources:
                message += (
                    "\nthey were built from changes that are not staged; stage these too, or set them aside"
                    " (git stash --keep-index), then build and commit again:\n"
                    + "\n".join(f"  {p}" for p in self.sources)
                )
            for path, rule in always:
                message += (
                    f"\n{path} is made by rule '{rule}', which has `always = true`: if it changes on every"
                    " build (a date, a counter), every commit will be refused; let git ignore it (untrack"
                    " it), or drop `always`"
                )
        else:
            n = len(self.stale)
            message = (
                f"commit refused: {n} job{'s are' if n != 1 else ' is'} stale ({', '.join(self.stale)}); "
                f"run {command}, stage the files it changes (git add) and commit again"
            )
        super().__init__(message)


class HookConflict(BuildlikeError):
    """`hook install`/`uninstall` found a pre-commit hook that buildlike did not write; it was left alone."""

    exit_code = 2

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)

"""What the user sees while a build runs: progress lines, job output, failures, warnings.

A job's captured output is printed whole when the job ends, so the output of parallel jobs never
interleaves. Progress goes to stdout; warnings and failures go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from buildlike.errors import Problem, one_line, some_of
from buildlike.executor import Outcome
from buildlike.jobs import Job


def _signal_name(code: int) -> str:
    import signal

    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _shorten(command: str, limit: int = 2000) -> str:
    """A command as a failure shows it: one naming 20,000 inputs is cut in the middle."""
    if len(command) <= limit:
        return command
    head, tail = command[: limit * 3 // 4], command[-limit // 4 :]
    return f"{head} [... {len(command) - len(head) - len(tail)} characters not shown ...] {tail}"


def _nowhere() -> TextIO:
    import os

    return open(os.devnull, "w")  # (lives as long as the reporter, as sys.stdout would)


class Reporter:
    # Whether what it reports on goes on once the reader of its output went away (`buildlike | head
    # -1`): a build does, without its progress lines; watch does not, as it would go on for ever.
    outlives_reader = True

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        verbose: bool = False,
        quiet: bool = False,
        owns_streams: bool = False,
    ) -> None:
        # (None when the process started with that descriptor closed: `buildlike >&-`)
        self.out = out if out is not None else sys.stdout or _nowhere()
        self.err = err if err is not None else sys.stderr or _nowhere()
        self.verbose = verbose
        self.quiet = quiet
        # The streams are the process's own (the CLI's): a descriptor whose reader went away may be
        # pointed at /dev/null. Never a caller's, whose descriptor is theirs to keep.
        self.owns_streams = owns_streams

    def _print(self, text: str, *, err: bool = False) -> None:
        stream = self.err if err else self.out
        text = text if text.endswith("\n") else text + "\n"
        try:
            try:
                stream.write(text)
            except UnicodeEncodeError:  # a name that is not UTF-8, on a strict stream (the CLI's are not)
                stream.write(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            stream.flush()
        except BrokenPipeError as e:
            self._gone(e, err=err)

    def _dump(self, data: bytes, *, err: bool = False) -> None:
        """A job's output as it wrote it, byte for byte (Latin-1 messages, binary dumps), ended by a newline."""
        if not data:
            return
        stream = self.err if err else self.out
        data = data if data.endswith(b"\n") else data + b"\n"
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text-only stream (a caller's StringIO): the best it can take
            self._print(data.decode("utf-8", errors="replace"), err=err)
            return
        try:
            stream.flush()  # what was printed before comes first
            binary.write(data)
            binary.flush()
        except BrokenPipeError as e:
            self._gone(e, err=err)

    def _gone(self, error: BrokenPipeError, *, err: bool) -> None:
        """The reader of a stream went away (`buildlike | head -1`): the build goes on without what
        would have gone there, as it does when started with that stream closed (or `error` is raised
        again, unless it `outlives_reader`). The process's own descriptor now leads to /dev/null, so
        that what is still buffered in it goes nowhere at exit, quietly."""
        import contextlib
        import os

        if not self.outlives_reader:
            raise error
        stream = self.err if err else self.out
        nowhere = _nowhere()
        if self.owns_streams:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(nowhere.fileno(), stream.fileno())
        if err:
            self.err = nowhere
        else:
            self.out = nowhere

    def warning(self, message: Problem | str) -> None:
        self._print(f"warning: {message}", err=True)

    def info(self, message: str) -> None:
        if not self.quiet:
            self._print(message)

    def waiting_for_lock(self, holder: str) -> None:
        self._print(
            f"another build is running in this project ({holder}); waiting for it to finish",
            err=True,
        )

    def command_started(self, job: Job, command: str) -> None:
        if self.verbose:
            self._print(f"+ {command}")

    def job_finished(self, done: int, total: int, job: Job, outcome: Outcome) -> None:
        if not self.quiet:
            self._print(f"[{done}/{total}] {job.description}")
            self._dump(outcome.output)

    def job_cut_off(self, job: Job) -> None:
        if self.verbose:
            self._print(f"up to date after all: {job.description} (its inputs were remade unchanged)")

    def job_failed(
        self, job: Job, outcome: Outcome, *, missing: tuple[str, ...] = (), unreadable_depfile: str | None = None
    ) -> None:
        lines = [one_line(f"FAILED: {job.description} (job '{job.id}')")]
        if missing or unreadable_depfile:
            if len(job.commands) == 1:
                lines.append(f"  command (exit code 0): {_shorten(job.commands[0])}")
                did = "the command succeeded"
            else:  # (one per line: each ran in a shell of its own, a `cd` in one does not carry over)
                lines.append("  commands (exit code 0), each in a shell of its own:")
                lines.extend(f"    {_shorten(c)}" for c in job.commands)
                did = "the commands succeeded"
            if missing:
                lines.append(f"  {did} but did not create: {', '.join(missing)}")
            else:
                lines.append(f"  {did} but its depfile cannot be read: {unreadable_depfile}")
        else:
            code = outcome.exit_code
            why = f"exit code {code}" if code > 0 else f"killed by {_signal_name(code)}"
            lines.append(f"  command ({why}): {_shorten(outcome.failed_command or '')}")
        self._print("\n".join(lines), err=True)
        self._dump(outcome.output, err=True)

    def jobs_skipped(self, jobs: list[Job]) -> None:
        if jobs:
            names = some_of([j.id for j in jobs])
            self._print(
                f"skipped {len(jobs)} job{'s that need' if len(jobs) != 1 else ' that needs'} a failed one: {names}",
                err=True,
            )

    def jobs_not_started(self, jobs: list[Job]) -> None:
        if jobs:
            names = some_of([j.id for j in jobs])
            n = len(jobs)
            self._print(
                f"not started: {n} job{'s' if n != 1 else ''}, as a build stops at its first failure "
                f"(-k builds all that does not need a failed job): {names}",
                err=True,
            )

    def would_run(self, job: Job, why: str) -> None:
        self._print(one_line(f"would run: {job.description} ({why})"))
        if self.verbose:
            self._print("\n".join(f"  + {c}" for c in job.commands))

    def nothing_to_do(self) -> None:
        self.info("buildlike: nothing to do, everything is up to date")

    def interrupted(self, running: int) -> None:
        stopping = f": stopping {running} running command{'s' if running != 1 else ''}" if running else ""
        self._print(f"interrupted{stopping}", err=True)

    def summary(self, ran: int, failed: Sequence[str], seconds: float) -> None:
        """The build's last line; with failures, which (the CLI then says no more of them)."""
        if failed:
            n = len(failed)
            self._print(
                f"buildlike: {n} job{'s' if n != 1 else ''} failed ({some_of(failed)}), {ran} ran ({seconds:.2f}s)",
                err=True,
            )
        elif not self.quiet:
            self._print(f"buildlike: {ran} job{'s' if ran != 1 else ''} ran ({seconds:.2f}s)")


class WatchReporter(Reporter):
    """What `buildlike watch` shows: the build's output, then one timestamped status line per build."""

    outlives_reader = False

    def _status(self, text: str, *, err: bool = False) -> None:
        import time

        self._print(f"[{time.strftime('%H:%M:%S')}] {text}", err=err)

    _idle_said = False  # by this build's own status line (a dry run with nothing to do)

    def nothing_to_do(self) -> None:
        self._idle_said = True
        if not self.quiet:
            self._status("nothing to do, everything is up to date; watching for changes")

    def summary(self, ran: int, failed: Sequence[str], seconds: float) -> None:
        jobs = f"{ran} job{'s' if ran != 1 else ''} ran"
        if failed:
            n = len(failed)
            self._status(
                f"{n} job{'s' if n != 1 else ''} failed, {jobs} ({seconds:.2f}s); waiting for changes",
                err=True,
            )
        elif not self.quiet:
            self._status(f"{jobs} ({seconds:.2f}s); watching for changes")

    def watch_started(self, folders: int, *, poll: float | None) -> None:
        how = f"polling every {poll:g}s" if poll is not None else "file system events"
        self.info(f"buildlike: watching {folders} folder{'s' if folders != 1 else ''} ({how}); Ctrl-C to stop")

    def error(self, message: str) -> None:
        self._print(f"error: {message}", err=True)

    def watch_blocked(self) -> None:
        """After an error that stopped the build before it ran (bad Maestrofile, busy lock)."""
        self._status("cannot build; waiting for changes", err=True)

    def watch_idle(self) -> None:
        """After a dry run, which prints no summary of its own (but says when it had nothing to do)."""
        said, self._idle_said = self._idle_said, False
        if not self.quiet and not said:
            self._status("watching for changes")

    def changed(self, paths: list[str]) -> None:
        if not self.quiet and paths:
            self._print(f"changed: {some_of(paths, 3)}")

    def restarting(self) -> None:
        self._status("changes while building: restarting the build", err=True)

    def not_watched(self, folders: list[str]) -> None:
        self.warning(
            f"not watching {len(folders)} folder{'s' if len(folders) != 1 else ''} outside the project:"
            f" {some_of(folders, 3)}"
        )

    def clear_screen(self) -> None:
        self.out.write("\x1b[H\x1b[2J\x1b[3J")  # (watch's: the reader gone, watching ends)
        self.out.flush()

    def watch_stopped(self) -> None:
        self.info("buildlike: stopped watching")

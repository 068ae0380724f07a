"""The command line: typer commands over `api`, and `BuildlikeError`s turned into exit codes.

A plain build was already parsed by __main__.py (which answers an idle build by itself); everything
else goes through the typer application built in `make_app`.
"""

# No `from __future__ import annotations` here: typer reads the annotations of the commands, which
# name option types defined inside `make_app`, so they must be evaluated where they are written.
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from buildlike import __version__
from buildlike.errors import BuildFailed, BuildlikeError, Interrupted, MaestrofileError, StaleWork, UnknownTargets

if TYPE_CHECKING:
    import typer

    from buildlike.graph import JobGraph


# watch.DEBOUNCE_RANGE (in ms) and watch.POLL_RANGE, for `watch --debounce` and `--poll`: written out,
# as importing watch.py to build the typer application would slow every command down (a unit test
# keeps them equal).
DEBOUNCE_RANGE_MS = (0, 60_000)
POLL_RANGE = (0.01, 3600)


class CommonOptions(NamedTuple):
    """The options every command shares (SPEC: common options)."""

    file: str | None = None
    directory: str | None = None
    jobs: int | None = None
    keep_going: bool = False
    dry_run: bool = False
    verbose: bool = False
    quiet: bool = False
    no_wait: bool = False
    targets: tuple[str, ...] = ()
    always_make: bool = False


class Misread(NamedTuple):
    """What a bare `buildlike ...` (a build) may have meant as a command (see `_report_error`)."""

    commands: tuple[str, ...] = ()  # the command names given after options (`buildlike -C DIR status`)
    first: str | None = None  # the word where a command goes, which is none (`buildlike stauts`)
    known: tuple[str, ...] = ()  # every command's name


def _report_error(e: BuildlikeError, misread: Misread = Misread()) -> None:
    """Print `e` for the user; when a bare `buildlike ...` names unknown targets that look like
    commands (`misread`), also say how to run those."""
    if isinstance(e, MaestrofileError):
        for p in e.problems:
            print(f"error: {p}", file=sys.stderr)
    elif isinstance(e, BuildFailed):
        pass  # the build's last line named the failed jobs
    else:
        # Several unknown targets are a line each, each a message of its own.
        lines = e.message.splitlines() if isinstance(e, UnknownTargets) else [e.message]
        for line in lines:
            print(f"buildlike: {line}", file=sys.stderr)
    if isinstance(e, UnknownTargets):
        for name in (t for t in e.targets if t in misread.commands):
            print(
                f"buildlike: to run the {name} command, write it first: options follow the command,"
                f" as in `buildlike {name} -C DIR`",
                file=sys.stderr,
            )
        first = misread.first
        if first is not None and first in e.targets and first not in e.hinted and first not in misread.commands:
            import difflib

            close = difflib.get_close_matches(first, misread.known, n=1, cutoff=0.6)
            if close:
                print(f"buildlike: did you mean the command `buildlike {close[0]}`?", file=sys.stderr)


def run_guarded(action: Callable[[], int], misread: Misread = Misread()) -> int:
    """Run `action`, turning our errors and Ctrl-C into messages and exit codes."""
    try:
        return action()
    except BuildlikeError as e:
        _report_error(e, misread)
        return e.exit_code
    except Interrupted as e:
        print(f"buildlike: {e.message}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("buildlike: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("buildlike: out of memory (see `ulimit -v`)", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `buildlike graph | head`: the reader is gone, so is what we had to say
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # else the flush at exit fails again, with a traceback
        os.close(devnull)
        return 1


def do_build(o: CommonOptions) -> int:
    from buildlike.api import BuildOptions, build, load
    from buildlike.reporter import Reporter

    reporter = Reporter(verbose=o.verbose, quiet=o.quiet, owns_streams=True)
    loaded = load(o.file, directory=o.directory, save_cache=not o.dry_run, targets=o.targets)
    build(
        loaded,
        o.targets,
        options=BuildOptions(
            jobs=o.jobs, keep_going=o.keep_going, dry_run=o.dry_run, no_wait=o.no_wait, always_make=o.always_make
        ),
        reporter=reporter,
    )
    return 0


def do_watch(o: CommonOptions, debounce: float, restart: bool, clear: bool, poll: float | None) -> int:
    from buildlike.api import BuildOptions
    from buildlike.reporter import WatchReporter
    from buildlike.watch import WatchOptions, watch

    return watch(
        o.file,
        directory=o.directory,
        targets=o.targets,
        build_options=BuildOptions(jobs=o.jobs, keep_going=o.keep_going, dry_run=o.dry_run, no_wait=o.no_wait),
        options=WatchOptions(debounce=debounce, restart=restart, clear=clear, poll=poll),
        reporter=WatchReporter(verbose=o.verbose, quiet=o.quiet, owns_streams=True),
        on_error=_report_error,
        then_exit=True,
    )


def _note_shadowed(graph: "JobGraph", command: str, o: CommonOptions) -> None:
    """A rule with the name of the command being run: say how to build it (`buildlike clean` cleans);
    not with -q, nor when targets are named (`buildlike clean clean` means it)."""
    if command in graph.rule_lines and not o.quiet and not o.targets:
        print(
            f"buildlike: note: `buildlike {command}` runs the {command} command; to build the rule"
            f" '{command}', write `buildlike build {command}`",
            file=sys.stderr,
        )


def do_status(o: CommonOptions, *, check: bool) -> int:
    from buildlike.api import load, status
    from buildlike.render import status_text
    from buildlike.reporter import Reporter

    loaded = load(o.file, directory=o.directory, targets=o.targets)
    _note_shadowed(loaded.graph, "status", o)
    stale = status(loaded, o.targets, reporter=Reporter(quiet=o.quiet, owns_streams=True))
    if not o.quiet:
        print(status_text(stale))
    counted = [s.job.id for s in stale if s.counts_for_check]
    if check and counted:
        raise StaleWork(counted)
    return 0


def do_print(o: CommonOptions, what: str) -> int:
    from buildlike.api import discovered_edges, load, named_jobs
    from buildlike.render import dot_text, list_text

    loaded = load(o.file, directory=o.directory, targets=o.targets, inputs=False)  # (they look at the rules alone)
    graph = loaded.graph
    _note_shadowed(graph, what, o)
    if what == "graph":
        print(dot_text(graph, discovered_edges(loaded)))
    else:
        chosen = named_jobs(loaded, o.targets) if o.targets else None
        rules = [t for t in o.targets if t in graph.rule_lines]
        print(list_text(graph, chosen, rules=rules, verbose=o.verbose))
    return 0


def do_clean(o: CommonOptions) -> int:
    from buildlike.api import clean, load
    from buildlike.reporter import Reporter

    reporter = Reporter(verbose=o.verbose, quiet=o.quiet, owns_streams=True)
    loaded = load(o.file, directory=o.directory)
    _note_shadowed(loaded.graph, "clean", o)
    removed = clean(loaded, o.targets, reporter=reporter, no_wait=o.no_wait, dry_run=o.dry_run)
    files = f"{len(removed)} file{'s' if len(removed) != 1 else ''}"
    if o.dry_run:
        for p in removed:
            print(f"would delete {p}")
        reporter.info(f"buildlike: would delete {files} that buildlike made (dry run: nothing was deleted)")
        return 0
    if o.verbose:
        for p in removed:
            print(f"deleted {p}")
    reporter.info(f"buildlike: deleted {files} that buildlike made")
    return 0


def do_hook_run(o: CommonOptions, *, check: bool) -> int:
    from pathlib import Path

    from buildlike.api import BuildOptions
    from buildlike.hook import run_hook
    from buildlike.reporter import Reporter

    reporter = Reporter(verbose=o.verbose, quiet=o.quiet, owns_streams=True)
    options = BuildOptions(jobs=o.jobs, keep_going=o.keep_going, no_wait=o.no_wait)
    run_hook(Path.cwd(), file=o.file, check=check, options=options, reporter=reporter)
    return 0


def do_hook_install(file: str | None, *, check: bool, chain: bool) -> int:
    from pathlib import Path

    from buildlike.hook import install_hook

    done = install_hook(Path.cwd(), python=sys.executable, file=file, check=check, chain=chain)
    print(f"buildlike: {'updated' if done.updated else 'installed'} the pre-commit hook {done.path}")
    if done.chained is not None:
        print(f"buildlike: the hook that was there before is kept as {done.chained} and runs first")
    if done.merge_hook is None:
        print(
            "buildlike: note: a pre-merge-commit hook that buildlike did not write is there, left as it is:"
            " merges made without conflicts run it, not the build",
            file=sys.stderr,
        )
    return 0


def do_hook_uninstall() -> int:
    from pathlib import Path

    from buildlike.hook import uninstall_hook

    done = uninstall_hook(Path.cwd())
    if done.removed:
        print(f"buildlike: removed the pre-commit hook {done.path}")
    elif not done.restored:
        print(f"buildlike: no pre-commit hook at {done.path}; nothing to remove")
    if done.restored:
        print(f"buildlike: put the hook that was there before back at {done.path}")
    return 0


def _print_version(value: bool) -> None:
    """The callback of `--version` (SPEC: a common option, accepted after every command)."""
    if value:
        import typer

        print(f"buildlike {__version__}")
        raise typer.Exit(0)


def _hook_app() -> "typer.Typer":
    """`buildlike hook install|uninstall|run`: a git pre-commit hook that runs the build."""
    from typing import Annotated

    import typer

    app = typer.Typer(
        no_args_is_help=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="A git pre-commit hook that runs the build.",
    )
    File = Annotated[
        str | None,
        typer.Option(
            "--file", "-f", help="The Maestrofile (default: the one at the repository's top).", metavar="PATH"
        ),
    ]
    Check = Annotated[bool, typer.Option("--check", help="Build nothing; refuse the commit if anything is stale.")]
    Version = Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ]

    def finish(code: int) -> NoReturn:
        raise typer.Exit(code)

    @app.callback()
    def _hook(show_version: Version = False) -> None:
        """A git pre-commit hook that runs the build."""

    @app.command()
    def install(
        file: File = None,
        check: Check = False,
        chain: Annotated[
            bool, typer.Option("--chain", help="Keep an existing pre-commit hook and run it first.")
        ] = False,
        show_version: Version = False,
    ) -> None:
        """Write a pre-commit hook (where git looks for hooks) that runs `buildlike hook run`."""
        finish(run_guarded(lambda: do_hook_install(file, check=check, chain=chain)))

    @app.command()
    def uninstall(show_version: Version = False) -> None:
        """Remove the hook that `buildlike hook install` wrote, putting back a chained one."""
        finish(run_guarded(do_hook_uninstall))

    @app.command("run")
    def run_(
        file: File = None,
        check: Check = False,
        jobs: Annotated[
            int | None, typer.Option("--jobs", "-j", min=1, metavar="N", help="Run at most N commands.")
        ] = None,
        keep_going: Annotated[bool, typer.Option("--keep-going", "-k", help="Go on after a failure.")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print the commands.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings, failures and errors.")] = False,
        show_version: Version = False,
    ) -> None:
        """Build for a commit: fail if the build fails or changes a file that git tracks."""
        o = CommonOptions(file, jobs=jobs, keep_going=keep_going, verbose=verbose, quiet=quiet)
        finish(run_guarded(lambda: do_hook_run(o, check=check)))

    return app


def make_app(misread: Misread = Misread()) -> "typer.Typer":
    """The typer application (imported only when the fast path does not apply); `misread`: see
    `_report_error`, for a bare `buildlike ...`."""
    import math
    from typing import Annotated

    import typer

    app = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    File = Annotated[str | None, typer.Option("--file", "-f", help="The Maestrofile to use.", metavar="PATH")]
    Directory = Annotated[
        str | None,
        typer.Option("--directory", "-C", help="Run as if started in DIR.", metavar="DIR"),
    ]
    Jobs = Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Run at most N commands at once.", metavar="N"),
    ]
    KeepGoing = Annotated[bool, typer.Option("--keep-going", "-k", help="Go on with other jobs after a failure.")]
    DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Say what would run; run and write nothing.")]
    Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Print the commands.")]
    Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings, failures and errors.")]
    NoWait = Annotated[bool, typer.Option("--no-wait", help="Fail at once if another build holds the project.")]
    Targets = Annotated[list[str] | None, typer.Argument(help="Rules, jobs or output files.", show_default=False)]

    def finish(code: int) -> NoReturn:
        raise typer.Exit(code)

    Version = Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ]

    def not_nan(value: float | None) -> float | None:
        if value is not None and math.isnan(value):  # (the range check lets NaN through: it compares false)
            raise typer.BadParameter(f"nan is not in the range {POLL_RANGE[0]:g}<=x<={POLL_RANGE[1]:g}.")
        return value

    @app.callback()
    def _root(show_version: Version = False) -> None:
        """Run the stale jobs of a Maestrofile.toml, in parallel, in dependency order.

        A bare `buildlike [OPTIONS] [TARGET...]` means `buildlike build [OPTIONS] [TARGET...]`: see
        `buildlike build -h` for the options.
        """

    @app.command()
    def build(
        targets: Targets = None,
        file: File = None,
        directory: Directory = None,
        jobs: Jobs = None,
        keep_going: KeepGoing = False,
        dry_run: DryRun = False,
        verbose: Verbose = False,
        quiet: Quiet = False,
        no_wait: NoWait = False,
        always_make: Annotated[
            bool, typer.Option("--always-make", "-B", help="Run every job the targets need, stale or not.")
        ] = False,
        show_version: Version = False,
    ) -> None:
        """Build the named rules or output files (default: the default targets) and what they need."""
        o = CommonOptions(
            file,
            directory,
            jobs,
            keep_going,
            dry_run,
            verbose,
            quiet,
            no_wait,
            tuple(targets or ()),
            always_make,
        )
        finish(run_guarded(lambda: do_build(o), misread))

    @app.command()
    def watch(
        targets: Targets = None,
        file: File = None,
        directory: Directory = None,
        jobs: Jobs = None,
        keep_going: KeepGoing = False,
        dry_run: DryRun = False,
        verbose: Verbose = False,
        quiet: Quiet = False,
        no_wait: NoWait = False,
        debounce: Annotated[
            int,
            typer.Option(
                "--debounce",
                min=DEBOUNCE_RANGE_MS[0],
                max=DEBOUNCE_RANGE_MS[1],
                metavar="MS",
                help="Wait until no change came for MS milliseconds.",
            ),
        ] = 100,
        restart: Annotated[
            bool, typer.Option("--restart", help="A change stops a running build and starts it over.")
        ] = False,
        clear: Annotated[bool, typer.Option("--clear", help="Clear the screen before each build.")] = False,
        poll: Annotated[
            float | None,
            typer.Option(
                "--poll",
                min=POLL_RANGE[0],
                max=POLL_RANGE[1],
                callback=not_nan,
                metavar="[SECONDS]",
                help="Scan the folders every SECONDS (default 1) instead of waiting for OS events.",
            ),
        ] = None,
        show_version: Version = False,
    ) -> None:
        """Build, then rebuild on every change of an input or of the Maestrofile, until Ctrl-C."""
        o = CommonOptions(file, directory, jobs, keep_going, dry_run, verbose, quiet, no_wait, tuple(targets or ()))
        w = (debounce / 1000, restart, clear, poll)
        finish(run_guarded(lambda: do_watch(o, *w)))

    @app.command()
    def status(
        targets: Targets = None,
        file: File = None,
        directory: Directory = None,
        quiet: Quiet = False,
        check: Annotated[bool, typer.Option("--check", help="Exit 1 if anything is stale.")] = False,
        show_version: Version = False,
    ) -> None:
        """Say what is stale and why; run nothing, write nothing."""
        o = CommonOptions(file, directory, quiet=quiet, targets=tuple(targets or ()))
        finish(run_guarded(lambda: do_status(o, check=check)))

    @app.command("list")
    def list_(
        targets: Targets = None,
        file: File = None,
        directory: Directory = None,
        verbose: Annotated[
            bool, typer.Option("--verbose", "-v", help="Show each job's inputs, outputs, env and commands.")
        ] = False,
        show_version: Version = False,
    ) -> None:
        """List the rules and their jobs, with descriptions: all, or those the targets name."""
        o = CommonOptions(file, directory, verbose=verbose, targets=tuple(targets or ()))
        finish(run_guarded(lambda: do_print(o, "list")))

    @app.command()
    def graph(file: File = None, directory: Directory = None, show_version: Version = False) -> None:
        """Print the job graph in Graphviz DOT (`buildlike graph | dot -Tsvg > graph.svg`)."""
        finish(run_guarded(lambda: do_print(CommonOptions(file, directory), "graph")))

    @app.command()
    def clean(
        targets: Targets = None,
        file: File = None,
        directory: Directory = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Name each file deleted.")] = False,
        quiet: Quiet = False,
        no_wait: NoWait = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", "-n", help="Say what would be deleted; delete nothing.")
        ] = False,
        show_version: Version = False,
    ) -> None:
        """Delete the outputs that buildlike made (for the targets: of the jobs they need), and nothing else."""
        o = CommonOptions(
            file,
            directory,
            verbose=verbose,
            quiet=quiet,
            no_wait=no_wait,
            dry_run=dry_run,
            targets=tuple(targets or ()),
        )
        finish(run_guarded(lambda: do_clean(o)))

    app.add_typer(_hook_app(), name="hook")
    return app


def bare_poll(args: list[str]) -> list[str]:
    """Read `watch --poll` not followed by a number as `--poll=1` (typer has no optional option values)."""
    if not args or args[0] != "watch" or "--poll" not in args:
        return args
    out: list[str] = []
    for k, a in enumerate(args):
        if a == "--":
            out.extend(args[k:])
            break
        if a == "--poll":
            following = args[k + 1] if k + 1 < len(args) else ""
            try:
                float(following)
            except ValueError:
                a = "--poll=1"
        out.append(a)
    return out


def run(args: Sequence[str], parsed: dict[str, object] | None, *, misread: Misread = Misread()) -> int:
    """Run a command line; `parsed` holds its command and options when __main__ could read them
    (`parse_args`): then typer is not even imported. `misread`: see `_report_error`."""
    if parsed is not None:
        values = dict(parsed)
        command, check = values.pop("command"), bool(values.pop("check", False))
        options = CommonOptions(**values)  # type: ignore[arg-type]
        if command == "status":
            return run_guarded(lambda: do_status(options, check=check))
        if command in ("list", "graph"):
            return run_guarded(lambda: do_print(options, str(command)))
        return run_guarded(lambda: do_build(options), misread)
    app = make_app(misread)
    try:
        app(args=bare_poll(list(args)), prog_name="buildlike")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0

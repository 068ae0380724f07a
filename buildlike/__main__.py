"""The `buildlike` command and `python -m buildlike`: read the arguments, answer an idle build.

A plain `buildlike [build] [OPTIONS] [TARGET...]` is parsed here without typer, and when the clean
snapshot proves there is nothing to do, that is the whole run: no engine, no typer, no SQLite (~70 ms
of imports saved on every no-op). Anything else, or anything this parser does not know, goes to
cli.py, whose typer commands give the same meaning or the usage error.
"""

import os  # first: nothing of buildlike's may run before the hooks below (no `__future__` either)
import sys


def _interrupted(e: BaseException) -> bool:
    """Whether `e` is Ctrl-C: Python 3.11 hands one that came while a class was being made (in an
    import) on as a RuntimeError ("Error calling __set_name__"), caused by it."""
    return isinstance(e, KeyboardInterrupt) or (
        isinstance(e, RuntimeError) and isinstance(e.__cause__, KeyboardInterrupt)
    )


def _quiet_interrupt(kind: type[BaseException], value: BaseException, tb: object) -> None:
    """Ctrl-C in the instant before `main` catches it: the message and exit 130, not a traceback."""
    if not _interrupted(value):
        sys.__excepthook__(kind, value, tb)  # type: ignore[arg-type]
        return
    try:  # noqa: SIM105 - contextlib is one import too many on the no-op path
        sys.stdout.flush()
    except Exception:  # (a closed pipe)
        pass
    sys.stderr.write("buildlike: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def _quiet_unraisable(unraisable: "sys.UnraisableHookArgs") -> None:
    """The same for Ctrl-C as the interpreter shuts down (Python reports it as "Exception ignored")."""
    if unraisable.exc_value is not None and _interrupted(unraisable.exc_value):
        _quiet_interrupt(KeyboardInterrupt, unraisable.exc_value, None)
    sys.__unraisablehook__(unraisable)


if sys.excepthook is sys.__excepthook__:
    sys.excepthook = _quiet_interrupt
if sys.unraisablehook is sys.__unraisablehook__:
    sys.unraisablehook = _quiet_unraisable

COMMANDS = ("build", "watch", "status", "list", "graph", "clean", "hook")
_TOP_LEVEL_FLAGS = ("--help", "-h", "--version", "--install-completion", "--show-completion")
_FLAGS = {
    "-k": "keep_going",
    "--keep-going": "keep_going",
    "-n": "dry_run",
    "--dry-run": "dry_run",
    "-v": "verbose",
    "--verbose": "verbose",
    "-q": "quiet",
    "--quiet": "quiet",
    "--no-wait": "no_wait",
    "--check": "check",
}
_VALUED = {
    "-f": "file",
    "--file": "file",
    "-C": "directory",
    "--directory": "directory",
    "-j": "jobs",
    "--jobs": "jobs",
}
# The commands read here, with the options (by name) and whether targets each takes; the others,
# and any other option, go to typer. `status` and `list` then answer without importing it (~40 ms).
_READ_HERE: dict[str, tuple[frozenset[str], bool]] = {
    "build": (frozenset(("keep_going", "dry_run", "verbose", "quiet", "no_wait", "file", "directory", "jobs")), True),
    "status": (frozenset(("quiet", "check", "file", "directory")), True),
    "list": (frozenset(("file", "directory", "verbose")), True),
    "graph": (frozenset(("file", "directory")), False),
}


def parse_args(args: list[str]) -> dict[str, object] | None:
    """`COMMAND [OPTIONS] [TARGET...]` as a dict (the command under "command"), for the commands of
    `_READ_HERE`; None for anything else or anything unusual (typer decides, and explains)."""
    if not args or args[0] not in _READ_HERE:
        return None
    allowed, takes_targets = _READ_HERE[args[0]]
    values: dict[str, object] = {"command": args[0]}
    targets: list[str] = []
    rest = args[1:]
    while rest:
        a = rest.pop(0)
        if a == "--":
            targets.extend(rest)
            break
        if not a.startswith("-") or a == "-":
            targets.append(a)
            continue
        name, eq, value = a.partition("=")
        if name in _FLAGS and not eq:
            if _FLAGS[name] not in allowed:
                return None
            values[_FLAGS[name]] = True
            continue
        if name not in _VALUED and a[:2] in ("-f", "-C", "-j") and len(a) > 2 and a[2] != "=":
            name, value, eq = a[:2], a[2:], "="  # -j4, -fFILE
        elif name in ("-f", "-C", "-j") and eq:
            return None  # `-j=4`: leave such spellings to typer
        if name not in _VALUED or _VALUED[name] not in allowed:
            return None
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        key = _VALUED[name]
        if key == "jobs":
            if not (value.isascii() and value.isdigit()) or int(value) < 1:
                return None
            values[key] = int(value)
        else:
            values[key] = value
    if targets and not takes_targets:
        return None
    values["targets"] = tuple(targets)
    return values


def nothing_to_do(values: dict[str, object]) -> bool:
    """Whether the clean snapshot proves this build has nothing to do (holding the lock to look)."""
    from buildlike import __version__
    from buildlike.lock import ProjectLock
    from buildlike.paths import STATE_DIR, maestrofile_path, state_folder
    from buildlike.snapshot import is_clean

    file, directory = values.get("file"), values.get("directory")
    path = maestrofile_path(file if isinstance(file, str) else None, directory if isinstance(directory, str) else None)
    if path is None:
        return False
    lock = ProjectLock(os.path.join(os.path.dirname(path), STATE_DIR))
    if not lock.try_acquire():
        return False  # busy or never built: the full path says so, and waits
    try:
        targets = values.get("targets", ())
        return is_clean(state_folder(path), version=__version__, maestrofile=path, targets=tuple(targets))  # type: ignore[arg-type]
    finally:
        lock.release()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `buildlike` command and of `python -m buildlike`."""
    try:
        try:
            _main(argv)
        except (KeyboardInterrupt, RuntimeError) as e:  # Ctrl-C while importing (the commands' own
            if not _interrupted(e):  # handling does not know that RuntimeError)
                raise
            sys.stderr.write("buildlike: interrupted\n")
            sys.exit(130)
    except SystemExit as e:
        if argv is None and (e.code is None or isinstance(e.code, int)):
            _exit_at_once(e.code or 0)
        raise


def _exit_at_once(code: int) -> None:
    """End the process without tearing the interpreter down, unless someone may need that.

    Freeing a loaded graph, its records and stamps one object at a time took 8.5 ms of a 2000-job
    rebuild, after everything had been said and saved: the state is closed, the lock released and
    the output flushed by then. A profiler, a tracer (coverage) or an atexit callback gets the
    ordinary exit it counts on, and so does a caller of `main(argv)` (tests).
    """
    import atexit

    callbacks = getattr(atexit, "_ncallbacks", None)  # (CPython's; elsewhere, take the ordinary exit)
    if sys.getprofile() is not None or sys.gettrace() is not None or callbacks is None or callbacks():
        return
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # (started with that descriptor closed: `2>&-`)
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # `buildlike graph | head -1`: the reader is gone, so is the rest
            code = code or 1  # (as run_guarded; and os._exit does not flush again, with a traceback)
        except (OSError, ValueError):  # (a full disk, a closed stream: the ordinary exit reports it)
            return
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--version"]:  # (whatever follows: `buildlike --version -q`, as after a command)
        from buildlike import __version__

        print(f"buildlike {__version__}")
        sys.exit(0)
    misplaced: tuple[str, ...] = ()  # command names after options, taken for targets
    first = None  # the word where a command goes, taken for a target (maybe a misspelt command)
    if not args or (args[0] not in COMMANDS and args[0] not in _TOP_LEVEL_FLAGS):
        misplaced = tuple(a for a in args if a in COMMANDS)
        first = args[0] if args and not args[0].startswith("-") else None
        args.insert(0, "build")  # `buildlike -j 4 app` means `buildlike build -j 4 app`
    values = parse_args(args)
    if values is not None and values["command"] == "build" and nothing_to_do(values):
        if not values.get("quiet"):
            from buildlike.snapshot import NOTHING_TO_DO

            print(NOTHING_TO_DO)
        sys.exit(0)
    _set_up_signals()  # before the engine is imported: SIGTERM while loading exits 130 too
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "backslashreplace") and hasattr(stream, "reconfigure"):
            # A file name that is not UTF-8 (Python holds its bytes as surrogates) prints as its
            # bytes, as ls prints it, rather than ending the build in a UnicodeEncodeError (stdout)
            # or as `\udce9` (stderr). Not on stderr in a locale other than UTF-8: there, another
            # character it cannot write would fail instead of printing as `\xe9`.
            utf8 = (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8"
            if stream is sys.stdout or utf8:
                stream.reconfigure(errors="surrogateescape")
    import gc

    collecting = gc.isenabled()
    if args[0] != "watch":
        # A one-shot command frees everything when it exits, and builds few cycles: the collector
        # would only walk the loaded graph again and again (15 ms of a 2000-job rebuild).
        gc.disable()
    try:
        from buildlike.cli import Misread, run

        code = run(args, values, misread=Misread(misplaced, first, COMMANDS))
    finally:
        if collecting:
            gc.enable()  # for a caller in the same process (tests)
    sys.exit(code)


def _set_up_signals() -> None:
    """Make SIGTERM stop us as Ctrl-C does (exit 130) at any moment, not only while commands run;
    and see our children's exit codes even if whoever started us ignores SIGCHLD."""
    import signal

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)
    # An ignored SIGCHLD stays ignored across exec (some daemons and CI agents pass it on): the kernel
    # would then reap our commands (and git, for the hook) itself, and no exit code could be read.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


if __name__ == "__main__":
    main()

"""Turn rules into jobs: expand `foreach`, resolve globs, substitute placeholders.

Does not check the graph (duplicates, cycles, missing inputs); see graph.py.
"""

from __future__ import annotations

import posixpath
from collections.abc import Container, Iterable, Mapping
from typing import NamedTuple

from buildlike.errors import Problem
from buildlike.fingerprint import hash_bytes
from buildlike.globs import FileTree, GlobSyntaxError, escape, is_glob, literal_base, match_declared
from buildlike.model import Project, Rule
from buildlike.paths import folder_resolver, in_project, is_inside, is_state_path, normalize, project_roots
from buildlike.snapshot import FolderStamp
from buildlike.template import Template, lookup_in, parse, quote, quote_all

# Bump when what goes into a job's fingerprint changes, so every job reruns once.
_FINGERPRINT_VERSION = b"buildlike-cmd-1"


class Job(NamedTuple):
    """One command to run: a rule, or one `foreach` match of it, with every placeholder filled in."""

    id: str  # the rule's name, or "rule:path" for a foreach match
    rule: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    commands: tuple[str, ...]
    description: str
    env: tuple[tuple[str, str], ...]
    always: bool
    depfile: str | None
    fingerprint: bytes  # of the commands, env and shell: rule 3 of the up-to-date rules
    match: str | None = None  # the file a foreach job was made for (a source, unless a rule makes it)


class JobSet(NamedTuple):
    """The jobs of all rules, with the warnings and problems found making them."""

    jobs: tuple[Job, ...]
    warnings: tuple[Problem, ...]
    listed_folders: tuple[tuple[str, FolderStamp], ...]  # what globbing read, for cache keys
    problems: tuple[Problem, ...] = ()  # errors; the jobs are then only good enough to find more


def command_fingerprint(commands: Iterable[str], env: Iterable[tuple[str, str]], shell: str) -> bytes:
    """Digest of everything about a job's command that SPEC's rule 3 watches.

    The digest of the whole comes first and alone decides; then one short digest each of the commands,
    the env and the shell (FINGERPRINT_PARTS), so that `status` can say which of them changed.
    """
    env_parts = [f"env {k}={v}".encode() for k, v in env]
    command_parts = [b"cmd " + c.encode("utf-8", "surrogateescape") for c in commands]
    whole = hash_bytes(b"\0".join([_FINGERPRINT_VERSION, shell.encode(), *env_parts, *command_parts]))
    each = (b"\0".join(command_parts), b"\0".join(env_parts), shell.encode())
    return whole + b"".join(hash_bytes(part)[:_PART_DIGEST] for part in each)


# What follows the whole digest in a fingerprint, in order (a record from before has only the whole).
FINGERPRINT_PARTS = ("command", "env", "shell")
FINGERPRINT_WHOLE = 16
_PART_DIGEST = 8


def foreach_fields(path: str) -> dict[str, str]:
    """`{path}`, `{name}`, `{stem}` and `{dir}` of a foreach match (`{dir}` of a top-level file is `.`)."""
    name = posixpath.basename(path)
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return {"path": path, "name": name, "stem": stem, "dir": posixpath.dirname(path) or "."}


# The foreach fields as plain words, to tell whether a rule's own text holds a wildcard.
_PLAIN_FIELDS = {"path": "p", "name": "n", "stem": "s", "dir": "d"}


def _as_arg(path: str) -> str:
    """A path as a command's argument: `-x.txt` becomes `./-x.txt`, which no command takes for an option."""
    return "./" + path if path.startswith("-") else path


class _Expander:
    def __init__(self, project: Project, tree: FileTree) -> None:
        self.project = project
        self.tree = tree
        self.vars = dict(project.vars)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._said: set[Problem] = set()  # each once: a rule's jobs would say the same (`foreach`)
        self._declared_matches: dict[str, list[str]] = {}
        self._resolve = folder_resolver(project.root)  # (each folder looked at once)
        self._inside: dict[tuple[str, str], bool] = {}  # (rule, glob) -> whether it looks inside a made folder
        self._slashed: dict[tuple[str, str], bool] = {}  # (rule, text) -> whether it is a glob ending in '/'
        self._templates: dict[str, Template] = {}  # each text is parsed once, not once per foreach match
        self._fields: dict[str, dict[str, str]] = {}  # by foreach match (never changed once made)
        self._made: dict[tuple[str, str | None], tuple[str, ...]] = {}  # outputs by (rule, match), unchecked
        self._globs_itself: dict[tuple[str, bool], bool] = {}
        self._run_fields: dict[str, frozenset[str]] = {}
        self._roots = project_roots(project.root)

    def path(self, text: str, fields: Mapping[str, str]) -> str:
        """A path (or pattern) of the Maestrofile, placeholders filled, as the project spells it."""
        return in_project(normalize(self.plain(text, fields)), self._roots, resolve=True)

    def problem(self, rule: Rule, message: str, path: str | None = None, *, key: str | None = None) -> None:
        """A problem of `rule`, about its `key` (`inputs`) where it is one key's."""
        self._say(self.problems, Problem(message, self.project.file, rule.line, rule.name, path, key))

    def warn(self, rule: Rule, message: str, path: str | None = None, *, key: str | None = None) -> None:
        self._say(self.warnings, Problem(message, self.project.file, rule.line, rule.name, path, key))

    def _say(self, said: list[Problem], problem: Problem) -> None:
        if problem not in self._said:
            self._said.add(problem)
            said.append(problem)

    def template(self, text: str) -> Template:
        try:
            return self._templates[text]
        except KeyError:
            parsed = self._templates[text] = parse(text)
            return parsed

    def fields(self, match: str) -> Mapping[str, str]:
        try:
            return self._fields[match]
        except KeyError:
            fields = self._fields[match] = foreach_fields(match)
            return fields

    def plain(self, text: str, fields: Mapping[str, str]) -> str:
        return self.template(text).render(lookup_in(fields, self.vars))

    def made(self, rule: Rule, match: str | None) -> tuple[str, ...]:
        """The outputs of `rule` (for one foreach match) as the project spells them, not yet checked:
        worked out once, though the fixed point, the dropping of own outputs and the jobs all ask."""
        key = (rule.name, match)
        try:
            return self._made[key]
        except KeyError:
            fields = self.fields(match) if match is not None else {}
            made = self._made[key] = tuple(self.path(o, fields) for o in rule.outputs)
            return made

    def globs_itself(self, text: str, foreach: bool) -> bool:
        """Whether an input's own text (or a var in it) is a pattern; a matched file's name never is."""
        key = (text, foreach)
        if key not in self._globs_itself:
            self._globs_itself[key] = is_glob(self.plain(text, _PLAIN_FIELDS if foreach else {}))
        return self._globs_itself[key]

    def run_fields(self, rule: Rule) -> frozenset[str]:
        """The placeholders the rule's commands use: only those are quoted for each job."""
        if rule.name not in self._run_fields:
            self._run_fields[rule.name] = frozenset(f for c in rule.run for f in self.template(c).fields)
        return self._run_fields[rule.name]

    def glob(self, rule: Rule, key: str, pattern: str, declared: Iterable[str], exclude: Iterable[str]) -> list[str]:
        try:
            on_disk = self.tree.match(pattern)
        except GlobSyntaxError as e:
            self.problem(rule, f"bad glob '{pattern}': {e}", pattern, key=key)
            return []
        if pattern not in self._declared_matches:
            self._declared_matches[pattern] = match_declared(pattern, declared)
        skip = set(exclude)
        found = {p for p in on_disk if p not in skip}
        found.update(p for p in self._declared_matches[pattern] if p not in skip)
        return sorted(found)

    # -- foreach --------------------------------------------------------------------------------

    def foreach_matches(self, rules: tuple[Rule, ...]) -> dict[str, list[str]]:
        """Match every foreach pattern against disk and declared outputs, until nothing changes.

        A foreach may match another rule's outputs, which may come from a foreach themselves, so the
        expansion is repeated to a fixed point (each round can only add what the previous one made).
        """
        declared: dict[str, set[str]] = {}
        for rule in rules:
            if rule.foreach is None:
                declared[rule.name] = set(self.made(rule, None))
        matches: dict[str, list[str]] = {r.name: [] for r in rules if r.foreach is not None}
        for _ in range(len(matches) + 1):
            changed = False
            everything = set().union(*declared.values()) if declared else set()
            self._declared_matches.clear()
            for rule in rules:
                if rule.foreach is None:
                    continue
                pattern = self.path(rule.foreach, {})
                own = declared.get(rule.name, set())
                if self.folder_glob(rule, "foreach", rule.foreach, False):
                    continue
                if is_glob(pattern):
                    if self.inside_output(rule, "foreach", pattern, everything, own):
                        continue  # (no matches: a problem, said once though each round asks)
                    found = self.own_outputs_dropped(rule, self.glob(rule, "foreach", pattern, everything - own, ()))
                else:
                    found = [pattern] if pattern in everything or self.tree_has(pattern) else []
                if found != matches[rule.name]:
                    changed = True
                    matches[rule.name] = found
                    declared[rule.name] = {o for m in found for o in self.made(rule, m)}
            if not changed:
                break
        else:
            names = ", ".join(sorted(matches))
            self.problems.append(
                Problem(
                    f"foreach patterns of rules {names} keep matching each other's outputs",
                    file=self.project.file,
                )
            )
        self._declared_matches.clear()
        return matches

    def own_outputs_dropped(self, rule: Rule, found: list[str]) -> list[str]:
        """`found` without what another match of the same rule makes (outputs and depfiles), which
        earlier builds left on disk.

        Else `**/*.txt` making `out/{path}` would make out/out/a.txt next time, and so on, as would
        `src/*` writing the depfile `src/{name}.d`. (A match that makes itself is kept here, to be
        reported by `expand`.)
        """
        made = {out for m in found for out in (*self.made(rule, m), *self.depfile_made(rule, m)) if out != m}
        return [m for m in found if m not in made]

    def depfile_made(self, rule: Rule, match: str) -> tuple[str, ...]:
        """The depfile a foreach job will write, where its path does not depend on its inputs (not yet
        known while matching): `src/{name}.d` or `{output}.d`, not `{input}.d`."""
        if rule.depfile is None or {"input", "inputs"} & set(self.template(rule.depfile).fields):
            return ()
        outs = self.made(rule, match)
        fields = {**self.fields(match), "output": outs[0] if outs else "", "outputs": " ".join(outs)}
        return (self.path(rule.depfile, fields),)

    def folder_glob(self, rule: Rule, key: str, text: str, foreach: bool) -> bool:
        """Whether `text`, once its vars are in, is a glob ending in '/' (`data/*/`): a problem, said
        once per rule and text. The shell would match folders only; a glob here matches files, and
        the slash would be dropped, so it would take the files beside those folders, without a word."""
        said = (rule.name, text)
        if said not in self._slashed:
            plain = self.plain(text, _PLAIN_FIELDS if foreach else {})
            slashed = self._slashed[said] = is_glob(plain) and plain.rstrip().endswith("/")
            if slashed:
                instead = f"'{plain.rstrip()}**' for every file in those folders"
                if key == "foreach":
                    instead += ", or a file each folder holds (its folder is {dir})"
                self.problem(
                    rule,
                    f"'{key}': the glob '{plain}' ends in '/', but globs match files only: write {instead}",
                    plain,
                    key=key,
                )
        return self._slashed[said]

    def inside_output(self, rule: Rule, key: str, pattern: str, declared: Container[str], own: Container[str]) -> bool:
        """Whether `pattern` looks inside what another rule makes (a folder, `site/**/*.html` of
        `site`): a problem, since globs are matched before anything runs and would miss the files
        that rule has yet to make (on a fresh tree, all of them). Said once per rule and pattern
        (each job of a foreach asks)."""
        said = (rule.name, pattern)
        if said in self._inside:
            return self._inside[said]
        base = literal_base(pattern)
        folder = ""
        for start in (base, self._resolve(base) if base else None):  # (also through a symlinked folder)
            folder = start if start and not start.startswith("/") else ""
            while folder and not (folder in declared and folder not in own):
                folder = posixpath.dirname(folder)
            if folder:
                break
        if folder:
            self.problem(
                rule,
                f"glob '{pattern}' looks inside '{folder}', which a rule makes: globs are matched before"
                f" anything runs, so they would miss the files it has yet to make; make '{folder}' itself"
                " the input (a folder a rule makes counts as every file in it) and find the files in the"
                " command",
                pattern,
                key=key,
            )
        self._inside[said] = bool(folder)
        return bool(folder)

    def tree_has(self, path: str) -> bool:
        folder, name = posixpath.split(path)
        files, dirs = self.tree.entries(folder)
        return name in files or name in dirs

    # -- jobs -----------------------------------------------------------------------------------

    def outputs_of(self, rule: Rule, match: str | None) -> tuple[str, ...]:
        """The outputs of a job, each checked (problems noted), without repeats."""
        outs: dict[str, None] = {}  # (a dict: in order, without repeats, looked up in constant time)
        for out in self.made(rule, match):
            if out == ".":
                self.problem(
                    rule, "output '.' is the project folder itself; outputs are files inside it", out, key="outputs"
                )
            elif not is_inside(out):
                self.problem(
                    rule, f"output '{out}' is outside the project; outputs must stay inside it", out, key="outputs"
                )
            elif is_state_path(out):
                self.problem(rule, f"output '{out}' is inside buildlike's own state folder", out, key="outputs")
            elif self._escapes(out):
                self.problem(rule, f"output '{out}' is in a folder that links outside the project", out, key="outputs")
            else:
                outs[out] = None
        return tuple(outs)

    def _escapes(self, path: str) -> bool:
        """Whether a folder on the way to `path` is a link leading outside the project."""
        folder = posixpath.dirname(path)
        return bool(folder) and (self._resolve(folder) or "").startswith("/")

    def make_job(self, rule: Rule, match: str | None, outputs: tuple[str, ...], declared: frozenset[str]) -> Job:
        fields = self.fields(match) if match is not None else {}
        inputs: list[str] = []
        seen: set[str] = set()
        for text in rule.inputs:
            found = None
            if self.globs_itself(text, match is not None):
                if self.folder_glob(rule, "inputs", text, match is not None):
                    continue
                # A matched file named `x[1].txt` is a file, not a pattern: only the rule's own text globs.
                pattern = self.path(text, {k: escape(v) for k, v in fields.items()})
                if is_glob(pattern):  # (normalising may have dropped the wildcard: `a/*/../b`)
                    if self.inside_output(rule, "inputs", pattern, declared, outputs):
                        continue
                    found = self.glob(rule, "inputs", pattern, declared, outputs)
                    if not found:
                        self.warn(rule, f"glob '{pattern}' matches no file", pattern, key="inputs")
            for p in found if found is not None else (self.path(text, fields),):
                if p not in seen:
                    seen.add(p)
                    inputs.append(p)
        # Quoted for the commands: only the placeholders they use (most use two of the eight). One
        # that starts a shell word gets `./` before a value starting with `-` (`./-n.txt`, not an
        # option); glued to a word (`out/pre_{name}`) it stays as it is, or the path would change.
        used = self.run_fields(rule)
        at_start = {k: quote(_as_arg(v)) for k, v in fields.items() if k in used}
        inside = {k: quote(v) for k, v in fields.items() if k in used}
        for name, paths in (("input", inputs), ("output", outputs)):
            if name in used:
                at_start[name] = quote(_as_arg(paths[0])) if paths else ""
                inside[name] = quote(paths[0]) if paths else ""
        if "inputs" in used:
            at_start["inputs"] = quote_all([_as_arg(p) for p in inputs])
        if "outputs" in used:
            at_start["outputs"] = quote_all([_as_arg(p) for p in outputs])
        start_lookup = lookup_in(at_start, self.vars)
        inside_lookup = lookup_in(inside, at_start, self.vars)
        commands = tuple(self.template(c).render(start_lookup, inside_lookup) for c in rule.run)
        job_id = rule.name if match is None else f"{rule.name}:{match}"
        # Placeholders as plain text, for the description and the depfile (their names were checked at load).
        text_fields = (
            {
                **fields,
                "input": inputs[0] if inputs else "",
                "inputs": " ".join(inputs),
                "output": outputs[0] if outputs else "",
                "outputs": " ".join(outputs),
            }
            if rule.description or rule.depfile
            else fields
        )
        if rule.description:
            description = self.plain(rule.description, text_fields)
        else:
            description = job_id if match is None else f"{rule.name} {match}"
        if "\n" in description or "\r" in description:  # (a multi-line string, or a file name with one)
            description = " ".join(part.strip() for part in description.splitlines() if part.strip())
        depfile = None
        if rule.depfile:
            depfile = self.path(rule.depfile, text_fields)
            if not is_inside(depfile):
                self.problem(rule, f"depfile '{depfile}' is outside the project", depfile, key="depfile")
        return Job(
            id=job_id,
            rule=rule.name,
            inputs=tuple(inputs),
            outputs=outputs,
            commands=commands,
            description=description,
            env=rule.env,
            always=rule.always,
            depfile=depfile,
            fingerprint=command_fingerprint(commands, rule.env, self.project.settings.shell),
            match=match,
        )


def expand(project: Project, tree: FileTree) -> JobSet:
    """Expand every rule of `project` into jobs, with the problems found on the way (raised by the caller)."""
    ex = _Expander(project, tree)
    matches = ex.foreach_matches(project.rules)
    planned: list[tuple[Rule, str | None, tuple[str, ...]]] = []
    for rule in project.rules:
        if rule.foreach is None:
            planned.append((rule, None, ex.outputs_of(rule, None)))
            continue
        found = matches.get(rule.name, [])
        if not found:
            ex.warn(rule, f"foreach pattern '{rule.foreach}' matches no file, so the rule makes no jobs", key="foreach")
        in_place = None
        for m in found:
            outs = ex.outputs_of(rule, m)
            if m in outs:
                in_place = in_place or m
            else:
                planned.append((rule, m, outs))
        if in_place is not None:
            ex.problem(
                rule,
                f"an output is the matched file itself ('{in_place}'): buildlike cannot tell such an"
                " output from its source, and `clean` would delete it; write to another path (such as"
                " out/{path}), or rewrite files in place from a rule with `always = true` and no outputs",
                in_place,
                key="outputs",
            )
    declared = frozenset(o for _, _, outs in planned for o in outs)
    jobs = [ex.make_job(rule, m, outs, declared) for rule, m, outs in planned]
    unread: dict[str, tuple[Rule, str]] = {}  # by rule: a foreach match that is not among its job's inputs
    for (rule, match, _), job in zip(planned, jobs, strict=True):
        # (a depfile may list it: gcc's does; and an always job reruns anyway)
        if match is not None and not rule.always and rule.depfile is None and match not in job.inputs:
            unread.setdefault(rule.name, (rule, match))
    for rule, match in unread.values():
        ex.warn(
            rule,
            f"the foreach match '{match}' is not among the rule's inputs, so a change to it reruns nothing;"
            ' add "{path}" to inputs',
            match,
            key="inputs",
        )
    return JobSet(
        jobs=tuple(jobs),
        warnings=tuple(ex.warnings),
        listed_folders=tuple(sorted(tree.listed.items())),
        problems=tuple(ex.problems),
    )


__all__ = ["FINGERPRINT_PARTS", "FINGERPRINT_WHOLE", "Job", "JobSet", "command_fingerprint", "expand", "foreach_fields"]

"""Unit tests of watch mode's parts: which events matter, which folders to watch, debouncing, and
(on files under tmp_path) telling an edit from a rewrite with the same bytes."""

from __future__ import annotations

import os
import time

import pytest

from buildlike.contents import Contents
from buildlike.debounce import Batch, Debouncer
from buildlike.fingerprint import Stamper
from buildlike.graph import link
from buildlike.jobs import Job
from buildlike.watchset import (
    Change,
    Event,
    aliases,
    classify,
    is_editor_dropping,
    plan_watches,
    relevant,
    resolve_via,
    watch_set,
    with_disk,
)


def job(job_id: str, inputs: tuple[str, ...], outputs: tuple[str, ...], depfile: str | None = None) -> Job:
    return Job(job_id, job_id.split(":")[0], inputs, outputs, ("true",), job_id, (), False, depfile, b"")


def c_project():
    """compile:src/a.c, compile:src/b.c -> link; a `docs` job not selected below."""
    jobs = [
        job("compile:src/a.c", ("src/a.c", "include/defs.h"), ("build/a.o",), depfile="build/a.d"),
        job("compile:src/b.c", ("src/b.c", "include/defs.h"), ("build/b.o",), depfile="build/b.d"),
        job("link", ("build/a.o", "build/b.o", "/usr/lib/libm.a"), ("app",)),
        job("docs", ("docs/index.md",), ("site/index.html",)),
    ]
    graph = link(jobs, file="Maestrofile.toml", rule_lines={})
    return watch_set(
        graph,
        [0, 1, 2],
        maestrofile="Maestrofile.toml",
        listed=["src", "build"],
        discovered=["include/config.h", "/usr/include/stdio.h"],
    )


WS = c_project()


def test_the_watch_set_holds_source_inputs_only_never_what_a_job_makes():
    assert WS.inputs == {
        "src/a.c",
        "src/b.c",
        "include/defs.h",
        "include/config.h",
        "/usr/lib/libm.a",
        "/usr/include/stdio.h",
    }
    assert {"build/a.o", "build/b.o", "app", "site/index.html", "build/a.d"} <= WS.made
    assert "docs/index.md" not in WS.inputs  # the docs job is not selected


def test_the_watch_set_folders_are_the_inputs_the_globbed_and_the_maestrofiles():
    assert WS.folders == {"", "src", "include", "build", "/usr/lib", "/usr/include"}
    assert WS.ancestors == {"", "/usr", "/"}  # (a missing folder outside is watched through one of its own)


@pytest.mark.parametrize("event", list(Event))
def test_any_change_of_an_input_matters(event):
    assert classify("src/a.c", event, is_dir=False, ws=WS) is Change.CONTENT
    assert classify("include/config.h", event, is_dir=False, ws=WS) is Change.CONTENT
    assert classify("/usr/include/stdio.h", event, is_dir=False, ws=WS) is Change.CONTENT


def test_a_folder_holding_inputs_deleted_is_a_change_of_content_and_one_without_a_change_of_listing():
    """With `--poll` the folder's deletion may be the only event: its inputs went with it."""
    assert classify("include", Event.DELETED, is_dir=True, ws=WS) is Change.CONTENT
    assert classify("/usr/include", Event.DELETED, is_dir=True, ws=WS) is Change.CONTENT
    assert classify("build", Event.DELETED, is_dir=True, ws=WS) is Change.LISTING  # (globbed, no input)
    assert classify("include", Event.CREATED, is_dir=True, ws=WS) is Change.LISTING


def test_the_maestrofile_matters_most():
    assert classify("Maestrofile.toml", Event.MODIFIED, is_dir=False, ws=WS) is Change.MAESTROFILE
    assert Change.MAESTROFILE > Change.CONTENT > Change.LISTING


@pytest.mark.parametrize(
    "path",
    [
        "build/a.o",
        "app",
        "build/a.d",
        "site/index.html",  # an output of a job that is not even selected
        ".buildlike/state.db",
        ".buildlike/graph.cache",
        ".git/index",
        ".git/objects/ab/cdef",
        "src/.git/HEAD",
    ],
)
@pytest.mark.parametrize("event", list(Event))
def test_outputs_state_and_git_never_matter(path, event):
    """Issue 3: changes to outputs, .buildlike/ and .git/ never trigger a build."""
    assert classify(path, event, is_dir=False, ws=WS) is None


def test_a_file_inside_an_output_folder_never_matters():
    ws = watch_set(
        link([job("gen", ("spec.txt",), ("out",))], file="M", rule_lines={}),
        [0],
        maestrofile="Maestrofile.toml",
        listed=[""],
    )
    assert classify("out/page.html", Event.CREATED, is_dir=False, ws=ws) is None
    assert classify("notes.txt", Event.CREATED, is_dir=False, ws=ws) is Change.LISTING


@pytest.mark.parametrize(
    "name",
    [
        ".a.c.swp",
        ".a.c.swo",
        ".a.c.swx",
        "a.c~",
        "4913",
        "5036",
        ".#a.c",
        "#a.c#",
        "a.c___jb_tmp___",
        "a.c___jb_old___",
    ],
)
def test_editor_droppings_are_recognised(name):
    assert is_editor_dropping(name)


@pytest.mark.parametrize("name", ["a.c", "swp", "main.swp.c", "4914", "123", "notes.md", ".gitignore"])
def test_ordinary_names_are_not_droppings(name):
    assert not is_editor_dropping(name)


@pytest.mark.parametrize("name", [".a.c.swp", "a.c~", "4913", ".#a.c", "#a.c#", "a.c___jb_tmp___"])
@pytest.mark.parametrize("event", list(Event))
def test_droppings_in_a_globbed_folder_never_matter(name, event):
    assert classify(f"src/{name}", event, is_dir=False, ws=WS) is None


def test_a_hidden_name_coming_or_going_in_a_globbed_folder_may_change_the_graph():
    """A glob that writes the leading dot (`src/.*.c`) matches it; the reload tells whether one does."""
    assert classify("src/.hidden.c", Event.CREATED, is_dir=False, ws=WS) is Change.LISTING
    assert classify("src/.hidden.c", Event.MODIFIED, is_dir=False, ws=WS) is None


def test_a_hidden_folder_that_is_watched_for_appearing_matters():
    ws = watch_set(
        link([job("load", (".cache/data.json",), ("data.out",))], file="M", rule_lines={}),
        [0],
        maestrofile="Maestrofile.toml",
        listed=[".github", ".github/workflows"],
    )
    assert classify(".cache", Event.CREATED, is_dir=True, ws=ws) is Change.LISTING
    assert classify(".github", Event.CREATED, is_dir=True, ws=ws) is Change.LISTING
    assert classify(".github/workflows/.ci.yml", Event.CREATED, is_dir=False, ws=ws) is Change.LISTING
    assert classify(".other", Event.CREATED, is_dir=True, ws=ws) is None


def test_a_file_coming_or_going_in_a_globbed_folder_may_change_the_graph():
    assert classify("src/new.c", Event.CREATED, is_dir=False, ws=WS) is Change.LISTING
    assert classify("src/old.c", Event.DELETED, is_dir=False, ws=WS) is Change.LISTING
    assert classify("src/sub", Event.CREATED, is_dir=True, ws=WS) is Change.LISTING


def test_a_non_input_file_that_is_only_written_never_matters():
    assert classify("src/notes.txt", Event.MODIFIED, is_dir=False, ws=WS) is None
    assert classify("include/other.h", Event.CREATED, is_dir=False, ws=WS) is None  # not globbed
    assert classify("elsewhere/x.c", Event.CREATED, is_dir=False, ws=WS) is None


def test_a_watched_folder_appearing_matters_even_where_nothing_is_globbed():
    assert classify("include", Event.CREATED, is_dir=True, ws=WS) is Change.LISTING
    # not a folder to the OS: a symlink to one (a file of that name only costs a reload)
    assert classify("include", Event.CREATED, is_dir=False, ws=WS) is Change.LISTING


def test_a_rename_over_save_is_a_deletion_and_a_creation_of_an_input():
    """Editors save by renaming: both halves of the move name the input, so both matter."""
    assert classify("src/a.c", Event.DELETED, is_dir=False, ws=WS) is Change.CONTENT
    assert classify("src/a.c", Event.CREATED, is_dir=False, ws=WS) is Change.CONTENT
    assert classify("src/a.c~", Event.CREATED, is_dir=False, ws=WS) is None


def test_a_name_coming_or_going_in_a_folder_input_changes_that_input():
    """A source folder as an input is the names in it: watched itself, its new names are its change."""
    base = watch_set(
        link([job("ls", ("assets",), ("list.txt",))], file="M", rule_lines={}), [0], maestrofile="M", listed=()
    )
    assert "assets" not in base.folders  # whether it is a folder, only the disk says
    ws = with_disk(base, trees=["assets"])
    assert "assets" in ws.folders
    assert relevant("assets/b.png", Event.CREATED, is_dir=False, ws=ws) == [("assets", Change.CONTENT)]
    assert relevant("assets/b.png", Event.DELETED, is_dir=False, ws=ws) == [("assets", Change.CONTENT)]
    assert relevant("assets/b.png", Event.MODIFIED, is_dir=False, ws=ws) == []  # its content is not tracked
    assert relevant("assets/.b.png.swp", Event.CREATED, is_dir=False, ws=ws) == []
    assert relevant("assets", Event.CREATED, is_dir=True, ws=ws) == [("assets", Change.CONTENT)]


def linked_project():
    """vendor -> ../lib (outside), current.cfg -> configs/dev.cfg, Maestrofile.toml -> /shared/M.toml."""
    jobs = [job("cat", ("vendor/x.c", "current.cfg"), ("all.txt",))]
    base = watch_set(link(jobs, file="M", rule_lines={}), [0], maestrofile="Maestrofile.toml", listed=["vendor"])
    targets = {"vendor": "/lib", "current.cfg": "configs/dev.cfg", "Maestrofile.toml": "/shared/M.toml"}
    return with_disk(base, trees=(), targets=targets)


def test_what_symlinks_lead_to_is_watched_in_their_stead():
    ws = linked_project()
    assert {"/lib", "configs", "/shared"} <= ws.folders
    assert {resolve_via(f, ws.targets) for f in ws.folders} == {"", "/lib", "configs", "/shared"}
    assert resolve_via("vendor/sub/y.c", ws.targets) == "/lib/sub/y.c"
    assert resolve_via("src/a.c", ws.targets) == "src/a.c"


def test_an_event_where_a_symlink_leads_is_one_on_the_link():
    ws = linked_project()
    assert relevant("/lib/x.c", Event.MODIFIED, is_dir=False, ws=ws) == [("vendor/x.c", Change.CONTENT)]
    assert relevant("/lib/y.c", Event.CREATED, is_dir=False, ws=ws) == [("vendor/y.c", Change.LISTING)]
    assert relevant("configs/dev.cfg", Event.MODIFIED, is_dir=False, ws=ws) == [("current.cfg", Change.CONTENT)]
    assert relevant("/shared/M.toml", Event.MODIFIED, is_dir=False, ws=ws) == [("Maestrofile.toml", Change.MAESTROFILE)]
    assert ("vendor", Change.CONTENT) in relevant("/lib", Event.DELETED, is_dir=True, ws=ws)  # (its input went)
    assert relevant("configs/prod.cfg", Event.MODIFIED, is_dir=False, ws=ws) == []


def test_a_symlink_loop_gives_one_alias_per_link():
    links = {"": ("a/up",), "a": ("b",)}  # a/up -> . (the project), b -> a
    assert aliases("a/x.c", links) == ["b/x.c", "a/up/a/x.c"]
    assert aliases("x.c", links) == ["a/up/x.c"]
    assert aliases("x.c", {}) == []


# -- plan_watches ----------------------------------------------------------------------------------


def test_folders_inside_the_project_share_one_watch_per_top_level_folder():
    folders = ["", "src", "src/lib", "src/lib/deep", "include", "tests/unit", "tests/cli"]
    watches, left_out = plan_watches(folders, exists=lambda f: True)
    assert sorted(watches) == [("", False), ("include", False), ("src", True), ("tests", True)]
    assert left_out == ()


def test_a_missing_folder_is_covered_by_its_nearest_existing_parent():
    existing = {"", "gen"}
    watches, _ = plan_watches(["", "gen/out/x", "build"], exists=lambda f: f in existing)
    assert sorted(watches) == [("", False), ("gen", False)]


def test_the_parent_of_a_nested_folder_is_watched_too_where_its_renaming_is_seen():
    watches, _ = plan_watches(["", "data/in", "docs/a/b", "docs/a/c", "m/x/y/z"], exists=lambda f: True)
    assert sorted(watches) == [
        ("", False),
        ("data", False),
        ("data/in", False),
        ("docs", False),
        ("docs/a", True),
        ("m/x/y", False),
        ("m/x/y/z", False),
    ]


def test_parents_never_take_the_room_of_the_folders_themselves():
    modules = [f"mod{i}/src/main/java" for i in range(30)]
    watches, left_out = plan_watches(["", *modules], exists=lambda f: True, limit=48)
    assert sorted(watches) == sorted([("", False), *((m, False) for m in modules)])  # (no room for 30 more)
    assert left_out == ()


def test_the_project_folder_is_never_watched_recursively_when_top_level_folders_fit():
    watches, _ = plan_watches(["", "a", "b"], exists=lambda f: True)
    assert ("", True) not in watches


def test_too_many_top_level_folders_become_one_recursive_watch():
    folders = [""] + [f"analysis{i}" for i in range(60)]
    watches, _ = plan_watches(folders, exists=lambda f: True, limit=48)
    assert watches == (("", True),)


def test_folders_outside_the_project_are_watched_alone_up_to_the_limit():
    outside = [f"/opt/inc{i}" for i in range(10)]
    watches, left_out = plan_watches(["", "src", *outside], exists=lambda f: True, limit=6)
    assert len(watches) == 6
    assert [w for w in watches if w[0].startswith("/")] == [(f, False) for f in sorted(outside)[:4]]
    assert left_out == tuple(sorted(outside)[4:])


# -- Debouncer -------------------------------------------------------------------------------------


def test_nothing_is_due_without_changes():
    d = Debouncer(0.1, 1.0)
    assert d.due() is None
    assert d.take() is None


def test_a_burst_is_due_once_it_went_quiet_for_the_delay():
    d = Debouncer(0.1, 1.0)
    for k in range(50):
        d.add(10.0 + k * 0.001, Change.CONTENT, f"src/f{k}.c")
    assert d.due() == pytest.approx(10.049 + 0.1)
    batch = d.take()
    assert batch is not None
    assert len(batch.paths) == 50
    assert batch.change is Change.CONTENT
    assert d.due() is None


def test_the_strongest_change_of_a_burst_wins_and_paths_are_counted_once():
    d = Debouncer(0.1, 1.0)
    d.add(1.0, Change.LISTING, "src/x.c")
    d.add(1.01, Change.MAESTROFILE, "Maestrofile.toml")
    d.add(1.02, Change.CONTENT, "src/x.c")
    batch = d.take()
    assert batch is not None
    assert batch.change is Change.MAESTROFILE
    assert batch.paths == ("Maestrofile.toml", "src/x.c")


def test_changes_that_never_stop_are_built_after_the_limit():
    d = Debouncer(0.1, 1.0)
    for k in range(100):
        d.add(5.0 + k * 0.05, Change.CONTENT, "log.txt")
    assert d.due() == pytest.approx(6.0)


def test_changes_seen_late_are_due_at_once():
    """Changes queued during a build carry the time they happened, so they build right after it."""
    d = Debouncer(0.1, 1.0)
    d.add(3.0, Change.CONTENT, "src/a.c")
    due = d.due()
    assert due is not None
    assert due < 7.0  # "now" after a 4 s build


def test_a_batch_less_the_unchanged_files_keeps_the_strongest_reason_left():
    d = Debouncer(0.1, 1.0)
    d.add(1.0, Change.MAESTROFILE, "Maestrofile.toml")
    d.add(1.01, Change.CONTENT, "src/x.c")
    d.add(1.02, Change.LISTING, "src/new.c")
    d.add(1.03, Change.LISTING, "src/x.c")  # the strongest reason of each path is kept
    batch = d.take()
    assert batch is not None
    assert batch.edited == ("Maestrofile.toml", "src/x.c")
    rest = batch.without({"Maestrofile.toml"})
    assert rest == Batch((("src/new.c", Change.LISTING), ("src/x.c", Change.CONTENT)))
    assert rest.change is Change.CONTENT
    assert batch.without({"Maestrofile.toml", "src/x.c", "src/new.c"}) is None


def test_changed_names_the_edited_files_and_the_inputs_that_came_or_went_not_other_names():
    batch = Batch(
        (
            ("out", Change.LISTING),  # a folder the last build made, under a globbed folder
            ("src/.a.c.tmp-1234", Change.LISTING),  # an editor's temporary file
            ("src/a.c", Change.CONTENT),
            ("src/gone.c", Change.LISTING),
            ("src/new.c", Change.LISTING),
        )
    )
    assert batch.named({"src/a.c", "src/gone.c"}, {"src/a.c", "src/new.c"}) == ("src/a.c", "src/gone.c", "src/new.c")
    only_a_folder = Batch((("src/sub", Change.LISTING),))  # its file came before it was watched
    assert only_a_folder.named(set(), {"src/sub/x.c", "src/y.c"}) == ("src/sub/x.c",)
    assert only_a_folder.named({"src/sub/gone.c"}, set()) == ("src/sub/gone.c",)  # (went with it)
    assert only_a_folder.named({"src/sub/gone.c"}) == ("src/sub",)  # (no graph now: nothing to compare)
    assert Batch((("out", Change.LISTING),)).named(set(), {"src/x.c"}) == ("out",)
    # A watched folder (or one above) came or went: named by the inputs in it, which came or went too.
    came = Batch((("deep", Change.LISTING),))
    assert came.named({"deep/er/x.txt", "a.c"}, {"deep/er/x.txt", "a.c"}, {"deep/er", "deep", ""}) == ("deep/er/x.txt",)
    assert came.named({"deep/er/x.txt"}, folders={"deep"}) == ("deep/er/x.txt",)


# -- Contents --------------------------------------------------------------------------------------


def rewrite(path, text: str) -> None:
    """As `sed -i` does: a new file renamed over the old one (a new inode and mtime)."""
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_text(text)
    os.replace(tmp, path)


def test_a_rewrite_with_the_same_bytes_is_no_change_but_an_edit_is(tmp_path):
    (tmp_path / "a.txt").write_text("a\n")
    contents = Contents(str(tmp_path))
    assert contents.changed(["a.txt"]) == {"a.txt"}  # never seen: a change
    rewrite(tmp_path / "a.txt", "a\n")
    assert not contents.differs("a.txt")
    assert contents.changed(["a.txt"]) == set()
    rewrite(tmp_path / "a.txt", "b\n")
    assert contents.differs("a.txt")
    assert contents.changed(["a.txt"]) == {"a.txt"}
    assert contents.changed(["a.txt"]) == set()  # the edit is now what was seen


def test_a_file_that_goes_or_comes_back_with_the_same_bytes_is_a_change(tmp_path):
    (tmp_path / "a.txt").write_text("a\n")
    contents = Contents(str(tmp_path))
    contents.changed(["a.txt"])
    (tmp_path / "a.txt").unlink()
    assert contents.changed(["a.txt"]) == {"a.txt"}
    assert contents.changed(["a.txt"]) == set()  # still missing
    (tmp_path / "a.txt").write_text("a\n")
    assert contents.changed(["a.txt"]) == {"a.txt"}


def test_what_a_build_read_is_the_reference_so_an_edit_during_it_still_counts(tmp_path):
    """The build read "a"; the file was "b" before it and is "b" again after it: that is a change."""
    (tmp_path / "a.txt").write_text("b\n")
    contents = Contents(str(tmp_path))
    contents.changed(["a.txt"])
    with Stamper(str(tmp_path), {}, now_ns=time.time_ns()) as build:
        (tmp_path / "a.txt").write_text("a\n")
        build.digest("a.txt")
        build.exists("gone.txt")
        (tmp_path / "unread.txt").write_text("x")
        build.exists("unread.txt")  # stat'ed but never read: not a look at its content
        seen = build.looked()
    assert set(seen) == {"a.txt", "gone.txt"} and seen["gone.txt"] is None
    rewrite(tmp_path / "a.txt", "b\n")
    contents.remember(seen, {"a.txt", "gone.txt"})
    assert contents.changed(["a.txt"]) == {"a.txt"}
    (tmp_path / "gone.txt").write_text("")
    assert contents.changed(["gone.txt"]) == {"gone.txt"}


def test_files_no_longer_watched_are_forgotten(tmp_path):
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    contents = Contents(str(tmp_path))
    contents.changed(["a.txt", "b.txt"])
    contents.keep({"b.txt"})
    assert contents.changed(["a.txt", "b.txt"]) == {"a.txt"}


def test_the_command_line_takes_the_watch_options_the_python_api_takes():
    """`watch --debounce MS` and `--poll SECONDS` are range-checked by typer with cli.py's copies of
    watch.py's ranges, which must not drift apart."""
    from buildlike import cli, watch

    assert tuple(ms / 1000 for ms in cli.DEBOUNCE_RANGE_MS) == watch.DEBOUNCE_RANGE
    assert cli.POLL_RANGE == watch.POLL_RANGE

"""A file named two ways through a symlinked folder inside the project (`link -> real`: `link/gen.txt`
is `real/gen.txt`). Edges come from names, so a reader naming the maker's output the other way would
get no edge: it ran beside its maker and read the old file (exit 0), or was refused as "not a file and
no rule makes it" on a fresh tree (found by a black-box tester). Now each such name is an error before
anything runs (SPEC: errors are "reported before anything runs, naming the rule(s) and file(s)"),
saying which name to use; with it, the reader runs after its maker."""

from __future__ import annotations

from pathlib import Path

import pytest


def project(root: Path, made_as: str, read_as: str) -> None:
    (root / "real").mkdir()
    (root / "link").symlink_to("real")
    (root / "src.txt").write_text("one\n")
    (root / "Maestrofile.toml").write_text(
        f"""\
[rules.gen]
inputs = ["src.txt"]
outputs = ["{made_as}"]
run = "sleep 0.3; cp src.txt {{output}}; echo gen >> ran.log"

[rules.use]
inputs = ["{read_as}"]
outputs = ["use.txt"]
run = "cp {{input}} {{output}}; echo use >> ran.log"
"""
    )


@pytest.mark.parametrize(("made_as", "read_as"), [("real/gen.txt", "link/gen.txt"), ("link/gen.txt", "real/gen.txt")])
@pytest.mark.parametrize("made_before", [False, True])
def test_a_reader_naming_its_input_through_another_folder_name_is_told_the_name(
    buildlike_cli, tmp_path: Path, made_as: str, read_as: str, made_before: bool
) -> None:
    project(tmp_path, made_as, read_as)
    if made_before:  # (the case that ran wrongly: the input exists, from an earlier build)
        (tmp_path / "real" / "gen.txt").write_text("old\n")
    for args in (("build", "-j", "2"), ("status",), ("build", "-n")):
        r = buildlike_cli(*args, cwd=tmp_path)
        assert r.code == 2, r.text
        assert r.err.count("error:") == 1, r.err
        assert (
            f"Maestrofile.toml:7: rule 'use': input '{read_as}' is the file '{made_as}' (a folder on the way is "
            f"a symlink), which rule 'gen' (line 1) makes; name it '{made_as}', so that it is made first"
        ) in r.err
    assert not (tmp_path / "ran.log").exists() and not (tmp_path / "use.txt").exists()
    assert sorted(p.name for p in (tmp_path / ".buildlike").iterdir()) == [".gitignore", "lock"]

    # Named as told: the reader runs after its maker, and again after it once its source changes.
    maestro = tmp_path / "Maestrofile.toml"
    maestro.write_text(maestro.read_text().replace(f'inputs = ["{read_as}"]', f'inputs = ["{made_as}"]'))
    for text in ("one\n", "two\n"):
        (tmp_path / "src.txt").write_text(text)
        r = buildlike_cli("build", "-j", "2", cwd=tmp_path)
        assert r.code == 0, r.err
        assert (tmp_path / "use.txt").read_text() == text
    assert (tmp_path / "ran.log").read_text().split() == ["gen", "use", "gen", "use"]


def test_two_rules_making_one_file_through_a_folder_link_is_an_error(buildlike_cli, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "Maestrofile.toml").write_text(
        """\
[rules.a]
outputs = ["real/x.txt"]
run = "echo a > {output}"

[rules.b]
outputs = ["link/x.txt"]
run = "echo b > {output}"
"""
    )
    r = buildlike_cli("build", cwd=tmp_path)
    # SPEC: "two rules declaring the same output" is an error reported before anything runs.
    assert r.code == 2, r.text
    assert (
        "Maestrofile.toml:6: rule 'b': output 'link/x.txt' is the file 'real/x.txt' (a folder on the way is a "
        "symlink), which rule 'a' (line 1) makes too; each file must have one maker"
    ) in r.err
    assert not (tmp_path / "real" / "x.txt").exists()


def test_one_name_through_a_folder_link_is_fine(buildlike_cli, tmp_path: Path) -> None:
    """Every rule naming the file through the link: one name, one file, an edge as always."""
    project(tmp_path, "link/gen.txt", "link/gen.txt")
    r = buildlike_cli("build", "-j", "2", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "use.txt").read_text() == "one\n"
    assert (tmp_path / "ran.log").read_text().split() == ["gen", "use"]


def test_a_link_leading_out_of_the_project_is_not_another_name(buildlike_cli, tmp_path: Path) -> None:
    """Inputs through a link to a folder outside are only ever read (their names are theirs)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text("d\n")
    root = tmp_path / "p"
    root.mkdir()
    (root / "ext").symlink_to(outside)
    (root / "Maestrofile.toml").write_text(
        '[rules.r]\ninputs = ["ext/data.txt"]\noutputs = ["r.txt"]\nrun = "cp {input} {output}"\n'
    )
    r = buildlike_cli("build", cwd=root)
    assert r.code == 0, r.err
    assert (root / "r.txt").read_text() == "d\n"


def test_a_glob_through_a_link_matching_a_file_the_job_also_reads_by_its_name_builds(
    buildlike_cli, tmp_path: Path
) -> None:
    """Found in review: a glob following `src/foo -> ../third/foo` also matches the generated
    `third/foo/config.h` the job reads by its name (so it runs after its maker): no error, on the
    first build or once the file is there."""
    (tmp_path / "third" / "foo").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "foo").symlink_to("../third/foo")
    (tmp_path / "src" / "main.c").write_text("int x;\n")
    (tmp_path / "Maestrofile.toml").write_text(
        """\
[rules.config]
outputs = ["third/foo/config.h"]
run = "echo '#define X 1' > {output}"

[rules.compile]
inputs = ["src/**/*.c", "src/**/*.h", "third/**/*.h"]
outputs = ["app.o"]
run = "cat {inputs} > {output}"
"""
    )
    for args in (("build",), ("build",), ("status", "--check")):
        r = buildlike_cli(*args, cwd=tmp_path)
        assert r.code == 0, r.text


@pytest.mark.parametrize(("made_as", "read_as"), [("real/site", "link/site"), ("link/site", "real/site")])
def test_a_file_inside_a_folder_output_read_through_a_link_is_told_the_name(
    buildlike_cli, tmp_path: Path, made_as: str, read_as: str
) -> None:
    """Found in review: an input inside a folder that a rule makes is that rule's file (README), but
    named through a symlinked folder it got no edge, and its reader ran beside the maker, reading the
    page of the build before (exit 0)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "src.txt").write_text("one\n")
    (tmp_path / "Maestrofile.toml").write_text(
        f"""\
[rules.site]
inputs = ["src.txt"]
outputs = ["{made_as}"]
run = "sleep 0.3; mkdir -p {{output}}; cp src.txt {{output}}/index.html; echo site >> ran.log"

[rules.use]
inputs = ["{read_as}/index.html"]
outputs = ["use.txt"]
run = "cp {{input}} {{output}}; echo use >> ran.log"
"""
    )
    (tmp_path / "real" / "site").mkdir()
    (tmp_path / "real" / "site" / "index.html").write_text("old\n")  # (as an earlier build left it)
    r = buildlike_cli("build", "-j", "2", cwd=tmp_path)
    assert r.code == 2, r.text
    assert (
        f"Maestrofile.toml:7: rule 'use': input '{read_as}/index.html' is the file '{made_as}/index.html' (a folder "
        f"on the way is a symlink), which rule 'site' (line 1) makes; name it '{made_as}/index.html', so that it "
        "is made first"
    ) in r.err
    assert not (tmp_path / "ran.log").exists() and not (tmp_path / "use.txt").exists()

    maestro = tmp_path / "Maestrofile.toml"
    maestro.write_text(maestro.read_text().replace(f'["{read_as}/index.html"]', f'["{made_as}/index.html"]'))
    r = buildlike_cli("build", "-j", "2", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "use.txt").read_text() == "one\n"
    assert (tmp_path / "ran.log").read_text().split() == ["site", "use"]

"""A glob that writes its leading dot (README: `.github/**/*.yml`, `*/.cfg/*.json` match hidden files)
is ignored by watch when a new file or folder with a leading dot appears: `buildlike build` picks it up,
watch never does."""

from __future__ import annotations

from watching import read


def test_new_hidden_file_matching_a_dot_glob_is_built(make_project, watching):
    p = make_project(
        """
        [rules.cat]
        inputs = ["conf/.*.ini"]
        outputs = ["all.ini"]
        run = "cat {inputs} > {output}"
        """,
        {"conf/.a.ini": "a\n"},
    )
    w = watching(p.root)
    w.wait_builds(1)
    p.write("conf/.b.ini", "b\n")
    w.wait_for(lambda: read(p.root / "all.ini") == "a\nb\n", 10, "conf/.b.ini to be built into all.ini")
    assert w.stop() == 0


def test_new_hidden_folder_matching_a_dot_glob_is_built(make_project, watching):
    p = make_project(
        """
        [rules.cat]
        inputs = [".github/**/*.yml"]
        outputs = ["out.txt"]
        run = "cat /dev/null {inputs} > {output}"
        """,
        {"README": "no .github folder yet\n"},
    )
    w = watching(p.root)
    w.wait_builds(1)
    (p.root / ".github/workflows").mkdir(parents=True)
    p.write(".github/workflows/ci.yml", "ci\n")
    w.wait_for(lambda: read(p.root / "out.txt") == "ci\n", 10, "the new workflow to be built")
    assert w.stop() == 0


def test_an_input_in_a_hidden_folder_that_does_not_exist_yet_is_built_once_it_comes(make_project, watching):
    """The same check drops the creation of a missing input's hidden folder (`.cache/`), though the
    folder is one watch waits for: the input that then appears in it is never seen."""
    p = make_project(
        """
        [rules.load]
        inputs = [".cache/data.json"]
        outputs = ["data.out"]
        run = "cp {input} {output}"
        """
    )
    w = watching(p.root)
    w.wait_for(lambda: "cannot build; waiting for changes" in w.out, 10, "the missing input to be reported")
    (p.root / ".cache").mkdir()
    p.write(".cache/data.json", "{}\n")
    w.wait_for(lambda: read(p.root / "data.out") == "{}\n", 10, "the build once the input exists")
    assert w.stop() == 0


def test_a_hidden_file_that_no_glob_matches_builds_nothing(make_project, watching):
    """Not from the tester: the other side. A hidden file reloads the graph; `src/*.c` does not match it."""
    p = make_project(
        """
        [rules.cat]
        inputs = ["src/*.c"]
        outputs = ["all.c"]
        run = "cat {inputs} > {output}"
        """,
        {"src/a.c": "a\n"},
    )
    w = watching(p.root)
    w.wait_builds(1)
    p.write("src/.a.c.tmp-1234", "x\n")
    w.stays_at(1)
    p.write("src/b.c", "b\n")
    w.wait_file(p.root / "all.c", "a\nb\n")
    assert w.stop() == 0

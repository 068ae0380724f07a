"""README, Watch mode, Output: "`changed:` and the files that start a build: the inputs edited, and
the files a glob gained or lost (not a folder the last build made, nor an editor's temporary file)".
A file that a glob gained in a folder made in the same burst was named by its folder instead (found
by a black-box tester): its own event came before the folder was watched."""

from __future__ import annotations

import re


def changed_lines(out: str) -> list[str]:
    return re.findall(r"^changed: .*$", out, re.M)


def test_a_file_a_recursive_glob_gains_in_a_new_subfolder_is_named_not_the_folder(make_project, watching):
    p = make_project(
        """
        [rules.count]
        inputs = ["docs/**/*.md"]
        outputs = ["count.txt"]
        run = "echo count >> ran.log; cat {inputs} | wc -l > {output}"
        """,
        {"docs/a.md": "one\n"},
    )
    w = watching(p.root)
    try:
        w.wait_builds(1)
        (p.root / "docs/deep/er").mkdir(parents=True)
        p.write("docs/deep/er/b.md", "two\nthree\n")
        w.wait_builds(2)
        assert p.read("count.txt").strip() == "3"
        assert changed_lines(w.out) == ["changed: docs/deep/er/b.md"], w.out
    finally:
        assert w.stop() == 0


def test_a_file_a_foreach_glob_gains_in_a_new_folder_is_named_not_the_folder(make_project, watching):
    p = make_project(
        """
        [rules.cp]
        foreach = "lib/*.c"
        inputs = ["{path}"]
        outputs = ["out/{stem}.o"]
        run = "echo cp >> ran.log; cp {input} {output}"

        [rules.other]
        inputs = ["one.txt"]
        outputs = ["one.out"]
        run = "cp {input} {output}"
        """,
        {"one.txt": "1\n"},
    )
    w = watching(p.root)
    try:
        w.wait_builds(1)
        (p.root / "lib").mkdir()
        p.write("lib/c.c", "c\n")
        w.wait_builds(2)
        assert p.read("out/c.o") == "c\n"
        assert changed_lines(w.out) == ["changed: lib/c.c"], w.out
    finally:
        assert w.stop() == 0

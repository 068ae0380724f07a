"""Found by a black-box tester: the `./` guard for a path placeholder whose value starts with `-` must
only be added where the placeholder starts a shell word. SPEC: "In `run`, every path placeholder (`{input}`, `{output}`,
`{path}`, `{dir}`, ...) is shell-quoted, so names with spaces or quotes work". Inside a word
(`out/pre_{name}`), `./` changes the path: the command writes `out/pre_./-n.txt` instead of
`out/pre_-n.txt`, and the job fails (or, worse, reads/writes another file)."""

from __future__ import annotations


def test_name_placeholder_inside_a_word_keeps_the_path(make_project):
    p = make_project(
        """
        [rules.copy]
        foreach = "src/*.txt"
        inputs = ["{path}"]
        outputs = ["out/pre_{name}"]
        run = "cp {input} out/pre_{name}"
        """,
        {"src/-n.txt": "dash\n", "src/plain.txt": "plain\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out/pre_-n.txt") == "dash\n"
    assert p.read("out/pre_plain.txt") == "plain\n"


def test_path_placeholder_after_a_prefix_names_the_same_file(make_project):
    # `{path}` glued to a prefix: `bak_{path}` must be `bak_-x.txt`, not `bak_./-x.txt`
    p = make_project(
        """
        [rules.bak]
        foreach = "*.txt"
        inputs = ["{path}"]
        outputs = ["bak_{path}"]
        run = "cp {input} bak_{path}"
        """,
        {"-x.txt": "x\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("bak_-x.txt") == "x\n"


def test_stem_starting_a_word_is_not_taken_for_an_option(make_project):
    # The other side: `{stem}` (a file name without its suffix) starting a word got no guard, so
    # `cp {input} {stem}.bak` on `-n.txt` ran `cp ./-n.txt -n.bak`, and cp read `-n.bak` as options.
    p = make_project(
        """
        [rules.bak]
        foreach = "*.txt"
        inputs = ["{path}"]
        outputs = ["{stem}.bak"]
        run = "cp {input} {stem}.bak"
        """,
        {"-n.txt": "n\n"},
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("-n.bak") == "n\n"

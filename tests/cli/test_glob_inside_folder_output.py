"""A glob that looks inside a folder another rule makes (`site/**/*.html` of `site`) is an error:
globs are matched before anything runs, so on a fresh tree it matched nothing, its reader ran beside
the maker with no inputs, and only the next build saw the pages (found by a black-box tester)."""

from __future__ import annotations

import pytest

SITE = """
[rules.site]
outputs = ["site"]
run = "echo site >> ran.log; mkdir -p site/sub; echo a > site/index.html; echo b > site/sub/b.html"
"""

READERS = {
    "inputs": """
[rules.count]
inputs = ["site/**/*.html"]
outputs = ["count.txt"]
run = "echo count >> ran.log; echo {inputs} | wc -w > count.txt"
""",
    "foreach": """
[rules.count]
foreach = "site/sub/*.html"
inputs = ["{path}"]
outputs = ["count/{name}"]
run = "echo count >> ran.log; wc -l < {input} > {output}"
""",
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("command", [(), ("status",), ("build", "-n")])
def test_a_glob_inside_a_folder_another_rule_makes_is_an_error(make_project, reader, command):
    p = make_project(SITE + READERS[reader])
    r = p.run(*command)
    assert r.code == 2, r.text
    pattern = "site/**/*.html" if reader == "inputs" else "site/sub/*.html"
    assert f"rule 'count': glob '{pattern}' looks inside 'site', which a rule makes" in r.err, r.err
    assert "make 'site' itself the input" in r.err
    assert not p.exists("ran.log") and not p.exists("site")
    assert not p.exists(".buildlike/state.db")


def test_the_folder_itself_as_the_input_sees_every_page_on_the_first_build(make_project):
    """The way the message points to: the reader runs after the maker, and sees all of its files."""
    p = make_project(
        SITE
        + """
[rules.count]
inputs = ["site"]
outputs = ["count.txt"]
run = "echo count >> ran.log; find {input} -name '*.html' | wc -l > count.txt"
"""
    )
    assert p.run("-q").code == 0
    assert p.log() == ["site", "count"]
    assert p.read("count.txt").strip() == "2"


def test_a_glob_reaching_into_such_a_folder_through_a_symlink_is_the_same_error(make_project):
    """`lnk -> site`: the first build warned that `lnk/*.html` matched nothing, the second refused
    `lnk/index.html` as another name of a made file: now both say so before anything runs."""
    p = make_project(
        SITE
        + """
[rules.count]
inputs = ["lnk/*.html"]
outputs = ["count.txt"]
run = "echo count >> ran.log; echo {inputs} | wc -w > count.txt"
"""
    )
    (p.root / "lnk").symlink_to("site")  # dangling until `site` is made
    r = p.run()
    assert r.code == 2, r.text
    assert "rule 'count': glob 'lnk/*.html' looks inside 'site', which a rule makes" in r.err, r.err
    assert not p.exists("ran.log")


@pytest.mark.parametrize("where", ["absolute", "dotdot"])
@pytest.mark.parametrize("kind", ["inputs", "foreach"])
def test_globs_outside_the_project_are_not_refused(make_project, tmp_path, where, kind):
    """Found in review: looking for the made folder above an absolute pattern never ended (`/` is its
    own folder), for build, status and list alike."""
    ext = tmp_path / "ext"
    ext.mkdir()
    (ext / "std1.h").write_text("1\n")
    (ext / "std2.h").write_text("2\n")
    pattern = f"{ext}/std*.h" if where == "absolute" else "../ext/std*.h"
    reader = (
        f'[rules.count]\ninputs = ["{pattern}"]\noutputs = ["count.txt"]\n'
        'run = "echo count >> ran.log; cat {inputs} > count.txt"\n'
        if kind == "inputs"
        else f'[rules.count]\nforeach = "{pattern}"\ninputs = ["{{path}}"]\noutputs = ["count/{{name}}"]\n'
        'run = "echo count >> ran.log; cp {input} {output}"\n'
    )
    p = make_project(SITE + reader)
    for command in (("list",), ("status",), ("build", "-q")):
        r = p.run(*command, timeout=20)
        assert r.code == 0, r.text
    assert sorted(p.log()) == (["count", "site"] if kind == "inputs" else ["count", "count", "site"])


def test_the_error_is_said_once_for_all_jobs_of_a_foreach(make_project):
    """Found in review: each job of the foreach said it again (1,000 sources, 1,000 lines)."""
    p = make_project(
        SITE
        + """
[rules.count]
foreach = "src/*.txt"
inputs = ["{path}", "site/*.html"]
outputs = ["count/{name}"]
run = "cat {inputs} > {output}"
""",
        {"src/a.txt": "a\n", "src/b.txt": "b\n", "src/c.txt": "c\n"},
    )
    r = p.run()
    assert r.code == 2, r.text
    assert r.err.count("looks inside 'site'") == 1, r.err

"""Globs that cannot mean what they say are Maestrofile errors. README: "Every problem in a Maestrofile
is reported at once, before anything runs, with file, line, rule and path, and exit code 2"; SPEC:
exit 2 for a bad Maestrofile. A range going backwards (`[z-a]`) ended in a Python traceback
(re.error) with exit 1, for build, status and list; a pattern ending in `/` matched files."""

from __future__ import annotations

import pytest

INPUTS = """
[rules.c]
inputs = ["{pattern}"]
outputs = ["out"]
run = "echo c >> ran.log; cat {{inputs}} > {{output}}"
"""

FOREACH = """
[rules.c]
foreach = "{pattern}"
inputs = ["{{path}}"]
outputs = ["out/{{name}}"]
run = "echo c >> ran.log; cp {{input}} {{output}}"
"""


@pytest.mark.parametrize("template", [INPUTS, FOREACH], ids=["inputs", "foreach"])
@pytest.mark.parametrize("pattern", ["src/[z-a]*.txt", "src/[!9-0].txt", "src/[]-A].txt"])
@pytest.mark.parametrize("command", [("build",), ("status",), ("list",)])
def test_reversed_range_is_a_maestrofile_error(make_project, template, pattern, command):
    p = make_project(template.format(pattern=pattern), {"src/a.txt": "a\n"})
    r = p.run(*command)
    assert "Traceback" not in r.err, r.err
    assert r.code == 2, r.text
    assert "'c'" in r.err and f"bad glob '{pattern}'" in r.err and "goes backwards" in r.err, r.err
    assert not (p.root / "ran.log").exists()


@pytest.mark.parametrize("template", [INPUTS, FOREACH], ids=["inputs", "foreach"])
@pytest.mark.parametrize("pattern", ["src/*/", "src/**/", "src/d?/ "])
def test_glob_ending_in_a_slash_is_a_maestrofile_error(make_project, template, pattern):
    """The shell matches only folders with `src/*/`; our globs match files, and the slash was dropped,
    so such a pattern silently took the files beside the folders (`src/a.txt`)."""
    p = make_project(template.format(pattern=pattern), {"src/a.txt": "a\n", "src/d1/b.txt": "b\n"})
    r = p.run("build")
    assert r.code == 2, r.text
    assert "'c'" in r.err and f"the glob '{pattern}' ends in '/'" in r.err and "'src/" in r.err, r.err
    assert not (p.root / "ran.log").exists() and not (p.root / "out").exists()


def test_a_var_that_makes_a_glob_end_in_a_slash_is_an_error_too(make_project):
    p = make_project(
        '[vars]\nG = "src/*/"\n' + INPUTS.format(pattern="{G}"), {"src/a.txt": "a\n", "src/d1/b.txt": "b\n"}
    )
    r = p.run("build")
    assert r.code == 2, r.text
    assert "the glob 'src/*/' ends in '/'" in r.err and "'src/*/**'" in r.err, r.err
    assert not (p.root / "ran.log").exists()

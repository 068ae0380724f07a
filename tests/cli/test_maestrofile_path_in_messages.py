"""The Maestrofile named in `error:`/`warning:` lines when it is given by `-f` from elsewhere.

README: problems are reported "with file, line, rule and path". Every problem names the Maestrofile
by its bare file name (`Maestrofile.toml:5`), however it was given. Run from a folder that has a
Maestrofile.toml of its own, `buildlike -f ../x/Maestrofile.toml` then points the user at the wrong
file: `error: Maestrofile.toml:5: ...` is the one in the current folder, which has no such problem.
Compilers name a file as it was given (`../x/Maestrofile.toml:5:`), so it can be opened from where
the user stands.
"""

from __future__ import annotations

import re

BAD = """\
[rules.gen]
outputs = ["out/a.txt"]
run = "touch {output}"
x = 1
"""
GOOD = """\
[rules.gen]
inputs = ["src/a.txt", "src/*.md"]
outputs = ["out/a.txt"]
run = "cp src/a.txt {output}"
"""


def _named(text: str, kind: str) -> str:
    m = re.search(rf"^{kind}: (.+?):\d+: ", text, re.M)
    assert m, text
    return m.group(1)


def test_error_names_the_maestrofile_given_by_f_from_another_project(make_project):
    """Expected the error to name ../x/Maestrofile.toml (or its absolute path); actual: `Maestrofile.toml:4`,
    which from `here` is another, valid file."""
    p = make_project('[rules.ok]\noutputs = ["ok.txt"]\nrun = "touch ok.txt"\n')  # the user's own project
    p.write("x/Maestrofile.toml", BAD)
    here = p.root
    r = p.run("-f", "x/Maestrofile.toml")
    assert r.code == 2
    named = _named(r.err, "error")
    assert (here / named).resolve() == (here / "x" / "Maestrofile.toml").resolve(), r.err


def test_error_names_the_maestrofile_given_by_f_with_dotdot(make_project, buildlike_cli):
    p = make_project(BAD)
    sub = p.root / "sub"
    sub.mkdir()
    (sub / "Maestrofile.toml").write_text('[rules.ok]\noutputs = ["ok.txt"]\nrun = "touch ok.txt"\n')
    r = buildlike_cli("-f", "../Maestrofile.toml", cwd=sub)
    assert r.code == 2
    named = _named(r.err, "error")
    assert (sub / named).resolve() == (p.root / "Maestrofile.toml").resolve(), r.err


def test_warning_names_the_maestrofile_given_by_f(make_project):
    """`buildlike -f sub/Maestrofile.toml` warns `warning: Maestrofile.toml:1: rule 'gen': glob 'src/*.md'
    matches no file`; the file meant is sub/Maestrofile.toml."""
    p = make_project('[rules.ok]\noutputs = ["ok.txt"]\nrun = "touch ok.txt"\n')
    p.write("sub/Maestrofile.toml", GOOD)
    p.write("sub/src/a.txt", "a\n")
    r = p.run("-f", "sub/Maestrofile.toml")
    assert r.code == 0, r.text
    named = _named(r.err, "warning")
    assert (p.root / named).resolve() == (p.root / "sub" / "Maestrofile.toml").resolve(), r.err


def test_a_cached_graph_names_the_maestrofile_from_where_it_is_used(make_project, buildlike_cli):
    """The graph cache keeps the warnings: a run from another folder must not repeat the name the
    first run gave."""
    p = make_project('[rules.ok]\noutputs = ["ok.txt"]\nrun = "touch ok.txt"\n')
    p.write("sub/Maestrofile.toml", GOOD)
    p.write("sub/src/a.txt", "a\n")
    p.age("sub/Maestrofile.toml", 100)
    p.age("sub/src", 100)
    assert _named(p.run("-f", "sub/Maestrofile.toml").err, "warning") == "sub/Maestrofile.toml"
    (p.root / "sub" / "out" / "a.txt").unlink()
    assert (p.root / "sub" / ".buildlike" / "graph.cache").exists()
    r = buildlike_cli(cwd=p.root / "sub")
    assert r.code == 0, r.text
    assert _named(r.err, "warning") == "Maestrofile.toml"

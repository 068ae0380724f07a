"""`buildlike list [-v] [TARGET...]`: the jobs the targets name, and with -v what each reads, makes
and runs, placeholders filled in and globs matched."""

from __future__ import annotations

MAESTROFILE = """
[vars]
OUT = "out"

[rules.convert]
foreach = "src/*.md"
inputs = ["{path}"]
outputs = ["{OUT}/{stem}.html"]
depfile = "{OUT}/{stem}.d"
env = { MODE = "fast lane" }
run = ["mkdir -p {OUT}", "pandoc {input} -o {output}"]
description = "convert {path}"

[rules.index]
inputs = ["{OUT}/*.html", "my notes.txt"]
outputs = ["index.html"]
run = "cat {inputs} > {output}"

[rules.publish]
inputs = ["index.html"]
always = true
run = "echo publish"
"""
FILES = {"src/a.md": "a", "src/b.md": "b", "my notes.txt": "n"}


def test_verbose_shows_what_each_job_reads_makes_and_runs(make_project):
    p = make_project(MAESTROFILE, FILES)
    r = p.run("list", "-v")
    assert r.code == 0, r.text
    assert r.out.splitlines() == [
        "convert  (2 jobs, Maestrofile.toml:5)",
        "  convert:src/a.md  convert src/a.md",
        "      inputs:  src/a.md",
        "      outputs: out/a.html",
        "      depfile: out/a.d",
        "      env:     'MODE=fast lane'",
        "      run:     mkdir -p out",
        "               pandoc src/a.md -o out/a.html",
        "  convert:src/b.md  convert src/b.md",
        "      inputs:  src/b.md",
        "      outputs: out/b.html",
        "      depfile: out/b.d",
        "      env:     'MODE=fast lane'",
        "      run:     mkdir -p out",
        "               pandoc src/b.md -o out/b.html",
        "index  (1 job, Maestrofile.toml:14)",
        "  index  index",
        "      inputs:  out/a.html out/b.html 'my notes.txt'",
        "      outputs: index.html",
        "      run:     cat out/a.html out/b.html 'my notes.txt' > index.html",
        "publish  (1 job, Maestrofile.toml:19)",
        "  publish  publish  [always]",
        "      inputs:  index.html",
        "      outputs: (none)",
        "      run:     echo publish",
    ]
    assert not (p.root / ".buildlike").exists()  # list writes nothing


def test_targets_name_rules_jobs_or_outputs_and_only_those_are_listed(make_project):
    p = make_project(MAESTROFILE, FILES)
    r = p.run("list", "index", "out/b.html")
    assert r.code == 0, r.text
    assert r.out.splitlines() == [
        "convert  (1 job, Maestrofile.toml:5)",
        "  convert:src/b.md  convert src/b.md",
        "index  (1 job, Maestrofile.toml:14)",
        "  index  index",
    ]
    r = p.run("list", "-v", "--", str(p.root / "index.html"))  # (an absolute path inside the project)
    assert r.code == 0, r.text
    assert r.out.splitlines()[0] == "index  (1 job, Maestrofile.toml:14)"
    assert "convert" not in r.out


def test_an_unknown_target_is_exit_2_naming_it_and_writes_nothing(make_project):
    p = make_project(MAESTROFILE, FILES)
    r = p.run("list", "-v", "indx")
    assert r.code == 2
    assert "unknown target 'indx'" in r.err
    assert "index" in r.err  # did you mean
    assert r.out == ""
    assert not (p.root / ".buildlike").exists()


def test_help_names_the_option_and_the_targets(make_project):
    p = make_project(MAESTROFILE, FILES)
    r = p.run("list", "--help")
    assert r.code == 0
    assert "--verbose" in r.out
    assert "TARGETS" in r.out.upper()

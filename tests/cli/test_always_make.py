"""`-B/--always-make`: run every job the targets need, stale or not (as `make -B` does).

Touching a file runs nothing in buildlike (SPEC: content is compared), so this is how a user forces
a rerun: after a change the tool cannot see, or to time a full build.
"""

from __future__ import annotations

import buildlike

CHAIN = """
[rules.a]
inputs = ["src.txt"]
outputs = ["a.txt"]
run = "echo a >> ran.log; tr a-z A-Z < {input} > {output}"

[rules.b]
inputs = ["a.txt"]
outputs = ["b.txt"]
run = "echo b >> ran.log; cat {input} {input} > {output}"

[rules.other]
outputs = ["other.txt"]
run = "echo other >> ran.log; echo x > {output}"
"""


def test_always_make_reruns_every_job_even_those_an_early_cutoff_would_skip(make_project):
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    assert sorted(p.log()) == ["a", "b", "other"]
    r = p.run("-B")
    assert r.code == 0, r.text
    assert sorted(p.log()[3:]) == ["a", "b", "other"]  # b too, though a wrote the same bytes
    assert p.log()[3:].index("a") < p.log()[3:].index("b")
    assert p.run().code == 0  # and the forced run left everything up to date
    assert len(p.log()) == 6


def test_always_make_with_targets_reruns_only_what_they_need(make_project):
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    r = p.run("build", "--always-make", "a.txt")
    assert r.code == 0, r.text
    assert p.log()[3:] == ["a"]


def test_a_dry_run_with_always_make_names_every_job_and_runs_nothing(make_project):
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    assert p.run().code == 0
    before = sorted(str(f.relative_to(p.root)) for f in p.root.rglob("*"))
    r = p.run("-n", "-B")
    assert r.code == 0, r.text
    assert r.out.count("--always-make") == 3, r.out
    assert len(p.log()) == 3
    assert sorted(str(f.relative_to(p.root)) for f in p.root.rglob("*")) == before


def test_the_api_forces_a_build_too(make_project):
    p = make_project(CHAIN, {"src.txt": "hello\n"})
    loaded = buildlike.load(p.root / "Maestrofile.toml")
    buildlike.build(loaded, options=buildlike.BuildOptions(jobs=1))
    result = buildlike.build(loaded, ["b"], options=buildlike.BuildOptions(jobs=1, always_make=True))
    assert sorted(result.ran) == ["a", "b"]
    assert result.cut_off == ()

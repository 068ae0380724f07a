"""Two separate cycles in one Maestrofile: only the first is reported; the second shows up only once
the first is fixed (a generated Maestrofile with 5,000 two-rule cycles reports one per run).

README: "Every problem in a Maestrofile is reported at once, before anything runs, with file, line,
rule and path, and exit code 2: ... cycles (with the cycle's path) ..."
"""

from __future__ import annotations

TWO_CYCLES = """
[rules.a]
inputs = ["b"]
outputs = ["a"]
run = "true"

[rules.b]
inputs = ["a"]
outputs = ["b"]
run = "true"

[rules.c]
inputs = ["d"]
outputs = ["c"]
run = "true"

[rules.d]
inputs = ["c"]
outputs = ["d"]
run = "true"
"""


def test_every_cycle_is_reported_at_once(make_project):
    p = make_project(TWO_CYCLES)
    r = p.run("build")
    assert r.code == 2, r.text
    assert "a -> b -> a" in r.err or "b -> a -> b" in r.err, r.err
    assert "c -> d -> c" in r.err or "d -> c -> d" in r.err, r.err

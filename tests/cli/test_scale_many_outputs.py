"""Scale: a rule with many outputs costs time quadratic in their number, even to `list` it.

A rule with 20,000 inputs lists in 0.27 s; one with 20,000 outputs takes 3.6 s, 40,000 outputs 11.7 s
(5,000: 0.39 s, 10,000: 1.05 s), before any command runs: each output is checked against the list
of those seen before it (and again when the graph cache is written, when each output is looked up in
the tuple of its job's outputs).
"""

from __future__ import annotations

import time


def test_list_of_rule_with_30000_outputs_is_not_quadratic(make_project):
    n = 30000
    paths = ", ".join(f'"gen/g{i:05d}.txt"' for i in range(n))
    p = make_project(f'[rules.fanout]\noutputs = [{paths}]\nrun = "true"\n')
    t0 = time.monotonic()
    r = p.run("list", timeout=60)
    took = time.monotonic() - t0
    assert r.code == 0, r.text
    # The same project with 30,000 inputs instead lists in about 0.35 s; linear work on 30,000
    # outputs is well under 3 s even on a busy machine. Seen: 4.9-7 s.
    assert took < 3.0, f"`list` of one rule with {n} outputs took {took:.1f}s"

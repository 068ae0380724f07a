"""Scale: `buildlike graph` is quadratic in a job's number of producers.

20,000 one-output rules and one rule reading `o/*` (all of them): `list` takes 1.6 s, `status` 1.9 s,
`graph` 4.2 s; at 10,000 rules 0.9 s, 1.0 s and 1.3 s. What `graph` adds to loading grows 6x for 2x
the rules (0.4 s -> 2.6 s): for each edge it looks the producer up in the consumer's list of
dependencies (seen in a profile: one list comprehension in api.discovered_edges, 2.1 s of 2.4 s).
"""

from __future__ import annotations

import time

N = 25000


def test_graph_of_wide_fan_in_costs_about_what_loading_costs(make_project):
    rules = "\n".join(f'[rules.r{i}]\noutputs = ["o/{i}"]\nrun = "true"\n' for i in range(N))
    p = make_project(rules + '\n[rules.all]\ninputs = ["o/*"]\noutputs = ["all"]\nrun = "true"\n')
    assert p.run("list").code == 0  # writes the graph cache: both timings below load from it
    t0 = time.monotonic()
    listed = p.run("list")
    t_list = time.monotonic() - t0
    t0 = time.monotonic()
    drawn = p.run("graph")
    t_graph = time.monotonic() - t0
    assert listed.code == 0 and drawn.code == 0, drawn.text[-500:]
    assert drawn.out.count("->") >= N  # an edge from every producer to `all`
    # Drawing 25,001 nodes and 25,000 edges is linear work on top of the same load.
    assert t_graph < 1.5 * t_list + 0.5, f"list {t_list:.1f}s, graph {t_graph:.1f}s for {N} producers of one job"

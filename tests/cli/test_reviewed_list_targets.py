"""Found by a review of the commits that added it.

`list TARGET...`: README: "the rules and their jobs, with descriptions: all, or those the targets
name (rules, jobs or outputs)". A rule named whose foreach matches nothing is a valid target (exit 0)
and `list` shows it as `none  (0 jobs, Maestrofile.toml:N)`; `list none` prints an empty line."""

from __future__ import annotations

MAESTROFILE = """
[rules.none]
foreach = "nothing/*.x"
outputs = ["n/{stem}"]
run = "true"

[rules.some]
outputs = ["s.txt"]
run = "touch s.txt"
"""


def test_list_of_a_rule_with_no_jobs_shows_that_rule(make_project):
    p = make_project(MAESTROFILE)
    r = p.run("list")
    assert r.code == 0 and "none  (0 jobs" in r.out, r.text
    r = p.run("list", "none")
    assert r.code == 0, r.text
    assert "none  (0 jobs" in r.out, repr(r.out)

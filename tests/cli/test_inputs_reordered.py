"""From a tester migrating projects: reordering a rule's `inputs` by hand reran the job even when its
command does not name them. SPEC rule 4 is about the files ("a glob matches a new or lost file"): the
same files in another order are no change, and a command that reads them in order names them
(`{inputs}`), so its text changes and rule 3 reruns it."""

from __future__ import annotations

RULES = """
[rules.report]
inputs = [{order}]
outputs = ["report.txt"]
run = ["echo report >> ran.log", "python3 -c 'print(1)' > report.txt"]

[rules.joined]
inputs = [{order}]
outputs = ["joined.txt"]
run = ["echo joined >> ran.log", "cat {{inputs}} > {{output}}"]
"""
FILES = {"a.csv": "a\n", "b.csv": "b\n", "helper.py": "h\n"}


def maestrofile(*names: str) -> str:
    return RULES.format(order=", ".join(f'"{n}"' for n in names))


def test_the_same_inputs_in_another_order_rerun_only_the_command_that_names_them(make_project):
    p = make_project(maestrofile("helper.py", "a.csv", "b.csv"), FILES)
    assert p.run().code == 0
    assert sorted(p.log()) == ["joined", "report"]
    p.write("Maestrofile.toml", maestrofile("a.csv", "b.csv", "helper.py"))
    r = p.run("status")
    assert r.out.splitlines() == ["joined: its command changed"], r.text
    assert p.run().code == 0
    assert sorted(p.log()) == ["joined", "joined", "report"]
    assert p.read("joined.txt") == "a\nb\nh\n"


def test_a_file_added_or_lost_still_counts(make_project):
    p = make_project(maestrofile("helper.py", "a.csv"), FILES)
    assert p.run().code == 0
    p.write("Maestrofile.toml", maestrofile("a.csv", "b.csv"))
    r = p.run("status")
    assert "report: its list of inputs changed (+b.csv, -helper.py)" in r.out, r.text
    assert p.run().code == 0
    assert sorted(p.log()) == ["joined", "joined", "report", "report"]

"""Found by a black-box tester: `buildlike watch TARGET` does not watch the inputs of a rule whose
output only the target's depfile lists (a generated header, `config.h`): `buildlike build TARGET`
runs that maker first (the depfile's edge, `_with_depfile_makers`) and `status TARGET` says the
target is stale, but watch's selection leaves the maker out, so an edit of the maker's input never
builds.

README, Watch mode: "a rebuild is exactly an incremental `buildlike build`"; what is watched is "the
folders ... of every input of the selected jobs, including the files their depfiles listed"."""

from __future__ import annotations

PROJECT = """
[rules.gen]
inputs = ["gen.in"]
outputs = ["gen.h"]
run = "cp gen.in gen.h"

[rules.compile]
inputs = ["main.c"]
outputs = ["main.o"]
depfile = "main.d"
run = "cat main.c gen.h > main.o; echo 'main.o: main.c gen.h' > main.d"
"""


def test_watch_target_rebuilds_when_the_maker_of_a_depfile_listed_header_has_its_input_edited(make_project, watching):
    p = make_project(PROJECT, {"main.c": "c\n", "gen.in": "g1\n"})
    assert p.run("build", "gen").code == 0
    assert p.run("build").code == 0  # main.d now lists gen.h
    assert p.read("main.o") == "c\ng1\n"
    w = watching(p.root, "compile")
    w.wait_builds(1)
    p.write("gen.in", "g2\n")
    # what `buildlike build compile` does after this edit: gen, then compile
    w.wait_file(p.root / "main.o", "c\ng2\n", timeout=20)
    assert w.stop() == 0

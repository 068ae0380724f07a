"""Found by a black-box tester: a file that a depfile lists inside a folder another rule makes is that rule's file
(README: "An input inside such a folder ... is that rule's file too: it is made first, and its
reader is judged once it is done"; depfile: "records the listed files as extra inputs")."""

MAESTRO = """
[rules.gen]
inputs = ["ver.in"]
outputs = ["gen"]
run = "mkdir -p gen && cp ver.in gen/x.h"

[rules.use]
inputs = ["src.txt"]
outputs = ["use.o"]
depfile = "use.d"
run = "cat src.txt gen/x.h > use.o; echo 'use.o: src.txt gen/x.h' > use.d"
"""


def test_a_depfile_header_inside_a_folder_output_is_remade_before_its_reader(make_project):
    p = make_project(MAESTRO, {"ver.in": "v1\n", "src.txt": "s\n"})
    assert p.run("build", "gen").code == 0
    assert p.run().code == 0  # use's depfile now lists gen/x.h
    assert p.run().code == 0
    assert p.read("use.o") == "s\nv1\n"
    p.write("ver.in", "v2\n")
    r = p.run("-j1")
    assert r.code == 0, r.text
    # one successful build must leave nothing stale: use read the new gen/x.h
    assert p.read("use.o") == "s\nv2\n"
    r = p.run("status", "--check")
    assert r.code == 0, r.text


def test_graph_draws_the_depfile_edge_to_a_folder_outputs_maker(make_project):
    p = make_project(MAESTRO, {"ver.in": "v1\n", "src.txt": "s\n"})
    assert p.run("build", "gen").code == 0
    assert p.run().code == 0
    r = p.run("graph")
    assert r.code == 0, r.text
    assert '"gen" -> "use" [style=dashed];' in r.out, r.out

"""Found by a black-box tester: a job named as a target must bring along the maker of a generated
header its depfile listed (the depfile's files are the job's inputs from the next build on, and a job
depends on the job that makes one of its inputs). Likewise a full build whose reader's rule comes
first in the Maestrofile: that edge was left out, the reader judged before its header was remade."""

MAESTRO = """
[rules.genh]
inputs = ["ver.in"]
outputs = ["gen/gen.h"]
run = "cp ver.in gen/gen.h"

[rules.use]
inputs = ["src.txt"]
outputs = ["out/use.o"]
depfile = "out/use.d"
run = "cat src.txt gen/gen.h > out/use.o; echo 'out/use.o: src.txt gen/gen.h' > out/use.d"
"""


def test_building_a_depfile_reader_by_name_remakes_its_generated_header_first(make_project):
    p = make_project(MAESTRO, {"ver.in": "v1\n", "src.txt": "s\n"})
    assert p.run("build", "genh").code == 0
    assert p.run().code == 0  # use's depfile now lists gen/gen.h
    assert p.read("out/use.o") == "s\nv1\n"
    p.write("ver.in", "v2\n")
    # With no target, status says use waits for gen/gen.h to be remade; with the target, it must too.
    r = p.run("status", "--check", "use")
    assert r.code == 1, r.text
    r = p.run("build", "use")
    assert r.code == 0, r.text
    assert p.read("gen/gen.h") == "v2\n"
    assert p.read("out/use.o") == "s\nv2\n"


def test_building_a_depfile_reader_by_output_path_remakes_its_generated_header_first(make_project):
    p = make_project(MAESTRO, {"ver.in": "v1\n", "src.txt": "s\n"})
    assert p.run("-j1").code == 0
    assert p.run().code == 0
    p.write("ver.in", "v2\n")
    r = p.run("build", "out/use.o")
    assert r.code == 0, r.text
    assert p.read("out/use.o") == "s\nv2\n"


def test_a_depfile_reader_written_before_its_headers_maker_waits_for_it(make_project):
    reversed_rules = MAESTRO.split("[rules.use]")
    p = make_project("[rules.use]" + reversed_rules[1] + reversed_rules[0], {"ver.in": "v1\n", "src.txt": "s\n"})
    assert p.run("build", "genh").code == 0
    assert p.run().code == 0
    p.write("ver.in", "v2\n")
    r = p.run("-j2")
    assert r.code == 0, r.text
    assert p.read("out/use.o") == "s\nv2\n"
    assert p.run("status", "--check").code == 0

"""Found in review: `clean` must not delete a depfile the user wrote by hand (README: never "one
that was there before the job ran, written by hand"). Once a command had written the depfile, a
later run that no longer wrote it noted the old one as dropped, and clean deleted it without asking
whether it still held what buildlike made, as every rule's depfile counted as made now."""

from __future__ import annotations

GENERATED = """
[rules.cc]
inputs = ["a.c"]
outputs = ["a.o"]
depfile = "a.d"
run = "cp a.c a.o; echo 'a.o: a.c' > a.d"
"""


def test_clean_keeps_a_hand_written_depfile_that_replaced_a_generated_one(make_project):
    p = make_project(GENERATED, {"a.c": "c\n", "my.h": "h\n"})
    assert p.run().code == 0
    # The user now writes the dependencies by hand; the command stops writing them.
    p.write("Maestrofile.toml", GENERATED.replace("; echo 'a.o: a.c' > a.d", ""))
    p.write("a.d", "a.o: a.c my.h\n")
    p.age("a.d")  # (written well before the build: the ctime check takes it for the user's)
    assert p.run().code == 0
    r = p.run("clean", "-n")
    assert "would delete a.d" not in r.out, r.text
    assert p.run("clean").code == 0
    assert p.exists("a.d"), "clean deleted the hand-written depfile"
    assert p.read("a.d") == "a.o: a.c my.h\n"

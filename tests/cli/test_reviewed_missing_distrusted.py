"""Found by a reviewer (staleness.py): `(digest(path) or MISSING) != old` takes a recorded
MISSING for "the input was missing when the job started". But settlement._as_read also records
MISSING for an input that was *there* and changed while its job ran ("what it read is unknown, so
the job runs again next time" -- SPEC: "an input edited while its job runs makes the job stale
again for the next build"). When such an input is then missing (inside a folder output whose rule
no longer makes it), missing == MISSING says "no change": the reader stays up to date with an
output made from a file that is gone. The same history without the edit during the run reruns the
reader (recorded digest != MISSING), so the answer depends only on whether the file was touched
while the reader ran."""

MAESTRO = """
[rules.site]
inputs = ["mode.txt"]
outputs = ["site"]
run = ["rm -rf site && mkdir site", "if grep -q yes mode.txt; then echo hi > site/index.html; fi"]

[rules.use]
inputs = ["site/index.html"]
outputs = ["out.txt"]
# Reads its input; the append stands for an edit made while the job runs (an editor, a formatter).
run = "if [ -f site/index.html ]; then cat site/index.html > out.txt; {EDIT} else echo none > out.txt; fi"
"""


def _project(make_project, edit: str):
    return make_project(MAESTRO.replace("{EDIT}", edit), {"mode.txt": "yes\n"})


def test_reader_reruns_when_its_input_is_gone_control(make_project):
    p = _project(make_project, "")
    assert p.run().code == 0
    assert p.read("out.txt") == "hi\n"
    p.write("mode.txt", "no\n")
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out.txt") == "none\n", r.text  # passes on HEAD: the input is gone, use reran


def test_reader_edited_during_run_reruns_when_its_input_is_gone(make_project):
    p = _project(make_project, "echo edited >> site/index.html;")
    assert p.run().code == 0
    assert p.read("out.txt") == "hi\n"
    p.write("mode.txt", "no\n")
    r = p.run()
    assert r.code == 0, r.text
    # HEAD: `use` is cut off (MISSING recorded for the edited input == missing now), and out.txt
    # still holds what it read from a file that no longer exists.
    assert p.read("out.txt") == "none\n", r.text
    check = p.run("status", "--check")
    assert check.code == 0, check.text

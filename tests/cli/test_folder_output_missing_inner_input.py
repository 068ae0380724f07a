"""Found by a differential tester: an input inside a folder that another rule makes (README: "An input
inside such a folder (`site/index.html` of `site`) is that rule's file too: it is made first, and
its reader is judged once it is done"), which the maker's run did not create, makes its reader rerun
on every build: `input 'site/p/a.html' changed`, though nothing changed (it was missing then and is
missing now), and `status --check` never passes.

SPEC, When a job runs: "A job is stale, and runs, when any of these holds, and only then" (rule 5:
"the content of an input differs from what it was at the job's last successful run"). Whichever the
fix (the reader fails because its input was not made, or a missing file that stays missing is no
change, as README says of a depfile's absent file), a build right after a build must not run the
reader again and report success, and `status --check` must agree with what the build does."""

MAESTRO = """
[rules.site]
inputs = ["in.txt"]
outputs = ["site"]
run = ["echo site >> ran.log", "mkdir -p site/p", "cp in.txt site/p/b.html"]

[rules.use]
inputs = ["site/p/a.html"]
outputs = ["use.txt"]
run = ["echo use >> ran.log", "echo made > use.txt"]
"""


def test_missing_file_inside_folder_output_does_not_rerun_its_reader_forever(make_project):
    p = make_project(MAESTRO, {"in.txt": "two\n"})
    first = p.run("-j2")
    (p.root / "ran.log").unlink(missing_ok=True)

    second = p.run("-j2")
    log2 = p.log()
    (p.root / "ran.log").unlink(missing_ok=True)
    third = p.run("-j2")
    log3 = p.log()

    # Nothing changed between the builds: a second and a third build that succeed run nothing.
    assert not (second.code == 0 and "use" in log2), (first.text, second.text)
    assert not (third.code == 0 and "use" in log3), third.text
    if third.code == 0:
        check = p.run("status", "--check")
        assert check.code == 0, check.text


def test_folder_rule_stops_making_the_file_its_reader_reads(make_project):
    """The same after an edit: the maker's new run no longer makes the file the reader names."""
    maestro = MAESTRO.replace(
        '"mkdir -p site/p", "cp in.txt site/p/b.html"',
        '"rm -rf site && mkdir -p site/p", "if grep -q one in.txt; then cp in.txt site/p/a.html; fi"',
    )
    p = make_project(maestro, {"in.txt": "one\n"})
    r = p.run("-j2")
    assert r.code == 0, r.text
    p.write("in.txt", "two\n")
    p.run("-j2")  # site reruns and no longer makes site/p/a.html
    (p.root / "ran.log").unlink(missing_ok=True)
    again = p.run("-j2")
    assert not (again.code == 0 and "use" in p.log()), again.text

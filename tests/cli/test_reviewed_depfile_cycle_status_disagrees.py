"""Found by a review of the commits that added it.

Review of 2ec7e46 (depfile: a cycle that stays is an error).

Once a depfile cycle has settled (the reader's depfile still lists the file the other job makes, and
both jobs are up to date), every `buildlike` runs nothing, prints "nothing to do, everything is up
to date" and then the cycle error, and exits 2, while `buildlike -n` says "nothing to do" (with no
warning at all) and `buildlike status --check` says "everything is up to date", both exit 0. The
record that makes the build fail is read by all three; only the build turns it into an error (status
words it as "a cycle, unless it no longer reads it (its next run tells)", though no run is due).
So a dry run does not tell what the build does, and the `buildlike-check` hook passes commits that the
`buildlike` hook refuses. SPEC: a cycle is an error "reported before anything runs"; `--check` exits 1
if anything is stale, 0 success.
"""

from __future__ import annotations

MAESTROFILE = """
[rules.cc]
inputs = ["a.c"]
outputs = ["a.o"]
depfile = "a.d"
run = "cp a.c a.o && echo 'a.o: a.c gen.h' > a.d"

[rules.gen]
inputs = ["a.o"]
outputs = ["gen.h"]
run = "cp a.o gen.h"
"""


def test_dry_run_and_status_check_agree_with_the_build_on_a_settled_depfile_cycle(make_project):
    p = make_project(MAESTROFILE, {"a.c": "int a;\n"})
    p.run()  # the depfile edge is not known yet
    p.run()  # the cycle is known now
    build = p.run()
    assert "cycle" in build.err and build.code == 2, build.text  # the settled state: nothing runs, exit 2
    assert "ran" not in build.text or "0 jobs ran" in build.text, build.text
    dry = p.run("-n")
    check = p.run("status", "--check")
    # A dry run says what the build would do: it must not promise success where the build fails.
    assert dry.code == build.code, (dry.code, dry.text, build.text)
    assert check.code != 0, check.text

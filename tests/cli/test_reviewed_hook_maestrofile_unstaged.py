"""Found by a review of the commits that added it.

Review of 94c8b21 (hook: refuse a commit of a generated file "made from a source whose changes
are not staged", with plain git).

What a job makes depends on its command as much as on its inputs (SPEC rule 3: a changed command
makes it stale), and the command lives in the Maestrofile. `_unstaged_sources` looks only at the
jobs' `inputs`: an unstaged edit of the Maestrofile that changes what a job writes, followed by
staging only the regenerated output, commits that output out of step with the committed
Maestrofile, and the hook lets it through (the same flow with an unstaged input is refused).
"""

from __future__ import annotations

import sys

from tests.conftest import GEN


def test_an_output_made_by_an_unstaged_command_edit_is_refused(git_project):
    p = git_project()  # GEN: gen.txt = upper-cased src.txt, tracked
    assert p.committed("gen.txt") == "HELLO\n"
    r = p.sh(sys.executable, "-m", "buildlike", "hook", "install")
    assert r.code == 0, r.text

    p.write("Maestrofile.toml", GEN.replace("tr a-z A-Z", "tr a-z a-z"))  # the command now lower-cases
    assert p.buildlike().code == 0
    assert p.read("gen.txt") == "hello\n"
    p.git("add", "gen.txt")
    r = p.commit("regenerated gen.txt, Maestrofile not staged")
    # HEAD would hold gen.txt = "hello" with a committed Maestrofile whose command makes "HELLO".
    assert r.code == 1, (r.text, p.committed("gen.txt"))
    assert "Maestrofile.toml" in r.text

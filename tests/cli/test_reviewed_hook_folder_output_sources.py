"""Found by a review of the commits that added it.

Review of 94c8b21 (hook: refuse a commit of an output "made from a source whose changes are not
staged", with plain git).

`_unstaged_sources` decides whether git tracks a job's output by looking the output's own path up in
`git ls-files`. A folder output (`outputs = ["site"]`, a generated site kept in git for GitHub Pages,
say) is never listed there, only the files in it, so the check never fires for such a job: edit the
source, build, stage only `site/`, and HEAD records a site made from an uncommitted source. (The
other new check, `_is_made`, does handle files inside a folder output.)
"""

from __future__ import annotations

import sys

SITE = """
[rules.site]
inputs = ["src.txt"]
outputs = ["site"]
run = "rm -rf site && mkdir site && tr a-z A-Z < {input} > site/index.txt"
"""


def test_unstaged_source_of_a_tracked_folder_output_is_refused(git_project):
    p = git_project(SITE)
    assert p.committed("site/index.txt") == "HELLO\n"
    r = p.sh(sys.executable, "-m", "buildlike", "hook", "install")
    assert r.code == 0, r.text

    p.write("src.txt", "world\n")
    assert p.buildlike().code == 0
    p.git("add", "site")
    r = p.commit("site only, source not staged")
    assert r.code == 1, (r.text, p.committed("site/index.txt"), p.committed("src.txt"))
    assert "src.txt" in r.text

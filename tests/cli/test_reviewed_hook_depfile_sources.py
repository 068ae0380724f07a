"""Found by a review of the commits that added it.

Review of 94c8b21 (hook: "with plain git, one made from a source whose changes are not staged").

`_unstaged_sources` looks only at each job's declared `inputs`; the files its depfile listed are
inputs too (SPEC: "whose listed files become extra inputs"), and a plain-git hook builds from the
work tree just the same. Editing an included file, building, and staging only the regenerated
output commits that output out of step with the committed include: the hook lets it through.
"""

from __future__ import annotations

import sys

MAESTROFILE = """
[rules.page]
inputs = ["page.txt"]
outputs = ["out.txt"]
depfile = "out.d"
run = "cat {input} part.txt > {output} && echo 'out.txt: page.txt part.txt' > out.d"
"""


def test_a_depfile_listed_source_with_unstaged_changes_is_refused_like_a_declared_one(git_project):
    p = git_project(MAESTROFILE, {"page.txt": "title\n", "part.txt": "part one\n", ".gitignore": "ran.log\nout.d\n"})
    assert p.committed("out.txt") == "title\npart one\n"
    r = p.sh(sys.executable, "-m", "buildlike", "hook", "install")
    assert r.code == 0, r.text

    # The same flow with the declared input is refused (the feature under review):
    p.write("page.txt", "title 2\n")
    assert p.buildlike().code == 0
    p.git("add", "out.txt")
    declared = p.commit("regenerated page, source not staged")
    assert declared.code == 1, declared.text
    p.git("checkout", "HEAD", "--", "out.txt", "page.txt")
    assert p.buildlike().code == 0

    # With the file the depfile listed, it goes through: HEAD then holds out.txt made from an
    # uncommitted part.txt.
    p.write("part.txt", "part two\n")
    assert p.buildlike().code == 0
    assert p.read("out.txt") == "title\npart two\n"
    p.git("add", "out.txt")
    r = p.commit("regenerated page, include not staged")
    assert r.code == 1, (r.text, p.committed("out.txt"), p.committed("part.txt"))
    assert "part.txt" in r.text

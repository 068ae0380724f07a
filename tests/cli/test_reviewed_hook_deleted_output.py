"""Found by a review of the commits that added it.

Review of 94c8b21 (hook: refuse commits out of step with the build).

`_refuse_out_of_step` counts every tracked file that differs from the index and that *any* job of the
Maestrofile makes as "made by an earlier build and not staged", also when the work tree no longer has
the file at all and the hook's build (the default targets) does not make it. After `buildlike clean`
(or `rm -rf dist/`), a commit of an unrelated change is refused, and the advice, `git add` the
listed files, stages their deletion: the commit would then drop tracked generated files. The commit as
it stands records the index's copy, which is in step with the committed sources.
"""

from __future__ import annotations

import sys

MAESTROFILE = """
[settings]
default = ["gen"]

[rules.gen]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = "tr a-z A-Z < {input} > {output}"

[rules.rel]
inputs = ["src.txt"]
outputs = ["dist/rel.txt"]
run = "tr a-z A-Z < {input} > {output}"
"""


def _repo(git_project):
    p = git_project(MAESTROFILE, build=False)
    assert p.buildlike("build", "gen", "rel").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "generated files tracked")
    assert p.committed("dist/rel.txt") == "HELLO\n"
    r = p.sh(sys.executable, "-m", "buildlike", "hook", "install")
    assert r.code == 0, r.text
    return p


def test_commit_after_clean_is_not_refused_for_a_deleted_output_the_hook_does_not_build(git_project):
    p = _repo(git_project)
    assert p.buildlike("clean").code == 0  # deletes gen.txt and dist/rel.txt; the hook remakes gen.txt only
    assert not p.exists("dist/rel.txt")
    r = p.commit_change("README.md", "a project, edited\n")
    # gen.txt, which the hook's build remade (as it is in the index), is named once, as a file the
    # build changed; dist/rel.txt, which it does not build, never: the commit records HEAD's copy.
    assert "dist/rel.txt" not in r.text, r.text
    r = p.commit_change("README.md", "a project, edited again\n")
    assert r.code == 0, r.text


def test_a_deleted_output_is_not_described_as_made_by_an_earlier_build(git_project):
    p = _repo(git_project)
    (p.root / "dist" / "rel.txt").unlink()
    r = p.commit_change("README.md", "a project, edited\n")
    # If it is refused at all, it must not tell the user to `git add` a file that is gone (that stages
    # its deletion) as if a build had made it.
    assert "made by an earlier build" not in r.text, r.text

"""Found by a black-box tester of the git hook.

The variables git sets for hooks (GIT_INDEX_FILE, GIT_DIR) reach the build's commands, so a command
that runs git computes something other than it does when the same build is run by hand; the hook
then sees a "changed" tracked file and refuses (or the wrong content gets committed).
SPEC "Running": commands run "in the Maestrofile's folder"; README: `buildlike hook run` "builds the
Maestrofile"; a commit refused only "when it changed a file that git tracks" that the build regenerates."""

from __future__ import annotations

STAMP = """
[rules.stamp]
inputs = ["vendor/lib.c"]
outputs = ["vendor.txt"]
run = "git -C vendor rev-parse HEAD > {output}; git -C vendor status --porcelain --untracked-files=no >> {output}"
"""


def test_commit_a_does_not_leak_the_index_into_a_nested_repository(git_project):
    """`git commit -a` exports GIT_INDEX_FILE=<abs>/.git/index.lock; a rule stamping a vendored clone
    (`git -C vendor ...`) then reads the superproject's index as vendor's."""
    p = git_project(STAMP, {".gitignore": "ran.log\nvendor/\n"}, build=False)
    p.write("vendor/lib.c", "int x;\n")
    p.git("init", "-q", "-b", "main", cwd="vendor")
    p.git("add", ".", cwd="vendor")
    p.git("commit", "-q", "-m", "v1", cwd="vendor")
    assert p.buildlike("-q").code == 0
    p.git("add", "vendor.txt")
    p.git("commit", "-q", "-m", "stamp")
    assert p.buildlike("hook", "install").code == 0

    p.write("vendor/lib.c", "int y;\n")
    p.git("commit", "-q", "-a", "-m", "v2", cwd="vendor")
    expected = p.git("rev-parse", "HEAD", cwd="vendor")  # vendor is clean: no status lines
    p.write("README.md", "edited\n")
    r = p.sh("git", "commit", "-q", "-a", "-m", "readme")
    assert r.code == 1, r.text  # refused: vendor.txt regenerated ...
    assert "FAILED" not in r.err, f"... but the build, which passes by hand, failed in the hook:\n{r.err}"
    assert p.read("vendor.txt") == expected, f"the hook's build wrote {p.read('vendor.txt')!r}"
    p.git("add", "vendor.txt")
    r = p.sh("git", "commit", "-q", "-a", "-m", "readme")
    assert r.code == 0, r.text
    assert p.committed("vendor.txt") == expected


WT = """
[rules.files]
inputs = ["index.txt"]
outputs = ["files.txt"]
run = "cp {input} {output}; git ls-files >> {output}"
"""


def test_in_a_linked_worktree_a_subfolder_build_sees_the_same_git_as_by_hand(git_project):
    """In a linked worktree git exports GIT_DIR (no GIT_WORK_TREE) to the hook; a command run in the
    Maestrofile's folder `docs/` then takes docs/ for the top of the work tree."""
    p = git_project(None, {"docs/index.txt": "a\n"}, build=False)
    p.write("docs/Maestrofile.toml", WT)
    assert p.buildlike("-q", cwd="docs").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "files")
    (p.root / "docs/files.txt").unlink()
    assert p.buildlike("-q", cwd="docs").code == 0  # now files.txt is tracked: list it
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "files, listed")
    assert p.buildlike("hook", "install", "-f", "docs/Maestrofile.toml").code == 0

    wt = p.root.parent / (p.root.name + "-wt")
    p.git("worktree", "add", "-q", str(wt), "-b", "wt")
    q = type(p)(wt, env=p.env)
    q.write("docs/index.txt", "b\n")
    assert q.buildlike("-q", cwd="docs").code == 0
    by_hand = q.read("docs/files.txt")
    q.git("checkout", "-q", "--", "docs/files.txt")
    q.git("add", "docs/index.txt")
    r = q.commit("index b")
    assert q.read("docs/files.txt") == by_hand, f"hook built {q.read('docs/files.txt')!r}, by hand {by_hand!r}"
    assert r.code == 1 and "docs/files.txt" in r.err  # refused for the right reason: regenerated

"""Found by a black-box tester of the git hook.

Plain-git hook: a tracked generated file that is stale in the index but already rewritten in the
work tree (by an earlier refused/failed/manual build) lets the commit through.

The hook only refuses when *this* build changes a tracked file (work tree vs index, before vs after),
so any regenerated-but-unstaged file is invisible to it. README "Git hooks": "To keep generated files
... in step with their sources, let git run the build before each commit. The `buildlike` hook refuses
the commit ... when it changed a file that git tracks: ... check them, `git add` them and commit again".
"""

from __future__ import annotations


def test_retrying_a_refused_commit_without_staging_is_refused_again(git_project):
    p = git_project()
    assert p.buildlike("hook", "install").code == 0
    before = p.head()
    r = p.commit_change("src.txt", "world\n")
    assert r.code == 1, r.text  # refused: gen.txt regenerated, not staged
    r = p.commit("same commit again, nothing staged")  # e.g. up-arrow, enter
    # expected: still refused (gen.txt in the index is stale); actual: accepted
    assert r.code == 1 or p.committed("gen.txt") == "WORLD\n", (
        f"commit accepted with src.txt={p.committed('src.txt')!r} but gen.txt={p.committed('gen.txt')!r}"
    )
    assert p.head() == before


def test_a_generated_file_built_by_hand_but_not_staged_refuses_the_commit(git_project):
    """The most common slip: build, `git add` the source only, commit."""
    p = git_project()
    assert p.buildlike("hook", "install").code == 0
    p.write("src.txt", "world\n")
    assert p.buildlike("-q").code == 0  # gen.txt is now WORLD in the work tree
    p.git("add", "src.txt")
    r = p.commit("forgot gen.txt")
    assert r.code == 1, f"accepted: HEAD has src.txt={p.committed('src.txt')!r}, gen.txt={p.committed('gen.txt')!r}"


def test_check_hook_refuses_a_generated_file_built_by_hand_but_not_staged(git_project):
    p = git_project()
    assert p.buildlike("hook", "install", "--check").code == 0
    p.write("src.txt", "world\n")
    assert p.buildlike("-q").code == 0
    p.git("add", "src.txt")
    r = p.commit("forgot gen.txt")
    assert r.code == 1, f"accepted: HEAD has src.txt={p.committed('src.txt')!r}, gen.txt={p.committed('gen.txt')!r}"


TWO = """
[rules.gen]
foreach = "src/*.txt"
inputs = ["{path}"]
outputs = ["gen/{stem}.txt"]
run = ["if grep -q broken {input}; then echo 'cannot parse {input}' >&2; exit 3; fi",
       "tr a-z A-Z < {input} > {output}"]
"""


def test_after_a_failed_build_the_next_refusal_names_every_regenerated_file(git_project):
    """a.txt regenerates, b.txt fails; the user fixes b, follows the refusal's advice (stage what it
    names) and commits: gen/a.txt is never named again and goes in stale."""
    p = git_project(TWO, {"src/a.txt": "a\n", "src/b.txt": "b\n"})
    assert p.buildlike("hook", "install").code == 0
    p.write("src/a.txt", "a2\n")
    p.write("src/b.txt", "broken\n")
    p.git("add", "src")
    assert p.commit("both").code == 1  # the build failed
    p.write("src/b.txt", "b2\n")
    p.git("add", "src")
    r = p.commit("fixed")
    assert r.code == 1, r.text
    named = [line.strip() for line in r.err.splitlines() if line.startswith("  ")]
    for f in named:
        p.git("add", f)
    r = p.commit("fixed, with what the hook named")
    if r.code == 0:
        assert p.committed("gen/a.txt") == "A2\n", f"named {named}; gen/a.txt went in stale"
    else:
        assert "gen/a.txt" in r.err


def test_commit_with_a_path_then_the_advised_git_add_keeps_the_generated_file_in_step(git_project):
    """`git commit src.txt` is refused; the advice is `git add gen.txt` and commit again. Doing exactly
    that (`git commit src.txt` again) commits src.txt alone: git only takes the named path."""
    p = git_project()
    assert p.buildlike("hook", "install").code == 0
    p.write("src.txt", "world\n")
    r = p.sh("git", "commit", "-q", "-m", "src", "src.txt")
    assert r.code == 1, r.text
    p.git("add", "gen.txt")
    r = p.sh("git", "commit", "-q", "-m", "src", "src.txt")
    if r.code == 0:
        assert p.committed("gen.txt") == "WORLD\n", (
            f"HEAD has src.txt={p.committed('src.txt')!r} but gen.txt={p.committed('gen.txt')!r}"
        )

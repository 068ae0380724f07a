"""Found by a black-box tester of the git hook.

Plain-git hook with a partially staged source (`git add -p`): the build reads the work tree, so the
regenerated file reflects the *unstaged* hunks too; following the refusal's advice (`git add` the
named file, commit again) lands a commit whose generated file does not match its committed source.
README: "To keep generated files ... in step with their sources, let git run the build before each
commit"; "check them, `git add` them and commit again"."""

from __future__ import annotations


def _index_blob(p, rel: str, text: str) -> None:
    """Stage `text` as `rel` without touching the work tree (what `git add -p` leaves behind)."""
    tmp = p.root / ".staged.tmp"
    tmp.write_text(text)
    sha = p.git("hash-object", "-w", str(tmp)).strip()
    tmp.unlink()
    p.git("update-index", "--cacheinfo", f"100644,{sha},{rel}")


def test_a_partially_staged_source_never_lands_with_a_generated_file_from_unstaged_hunks(git_project):
    p = git_project(files={"src.txt": "one\ntwo\n"})
    assert p.buildlike("hook", "install").code == 0
    p.write("src.txt", "ONE-EDIT\ntwo\nthree-wip\n")  # two hunks
    _index_blob(p, "src.txt", "one-edit\ntwo\n")  # only the first is staged
    for _ in range(3):  # follow the refusal's advice until the commit goes through
        r = p.commit("first hunk")
        if r.code == 0:
            break
        named = [line.strip() for line in r.err.splitlines() if line.startswith("  ")]
        assert named, r.text
        p.git("add", *named)
    else:
        return  # refused every time: acceptable (nothing inconsistent landed)
    src, gen = p.committed("src.txt"), p.committed("gen.txt")
    assert gen == src.upper(), f"committed src.txt={src!r} with gen.txt={gen!r} (built from unstaged work)"


def test_an_unstaged_source_edit_never_lands_its_generated_file_in_an_unrelated_commit(git_project):
    """Work in progress on src.txt (not staged) while committing README.md: the hook builds gen.txt from
    the WIP, refuses, and its advice (`git add gen.txt`, commit again) commits gen.txt made from a
    source that is not in the commit. (Without the hook the commit would have been consistent.)"""
    p = git_project()
    assert p.buildlike("hook", "install").code == 0
    p.write("src.txt", "work in progress\n")
    p.write("README.md", "docs\n")
    p.git("add", "README.md")
    for _ in range(3):
        r = p.commit("docs only")
        if r.code == 0:
            break
        named = [line.strip() for line in r.err.splitlines() if line.startswith("  ")]
        assert named, r.text
        p.git("add", *named)
    else:
        return
    src, gen = p.committed("src.txt"), p.committed("gen.txt")
    assert gen == src.upper(), f"committed src.txt={src!r} with gen.txt={gen!r} (built from the unstaged WIP)"

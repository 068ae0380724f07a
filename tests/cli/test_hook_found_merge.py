"""Found by a black-box tester of the git hook.

`git merge` that needs no conflict resolution makes its commit without running the pre-commit
hook (git runs `pre-merge-commit` there), and `buildlike hook install` installs only pre-commit: the
merge lands with a generated file out of step with its merged source, and no build ran.
README heading "Git hooks: build before every commit"; "let git run the build before each commit"."""

from __future__ import annotations

COUNT = """
[rules.count]
inputs = ["src.txt"]
outputs = ["count.txt"]
run = ["echo count >> ran.log", "wc -l < {input} | tr -d ' ' > {output}"]
"""


def test_a_clean_merge_commit_runs_the_hook(git_project):
    p = git_project(COUNT, {"src.txt": "a\nb\nc\nd\ne\nf\n"})
    assert p.committed("count.txt") == "6\n"
    assert p.buildlike("hook", "install").code == 0
    p.git("checkout", "-q", "-b", "feat")
    p.write("src.txt", "x\na\nb\nc\nd\ne\nf\n")
    assert p.buildlike("-q").code == 0
    p.git("add", "-A")
    assert p.commit("feat: a line at the top").code == 0
    p.git("checkout", "-q", "main")
    p.write("src.txt", "a\nb\nc\nd\ne\nf\ny\n")
    assert p.buildlike("-q").code == 0
    p.git("add", "-A")
    assert p.commit("main: a line at the bottom").code == 0
    (p.root / "ran.log").unlink(missing_ok=True)

    r = p.sh("git", "merge", "-q", "--no-edit", "feat")
    if r.code == 0:  # the merge commit was made: it must be in step
        lines = len(p.committed("src.txt").splitlines())
        assert p.committed("count.txt") == f"{lines}\n", (
            f"merge committed src.txt with {lines} lines but count.txt={p.committed('count.txt')!r}; "
            f"build ran: {p.log()}"
        )


def test_install_writes_the_merge_hook_keeps_a_foreign_one_and_uninstall_removes_it(git_project):
    p = git_project(COUNT, {"src.txt": "a\n"})
    hooks = p.root / ".git" / "hooks"
    assert p.buildlike("hook", "install").code == 0
    assert (hooks / "pre-merge-commit").is_file()
    assert p.buildlike("hook", "uninstall").code == 0
    assert not (hooks / "pre-merge-commit").exists() and not (hooks / "pre-commit").exists()
    (hooks / "pre-merge-commit").write_text("#!/bin/sh\necho mine\n")
    r = p.buildlike("hook", "install")
    assert r.code == 0, r.text
    assert "pre-merge-commit hook that buildlike did not write" in r.err
    assert (hooks / "pre-merge-commit").read_text() == "#!/bin/sh\necho mine\n"
    assert p.buildlike("hook", "uninstall").code == 0
    assert (hooks / "pre-merge-commit").read_text() == "#!/bin/sh\necho mine\n"

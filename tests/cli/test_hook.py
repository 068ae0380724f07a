"""The plain-git pre-commit hook: `buildlike hook install|uninstall|run` in real repositories, with real
commits (SPEC: the command line, `buildlike hook install` / `uninstall`)."""

from __future__ import annotations

import os
import stat

from buildlike.hook import CHAINED_NAME, MARKER

FOREIGN = "#!/bin/sh\n# a hook some other tool wrote\necho foreign >> ran.log\n"


def installed(p, rel: str = ".git/hooks/pre-commit") -> str:
    hook = p.root / rel
    assert hook.stat().st_mode & stat.S_IXUSR, "the hook must be executable or git ignores it"
    return hook.read_text()


def test_install_writes_an_executable_hook_that_git_runs(git_project):
    p = git_project()
    r = p.buildlike("hook", "install")
    assert r.code == 0, r.text
    assert MARKER in installed(p).splitlines()
    assert "installed the pre-commit hook" in r.out


def test_an_up_to_date_project_commits_and_runs_nothing(git_project):
    p = git_project()
    p.buildlike("hook", "install")
    p.write("README.md", "more words\n")
    p.git("add", "README.md")
    r = p.commit("docs")
    assert r.code == 0, r.text
    assert p.committed("README.md") == "more words\n"
    assert p.log() == []


def test_a_stale_generated_file_refuses_the_commit_until_it_is_staged(git_project):
    p = git_project()
    p.buildlike("hook", "install")
    before = p.head()
    r = p.commit_change("src.txt", "world\n")
    assert r.code == 1, r.text
    assert "commit refused" in r.err
    assert "  gen.txt" in r.err.splitlines()
    assert p.head() == before
    assert p.read("gen.txt") == "WORLD\n"  # regenerated, waiting to be staged
    p.git("add", "gen.txt")
    r = p.commit("new source")
    assert r.code == 0, r.text
    assert p.committed("gen.txt") == "WORLD\n"
    assert p.log() == ["gen"]  # the second commit found everything up to date


def test_a_failing_rule_refuses_the_commit_and_shows_the_failure(git_project):
    p = git_project()
    p.buildlike("hook", "install")
    before = p.head()
    r = p.commit_change("src.txt", "broken\n")
    assert r.code == 1, r.text
    assert "FAILED" in r.err
    assert "gen: cannot parse src.txt" in r.err
    assert "exit code 3" in r.err
    assert p.head() == before


def test_the_check_hook_refuses_stale_work_and_builds_nothing(git_project):
    p = git_project()
    r = p.buildlike("hook", "install", "--check")
    assert r.code == 0, r.text
    assert "--check" in installed(p)
    r = p.commit_change("src.txt", "world\n")
    assert r.code == 1, r.text
    assert "1 job is stale (gen)" in r.err
    assert "input 'src.txt' changed" in r.text  # git shows a hook's stdout on stderr
    assert p.read("gen.txt") == "HELLO\n" and p.log() == []
    assert p.buildlike("-q").code == 0
    p.git("add", "gen.txt")
    r = p.commit("new source")
    assert r.code == 0, r.text


def test_a_file_already_modified_before_the_build_does_not_refuse_the_commit(git_project):
    """Unstaged edits the build does not touch are the user's business, not the hook's."""
    p = git_project()
    p.buildlike("hook", "install")
    p.write("README.md", "an edit not yet staged\n")
    p.write("notes.txt", "new\n")
    p.git("add", "notes.txt")
    r = p.commit("notes")
    assert r.code == 0, r.text


def test_uninstall_removes_the_hook(git_project):
    p = git_project()
    p.buildlike("hook", "install")
    r = p.buildlike("hook", "uninstall")
    assert r.code == 0, r.text
    assert not (p.root / ".git/hooks/pre-commit").exists()
    assert p.commit_change("src.txt", "world\n").code == 0  # no hook any more
    r = p.buildlike("hook", "uninstall")
    assert r.code == 0 and "nothing to remove" in r.out


def test_a_foreign_hook_is_never_overwritten_nor_uninstalled(git_project):
    p = git_project()
    hook = p.write(".git/hooks/pre-commit", FOREIGN, mode=0o755)
    r = p.buildlike("hook", "install")
    assert r.code == 2
    assert "did not install" in r.err and "--chain" in r.err
    assert hook.read_text() == FOREIGN
    r = p.buildlike("hook", "uninstall")
    assert r.code == 2
    assert "not installed by buildlike" in r.err
    assert hook.read_text() == FOREIGN


def test_chain_keeps_the_foreign_hook_runs_it_first_and_uninstall_puts_it_back(git_project):
    p = git_project()
    p.write(".git/hooks/pre-commit", FOREIGN, mode=0o755)
    r = p.buildlike("hook", "install", "--chain")
    assert r.code == 0, r.text
    chained = p.root / ".git/hooks" / CHAINED_NAME
    assert chained.read_text() == FOREIGN
    assert "kept as" in r.out

    assert p.commit_change("src.txt", "world\n").code == 1
    assert p.log() == ["foreign", "gen"]  # the foreign hook ran first, then the build

    chained.write_text(FOREIGN + "exit 1\n")  # now the foreign hook refuses: the build must not run
    p.git("add", "gen.txt")
    assert p.commit("new source").code == 1
    assert p.log() == ["foreign", "gen", "foreign"]
    chained.write_text(FOREIGN)

    r = p.buildlike("hook", "install", "--check")  # reinstalling keeps the chain
    assert r.code == 0, r.text
    assert CHAINED_NAME in installed(p)
    assert p.commit("new source").code == 0

    r = p.buildlike("hook", "uninstall")
    assert r.code == 0, r.text
    assert installed(p) == FOREIGN
    assert not chained.exists()


def test_core_hooks_path_is_respected(git_project):
    p = git_project()
    p.git("config", "core.hooksPath", ".githooks")
    r = p.buildlike("hook", "install")
    assert r.code == 0, r.text
    assert MARKER in installed(p, ".githooks/pre-commit")
    assert not (p.root / ".git/hooks/pre-commit").exists()
    assert p.commit_change("src.txt", "world\n").code == 1


def test_a_worktree_uses_the_hooks_of_its_repository_and_builds_its_own_files(git_project):
    p = git_project()
    wt = p.root.parent / f"{p.root.name}-wt"
    p.git("worktree", "add", "-q", "-b", "topic", str(wt))
    r = p.buildlike("hook", "install", cwd=wt)
    assert r.code == 0, r.text
    assert MARKER in installed(p)  # the hooks folder is the repository's, shared by its worktrees
    (wt / "src.txt").write_text("world\n")
    p.git("add", "src.txt", cwd=wt)
    r = p.commit("in the worktree", cwd=wt)
    assert r.code == 1, r.text
    assert (wt / "gen.txt").read_text() == "WORLD\n"
    assert p.read("gen.txt") == "HELLO\n"  # the main work tree is not touched


def test_the_hook_finds_the_maestrofile_at_the_top_from_any_subfolder(git_project):
    p = git_project(files={"src.txt": "hello\n", "docs/deep/page.md": "text\n"})
    p.buildlike("hook", "install")
    assert p.buildlike("hook", "run", cwd="docs/deep").code == 0
    r = p.commit_change("src.txt", "world\n", cwd="docs/deep")
    assert r.code == 1, r.text
    assert p.read("gen.txt") == "WORLD\n"
    r = p.buildlike("hook", "run", "--check", cwd="docs/deep")
    assert r.code == 1, r.text  # built, but not staged: the commit would record the old gen.txt
    assert "  ../../gen.txt" in r.err
    p.git("add", "gen.txt")
    r = p.buildlike("hook", "run", "--check", cwd="docs/deep")
    assert r.code == 0, r.text


GEN_THEN_FAIL = """
[rules.gen]
inputs = ["src.txt"]
outputs = ["gen.txt"]
run = "tr a-z A-Z < {input} > {output}"

[rules.check]
inputs = ["gen.txt"]
outputs = ["checked.txt"]
run = "exit 1"
"""


def test_hook_run_by_hand_in_a_subfolder_names_the_changed_files_from_there(git_project):
    """README: `hook run` "which you can also run by hand from any folder of the repository". From
    `docs/deep`, it listed `gen.txt` (from the top), which `git add` there does not take; it names
    them as `git status` does there, and the failed build's warning too."""
    p = git_project(files={"src.txt": "hello\n", "docs/deep/page.md": "text\n"})
    p.write("src.txt", "world\n")
    r = p.buildlike("hook", "run", cwd="docs/deep")
    assert r.code == 1, r.text
    assert "  ../../gen.txt" in r.err.splitlines(), r.err
    p.git("add", "../../gen.txt", cwd="docs/deep")  # as told, from where it was run
    assert p.git("diff", "--name-only").split() == ["src.txt"]

    q = git_project(
        maestrofile=GEN_THEN_FAIL, files={"src.txt": "hello\n", "gen.txt": "HELLO\n", "sub/x": ""}, build=False
    )
    q.write("src.txt", "world\n")
    r = q.buildlike("hook", "run", cwd="sub")
    assert r.code == 1, r.text
    assert "the failed build also changed files that git tracks: ../gen.txt" in r.err, r.err


def test_install_with_f_builds_that_maestrofile_whatever_the_folder(git_project):
    p = git_project(maestrofile=None, files={})
    p.write(
        "site/Maestrofile.toml",
        '[rules.page]\ninputs = ["page.md"]\noutputs = ["page.html"]\nrun = "sed s/^/html:/ {input} > {output}"\n',
    )
    p.write("site/page.md", "one\n")
    assert p.buildlike("-q", cwd="site").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "site")
    r = p.buildlike("hook", "install", "-f", "Maestrofile.toml", cwd="site")
    assert r.code == 0, r.text
    assert "-f site/Maestrofile.toml" in installed(p)  # stored relative to the repository's top
    p.write("site/page.md", "two\n")
    p.git("add", "site/page.md")
    r = p.commit("page")
    assert r.code == 1, r.text
    assert "  site/page.html" in r.err.splitlines()


def test_install_with_f_keeps_the_name_of_a_symlinked_maestrofile(git_project):
    """Found by a reviewer: the hook named the link's target, whose state is not the command line's."""
    p = git_project(maestrofile=None, files={})
    p.write("build.toml", '[rules.x]\noutputs = ["x.txt"]\nrun = "echo x > x.txt"\n')
    os.symlink("build.toml", p.root / "Maestrofile.toml")
    r = p.buildlike("hook", "install", "-f", "Maestrofile.toml")
    assert r.code == 0, r.text
    assert "-f Maestrofile.toml" in installed(p)


def test_without_a_maestrofile_the_hook_says_so_clearly(git_project):
    p = git_project(maestrofile=None, files={"docs/x.txt": "x\n"})
    r = p.buildlike("hook", "run", cwd="docs")
    assert r.code == 2
    assert f"no Maestrofile.toml at the top of the git repository {os.path.realpath(p.root)}" in r.err
    r = p.buildlike("hook", "install")
    assert r.code == 2 and "no Maestrofile.toml" in r.err
    assert not (p.root / ".git/hooks/pre-commit").exists()


def test_an_empty_f_is_a_usage_error_not_the_maestrofile_of_the_current_folder(git_project):
    """A script's unset `-f "$FILE"` made `hook run` build, and `hook install` use, ./Maestrofile.toml."""
    p = git_project(files={"src.txt": "hello\n", "sub/Maestrofile.toml": '[rules.x]\nalways = true\nrun = "false"\n'})
    for command in ("run", "install"):
        r = p.buildlike("hook", command, "-f", "", cwd="sub")
        assert r.code == 2, r.text
        assert "-f '': the name of the Maestrofile is empty" in r.err
    assert not (p.root / ".git/hooks/pre-commit").exists()


def test_outside_a_git_repository_the_hook_commands_say_so(tmp_path, git_project):
    p = git_project()
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "Maestrofile.toml").write_text('[rules.a]\nalways = true\nrun = "true"\n')
    for command in ("run", "install", "uninstall"):
        r = p.buildlike("hook", command, cwd=outside)
        assert r.code == 2, r.text
        assert "not inside a git work tree" in r.err


def test_install_where_core_hookspath_names_a_file_says_so(git_project):
    p = git_project()
    p.write("hooks-file", "not a folder\n")
    p.git("config", "core.hooksPath", "hooks-file")
    r = p.buildlike("hook", "install")
    assert "Traceback" not in r.err, r.err
    assert r.code == 2, r.text
    assert "hooks-file" in r.err
    assert p.read("hooks-file") == "not a folder\n"


def test_install_where_core_hookspath_cannot_be_created_says_so(git_project):
    p = git_project()
    p.write("blocker", "a file where a folder would go\n")
    p.git("config", "core.hooksPath", "blocker/hooks")
    r = p.buildlike("hook", "install")
    assert "Traceback" not in r.err, r.err
    assert r.code == 2, r.text
    assert "blocker/hooks" in r.err


def test_a_tracked_file_an_always_rule_makes_is_named_in_the_refusal(git_project):
    """Found by a tester migrating projects: an `always` rule writing a tracked file refused every
    commit, and the refusal did not say why it would never stop."""
    p = git_project('[rules.stamp]\nalways = true\noutputs = ["stamp.txt"]\nrun = "date +%s%N > stamp.txt"\n', files={})
    p.buildlike("hook", "install")
    r = p.commit_change("README.md", "changed\n")
    assert r.code == 1, r.text
    assert "stamp.txt is made by rule 'stamp', which has `always = true`: if it changes on every" in r.err, r.err

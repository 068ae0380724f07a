"""The hooks of `.pre-commit-hooks.yaml`, run by the pre-commit framework itself on real commits
(SPEC: the last paragraph, `buildlike` and `buildlike-check`).

The framework builds each hook environment by pip-installing this checkout (tens of seconds), so the
environment lives in one PRE_COMMIT_HOME for the whole session; `try-repo`, which always builds a
fresh one, runs once. Deselect these tests with `-m "not pre_commit_framework"`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.pre_commit_framework, pytest.mark.timeout(300)]

CHECKOUT = Path(__file__).resolve().parents[2]  # in CI a fresh clone somewhere else: never a fixed path


@pytest.fixture(scope="session")
def hooks_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(repository, revision) holding this checkout's hooks and code, as the framework needs a commit.

    A clean checkout is used as it is. One with uncommitted work gets a snapshot commit of its work
    tree (what the rest of the test suite runs) in a separate repository, leaving the checkout alone.
    """
    assert (CHECKOUT / ".pre-commit-hooks.yaml").is_file(), CHECKOUT

    def git(*args: str, cwd: Path) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        identity = ["-c", "user.name=buildlike tests", "-c", "user.email=tests@example.com"]
        proc = subprocess.run(["git", *identity, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
        return proc.stdout

    if not git("status", "--porcelain", cwd=CHECKOUT).strip():
        return str(CHECKOUT), git("rev-parse", "HEAD", cwd=CHECKOUT).strip()
    snapshot = tmp_path_factory.mktemp("buildlike-snapshot")
    git("init", "-q", cwd=snapshot)
    git(f"--work-tree={CHECKOUT}", "add", "-A", cwd=snapshot)
    git(f"--work-tree={CHECKOUT}", "commit", "-q", "-m", "snapshot of the work tree", cwd=snapshot)
    return str(snapshot), git("rev-parse", "HEAD", cwd=snapshot).strip()


def config_text(hooks_source: tuple[str, str], *hook_ids: str) -> str:
    """A .pre-commit-config.yaml using these hooks of this checkout (JSON is YAML)."""
    repo, rev = hooks_source
    return json.dumps({"repos": [{"repo": repo, "rev": rev, "hooks": [{"id": h} for h in hook_ids]}]}, indent=2)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory, hooks_source: tuple[str, str]) -> str:
    """One framework cache for the session, with the hooks' environment (one for both) built once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    scratch = tmp_path_factory.mktemp("pre-commit-warmup")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "PRE_COMMIT_HOME": str(home)}
    subprocess.run(["git", "init", "-q"], cwd=scratch, env=env, check=True)
    (scratch / ".pre-commit-config.yaml").write_text(config_text(hooks_source, "buildlike", "buildlike-check"))
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"], cwd=scratch, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(home)


@pytest.fixture
def framework_project(git_project, hooks_source, pre_commit_home):
    """`framework_project(hook_id)`: a built project whose commits run that hook through the framework."""

    def make(hook_id: str):
        p = git_project()
        p.env["PRE_COMMIT_HOME"] = pre_commit_home
        p.write(".pre-commit-config.yaml", config_text(hooks_source, hook_id))
        p.git("add", ".pre-commit-config.yaml")
        p.git("commit", "-q", "-m", "use pre-commit")
        r = p.sh(sys.executable, "-m", "pre_commit", "install")
        assert r.code == 0, r.text
        return p

    return make


def test_try_repo_runs_both_hooks_of_this_checkout(git_project, hooks_source, request):
    """`pre-commit try-repo <checkout>`: both hooks refuse a failing build, the failure shown.

    try-repo builds a fresh environment each time, so it runs once, and first: while it waits on pip,
    the environment the other tests share is built beside it.
    """
    repo, rev = hooks_source
    p = git_project()
    p.write("src.txt", "broken\n")
    p.git("add", "src.txt")
    command = [sys.executable, "-m", "pre_commit", "try-repo", repo, "--ref", rev]
    env = {**os.environ, **p.env}
    with subprocess.Popen(
        command, cwd=p.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        request.getfixturevalue("pre_commit_home")
        out, _ = proc.communicate(timeout=280)
    assert proc.returncode == 1, out
    lines = out.splitlines()
    assert any(line.startswith("buildlike.") and line.endswith("Failed") for line in lines), out
    assert any(line.startswith("buildlike (check).") and line.endswith("Failed") for line in lines), out
    assert "gen: cannot parse src.txt" in out  # the failure, shown by the framework
    assert "1 job is stale (gen)" in out  # the check hook, run after the failed build


def test_buildlike_hook_lets_an_up_to_date_project_commit_and_stashing_rebuilds_nothing(framework_project):
    """The framework stashes unstaged edits (rewriting those files, so their mtimes move) while hooks
    run; content hashes make the build see the same bytes it built, so nothing runs."""
    p = framework_project("buildlike")
    p.write("src.txt", "an edit not staged\n")  # built was "hello", the index still has it
    p.write("README.md", "more words\n")
    p.git("add", "README.md")
    r = p.commit("docs")
    assert r.code == 0, r.text
    assert "Stashing unstaged files" in r.text  # the framework did rewrite src.txt
    assert p.committed("README.md") == "more words\n"
    assert p.log() == []  # nothing rebuilt
    assert p.read("src.txt") == "an edit not staged\n"  # and the edit is back
    assert p.read("gen.txt") == "HELLO\n"


def test_buildlike_hook_refuses_a_stale_generated_file_regenerates_it_and_accepts_it_staged(framework_project):
    p = framework_project("buildlike")
    before = p.head()
    r = p.commit_change("src.txt", "world\n")
    assert r.code == 1, r.text
    assert "Failed" in r.text and "commit refused" in r.text
    assert "  gen.txt" in r.text.splitlines()
    assert p.head() == before
    assert p.read("gen.txt") == "WORLD\n"
    p.git("add", "gen.txt")
    r = p.commit("new source")
    assert r.code == 0, r.text
    assert p.committed("gen.txt") == "WORLD\n"


def test_buildlike_hook_refuses_a_commit_whose_build_fails_and_shows_the_failure(framework_project):
    p = framework_project("buildlike")
    before = p.head()
    r = p.commit_change("src.txt", "broken\n")
    assert r.code == 1, r.text
    assert "FAILED" in r.text and "gen: cannot parse src.txt" in r.text
    assert p.head() == before


def test_check_hook_accepts_an_up_to_date_project_and_refuses_stale_work_without_building(framework_project):
    p = framework_project("buildlike-check")
    p.write("README.md", "more words\n")
    p.git("add", "README.md")
    r = p.commit("docs")
    assert r.code == 0, r.text

    r = p.commit_change("src.txt", "world\n")
    assert r.code == 1, r.text
    assert "gen: input 'src.txt' changed" in r.text and "1 job is stale" in r.text
    assert p.read("gen.txt") == "HELLO\n" and p.log() == []  # built nothing

    assert p.buildlike("-q").code == 0
    p.git("add", "gen.txt")
    r = p.commit("new source")
    assert r.code == 0, r.text


def test_check_hook_refuses_a_commit_whose_last_build_failed(framework_project):
    p = framework_project("buildlike-check")
    p.write("src.txt", "broken\n")
    assert p.buildlike().code == 1
    p.git("add", "src.txt")
    r = p.commit("bad source")
    assert r.code == 1, r.text
    assert "1 job is stale (gen)" in r.text

"""README, Git hooks: the `buildlike-check` hook runs `buildlike hook run --check`, "which judges
exactly as `buildlike status --check` but finds the Maestrofile at the repository's top from any
folder and says what to do". With `hook install --check -f site/Maestrofile.toml`, the refusal says
"run buildlike", which (at the top, where git runs the hook) fails with exit 2: there is no
Maestrofile there. The advice must name the Maestrofile the hook judged, and work from where the
hook ran."""

from __future__ import annotations

import re
import sys


def test_check_refusal_names_the_maestrofile_given_with_f(git_project):
    p = git_project(maestrofile=None, files={})
    p.write(
        "site/Maestrofile.toml",
        '[rules.page]\ninputs = ["page.md"]\noutputs = ["page.html"]\nrun = "sed s/^/html:/ {input} > {output}"\n',
    )
    p.write("site/page.md", "one\n")
    assert p.buildlike("-q", cwd="site").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "site")
    r = p.buildlike("hook", "install", "--check", "-f", "site/Maestrofile.toml")
    assert r.code == 0, r.text

    r = p.commit_change("site/page.md", "two\n")
    assert r.code == 1, r.text
    assert "commit refused" in r.err
    # the literal advice, run where git runs the hook, cannot build this project
    assert p.buildlike().code == 2
    assert "run buildlike -f site/Maestrofile.toml (at the top of the repository), stage" in r.err, r.err
    assert p.buildlike("-f", "site/Maestrofile.toml").code == 0  # as told: it builds


def test_check_refusal_by_hand_in_a_subfolder_advises_a_command_that_works_there(git_project):
    """`hook run --check` run by hand in `sub/` said "run buildlike", which there exits 2 ("no
    Maestrofile"); the advice names the Maestrofile the hook judged, from `sub/`."""
    p = git_project(files={"src.txt": "hello\n", "sub/keep.txt": "x\n"})
    p.write("src.txt", "bye\n")
    r = p.buildlike("hook", "run", "--check", cwd="sub")
    assert r.code == 1, r.text
    assert "commit refused" in r.err
    advice = re.search(r"; run (.+), stage the files it changes", r.err)
    assert advice is not None, r.err
    assert advice.group(1) == "buildlike -f ../Maestrofile.toml", r.err
    assert p.buildlike(cwd="sub").code == 2  # the old advice, "run buildlike", fails there
    done = p.sh("sh", "-c", f"{sys.executable} -m {advice.group(1)}", cwd="sub")  # as told
    assert done.code == 0, done.text
    assert p.read("gen.txt") == "BYE\n"
    p.git("add", "-A")  # (a commit takes what is staged: both, in step)
    assert p.buildlike("hook", "run", "--check", cwd="sub").code == 0

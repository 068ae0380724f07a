"""README, Git hooks: the `buildlike-check` hook runs `buildlike hook run --check`, "which judges
exactly as `buildlike status --check` but finds the Maestrofile at the repository's top from any
folder and says what to do". With `hook install --check -f site/Maestrofile.toml`, the refusal says
"run buildlike", which (at the top, where git runs the hook) fails with exit 2: there is no
Maestrofile there. The advice must name the Maestrofile the hook judged."""

from __future__ import annotations


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

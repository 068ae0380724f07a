"""Found by a reviewer: gitstate._from_top names a path "as git names it from the top of the work tree:
through a symlinked folder, by its real folder", but only paths inside the project go through the
folder resolver: an input outside the project, named `../` through a symlinked folder or by an
absolute path, keeps a name git never gives (`shared/link/src.txt`, `/tmp/.../shared/real/src.txt`),
so its unstaged change is not seen and a generated file made from it is committed.

(With the input named `../shared/real/src.txt` the same commit is refused, as it should be.)
"""

from __future__ import annotations

import pytest

RULE = """\
[rules.gen]
inputs = ["{input}"]
outputs = ["gen.txt"]
run = "tr a-z A-Z < {{input}} > {{output}}"
"""


@pytest.mark.parametrize("named", ["../shared/link/src.txt", "ABSOLUTE"])
def test_a_source_outside_the_project_with_unstaged_changes_refuses_the_commit(git_project, named):
    p = git_project(None, {"shared/real/src.txt": "hello\n"}, build=False)
    (p.root / "shared" / "link").symlink_to("real")
    source = str(p.root.resolve() / "shared" / "real" / "src.txt") if named == "ABSOLUTE" else named
    p.write("proj/Maestrofile.toml", RULE.format(input=source))
    assert p.buildlike("-q", cwd="proj").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "built")
    assert p.buildlike("hook", "install", "-f", "proj/Maestrofile.toml").code == 0
    p.write("shared/real/src.txt", "world\n")
    assert p.buildlike("-q", cwd="proj").code == 0
    p.git("add", "proj/gen.txt")  # the generated file, made from a source that is not staged
    r = p.commit("gen.txt only")
    assert r.code == 1, f"accepted: HEAD has proj/gen.txt={p.committed('proj/gen.txt')!r}, src.txt unstaged"
    assert "shared/real/src.txt" in r.err, r.err

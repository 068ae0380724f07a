"""The git hook and a generated file the Maestrofile names through a symlinked folder: git tracks it
under its real folder (`real/gen.txt`, as it tracks no file through a link), the hook compared the
Maestrofile's name (`link/gen.txt`) with git's, found no tracked output, and let a stale one in."""

from __future__ import annotations

from tests.conftest import GEN


def test_an_output_named_through_a_linked_folder_built_but_not_staged_refuses_the_commit(git_project):
    p = git_project(GEN.replace('outputs = ["gen.txt"]', 'outputs = ["link/gen.txt"]'), build=False)
    (p.root / "real").mkdir()
    (p.root / "link").symlink_to("real")
    assert p.buildlike("-q").code == 0
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "generated, in real/")
    assert p.committed("real/gen.txt") == "HELLO\n"
    assert p.buildlike("hook", "install").code == 0
    p.write("src.txt", "world\n")
    assert p.buildlike("-q").code == 0  # real/gen.txt is WORLD in the work tree, not staged
    p.git("add", "src.txt")
    r = p.commit("forgot the generated file")
    assert r.code == 1, f"accepted: HEAD has gen.txt={p.committed('real/gen.txt')!r}"
    assert "real/gen.txt" in r.err, r.err

"""A source folder given as an input (accepted with a warning: "only the names in it are tracked") makes
its job stale when a file comes into it (`buildlike status` says "input 'assets' changed"), but watch
watches only the folder's parent, without "folder modified" events, so the new name is never built."""

from __future__ import annotations

from watching import read


def test_a_new_file_in_a_folder_input_is_built(make_project, watching):
    p = make_project(
        """
        [rules.ls]
        inputs = ["assets"]
        outputs = ["list.txt"]
        run = "ls assets > {output}"
        """,
        {"assets/a.png": "a"},
    )
    w = watching(p.root)
    w.wait_builds(1)
    p.write("assets/b.png", "b")
    w.wait_for(lambda: read(p.root / "list.txt") == "a.png\nb.png\n", 10, "the new name to be listed")
    (p.root / "assets/a.png").unlink()  # a name going (not from the tester)
    w.wait_for(lambda: read(p.root / "list.txt") == "b.png\n", 10, "the name gone to be built")
    assert w.stop() == 0

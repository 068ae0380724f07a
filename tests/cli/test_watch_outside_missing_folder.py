"""Found by a black-box tester of watch mode.

README, Watch mode: "folders that do not exist yet are watched through their parent, so an input
that appears later is built", and "Inputs outside the project (absolute paths, system headers from
depfiles) are watched folder by folder".

For an input outside the project whose folder does not exist yet (an SDK, a sibling checkout's
generated headers, installed after watch started), watch does put its OS watch on the nearest
existing parent, but then drops the event of the missing folder being made: only folders inside the
project count as ancestors whose creation matters. So the input, once there, is never built; only a
restart of watch builds it. (A missing file in an outside folder that exists is built fine.)"""

from __future__ import annotations

from watching import read


def project(make_project, tmp_path, spelled: str):
    outside = tmp_path / "outside"
    outside.mkdir()
    path = {"absolute": str(outside / "sdk/include/x.h"), "relative": "../outside/sdk/include/x.h"}[spelled]
    p = make_project(
        f"""
        [rules.a]
        inputs = ["{path}"]
        outputs = ["a.out"]
        run = "cp {{input}} {{output}}"
        """
    )
    assert p.root.parent == tmp_path
    return p, outside


def test_an_absolute_input_whose_folder_comes_later_is_built(make_project, watching, tmp_path):
    p, outside = project(make_project, tmp_path, "absolute")
    w = watching(p.root)
    w.wait_text("cannot build; waiting for changes")
    (outside / "sdk/include").mkdir(parents=True)
    (outside / "sdk/include/x.h").write_text("1\n")
    w.wait_for(lambda: read(p.root / "a.out") == "1\n", 10, "the input, once there, to be built")
    assert w.stop() == 0


def test_a_dotdot_input_whose_folder_comes_later_is_built(make_project, watching, tmp_path):
    p, outside = project(make_project, tmp_path, "relative")
    w = watching(p.root)
    w.wait_text("cannot build; waiting for changes")
    (outside / "sdk/include").mkdir(parents=True)
    (outside / "sdk/include/x.h").write_text("1\n")
    w.wait_for(lambda: read(p.root / "a.out") == "1\n", 10, "the input, once there, to be built")
    assert w.stop() == 0

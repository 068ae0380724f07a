"""Symlinks inside the project, which builds follow (README: symlinked inputs and folders), are not
followed by watch: watchdog watches with IN_DONT_FOLLOW by default, and a link's target is never
watched. Edits made through a symlinked folder, to the file a symlinked input leads to, or to the file
a symlinked Maestrofile leads to, are never built (`buildlike status` says the job is stale)."""

from __future__ import annotations

import os

from watching import read


def test_an_edit_in_a_symlinked_folder_is_built(make_project, watching, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "x.c").write_text("x1\n")
    p = make_project(
        """
        [rules.cat]
        inputs = ["vendor/*.c"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """
    )
    os.symlink(lib, p.root / "vendor")
    w = watching(p.root)
    w.wait_builds(1)
    assert read(p.root / "all.txt") == "x1\n"
    (p.root / "vendor/x.c").write_text("x2\n")  # through the link
    w.wait_for(lambda: read(p.root / "all.txt") == "x2\n", 10, "the edit through vendor/ to be built")
    (p.root / "vendor/y.c").write_text("y\n")  # a new file matching the glob
    w.wait_for(lambda: read(p.root / "all.txt") == "x2\ny\n", 10, "vendor/y.c to be built")
    assert w.stop() == 0


def test_an_edit_to_the_file_a_symlinked_input_leads_to_is_built(make_project, watching):
    p = make_project(
        """
        [rules.cfg]
        inputs = ["current.cfg"]
        outputs = ["used.cfg"]
        run = "cp {input} {output}"
        """,
        {"configs/dev.cfg": "dev1\n"},
    )
    os.symlink("configs/dev.cfg", p.root / "current.cfg")
    w = watching(p.root)
    w.wait_builds(1)
    p.write("configs/dev.cfg", "dev2\n")
    w.wait_for(lambda: read(p.root / "used.cfg") == "dev2\n", 10, "the edit of the link's target to be built")
    assert w.stop() == 0


def test_an_edit_to_the_file_a_symlinked_maestrofile_leads_to_reloads(make_project, watching, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    rule = '[rules.a]\ninputs = ["in.txt"]\noutputs = ["o.txt"]\nrun = "cp in.txt o.txt{extra}"\n'
    (shared / "Maestrofile.toml").write_text(rule.format(extra=""))
    p = make_project("", {"in.txt": "1\n"})
    (p.root / "Maestrofile.toml").unlink()
    os.symlink(shared / "Maestrofile.toml", p.root / "Maestrofile.toml")
    w = watching(p.root)
    w.wait_builds(1)
    (shared / "Maestrofile.toml").write_text(rule.format(extra="; echo x >> o.txt"))
    w.wait_for(lambda: read(p.root / "o.txt") == "1\nx\n", 10, "the changed command to run")
    assert w.stop() == 0


def test_a_symlinked_input_pointed_elsewhere_is_followed_there(make_project, watching):
    """Not from the tester: `ln -sfn` to a file in another folder; edits there are then built."""
    p = make_project(
        """
        [rules.cfg]
        inputs = ["current.cfg"]
        outputs = ["used.cfg"]
        run = "cp {input} {output}"
        """,
        {"configs/dev.cfg": "dev\n", "other/prod.cfg": "prod1\n"},
    )
    os.symlink("configs/dev.cfg", p.root / "current.cfg")
    w = watching(p.root)
    w.wait_builds(1)
    os.symlink("other/prod.cfg", p.root / "current.cfg.new")
    os.replace(p.root / "current.cfg.new", p.root / "current.cfg")
    w.wait_file(p.root / "used.cfg", "prod1\n")
    w.wait_idle()
    p.write("other/prod.cfg", "prod2\n")
    w.wait_file(p.root / "used.cfg", "prod2\n")
    assert w.stop() == 0


def test_a_symlink_loop_under_a_recursive_glob_still_watches_and_builds(make_project, watching):
    """Not from the tester: `src/loop -> .` leads back into src/; watch starts, and edits build."""
    p = make_project(
        """
        [rules.cat]
        inputs = ["src/**/*.c"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """,
        {"src/a.c": "a1\n", "src/sub/b.c": "b\n"},
    )
    os.symlink(".", p.root / "src/loop")
    w = watching(p.root)
    w.wait_builds(1)
    p.write("src/sub/b.c", "b2\n")
    w.wait_file(p.root / "all.txt", "a1\nb2\n")
    assert w.stop() == 0

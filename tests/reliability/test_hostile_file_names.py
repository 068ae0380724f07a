"""File names and file trees that break naive build tools: odd characters, symlinks, missing folders,
inputs that vanish, and 20,000 inputs on one command line.

SPEC: "In `run`, every path placeholder is shell-quoted, so names with spaces or quotes work."
"""

from __future__ import annotations

import os

from reliability_tools import kill_groups, leftover_processes, spawn, wait_until

NAMES = [
    "plain.txt",
    "with space.txt",
    "it's.txt",
    'say "hi".txt',
    "dollar $HOME $(echo no).txt",
    "back\\slash.txt",
    "new\nline.txt",
    "ünïcødé ✓.txt",
    "-leading-dash.txt",
    "--also.txt",
    "semi;colon&amp|pipe.txt",
    "a*b.txt",
    "x[1].txt",
    "q?.txt",
    "brace {x}.txt",
    "tab\there.txt",
]


def test_file_names_with_spaces_quotes_dollars_newlines_unicode_and_leading_dashes(make_project) -> None:
    """SPEC: In run, every path placeholder is shell-quoted."""
    p = make_project(
        """
        [rules.copy]
        foreach = "in/*.txt"
        inputs = ["{path}"]
        outputs = ["out/{name}"]
        run = "cat {input} > {output}"

        [rules.all]
        inputs = ["out/*.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """
    )
    for i, name in enumerate(NAMES):
        (p.root / "in").mkdir(exist_ok=True)
        (p.root / "in" / name).write_text(f"{i}\n")
    r = p.run()
    assert r.code == 0, r.text
    for i, name in enumerate(NAMES):
        assert (p.root / "out" / name).read_text() == f"{i}\n", name
    expected = "".join(f"{i}\n" for i, _ in sorted(enumerate(NAMES), key=lambda x: f"out/{x[1]}"))
    assert p.read("all.txt") == expected
    r = p.run()
    assert r.code == 0 and "nothing to do" in r.out, r.text
    (p.root / "in" / "x[1].txt").write_text("changed\n")
    r = p.run()
    assert r.code == 0, r.text
    assert (p.root / "out" / "x[1].txt").read_text() == "changed\n"
    assert r.out.count("\n[") + r.out.startswith("[") == 2, r.out  # that copy, then `all`
    for command in ("status", "list", "graph"):
        r = p.run(command)
        assert r.code == 0 and "Traceback" not in r.err, r.text


def test_symlinked_inputs_and_folders_are_followed(make_project) -> None:
    p = make_project(
        """
        [rules.copy]
        foreach = "src/*.txt"
        inputs = ["{path}", "config"]
        outputs = ["out/{name}"]
        run = "cat {inputs} > {output}"
        """,
        {"real/a.txt": "a\n", "real/b.txt": "b\n", "settings/v1": "v1\n", "settings/v2": "v2\n"},
    )
    os.symlink("real", p.root / "src")
    os.symlink("settings/v1", p.root / "config")
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("out/a.txt") == "a\nv1\n"
    p.write("real/a.txt", "A\n")  # edited through the folder link
    assert p.run().code == 0
    assert p.read("out/a.txt") == "A\nv1\n" and p.read("out/b.txt") == "b\nv1\n"
    os.unlink(p.root / "config")
    os.symlink("settings/v2", p.root / "config")  # the link now points elsewhere
    assert p.run().code == 0
    assert p.read("out/a.txt") == "A\nv2\n" and p.read("out/b.txt") == "b\nv2\n"
    assert "nothing to do" in p.run().out


def test_a_symlink_loop_under_a_recursive_glob_is_not_followed_forever(make_project) -> None:
    p = make_project(
        """
        [rules.all]
        inputs = ["src/**/*.c"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """,
        {"src/a.c": "a\n", "src/sub/b.c": "b\n"},
    )
    os.symlink("..", p.root / "src" / "sub" / "up")  # src/sub/up/sub/up/... forever
    os.symlink(".", p.root / "src" / "here")
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("all.txt") == "a\nb\n"


def test_a_dangling_symlink_input_is_named(make_project) -> None:
    p = make_project(
        """
        [rules.copy]
        inputs = ["link.txt"]
        outputs = ["out.txt"]
        run = "cp {input} {output}"
        """
    )
    os.symlink("nowhere.txt", p.root / "link.txt")
    r = p.run()
    assert r.code == 2, r.text
    assert "input 'link.txt' is not a file and no rule makes it" in r.err


def test_outputs_in_folders_that_do_not_exist_get_their_folders(make_project) -> None:
    """SPEC: Running: each command runs after the folders of its outputs are created."""
    p = make_project(
        """
        [rules.deep]
        outputs = ["a/b/c/d/e.txt", "x/y/z.txt"]
        depfile = "deps/here/e.d"
        run = "echo e > {output}; echo z > x/y/z.txt; echo 'a/b/c/d/e.txt:' > deps/here/e.d"
        """
    )
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("a/b/c/d/e.txt") == "e\n" and p.read("x/y/z.txt") == "z\n"


def test_an_output_whose_folder_is_a_file_fails_that_job_cleanly(make_project) -> None:
    p = make_project(
        """
        [settings]
        jobs = 2

        [rules.slow]
        outputs = ["slow.txt"]
        run = "echo $$ > slow.pid; sleep 1; echo ok > {output}"

        [rules.blocked]
        outputs = ["build/x.o"]
        run = "echo x > {output}"
        """,
        {"build": "I am a file\n"},
    )
    r = p.run(timeout=30)
    pgid = int(p.read("slow.pid")) if p.exists("slow.pid") else None
    try:
        assert r.code == 1, r.text
        assert "Traceback" not in r.err, r.err
        assert "build" in r.err and "blocked" in r.err, r.err
        if pgid is not None:
            assert leftover_processes([pgid], settle=0.2) == {}
            assert p.read("slow.txt") == "ok\n"  # the running job finished
    finally:
        if pgid is not None:
            kill_groups([pgid])


def test_an_input_deleted_while_its_consumer_waits_fails_that_job_with_its_name(make_project) -> None:
    p = make_project(
        """
        [rules.slow]
        outputs = ["slow.txt"]
        run = "touch started; sleep 1; echo slow > {output}"

        [rules.consumer]
        inputs = ["slow.txt", "data.txt"]
        outputs = ["out.txt"]
        run = "cat {inputs} > {output}"
        """,
        {"data.txt": "data\n"},
    )
    proc = spawn(p.root)
    wait_until(proc, lambda: p.exists("started"))
    (p.root / "data.txt").unlink()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    assert "data.txt" in err, err
    r = p.run()
    assert r.code == 2 and "input 'data.txt' is not a file and no rule makes it" in r.err, r.text
    p.write("data.txt", "back\n")
    r = p.run()
    assert r.code == 0 and p.read("out.txt") == "slow\nback\n", r.text


def test_20000_inputs_on_one_command_line(make_project) -> None:
    """README: Running: a command line longer than the system allows for one argument still runs."""
    # `chmod` is exec'ed directly with 20,000 arguments; `cat ... >` needs the shell, whose `-c`
    # argument is then one 260 kB string, over Linux's limit of 128 kB for a single argument.
    p = make_project(
        """
        [rules.direct]
        inputs = ["in/*.txt"]
        outputs = ["direct.txt"]
        run = ["chmod 644 {inputs}", "touch {output}"]

        [rules.shell]
        inputs = ["in/*.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs} > {output}"
        """
    )
    (p.root / "in").mkdir()
    for i in range(20_000):
        (p.root / "in" / f"f{i:05}.txt").write_text(f"{i}\n")
    r = p.run(timeout=120)
    assert "Traceback" not in r.err
    assert r.code == 0, r.text[:2000]
    assert p.exists("direct.txt")
    assert p.read("all.txt") == "".join(f"{i}\n" for i in range(20_000))
    assert "nothing to do" in p.run().out


def test_a_command_over_the_systems_argument_limit_fails_with_a_message_naming_the_limit(make_project) -> None:
    big = "x" * 3_000_000  # one argument of 3 MB: more than exec takes, even through the shell
    p = make_project(
        f"""
        [vars]
        BIG = "{big}"

        [rules.huge]
        outputs = ["out.txt"]
        run = "/bin/echo {{BIG}}"

        [rules.through_shell]
        outputs = ["shell.txt"]
        run = "echo {{BIG}} > {{output}}"
        """
    )
    r = p.run("-k", timeout=120)
    assert r.code == 1, r.text[:3000]
    assert "Traceback" not in r.err
    assert "Argument list too long" in r.err and "ARG_MAX" in r.err, r.err[:3000]
    assert len(r.err) < 20_000  # the failing command is shown cut
    assert len(p.read("shell.txt")) == 3_000_001  # `echo` is the shell's own: no exec, no limit

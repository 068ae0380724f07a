"""Names longer than the file system takes (a component over NAME_MAX = 255 bytes, a path over
PATH_MAX) end builds and `status` in a Python traceback (OSError: [Errno 36] File name too long, from
os.stat in fingerprint.py), exit 1, instead of a message.

SPEC: "Every failure must be a clear message" -- errors are reported "naming the rule(s) and file(s)";
README: "Every problem in a Maestrofile is reported at once, before anything runs ... and exit code 2".
"""

from __future__ import annotations

LONG = "a" * 250  # a legal file name; with a suffix added it is not


def _no_traceback(r):
    assert "Traceback" not in r.err, r.err[-1500:]
    assert "File name too long" not in r.err or r.code in (1, 2), r.err[-1500:]


def test_foreach_output_name_over_name_max_fails_cleanly_on_every_build(make_project):
    # A source with a 254-byte name (legal); its backup's name is 261 bytes.
    p = make_project(
        """
        [rules.bak]
        foreach = "src/*.txt"
        inputs = ["{path}"]
        outputs = ["out/{name}.backup"]
        run = "cp {input} {output}"
        """,
        {f"src/{LONG}.txt": "hi\n"},
    )
    first = p.run("build")
    assert first.code == 1, first.text  # cp cannot make it: a failed job, with its message
    _no_traceback(first)
    # The job failed, so it is stale: the next build and `status` must say so, not crash.
    second = p.run("build")
    _no_traceback(second)
    assert second.code in (1, 2), second.text
    st = p.run("status")
    _no_traceback(st)
    dry = p.run("build", "-n")
    _no_traceback(dry)


def test_input_name_over_name_max_is_a_clear_error(make_project):
    p = make_project(f'[rules.r]\ninputs = ["{"i" * 256}"]\noutputs = ["o"]\nrun = "true"\n')
    r = p.run("build")
    _no_traceback(r)
    assert r.code == 2, r.text  # an input that neither exists nor is made, or a name it cannot be
    s = p.run("status")
    _no_traceback(s)
    assert s.code == 2, s.text


def test_output_path_over_path_max_is_a_clear_error(make_project):
    deep = "/".join(["e" * 250] * 17)  # 4266 bytes: more than PATH_MAX (4096)
    p = make_project(f'[rules.deeper]\noutputs = ["{deep}/x.txt"]\nrun = "echo hi > {{output}}"\n')
    r = p.run("build")
    _no_traceback(r)
    assert r.code in (1, 2), r.text
    s = p.run("status")
    _no_traceback(s)


def test_an_input_that_is_a_loop_of_symlinks_is_a_clear_error(make_project):
    """Found beside the above: `a -> b -> a` as an input ended in `OSError: [Errno 40]`."""
    p = make_project('[rules.r]\ninputs = ["a"]\noutputs = ["o"]\nrun = "touch o"\n')
    (p.root / "a").symlink_to("b")
    (p.root / "b").symlink_to("a")
    for command in (("build",), ("status",), ("build", "-n")):
        r = p.run(*command)
        assert "Traceback" not in r.err, r.err[-1500:]
        assert r.code == 2, r.text
        assert "rule 'r': input 'a' is not a file and no rule makes it" in r.err, r.err

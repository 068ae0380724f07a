"""Edge cases found by review: depfiles, tools built by the build, odd inputs, the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from buildlike.depfile import parse_depfile


def test_a_depfile_whose_target_has_a_one_letter_name_still_lists_its_headers():
    """SPEC: depfile, as `gcc -MD -MF` writes it (`cc -o x main.c` names the target `x`)."""
    assert parse_depfile("x: main.c foo.h\n") == ["main.c", "foo.h"]


def test_a_generated_header_found_through_a_depfile_is_remade_before_its_reader(make_project):
    """SPEC: depfile: the listed files become extra inputs from the next build on."""
    p = make_project(
        """
        [settings]
        jobs = 1
        [rules.gen]
        inputs = ["gen.in"]
        outputs = ["gen.h"]
        run = "cp gen.in gen.h"
        [rules.compile]
        inputs = ["main.c"]
        outputs = ["main.o"]
        depfile = "main.d"
        run = "cat main.c gen.h > main.o; echo 'main.o: main.c gen.h' > main.d"
        """,
        {"gen.in": "v1\n", "main.c": "int main;\n"},
    )
    assert p.run("build", "gen").code == 0
    assert p.run().code == 0
    p.write("gen.in", "v2\n")
    assert p.run().code == 0
    assert p.read("main.o") == "int main;\nv2\n"
    r = p.run("status", "--check")
    assert r.code == 0, r.text


def test_a_header_outside_the_project_named_relatively_in_a_depfile_is_tracked(make_project):
    p = make_project(
        """
        [rules.compile]
        inputs = ["main.c"]
        outputs = ["main.o"]
        depfile = "main.d"
        run = "echo compile >> ran.log; cat main.c ../inc/x.h > main.o; echo 'main.o: main.c ../inc/x.h' > main.d"
        """,
        {"main.c": "c\n"},
    )
    inc = p.root.parent / "inc"
    inc.mkdir(exist_ok=True)
    (inc / "x.h").write_text("h1\n")
    assert p.run().code == 0
    (inc / "x.h").write_text("h2 changed\n")
    assert p.run().code == 0
    assert p.log() == ["compile", "compile"]


def test_no_new_job_starts_after_a_failure_even_when_a_sibling_succeeds(make_project):
    """SPEC: Running: no new jobs start (unless -k), the running ones finish."""
    p = make_project(
        """
        [settings]
        jobs = 2
        [rules.a_fail]
        outputs = ["a"]
        run = "exit 1"
        [rules.b_slow]
        outputs = ["b"]
        run = "sleep 0.5; touch b"
        [rules.c1]
        outputs = ["c1"]
        run = "touch c1"
        [rules.c2]
        outputs = ["c2"]
        run = "touch c2"
        """
    )
    assert p.run().code == 1
    started = {n for n in ("c1", "c2") if p.exists(n)}
    assert len(started) <= 1  # at most one could start beside a_fail, before it failed


def test_a_tool_built_earlier_in_the_build_is_the_one_later_jobs_run(make_project):
    """A program on PATH that a job just made replaces the one found before."""
    p = make_project(
        """
        [settings]
        jobs = 1
        [rules.first]
        outputs = ["first.txt"]
        run = "hello-tool first.txt"
        [rules.mk]
        inputs = ["first.txt", "tool.sh"]
        outputs = ["bin/hello-tool"]
        run = "cp tool.sh bin/hello-tool; chmod +x bin/hello-tool"
        [rules.use]
        inputs = ["bin/hello-tool"]
        outputs = ["use.txt"]
        run = "hello-tool use.txt"
        """,
        {"tool.sh": '#!/bin/sh\necho project > "$1"\n'},
    )
    p.write("sys/hello-tool", '#!/bin/sh\necho system > "$1"\n', mode=0o755)
    path = f"{p.root}/bin:{p.root}/sys:{os.environ['PATH']}"
    assert p.run(env={"PATH": path}).code == 0
    assert p.read("first.txt") == "system\n"
    assert p.read("use.txt") == "project\n"


def test_a_fifo_among_the_inputs_does_not_hang_the_build(make_project):
    p = make_project('[rules.a]\ninputs = ["data/*"]\noutputs = ["a.txt"]\nrun = "ls data > {output}"\n')
    p.write("data/a.txt", "a")
    os.mkfifo(p.root / "data" / "pipe")
    r = p.run(timeout=30)
    assert r.code == 0, r.text


def test_a_folder_given_as_an_input_is_a_warning_naming_the_rule(make_project):
    p = make_project('[rules.pack]\ninputs = ["assets"]\noutputs = ["pack.txt"]\nrun = "ls assets > {output}"\n')
    p.write("assets/a.txt", "1")
    r = p.run()
    assert r.code == 0
    assert "rule 'pack'" in r.err and "'assets' is a folder" in r.err and "assets/**" in r.err


def test_a_rule_writing_into_a_source_folder_it_reads_is_not_stale_forever(make_project):
    """A source folder counts as the names in it (the warning says so): sphinx-like docs/_build."""
    p = make_project(
        """
        [rules.docs]
        inputs = ["docs"]
        outputs = ["docs/_build/index.html"]
        run = "mkdir -p docs/_build && date +%N > docs/_build/index.html && date +%N > docs/_build/other.html"
        """
    )
    p.write("docs/index.rst", "hello\n")
    assert p.run().code == 0
    assert p.run().code == 0  # the first build added _build to docs: its names changed once
    r = p.run()
    assert "nothing to do" in r.out, r.text


def test_a_folder_output_is_tracked_by_its_files(make_project):
    """SPEC: a consumer is cut off only when its producer wrote byte-identical outputs; rule 6: an
    output edited by hand makes its job stale. Both hold for a folder a rule makes."""
    p = make_project(
        """
        [rules.site]
        inputs = ["in.txt"]
        outputs = ["site"]
        run = "mkdir -p site/pages && grep -v '^#' in.txt > site/pages/index.html"
        [rules.pack]
        inputs = ["site"]
        outputs = ["pack.txt"]
        run = "cat site/pages/index.html > pack.txt; echo pack >> ran.log"
        """,
        {"in.txt": "1\n"},
    )
    assert p.run().code == 0
    p.write("in.txt", "2\n")
    assert p.run().code == 0
    assert p.read("pack.txt") == "2\n"
    assert p.log() == ["pack", "pack"]
    p.write("in.txt", "2\n# a comment\n")  # site reruns, writes the same files: pack is cut off
    assert p.run().code == 0
    assert p.log() == ["pack", "pack"]
    p.write("site/pages/index.html", "by hand\n")
    r = p.run("status")
    assert "site: output 'site' changed since it was built" in r.out, r.out
    assert p.run().code == 0
    assert p.read("pack.txt") == "2\n"
    assert "nothing to do" in p.run().out


def test_commands_see_the_project_folder_as_pwd_even_with_dash_c(make_project, tmp_path, buildlike_cli):
    # Exec'ed directly, with no shell (nor a shell-script shim) to set PWD: the running Python.
    p = make_project(
        f"""
        [rules.a]
        outputs = ["pwd.txt"]
        run = "{sys.executable} -c 'import os; open(\\"pwd.txt\\", \\"w\\").write(os.environ[\\"PWD\\"])'"
        """
    )
    assert buildlike_cli("-C", str(p.root), cwd=tmp_path).code == 0
    assert p.read("pwd.txt").strip() == str(p.root)


def test_a_background_child_of_one_job_does_not_write_into_another_jobs_output(make_project):
    p = make_project(
        textwrap.dedent(
            """
            [settings]
            jobs = 1
            [rules.a]
            outputs = ["a"]
            run = "(sleep 0.3; echo LATE-FROM-A) & echo first; touch a"
            [rules.b]
            inputs = ["a"]
            outputs = ["b"]
            run = "sleep 0.6; echo second; exit 1"
            """
        )
    )
    r = p.run()
    assert r.code == 1
    assert "second" in r.err and "LATE-FROM-A" not in r.err


def _copies(make_project, count: int, run: str = "cp {path} {output}"):
    """A project of `count` jobs, each copying src/K.txt to out/K.txt."""
    rule = f'[rules.copy]\nforeach = "src/*.txt"\noutputs = ["out/{{name}}"]\nrun = "{run}"\n'
    return make_project(rule, {f"src/{k}.txt": f"{k}\n" for k in range(count)})


def _build_with_open_file_limit(p, soft: int, hard: int, jobs: int):
    """Run `buildlike -j jobs` in `p` with RLIMIT_NOFILE set to (soft, hard)."""
    import resource
    import subprocess

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run(
        [sys.executable, "-m", "buildlike", "-j", str(jobs)],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        close_fds=True,
    )


def test_many_parallel_jobs_under_a_low_open_file_limit_still_build(make_project):
    """Each running command holds three of our descriptors: a soft limit below that is raised."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 512:
        pytest.skip("the hard limit on open files is too low to raise the soft one")
    p = _copies(make_project, 80, run="sleep 0.2; cp {path} {output}")
    proc = _build_with_open_file_limit(p, 64, hard, jobs=80)
    assert proc.returncode == 0, proc.stderr
    assert all(p.read(f"out/{k}.txt") == f"{k}\n" for k in range(80))


def test_a_hard_open_file_limit_too_low_for_j_runs_fewer_jobs_at_a_time_and_says_so(make_project):
    """-j 80 needs about 260 descriptors: under a hard limit of 100 it runs about 25 at a time (the
    descriptors it holds, plus 16, kept aside), with a warning."""
    p = _copies(make_project, 40)
    proc = _build_with_open_file_limit(p, 100, 100, jobs=80)
    assert proc.returncode == 0, proc.stderr
    said = re.search(r"at most (\d+) jobs at a time, not 80: the limit on open files is too low", proc.stderr)
    assert said is not None and 15 <= int(said.group(1)) <= 28, proc.stderr
    assert all(p.read(f"out/{k}.txt") == f"{k}\n" for k in range(40))


def test_a_depfile_that_cannot_be_read_fails_its_job_and_the_others_finish(make_project):
    """Found by review: an error while handling one of several jobs that ended together hung the build."""
    p = make_project(
        """
        [rules.gen]
        outputs = ["gen.txt"]
        depfile = "gen.d"
        run = "mkdir -p gen.d; echo g > {output}"
        [rules.copy]
        foreach = "src/*.txt"
        outputs = ["out/{name}"]
        run = "cp {path} {output}"
        """,
        {f"src/{k}.txt": f"{k}\n" for k in range(8)},
    )
    r = p.run("-k", "-j", "9")
    assert r.code == 1, r.text
    assert "its depfile cannot be read: gen.d: Is a directory" in r.err
    assert all(p.read(f"out/{k}.txt") == f"{k}\n" for k in range(8))
    assert "Traceback" not in r.err


def test_a_depfile_that_is_not_one_fails_its_job_with_the_line_and_records_nothing(make_project):
    """Found by a tester: a depfile without any `target: prerequisites` line was taken as naming nothing."""
    p = make_project(
        """
        [rules.gen]
        outputs = ["gen.txt"]
        depfile = "gen.d"
        run = "echo oops > gen.d; echo g > {output}"
        """
    )
    r = p.run()
    assert r.code == 1, r.text
    assert "its depfile cannot be read: gen.d: no ':' in the line 'oops'" in r.err
    assert p.run("status", "--check").code == 1  # it reruns next time


def test_a_reader_that_closes_the_output_early_does_not_hang_the_build(make_project):
    """Found by review: `buildlike -v | head` hung once its pipe broke with several jobs ending at once."""
    import subprocess

    p = make_project(
        """
        [rules.copy]
        foreach = "src/*.txt"
        outputs = ["out/{name}"]
        run = "cp {path} {output}"
        """,
        {f"src/{k:03}.txt": f"{k}\n" for k in range(300)},
    )
    proc = subprocess.run(
        f"{sys.executable} -m buildlike -v -j 6 | (sleep 0.3; head -c 100 > /dev/null)",
        shell=True,
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0  # the pipeline's, that is head's: buildlike ended, whatever its code
    again = p.run()  # the lock is free, and nothing is left running that would race this build
    assert again.code == 0, again.text


@pytest.mark.parametrize("spelling", ["{root}/gen.txt", "../{name}/gen.txt"])
def test_an_input_naming_an_output_by_an_absolute_or_dotdot_path_depends_on_its_maker(make_project, spelling):
    """SPEC: the DAG comes from file edges, however the Maestrofile spells the path."""
    p = make_project(
        """
        [rules.gen]
        inputs = ["gen.in"]
        outputs = ["gen.txt"]
        run = "sleep 0.3; cp gen.in gen.txt; echo gen >> ran.log"
        [rules.use]
        inputs = ["INPUT"]
        outputs = ["use.txt"]
        run = "cat {input} > use.txt; echo use >> ran.log"
        """,
        {"gen.in": "v1\n"},
    )
    spelt = spelling.format(root=p.root, name=p.root.name)
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace("INPUT", spelt))
    r = p.run("-j2")
    assert r.code == 0, r.text
    assert p.log() == ["gen", "use"]
    assert p.read("use.txt") == "v1\n"
    p.write("gen.in", "v2\n")
    assert p.run("-j2").code == 0
    assert p.read("use.txt") == "v2\n"
    assert p.log() == ["gen", "use", "gen", "use"]


def test_an_output_named_by_an_absolute_path_inside_the_project_is_an_output(make_project):
    p = make_project(
        """
        [rules.gen]
        outputs = ["ROOT/out/gen.txt"]
        run = "mkdir -p out; echo made > out/gen.txt"
        [rules.use]
        inputs = ["out/gen.txt"]
        outputs = ["use.txt"]
        run = "cp out/gen.txt use.txt"
        """
    )
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace("ROOT", str(p.root)))
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("use.txt") == "made\n"
    assert p.run("clean").code == 0
    assert not p.exists("out/gen.txt") and not p.exists("use.txt")


def test_a_header_a_depfile_names_by_a_dotdot_path_into_the_project_is_that_file(make_project):
    """`../proj/gen.h` in a depfile is the project's gen.h: made by its rule first, and never cleaned."""
    p = make_project(
        """
        [rules.gen]
        inputs = ["gen.in"]
        outputs = ["gen.h"]
        run = "cp gen.in gen.h; echo gen >> ran.log"
        [rules.compile]
        inputs = ["main.c"]
        outputs = ["main.o"]
        depfile = "main.d"
        run = "cat main.c gen.h > main.o; echo 'main.o: main.c ../NAME/gen.h ../NAME/util.h' > main.d"
        """,
        {"gen.in": "v1\n", "main.c": "c\n", "util.h": "u\n"},
    )
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace("NAME", p.root.name))
    assert p.run("build", "gen").code == 0
    assert p.run().code == 0
    p.write("gen.in", "v2\n")
    r = p.run("status")
    assert "compile: input 'gen.h' is remade first" in r.out, r.out
    assert p.run("-j2").code == 0
    assert p.read("main.o") == "c\nv2\n"
    p.write("util.h", "u2\n")
    assert "compile: input 'util.h' changed" in p.run("status").out
    assert p.run().code == 0
    assert p.run("clean").code == 0
    assert p.read("util.h") == "u2\n" and not p.exists("main.o")


@pytest.mark.parametrize("how", ["cd", "-C"])
def test_paths_spelt_through_a_link_to_the_project_are_the_projects(make_project, tmp_path, how):
    p = make_project(
        """
        [rules.gen]
        outputs = ["LINK/gen.txt"]
        run = "echo gen > gen.txt"
        [rules.use]
        inputs = ["LINK/gen.txt"]
        outputs = ["use.txt"]
        run = "cp gen.txt use.txt"
        """
    )
    link = tmp_path / "link-to-project"
    link.symlink_to(p.root)
    p.write("Maestrofile.toml", p.read("Maestrofile.toml").replace("LINK", str(link)))
    if how == "cd":
        proc = subprocess.run(
            ["sh", "-c", f'cd "{link}" && exec "{sys.executable}" -m buildlike'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
    else:
        r = p.run("-C", str(link))
        assert r.code == 0, r.text
    assert p.read("use.txt") == "gen\n"


def test_an_input_inside_a_folder_another_rule_makes_is_made_first(make_project):
    """Found in review: `site/index.html`, inside the folder rule site makes, was 'not a file and no
    rule makes it' on a fresh tree. It is site's file: made first, and judged once site is done."""
    p = make_project(
        """
        [rules.site]
        inputs = ["src.txt"]
        outputs = ["site"]
        run = "echo site >> ran.log; mkdir -p site/a && head -1 src.txt > site/a/index.html"
        [rules.deploy]
        inputs = ["site/a/index.html"]
        outputs = ["deployed.txt"]
        run = "echo deploy >> ran.log; cp site/a/index.html deployed.txt"
        """,
        {"src.txt": "v1\n"},
    )
    for _ in range(2):  # loaded, then from the graph cache
        r = p.run("-j2")
        assert r.code == 0, r.text
    assert p.read("deployed.txt") == "v1\n" and p.log() == ["site", "deploy"]
    p.write("src.txt", "v1\nmore\n")  # site reruns and writes the same index.html: deploy is cut off
    assert p.run("-j2").code == 0
    assert p.log() == ["site", "deploy", "site"]
    r = p.run("build", "site/a/index.html")  # a target too
    assert r.code == 0, r.text

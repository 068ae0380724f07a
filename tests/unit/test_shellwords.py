"""Unit tests of `shellwords.split_simple`: which commands are exec'ed directly and which go to the shell.

A command may skip the shell only when the shell would have split it into the very same words and run
it the same way; everything else must go to `<shell> -c` (SPEC: Running, commands run as `<shell> -c`).
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildlike.shellwords import shell_words, split_simple


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("cc -c src/a.c -o build/a.o", ["cc", "-c", "src/a.c", "-o", "build/a.o"]),
        ("python3 tool.py", ["python3", "tool.py"]),
        ("  cp   a   b  ", ["cp", "a", "b"]),
        ("cp\ta\tb", ["cp", "a", "b"]),
        ("cp 'it s' b", ["cp", "it s", "b"]),
        ("cp 'a \"b\" $c' d", ["cp", 'a "b" $c', "d"]),
        ("touch a'b c'd", ["touch", "ab cd"]),
        ("touch ''", ["touch", ""]),
        ("./script.sh --flag=1 x,y:z@w%v+u", ["./script.sh", "--flag=1", "x,y:z@w%v+u"]),
        ("gcc -DNAME=value a.c", ["gcc", "-DNAME=value", "a.c"]),
    ],
)
def test_plain_commands_are_split_into_the_words_the_shell_would_see(command, words):
    assert split_simple(command) == words
    assert shlex.split(command) == words


@pytest.mark.parametrize(
    "command",
    [
        "echo $HOME",
        "cat *.txt",
        "ls ?.c",
        "ls [ab].c",
        "a | b",
        "a > out",
        "a < in",
        "a >> log",
        "a; b",
        "a && b",
        "a || b",
        "a &",
        'cp "a b" c',
        "cp a\\ b c",
        "echo `date`",
        "echo $(date)",
        "(cd x && make)",
        "ls ~",
        "ls ~/x",
        "cp {a,b} c",
        "a # comment",
        "a\nb",
        "cp 'unterminated",
        "ls !x",
    ],
)
def test_commands_with_shell_syntax_go_to_the_shell(command):
    assert split_simple(command) is None


@pytest.mark.parametrize(
    "command",
    [
        "echo hi",
        "cd build",
        "true",
        "false",
        "test -f x",
        "[ -f x ]",
        "exit 3",
        "export A=1",
        "set -e",
        ". ./env.sh",
        ": nothing",
        "exec cc a.c",
        "printf x",
        "read x",
        "ulimit -n 10",
        "umask 022",
        "wait",
        "if",
        "for",
        "while",
        "time make",
        "pwd",
        "kill 1",
    ],
)
def test_builtins_and_keywords_go_to_the_shell(command):
    assert split_simple(command) is None


@pytest.mark.parametrize("command", ["CC=gcc make", "A=1 B=2 cmd", "X= cmd"])
def test_a_leading_variable_assignment_goes_to_the_shell(command):
    assert split_simple(command) is None


@pytest.mark.parametrize("command", ["", "   ", "\t"])
def test_an_empty_command_goes_to_the_shell(command):
    assert split_simple(command) is None


def test_a_command_name_starting_with_a_dash_goes_to_the_shell():
    assert split_simple("-x foo") is None


_ALPHABET = st.sampled_from(list("abc019-_./=:,@%+ \t'\"$*?[]|&;<>(){}~#!\\\n`"))


@given(st.text(alphabet=_ALPHABET, max_size=30))
def test_whatever_is_split_is_split_exactly_as_a_posix_shell_would(command):
    words = split_simple(command)
    if words is not None:
        assert words == shlex.split(command, comments=True)
        assert "=" not in words[0]


@pytest.mark.parametrize(
    ("shell", "words"),
    [
        ("/bin/sh", ["/bin/sh"]),
        ("bash", ["bash"]),
        ("bash -eu -o pipefail", ["bash", "-eu", "-o", "pipefail"]),
        ("  /bin/bash\t-e ", ["/bin/bash", "-e"]),
        ("'/opt/my tools/sh' -e", ["/opt/my tools/sh", "-e"]),
    ],
)
def test_the_shell_setting_is_a_program_and_its_options(shell, words):
    assert shell_words(shell) == words


def test_a_shell_setting_with_an_unclosed_quote_is_an_error():
    with pytest.raises(ValueError):
        shell_words("bash -c 'x")


def test_a_shell_path_with_a_blank_naming_a_program_stays_one_word(tmp_path):
    """Found by a reviewer: `/opt/my tools/sh` (SPEC calls the setting a path) was split at the blank."""
    program = tmp_path / "my tools" / "sh"
    program.parent.mkdir()
    program.symlink_to("/bin/sh")
    assert shell_words(str(program)) == [str(program)]
    assert shell_words(f"'{program}' -e") == [str(program), "-e"]

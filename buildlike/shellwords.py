"""Tell a simple command from one that needs the shell, and split the simple ones into words.

Pure text (but for `shell_words`' check for a program's path): starting the command is executor.py's job.
"""

from __future__ import annotations

import os

# Words a POSIX shell treats specially as a command name: running these without the shell would
# change their meaning (builtins, keywords) or their exact behaviour (`echo` escapes).
_SHELL_WORDS = frozenset(
    [
        "!",
        "{",
        "}",
        "[",
        "[[",
        ".",
        ":",
        "alias",
        "bg",
        "break",
        "case",
        "cd",
        "command",
        "continue",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "if",
        "in",
        "jobs",
        "kill",
        "let",
        "local",
        "printf",
        "pwd",
        "read",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "source",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
    ]
)
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-")
_PLAIN_OR_BLANK = _PLAIN | {" ", "\t"}


def split_simple(command: str) -> list[str] | None:
    """Split a command with no shell syntax into words; None when it needs the shell.

    Plain words and single-quoted strings (which the shell takes literally) are accepted; anything
    else (`$`, `*`, `|`, `>`, `"`, backslashes, newlines, builtins, `VAR=x cmd`) goes to the shell.
    """
    words: list[str] = []
    if "'" not in command and _PLAIN_OR_BLANK.issuperset(command):
        words = command.split()  # the common case, in one call; blanks are spaces and tabs only here
        return words if _is_command_name(words) else None
    word: list[str] = []
    in_word = False
    i, n = 0, len(command)
    while i < n:
        c = command[i]
        if c == " " or c == "\t":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        elif c == "'":
            end = command.find("'", i + 1)
            if end == -1:
                return None
            word.append(command[i + 1 : end])
            in_word = True
            i = end
        elif c in _PLAIN:
            word.append(c)
            in_word = True
        else:
            return None
        i += 1
    if in_word:
        words.append("".join(word))
    return words if _is_command_name(words) else None


def shell_words(shell: str) -> list[str]:
    """The `shell` setting as a program and its options: `bash -eu -o pipefail` is four words.

    Split as a shell splits it; raises ValueError for an unclosed quote. A path to a program as a
    whole stays one word, blanks and all (`/opt/my tools/sh`): the one look at the disk here.
    """
    if _PLAIN.issuperset(shell):
        return [shell]  # one plain word, as "/bin/sh": the common case, without importing shlex
    if os.path.isabs(shell) and os.path.isfile(shell) and os.access(shell, os.X_OK):
        return [shell]
    import shlex

    return shlex.split(shell)


def _is_command_name(words: list[str]) -> bool:
    """Whether the first word runs a program as exec would (not a builtin, keyword or assignment)."""
    return bool(words) and words[0] not in _SHELL_WORDS and "=" not in words[0] and not words[0].startswith("-")

"""Unit tests of depfile.py: the Makefile-syntax files that `gcc -MD -MF` writes (SPEC: depfile)."""

from __future__ import annotations

import pytest

from buildlike.depfile import DepfileSyntaxError, parse_depfile


def test_one_target_with_its_prerequisites_on_one_line():
    assert parse_depfile("build/a.o: src/a.c src/a.h\n") == ["src/a.c", "src/a.h"]


def test_the_target_itself_is_never_a_prerequisite():
    assert "build/a.o" not in parse_depfile("build/a.o: src/a.c\n")


def test_continuation_lines_join_into_one_rule():
    text = "build/a.o: src/a.c \\\n  include/x.h \\\n  include/y.h\n"
    assert parse_depfile(text) == ["src/a.c", "include/x.h", "include/y.h"]


def test_a_continuation_with_windows_line_ends_joins_too():
    assert parse_depfile("a.o: a.c \\\r\n  b.h\r\n") == ["a.c", "b.h"]


def test_escaped_spaces_stay_inside_one_name():
    text = "build/a.o: src/a.c inc/my\\ header.h \\\n  two\\ spaces\\ here.h\n"
    assert parse_depfile(text) == ["src/a.c", "inc/my header.h", "two spaces here.h"]


def test_several_targets_share_the_same_prerequisites():
    assert parse_depfile("a.o a.d: a.c a.h\n") == ["a.c", "a.h"]


def test_phony_targets_of_dash_mp_add_nothing_new_and_no_duplicates():
    text = "build/a.o: src/a.c inc/x.h inc/y.h\n\ninc/x.h:\n\ninc/y.h:\n"
    assert parse_depfile(text) == ["src/a.c", "inc/x.h", "inc/y.h"]


def test_a_double_dollar_is_one_dollar():
    assert parse_depfile("a.o: price$$list.h\n") == ["price$list.h"]


def test_an_escaped_hash_is_part_of_the_name_and_a_bare_hash_starts_a_comment():
    assert parse_depfile("# made by gcc\na.o: issue\\#1.h\n") == ["issue#1.h"]


def test_several_rules_in_one_file_are_merged_in_order_without_duplicates():
    text = "a.o: a.c common.h\nb.o: b.c common.h\n"
    assert parse_depfile(text) == ["a.c", "common.h", "b.c"]


def test_absolute_paths_are_kept_as_written():
    assert parse_depfile("a.o: a.c /usr/include/stdio.h\n") == ["a.c", "/usr/include/stdio.h"]


def test_an_empty_file_or_one_without_rules_lists_nothing():
    assert parse_depfile("") == []
    assert parse_depfile("\n\n# nothing\n") == []


def test_a_real_gcc_style_depfile():
    text = (
        "build/main.o: src/main.c /usr/include/stdio.h \\\n"
        " /usr/include/x86_64-linux-gnu/bits/libc-header-start.h src/util.h \\\n"
        " src/my\\ dir/conf.h\n"
        "/usr/include/stdio.h:\n"
        "src/util.h:\n"
        "src/my\\ dir/conf.h:\n"
    )
    assert parse_depfile(text) == [
        "src/main.c",
        "/usr/include/stdio.h",
        "/usr/include/x86_64-linux-gnu/bits/libc-header-start.h",
        "src/util.h",
        "src/my dir/conf.h",
    ]


def test_a_target_and_its_prerequisites_without_a_blank_after_the_colon():
    """Found by a tester: `a.o:h.h` is Makefile syntax (make reads it so) and was ignored."""
    assert parse_depfile("a.o:h.h") == ["h.h"]
    assert parse_depfile("a.o b.o:c.h \\\n d.h\n") == ["c.h", "d.h"]


def test_a_colon_before_a_blank_is_the_separator_so_other_colons_stay_in_names():
    assert parse_depfile("C:/build/x.o: h.h") == ["h.h"]
    assert parse_depfile("a.o: dir:name.h") == ["dir:name.h"]
    assert parse_depfile("a\\:b.o:c.h") == ["c.h"]  # an escaped colon is part of the target


def test_a_line_of_words_without_a_colon_is_an_error_naming_it():
    """What the job read is unknown then: its job fails (as ninja fails on such a depfile)."""
    with pytest.raises(DepfileSyntaxError, match="no ':' in the line 'not a depfile'"):
        parse_depfile("a.o: h.h\nnot a depfile\n")
    assert parse_depfile("# only a comment\n\n   \n") == []
    with pytest.raises(DepfileSyntaxError) as e:  # the line as it is, backslashes not doubled
        parse_depfile("f\\\\g.h\n")
    assert str(e.value) == "no ':' in the line 'f\\\\g.h'"


def test_only_a_newline_ends_a_line_so_other_line_breaks_stay_in_names():
    """Found by a reviewer: str.splitlines() also split at a form feed, U+2028 and \\x1c-\\x1e."""
    for odd in ("\f", "\v", "\x1c", "\x85", "\u2028"):
        assert parse_depfile(f"a.o: x{odd}y.h\n") == [f"x{odd}y.h"]
    assert parse_depfile("a.o: h.h\r\nb.o: \\\r\n g.h\r\n") == ["h.h", "g.h"]


def test_a_byte_order_mark_is_not_part_of_the_first_target():
    assert parse_depfile("\ufeff") == []
    assert parse_depfile("\ufeff# made by a tool\na.o: h.h\n") == ["h.h"]


def test_variable_assignments_name_no_file():
    """Found by a reviewer: `CFLAGS:=-O2` was read as the rule `CFLAGS: =-O2`."""
    text = "CFLAGS:=-O2\nX ::= 1\nY ?= 2\nZ += 3\nW = 4\nV != echo\na.o: h.h\n"
    assert parse_depfile(text) == ["h.h"]
    assert parse_depfile("a.o: x=y.h\n") == ["x=y.h"]  # after the separator, `=` is part of a name
    assert parse_depfile("a.o:x=y.h\n") == ["x=y.h"]


def test_a_target_whose_path_holds_an_equals_sign_is_a_rule_not_an_assignment():
    """Found by a reviewer: `build/opt=2/a.o: ...` (as gcc writes it) was skipped, losing every header."""
    assert parse_depfile("build/opt=2/a.o: src/a.c src/h.h\n") == ["src/a.c", "src/h.h"]
    assert parse_depfile("a.o b=c.o: h.h\n") == ["h.h"]
    assert parse_depfile("a=b.o: h.h\n") == ["h.h"]
    assert parse_depfile("X = a:b\na.o: h.h\n") == ["h.h"]  # a `:` inside the value is not a rule's


def test_a_continuation_at_the_very_end_names_no_file():
    """Found by a black-box tester: `out.txt: plain.h \\` ending the file recorded a file named `\\`
    (the job ran once more, then settled)."""
    assert parse_depfile("out.txt: plain.h \\") == ["plain.h"]
    assert parse_depfile("out.txt: plain.h \\\r\n") == ["plain.h"]
    assert parse_depfile("out.txt: plain.h \\\r") == ["plain.h"]
    assert parse_depfile("out.txt: a\\\\") == ["a\\"]  # an escaped backslash stays one

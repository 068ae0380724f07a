"""Unit tests of globs.py: `*`, `?`, `[...]`, `[!...]`, `**` and hidden files (SPEC: globs)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from buildlike.globs import FileTree, GlobSyntaxError, compile_glob, is_glob, literal_base, match_declared


def matches(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.c", "a.c", True),
        ("*.c", ".c", False),
        ("*.c", "a.h", False),
        ("*.c", "src/a.c", False),  # `*` stays in one folder
        ("src/*.c", "src/a.c", True),
        ("src/*.c", "src/sub/a.c", False),
        ("src/*", "src/a", True),
        ("*", "a", True),
        ("a*", "a", True),  # `*` may match nothing
        ("*.c", "a.c.bak", False),  # the whole path must match
        ("src/*.c", "xsrc/a.c", False),  # ... from its start
    ],
)
def test_a_star_matches_any_run_of_characters_inside_one_folder(pattern, path, expected):
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("?.c", "a.c", True),
        ("?.c", "ab.c", False),
        ("?.c", ".c", False),
        ("a?c", "a/c", False),
        ("a?c", "abc", True),
    ],
)
def test_a_question_mark_matches_one_character_but_never_a_slash(pattern, path, expected):
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("[abc].txt", "a.txt", True),
        ("[abc].txt", "d.txt", False),
        ("[a-c].txt", "b.txt", True),
        ("[a-c].txt", "B.txt", False),
        ("[!abc].txt", "d.txt", True),
        ("[!abc].txt", "a.txt", False),
        ("[!a-c].txt", "z.txt", True),
        ("file[0-9].log", "file7.log", True),
        ("file[0-9].log", "filex.log", False),
        ("[]].txt", "].txt", True),
        ("[!]].txt", "].txt", False),
    ],
)
def test_a_bracket_matches_one_character_of_its_set_or_outside_it_with_a_bang(pattern, path, expected):
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/**/*.c", "src/a.c", True),  # zero folders
        ("src/**/*.c", "src/x/a.c", True),
        ("src/**/*.c", "src/x/y/z/a.c", True),
        ("src/**/*.c", "a.c", False),
        ("src/**/*.c", "src/x/a.h", False),
        ("**/*.c", "a.c", True),
        ("**/*.c", "deep/er/a.c", True),
        ("**", "a", True),
        ("**", "a/b/c", True),
        ("src/**", "src/a/b", True),
        ("src/**", "src", False),
        ("a/**/b/*.txt", "a/b/x.txt", True),
        ("a/**/b/*.txt", "a/q/r/b/x.txt", True),
        ("a/**/b/*.txt", "a/q/x.txt", False),
    ],
)
def test_double_star_matches_any_number_of_folders(pattern, path, expected):
    """SPEC: `**` (any depth)."""
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("*", ".hidden"),
        ("*.txt", ".hidden.txt"),
        ("?hidden", ".hidden"),
        ("[.]hidden", ".hidden"),
        ("src/*", "src/.env"),
        ("**/*.c", ".git/a.c"),
        ("**/*.c", "src/.cache/a.c"),
        ("src/**", "src/.cache/a"),
        ("**", ".buildlike/state.db"),
    ],
)
def test_wildcards_do_not_match_a_leading_dot_like_the_shell(pattern, path):
    assert not matches(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [(".*", ".hidden"), (".hidden/*.c", ".hidden/a.c"), ("src/.*", "src/.env"), ("**/.env", "a/b/.env")],
)
def test_a_pattern_that_spells_the_dot_out_matches_hidden_files(pattern, path):
    assert matches(pattern, path)


@pytest.mark.parametrize("name", ["a+b.c", "a(1).c", "a$.c", "a^b.c", "a.b.c", "a{1}.c", "a|b.c"])
def test_regex_characters_in_a_pattern_are_taken_literally(name):
    pattern = name.replace(".c", "*.c", 1)
    assert matches(pattern, name)
    assert not matches(pattern, "x" + name)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("data[[]1].txt", "data[1].txt", True),  # the usual way to match a literal [
        ("data[[]1].txt", "data1.txt", False),
        ("x[a&&b]", "x&", True),  # a regex set operation, a plain character here
        ("x[!~~]", "x~", False),
        ("x[||]", "x|", True),
        ("x[a^]", "x^", True),
        ("x[\\]", "x\\", True),
    ],
)
def test_characters_special_in_regex_sets_are_plain_inside_brackets_and_warn_nothing(pattern, path, expected):
    """Found by a tester: `[[]` made Python print a FutureWarning ("Possible nested set") on every build."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(compile_glob(pattern).match(path)) is expected


def test_an_unclosed_bracket_is_a_glob_syntax_error():
    with pytest.raises(GlobSyntaxError):
        compile_glob("src/[ab.c")


@pytest.mark.parametrize("pattern", ["src/[z-a].c", "[!9-0]", "x[ab-Ac]", "[]-A]"])
def test_a_range_going_backwards_is_a_glob_syntax_error(pattern):
    with pytest.raises(GlobSyntaxError, match="goes backwards"):
        compile_glob(pattern)


@pytest.mark.parametrize(("pattern", "path"), [("[a-]", "-"), ("[-z]", "-"), ("[]-a]", "^"), ("[a-a]", "a")])
def test_a_dash_at_either_end_and_a_one_letter_range_are_fine(pattern, path):
    assert matches(pattern, path)


def test_is_glob_tells_patterns_from_plain_paths():
    assert is_glob("src/*.c") and is_glob("a?.c") and is_glob("[ab].c")
    assert not is_glob("src/main.c")


def test_literal_base_is_the_folder_before_the_first_wildcard():
    assert literal_base("src/lib/*.c") == "src/lib"
    assert literal_base("src/**/x.c") == "src"
    assert literal_base("*.c") == ""
    assert literal_base("a/*/b/c.txt") == "a"


def test_match_declared_filters_declared_outputs_by_pattern():
    """SPEC: a glob matches files on disk AND other rules' declared outputs."""
    declared = ["build/a.o", "build/sub/b.o", "build/c.d", "other/d.o"]
    assert match_declared("build/*.o", declared) == ["build/a.o"]
    assert sorted(match_declared("build/**/*.o", declared)) == ["build/a.o", "build/sub/b.o"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in [
        "src/a.c",
        "src/b.c",
        "src/b.h",
        "src/.hidden.c",
        "src/sub/c.c",
        "src/sub/deeper/d.c",
        "src/.cache/e.c",
        ".buildlike/x.c",
        "top.c",
        "notes.txt",
    ]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel)
    (tmp_path / "src" / "folder.c").mkdir()  # a folder, not a file
    return tmp_path


def test_file_tree_matches_files_in_one_folder_sorted_and_skips_hidden_files_and_folders(tree):
    assert FileTree(str(tree)).match("src/*.c") == ["src/a.c", "src/b.c"]


def test_file_tree_double_star_walks_every_visible_folder_at_any_depth(tree):
    found = FileTree(str(tree)).match("src/**/*.c")
    assert sorted(found) == ["src/a.c", "src/b.c", "src/sub/c.c", "src/sub/deeper/d.c"]


def test_file_tree_never_matches_inside_the_state_folder(tree):
    found = FileTree(str(tree)).match("**/*.c")
    assert sorted(found) == ["src/a.c", "src/b.c", "src/sub/c.c", "src/sub/deeper/d.c", "top.c"]


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        ("src/.c*/*.c", ["src/.cache/e.c"]),  # the dot written out after a wildcard-free prefix
        ("*/.cache/*.c", ["src/.cache/e.c"]),  # ... and after a wildcard, as the shell matches it
        ("src/.[c]ache/*.c", ["src/.cache/e.c"]),
        ("**/.cache/*.c", ["src/.cache/e.c"]),
        ("src/*/*.c", ["src/sub/c.c"]),  # a wildcard never enters a hidden folder
        (".b*/*.c", []),  # nor does anything enter buildlike's own folder
    ],
)
def test_file_tree_enters_a_hidden_folder_only_where_the_pattern_writes_its_dot(tree, pattern, found):
    assert FileTree(str(tree)).match(pattern) == found


def test_file_tree_matches_top_level_files_and_question_marks(tree):
    t = FileTree(str(tree))
    assert t.match("*.c") == ["top.c"]
    assert t.match("src/?.[ch]") == ["src/a.c", "src/b.c", "src/b.h"]
    assert t.match("src/[!a].c") == ["src/b.c"]


def test_file_tree_of_a_missing_folder_matches_nothing(tree):
    assert FileTree(str(tree)).match("nowhere/*.c") == []


def test_file_tree_remembers_the_folders_it_listed(tree):
    t = FileTree(str(tree))
    t.match("src/*.c")
    assert "src" in t.listed
    assert "src/sub" not in t.listed  # a one-level pattern does not walk deeper


@pytest.mark.parametrize(
    ("pattern", "path"), [("[%--]", "-"), ("[--a]", "-"), ("[&&]", "&"), ("[~~]", "~"), ("[||]", "|")]
)
def test_set_characters_a_regex_would_read_as_set_operations_are_plain_and_quiet(pattern, path):
    """Found in review: `[%--]` made `re` print "FutureWarning: Possible set difference" to the user."""
    compile_glob.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert matches(pattern, path)

"""Unit tests of template.py: placeholders, literal braces and POSIX shell quoting (SPEC: placeholders)."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildlike.template import TemplateSyntaxError, lookup_in, parse, quote, quote_all


def test_text_without_braces_is_one_literal_piece_with_no_fields():
    t = parse("cc -c a.c -o a.o")
    assert t.fields == ()
    assert t.render(lambda name: pytest.fail(f"asked for {name}")) == "cc -c a.c -o a.o"


def test_fields_are_found_in_order_and_rendered_with_the_lookup():
    """SPEC: placeholders in run."""
    t = parse("{CC} {CFLAGS} -c {input} -o {output}")
    assert t.fields == ("CC", "CFLAGS", "input", "output")
    values = {"CC": "gcc", "CFLAGS": "-O2", "input": "a.c", "output": "a.o"}
    assert t.render(values.__getitem__) == "gcc -O2 -c a.c -o a.o"


def test_a_field_at_the_very_start_and_end_renders_without_stray_text():
    assert parse("{a}{b}").render({"a": "1", "b": "2"}.__getitem__) == "12"


def test_double_braces_are_literal_braces_and_not_fields():
    """SPEC: `{{` and `}}` are literal braces."""
    t = parse("awk '{{print $1}}' {input}")
    assert t.fields == ("input",)
    assert t.render({"input": "f"}.__getitem__) == "awk '{print $1}' f"


def test_double_braces_around_a_name_are_a_literal_name_in_braces():
    t = parse("{{input}}")
    assert t.fields == ()
    assert t.render(lambda n: "X") == "{input}"


def test_a_literal_brace_next_to_a_field_keeps_both():
    t = parse("{{{name}}}")
    assert t.fields == ("name",)
    assert t.render({"name": "v"}.__getitem__) == "{v}"


@pytest.mark.parametrize("text", ["{input", "cp {input {output}", "a { b", "{", "{a{b}"])
def test_an_opening_brace_that_closes_nothing_is_a_syntax_error(text):
    with pytest.raises(TemplateSyntaxError, match=r"unclosed '\{' at column"):
        parse(text)


@pytest.mark.parametrize(("text", "column"), [("x{}", 2), ("{ }", 1), ("cp {input} {  } out", 12)])
def test_an_empty_placeholder_is_named_as_such(text, column):
    with pytest.raises(TemplateSyntaxError, match=f"empty placeholder '{{ *}}' at column {column} in"):
        parse(text)


@pytest.mark.parametrize("text", ["input}", "}", "a } b", "{a}}"])
def test_a_closing_brace_that_closes_nothing_is_a_syntax_error(text):
    with pytest.raises(TemplateSyntaxError):
        parse(text)


def test_lookup_in_tries_each_mapping_in_turn_and_a_missing_name_is_a_key_error():
    lookup = lookup_in({"a": "1"}, {"a": "shadowed", "b": "2"})
    assert lookup("a") == "1"
    assert lookup("b") == "2"
    with pytest.raises(KeyError):
        lookup("c")


@pytest.mark.parametrize("word", ["a.c", "build/main.o", "-O2", "x=1", "a,b:c@d%e+f"])
def test_plain_words_are_not_quoted(word):
    assert quote(word) == word


@pytest.mark.parametrize(
    "word",
    ["", "a b", "it's", 'say "hi"', "$HOME", "a;b", "*.c", "a\\b", "tab\there", "new\nline", "~user", "a&b|c"],
)
def test_quoted_words_come_back_whole_from_a_posix_shell_lexer(word):
    """SPEC: every path placeholder in `run` is shell-quoted, so names with spaces or quotes work."""
    assert quote(word) != word or word == ""
    assert shlex.split(quote(word)) == [word]


def test_quoted_words_come_back_whole_from_a_real_shell():
    words = ["it's a file.txt", 'x "y" z', "$(echo no)", "`echo no`", "a\\nb", "*"]
    out = subprocess.run(
        ["/bin/sh", "-c", "printf '%s\\0' " + quote_all(words)], capture_output=True, check=True
    ).stdout
    assert out.decode().split("\0")[:-1] == words


@given(st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",))))
def test_any_text_survives_quoting(word):
    assert shlex.split(quote(word)) == [word]


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)))))
def test_quote_all_keeps_every_word_apart(words):
    assert shlex.split(quote_all(words)) == words


def test_render_tells_a_placeholder_starting_a_word_from_one_inside_it():
    t = parse("cp {input} out/pre_{name} >{output};{x}|x{y}{z} {z}")
    text = t.render(lambda n: f"<{n}>", lambda n: f"[{n}]")
    assert text == "cp <input> out/pre_[name] ><output>;<x>|x[y][z] <z>"
    assert parse("{a}b").render(lambda n: "S", lambda n: "I") == "Sb"

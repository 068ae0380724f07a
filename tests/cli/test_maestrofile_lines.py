"""The line a Maestrofile problem is reported at: where the rule or key is written.

README (The Maestrofile): "Every problem in a Maestrofile is reported at once, before anything runs,
with file, line, rule and path". Found by a black-box tester.
"""

from __future__ import annotations

import pytest


def _line_of(r, needle: str) -> str:
    return next(ln for ln in r.err.splitlines() if needle in ln)


# -- what is inside a string or a comment is no key and no header ----------------------------------


@pytest.mark.parametrize(
    "run",
    [
        # a shell assignment shaped like a key (it was taken for `inputs`: line 3)
        "'''\ninputs=$(ls src)\ncat $inputs > out.txt\n'''",
        # a line shaped like a table header (the key fell back to the rule's header: line 1)
        "'''\n[ -d src ] || exit 1\n[x]\n'''",
        # escaped quotes that do not end the string, then a line shaped like a key
        '"""\necho \\"""\ninputs = $(ls)\n"""',
    ],
)
def test_a_key_is_not_found_inside_a_multiline_string(make_project, run):
    text = f'[rules.gen]\nrun = {run}\ndescription = "x"\ninputs = ["{{bogus}}.txt"]\noutputs = ["out.txt"]\n'
    line = text.splitlines().index('inputs = ["{bogus}.txt"]') + 1
    p = make_project(text)
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "{bogus}").startswith(f"error: Maestrofile.toml:{line}: rule 'gen': "), r.err


def test_a_rule_header_inside_a_string_is_not_the_rules_line(make_project):
    """A `[rules.b]` line in rule a's command came first, so rule b was said to start there."""
    p = make_project(
        "[rules.a]\nalways = true\nrun = '''\ncat <<EOF\n[rules.b]\nEOF\n'''\n\n"
        '[rules.b]\ninputs = ["nope.txt"]\noutputs = ["b.out"]\nrun = "true"\n'
    )
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "nope.txt").startswith("error: Maestrofile.toml:9: rule 'b': "), r.err


def test_a_key_in_a_comment_is_not_the_key(make_project):
    p = make_project('[rules.gen]\n# inputs = ["src/*"] once\noutputs = ["o"]\nrun = "true"\ninputs = ["{bogus}"]\n')
    r = p.run()
    assert r.code == 2, r.text
    assert _line_of(r, "{bogus}").startswith("error: Maestrofile.toml:5: "), r.err

"""Found by a reviewer of problems named at the line of their key, not at the rule's header.

README (Maestrofile lines): "A problem with one of a rule's paths (a missing input, a glob that matches
nothing, an output with two makers) is named at the line of its key (`inputs = [`), also when the
graph comes from the cache."
"""

from __future__ import annotations

MAESTROFILE = """\
[rules.{name}]
description = "x"
inputs = [{inputs}]
outputs = ["o.txt"]
run = "touch {{output}}"
"""


def _line_of(text: str, needle: str) -> str:
    found = [line for line in text.splitlines() if needle in line]
    assert found, text
    return found[0]


def test_a_missing_input_of_a_rule_with_a_non_ascii_name_is_named_at_its_inputs_line_in_an_ascii_locale(
    make_project,
):
    """loaded._at_keys decodes the Maestrofile as UTF-8, but maestrofile.read_project decodes it with
    the file-system encoding (surrogateescape) when that is not UTF-8: the rule's name, as the
    Problem holds it (`g\\udcc3\\udca9n`), is not the Locator's (`gén`), so `at_keys` finds no key and
    the problem stays at the header (line 1)."""
    p = make_project("")
    (p.root / "Maestrofile.toml").write_bytes(MAESTROFILE.format(name='"gén"', inputs='"gone.txt"').encode())
    r = p.run(env={"LC_ALL": "C", "PYTHONUTF8": "0"})
    assert r.code == 2, r.text
    assert _line_of(r.err, "gone.txt").startswith("error: Maestrofile.toml:3: "), r.err


def test_an_input_that_is_a_folder_is_warned_about_at_its_inputs_line(make_project):
    """graph.folder_inputs gives the warning key="inputs" (through _source_inputs), but api._warnings
    passes it to the reporter as it is, never through `located`: it stays at the rule's header
    (line 1), while the glob warning of the same rule is at its `inputs` line."""
    p = make_project(MAESTROFILE.format(name="a", inputs='"data"'))
    (p.root / "data").mkdir()
    for _ in range(2):  # (a fresh graph, then the cached one)
        r = p.run()
        assert r.code == 0, r.text
        assert _line_of(r.err, "is a folder").startswith(
            "warning: Maestrofile.toml:3: rule 'a': input 'data' is a folder"
        ), r.err

"""A Maestrofile saved with a UTF-8 byte-order mark, as some Windows editors save it.

Found by a black-box tester: it said `Maestrofile.toml:1: not valid TOML: Invalid statement (column 1)`,
though line 1 reads `[rules.a]` in every editor. The mark is skipped, as in depfiles (README, Changelog).
"""

from __future__ import annotations

from buildlike.cache import load_cached

BOM = b"\xef\xbb\xbf"
MAESTRO = '[rules.a]\ninputs = ["src.txt"]\noutputs = ["a.txt"]\nrun = "cp src.txt a.txt"\n'


def _write(p, text: str) -> None:
    (p.root / "Maestrofile.toml").write_bytes(BOM + text.encode())


def test_a_maestrofile_with_a_byte_order_mark_builds_and_is_cached(make_project):
    p = make_project("", {"src.txt": "x\n"})
    _write(p, MAESTRO)
    for rel in ("Maestrofile.toml", "src.txt", "."):
        p.age(rel, 60)  # (a graph made from files changed just now is not cached)
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("a.txt") == "x\n"
    assert "nothing to do" in p.run().out  # the idle snapshot, keyed by the file's stat
    assert load_cached(p.root / ".buildlike", p.root / "Maestrofile.toml") is not None  # and by its bytes


def test_an_edit_of_a_maestrofile_with_a_byte_order_mark_is_seen(make_project):
    p = make_project("", {"src.txt": "x\n"})
    _write(p, MAESTRO)
    p.age("Maestrofile.toml", 60)
    assert p.run().code == 0
    _write(p, MAESTRO.replace("cp src.txt a.txt", "tr x y < src.txt > a.txt"))
    r = p.run()
    assert r.code == 0, r.text
    assert p.read("a.txt") == "y\n"


def test_problems_in_a_maestrofile_with_a_byte_order_mark_are_at_the_lines_and_columns_an_editor_shows(
    make_project,
):
    p = make_project("")
    _write(p, "[rules.a]]\n")
    r = p.run()
    assert r.code == 2
    assert r.err.startswith("error: Maestrofile.toml:1: not valid TOML: "), r.err
    assert r.err.rstrip().endswith("(column 10)"), r.err  # (the mark is not a column)
    _write(p, '[rules.a]\noutputs = ["a.txt"]\nrun = "true"\ncolour = 1\n')
    r = p.run()
    assert r.code == 2
    assert "error: Maestrofile.toml:4: rule 'a': unknown key 'colour'" in r.err, r.err

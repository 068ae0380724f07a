"""Found by a black-box tester: .buildlike/graph.cache damaged (one flipped bit: bit rot; nothing else
on disk changed).

The cache is keyed by the Maestrofile's stat and digest, but nothing checks its own bytes: any
damage that still unmarshals is taken as the project's graph. In a bit-flip sweep of a one-rule
project's cache, 1046 of the 2744 single-bit flips were accepted as a different graph (other
inputs, outputs, commands). Here one bit turns the `<` of `tr a-z A-Z < src.txt > out.txt` into
`>`: the build runs `tr a-z A-Z > src.txt > out.txt`, a command that is nowhere in the Maestrofile,
and it empties the user's source file.

README: the cached graph is keyed on the Maestrofile, "so a no-op skips TOML and globbing"; cache.py:
"anything unexpected in it just means a fresh load". SPEC: the state in `.buildlike/` "survives
crashes", README: "A damaged database ... gives a warning and a full rebuild". A damaged cache must
never run a command the Maestrofile does not hold.
"""

from __future__ import annotations

MAESTRO = """
[rules.upper]
inputs = ["src.txt"]
outputs = ["out.txt"]
run = "tr a-z A-Z < src.txt > out.txt"
"""


def test_a_flipped_bit_in_the_graph_cache_never_runs_another_command(make_project) -> None:
    p = make_project(MAESTRO, {"src.txt": "hello\n"})
    p.age("Maestrofile.toml", 60)  # old enough for its graph to be cached
    first = p.run("-q")
    assert first.code == 0, first.text
    cache = p.root / ".buildlike" / "graph.cache"
    assert cache.exists()
    data = bytearray(cache.read_bytes())
    where = data.index(b"tr a-z A-Z < src.txt")
    data[where + len("tr a-z A-Z ")] ^= 0b10  # '<' (0x3c) -> '>' (0x3e)
    cache.write_bytes(bytes(data))

    p.write("src.txt", "hello, edited\n")  # the user's work: the job must run again
    p.run("-q")
    assert p.read("src.txt") == "hello, edited\n"  # the source is never written by the build
    assert p.read("out.txt") == "HELLO, EDITED\n"

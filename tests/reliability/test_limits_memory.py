"""Found by a black-box tester: out of memory (RLIMIT_AS, as `ulimit -v` on a CI runner sets it)
ended buildlike in a Python traceback ending in `MemoryError` (and, in one run that ran out while
saving the graph cache, `ValueError: unmarshallable object` from marshal.dumps, which hides the
cause).

Found with a 10,000-job `foreach` project: `status` at 20-35 MB of address space and a build at
30-60 MB end in MemoryError tracebacks from wherever the allocation failed (graph building, hashing,
the runner's loop). Reproduced here, fast, with a Maestrofile holding a 40 MB var under 150 MB.
Buildlike cannot build without memory, but SPEC/README promise a clear message and an exit code
(1), never a traceback: a top-level `except MemoryError` saying "out of memory" would do.
"""

from __future__ import annotations

from limits_tools import cli, write_project

LIMIT = 150 << 20


def test_running_out_of_memory_is_a_message_not_a_traceback(tmp_path):
    small = write_project(tmp_path / "small", '[rules.r]\noutputs = ["o"]\nrun = "touch o"\n')
    if cli(small, "-q", address_space=LIMIT).code != 0:
        import pytest

        pytest.skip("buildlike cannot even start under this address-space limit here")
    big = "z" * 40_000_000
    root = write_project(tmp_path / "big", f'[vars]\nBIG = "{big}"\n[rules.r]\noutputs = ["o"]\nrun = "touch o"\n')
    r = cli(root, "-q", address_space=LIMIT)
    assert r.code != 0 or (root / "o").exists(), r.text
    assert "Traceback" not in r.err, r.err[-1500:]
    if r.code != 0:
        assert r.code in (1, 2), r.text
        assert "memory" in r.err.lower(), r.err

"""SIGHUP (the terminal closed) during a build ends watch like SIGTERM: commands stopped, "stopped
watching", exit 0. The same SIGHUP while watch waits for changes kills it outright (default action:
exit -SIGHUP, no "stopped watching"), as only SIGINT and SIGTERM are handled between builds."""

from __future__ import annotations

import signal


def test_sighup_while_idle_ends_watch_like_sigterm(make_project, watching):
    p = make_project(
        """
        [rules.a]
        inputs = ["a.txt"]
        outputs = ["a.o"]
        run = "cp {input} {output}"
        """,
        {"a.txt": "1\n"},
    )
    w = watching(p.root)
    w.wait_builds(1)
    code = w.stop(signal.SIGHUP)
    assert code == 0, f"exit {code}:\n{w.out}"
    assert "stopped watching" in w.out

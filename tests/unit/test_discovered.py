"""Unit tests of discovered.py: the headers a depfile lists, stamped for the job's record."""

from __future__ import annotations

import os
import time

import pytest

from buildlike.discovered import CLOCK_TICK_NS, discovered_inputs
from buildlike.fingerprint import MISSING, Stamper, hash_bytes
from buildlike.jobs import Job


def compile_job() -> Job:
    return Job("cc", "cc", ("a.c",), ("a.o",), ("true",), "cc", (), False, "a.d", b"")


@pytest.mark.parametrize(
    ("mtime_from_start_ns", "trusted"),
    [
        pytest.param(-10 * 1_000_000_000, True, id="saved long before the job"),
        pytest.param(CLOCK_TICK_NS // 4, False, id="saved while the job ran"),
        # Linux stamps files from a clock a tick behind: saved just after the start, it reads just before.
        pytest.param(-CLOCK_TICK_NS // 4, False, id="saved while the job ran, on a lagging clock"),
    ],
)
def test_a_header_saved_while_its_job_ran_is_never_taken_for_what_it_read(tmp_path, mtime_from_start_ns, trusted):
    (tmp_path / "a.d").write_text("a.o: a.c a.h\n")
    (tmp_path / "a.h").write_text("v2\n")
    started_ns = time.time_ns() - 60 * 1_000_000_000
    mtime = started_ns + mtime_from_start_ns
    os.utime(tmp_path / "a.h", ns=(mtime, mtime))
    with Stamper(str(tmp_path), {}, now_ns=time.time_ns()) as stamper:
        paths, digests = discovered_inputs(compile_job(), str(tmp_path), stamper, started_ns)
    assert paths == ("a.h",)
    assert digests == ((hash_bytes(b"v2\n"),) if trusted else (MISSING,))


def test_a_header_made_just_before_the_job_started_is_trusted(tmp_path):
    """A generated header: its maker ended (and its stamp was taken) a moment before this job started."""
    (tmp_path / "a.d").write_text("a.o: a.c gen.h\n")
    (tmp_path / "gen.h").write_text("made\n")
    started_ns = time.time_ns() - 60 * 1_000_000_000
    mtime = started_ns - CLOCK_TICK_NS // 4
    os.utime(tmp_path / "gen.h", ns=(mtime, mtime))
    with Stamper(str(tmp_path), {}, now_ns=time.time_ns()) as stamper:
        made = stamper.digest("gen.h")  # when its maker ended
        _, digests = discovered_inputs(compile_job(), str(tmp_path), stamper, started_ns)
    assert digests == (made,) != (MISSING,)

"""Unit tests of discovered.py: the headers a depfile lists, stamped for the job's record."""

from __future__ import annotations

import os
import time

import pytest

from buildlike.discovered import CLOCK_TICK_NS, _link_changed, discovered_inputs
from buildlike.fingerprint import MISSING, Stamper, hash_bytes, hash_file
from buildlike.jobs import Job

SECOND = 1_000_000_000


def compile_job() -> Job:
    return Job("cc", "cc", ("a.c",), ("a.o",), ("true",), "cc", (), False, "a.d", b"")


def header(tmp_path, *, mtime_ns: int | None = None) -> int:
    """Write a.d listing a.h, and a.h (with that mtime); the ctime the kernel gave a.h."""
    (tmp_path / "a.d").write_text("a.o: a.c a.h\n")
    (tmp_path / "a.h").write_text("v2\n")
    if mtime_ns is not None:
        os.utime(tmp_path / "a.h", ns=(mtime_ns, mtime_ns))
    return os.stat(tmp_path / "a.h").st_ctime_ns


@pytest.mark.parametrize(
    ("changed_from_start_ns", "mtime_from_now_ns", "trusted"),
    [
        pytest.param(-10 * SECOND, None, True, id="saved long before the job"),
        pytest.param(CLOCK_TICK_NS // 4, None, False, id="saved while the job ran"),
        # The kernel's file clock lags a tick: saved just after the start, it reads just before.
        pytest.param(-CLOCK_TICK_NS // 4, None, False, id="saved while the job ran, on a lagging clock"),
        # Found by a tester: an mtime in the future made the job rerun on every build.
        pytest.param(-10 * SECOND, 3600 * SECOND, True, id="mtime in the future"),
        # `cp -p` during the job sets an old mtime; the change is still seen.
        pytest.param(CLOCK_TICK_NS // 4, -7200 * SECOND, False, id="mtime set back while the job ran"),
    ],
)
def test_a_header_changed_while_its_job_ran_is_never_taken_for_what_it_read(
    tmp_path, changed_from_start_ns, mtime_from_now_ns, trusted
):
    mtime = None if mtime_from_now_ns is None else time.time_ns() + mtime_from_now_ns
    started_ns = header(tmp_path, mtime_ns=mtime) - changed_from_start_ns
    with Stamper(str(tmp_path), {}, now_ns=time.time_ns()) as stamper:
        paths, digests, _ = discovered_inputs(compile_job(), str(tmp_path), stamper, started_ns)
    assert paths == ("a.h",)
    assert digests == ((hash_bytes(b"v2\n"),) if trusted else (MISSING,))


def test_a_header_made_just_before_the_job_started_is_trusted(tmp_path):
    """A generated header: its maker ended (and its stamp was taken) a moment before this job started."""
    started_ns = header(tmp_path) + CLOCK_TICK_NS // 4
    with Stamper(str(tmp_path), {}, now_ns=time.time_ns()) as stamper:
        made = stamper.digest("a.h")  # when its maker ended
        _, digests, depfile_digest = discovered_inputs(compile_job(), str(tmp_path), stamper, started_ns)
    assert digests == (made,) != (MISSING,)
    assert depfile_digest == hash_file(str(tmp_path / "a.d"))  # what `clean` compares it with


def test_a_link_made_since_is_found_on_the_way_however_it_is_reached(tmp_path):
    """`inc/x.h`, with `inc -> cur/include` and `cur -> v2`: a switch of either link counts, and
    an old chain of links, a plain path and a loop of links do not."""
    for v in ("v1", "v2"):
        (tmp_path / v / "include").mkdir(parents=True)
        (tmp_path / v / "include" / "x.h").write_text(v)
    os.symlink("v1", tmp_path / "cur")
    os.symlink(str(tmp_path / "cur" / "include"), tmp_path / "inc")  # (an absolute target)
    os.symlink("a", tmp_path / "b")
    os.symlink("b", tmp_path / "a")
    header = str(tmp_path / "inc" / "x.h")
    later = time.time_ns() + 10 * CLOCK_TICK_NS
    assert not _link_changed(header, later, {})
    assert not _link_changed(str(tmp_path / "v1" / "include" / "x.h"), 0, {})
    assert not _link_changed(str(tmp_path / "a" / "x.h"), later, {})
    before = time.time_ns() - CLOCK_TICK_NS
    (tmp_path / "cur").unlink()
    os.symlink("v2", tmp_path / "cur")  # the link the first one leads through
    assert _link_changed(header, before, {})
    assert _link_changed(str(tmp_path / "inc" / ".." / "cur" / "include" / "x.h"), before, {})

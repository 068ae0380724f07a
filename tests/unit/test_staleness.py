"""Unit tests of `staleness.decide`: one test per rule of SPEC "When a job runs", on real files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from buildlike.fingerprint import Stamper, hash_file
from buildlike.jobs import Job, command_fingerprint
from buildlike.records import JobRecord
from buildlike.staleness import ReasonKind, decide

FP = command_fingerprint(["cp in.txt out.txt"], [], "/bin/sh")


def make_job(**changes) -> Job:
    base = Job(
        id="copy",
        rule="copy",
        inputs=("in.txt",),
        outputs=("out.txt",),
        commands=("cp in.txt out.txt",),
        description="copy",
        env=(),
        always=False,
        depfile=None,
        fingerprint=FP,
    )
    return base._replace(**changes)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "in.txt").write_text("input\n")
    (tmp_path / "out.txt").write_text("output\n")
    (tmp_path / "dep.h").write_text("header\n")
    return tmp_path


def digest(root: Path, rel: str) -> bytes:
    return hash_file(str(root / rel))


def record_of(root: Path, job: Job, *, discovered: tuple[str, ...] = ()) -> JobRecord:
    """The record a successful run of `job` would have left for the files as they are now."""
    return JobRecord(
        fingerprint=job.fingerprint,
        inputs=job.inputs,
        input_digests=tuple(digest(root, p) for p in job.inputs),
        discovered=discovered,
        discovered_digests=tuple(digest(root, p) for p in discovered),
        outputs=job.outputs,
        output_digests=tuple(digest(root, p) for p in job.outputs),
    )


def judge(root: Path, job: Job, record: JobRecord | None, **kw):
    with Stamper(str(root), {}, now_ns=time.time_ns()) as stamper:
        return decide(job, record, stamper, **kw)


def kinds(verdict) -> list[ReasonKind]:
    return [r.kind for r in verdict.reasons]


def test_a_job_whose_record_matches_the_files_is_up_to_date(root):
    job = make_job()
    verdict = judge(root, job, record_of(root, job))
    assert not verdict.stale
    assert str(verdict) == "up to date"


def test_rule_1_a_missing_output_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    (root / "out.txt").unlink()
    verdict = judge(root, job, record)
    assert kinds(verdict) == [ReasonKind.OUTPUT_MISSING]
    assert verdict.reasons[0].detail == "out.txt"


def test_rule_2_a_job_that_never_ran_is_stale(root):
    verdict = judge(root, make_job(), None)
    assert ReasonKind.NEVER_BUILT in kinds(verdict)


def test_rule_2_a_job_whose_last_run_failed_or_was_cut_off_is_stale(root):
    verdict = judge(root, make_job(), None, had_record=True)
    assert ReasonKind.LAST_RUN_FAILED in kinds(verdict)
    assert ReasonKind.NEVER_BUILT not in kinds(verdict)


def test_rule_3_a_changed_command_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    changed = make_job(
        commands=("cp -p in.txt out.txt",), fingerprint=command_fingerprint(["cp -p in.txt out.txt"], [], "/bin/sh")
    )
    assert kinds(judge(root, changed, record)) == [ReasonKind.COMMAND_CHANGED]


def test_rule_3_the_fingerprint_watches_commands_env_and_shell_and_nothing_else():
    base = command_fingerprint(["make it"], [("LC_ALL", "C")], "/bin/sh")
    assert command_fingerprint(["make it"], [("LC_ALL", "C")], "/bin/sh") == base
    assert command_fingerprint(["make it again"], [("LC_ALL", "C")], "/bin/sh") != base
    assert command_fingerprint(["make it"], [("LC_ALL", "POSIX")], "/bin/sh") != base
    assert command_fingerprint(["make it"], [], "/bin/sh") != base
    assert command_fingerprint(["make it"], [("LC_ALL", "C")], "/bin/bash") != base
    assert command_fingerprint(["make", "it"], [("LC_ALL", "C")], "/bin/sh") != base


@pytest.mark.parametrize(
    ("commands", "env", "shell", "said"),
    [
        (["cp -p in.txt out.txt"], [], "/bin/sh", "its command changed"),
        (["cp in.txt out.txt"], [("LC_ALL", "C")], "/bin/sh", "its env changed"),
        (["cp in.txt out.txt"], [], "/bin/bash", "its shell changed"),
        (["cp -p in.txt out.txt"], [("LC_ALL", "C")], "/bin/sh", "its command and env changed"),
        (["cp -p in.txt out.txt"], [("LC_ALL", "C")], "/bin/bash", "its command, env and shell changed"),
    ],
)
def test_rule_3_the_reason_says_which_of_command_env_and_shell_changed(root, commands, env, shell, said):
    """SPEC rule 3 names the command, its `env` and the `shell` setting; `status` says which one moved."""
    job = make_job()
    record = record_of(root, job)
    changed = make_job(commands=tuple(commands), fingerprint=command_fingerprint(commands, env, shell))
    assert str(judge(root, changed, record)) == said


def test_rule_3_a_record_with_only_the_whole_digest_still_matches_and_says_command_when_not(root):
    """Records saved before the parts were kept: no rerun for them, and a plain reason when one is due."""
    job = make_job()
    old = record_of(root, job)._replace(fingerprint=job.fingerprint[:16])
    assert not judge(root, job, old).stale
    changed = make_job(fingerprint=command_fingerprint(["cp -p in.txt out.txt"], [], "/bin/sh"))
    assert str(judge(root, changed, old)) == "its command changed"


def test_rule_4_a_changed_list_of_inputs_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    grown = make_job(inputs=("in.txt", "dep.h"))
    verdict = judge(root, grown, record)
    assert kinds(verdict) == [ReasonKind.INPUTS_CHANGED]
    assert "dep.h" in verdict.reasons[0].detail
    shrunk_record = record_of(root, grown)
    verdict = judge(root, job, shrunk_record)
    assert kinds(verdict) == [ReasonKind.INPUTS_CHANGED]
    assert "dep.h" in verdict.reasons[0].detail


def test_rule_5_an_input_whose_content_changed_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    (root / "in.txt").write_text("changed\n")
    verdict = judge(root, job, record)
    assert kinds(verdict) == [ReasonKind.INPUT_CHANGED]
    assert verdict.reasons[0].detail == "in.txt"
    assert "in.txt" in str(verdict)


def test_rule_5_a_depfile_input_whose_content_changed_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job, discovered=("dep.h",))
    assert not judge(root, job, record).stale
    (root / "dep.h").write_text("new header\n")
    verdict = judge(root, job, record)
    assert kinds(verdict) == [ReasonKind.INPUT_CHANGED]
    assert verdict.reasons[0].detail == "dep.h"


def test_rule_5_an_input_that_disappeared_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    (root / "in.txt").unlink()
    assert ReasonKind.INPUT_CHANGED in kinds(judge(root, job, record))


def test_rule_5_touching_an_input_without_changing_it_changes_nothing(root):
    """SPEC: content is compared by hash; touching a file without changing it runs nothing."""
    job = make_job()
    record = record_of(root, job)
    st = (root / "in.txt").stat()
    os.utime(root / "in.txt", ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))
    assert not judge(root, job, record).stale


def test_rule_6_an_output_edited_by_hand_makes_the_job_stale(root):
    job = make_job()
    record = record_of(root, job)
    (root / "out.txt").write_text("edited by hand\n")
    verdict = judge(root, job, record)
    assert kinds(verdict) == [ReasonKind.OUTPUT_CHANGED]
    assert verdict.reasons[0].detail == "out.txt"


def test_rule_7_an_always_job_is_stale_even_when_everything_matches(root):
    job = make_job(always=True)
    verdict = judge(root, job, record_of(root, job))
    assert kinds(verdict) == [ReasonKind.ALWAYS]


def test_several_broken_rules_give_one_reason_each(root):
    job = make_job()
    record = record_of(root, job)
    (root / "in.txt").write_text("changed\n")
    (root / "out.txt").unlink()
    changed = make_job(fingerprint=b"other")
    assert sorted(kinds(judge(root, changed, record)), key=lambda k: k.value) == [
        ReasonKind.OUTPUT_MISSING,
        ReasonKind.COMMAND_CHANGED,
        ReasonKind.INPUT_CHANGED,
    ]


def test_a_known_stamp_with_the_same_stat_is_trusted_without_reading_the_file(root):
    """SPEC: an unchanged (mtime, size) is trusted without reading the file."""
    job = make_job()
    record = record_of(root, job)
    st = (root / "in.txt").stat()
    (root / "in.txt").chmod(0)  # unreadable to a normal user: hashing it would fail
    try:
        known = {"in.txt": (st.st_mtime_ns, st.st_size, record.input_digests[0])}
        with Stamper(str(root), known, now_ns=time.time_ns()) as stamper:
            assert not decide(job, record, stamper).stale
            assert "in.txt" not in stamper.refreshed  # not hashed (root could read it, so check this too)
    finally:
        (root / "in.txt").chmod(0o644)


@pytest.mark.parametrize("change", ["nothing", "input", "output gone", "output edited", "command"])
def test_the_runners_first_reason_agrees_with_the_whole_verdict_on_whether(root, change):
    """`first_only` looks at the inputs before the outputs' stats; stale or not stays the same."""
    job = make_job()
    record = record_of(root, job)
    if change == "input":
        (root / "in.txt").write_text("changed\n")
    elif change == "output gone":
        (root / "out.txt").unlink()
    elif change == "output edited":
        (root / "out.txt").write_text("by hand\n")
    elif change == "command":
        job = make_job(fingerprint=command_fingerprint(["cp -p in.txt out.txt"], [], "/bin/sh"))
    whole = judge(root, job, record)
    first = judge(root, job, record, first_only=True)
    assert first.stale == whole.stale == (change != "nothing")
    assert len(first.reasons) == min(len(whole.reasons), 1)
    assert set(first.reasons) <= set(whole.reasons)

"""When the OS drops file events (inotify's queue overflowed, as a huge `git checkout` during a build
can make it), watch cannot know what changed: its next cycle looks at the disk again and builds, which
checks every file. (Driven in-process: the OS cannot be made to drop events on purpose here.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildlike.api import BuildOptions
from buildlike.errors import BuildlikeError
from buildlike.reporter import WatchReporter
from buildlike.watch import Watcher, WatchOptions

EventsLostEvent = getattr(pytest.importorskip("watchdog.events"), "EventsLostEvent", None)


@pytest.mark.skipif(EventsLostEvent is None, reason="watchdog before 7 (Python 3.10) reports no lost events")
def test_lost_events_make_the_next_cycle_build_what_changed_unseen(tmp_path: Path) -> None:
    (tmp_path / "Maestrofile.toml").write_text(
        '[rules.a]\ninputs = ["a.txt"]\noutputs = ["a.out"]\nrun = "cp a.txt a.out"\n'
    )
    (tmp_path / "a.txt").write_text("1\n")
    errors: list[BuildlikeError] = []
    w = Watcher(
        tmp_path / "Maestrofile.toml",
        (),
        build_options=BuildOptions(),
        options=WatchOptions(debounce=0.01),
        reporter=WatchReporter(quiet=True),
        on_error=errors.append,
    )
    w._cycle(None)  # the first build (the observer is not started: no event comes by itself)
    assert (tmp_path / "a.out").read_text() == "1\n"
    (tmp_path / "a.txt").write_text("2\n")  # its event dropped by the OS
    w._os.handler.dispatch(EventsLostEvent(str(tmp_path), is_directory=True))
    assert not w._inbox.empty()
    w._cycle(w._wait())
    assert (tmp_path / "a.out").read_text() == "2\n"
    assert errors == []

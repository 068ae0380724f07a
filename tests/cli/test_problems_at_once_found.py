"""Found by a tester checking the README against the code: "Every problem in a Maestrofile is reported
at once, before anything runs ... duplicate outputs ... cycles", and "an input naming another rule's
output the other way [through a symlinked folder], or two outputs naming one file, is an error that
says which name to use".

The check for names through a symlinked folder only runs once the Maestrofile has no other problem:
with a cycle elsewhere, two makers of one file go unreported (they come up only after the cycle is
fixed), and with another problem an aliased input is reported as "not a file and no rule makes it"
without the name to use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildlike", *args], cwd=cwd, capture_output=True, text=True, timeout=30
    )


def test_two_makers_through_a_symlink_reported_beside_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    (tmp_path / "Maestrofile.toml").write_text(
        "[rules.a]\n"
        'outputs = ["real/x.txt"]\n'
        'run = "echo a > real/x.txt"\n'
        "[rules.b]\n"
        'outputs = ["link/x.txt"]\n'
        'run = "echo b > link/x.txt"\n'
        "[rules.c]\n"
        'inputs = ["c.txt"]\n'
        'outputs = ["c.txt"]\n'
        'run = "true"\n'
    )
    r = _run(tmp_path)
    assert r.returncode == 2
    assert "cycle" in r.stderr
    # Both problems at once: the second maker of real/x.txt (named link/x.txt) too.
    assert "link/x.txt" in r.stderr, r.stderr


def test_aliased_input_names_the_file_to_use_beside_another_problem(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    (tmp_path / "Maestrofile.toml").write_text(
        "[rules.gen]\n"
        'outputs = ["real/g.txt"]\n'
        'run = "echo g > real/g.txt"\n'
        "[rules.use]\n"
        'inputs = ["link/g.txt"]\n'
        'outputs = ["u.txt"]\n'
        'run = "cat link/g.txt > u.txt"\n'
        "[rules.out]\n"
        'outputs = ["../outside.txt"]\n'
        'run = "true"\n'
    )
    r = _run(tmp_path)
    assert r.returncode == 2
    assert "outside the project" in r.stderr
    # Alone, this input is "the file 'real/g.txt' ... name it 'real/g.txt'"; it must not become
    # "not a file and no rule makes it" (false: a rule makes it) because another rule has a problem.
    assert "no rule makes it" not in r.stderr, r.stderr
    assert "real/g.txt" in r.stderr, r.stderr


def test_unknown_command_line_target_reported_beside_a_maestrofile_problem(tmp_path: Path) -> None:
    """The list of problems "reported at once" ends with "unknown targets"; an unknown target named
    on the command line is not reported while the Maestrofile has another problem (here a misspelt
    setting), so it only comes up on the next run. (An unknown target in settings.default is reported
    with the others.) Lower confidence: a command-line target may be meant as outside "a Maestrofile"."""
    (tmp_path / "Maestrofile.toml").write_text('[settings]\njob = 3\n[rules.a]\noutputs = ["a"]\nrun = "touch a"\n')
    r = _run(tmp_path, "nosuch")
    assert r.returncode == 2
    assert "unknown setting 'job'" in r.stderr
    assert "nosuch" in r.stderr, r.stderr


def test_list_and_graph_refuse_two_outputs_naming_one_file(tmp_path: Path) -> None:
    """The README says list and graph report two makers of one output; spelt through a symlinked
    folder they listed both rules and exited 0."""
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    (tmp_path / "Maestrofile.toml").write_text(
        '[rules.a]\noutputs = ["real/x.txt"]\nrun = "true"\n[rules.b]\noutputs = ["link/x.txt"]\nrun = "true"\n'
    )
    for command in ("list", "graph"):
        r = _run(tmp_path, command)
        assert r.returncode == 2, (command, r.stdout)
        assert "output 'link/x.txt' is the file 'real/x.txt'" in r.stderr
        assert r.stdout == ""

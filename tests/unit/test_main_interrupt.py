"""Ctrl-C while a module is imported: Python 3.11 wraps the KeyboardInterrupt raised in a class's
`__set_name__` in a RuntimeError. Found by tests/reliability (Ctrl-C at random moments of start-up):
a traceback through buildlike's code instead of "interrupted" and exit 130."""

from __future__ import annotations

import pytest

from buildlike import __main__


def _ctrl_c_while_making_a_class(_argv: object) -> None:
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as e:
        raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from e


def test_a_ctrl_c_wrapped_by_a_class_being_made_is_an_interrupt(monkeypatch, capsys) -> None:
    monkeypatch.setattr(__main__, "_main", _ctrl_c_while_making_a_class)
    with pytest.raises(SystemExit) as e:
        __main__.main(["build"])
    assert e.value.code == 130
    assert capsys.readouterr().err == "buildlike: interrupted\n"


def test_another_runtime_error_is_left_alone(monkeypatch) -> None:
    def fail(_argv: object) -> None:
        raise RuntimeError("something else")

    monkeypatch.setattr(__main__, "_main", fail)
    with pytest.raises(RuntimeError, match="something else"):
        __main__.main(["build"])

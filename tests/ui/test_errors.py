"""Errors as objects: a worker hands `failed` the exception itself; the window says a
user's error in words and a bug as "unexpected error", logging its traceback masked."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from smstester.core.profiles import ProfileError
from smstester.ui.tasks import TaskRunner, describe
from smstester.ui.window import MainWindow


def test_failed_gets_the_exception_object(qtbot: QtBot) -> None:
    runner = TaskRunner()
    got: list[BaseException] = []
    error = ProfileError("the name is taken")

    def work() -> None:
        raise error

    runner.start(work, failed=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [error]
    runner.close()


def test_a_users_error_is_in_words_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert describe(ProfileError("the name is taken")) == "the name is taken"
        assert describe(OSError(28, "No space left on device")) == (
            "[Errno 28] No space left on device"
        )
    assert not caplog.records


def test_a_bug_is_an_unexpected_error_logged_with_its_traceback_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        {}["key"] = 1 / 0  # a bug
    except ZeroDivisionError as exc:
        bug: BaseException = exc
    with caplog.at_level(logging.ERROR):
        text = describe(RuntimeError("leaked s3cr3t-value"), ["s3cr3t-value"])
        describe(bug)
    assert text.startswith("unexpected error: RuntimeError: leaked ")
    assert "s3cr3t-value" not in text
    assert "s3cr3t-value" not in caplog.text
    assert "Traceback" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert "1 / 0" in caplog.text


def test_a_bug_in_a_send_shows_as_unexpected(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise TypeError("a bug")

    monkeypatch.setattr("smstester.ui.window.prepare_entry", broken)
    window.send()
    log = window.findChild(QTextBrowser, "logView")
    assert log is not None
    qtbot.waitUntil(lambda: not window.in_flight, timeout=10_000)
    assert "unexpected error: TypeError: a bug" in log.toPlainText()
    assert "Traceback" not in log.toPlainText()

"""Copy as curl from the window: the notes the CLI prints, and the copy with secrets (asked
first, Cancel the default; the clipboard cleared after a while if it still holds that copy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from smstester.core.curl import curl_notes, render_curl
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui import dialogs as dialogs_module
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from tests.ui.conftest import Dialogs

#: The real question, kept before the autouse fixture replaces it with a stand-in.
REAL_ASK = dialogs_module.ask


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def log_text(window: MainWindow) -> str:
    view = window.findChild(QTextBrowser, "logView")
    assert view is not None
    return view.toPlainText()


def test_masked_copy_shows_the_notes_the_cli_prints(window: MainWindow) -> None:
    window.copy_curl()
    notes = curl_notes(window.form.test(), with_secrets=False)
    assert notes  # at least the one about the $SMSTESTER_ variables
    assert notes[0] in status(window)
    for note in notes:
        assert note in log_text(window)
    # a password JSON must escape and a plain http:// base URL get the CLI's notes too
    window.form.password.setText('p"q')
    window.form.base_url.setEditText("http://sms.example.com")
    before = len(notes)
    window.copy_curl()
    notes = curl_notes(window.form.test(), with_secrets=False)
    assert len(notes) > before
    assert notes[0] in status(window)
    assert f"and {len(notes) - 1} more in the log" in status(window)
    entry = log_text(window).split("Copied the curl command")[-1]
    for note in notes:
        assert note in entry
    assert 'p"q' not in status(window) + log_text(window)


def test_copy_with_secrets_is_asked_with_cancel_as_the_default(
    window: MainWindow, dialogs: Dialogs
) -> None:
    clipboard = QApplication.clipboard()
    clipboard.setText("what the user had")
    dialogs.answer = False
    window.copy_curl_with_secrets()
    assert dialogs.cancel_default == [True]
    assert clipboard.text() == "what the user had"


def answer_next_question(key: Qt.Key, seen: list[str]) -> None:
    """Press `key` in the next modal question, as a user would, once it is up."""
    tries = [0]

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            tries[0] += 1
            if tries[0] < 500:
                QTimer.singleShot(10, press)
            return
        default = box.defaultButton()
        seen.append(default.text() if default is not None else "")
        QtBot.keyClick(box, key)
        if box.isVisible():  # the key did nothing: do not hang the test
            seen.append("still open")
            box.reject()

    QTimer.singleShot(0, press)


@pytest.mark.parametrize(
    "key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape], ids=["Return", "Enter", "Esc"]
)
def test_enter_or_esc_in_the_real_question_does_not_copy(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, key: Qt.Key
) -> None:
    monkeypatch.setattr(dialogs_module, "ask", REAL_ASK)
    clipboard = QApplication.clipboard()
    clipboard.setText("what the user had")
    seen: list[str] = []
    answer_next_question(key, seen)
    window.copy_curl_with_secrets()
    assert seen == ["Cancel"]
    assert clipboard.text() == "what the user had"
    assert DEMO_AUTH_KEY not in status(window)


def test_clipboard_cleared_after_the_delay_when_it_still_holds_the_copy(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainWindow, "CLIPBOARD_CLEAR_MS", 300)
    clipboard = QApplication.clipboard()
    window.copy_curl_with_secrets()
    copied = clipboard.text()
    assert copied == render_curl(window.form.test(), with_secrets=True)
    assert DEMO_AUTH_KEY in copied and DEMO_AUTH_TOKEN in copied
    assert status(window).startswith("Copied with secrets; the clipboard is cleared in 0.3 s")
    for note in curl_notes(window.form.test(), with_secrets=True):
        assert note in log_text(window)
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=5000)
    assert status(window).startswith("Cleared the clipboard")
    assert DEMO_AUTH_KEY not in status(window) + log_text(window)


def test_what_the_user_copied_since_is_left_alone(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainWindow, "CLIPBOARD_CLEAR_MS", 300)
    clipboard = QApplication.clipboard()
    window.copy_curl_with_secrets()
    assert DEMO_AUTH_KEY in clipboard.text()
    clipboard.setText("copied since")
    timer = window.clipboard_timer
    qtbot.waitUntil(lambda: not timer.isActive(), timeout=5000)
    assert clipboard.text() == "copied since"


def test_a_second_copy_restarts_the_delay(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainWindow, "CLIPBOARD_CLEAR_MS", 400)
    clipboard = QApplication.clipboard()
    window.copy_curl_with_secrets()
    window.form.phone_to.setText("+15005550009")
    window.copy_curl_with_secrets()  # a new command: the one to clear now
    assert "+15005550009" in clipboard.text()
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=5000)


def test_closing_the_window_stops_the_timer_and_clears_its_copy(
    qtbot: QtBot, window: MainWindow
) -> None:
    clipboard = QApplication.clipboard()
    window.copy_curl_with_secrets()
    assert window.CLIPBOARD_CLEAR_MS == 60_000
    assert status(window).startswith("Copied with secrets; the clipboard is cleared in 60 s")
    assert window.clipboard_timer.isActive()
    window.close()
    assert not window.clipboard_timer.isActive()
    assert clipboard.text() == ""


def test_copy_button_keeps_copying_the_masked_command(window: MainWindow) -> None:
    button = window.findChild(QPushButton, "copyCurlButton")
    assert button is not None
    button.click()
    text = QApplication.clipboard().text()
    assert "$SMSTESTER_AUTH_KEY" in text
    assert DEMO_AUTH_KEY not in text
    assert not window.clipboard_timer.isActive()  # nothing secret to clear

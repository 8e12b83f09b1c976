"""The window, driven through its widgets, against the real in-process sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
)
from pytestqt.qtbot import QtBot

from smstester.core.curl import render_curl
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from tests.ui.conftest import Dialogs


def w(win: MainWindow, cls: type, name: str):  # type: ignore[no-untyped-def]
    found = win.findChild(cls, name)
    assert found is not None, name
    return found


def log_text(win: MainWindow) -> str:
    return w(win, QTextBrowser, "logView").toPlainText()


def send_and_wait(qtbot: QtBot, win: MainWindow) -> None:
    button = w(win, QPushButton, "sendButton")
    assert button.isEnabled()
    entries = log_text(win).count("POST ")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not win.in_flight and log_text(win).count("POST ") > entries, timeout=10000
    )


def test_object_names_of_the_contract(window: MainWindow) -> None:
    for cls, name in [
        (QLineEdit, "brandUrlEdit"),
        (QLineEdit, "integrationIdEdit"),
        (QLineEdit, "authKeyEdit"),
        (QLineEdit, "usernameEdit"),
        (QLineEdit, "passwordEdit"),
        (QLineEdit, "fromEdit"),
        (QLineEdit, "toEdit"),
        (QLabel, "fromStatusLabel"),
        (QLabel, "toStatusLabel"),
        (QPlainTextEdit, "messageEdit"),
        (QLabel, "segmentLabel"),
        (QPushButton, "sendButton"),
        (QPushButton, "cancelButton"),
        (QPushButton, "copyCurlButton"),
        (QTextBrowser, "logView"),
    ]:
        w(window, cls, name)
    assert window.objectName() == "MainWindow"
    assert w(window, QLineEdit, "authKeyEdit").echoMode() == QLineEdit.EchoMode.Password
    assert w(window, QLineEdit, "passwordEdit").echoMode() == QLineEdit.EchoMode.Password


def test_send_enabled_exactly_when_complete_and_valid(window: MainWindow) -> None:
    send = w(window, QPushButton, "sendButton")
    assert send.isEnabled()
    for name in (
        "brandUrlEdit",
        "integrationIdEdit",
        "authKeyEdit",
        "usernameEdit",
        "passwordEdit",
    ):
        edit = w(window, QLineEdit, name)
        kept = edit.text()
        edit.setText("")
        assert not send.isEnabled(), name
        edit.setText(kept)
        assert send.isEnabled(), name
    to = w(window, QLineEdit, "toEdit")
    to.setText("+1 415")
    assert not send.isEnabled()
    to.setText("+1 (415) 555-2671")
    assert send.isEnabled()
    message = w(window, QPlainTextEdit, "messageEdit")
    message.setPlainText("   ")
    assert not send.isEnabled()


def test_number_status_texts(window: MainWindow) -> None:
    to = w(window, QLineEdit, "toEdit")
    status = w(window, QLabel, "toStatusLabel")
    to.setText("+44 7911 123456")
    assert "+44 7911 123456" in status.text()
    assert "mobile" in status.text()
    to.setText("+1 415")
    assert "too short" in status.text()
    to.setText("+999 12345678")
    assert "country code" in status.text()
    window.form.set_region("")
    to.setText("(415) 555-2671")
    assert "country code" in status.text()
    window.form.set_region("US")
    assert "+1 415-555-2671" in status.text()
    to.setText("+44 20 7946 0018")
    assert "fixed line" in status.text()
    assert "SMS cannot reach" in status.text()


def test_send_shows_success_envelope(qtbot: QtBot, window: MainWindow) -> None:
    send_and_wait(qtbot, window)
    text = log_text(window)
    assert "HTTP 200" in text
    assert "success · statusCode 200" in text
    assert "/api/v1/app-integrations/" in text


def test_wrong_auth_key_shows_401(qtbot: QtBot, window: MainWindow) -> None:
    w(window, QLineEdit, "authKeyEdit").setText("not-the-key")
    send_and_wait(qtbot, window)
    text = log_text(window)
    assert "HTTP 401" in text
    assert "failure" in text


@pytest.mark.parametrize(("to", "code"), [("+15005550001", "21211"), ("+15005550009", "21614")])
def test_magic_number_shows_twilio_code(
    qtbot: QtBot, window: MainWindow, to: str, code: str
) -> None:
    w(window, QLineEdit, "toEdit").setText(to)
    send_and_wait(qtbot, window)
    assert f"[{code}]" in log_text(window)


def test_cancel_slow_send_returns_to_idle_and_drops_answer(
    qtbot: QtBot, window: MainWindow
) -> None:
    w(window, QLineEdit, "integrationIdEdit").setText("fault-slow-3")
    send = w(window, QPushButton, "sendButton")
    cancel = w(window, QPushButton, "cancelButton")
    assert not cancel.isEnabled()
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    assert not send.isEnabled()
    assert cancel.isEnabled()
    assert "Sending" in window.busy_label.text()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert send.isEnabled()
    assert not cancel.isEnabled()
    assert "Cancelled" in log_text(window)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=5000)
    assert "statusCode 200" not in log_text(window)
    # and a retry right after works
    w(window, QLineEdit, "integrationIdEdit").setText(window.sandbox.demo.integration_id)  # type: ignore[union-attr]
    send_and_wait(qtbot, window)
    assert "statusCode 200" in log_text(window)


def test_escape_cancels(qtbot: QtBot, window: MainWindow) -> None:
    w(window, QLineEdit, "integrationIdEdit").setText("fault-slow-3")
    window.send_action.trigger()
    assert window.in_flight
    window.cancel_action.trigger()
    assert not window.in_flight
    assert window.cancel_action.shortcut().toString() == "Esc"


def test_close_during_send_exits_cleanly(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtCore import QThreadPool

    w(window, QLineEdit, "integrationIdEdit").setText("fault-slow-60")
    window.send()
    assert window.in_flight
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 1)
    window.close()
    # closing cut the connection: the worker is done, not still waiting 60 s for an answer
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert window.sandbox is None


def test_secrets_never_in_log_even_when_echoed(qtbot: QtBot, window: MainWindow) -> None:
    raws: list[str] = []
    window.log.raw_requested.connect(lambda raw: raws.append(raw.text))
    w(window, QLineEdit, "integrationIdEdit").setText("fault-echo")
    send_and_wait(qtbot, window)
    window.log._open_anchor(__import__("PySide6.QtCore").QtCore.QUrl("raw:1"))
    assert raws
    everything = log_text(window) + window.log.toHtml() + "".join(raws)
    assert DEMO_AUTH_KEY not in everything
    assert DEMO_AUTH_TOKEN not in everything
    assert "fault-echo" in everything


def test_clear_and_save_log(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, dialogs: Dialogs
) -> None:
    send_and_wait(qtbot, window)
    target = tmp_path / "log.txt"
    dialogs.path = str(target)
    window.save_log_action.trigger()
    qtbot.waitUntil(target.exists, timeout=5000)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=5000)
    saved = target.read_text(encoding="utf-8")
    assert "statusCode 200" in saved
    assert DEMO_AUTH_KEY not in saved
    for action in window.menuBar().actions():
        for sub in action.menu().actions():
            if sub.text() == "C&lear log":
                assert sub.shortcut().toString() == "Ctrl+L"
                sub.trigger()
    assert "statusCode" not in log_text(window)


def test_show_hide_secret(window: MainWindow) -> None:
    edit = w(window, QLineEdit, "authKeyEdit")
    window.form.auth_key_box.toggle.click()
    assert edit.echoMode() == QLineEdit.EchoMode.Normal
    window.form.auth_key_box.toggle.click()
    assert edit.echoMode() == QLineEdit.EchoMode.Password


def test_about_mentions_versions(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QMessageBox.about", lambda _parent, _title, text: seen.append(text)
    )
    window.about()
    assert "Qt " in seen[0]
    assert "Python " in seen[0]
    assert QApplication.instance() is not None


def test_copy_curl_masks_secrets(qtbot: QtBot, window: MainWindow) -> None:
    clipboard = QApplication.clipboard()
    clipboard.clear()
    qtbot.mouseClick(w(window, QPushButton, "copyCurlButton"), Qt.MouseButton.LeftButton)
    command = clipboard.text()
    assert command == render_curl(window.form.test())
    assert "$SMSTESTER_AUTH_KEY" in command
    assert "$SMSTESTER_PASSWORD" in command
    assert DEMO_AUTH_KEY not in command
    assert DEMO_AUTH_TOKEN not in command
    assert "Copied" in window.statusBar().currentMessage()


def test_copy_curl_of_a_broken_form(qtbot: QtBot, window: MainWindow) -> None:
    w(window, QLineEdit, "toEdit").setText("+1 415")
    window.copy_curl()
    assert "+1 415" in QApplication.clipboard().text()
    assert "not valid" in window.statusBar().currentMessage()


def test_copy_curl_with_secrets_asks_first(window: MainWindow, dialogs: Dialogs) -> None:
    QApplication.clipboard().clear()
    dialogs.answer = False
    window.copy_curl_with_secrets()
    assert QApplication.clipboard().text() == ""
    assert "secrets" in dialogs.asked[-1]
    dialogs.answer = True
    window.copy_curl_with_secrets()
    assert DEMO_AUTH_KEY in QApplication.clipboard().text()
    QApplication.clipboard().clear()

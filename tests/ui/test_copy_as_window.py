"""Copy as any snippet format from the window (CONTRACT §4a, §9): the menu's actions, what
lands in the clipboard (masked), the notes, and the last choice remembered."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from smstester.core.formats import SNIPPET_FORMATS
from smstester.core.snippets import render_snippet
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui.window import MainWindow


@pytest.mark.parametrize("info", SNIPPET_FORMATS, ids=lambda info: info.key)
def test_each_action_copies_its_snippet_masked(
    qtbot: QtBot, window: MainWindow, info: object
) -> None:
    action = window.findChild(QAction, info.action)  # type: ignore[attr-defined]
    assert action is not None
    action.trigger()
    copied = QApplication.clipboard().text()
    expected = render_snippet(info.key, window.form.test()).text  # type: ignore[attr-defined]
    assert copied == expected
    assert DEMO_AUTH_KEY not in copied and DEMO_AUTH_TOKEN not in copied
    assert "SMSTESTER_AUTH_KEY" in copied and "SMSTESTER_PASSWORD" in copied
    assert window.statusBar().currentMessage().startswith("Copied the request as")


def test_the_curl_button_still_copies_curl_and_the_last_choice_is_remembered(
    qtbot: QtBot, window: MainWindow
) -> None:
    button = window.findChild(QToolButton, "copyAsButton")
    assert button is not None and button.text() == "Copy as…"
    window.findChild(QAction, "copyAsPowerShellAction").trigger()  # type: ignore[union-attr]
    assert button.text() == "Copy as PowerShell"
    QApplication.clipboard().clear()
    button.click()
    assert "Invoke-RestMethod" in QApplication.clipboard().text()
    curl = window.findChild(QPushButton, "copyCurlButton")
    assert curl is not None
    curl.click()
    assert QApplication.clipboard().text().startswith("(")  # the guarded curl subshell
    state = window.saved_state()
    assert state["copyAs"] == "powershell"
    window._show_format("curl")
    window.restore_state(state)
    assert button.text() == "Copy as PowerShell"


def test_a_value_a_format_cannot_carry_is_said_and_nothing_copied(
    qtbot: QtBot, window: MainWindow
) -> None:
    QApplication.clipboard().setText("before")
    window.form.brand_url.setText("brand\\:x")  # HTTPie would change a `\\` before `:`
    window.findChild(QAction, "copyAsHttpieAction").trigger()  # type: ignore[union-attr]
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot copy as HTTPie: the Brand-URL holds a backslash")
    assert QApplication.clipboard().text() == "before"
    assert "Cannot copy as HTTPie" in window.log.toPlainText()

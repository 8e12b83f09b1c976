"""Closing with unsaved edits offers Save and close, Close without saving, and Cancel."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from smstester.ui.window import MainWindow
from tests.ui.conftest import Dialogs


def edited_profile(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    dialogs.text = "Closing"
    window.profiles.save_as()
    qtbot.waitUntil(lambda: window.profiles.current is not None, timeout=5000)
    window.form.message.setPlainText("edited, not saved")
    assert window.profiles.modified()


@pytest.mark.parametrize(
    ("choice", "closes", "saved"), [(0, True, True), (1, True, False), (None, False, False)]
)
def test_close_with_unsaved_edits(
    qtbot: QtBot,
    window: MainWindow,
    dialogs: Dialogs,
    choice: int | None,
    closes: bool,
    saved: bool,
) -> None:
    edited_profile(qtbot, window, dialogs)
    dialogs.choice = choice
    window.close()
    assert any("Close smstester?" in q and "Save and close" in q for q in dialogs.asked)
    if closes:
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    else:
        assert window.isVisible() and window.profiles.modified()
    store = window.profiles.store
    assert store is not None
    assert (store.get("Closing").message == "edited, not saved") is saved
    dialogs.choice = 1  # the fixture closes the window at the end

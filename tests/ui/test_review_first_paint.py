"""A status set after the window is made but before it is first shown is painted.

form.set_state restyles a status only once its window has a native window id, on the
assumption that a widget of a window never shown is not polished yet. The form's labels are
polished as the window is made (QScrollArea.setWidget polishes the form), so a state set
between then and the first show (`smstester --sandbox` fills the numbers in before it) is
never applied: the first polish has happened already, the show does not polish again.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from smstester.ui import build_window, theme
from smstester.ui.window import MainWindow


def _painted(label: QLabel) -> str:
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def _settled(win: MainWindow) -> bool:
    # the profiles read, the warm-up (its form.revalidate) done: nothing restyles later
    return (
        win.profiles.store is not None
        and not win.profiles.tasks.busy
        and not win.warm_up_timer.isActive()
        and not win.tasks.busy
    )


@pytest.mark.parametrize("name", ["fromStatusLabel", "toStatusLabel"])
def test_the_sandbox_window_shows_its_valid_numbers_in_the_ok_colour(
    window: MainWindow, qtbot: QtBot, name: str
) -> None:
    # `smstester --sandbox`: the demo numbers are valid (state "ok", a check mark) and are
    # in the form before the window is first shown.
    label = window.findChild(QLabel, name)
    assert label is not None
    qtbot.waitUntil(lambda: _settled(window), timeout=5000)
    assert label.property("state") == "ok" and label.text().startswith("✓")
    colours = theme.painted_palette(window)
    assert colours.ok != colours.dim  # "ok" and "empty" look different
    assert _painted(label) == colours.ok  # not the "empty" grey it was made with


def test_a_number_filled_in_before_the_first_show_is_painted_in_its_state(
    qtbot: QtBot,
) -> None:
    win = build_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    label = win.form.to_status
    assert label.property("state") == "empty"
    win.form.phone_to.setText("+14155552671")  # a valid number, typed before the show
    assert label.property("state") == "ok"
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: _settled(win), timeout=5000)
    colours = theme.painted_palette(win)
    assert _painted(label) == colours.ok
    win.close()

"""The window on ordinary screens: at 1024×700, 800×600 and 1366×768 Send, Cancel and the copy
buttons are in view without scrolling and no field is cut; a window larger than the screen (a
restored geometry, QT_SCALE_FACTOR=2) is pulled back within it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from smstester.ui.window import MainWindow


def rect_in(window: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def test_no_field_label_is_cut(qtbot: QtBot, window: MainWindow) -> None:
    """A label drawn with its mnemonic underlined is drawn in pieces, each without the
    kerning Qt measured it with: "&To" measured 13 px and drew its "o" past its edge."""
    from PySide6.QtWidgets import QLabel

    window.show()
    qtbot.waitExposed(window)
    labels = [label for label in window.form.findChildren(QLabel) if label.buddy() is not None]
    assert len(labels) >= 8
    for label in labels:
        before, _, after = label.text().partition("&")
        metrics = label.fontMetrics()
        pieces = (before, after[:1], after[1:])  # the underlined letter is a run of its own
        drawn = sum(metrics.horizontalAdvance(piece) for piece in pieces)
        assert label.width() >= drawn, (label.text(), label.width(), drawn)


@pytest.mark.parametrize("size", [(1024, 700), (800, 600), (1366, 768)])
def test_the_buttons_are_in_view_and_no_field_is_cut(
    qtbot: QtBot, window: MainWindow, size: tuple[int, int]
) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)
    QApplication.processEvents()
    inside = window.rect()
    for button in (
        window.send_button,
        window.cancel_button,
        window.copy_curl_button,
        window.copy_as_button,
    ):
        assert button.isVisible()
        assert inside.contains(rect_in(window, button)), (button.objectName(), size)
    viewport = window.form_scroll.viewport()
    for widget in window.form.focus_chain:
        right = widget.mapTo(viewport, widget.rect().topRight()).x()
        assert right <= viewport.width(), (widget.objectName(), size)
    assert not window.form_scroll.horizontalScrollBar().isVisible()


def test_a_window_larger_than_the_screen_is_pulled_back_on(
    qtbot: QtBot, window: MainWindow
) -> None:
    screen = window.screen().availableGeometry()
    window.resize(screen.width() + 900, screen.height() + 700)
    window.move(screen.right() + 200, screen.bottom() + 200)
    window.fit_to_screen()
    assert screen.contains(window.frameGeometry()) or (
        window.width() <= screen.width() and window.height() <= screen.height()
    )


def test_at_scale_2_the_window_opens_within_the_screen(tmp_path: Path) -> None:
    """A real start at QT_SCALE_FACTOR=2: the saved PNG is no larger than the screen (the
    offscreen screen is 800×600 device pixels)."""
    shot = tmp_path / "scale2.png"
    env = dict(
        os.environ,
        QT_SCALE_FACTOR="2",
        QT_QPA_PLATFORM="offscreen",
        SMSTESTER_CONFIG_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "--sandbox", "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() <= 800 * 2 and image.height() <= 600 * 2

"""The raw-answer viewer: `fold` (rows for the screen, pure) and the view that paints only
what is on screen, with row selection, copy, *Copy all* and *Save…*."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytestqt.qtbot import QtBot

from smstester.ui import rawview
from smstester.ui.rawview import FOLD, RawAnswerView, Rows, fold
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from tests.ui.conftest import Dialogs


def rows_of(text: str, width: int) -> list[tuple[str, int]]:
    """What `fold` must give, the slow and obvious way (for text with no tab, CR or control)."""
    out: list[tuple[str, int]] = []
    for line in text.split("\n"):
        if not line:
            out.append(("", 0))
        for k in range(0, len(line), width):
            out.append((line[k : k + width], 1 if k else 0))
    return out


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(["a", "bc", "\n", "\n\n", "xyzxyzxyz", "é", "🎉"])).map("".join),
    width=st.integers(1, 9),
    piece=st.integers(1, 12),
)
def test_fold_keeps_every_character_in_order(text: str, width: int, piece: int) -> None:
    # the rows do not depend on where fold's slices fall
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rawview, "_SLICE", piece)
        rows = fold(text, width)
    assert list(zip(rows.rows, rows.continued, strict=True)) == rows_of(text, width)
    assert rows.widest == max(map(len, rows.rows))
    assert rows.text == text


def test_fold_shows_controls_and_bidi_marks_as_escapes() -> None:
    rows = fold("ok\x1b[2K\r\nfake \u202esuccess\tx\r")
    assert rows.rows == ["ok\\x1b[2K", "fake \\u202esuccess   x\\x0d"]  # tab: to column 16
    assert rows.text == "ok\x1b[2K\r\nfake \u202esuccess\tx\r"  # the text itself, exactly


@pytest.fixture
def view(qtbot: QtBot) -> RawAnswerView:
    widget = RawAnswerView()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def row_point(view: RawAnswerView, row: int) -> QPoint:
    height = view.fontMetrics().lineSpacing()
    first = view.verticalScrollBar().value()
    return QPoint(40, (row - first) * height + height // 2)


def test_view_selects_rows_and_copies_them(qtbot: QtBot, view: RawAnswerView) -> None:
    text = "first line\n" + "y" * (FOLD + 5) + "\nthird\nfourth"
    view.set_rows(fold(text))
    assert view.row_count() == 5  # the long line on two rows
    assert view.grab().width() > 0  # paints
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=row_point(view, 1))
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        row_point(view, 3),
    )
    assert view.selected_text() == "y" * (FOLD + 5) + "\nthird"
    qtbot.keySequence(view, QKeySequence.StandardKey.Copy)
    assert QApplication.clipboard().text() == "y" * (FOLD + 5) + "\nthird"
    qtbot.keySequence(view, QKeySequence.StandardKey.SelectAll)
    qtbot.keySequence(view, QKeySequence.StandardKey.Copy)
    assert QApplication.clipboard().text() == text  # all: the text exactly


def test_view_scrolls_through_a_million_rows(qtbot: QtBot, view: RawAnswerView) -> None:
    rows = fold("row\n" * 1_000_000 + "the end")
    view.set_rows(rows)
    qtbot.keyClick(view, Qt.Key.Key_End)
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 999_000
    assert view.grab().width() > 0
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=row_point(view, 1_000_000))
    assert view.selected_text() == "the end"
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert bar.value() == 0


def test_an_empty_view_paints_a_placeholder(view: RawAnswerView) -> None:
    assert not view.is_loaded()
    assert view.grab().width() > 0
    assert view.selected_text() == ""
    view.set_rows(Rows("", [""], bytearray(1), 0))
    assert view.is_loaded()


def test_raw_answer_dialog_copies_and_saves_the_whole_answer(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and window.log.entry_count == 1, timeout=10000)
    window.log._open_anchor(QUrl("raw:1"))
    dialog = window.findChild(QDialog, "rawAnswerDialog")
    assert dialog is not None
    view = dialog.findChild(RawAnswerView, "rawAnswerView")
    assert view is not None
    qtbot.waitUntil(view.is_loaded, timeout=5000)
    text = view.text()
    assert text.startswith("HTTP 200")
    assert '"success":true' in text.replace(" ", "")
    buttons = {b.text().replace("&", ""): b for b in dialog.findChildren(QPushButton)}
    buttons["Copy all"].click()
    assert QApplication.clipboard().text() == text
    saved = tmp_path / "answer.txt"
    dialogs.path = str(saved)
    buttons["Save…"].click()
    qtbot.waitUntil(saved.exists, timeout=5000)
    qtbot.waitUntil(lambda: saved.read_text(encoding="utf-8") == text, timeout=5000)
    dialog.close()

"""The message composer: encoding and segments as you type, culprits, look-alike replacement."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from smstester.ui.window import MainWindow


def parts(window: MainWindow) -> tuple[QPlainTextEdit, QLabel]:
    edit = window.findChild(QPlainTextEdit, "messageEdit")
    label = window.findChild(QLabel, "segmentLabel")
    assert edit is not None
    assert label is not None
    return edit, label


def test_label_follows_typing(qtbot: QtBot, window: MainWindow) -> None:
    edit, label = parts(window)
    edit.setPlainText("")
    qtbot.keyClicks(edit, "Hello")
    assert "GSM-7" in label.text()
    assert "1 segment" in label.text()
    assert label.property("state") == ""
    edit.setPlainText("a" * 161)
    assert "2 segments" in label.text()
    assert label.property("state") == "warn"
    edit.setPlainText("don’t")
    assert "UCS-2" in label.text()
    assert "1 segment" in label.text()
    assert label.property("state") == "warn"
    assert "’" in label.toolTip()


def test_culprits_highlighted_in_utf16_positions(window: MainWindow) -> None:
    edit, _ = parts(window)
    edit.setPlainText("🎉 don’t")
    selections = edit.extraSelections()
    marked = sorted(s.cursor.selectedText() for s in selections)
    assert "’" in marked
    assert "🎉" in marked
    edit.setPlainText("plain text")
    assert edit.extraSelections() == []


def test_replace_lookalikes_is_one_undoable_edit(window: MainWindow) -> None:
    edit, label = parts(window)
    edit.setPlainText("“Hi” — it’s ready…")
    assert "UCS-2" in label.text()
    assert window.form.fix_button.isVisibleTo(window)
    window.replace_action.trigger()
    assert edit.toPlainText() == '"Hi" - it\'s ready...'
    assert "GSM-7" in label.text()
    assert not window.form.fix_button.isVisibleTo(window)
    edit.undo()
    assert edit.toPlainText() == "“Hi” — it’s ready…"

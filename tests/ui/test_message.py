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


def marks(edit: QPlainTextEdit) -> list[str]:
    """The text of every marked run, read back from the document's layout (whose
    positions are UTF-16 units)."""
    block = edit.document().firstBlock()
    runs = []
    while block.isValid():
        for span in block.layout().formats():
            units = block.text().encode("utf-16-le")
            runs.append(units[2 * span.start : 2 * (span.start + span.length)].decode("utf-16-le"))
        block = block.next()
    return runs


def test_culprits_marked_in_utf16_positions(window: MainWindow) -> None:
    edit, _ = parts(window)
    edit.setPlainText("🎉 don’t\nsecond line — ok")
    assert marks(edit) == ["🎉", "’", "—"]
    edit.setPlainText("plain text")
    assert marks(edit) == []


def test_culprit_runs_counts_like_qt() -> None:
    from smstester.ui.highlight import culprit_runs

    assert culprit_runs("a🎉b’’c") == [(1, 2), (4, 2)]
    assert culprit_runs("{plain} €") == []


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

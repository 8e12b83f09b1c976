"""The message composer: encoding and segments as you type, culprits, look-alike replacement."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from smstester.core.segments import MAX_CHARACTERS
from smstester.ui.form import cut_to_units
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
    from smstester.core.segments import culprit_runs

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


# --- Twilio's 1,600-character limit -------------------------------------------------------


def limit_note(window: MainWindow) -> QLabel:
    note = window.findChild(QLabel, "messageLimitLabel")
    assert note is not None
    return note


def paste_text(edit: QPlainTextEdit, text: str) -> None:
    QApplication.clipboard().setText(text)
    edit.paste()


def test_a_long_paste_is_cut_at_the_limit_and_says_so(window: MainWindow) -> None:
    edit, label = parts(window)
    edit.setPlainText("Hi ")
    edit.moveCursor(QTextCursor.MoveOperation.End)
    paste_text(edit, "x" * 100_000)
    assert edit.toPlainText() == "Hi " + "x" * (MAX_CHARACTERS - 3)
    note = limit_note(window)
    assert note.isVisibleTo(window)
    assert "Pasted 100,000 characters" in note.text()
    assert f"{100_000 - (MAX_CHARACTERS - 3):,}" in note.text()
    assert "over Twilio's" not in label.text()  # the box is never over the limit
    # one undo takes the whole paste back, and the note goes with it
    edit.undo()
    assert edit.toPlainText() == "Hi "
    assert not note.isVisibleTo(window)


def test_a_key_at_the_limit_is_refused_with_a_note(qtbot: QtBot, window: MainWindow) -> None:
    edit, _ = parts(window)
    edit.setPlainText("a" * MAX_CHARACTERS)
    edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(edit, "bc")
    assert edit.toPlainText() == "a" * MAX_CHARACTERS
    assert "full" in limit_note(window).text()
    assert limit_note(window).isVisibleTo(window)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert not limit_note(window).isVisibleTo(window)
    qtbot.keyClicks(edit, "z")
    assert edit.toPlainText() == "a" * (MAX_CHARACTERS - 1) + "z"
    # typed in the middle: the key is refused there, nothing else moves
    edit.moveCursor(QTextCursor.MoveOperation.Start)
    qtbot.keyClicks(edit, "Q")
    assert edit.toPlainText() == "a" * (MAX_CHARACTERS - 1) + "z"


def test_an_emoji_that_does_not_fit_is_not_split(window: MainWindow) -> None:
    edit, _ = parts(window)
    edit.setPlainText("a" * (MAX_CHARACTERS - 1))
    edit.moveCursor(QTextCursor.MoveOperation.End)
    paste_text(edit, "🎉🎉")  # two UTF-16 units each: neither fits in the one left
    assert edit.toPlainText() == "a" * (MAX_CHARACTERS - 1)
    assert "2 past" in limit_note(window).text()
    edit.insertPlainText("🎉")  # not a paste: the excess comes off again, whole
    assert edit.toPlainText() == "a" * (MAX_CHARACTERS - 1)
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in edit.toPlainText())


def test_a_dropped_text_is_cut_too(window: MainWindow) -> None:
    edit, _ = parts(window)
    edit.clear()
    data = QMimeData()
    data.setText("é" * 2000)
    edit.insertFromMimeData(data)
    assert edit.toPlainText() == "é" * MAX_CHARACTERS
    assert "400 past" in limit_note(window).text()


def test_a_profile_message_over_the_limit_is_cut_with_a_note(window: MainWindow) -> None:
    edit, _ = parts(window)
    long_message = "Ünïcode and more. " * 300  # 5,400 characters
    window.form.set_test(replace(window.form.test(), message=long_message))
    assert edit.toPlainText() == long_message[:MAX_CHARACTERS]
    note = limit_note(window).text()
    assert f"had {len(long_message):,} characters" in note
    assert f"{len(long_message) - MAX_CHARACTERS:,} were cut" in note
    # a message that fits leaves no note
    window.form.set_test(replace(window.form.test(), message="short"))
    assert not limit_note(window).isVisibleTo(window)


def test_cut_to_units_never_splits_a_character() -> None:
    assert cut_to_units("ab🎉", 3) == "ab"
    assert cut_to_units("ab🎉", 4) == "ab🎉"
    assert cut_to_units("x" * 10, 4) == "xxxx"
    assert cut_to_units("", 0) == ""


def test_the_message_box_keeps_its_cut_action(window: MainWindow) -> None:
    message, _label = parts(window)
    message.setPlainText("cut me")
    message.selectAll()
    message.cut()  # QPlainTextEdit.cut, not shadowed by the limit's signal
    assert QApplication.clipboard().text() == "cut me"
    assert message.toPlainText() == ""

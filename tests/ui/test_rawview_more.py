"""The raw-answer viewer, more: a JSON body pretty-printed (the answer as received one toggle
away), Copy (the selection, or the row under the cursor), its context menu and arrow keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QThreadPool, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from smstester.ui import rawview
from smstester.ui.rawview import (
    FOLD,
    MAX_PRETTY_DEPTH,
    RawAnswerDialog,
    RawAnswerView,
    fold,
    pretty_json,
)
from smstester.ui.window import MainWindow

HEAD = "HTTP 400 Bad Request\ncontent-type: application/json\n\n"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)
containers = st.one_of(
    st.lists(json_values, max_size=5), st.dictionaries(st.text(max_size=6), json_values)
)


@settings(max_examples=300, deadline=None)
@given(value=containers, piece=st.integers(1, 40), ascii_only=st.booleans())
def test_pretty_json_indents_like_json_dumps_wherever_its_slices_fall(
    value: Any, piece: int, ascii_only: bool
) -> None:
    compact = json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rawview, "_PRETTY_SLICE", piece)
        pretty = pretty_json(compact)
        assert pretty_json(json.dumps(value, indent=7, ensure_ascii=ascii_only)) == pretty
    assert pretty == json.dumps(value, indent=2, ensure_ascii=ascii_only)


def test_pretty_json_keeps_every_string_and_number_as_it_came() -> None:
    text = '{"k":"\\u0041\\"q\\\\","n":[1.50E+3,-0,1e5],"e":{},"a":[ ]}'
    assert pretty_json(text) == (
        '{\n  "k": "\\u0041\\"q\\\\",\n  "n": [\n    1.50E+3,\n    -0,\n    1e5\n  ],\n'
        '  "e": {},\n  "a": []\n}'
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"just a string"',
        "42",
        "<html><body>Bad gateway</body></html>",
        '{"a":1,}',
        "[1 2]",
        '{"a" 1}',
        '{"a":1} trailing',
        '{"a":1}{"b":2}',
        "[",
        '{"a":tru}',
        '{"a":"\\q"}',
        "{1:2}",
        "[1]]",
        '{"a":"no end}',
        '["a" "b"]',
        "[00]",
        '{"a":1:2}',
        "[" * (MAX_PRETTY_DEPTH + 1) + "]" * (MAX_PRETTY_DEPTH + 1),
    ],
)
def test_pretty_json_leaves_what_is_not_json_alone(text: str) -> None:
    assert pretty_json(text) is None


def test_a_long_string_and_a_long_number_cross_the_slices() -> None:
    long = "x" * (3 * rawview._PRETTY_SLICE) + '\\"'
    text = f'{{"a":"{long}","b":[{"9" * 10}]}}'
    assert pretty_json(text) == f'{{\n  "a": "{long}",\n  "b": [\n    {"9" * 10}\n  ]\n}}'
    assert pretty_json("[" + "1" * (2 * rawview._PRETTY_SLICE) + "]") is None  # no end
    assert pretty_json("[1]") == "[\n  1\n]"
    assert pretty_json("[1]", stop=lambda: True) is None  # told to stop


def dialog_for(qtbot: QtBot, text: str) -> RawAnswerDialog:
    saved: list[str] = []
    dialog = RawAnswerDialog("Raw answer #1", fold(text), saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.view.is_loaded)
    return dialog


def buttons(dialog: QDialog) -> dict[str, QPushButton]:
    return {b.text().replace("&", ""): b for b in dialog.findChildren(QPushButton)}


def toggle(dialog: QDialog) -> QPushButton:
    found = dialog.findChild(QPushButton, "showAsReceivedButton")
    assert found is not None
    return found


def about(dialog: QDialog) -> str:
    label = dialog.findChild(QLabel, "rawAnswerAbout")
    assert label is not None
    return label.text()


def test_a_json_body_is_pretty_printed_and_the_original_one_toggle_away(qtbot: QtBot) -> None:
    body = json.dumps({"success": False, "errors": [{"code": 21211, "message": "bad To"}]})
    text = HEAD + body
    dialog = dialog_for(qtbot, text)
    view = dialog.view
    pretty = HEAD + json.dumps(json.loads(body), indent=2)
    assert view.text() == pretty
    assert "JSON, pretty-printed" in about(dialog)
    assert view.row(0) == "HTTP 400 Bad Request"  # the head as it came
    buttons(dialog)["Copy all"].click()
    assert QApplication.clipboard().text() == pretty
    check = toggle(dialog)
    assert check.isEnabled() and not check.isChecked()
    check.setChecked(True)
    assert view.text() == text and "as received" in about(dialog)
    buttons(dialog)["Copy all"].click()
    assert QApplication.clipboard().text() == text
    buttons(dialog)["Save…"].click()  # the dialog saves what it shows
    check.setChecked(False)
    assert view.text() == pretty


def test_what_is_not_json_is_shown_as_received(qtbot: QtBot) -> None:
    text = "HTTP 502 Bad Gateway\ncontent-type: text/html\n\n<html>{not json}</html>"
    dialog = dialog_for(qtbot, text)
    assert dialog.view.text() == text
    assert not toggle(dialog).isEnabled()
    assert "not JSON" in toggle(dialog).toolTip()


def test_copy_takes_the_selection_or_the_row_under_the_cursor(qtbot: QtBot) -> None:
    long = "y" * (FOLD + 30)
    dialog = dialog_for(qtbot, f"first\n{long}\nthird\nfourth")
    view = dialog.view
    clipboard = QApplication.clipboard()
    clipboard.setText("before")
    buttons(dialog)["Copy"].click()
    assert clipboard.text() == "before"  # no selection, no cursor: nothing to copy
    height = view.fontMetrics().lineSpacing()
    menu = view.menu_at(2 * height + height // 2)  # a right-click on the folded line's 2nd row
    actions = {a.text().replace("&", ""): a for a in menu.actions() if a.text()}
    actions["Copy"].trigger()
    assert clipboard.text() == long  # the whole line, not just the row clicked
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the cursor on the first row shown, selected
    qtbot.keyClick(view, Qt.Key.Key_Down)  # on row 1
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    buttons(dialog)["Copy"].click()
    assert clipboard.text() == f"{long}\nthird"
    qtbot.keySequence(view, QKeySequence.StandardKey.SelectAll)
    qtbot.keySequence(view, QKeySequence.StandardKey.Copy)
    assert clipboard.text() == view.text()
    actions["Copy all"].trigger()
    assert clipboard.text() == view.text()
    menu.deleteLater()


def test_a_large_answer_is_pretty_printed_on_a_worker(qtbot: QtBot) -> None:
    items = [{"code": 20000 + i, "message": f"error item {i}"} for i in range(3000)]
    body = json.dumps({"success": False, "errors": items})
    text = HEAD + body
    assert len(text) > RawAnswerDialog.AT_ONCE
    saved: list[str] = []
    dialog = RawAnswerDialog("Raw answer #2", fold(text), saved.append)
    qtbot.addWidget(dialog)
    # Made on a worker: meanwhile the answer as received is there, and the view says it is
    # not loaded yet.
    assert dialog.view.pending and not dialog.view.is_loaded()
    assert dialog.view.text() == text and "formatting" in about(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.view.is_loaded, timeout=20000)
    assert dialog.view.text() == HEAD + json.dumps(json.loads(body), indent=2)
    # Closed before the worker is done: the worker stops, nothing is shown afterwards.
    again = RawAnswerDialog("Raw answer #3", fold(text), saved.append)
    again.show()
    again.close()
    assert QThreadPool.globalInstance().waitForDone(20000)
    qtbot.wait(10)  # the worker's (dropped) result delivered


def test_the_window_shows_the_sandboxs_answer_pretty_printed(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and window.log.entry_count == 1, timeout=10000)
    window.log._open_anchor(QUrl("raw:1"))
    dialog = window.findChild(QDialog, "rawAnswerDialog")
    assert dialog is not None
    view = dialog.findChild(RawAnswerView, "rawAnswerView")
    assert view is not None
    qtbot.waitUntil(view.is_loaded, timeout=5000)
    head, body = view.text().split("\n\n", 1)
    assert head.startswith("HTTP 200")
    assert body == json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    assert '"success": true' in body
    dialog.close()

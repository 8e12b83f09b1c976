"""Screen readers (issue 15, point 8): every input, button and status label has an accessible
name, and a description where its label does not say it all, read back through QAccessible as
a screen reader reads them; what matters (a number checked, a send finished) is said in words
and announced, not shown by colour alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from smstester.core.fields import FIELDS
from smstester.ui.accessibility import name_for_screen_readers
from smstester.ui.window import MainWindow

STATUS_LABELS = ("fromStatusLabel", "toStatusLabel", "brandStatusLabel", "authKeyStatusLabel")


def said(widget: QWidget, what: QAccessible.Text) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface.text(what)


def name(widget: QWidget) -> str:
    """What a screen reader calls `widget`. Qt on Linux names a combo box by its current
    value and its label through a relation; its accessibleName is what the label is."""
    if isinstance(widget, QComboBox):
        return widget.accessibleName()
    return said(widget, QAccessible.Text.Name)


def description(widget: QWidget) -> str:
    return said(widget, QAccessible.Text.Description)


def inputs_and_buttons(window: MainWindow) -> list[QWidget]:
    """Every widget a keyboard reaches that takes input or is pressed (a popup's inner list
    excepted: the combo box speaks for it)."""
    kinds = (QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractButton)
    return [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, kinds) and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]


def test_every_input_and_button_has_a_name_of_its_own(window: MainWindow) -> None:
    widgets = inputs_and_buttons(window)
    assert len(widgets) >= 20
    names = {w: name(w) for w in widgets}
    nameless = [w.objectName() or type(w).__name__ for w, n in names.items() if not n.strip()]
    assert not nameless
    # A line edit inside a combo box speaks with its combo's name.
    by_name: dict[str, list[QWidget]] = {}
    for widget, spoken in names.items():
        parent = widget.parentWidget()
        holder = parent if isinstance(parent, QComboBox) else widget
        by_name.setdefault(spoken, [])
        if holder not in by_name[spoken]:
            by_name[spoken].append(holder)
    twice = {n: [w.objectName() for w in ws] for n, ws in by_name.items() if len(ws) > 1}
    assert not twice  # "Show" twice would not say which secret it shows
    # A name is words, not a value: the profile box is "Profile", not the profile's name.
    assert name(window.profiles.combo) == "Profile"
    assert name(window.form.base_url) == "Base URL"
    assert not re.search(r"https?://", " ".join(names.values()))


def test_each_field_is_named_by_its_label_and_described_by_the_field_table(
    window: MainWindow,
) -> None:
    for field in FIELDS:
        editor = window.findChild(QWidget, field.object_name)
        assert editor is not None, field.object_name
        assert name(editor) == field.short_label
        assert editor.accessibleName() == field.short_label
        # The label says the name; the description says what it is, in plain text (the
        # tooltip's <b> would be read out).
        assert description(editor) == field.help
        assert "<" not in description(editor)
    inner = window.form.base_url.lineEdit()
    assert inner is not None
    assert name(inner) == "Base URL"


def test_the_secret_toggles_say_which_secret_and_what_they_do(window: MainWindow) -> None:
    auth_toggle = window.form.auth_key_box.toggle
    token_toggle = window.form.password_box.toggle
    assert name(auth_toggle) == "Show Auth-Key"
    assert name(token_toggle) == "Show Auth Token"
    assert "Auth-Key" in description(auth_toggle)
    auth_toggle.click()  # now "Hide" on screen: a pressed toggle, the same name
    assert auth_toggle.text() == "Hide"
    assert name(auth_toggle) == "Show Auth-Key"
    assert QAccessible.queryAccessibleInterface(auth_toggle).state().checked
    auth_toggle.click()


def test_buttons_with_a_tooltip_are_described_by_it_as_it_changes(window: MainWindow) -> None:
    for widget in inputs_and_buttons(window):
        if isinstance(widget, QAbstractButton) and widget.toolTip():
            assert description(widget), widget.objectName()
    button = window.copy_as_button
    window._show_format("python")
    assert name(button) == button.text().replace("&", "")
    assert "Python" in name(button)
    assert description(button) == button.toolTip()


def test_status_labels_are_described_and_named_by_what_they_say(
    qtbot: QtBot, window: MainWindow
) -> None:
    for label_name in STATUS_LABELS:
        label = window.findChild(QLabel, label_name)
        assert label is not None
        assert label.accessibleDescription(), label_name
        # No fixed name: Qt names a label by its text and tells a screen reader each time
        # the text changes (a fixed name would hide every change).
        assert label.accessibleName() == ""
    to_status = window.form.to_status
    window.form.phone_to.setText("+1415555")
    assert to_status.text().startswith("✗")
    assert name(to_status) == to_status.text()
    assert "invalid" in to_status.text() or "short" in to_status.text()
    window.form.phone_to.setText("+14155552671")
    assert name(to_status).startswith("✓ ")
    assert "To" in description(to_status)
    assert description(window.log) and name(window.log) == "Log"


@pytest.fixture
def announced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What is handed to the screen reader as an announcement (QAccessible's own entry
    point, which is a no-op when no screen reader is listening)."""
    messages: list[str] = []
    real = QAccessible.updateAccessibility

    def record(event: QAccessibleEvent) -> None:
        if event.type() == QAccessible.Event.Announcement:
            assert isinstance(event, QAccessibleEvent)
            messages.append(event.message())  # type: ignore[attr-defined]
        real(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(record))
    yield messages


def test_a_number_turning_invalid_or_valid_is_announced_once(
    window: MainWindow, announced: list[str]
) -> None:
    window.form.phone_to.setText("+1415555")
    window.form.phone_to.setText("+14155")  # still too short: said once
    assert announced == [f"To: {window.form.to_status.text()}"]
    assert announced[0].startswith("To: ✗")
    window.form.phone_to.setText("+14155552671")
    assert len(announced) == 2
    assert announced[1].startswith("To: ✓ ")
    window.form.message.setPlainText("no number changed")
    assert len(announced) == 2


def test_a_finished_send_is_announced_in_words(
    qtbot: QtBot, window: MainWindow, announced: list[str]
) -> None:
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight, timeout=10_000)
    status = window.statusBar().currentMessage()
    assert status
    assert status in announced
    assert re.search(r"success|failure|HTTP \d{3}", status, re.IGNORECASE)


def test_naming_twice_changes_nothing(window: MainWindow) -> None:
    before = {w: (name(w), description(w)) for w in inputs_and_buttons(window)}
    name_for_screen_readers(window)
    after = {w: (name(w), description(w)) for w in inputs_and_buttons(window)}
    assert before == after


def test_a_menu_items_tip_is_not_announced(
    qtbot: QtBot, window: MainWindow, announced: list[str]
) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QMenu

    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    menu.popup(QPoint(0, 0))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    window.statusBar().showMessage("a menu item's tip")
    menu.close()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)
    window.statusBar().showMessage("Copied the curl command.")
    assert announced == ["Copied the curl command."]

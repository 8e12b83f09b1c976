"""Keyboard users: every Alt+letter does one thing in the window, and Tab walks the screen in
its order with no stop on a hidden widget (issue: a window for every hand)."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from smstester.ui.window import MainWindow

_MNEMONIC = re.compile(r"&([^&])")


def letter(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def mnemonics(window: MainWindow) -> Counter[str]:
    """The Alt+letters of the window: its menu bar's menus, and every label and button of
    the window itself (not those of its dialogs, which are windows of their own)."""
    used: Counter[str] = Counter()
    for action in window.menuBar().actions():
        if (key := letter(action.text())) is not None:
            used[f"{key}"] += 1
    widgets = [*window.findChildren(QLabel), *window.findChildren(QAbstractButton)]
    for widget in widgets:
        if widget.window() is not window:
            continue
        if isinstance(widget, QLabel) and widget.buddy() is None:
            continue
        if (key := letter(widget.text())) is not None:
            used[key] += 1
    return used


def test_no_alt_letter_does_two_things(qtbot: QtBot, window: MainWindow) -> None:
    used = mnemonics(window)
    assert len(used) >= 15  # the menus, the fields, Send, Copy as curl, Sign in, Choose…
    twice = sorted(key for key, count in used.items() if count > 1)
    assert twice == [], f"Alt+{', Alt+'.join(twice)} each do more than one thing"


def focus_chain(qtbot: QtBot, window: MainWindow, start: QWidget, steps: int) -> list[QWidget]:
    window.activateWindow()
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=2000)
    chain = [start]
    for _ in range(steps):
        current = QApplication.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        chain.append(QApplication.focusWidget())  # type: ignore[arg-type]
    return chain


def test_tab_follows_the_screen(qtbot: QtBot, window: MainWindow) -> None:
    combo = window.profiles.combo
    chain = focus_chain(qtbot, window, combo, 40)
    assert all(w.isVisible() and w.isEnabled() for w in chain), "a hidden or disabled stop"
    names = [w.objectName() for w in chain]
    wanted = [
        "profileCombo",
        "baseUrlEdit",
        "brandUrlEdit",
        "integrationIdEdit",
        "chooseIntegrationButton",
        "authKeyEdit",
        "signInButton",
        "usernameEdit",
        "passwordEdit",
        "fromEdit",
        "toEdit",
        "messageEdit",
        "sendButton",
        "copyCurlButton",
        "copyAsButton",
        "logView",
    ]
    at = [names.index(name) for name in wanted]
    assert at == sorted(at), list(zip(wanted, at, strict=True))
    assert names.index("logView") - names.index("messageEdit") <= 5  # nothing in between


def test_send_says_why_it_is_disabled(qtbot: QtBot, window: MainWindow) -> None:
    assert window.send_button.isEnabled()
    window.form.auth_key.clear()
    window.form.phone_to.setText("12")
    assert not window.send_button.isEnabled()
    tip = window.send_button.toolTip()
    assert tip.startswith("Cannot send yet:") and "Auth-Key" in tip and "To" in tip
    # An empty secret says "required" where the typing goes, as an empty number does.
    assert window.form.auth_key.placeholderText().startswith("required — ")
    window.form.auth_key.setText("k")
    assert not window.form.auth_key.placeholderText().startswith("required")
    window.form.auth_key.clear()
    before = window.log.entry_count
    window.send_action.trigger()  # Ctrl+Enter
    assert window.statusBar().currentMessage().startswith("Cannot send yet:")
    assert window.log.entry_count == before and not window.in_flight


def test_about_shows_the_versions_and_the_licence(
    qtbot: QtBot, window: MainWindow, monkeypatch: object
) -> None:
    import PySide6
    from PySide6.QtWidgets import QMessageBox

    from smstester import __version__

    shown: list[str] = []
    monkeypatch.setattr(  # type: ignore[attr-defined]
        QMessageBox, "about", staticmethod(lambda _parent, _title, text: shown.append(text))
    )
    window.about()
    assert f"smstester {__version__}" in shown[0]
    assert f"PySide6 {PySide6.__version__}" in shown[0] and "MIT" in shown[0]


def test_keyboard_only_from_start_to_a_sent_sms_and_a_copied_ticket_note(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    focus = QApplication.focusWidget()
    assert focus is not None
    # Alt+T: the To field; type a number over what is there.
    qtbot.keyClick(focus, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.phone_to, timeout=2000)
    to = window.form.phone_to
    to.selectAll()
    qtbot.keyClicks(to, "+15005550001")  # Twilio 21211
    qtbot.keyClick(to, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter
    qtbot.waitUntil(lambda: window.history.model.rowCount() == 1, timeout=10000)
    assert "21211" in window.log.toPlainText()
    # Tab on from the log into the history panel, to Copy for ticket, and press Space.
    window.log.setFocus()
    ticket = window.history.copy_ticket_button
    for _ in range(8):
        current = QApplication.focusWidget()
        if current is ticket:
            break
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is ticket
    qtbot.keyClick(ticket, Qt.Key.Key_Space)
    note = QApplication.clipboard().text()
    assert "21211" in note and "+15005550001" in note

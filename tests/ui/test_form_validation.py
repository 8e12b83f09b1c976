"""One validation: the form enables Send exactly when the core would accept a send
(`problems(form.test()) == []`), whatever is typed into any field."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from smstester.core.fields import FIELDS
from smstester.core.request import problems
from smstester.ui.window import MainWindow

TYPED = tuple(f for f in FIELDS if f.name != "region")
NASTY = st.sampled_from(
    ["", " ", "\x00", "a\x01b", "\r\nX: 1", "\x7f", "é", "a\\b", "http://u:p@h", "?q", "😀"]
)


def value(valid: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(valid),
        st.just(valid),
        NASTY,
        st.builds(lambda a, b: a + b, st.just(valid), NASTY),
        st.text(max_size=12),
    )


def child(win: MainWindow, cls: type[Any], name: str) -> Any:
    found = win.findChild(cls, name)
    assert found is not None, name
    return found


def set_field(win: MainWindow, object_name: str, text: str) -> None:
    if object_name == "baseUrlEdit":
        edit = child(win, QComboBox, object_name).lineEdit()
        assert edit is not None
        edit.setText(text)
    elif object_name == "messageEdit":
        child(win, QPlainTextEdit, object_name).setPlainText(text)
    else:
        child(win, QLineEdit, object_name).setText(text)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_send_is_enabled_exactly_when_the_core_accepts(
    qtbot: QtBot, window: MainWindow, data: st.DataObject
) -> None:
    qtbot.waitUntil(lambda: "httpx" in sys.modules, timeout=5000)
    demo = window.sandbox.demo if window.sandbox is not None else None
    assert demo is not None
    valid = demo.as_test()
    for f in TYPED:
        set_field(window, f.object_name, data.draw(value(getattr(valid, f.name)), f.name))
    found = problems(window.form.test())
    event("accepted" if not found else "refused")
    assert child(window, QPushButton, "sendButton").isEnabled() == (found == [])


def test_a_header_with_a_control_character_disables_send(window: MainWindow) -> None:
    send = child(window, QPushButton, "sendButton")
    assert send.isEnabled()
    brand = child(window, QLineEdit, "brandUrlEdit")
    kept = brand.text()
    brand.setText(kept + "\x01")
    assert not send.isEnabled()
    brand.setText(kept)
    assert send.isEnabled()


def test_the_number_status_says_what_the_core_says(window: MainWindow) -> None:
    status = child(window, QLabel, "toStatusLabel")
    to = child(window, QLineEdit, "toEdit")
    to.setText("")
    (problem,) = [p for p in problems(window.form.test()) if p.field == "phone_to"]
    assert problem.missing
    assert status.text() == problem.reason
    assert status.property("state") == "empty"
    to.setText("+1 415")
    (problem,) = [p for p in problems(window.form.test()) if p.field == "phone_to"]
    assert status.text() == "✗ " + problem.reason
    assert status.property("state") == "error"

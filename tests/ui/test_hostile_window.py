"""Hostile input typed or pasted into the window: never an exception, Send enabled exactly
when the core would accept the send, copy as curl always works, and what is sent is exactly
the URL the log shows.

Lone surrogates cannot get into a Qt widget from Python: PySide6 drops them when it turns a
`str` into a QString (`setPlainText("a\\ud800b")` holds "ab"; the clipboard does the same),
and pasted bytes that are not valid UTF-8 become U+FFFD. So the window never holds one; the
core refuses one anyway (tests/core/test_hostile.py). The first test pins this down.
"""

from __future__ import annotations

import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from faulty_servers import LoopbackServer, recording_relay
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
)
from pytestqt.qtbot import QtBot

from smstester.core.curl import render_curl
from smstester.core.request import problems
from smstester.ui.window import MainWindow

#: Every code point, lone surrogates included.
ANY_CHAR = st.characters(exclude_categories=())
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\r\nX-Evil: 1",
        "\t",
        "\x1b[31m",
        "\x85",
        "\u2028",
        "\u202e",
        "\ud800",
        "a\udfffb",
        "../../admin",
        "%2e%2e",
        "a/b?c=1#d",
        "$(id)",
        "😀",
    ]
)
LINE_EDITS = (
    "brandUrlEdit",
    "integrationIdEdit",
    "authKeyEdit",
    "usernameEdit",
    "passwordEdit",
    "fromEdit",
    "toEdit",
)
FEW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def field_text(valid: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(valid),
        NASTY,
        st.text(ANY_CHAR, max_size=30),
        st.builds(lambda a, b: a + b, st.just(valid), NASTY),
        st.text(ANY_CHAR, min_size=1, max_size=6).map(lambda s: s * 300),
    )


def child(win: MainWindow, cls: type[Any], name: str) -> Any:
    found = win.findChild(cls, name)
    assert found is not None, name
    return found


def base_url_edit(win: MainWindow) -> QLineEdit:
    edit = child(win, QComboBox, "baseUrlEdit").lineEdit()
    assert edit is not None
    return edit


def paste(win: MainWindow, text: str, *, as_bytes: bool) -> None:
    """Paste `text` into the message as a user would: from the clipboard, or (as_bytes) as raw
    UTF-8 bytes in which a lone surrogate is an invalid sequence."""
    message = child(win, QPlainTextEdit, "messageEdit")
    message.clear()
    if as_bytes:
        data = QMimeData()
        data.setData("text/plain", text.encode("utf-8", "surrogatepass"))
        message.insertFromMimeData(data)
    else:
        QApplication.clipboard().setText(text)
        message.paste()


def log_text(win: MainWindow) -> str:
    return str(child(win, QTextBrowser, "logView").toPlainText())


def entries(win: MainWindow) -> int:
    return sum(line.startswith("POST ") for line in log_text(win).splitlines())


def test_lone_surrogates_never_get_into_the_form(qtbot: QtBot, window: MainWindow) -> None:
    message = child(window, QPlainTextEdit, "messageEdit")
    message.setPlainText("a\ud800b")
    assert message.toPlainText() == "ab"
    paste(window, "x\udc80y", as_bytes=False)
    assert message.toPlainText() == "xy"
    paste(window, "p\ud83dq", as_bytes=True)
    assert message.toPlainText() == "p\ufffd\ufffd\ufffdq"  # one U+FFFD per bad byte
    assert "UCS-2" in child(window, type(window.form.segment_label), "segmentLabel").text()
    to = child(window, QLineEdit, "toEdit")
    kept = to.text()
    to.setText("\udc00")
    assert to.text() == ""
    to.setText(kept)
    # what is left is sendable, and is sent
    assert child(window, QPushButton, "sendButton").isEnabled()
    before = entries(window)
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and entries(window) > before, timeout=10_000)
    assert "✔ success · statusCode 200" in log_text(window)


@FEW
@given(
    values=st.fixed_dictionaries(
        {
            "baseUrlEdit": st.one_of(st.just("sandbox"), NASTY, st.text(ANY_CHAR, max_size=20)),
            **{name: field_text("keep") for name in LINE_EDITS},
        }
    ),
    message=field_text("hello").map(lambda s: s * 20),
    as_bytes=st.booleans(),
)
def test_any_text_in_any_field(
    qtbot: QtBot, window: MainWindow, values: dict[str, str], message: str, as_bytes: bool
) -> None:
    assert window.sandbox is not None
    demo = window.sandbox.demo
    valid = {
        "baseUrlEdit": demo.url,
        "brandUrlEdit": demo.brand_url,
        "integrationIdEdit": demo.integration_id,
        "authKeyEdit": demo.auth_key,
        "usernameEdit": demo.username,
        "passwordEdit": demo.password,
        "fromEdit": demo.phone_from,
        "toEdit": demo.phone_to,
    }
    for name, value in values.items():
        text = value.replace("keep", valid[name]).replace("sandbox", valid[name])
        edit = base_url_edit(window) if name == "baseUrlEdit" else child(window, QLineEdit, name)
        edit.setText(text)
    paste(window, message, as_bytes=as_bytes)

    # Send is enabled exactly when the core would accept the send; a refused one (pressed
    # through the menu's shortcut) says why in the log and sends nothing. (A sendable form
    # is not sent here: its base URL may name any host.)
    qtbot.waitUntil(lambda: "httpx" in sys.modules, timeout=5000)
    test = window.form.test()
    found = problems(test)
    assert child(window, QPushButton, "sendButton").isEnabled() == (found == [])
    event("sendable" if not found else "refused")
    if found:
        window.send()
        assert not window.in_flight
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in test.message)

    # Copy as curl works on any form, masked.
    QApplication.clipboard().clear()
    child(window, QPushButton, "copyCurlButton").click()
    command = QApplication.clipboard().text()
    assert command == render_curl(window.form.test())
    assert "$SMSTESTER_AUTH_KEY" in command
    assert "Copied the curl command" in window.statusBar().currentMessage()


@pytest.fixture
def relay(window: MainWindow) -> Iterator[LoopbackServer]:
    """The window's sandbox behind a relay that records every request line it passes on."""
    assert window.sandbox is not None
    with LoopbackServer(recording_relay(window.sandbox.port)) as server:
        yield server


SENDABLE_CHAR = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    integration_id=st.one_of(
        st.sampled_from(["../../admin", "a/b?c=1#d", "%2e%2e", "..", "fault-500/../x", " x y "]),
        st.text(SENDABLE_CHAR, min_size=1, max_size=20).filter(str.strip),
    ),
    message=st.one_of(
        st.text(ANY_CHAR, min_size=1, max_size=50).filter(str.strip),
        st.text(ANY_CHAR, min_size=1, max_size=5).filter(str.strip).map(lambda s: s * 2000),
    ),
)
def test_a_hostile_but_valid_send_goes_out_as_the_log_shows(
    qtbot: QtBot,
    window: MainWindow,
    relay: LoopbackServer,
    integration_id: str,
    message: str,
) -> None:
    base_url_edit(window).setText(relay.url)
    child(window, QLineEdit, "integrationIdEdit").setText(integration_id)
    child(window, QPlainTextEdit, "messageEdit").setPlainText(message)
    assert child(window, QPushButton, "sendButton").isEnabled()

    def posts() -> list[str]:  # the sends (the window also looks the Brand-URL up: a GET)
        return [line for line in relay.seen if line.startswith("POST ")]

    before, sent = entries(window), len(posts())
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and entries(window) > before, timeout=10_000)
    text = log_text(window)
    shown = text[text.rfind("\nPOST ") + 1 :].splitlines()[0]
    assert shown.startswith(f"POST {relay.url}/")
    # exactly one send went out, and it is the one the log shows
    assert len(posts()) == sent + 1
    path = urllib.parse.urlsplit(shown.removeprefix("POST ")).path
    assert posts()[-1] == f"POST {path} HTTP/1.1"
    assert path.endswith("/sms/test")
    assert path.count("/") == 6  # /api/v1/app-integrations/<one segment>/sms/test

"""The window says what the last answer means and what to do (diagnosisView, CONTRACT §4a),
and every log entry names what was sent. The real embedded sandbox on 127.0.0.1."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from support import DIAGNOSED_FAULTS, DIAGNOSED_SENDS

from smstester.ui.window import MainWindow

FAULT_SENDS = [
    ({"integration_id": f}, code, side, words) for f, code, side, words in DIAGNOSED_FAULTS
]
#: The message box holds at most 1,600 characters: Twilio's 21617 cannot be sent from it.
WINDOW_SENDS = [case for case in DIAGNOSED_SENDS if "message" not in case[0]]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("password", "0" * 32, "[20003] · Twilio: Twilio refused the Account SID"),
        ("auth_key", "wrong", "[Unauthorized] · jframework: jframework refused the Auth-Key"),
        ("phone_to", "+15005550004", "[21610] · the carrier or the recipient"),
        ("integration_id", "no-such", "[AppIntegrationNotFound] · jframework"),
    ],
)
def test_the_last_diagnosis_is_shown(
    qtbot: QtBot, window: MainWindow, field: str, value: str, words: str
) -> None:
    window = window
    getattr(window.form, field).setText(value)
    qtbot.waitUntil(lambda: window.send_button.isEnabled(), timeout=5000)
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight, timeout=10000)
    view = window.findChild(type(window.diagnosis_view), "diagnosisView")
    assert view is window.diagnosis_view
    qtbot.waitUntil(lambda: words in view.text(), timeout=5000)
    assert view.isVisible()
    assert "What to do:" in view.text()
    log = window.log.toPlainText()
    assert "Sent: From +15005550006 · To " in log
    assert words in log


def test_a_success_hides_it(qtbot: QtBot, window: MainWindow) -> None:
    window = window
    window.form.password.setText("0" * 32)
    window.send()
    qtbot.waitUntil(lambda: window.diagnosis_view.isVisible(), timeout=10000)
    assert window.sandbox is not None
    window.form.password.setText(window.sandbox.demo.password)
    qtbot.waitUntil(lambda: window.send_button.isEnabled(), timeout=5000)
    window.send()
    qtbot.waitUntil(lambda: not window.diagnosis_view.isVisible(), timeout=10000)
    assert window.diagnosis_view.text() == ""


@pytest.mark.parametrize(("changes", "code", "side", "words"), WINDOW_SENDS + FAULT_SENDS)
def test_every_magic_number_and_fault(
    qtbot: QtBot, window: MainWindow, changes: dict[str, str], code: str, side: str, words: str
) -> None:
    for name, value in changes.items():
        getattr(window.form, name).setText(value)
    qtbot.waitUntil(lambda: window.send_button.isEnabled(), timeout=5000)
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight, timeout=10000)
    qtbot.waitUntil(lambda: f"[{code}]" in window.diagnosis_view.text(), timeout=5000)
    assert words in window.diagnosis_view.text()


def test_preflight_shows_as_you_type(qtbot: QtBot, window: MainWindow) -> None:
    label = window.form.preflight_label
    assert not label.isVisibleTo(window)
    window.form.phone_to.setText(window.form.phone_from.text())
    qtbot.waitUntil(lambda: "is the same number as From" in label.text(), timeout=2000)
    assert label.isVisibleTo(window)
    window.form.phone_to.setText("+14155552671")
    qtbot.waitUntil(lambda: not label.isVisibleTo(window), timeout=2000)


def test_the_diagnosis_link_opens_in_the_browser(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    window.form.phone_to.setText("+15005550004")
    qtbot.waitUntil(lambda: window.send_button.isEnabled(), timeout=5000)
    window.send()
    qtbot.waitUntil(lambda: "[21610]" in window.diagnosis_view.text(), timeout=10000)
    link = "https://www.twilio.com/docs/errors/21610"
    assert f'href="{link}"' in window.log.toHtml()
    window.log.anchorClicked.emit(QUrl(link))
    assert opened == [link]

"""The window says what the last answer means and what to do (diagnosisView, CONTRACT §4a),
and every log entry names what was sent. The real embedded sandbox on 127.0.0.1."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from smstester.ui.window import MainWindow


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

"""Sign in, the Auth-Key's and the brand's status, and the integration picker, driven through
the objectNames of CONTRACT §4a against the window's real embedded sandbox."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from smstester import sandbox as sandbox_module
from smstester.core.model import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN, DEMO_LOGIN_PASSWORD
from smstester.core.redaction import exposes
from smstester.sandbox import SandboxServer
from smstester.ui import build_window
from smstester.ui.window import MainWindow


def child(window: MainWindow, kind: type, name: str):  # type: ignore[no-untyped-def]
    found = window.findChild(kind, name)
    assert found is not None, name
    return found


def dialog(window: MainWindow, name: str) -> QDialog:
    found = window.findChild(QDialog, name)
    assert found is not None, name
    return found


def sign_in(qtbot: QtBot, window: MainWindow, password: str = DEMO_LOGIN_PASSWORD) -> QDialog:
    child(window, QToolButton, "signInButton").click()
    box = dialog(window, "signInDialog")
    qtbot.waitUntil(box.isVisible, timeout=5000)
    user = child(box, QLineEdit, "signInUsernameEdit")
    assert user.text() == "demo-support"  # the sandbox's demo user, filled in
    secret = child(box, QLineEdit, "signInPasswordEdit")
    assert secret.echoMode() == QLineEdit.EchoMode.Password
    secret.setText(password)
    child(box, QPushButton, "signInOkButton").click()
    return box


def key_label(window: MainWindow) -> QLabel:
    return child(window, QLabel, "authKeyStatusLabel")


def test_sign_in_fills_the_auth_key_and_says_until_when(qtbot: QtBot, window: MainWindow) -> None:
    window.form.auth_key.clear()
    box = sign_in(qtbot, window)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=10000)
    key = window.form.auth_key.text()
    assert key and key != DEMO_AUTH_KEY
    assert "valid until" in key_label(window).text() and "(in 59 min)" in key_label(window).text()
    assert child(box, QLineEdit, "signInPasswordEdit").text() == ""  # gone with the dialog
    # The new key works: a send goes through.
    before = window.log.entry_count
    window.send()
    qtbot.waitUntil(lambda: window.log.entry_count > before and not window.in_flight, timeout=10000)
    assert "✓" in window.log.toPlainText().splitlines()[-1] or "success" in window.log.toPlainText()


def test_a_wrong_password_is_said_in_the_dialog_which_stays(
    qtbot: QtBot, window: MainWindow
) -> None:
    key = window.form.auth_key.text()
    box = sign_in(qtbot, window, password="not-the-password")
    error = child(box, QLabel, "signInErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=10000)
    assert "The username or password incorrect." in error.text()
    assert box.isVisible() and window.form.auth_key.text() == key
    assert child(box, QPushButton, "signInOkButton").isEnabled()
    box.reject()


@pytest.fixture
def short_lived(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """`smstester --sandbox` with Auth-Keys that expire after 2 s."""
    monkeypatch.setattr(
        sandbox_module, "SandboxServer", functools.partial(SandboxServer, auth_key_ttl=2)
    )
    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
    yield win
    win.close()


def test_an_expired_key_is_caught_before_a_send(qtbot: QtBot, short_lived: MainWindow) -> None:
    window = short_lived
    box = sign_in(qtbot, window)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=10000)
    assert "valid until" in key_label(window).text()
    qtbot.waitUntil(lambda: "expired" in key_label(window).text(), timeout=6000)
    assert "sign in again" in key_label(window).text()
    before = window.log.entry_count
    notes = window.log.toPlainText()
    window.send()
    assert not window.in_flight and window.log.entry_count == before  # nothing was sent
    said = window.log.toPlainText()[len(notes) :]
    assert "Not sent: the Auth-Key expired" in said


def test_the_brand_is_looked_up_after_typing_stops(qtbot: QtBot, window: MainWindow) -> None:
    label = child(window, QLabel, "brandStatusLabel")
    qtbot.waitUntil(lambda: label.isVisible() and label.text().startswith("✓"), timeout=5000)
    good = label.text()
    window.form.brand_url.setText("no-such-brand.example")
    qtbot.waitUntil(lambda: "no brand at this URL" in label.text(), timeout=5000)
    assert label.text().startswith("✗")
    window.form.brand_url.setText(window.sandbox.demo.brand_url if window.sandbox else "")
    qtbot.waitUntil(lambda: label.text() == good, timeout=5000)


def open_picker(qtbot: QtBot, window: MainWindow) -> tuple[QDialog, QAbstractItemView]:
    child(window, QToolButton, "chooseIntegrationButton").click()
    picker = dialog(window, "integrationPicker")
    qtbot.waitUntil(picker.isVisible, timeout=5000)
    rows = picker.findChild(QAbstractItemView, "integrationList")
    assert rows is not None
    qtbot.waitUntil(lambda: rows.model().rowCount() >= 2, timeout=10000)
    return picker, rows


def test_choose_an_integration_with_the_keyboard_fills_the_form(
    qtbot: QtBot, window: MainWindow
) -> None:
    form = window.form
    for edit in (form.integration_id, form.username, form.phone_from, form.password):
        edit.clear()
    picker, rows = open_picker(qtbot, window)
    texts = [
        " ".join(rows.model().index(r, c).data() or "" for c in range(rows.model().columnCount()))
        for r in range(rows.model().rowCount())
    ]
    assert any("demo-twilio" in t and "default" in t for t in texts)
    assert any("Inactive" in t for t in texts)
    assert not any(DEMO_AUTH_TOKEN in t for t in texts)  # the password is never shown
    filter_edit = child(picker, QLineEdit, "integrationFilterEdit")
    assert filter_edit.hasFocus()
    qtbot.keyClicks(filter_edit, "demo-twilio")
    qtbot.waitUntil(lambda: rows.model().rowCount() == 1, timeout=2000)
    qtbot.keyClick(filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=2000)
    demo = window.sandbox.demo if window.sandbox else None
    assert demo is not None
    assert form.integration_id.text() == "demo-twilio"
    assert form.username.text() == demo.username
    assert form.phone_from.text() == demo.phone_from
    assert form.password.text() == demo.password  # the server gave the Auth Token
    assert form.complete()
    assert DEMO_AUTH_TOKEN not in window.log.toPlainText()


def test_the_picker_without_a_key_says_so(qtbot: QtBot, window: MainWindow) -> None:
    window.form.auth_key.clear()
    child(window, QToolButton, "chooseIntegrationButton").click()
    picker = dialog(window, "integrationPicker")
    status = child(picker, QLabel, "integrationPickerStatus")
    qtbot.waitUntil(lambda: "Auth-Key" in status.text(), timeout=5000)
    assert "Sign in" in status.text()
    assert not child(picker, QPushButton, "integrationPickOkButton").isEnabled()
    picker.reject()


def test_a_profile_with_an_expired_key_says_so_when_it_opens(
    qtbot: QtBot, window: MainWindow, memory_keyring: object
) -> None:
    from smstester.core.connection import save_profile
    from smstester.core.profiles import Profile

    store, keys = window.profiles.store, window.profiles.keys
    assert store is not None and keys is not None
    base = Profile.from_test("Old key", window.form.test())
    profile = base.with_changes(auth_key_expires="2020-01-01T00:00:00Z")
    save_profile(store, keys, profile, {"auth_key": "old-key-0123456789", "password": "x" * 32})
    window.profiles._fill_combo()
    index = window.profiles.combo.findText("Old key")
    window.profiles.combo.setCurrentIndex(index)
    window.profiles.combo.activated.emit(index)
    qtbot.waitUntil(lambda: window.form.auth_key.text() == "old-key-0123456789", timeout=5000)
    qtbot.waitUntil(lambda: "expired" in key_label(window).text(), timeout=5000)
    assert "sign in again" in key_label(window).text()


def test_saving_after_a_sign_in_keeps_the_key_and_its_expiry(
    qtbot: QtBot, window: MainWindow, dialogs: object
) -> None:
    dialogs.text = "Signed"  # type: ignore[attr-defined]
    window.profiles.save_as()
    qtbot.waitUntil(lambda: window.profiles.current is not None, timeout=5000)
    box = sign_in(qtbot, window)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=10000)
    key = window.form.auth_key.text()
    window.profiles.save()
    qtbot.waitUntil(lambda: not window.profiles.modified(), timeout=5000)
    stored = window.profiles.store.get("Signed") if window.profiles.store else None
    assert stored is not None and stored.auth_key_expires.endswith("Z")
    keys = window.profiles.keys
    assert keys is not None and keys.get(stored.id, "auth_key") == key


def test_no_secret_of_a_sign_in_or_a_pick_reaches_any_output(
    qtbot: QtBot, window: MainWindow, config_folder: Path
) -> None:
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)
    box = sign_in(qtbot, window)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=10000)
    new_key = window.form.auth_key.text()
    picker, _rows = open_picker(qtbot, window)
    child(picker, QPushButton, "integrationPickOkButton").click()
    before = window.log.entry_count
    window.send()
    qtbot.waitUntil(lambda: window.log.entry_count > before and not window.in_flight, timeout=10000)
    secrets = [DEMO_LOGIN_PASSWORD, new_key, DEMO_AUTH_TOKEN]
    outputs = [window.log.toPlainText(), window.log.toHtml(), *shown, key_label(window).text()]
    outputs += [label.text() for label in window.findChildren(QLabel)]
    assert not [text for text in outputs if exposes(text, secrets)]
    for path in config_folder.rglob("*"):
        if path.is_file():
            data = path.read_text("utf-8", "replace")
            assert not exposes(data, secrets), path


def test_the_picker_sizes_its_columns_from_the_first_rows_once(qtbot: QtBot) -> None:
    """The columns fit the headings and the first rows' texts (a long name further down
    does not widen them, nor one wider than the cap), and the picker selects the row the
    worker chose: showing a list asks the model nothing for rows off the screen."""
    from smstester.core.jframework import parse_sms_settings
    from smstester.ui.account import IntegrationPicker, Listed

    settings = [
        {"id": f"s{n}", "appIntegrationId": f"tw-{n}", "name": f"Shop {n}", "status": "Active"}
        for n in range(500)
    ]
    settings[3]["name"] = "A longer shop name, in the first rows"
    settings[400]["name"] = "W" * 200  # far down the list
    settings[7]["isDefault"] = True
    rows = parse_sms_settings(settings)
    picker = IntegrationPicker()
    qtbot.addWidget(picker)
    picker.loading("the sandbox")
    picker.show_rows(Listed.of(rows, ""))
    metrics = picker.list.fontMetrics()
    name_width = picker.list.columnWidth(0)
    assert name_width >= metrics.horizontalAdvance(settings[3]["name"])
    assert name_width <= IntegrationPicker.WIDEST_COLUMN
    assert picker.list.columnWidth(1) >= metrics.horizontalAdvance("tw-499".replace("499", "49"))
    selected = picker.selected()
    assert selected is not None and selected.integration_id == "tw-7"  # the default
    assert Listed.of(rows, "tw-42").chosen == 42  # the form's integration wins
    assert Listed.of(rows, "tw-none").chosen == 0

"""The history in the window (CONTRACT §4a, §8), through its objectNames, against the real
embedded sandbox and a real SQLite file: send and the row appears; filter; resend fills the
form (secrets from the profile's keyring, never from the history); copy for ticket; and three
sends survive closing and reopening the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from smstester.core.redaction import exposes
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui import build_window
from smstester.ui.window import MainWindow
from tests.ui.conftest import Dialogs


def history_view(window: MainWindow) -> QAbstractItemView:
    view = window.findChild(QAbstractItemView, "historyView")
    assert view is not None
    return view


def rows(window: MainWindow) -> list[str]:
    model = history_view(window).model()
    return [
        " | ".join(str(model.index(r, c).data() or "") for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def send(qtbot: QtBot, window: MainWindow, to: str | None = None) -> None:
    if to is not None:
        window.form.phone_to.setText(to)
    before = len(rows(window))
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and len(rows(window)) > before, timeout=10000)


def test_a_send_appears_newest_first_and_the_filter_finds_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.waitUntil(
        lambda: "No sends" in window.history.status.text() or rows(window) == [], timeout=5000
    )
    send(qtbot, window)
    send(qtbot, window, to="+15005550004")  # Twilio 21610
    shown = rows(window)
    assert len(shown) == 2
    assert "+15005550004" in shown[0] and "21610" in shown[0]  # newest first
    filter_edit = window.findChild(QLineEdit, "historyFilterEdit")
    assert filter_edit is not None
    filter_edit.setText("21610")
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    assert "+15005550004" in rows(window)[0]
    filter_edit.setText("")
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)


def test_copy_for_ticket_has_the_correlation_id_and_no_secret(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, to="+15005550001")  # Twilio 21211: a failure with a correlation id
    button = window.findChild(QPushButton, "copyTicketButton")
    assert button is not None and button.isEnabled()
    button.click()
    note = QApplication.clipboard().text()
    assert "21211" in note and "+15005550001" in note
    assert "correlation" in note.lower()
    kept = window.history.model.rows[0]
    assert kept.correlation_ids and all(cid in note for cid in kept.correlation_ids)
    assert not exposes(note, [DEMO_AUTH_KEY, DEMO_AUTH_TOKEN])


def test_resend_loads_the_entry_with_the_profiles_secrets(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs
) -> None:
    dialogs.text = "Resend me"
    window.profiles.save_as()
    qtbot.waitUntil(lambda: window.profiles.current is not None, timeout=5000)
    send(qtbot, window, to="+15005550009")
    # Another connection in the form now: the resend must bring the profile back.
    index = window.profiles.combo.findData(None)
    window.profiles.combo.setCurrentIndex(index)
    window.profiles.combo.activated.emit(index)
    qtbot.waitUntil(lambda: window.profiles.current is None, timeout=5000)
    window.form.phone_to.setText("+14155550000")
    window.form.auth_key.clear()
    window.form.password.clear()
    view = history_view(window)
    view.selectRow(0)
    resend = window.findChild(QPushButton, "resendButton")
    assert resend is not None and resend.isEnabled()
    resend.click()
    qtbot.waitUntil(lambda: window.form.phone_to.text() == "+15005550009", timeout=5000)
    qtbot.waitUntil(lambda: window.form.auth_key.text() == DEMO_AUTH_KEY, timeout=5000)
    assert window.profiles.current is not None and window.profiles.current.name == "Resend me"
    assert window.form.password.text() == DEMO_AUTH_TOKEN  # from the keyring
    assert window.form.complete()


def test_three_sends_survive_closing_and_reopening(
    qtbot: QtBot, window: MainWindow, config_folder: Path
) -> None:
    for to in ("+14155552671", "+15005550002", "+15005550003"):
        send(qtbot, window, to=to)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    again = build_window(["--sandbox"])
    assert isinstance(again, MainWindow)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    try:
        qtbot.waitUntil(lambda: len(rows(again)) == 3, timeout=10000)
        assert "+15005550003" in rows(again)[0]
        database = config_folder / "history.sqlite3"
        assert database.exists()
        for path in config_folder.iterdir():
            if path.name.startswith("history.sqlite3") and path.is_file():
                data = path.read_bytes().decode("utf-8", "replace")
                assert not exposes(data, [DEMO_AUTH_KEY, DEMO_AUTH_TOKEN]), path
    finally:
        again.close()


def test_keep_sends_menu_sets_the_retention_and_deletes_older_sends(
    qtbot: QtBot, window: MainWindow
) -> None:
    import dataclasses
    import datetime

    from smstester.core.history import retention_days

    send(qtbot, window)
    store = window.history.store
    newest = window.history.model.rows[0]
    old = dataclasses.replace(newest, id=None, time=newest.time - datetime.timedelta(days=40))
    assert store.record(old).id is not None
    window.keep_menu.aboutToShow.emit()
    actions = window._keep_actions
    qtbot.waitUntil(lambda: actions[90].isChecked(), timeout=5000)  # the default
    actions[30].trigger()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Sends are kept for 30 days"),
        timeout=5000,
    )
    assert "1 older send deleted" in window.statusBar().currentMessage()
    assert retention_days() == 30
    assert store.count() == 1

"""The History panel on its own (CONTRACT §4a): historyView, historyFilterEdit,
resendButton, copyTicketButton — every database call off the UI thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLineEdit,
    QPushButton,
    QToolButton,
)
from pytestqt.qtbot import QtBot
from support import GOOD

from smstester.core.client import SendResult
from smstester.core.envelope import parse_body
from smstester.core.history import HistoryEntry, HistoryStore, entry_from_send
from smstester.ui.history import PAGE, HistoryPanel

URL = "https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test"
SECRETS = ("ak-5e1f-SECRET-value", "tok-9c2d-SECRET-value")


def failed(to: str) -> SendResult:
    body = {
        "success": False,
        "statusCode": 400,
        "message": f"echo {SECRETS[1]}",
        "errors": [{"code": 21211, "message": f"bad To {to}", "correlationId": f"corr-{to}"}],
    }
    return SendResult(
        "POST",
        URL,
        33.0,
        http_status=400,
        body=parse_body(json.dumps(body).encode(), "application/json"),
    )


OK = SendResult(
    "POST",
    URL,
    12.0,
    http_status=200,
    body=parse_body(b'{"success": true, "statusCode": 200, "data": true}', "application/json"),
)
TEST = GOOD.with_changes(auth_key=SECRETS[0], password=SECRETS[1])


class Watched(HistoryStore):
    """A real store that notes on which thread each read ran."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.calls: list[tuple[str, bool]] = []

    def search(self, text: str = "", **kwargs: Any) -> list[HistoryEntry]:
        # get_ident: current_thread() would register a dummy thread for a Qt worker.
        on_ui = threading.get_ident() == threading.main_thread().ident
        self.calls.append((text, on_ui))
        return super().search(text, **kwargs)


@pytest.fixture
def store(tmp_path: Path) -> Watched:
    filled = Watched(tmp_path / "history.sqlite3")
    for n in range(PAGE + 50):
        to = f"+1415555{n:04d}"
        result = failed(to) if n % 10 == 0 else OK
        filled.record(entry_from_send(TEST.with_changes(phone_to=to), result, profile="Acme"))
    filled.calls.clear()
    return filled


@pytest.fixture
def panel(qtbot: QtBot, store: Watched) -> Iterator[HistoryPanel]:
    widget = HistoryPanel(store)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def shown(qtbot: QtBot, panel: HistoryPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=5000)


def column_of(panel: HistoryPanel, name: str) -> int:
    model = panel.model
    names = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    return names.index(name)


def cell(panel: HistoryPanel, row: int, name: str) -> str:
    return str(panel.model.index(row, column_of(panel, name)).data())


def widgets(panel: HistoryPanel) -> tuple[QAbstractItemView, QLineEdit, Any, Any]:
    view = panel.findChild(QAbstractItemView, "historyView")
    edit = panel.findChild(QLineEdit, "historyFilterEdit")
    resend = panel.findChild(QAbstractButton, "resendButton")
    copy = panel.findChild(QAbstractButton, "copyTicketButton")
    assert isinstance(resend, QPushButton | QToolButton)
    assert isinstance(copy, QPushButton | QToolButton)
    assert view is not None and edit is not None and resend is not None and copy is not None
    return view, edit, resend, copy


def test_nothing_is_read_before_the_first_paint(
    qtbot: QtBot, panel: HistoryPanel, store: Watched
) -> None:
    assert store.calls == []
    assert panel.model.rowCount() == 0
    shown(qtbot, panel)
    assert store.calls
    assert all(not on_ui for _, on_ui in store.calls)  # never on the UI thread


def test_a_page_at_a_time_newest_first(qtbot: QtBot, panel: HistoryPanel, store: Watched) -> None:
    shown(qtbot, panel)
    view, *_ = widgets(panel)
    assert view.model() is panel.model
    assert panel.model.rowCount() == PAGE
    assert cell(panel, 0, "To") == f"+1415555{PAGE + 49:04d}"  # the newest
    assert cell(panel, 0, "Profile") == "Acme"
    assert cell(panel, 0, "Result") == "200 ok"
    assert cell(panel, 0, "ms") == "12"
    assert cell(panel, 0, "Code") == ""
    assert cell(panel, 9, "Result") == "400 failed"  # every tenth send failed
    assert cell(panel, 9, "Code") == "21211"
    assert panel.model.canFetchMore(panel.model.index(-1, -1))
    panel.model.fetchMore(panel.model.index(-1, -1))
    qtbot.waitUntil(lambda: panel.model.rowCount() == PAGE + 50, timeout=5000)
    assert cell(panel, PAGE + 49, "To") == "+14155550000"
    assert not panel.model.canFetchMore(panel.model.index(-1, -1))
    assert all(not on_ui for _, on_ui in store.calls)


def test_filter_as_you_type_debounced(qtbot: QtBot, panel: HistoryPanel, store: Watched) -> None:
    shown(qtbot, panel)
    _, edit, *_ = widgets(panel)
    store.calls.clear()
    for n in range(1, 6):
        edit.setText("+1415555012"[: 6 + n])  # typed key by key
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10, timeout=5000)  # 0120…0129
    assert {cell(panel, r, "To")[:-1] for r in range(10)} == {"+1415555012"}
    # One query for the text as it stood when typing paused, not one per key.
    assert [text for text, _ in store.calls] == ["+1415555012"]
    assert all(not on_ui for _, on_ui in store.calls)
    edit.setText("21211")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 25, timeout=5000)
    edit.setText("nothing holds this")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: "No sends" in panel.status.text(), timeout=5000)


def test_a_new_entry_goes_on_top(qtbot: QtBot, panel: HistoryPanel, store: Watched) -> None:
    shown(qtbot, panel)
    entry = entry_from_send(TEST.with_changes(phone_to="+447700900123"), OK, profile="Globex")
    recorded = store.record(entry)
    panel.add_entry(_with_id(entry, recorded.id))
    assert cell(panel, 0, "To") == "+447700900123"
    assert cell(panel, 0, "Profile") == "Globex"
    _, edit, *_ = widgets(panel)
    edit.setText("Acme")
    qtbot.waitUntil(lambda: cell(panel, 0, "Profile") == "Acme", timeout=5000)
    other = entry_from_send(TEST.with_changes(phone_to="+447700900124"), OK, profile="Globex")
    panel.add_entry(_with_id(other, store.record(other).id))
    assert cell(panel, 0, "Profile") == "Acme"  # it does not match the filter


def _with_id(entry: HistoryEntry, new_id: int | None) -> HistoryEntry:
    import dataclasses

    return dataclasses.replace(entry, id=new_id)


def select(panel: HistoryPanel, row: int) -> None:
    view, *_ = widgets(panel)
    view.selectionModel().setCurrentIndex(
        panel.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_resend_emits_the_selected_entry(qtbot: QtBot, panel: HistoryPanel) -> None:
    shown(qtbot, panel)
    view, _, resend, _ = widgets(panel)
    assert not resend.isEnabled()  # nothing selected
    select(panel, 3)
    assert resend.isEnabled()
    with qtbot.waitSignal(panel.resend_requested, timeout=2000) as got:
        resend.click()
    chosen = got.args[0]
    assert isinstance(chosen, HistoryEntry)
    assert chosen.phone_to == cell(panel, 3, "To")
    # A double-click on a row does the same.
    rect = view.visualRect(panel.model.index(5, 0))
    # A view takes a double-click on the row its press was on, as a real one is.
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.resend_requested, timeout=2000) as again:
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert again.args[0].phone_to == cell(panel, 5, "To")


def test_copy_for_ticket(qtbot: QtBot, panel: HistoryPanel) -> None:
    shown(qtbot, panel)
    *_, copy = widgets(panel)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    copy.click()  # nothing selected: the newest entry
    newest = cell(panel, 0, "To")
    text = clipboard.text()
    assert f"To: {newest}" in text
    assert "succeeded" in text
    select(panel, 9)  # a failure
    copy.click()
    text = clipboard.text()
    failed_to = cell(panel, 9, "To")
    assert f"To: {failed_to}" in text
    assert f"corr-{failed_to}" in text  # its correlation id
    assert "Twilio says the To number is not valid" in text
    for secret in SECRETS:
        assert secret not in text
    assert "••••••" in text
    clipboard.clear()


def test_clear_asks_first(qtbot: QtBot, panel: HistoryPanel, store: Watched, dialogs: Any) -> None:
    shown(qtbot, panel)
    dialogs.answer = False
    panel.clear_history()
    assert dialogs.asked and dialogs.cancel_default[-1] is True
    assert panel.model.rowCount() == PAGE
    dialogs.answer = True
    panel.clear_history()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: store.count() == 0, timeout=5000)


def test_a_history_that_cannot_be_read_is_said(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not sqlite" * 500)
    panel = HistoryPanel(HistoryStore(path))
    qtbot.addWidget(panel)
    try:
        panel.show()
        qtbot.waitExposed(panel)
        qtbot.waitUntil(lambda: "damaged" in panel.status.text(), timeout=5000)
        assert panel.model.rowCount() == 0
    finally:
        panel.shutdown()


def test_a_send_recorded_on_a_worker_lands_on_top(
    qtbot: QtBot, panel: HistoryPanel, store: Watched
) -> None:
    """What the window does with each send: the entry built on the send's worker, kept on
    the panel's, shown here."""
    shown(qtbot, panel)
    before = store.count()
    test = TEST.with_changes(phone_to="+447700900555")
    kept = panel.entry_for(test, failed("+447700900555"), "Initech")
    assert kept.entry is not None and kept.entry.id is None
    assert store.count() == before  # no database work there
    with qtbot.waitSignal(panel.model.rowsInserted, timeout=5000):
        panel.keep(kept)
    assert store.count() == before + 1
    assert cell(panel, 0, "To") == "+447700900555"
    assert cell(panel, 0, "Profile") == "Initech"
    assert cell(panel, 0, "Code") == "21211"
    assert panel.model.rows[0].id is not None


def test_a_history_that_cannot_be_kept_is_a_notice(qtbot: QtBot, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("where the config folder should be")
    panel = HistoryPanel(HistoryStore(blocker / "history.sqlite3"))
    qtbot.addWidget(panel)
    try:
        kept = panel.entry_for(TEST, OK, None)
        with qtbot.waitSignal(panel.notice, timeout=5000) as said:
            panel.keep(kept)
        assert "cannot be kept" in said.args[0]
        assert "Sending still works" in panel.status.text()
        *_, copy = widgets(panel)
        assert copy.isEnabled()  # the last send, though not kept, can go in a ticket
    finally:
        panel.shutdown()


def test_the_default_store_is_made_off_the_ui_thread(
    qtbot: QtBot, config_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import smstester.core.history as core_history

    made_on_ui: list[bool] = []
    original = core_history.HistoryStore.__init__

    def init(self: HistoryStore, *args: Any, **kwargs: Any) -> None:
        made_on_ui.append(threading.get_ident() == threading.main_thread().ident)
        original(self, *args, **kwargs)

    monkeypatch.setattr(core_history.HistoryStore, "__init__", init)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    try:
        assert made_on_ui == []  # nothing made while the window is being built
        panel.show()
        qtbot.waitUntil(lambda: "No sends" in panel.status.text(), timeout=5000)
        assert made_on_ui == [False]
        assert panel.store.path == config_folder / "history.sqlite3"
    finally:
        panel.shutdown()


def test_the_time_column_is_short_for_today_and_says_the_day_before(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Today's sends show the time alone, older ones the day and month, an earlier year's
    the full date (the panel is narrow beside the log: 800 px cut it at Profile); the
    tooltip keeps the whole time."""
    import datetime as dt
    import re

    history = HistoryStore(tmp_path / "h.sqlite3")
    now = dt.datetime.now(dt.UTC)
    for when in (now - dt.timedelta(days=400), now - dt.timedelta(days=40), now):
        history.record(entry_from_send(TEST, OK, profile="Acme", when=when))
    widget = HistoryPanel(history)
    qtbot.addWidget(widget)
    shown(qtbot, widget)
    qtbot.waitUntil(lambda: widget.model.rowCount() == 3, timeout=5000)
    today, older, last_year = (cell(widget, row, "Time") for row in range(3))
    local = [w.astimezone() for w in (now, now - dt.timedelta(days=40))]
    assert today == local[0].strftime("%H:%M:%S")
    same_year = local[1].year == local[0].year
    assert older == local[1].strftime("%d %b %H:%M" if same_year else "%Y-%m-%d")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", last_year), last_year
    tip = widget.model.index(0, column_of(widget, "Time")).data(Qt.ItemDataRole.ToolTipRole)
    assert local[0].strftime("%Y-%m-%d") in tip or "UTC" in tip
    assert widget.view.columnWidth(
        column_of(widget, "Time")
    ) < widget.fontMetrics().horizontalAdvance("2025-12-31 23:59:59")
    widget.shutdown()

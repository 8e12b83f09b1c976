"""The History panel (CONTRACT §4a): past sends, newest first, found as you type.

- Nothing touches the database on the UI thread: every query, the clear and the first load
  run through the panel's own `TaskRunner` (one worker thread, so they stay in order).
- Nothing is read before the first paint: the first page is asked for once the panel has
  been shown, and `HistoryModel` fetches a page at a time (`canFetchMore` / `fetchMore`,
  keyset paging by id), so 100,000 entries cost what one page costs.
- The filter waits until typing pauses (`FILTER_DELAY_MS`); an answer to an older filter
  is dropped (`generation`).
- The panel never builds a request: *Resend* (or a double-click) emits `resend_requested`
  with the entry; the window fills its form (the secrets from the matching profile's
  keyring, never from the history, which holds none).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from smstester.ui import dialogs
from smstester.ui.tasks import TaskRunner, describe

if TYPE_CHECKING:
    from smstester.core.client import SendResult
    from smstester.core.history import HistoryEntry, HistoryStore, Kept
    from smstester.core.model import SmsTest

#: Rows asked for at a time.
PAGE: Final = 200
#: How long typing must pause before the filter runs.
FILTER_DELAY_MS: Final = 150

_Index = QModelIndex | QPersistentModelIndex


def _result(entry: HistoryEntry) -> str:
    if entry.http_status is None:
        return "no answer"
    return f"{entry.http_status} {'ok' if entry.success else 'failed'}"


def short_time(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """`when` in the agent's local time, as short as the panel beside the log needs:
    the time alone today, the day and month this year, the date before (the tooltip and
    the ticket note give the whole time)."""
    local = when.astimezone()
    today = (now or dt.datetime.now(dt.UTC)).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    if local.year == today.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%Y-%m-%d")


class HistoryModel(QAbstractTableModel):
    """The entries shown, a page at a time; the pages come from `load(text, before, done)`,
    which runs the query off the UI thread and calls `done(generation, rows)` on it."""

    COLUMNS: Final = ("Time", "Profile", "To", "Result", "Code", "ms")

    def __init__(self, panel: HistoryPanel) -> None:
        super().__init__(panel)
        self._panel = panel
        self.rows: list[HistoryEntry] = []
        self.text = ""
        self.generation = 0
        self._more = False
        self._loading = False

    # --- Qt's model interface ---------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's default)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        entry = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return short_time(entry.time)
            if column == 1:
                return entry.profile or ""
            if column == 2:
                return entry.phone_to
            if column == 3:
                return _result(entry)
            if column == 4:
                return entry.diagnosis_code or ""
            return f"{entry.elapsed_ms:.0f}"
        if role == Qt.ItemDataRole.ToolTipRole:
            message = " ".join(entry.message.split())
            shown = message if len(message) <= 200 else message[:199] + "…"
            return f"{entry.time_text} · From {entry.phone_from} · “{shown}”"
        if role == Qt.ItemDataRole.UserRole:
            return entry
        return None

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._ask()

    # --- loading ----------------------------------------------------------------------

    def reload(self, text: str) -> None:
        """Show the entries that hold `text`, from the newest (a new generation)."""
        self.generation += 1
        self.beginResetModel()
        self.text = text
        self.rows = []
        self._more = False
        self.endResetModel()
        self._ask()

    def _ask(self) -> None:
        self._loading = True
        before = self.rows[-1].id if self.rows else None
        self._panel.load_page(self.generation, self.text, before)

    def add_page(self, generation: int, page: list[HistoryEntry]) -> None:
        """A page came (PAGE + 1 rows asked: one more says there is more)."""
        if generation != self.generation:
            return  # the answer to a filter that has changed since
        self._loading = False
        self._more = len(page) > PAGE
        page = page[:PAGE]
        known = {entry.id for entry in self.rows[:PAGE]}
        page = [entry for entry in page if entry.id not in known]  # added on top meanwhile
        if page:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()

    def load_failed(self, generation: int) -> None:
        if generation == self.generation:
            self._loading = False

    def add_on_top(self, entry: HistoryEntry) -> bool:
        """Put a just-made entry first when it matches the filter; True when shown."""
        if self.text and self.text.casefold() not in entry.search_text():
            return False
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.rows.insert(0, entry)
        self.endInsertRows()
        return True

    def clear(self) -> None:
        self.generation += 1
        self.beginResetModel()
        self.rows = []
        self._more = False
        self._loading = False
        self.endResetModel()


class HistoryPanel(QWidget):
    """The History panel: `historyView`, `historyFilterEdit`, `resendButton`,
    `copyTicketButton` (and `clearHistoryButton`)."""

    #: The entry to load into the form, ready to send again.
    resend_requested = Signal(object)
    #: Words for the user about the history (it cannot be kept, a file was set aside).
    notice = Signal(str)

    def __init__(self, store: HistoryStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Made on the first worker that needs it when not given: importing the store
        #: (sqlite3) costs some 20 ms that the window's first paint need not pay.
        self._store = store
        self._store_lock = threading.Lock()
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)  # queries, the clear and the first load stay in order
        self.tasks = TaskRunner(self, pool)
        self._started = False
        self._shut_down = False
        #: The last entry added (Copy for ticket's choice when nothing is listed).
        self._last: HistoryEntry | None = None
        self.model = HistoryModel(self)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("historyFilterEdit")
        self.filter_edit.setPlaceholderText("Filter: number, profile, integration id, code, text")
        self.filter_edit.setClearButtonEnabled(True)
        self.view = QTableView(self)
        self.view.setObjectName("historyView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list (arrows move in it)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        metrics = self.fontMetrics()
        samples = (
            "30 Sep 23:59",
            "Customer",
            "+441234567890",
            "400 failed",
            "21211",
            "9999",
        )
        for column, sample in enumerate(samples):  # wide enough for what they hold
            self.view.horizontalHeader().resizeSection(
                column, metrics.horizontalAdvance(sample) + 16
            )
        self.resend_button = QPushButton("Resend", self)
        self.resend_button.setObjectName("resendButton")
        self.resend_button.setToolTip("Load the selected send into the form, ready to send again")
        self.copy_ticket_button = QPushButton("Copy for ticket", self)
        self.copy_ticket_button.setObjectName("copyTicketButton")
        self.copy_ticket_button.setToolTip(
            "Copy the selected send (or the last one) as a note for a support ticket"
        )
        self.clear_button = QPushButton("Clear…", self)
        self.clear_button.setObjectName("clearHistoryButton")
        self.clear_button.setToolTip("Delete every send kept (asks first)")
        self.status = QLabel(self)
        self.status.setObjectName("historyStatusLabel")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        for button in (self.resend_button, self.copy_ticket_button, self.clear_button):
            # The panel sits beside the log: it must never make the window wider than the
            # log alone does (a very narrow panel cuts the buttons' words instead).
            button.setMinimumWidth(36)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.copy_ticket_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(FILTER_DELAY_MS)
        self.filter_timer.timeout.connect(self._apply_filter)
        #: Asks for the first page once the panel has been painted.
        self.first_load_timer = QTimer(self)
        self.first_load_timer.setSingleShot(True)
        self.first_load_timer.setInterval(0)
        self.first_load_timer.timeout.connect(self.load)

        self.filter_edit.textChanged.connect(self._on_filter_typed)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.model.rowsInserted.connect(self._update_buttons)
        self.resend_button.clicked.connect(self.resend)
        self.copy_ticket_button.clicked.connect(self.copy_ticket)
        self.clear_button.clicked.connect(self.clear_history)
        self._update_buttons()

    @property
    def store(self) -> HistoryStore:
        """The history (made at the first use, on whichever thread asks: a worker)."""
        with self._store_lock:
            if self._store is None:
                from smstester.core.history import HistoryStore

                self._store = HistoryStore()
            return self._store

    # --- recording (for the window) ---------------------------------------------------

    @staticmethod
    def entry_for(test: SmsTest, result: SendResult, profile: str | None) -> Kept:
        """The history entry of a send, masked (no database work). Runs on the send's
        worker, where the answer is; never raises. `keep` records it then."""
        from smstester.core.history import keep_send

        return keep_send(None, test, result, profile=profile)

    def keep(self, kept: Kept) -> None:
        """Record a send's entry (`entry_for`) on the panel's worker, then show it first
        in the list; what the history says about it goes to `notice`."""
        entry = kept.entry
        if entry is None or self._shut_down:
            self.show_kept(kept)
            return

        def work() -> Kept:
            from smstester.core.history import Kept

            recorded = self.store.record(entry)  # never raises
            return Kept(dataclasses.replace(entry, id=recorded.id), recorded)

        self.tasks.start(work, result=self.show_kept)

    def show_kept(self, kept: Kept) -> None:
        """A send recorded: first in the list (when it matches the filter); a notice (a
        history that cannot be kept, a file set aside) in the status line and `notice`."""
        if kept.entry is not None and kept.entry.id is not None:
            self.add_entry(kept.entry)
        elif kept.entry is not None:
            self._last = kept.entry  # not kept, but still the last one for a ticket
            self._update_buttons()
        if kept.notice:
            self.status.setText(kept.notice)
            self.notice.emit(kept.notice)

    # --- loading ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started and not self._shut_down:
            self.first_load_timer.start()

    def load(self) -> None:
        """Show the newest entries (the first load; later ones follow the filter)."""
        if self._shut_down:
            return
        self._started = True
        self.status.setText("Loading the history…")
        self.model.reload(self.filter_edit.text().strip())

    def load_page(self, generation: int, text: str, before: int | None) -> None:
        """Ask the store for one page (on the worker); the model gets it on this thread."""

        def work() -> tuple[list[HistoryEntry], list[str]]:
            store = self.store  # made here, on the worker, the first time
            page = store.search(text, limit=PAGE + 1, before=before)
            return page, store.take_warnings()

        def done(answer: tuple[list[HistoryEntry], list[str]]) -> None:
            page, warnings = answer
            self.model.add_page(generation, page)
            if generation == self.model.generation:
                self._say(warnings)

        def failed(error: BaseException) -> None:
            self.model.load_failed(generation)
            self.status.setText(f"The history cannot be read: {describe(error)}")

        self.tasks.start(work, result=done, failed=failed)

    def _say(self, warnings: list[str]) -> None:
        if warnings:
            self.status.setText(" ".join(warnings))
        elif not self.model.rows:
            held = f" holding “{self.model.text}”" if self.model.text else ""
            self.status.setText(f"No sends kept{held}.")
        else:
            self.status.setText("")

    def _on_filter_typed(self, _text: str) -> None:
        if self._started:
            self.filter_timer.start()  # restarts while typing goes on

    def _apply_filter(self) -> None:
        if not self._shut_down:
            self.model.reload(self.filter_edit.text().strip())

    def add_entry(self, entry: HistoryEntry) -> None:
        """A send just made (and recorded): first in the list when it matches the filter."""
        if entry.id is not None and any(e.id == entry.id for e in self.model.rows[:1]):
            return
        if self.model.add_on_top(entry):
            self.status.setText("")
        self._last = entry
        self._update_buttons()

    @property
    def focus_chain(self) -> list[QWidget]:
        """The panel's stops for Tab, in screen order (the window chains them after the
        log). No Alt+letter: the form and the menus use every free one."""
        return [
            self.filter_edit,
            self.view,
            self.resend_button,
            self.copy_ticket_button,
            self.clear_button,
        ]

    # --- the entry chosen -------------------------------------------------------------

    def selected(self) -> HistoryEntry | None:
        """The selected entry, or None."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        entry = rows[0].data(Qt.ItemDataRole.UserRole)
        return entry if entry is not None else None

    def _update_buttons(self, *_args: object) -> None:
        self.resend_button.setEnabled(self.selected() is not None)
        self.copy_ticket_button.setEnabled(bool(self.model.rows) or self._last is not None)

    def _on_double_click(self, index: QModelIndex) -> None:
        entry = index.data(Qt.ItemDataRole.UserRole)
        if entry is not None:
            self.resend_requested.emit(entry)

    def resend(self) -> None:
        """Ask the window to load the selected entry into the form."""
        entry = self.selected()
        if entry is not None:
            self.resend_requested.emit(entry)

    def copy_ticket(self) -> None:
        """The ticket note of the selected entry (else the newest) onto the clipboard."""
        from smstester.core.ticket import ticket_note

        entry = self.selected() or (self.model.rows[0] if self.model.rows else self._last)
        if entry is None:
            return
        QGuiApplication.clipboard().setText(ticket_note(entry))
        when = entry.time.astimezone().strftime("%H:%M:%S")
        self.status.setText(f"Copied the ticket note of the send of {when} to {entry.phone_to}.")

    def clear_history(self) -> None:
        """Delete every entry, once the user has said yes (No is the default)."""
        if not dialogs.ask(
            self,
            "Clear the send history?",
            "Delete every send kept in the history? Numbers and messages are deleted for "
            "good; this cannot be undone.",
            yes="Delete all",
            cancel_default=True,
        ):
            return
        self.model.clear()
        self._last = None

        def done(gone: int) -> None:
            self.status.setText(f"Deleted {gone:,} {'send' if gone == 1 else 'sends'}.")
            self._update_buttons()

        def failed(error: BaseException) -> None:
            self.status.setText(describe(error))
            self.model.reload(self.filter_edit.text().strip())

        self.tasks.start(lambda: self.store.clear(), result=done, failed=failed)

    # --- closing ----------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the timers and wait for the worker (at the window's close)."""
        self._shut_down = True
        self.filter_timer.stop()
        self.first_load_timer.stop()
        self.tasks.close()
        if self._store is not None:
            self._store.close()


__all__ = ["PAGE", "HistoryModel", "HistoryPanel"]

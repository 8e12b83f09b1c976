"""Signing in and picking the integration (CONTRACT §4a): the sign-in dialog, the
integration picker, and what the form says of the Brand-URL and of the Auth-Key.

Every call is `core.jframework`'s, run on the window's task runner: the UI thread never
waits on the network. The Brand-URL is checked a moment after typing stops; the Auth-Key
when a profile opens and after a sign-in, never on each keystroke. The sign-in password
lives in the dialog's field and in the one call that needs it: never stored, never shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from smstester.ui.form import set_state
from smstester.ui.tasks import TaskRunner, describe

if TYPE_CHECKING:
    from smstester.core.client import CancelToken, SmsClient
    from smstester.core.jframework import Answer, Brand, Jframework, SignIn, Site, SmsIntegration
    from smstester.ui.form import ConnectionForm


_NO_INDEX = QModelIndex()


def _words_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SignInDialog(QDialog):
    """User name (or e-mail) and password; `submitted(login, password)` on OK. The
    controller runs the call and either `fail(words)` or closes the dialog."""

    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to jframework")
        self.setModal(True)
        self.where = _words_label(self, "signInWhereLabel")
        self.username = QLineEdit(self)
        self.username.setObjectName("signInUsernameEdit")
        self.username.setPlaceholderText("user name or e-mail address")
        self.password = QLineEdit(self)
        self.password.setObjectName("signInPasswordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = _words_label(self, "signInErrorLabel")
        self.error.setProperty("state", "error")
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton("Sign in", self)
        self.ok_button.setObjectName("signInOkButton")
        self.ok_button.setDefault(True)
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        name_label = QLabel("&User", self)
        name_label.setBuddy(self.username)
        word_label = QLabel("&Password", self)
        word_label.setBuddy(self.password)
        form.addRow(name_label, self.username)
        form.addRow(word_label, self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.username.textChanged.connect(self._refresh)
        self.password.textChanged.connect(self._refresh)
        self.finished.connect(self._forget)
        self.setMinimumWidth(420)
        self._busy = False
        self._refresh()

    def show_for(self, where: str, login: str) -> None:
        self.where.setText(where)
        if login and not self.username.text():
            self.username.setText(login)
        self.error.hide()
        self.set_busy(False)
        self.open()
        (self.password if self.username.text() else self.username).setFocus()

    def _refresh(self) -> None:
        ready = bool(self.username.text().strip() and self.password.text()) and not self._busy
        self.ok_button.setEnabled(ready)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setText("Signing in…" if busy else "Sign in")
        self.username.setReadOnly(busy)
        self.password.setReadOnly(busy)
        self._refresh()

    def _submit(self) -> None:
        if self.ok_button.isEnabled():
            self.error.hide()
            self.set_busy(True)
            self.submitted.emit(self.username.text().strip(), self.password.text())

    def fail(self, words: str) -> None:
        self.set_busy(False)
        self.error.setText(f"✗ {words}")
        self.error.show()
        self.password.setFocus()
        self.password.selectAll()

    def _forget(self, _result: int) -> None:
        """The password is gone with the dialog."""
        self.password.clear()
        self.set_busy(False)


@dataclasses.dataclass(frozen=True, slots=True)
class Listed:
    """The brand's SMS integrations for the picker, with what the worker made of them."""

    rows: list[SmsIntegration]
    haystacks: list[str]
    inactive: int
    #: The row to select first: the form's integration, else the default one, else 0.
    chosen: int = 0

    @classmethod
    def of(cls, rows: list[SmsIntegration], current_id: str) -> Listed:
        """What the worker makes of the rows, so the UI thread only shows them."""
        chosen = next(
            (
                number
                for number, row in enumerate(rows)
                if row.integration_id == current_id or (not current_id and row.is_default)
            ),
            0,
        )
        haystacks = [row.search_text() for row in rows]
        return cls(rows, haystacks, sum(not row.active for row in rows), chosen)


#: The picker's columns: heading, and what of a row it shows.
_COLUMNS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("Name", lambda r: r.name or "(no name)"),
    ("Integration id", lambda r: r.integration_id),
    ("Status", lambda r: r.status or "?"),
    ("Default", lambda r: "default" if r.is_default else ""),
    ("From", lambda r: r.phone_number),
    ("Account SID", lambda r: r.username),
)


class _Rows(QAbstractTableModel):
    """The picker's rows, read only when painted (a list of 28,000 settings makes no
    widget or item per cell), filtered by every word typed over a text made once a row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.all: list[SmsIntegration] = []
        self._haystacks: list[str] = []
        self.shown: list[SmsIntegration] = []
        self.dim: Any = None
        self._kept: list[int] | None = None  # the indexes shown (None: all)
        self._last_words: list[str] | None = None

    def set_rows(self, rows: list[SmsIntegration], haystacks: list[str] | None = None) -> None:
        """`haystacks`: each row's `search_text()`, made on a worker for a long list."""
        self.beginResetModel()
        self.all = rows
        self._haystacks = haystacks if haystacks is not None else [r.search_text() for r in rows]
        self.shown = rows
        self._kept, self._last_words = None, None
        self.endResetModel()

    def filter(self, words: str) -> None:
        """Keep the rows holding every word; a text that only adds to the last one looks
        only among the rows it kept (each key typed narrows a shorter list)."""
        wanted = words.casefold().split()
        narrowing = self._last_words is not None and all(
            any(word.startswith(last) or last in word for word in wanted)
            for last in self._last_words
        )
        pool = self._kept if narrowing and self._kept is not None else list(range(len(self.all)))
        hay = self._haystacks
        if len(wanted) == 1:
            (word,) = wanted
            kept = [i for i in pool if word in hay[i]]
        elif wanted:
            kept = [i for i in pool if all(word in hay[i] for word in wanted)]
        else:
            kept = None
        self.beginResetModel()
        self._kept, self._last_words = kept, wanted or None
        self.shown = self.all if kept is None else [self.all[i] for i in kept]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.shown):
            return None
        row = self.shown[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[index.column()][1](row)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if not row.active:
            if role == Qt.ItemDataRole.ForegroundRole:
                return self.dim
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Not active: a send through it is refused"
        return None


class IntegrationPicker(QDialog):
    """The brand's SMS integrations, filtered as you type; `picked(row)` on OK."""

    picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("integrationPicker")
        self.setWindowTitle("Choose the SMS integration")
        self.setModal(True)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("integrationFilterEdit")
        self.filter.setPlaceholderText("Filter: name, id, From number, Account SID…")
        self.filter.setClearButtonEnabled(True)
        self.rows = _Rows(self)
        # A table view: it lays out only the rows on screen (a tree view walks all of them
        # at each change of the current row: 0.25 s for 25,000).
        self.list = QTableView(self)
        self.list.setObjectName("integrationList")
        self.list.setModel(self.rows)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.setTabKeyNavigation(False)
        self.list.verticalHeader().hide()
        self.list.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.list.horizontalHeader()
        # Sized once a list arrives, from its first rows (`_size_columns`), then as the user
        # drags: sizing to contents asks the model 8 roles a cell for 50 rows at every
        # reset and layout, 0.1 s of the UI thread a list.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.status = _words_label(self, "integrationPickerStatus")
        buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton("Use this one", self)
        self.ok_button.setObjectName("integrationPickOkButton")
        self.ok_button.setDefault(True)
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._filtered)
        self.list.doubleClicked.connect(lambda _index: self._accept())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._refresh())
        # Up and Down in the filter box move through the list: the keyboard alone works.
        self.filter.installEventFilter(self)
        self.resize(720, 360)
        self._refresh()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        keys = (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp)
        if watched is self.filter and event.type() == QEvent.Type.KeyPress and event.key() in keys:
            self._step(event.key())
            return True
        return super().eventFilter(watched, event)

    def _step(self, key: int) -> None:
        count = self.rows.rowCount()
        if not count:
            return
        current = self.list.currentIndex().row()
        down = key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
        step = 1 if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) else 10
        row = 0 if current < 0 else current + (step if down else -step)
        self._select(max(0, min(count - 1, row)))

    def _select(self, row: int) -> None:
        index = self.rows.index(row, 0)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    def loading(self, where: str) -> None:
        self.rows.set_rows([])
        self.status.setText(f"Asking {where} for the brand's SMS integrations…")
        set_state(self.status, "")
        self._refresh()
        self.open()
        self.filter.setFocus()

    def show_rows(self, listed: Listed) -> None:
        from PySide6.QtGui import QPalette

        rows = listed.rows
        self.rows.dim = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        self.rows.set_rows(rows, listed.haystacks)
        self._size_columns()
        typed = self.filter.text()
        self.rows.filter(typed)
        chosen = listed.chosen if not typed.strip() else 0
        inactive = listed.inactive
        words = f"{len(rows):,} SMS integration{'s' if len(rows) != 1 else ''}"
        if inactive:
            words += f" ({inactive:,} not active, in grey)"
        self.status.setText(words if rows else "The brand has no SMS integrations.")
        set_state(self.status, "" if rows else "warn")
        if self.rows.shown:
            self._select(chosen)
        self._refresh()

    #: How many rows the columns are sized by, and the widest a column opens.
    SIZED_BY_ROWS = 50
    WIDEST_COLUMN = 280

    def _size_columns(self) -> None:
        """Each column as wide as its heading or its widest text among the first rows."""
        metrics = self.list.fontMetrics()
        heading = self.list.horizontalHeader().fontMetrics()
        sample = self.rows.all[: self.SIZED_BY_ROWS]
        padding = metrics.averageCharWidth() + 10
        for column, (title, text) in enumerate(_COLUMNS[:-1]):  # the last one stretches
            widest = max((metrics.horizontalAdvance(text(row)) for row in sample), default=0)
            width = max(widest, heading.horizontalAdvance(title)) + padding
            self.list.setColumnWidth(column, min(width, self.WIDEST_COLUMN))

    def fail(self, words: str) -> None:
        self.status.setText(f"✗ {words}")
        set_state(self.status, "error")
        self._refresh()

    def _filtered(self, words: str) -> None:
        self.rows.filter(words)
        if self.rows.rowCount():
            self._select(0)
        self._refresh()

    def selected(self) -> SmsIntegration | None:
        index = self.list.currentIndex()
        if not index.isValid():
            return None
        row: SmsIntegration | None = index.data(Qt.ItemDataRole.UserRole)
        return row

    def _refresh(self) -> None:
        self.ok_button.setEnabled(self.selected() is not None)

    def _accept(self) -> None:
        row = self.selected()
        if row is not None:
            self.accept()
            self.picked.emit(row)


class AccountController(QObject):
    """Wires the sign-in, the picker and the two status labels to the form."""

    #: A sign-in's Auth-Key is in the form: (the key, its expiry as ISO-8601 or "").
    signed_in = Signal(str, str)
    #: Words for the log pane, and their tone.
    note = Signal(str, str)

    #: How long after the last keystroke the Brand-URL is looked up.
    BRAND_DELAY_MS = 700

    def __init__(
        self,
        form: ConnectionForm,
        client: Callable[[], SmsClient],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.form = form
        # The calls run on a pool of their own: a send never waits behind a look-up of a
        # Brand-URL on a slow server.
        pool = QThreadPool(self)
        pool.setMaxThreadCount(2)
        self.tasks = TaskRunner(self, pool)
        self._client = client
        self._parent = parent
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        #: The Auth-Key the status label is about, and its expiry when known.
        self.key_for = ""
        self.key_expires: dt.datetime | None = None
        #: The user name last signed in with (not a secret).
        self.login_hint = ""
        self._dialog: SignInDialog | None = None
        self._picker: IntegrationPicker | None = None
        self._brand_for: tuple[str, str] | None = None
        self._brand_timer = QTimer(self)
        self._brand_timer.setSingleShot(True)
        self._brand_timer.setInterval(self.BRAND_DELAY_MS)
        self._brand_timer.timeout.connect(self.check_brand)
        #: Turns "valid until" into "expired" when the time comes, with no call.
        self._expiry_timer = QTimer(self)
        self._expiry_timer.setSingleShot(True)
        self._expiry_timer.timeout.connect(self._show_known_expiry)
        self._shut = False
        self._brand_pending = False
        #: The calls in flight, each cancelled at shutdown (a slow server never holds the
        #: window's closing up, nor a worker after it).
        self._calls: set[CancelToken] = set()
        form.sign_in_button.clicked.connect(self.sign_in)
        form.choose_button.clicked.connect(self.choose)
        form.brand_url.textChanged.connect(self._brand_edited)
        form.base_url.editTextChanged.connect(self._brand_edited)
        form.auth_key.textChanged.connect(self._key_edited)
        form.brand_status.hide()
        form.auth_key_status.hide()

    def catch_up(self) -> None:
        """Take in what the form got before this controller was made (the window makes it
        after its first paint): a Brand-URL is looked up as after an edit, and nothing is
        known of an Auth-Key until a profile says it (`know_key`) or it is checked."""
        if self.form.brand_url.text():
            self._brand_edited("")
        self._key_edited(self.form.auth_key.text())

    @property
    def checking(self) -> bool:
        """A look-up of the Brand-URL is due or on its way (a screenshot waits for it)."""
        return self._brand_timer.isActive() or self._brand_pending

    # --- where calls go ---------------------------------------------------------------------

    def site(self) -> Site:
        from smstester.core.jframework import Site

        test = self.form.test()
        return Site(test.base_url, test.brand_url, test.auth_key)

    def _problems(self, *, need_key: bool) -> str | None:
        from smstester.core.jframework import site_problems

        found = site_problems(self.site(), need_key=need_key)
        return "; ".join(str(p) for p in found) if found else None

    def _run(
        self,
        work: Callable[[Any], Answer[Any]],
        done: Callable[[Answer[Any]], None],
        failed: Callable[[str], None],
    ) -> None:
        """`work(calls)` on the worker with this window's client; `done` or `failed` here."""
        from smstester.core.client import CancelToken
        from smstester.core.jframework import Jframework

        secrets = self.form.test().secrets()
        cancel = CancelToken()
        self._calls.add(cancel)
        if self._shut:
            cancel.cancel()

        def run() -> Answer[Any]:
            answer = work(Jframework(self._client(), cancel))
            if answer.result is None or answer.result.body is None:
                return answer
            # The UI thread needs the outcome, not the body: a large one is freed here, on
            # the worker (freeing 100,000 error items there would stall the window).
            lean = dataclasses.replace(answer.result, body=None, headers=())
            answer = dataclasses.replace(answer, result=lean)
            return answer

        def finished() -> bool:
            self._calls.discard(cancel)
            return not self._shut

        self.tasks.start(
            run,
            result=lambda answer: done(answer) if finished() else None,
            failed=lambda error: failed(describe(error, secrets)) if finished() else None,
        )

    # --- sign in ---------------------------------------------------------------------------

    def sign_in(self) -> None:
        """Open the sign-in dialog (the form's base URL and Brand-URL say where)."""
        problem = self._problems(need_key=False)
        if self._dialog is None:
            self._dialog = SignInDialog(self._parent)
            self._dialog.submitted.connect(self._submit)
        site = self.site()
        where = f"Brand: {site.brand_url.strip() or '(none)'}\nServer: {site.base_url.strip()}"
        self._dialog.show_for(where, self.login_hint)
        if problem:
            self._dialog.fail(f"Fix the form first: {problem}")

    def _submit(self, login: str, password: str) -> None:
        dialog = self._dialog
        assert dialog is not None
        problem = self._problems(need_key=False)
        if problem:
            dialog.fail(f"Fix the form first: {problem}")
            return
        site = self.site()

        def done(answer: Answer[SignIn]) -> None:
            signed = answer.value
            if signed is None:
                dialog.fail(answer.problem or "the sign-in failed")
                return
            self.login_hint = login
            dialog.accept()
            self._take_key(signed, answer.secrets)

        self._run(lambda calls: calls.sign_in(site, login, password), done, dialog.fail)

    def _take_key(self, signed: SignIn, secrets: tuple[str, ...]) -> None:
        from smstester.core.jframework import iso
        from smstester.core.report import masked

        self.key_for = signed.auth_key
        self.key_expires = signed.expires_at
        self.form.auth_key.setText(signed.auth_key)
        self.signed_in.emit(signed.auth_key, iso(signed.expires_at) or "")
        self._show_key(valid=True)
        self.note.emit(
            masked(f"Signed in as {signed.who}: the Auth-Key is filled in.", secrets), "ok"
        )

    # --- the Auth-Key's status ----------------------------------------------------------------

    def know_key(self, key: str, expires: str) -> None:
        """A profile opened with `key` (from its keyring entry) and the expiry it remembers
        (ISO-8601, "" = not known): say what is known at once, then ask the server."""
        from smstester.core.jframework import parse_time

        self.key_for = key
        self.key_expires = parse_time(expires) if expires else None
        if not key:
            self._hide_key()
            return
        self._show_key(valid=None)
        self.check_key()

    def check_key(self) -> None:
        """Ask the server whether the form's Auth-Key is valid (off the UI thread)."""
        site = self.site()
        key = site.auth_key
        if not key.strip() or self._problems(need_key=True):
            return
        from smstester.core.jframework import expired

        if expired(self.key_expires, self.now()):
            self._show_key(valid=None)  # known already: no call
            return

        def done(answer: Answer[bool]) -> None:
            if self.form.auth_key.text() != key:
                return  # another key since
            if answer.value is None:
                self._show_words(f"could not check: {answer.problem}", "warn")
            else:
                self._show_key(valid=answer.value)

        self._run(
            lambda calls: calls.key_valid(site),
            done,
            lambda words: self._show_words(f"could not check: {words}", "warn"),
        )

    def _key_edited(self, text: str) -> None:
        if text != self.key_for:
            # Typed or pasted by hand: nothing is known of this key (no call per keystroke).
            self.key_for, self.key_expires = text, None
            self._hide_key()

    def _hide_key(self) -> None:
        self._expiry_timer.stop()
        self.form.auth_key_status.clear()
        self.form.auth_key_status.hide()

    def _show_key(self, *, valid: bool | None) -> None:
        from smstester.core.jframework import key_status

        now = self.now()
        status = key_status(self.key_expires, now, valid=valid)
        if not status.words:
            self._hide_key()
            return
        self._show_words(status.words, {True: "ok", False: "error", None: ""}[status.usable])
        self._expiry_timer.stop()
        if status.usable and self.key_expires is not None:
            left_ms = (self.key_expires - now).total_seconds() * 1000
            self._expiry_timer.start(int(min(max(left_ms, 0) + 50, 2**31 - 1)))

    def _show_known_expiry(self) -> None:
        self._show_key(valid=None)

    def _show_words(self, words: str, state: str) -> None:
        label = self.form.auth_key_status
        mark = {"ok": "✓ ", "error": "✗ ", "warn": "⚠ "}.get(state, "")
        label.setText(mark + words)
        set_state(label, state)
        label.show()

    def send_blocker(self) -> str | None:
        """Why a send with the form's Auth-Key would be wasted (it is known to have
        expired), else None."""
        from smstester.core.jframework import expired, key_status

        if self.form.auth_key.text() != self.key_for or not expired(self.key_expires, self.now()):
            return None
        self._show_key(valid=None)
        return f"the Auth-Key {key_status(self.key_expires, self.now()).words}"

    # --- the brand ----------------------------------------------------------------------------

    def _brand_edited(self, _text: str) -> None:
        self._brand_timer.start()

    def check_brand(self) -> None:
        """Look the Brand-URL up (no Auth-Key needed), off the UI thread."""
        label = self.form.brand_status
        site = self.site()
        wanted = (site.base_url.strip(), site.brand_url.strip())
        if not wanted[1]:
            label.hide()
            self._brand_for = None
            return
        if wanted == self._brand_for or self._problems(need_key=False):
            return
        self._brand_for = wanted
        self._brand_pending = True

        def still() -> bool:
            now = self.site()
            return (now.base_url.strip(), now.brand_url.strip()) == wanted

        def done(answer: Answer[Brand]) -> None:
            self._brand_pending = False
            if not still():
                return
            if answer.value is not None:
                self._brand_words(f"✓ {answer.value.name or answer.value.id}", "ok")
            elif answer.result is not None and answer.result.responded:
                self._brand_words(f"✗ {answer.problem}", "error")
            else:
                self._brand_for = None  # ask again after the next edit
                self._brand_words(f"⚠ could not check: {answer.problem}", "warn")

        def failed(words: str) -> None:
            self._brand_pending = False
            if still():
                self._brand_for = None
                self._brand_words(f"⚠ could not check: {words}", "warn")

        self._run(lambda calls: calls.brand(site), done, failed)

    def _brand_words(self, words: str, state: str) -> None:
        label = self.form.brand_status
        label.setText(words[:300])
        set_state(label, state)
        label.show()

    # --- the picker ---------------------------------------------------------------------------

    def choose(self) -> None:
        """Open the picker and ask for the brand's SMS integrations."""
        if self._picker is None:
            self._picker = IntegrationPicker(self._parent)
            self._picker.picked.connect(self._use)
        picker = self._picker
        site = self.site()
        picker.loading(site.brand_url.strip() or "the server")
        problem = self._problems(need_key=True)
        if problem:
            hint = " (Sign in… fills the Auth-Key)" if not site.auth_key.strip() else ""
            picker.fail(f"Fix the form first: {problem}{hint}")
            return
        current = self.form.integration_id.text().strip()

        def work(calls: Jframework) -> Answer[Listed]:
            from smstester.core.jframework import Answer

            answer = calls.sms_integrations(site)
            rows = answer.value
            # what the UI thread would spend time on, made here
            listed = None if rows is None else Listed.of(rows, current)
            return Answer(listed, answer.problem, answer.result, answer.secrets)

        def done(answer: Answer[Listed]) -> None:
            if answer.value is None:
                picker.fail(answer.problem or "the list could not be read")
            else:
                picker.show_rows(answer.value)

        self._run(work, done, picker.fail)

    def _use(self, row: SmsIntegration) -> None:
        """Fill the form from the picked row: the id, the Account SID and From when the
        server gave them, the Auth Token only when it gave one."""
        form = self.form
        form.integration_id.setText(row.integration_id)
        if row.username:
            form.username.setText(row.username)
        if row.phone_number:
            form.phone_from.setText(row.phone_number)
        if row.password:
            form.password.setText(row.password)
        filled = ["the integration id"]
        filled += ["the Account SID"] if row.username else []
        filled += ["From"] if row.phone_number else []
        filled += ["the Auth Token"] if row.password else []
        state = "ok" if row.active else "warn"
        extra = (
            "" if row.active else f" — it is {row.status or 'not active'}: a send may be refused"
        )
        from smstester.core.report import masked

        words = f'Integration "{row.name or row.integration_id}": {", ".join(filled)} filled in'
        self.note.emit(masked(words + extra + ".", [row.password]), state)

    def shutdown(self) -> None:
        """Stop the timers and end every call in flight at once (its answer is dropped)."""
        self._shut = True
        self._brand_timer.stop()
        self._expiry_timer.stop()
        for cancel in list(self._calls):
            cancel.cancel()
        self.tasks.close()

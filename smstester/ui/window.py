"""The main window: the form on the left, the log on the right, sends on a worker."""

from __future__ import annotations

import itertools
import sys
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSize, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from smstester.core.clients import ClientPool
from smstester.core.formats import SNIPPET_FORMATS
from smstester.core.model import DEMO_LOGIN_USERNAME, InvalidInput
from smstester.core.request import build_request, insecure_transport_warning
from smstester.ui import dialogs, qtprops
from smstester.ui.form import ConnectionForm
from smstester.ui.logview import STATUS_LIMIT, Entry, LogView, RawAnswer, prepare_entry
from smstester.ui.profiles import ProfileBar
from smstester.ui.tasks import TaskRunner, describe, gc_paused

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QPaintEvent, QShowEvent

    # The HTTP client (and httpx under it) is imported after the first paint: on a worker
    # by `_warm_up`, or by the first send, whichever comes first.
    from smstester.core.client import CancelToken, SmsClient, Timeouts
    from smstester.core.history import HistoryEntry, Kept
    from smstester.core.keystore import KeyringStatus
    from smstester.core.profiles import Profile
    from smstester.core.storage import JsonValue
    from smstester.sandbox import SandboxServer
    from smstester.ui.account import AccountController
    from smstester.ui.history import HistoryPanel


class _Placeholder(QWidget):
    """An empty widget with the size hints of the one that will take its place."""

    def __init__(self, hints: tuple[tuple[int, int], tuple[int, int]], parent: QWidget) -> None:
        super().__init__(parent)
        self._hints = QSize(*hints[0]), QSize(*hints[1])

    def sizeHint(self) -> QSize:
        return self._hints[0]

    def minimumSizeHint(self) -> QSize:
        return self._hints[1]


def _seconds(ms: int) -> str:
    """A delay in words: "60 s", "0.3 s"."""
    return f"{ms / 1000:g} s"


class MainWindow(QMainWindow):
    """The window a support agent lives in (CONTRACT §4)."""

    #: The window has had its first paint and made what that paint did without (the
    #: sign-in, the History panel): what can wait for it, such as the icon, goes now.
    first_painted = Signal()

    def __init__(self, sandbox: SandboxServer | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("smstester")
        self.sandbox = sandbox
        #: Whether closing saves the geometry (not for a --screenshot run).
        self.persist_state = True
        self.tasks = TaskRunner(self)
        self.clients = ClientPool()
        self.timeouts: Timeouts | None = None  # None: the client's defaults
        self.verify: bool | str = True
        self._generation = 0
        self._started = 0.0
        self._cancel: CancelToken | None = None

        self.form = ConnectionForm(self)
        self.profiles = ProfileBar(self.form, self)
        # The sign-in and the picker (ui.account) and the History panel are made right
        # after the first paint, or at first use if that comes sooner (see `account`,
        # `history`): importing and building them cost the first paint ~25 ms.
        self._account: AccountController | None = None
        self._login_hint = ""
        self.keyring_banner = QLabel(self)
        self.keyring_banner.setObjectName("keyringBanner")
        self.keyring_banner.setWordWrap(True)
        self.keyring_banner.hide()
        self.tls_banner = QLabel(
            "⚠ TLS certificate verification is OFF for this profile: anyone on the network "
            "path can read the secrets.",
            self,
        )
        self.tls_banner.setObjectName("tlsBanner")
        self.tls_banner.setWordWrap(True)
        self.tls_banner.hide()
        self.transport_banner = QLabel(self)
        self.transport_banner.setObjectName("insecureTransportBanner")
        self.transport_banner.setWordWrap(True)
        qtprops.plain_text(self.transport_banner)
        self.transport_banner.hide()
        # Buttons and actions get their text once made: `QPushButton(text, parent)` tries
        # the (QIcon, text, parent) overload first, which builds QIcon and its enums
        # (~3 ms) before the first paint (tests/ui/test_startup.py).
        self.send_button = QPushButton(self)
        self.send_button.setText("&Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send the test SMS request (Ctrl+Enter)")
        self.cancel_button = QPushButton(self)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Cancel the send in flight (Esc)")
        self.copy_curl_button = QPushButton(self)
        self.copy_curl_button.setText("Copy as &curl")
        self.copy_curl_button.setObjectName("copyCurlButton")
        self.copy_curl_button.setToolTip(
            "Copy the request as a curl command; the secrets stay as $SMSTESTER_AUTH_KEY "
            "and $SMSTESTER_PASSWORD"
        )
        #: Copy as… any snippet format (CONTRACT §4a, §9): its menu holds one action per
        #: format; a click on the button itself copies the format chosen last.
        self.copy_as_button = QToolButton(self)
        self.copy_as_button.setObjectName("copyAsButton")
        self.copy_as_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.copy_as_menu = QMenu("Copy &as", self)
        self.copy_as_actions: dict[str, QAction] = {}
        for info in SNIPPET_FORMATS:
            action = QAction(text=info.label, parent=self)
            action.setObjectName(info.action)
            action.setToolTip(
                f"Copy the request for {info.runs_in}; the secrets stay as "
                f"{info.masked_as[0]} and {info.masked_as[1]}"
            )
            action.triggered.connect(lambda _checked=False, key=info.key: self.copy_snippet(key))
            self.copy_as_menu.addAction(action)
            self.copy_as_actions[info.key] = action
        self.copy_as_button.setMenu(self.copy_as_menu)
        self.copy_as_menu.triggered.connect(self._remember_format)
        self.copy_as_button.clicked.connect(self._copy_as_clicked)
        #: The format the button copies (the last one chosen; kept with the geometry).
        self.copy_as = "curl"
        self._show_format("curl")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_curl_button)
        buttons.addWidget(self.copy_as_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.profiles)
        left_layout.addWidget(self.keyring_banner)
        left_layout.addWidget(self.tls_banner)
        left_layout.addWidget(self.transport_banner)
        left_layout.addWidget(self.form, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        qtprops.set_qt(scroll, "focusPolicy", qtprops.NO_FOCUS)  # no Tab stop of its own
        # The form scrolls (vertically only: its rows wrap) when the screen is short; Send,
        # Cancel and the copy buttons stay below it, always in view.
        qtprops.set_qt(scroll, "horizontalScrollBarPolicy", qtprops.SCROLL_BAR_ALWAYS_OFF)
        self.form_scroll = scroll
        form_side = QWidget(self)
        form_side.setObjectName("formSide")
        side_layout = QVBoxLayout(form_side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(scroll, 1)
        button_margin = QVBoxLayout()
        button_margin.setContentsMargins(9, 0, 9, 9)
        button_margin.addLayout(buttons)
        side_layout.addLayout(button_margin)
        # As wide as the form's narrowest layout, and the scroll bar beside it: no field is
        # ever cut (the notes under the fields wrap instead).
        needed = left.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        form_side.setMinimumWidth(max(needed, self.FORM_MIN_WIDTH))

        self.log = LogView(self)
        #: What the last answer means and what to do (hidden until a send fails).
        self.diagnosis_view = QLabel(self)
        self.diagnosis_view.setObjectName("diagnosisView")
        qtprops.plain_text(self.diagnosis_view)
        self.diagnosis_view.setWordWrap(True)
        qtprops.set_qt(
            self.diagnosis_view, "textInteractionFlags", qtprops.TEXT_SELECTABLE_BY_MOUSE
        )
        # Wrapped to whatever width the log has: a long step never widens the window.
        self.diagnosis_view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.diagnosis_view.setFrameShape(QLabel.Shape.StyledPanel)
        self.diagnosis_view.setMargin(6)
        self.diagnosis_view.hide()
        log_side = QWidget(self)
        log_layout = QVBoxLayout(log_side)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.diagnosis_view)
        log_layout.addWidget(self.log, 1)
        #: Every send kept (CONTRACT §8): under the log, which shows this session's sends;
        #: older ones are there, filtered as you type. Until the panel is made (after the
        #: first paint) an empty widget with its size hints holds its place.
        self._history: HistoryPanel | None = None
        self._history_slot: _Placeholder | None = _Placeholder(self.HISTORY_SIZE_HINTS, self)
        right = QSplitter(parent=self)  # by name: QSplitter(Qt.Orientation, …) is not tried
        qtprops.set_qt(right, "orientation", qtprops.VERTICAL)
        right.setObjectName("logSplitter")
        right.addWidget(log_side)
        right.addWidget(self._history_slot)
        self._log_splitter = right
        right.setStretchFactor(0, self.LOG_STRETCH[0])
        right.setStretchFactor(1, self.LOG_STRETCH[1])
        right.setChildrenCollapsible(False)
        self.splitter = QSplitter(parent=self)  # horizontal
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(form_side)
        self.splitter.addWidget(right)
        # The form gets the room it needs first; the log takes what is left.
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.splitter.setSizes([600, 580])

        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.busy_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.elapsed_timer = QTimer(self)
        self.elapsed_timer.setInterval(100)
        self.elapsed_timer.timeout.connect(self._show_elapsed)
        #: Clears a copy with secrets from the clipboard (see CLIPBOARD_CLEAR_MS).
        self.clipboard_timer = QTimer(self)
        self.clipboard_timer.setSingleShot(True)
        self.clipboard_timer.timeout.connect(self._on_clipboard_timeout)
        self._secret_copy: str | None = None
        #: Save and close was chosen: the profile to see stored before closing.
        self._close_after_save: Profile | None = None
        self._fitted = False
        self._last_sandbox_port: int | None = None
        #: A past send to load into the form once its profile's secrets are in.
        self._resend_entry: HistoryEntry | None = None

        self._build_menus()
        self._set_tab_order()
        self.send_button.clicked.connect(self.send)
        self.cancel_button.clicked.connect(self.cancel)
        self.copy_curl_button.clicked.connect(self.copy_curl)
        self.form.changed.connect(self._update_actions)
        self.form.base_url.editTextChanged.connect(self._check_transport)
        self.log.raw_requested.connect(self._show_raw)
        self.profiles.note.connect(self.log.add_note)
        self.profiles.keyring_status.connect(self._show_keyring_status)
        self.profiles.profile_changed.connect(self._use_profile)
        self.profiles.profile_changed.connect(self._maybe_close_after_save)
        self.profiles.key_loaded.connect(self._know_key)
        self.profiles.key_loaded.connect(self._resend_pending_entry)
        self.resize(1180, 720)
        self._set_busy(False)
        #: Loads what only a send needs, once the window is up (shutdown stops it).
        self.warm_up_timer = QTimer(self)
        self.warm_up_timer.setSingleShot(True)
        self.warm_up_timer.timeout.connect(self._warm_up)
        self.warm_up_timer.start(self.WARM_UP_DELAY_MS)
        #: Makes what the first paint does without, once it is on screen.
        self._painted = False
        #: `restore_last` of the profiles to read once the window has painted (None: read
        #: already, or never asked for: see `open_profiles_when_painted`).
        self._profiles_to_open: bool | None = None
        self.after_paint_timer = QTimer(self)
        self.after_paint_timer.setSingleShot(True)
        self.after_paint_timer.timeout.connect(self._after_first_paint)

    #: The narrowest the form side gets (its rows wrap their notes below that).
    FORM_MIN_WIDTH = 400

    def fit_to_screen(self) -> None:
        """Within the screen's available area: a default or restored size that does not
        fit (a small laptop, QT_SCALE_FACTOR=2, a screen gone since) is pulled back on."""
        screen = self.screen()
        if screen is None:
            return
        room = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        width = min(self.width(), room.width() - extra_w)
        height = min(self.height(), room.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, 200), max(height, 200))
        frame = self.frameGeometry()
        x = min(max(frame.x(), room.x()), room.right() - frame.width() + 1)
        y = min(max(frame.y(), room.y()), room.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)
        left = min(self.splitter.sizes()[0], max(self.FORM_MIN_WIDTH, self.width() // 2))
        self.splitter.setSizes([left, max(self.width() - left, 1)])

    def _set_tab_order(self) -> None:
        """Tab follows the screen: the profile row, the form top to bottom, Send, Cancel,
        the copy buttons, then the log (disabled and hidden widgets are skipped by Qt)."""
        bar = self.profiles
        chain: list[QWidget] = [
            bar.combo,
            bar.save_button,
            bar.save_as_button,
            bar.rename_button,
            bar.delete_button,
            *self.form.focus_chain,
            self.send_button,
            self.cancel_button,
            self.copy_curl_button,
            self.copy_as_button,
            self.log,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- made after the first paint -----------------------------------------------------

    #: The History panel's size hints (its size, its minimum) in Qt's default style, for
    #: the empty widget that holds its place until it is made: the splitters lay the log
    #: out as they will once the panel is in, and the panel takes over the place as it is.
    HISTORY_SIZE_HINTS = ((274, 268), (120, 146))
    #: How the log and the History panel share the height the window gives them.
    LOG_STRETCH = (3, 2)

    @property
    def account(self) -> AccountController:
        """The sign-in, the integration picker and what the form says of the Brand-URL
        and the Auth-Key (ui.account): made after the first paint, or at first use."""
        if self._account is None:
            from smstester.ui.account import AccountController

            account = AccountController(self.form, self._account_client, self)
            account.login_hint = self._login_hint
            account.signed_in.connect(self._signed_in)
            account.note.connect(self.log.add_note)
            self._account = account
            account.catch_up()  # a Brand-URL or an Auth-Key the form got before it
        return self._account

    @property
    def history(self) -> HistoryPanel:
        """The History panel under the log (ui.history): made after the first paint, or
        at first use, in the place kept for it."""
        if self._history is None:
            from smstester.ui.history import HistoryPanel

            panel = HistoryPanel(parent=self)
            self._history = panel
            panel.notice.connect(lambda words: self.log.add_note(words, "warn"))
            panel.resend_requested.connect(self.resend)
            splitter = self._log_splitter
            if splitter.isVisible():  # laid out already: as it is, nothing moves
                sizes = splitter.sizes()
                splitter.replaceWidget(1, panel)
                splitter.setSizes(sizes)
            else:  # laid out when shown, as if it had been there from the start
                splitter.insertWidget(1, panel)
            splitter.setStretchFactor(1, self.LOG_STRETCH[1])  # the place's, not the widget's
            if self._history_slot is not None:
                self._history_slot.setParent(None)
                self._history_slot.deleteLater()
                self._history_slot = None
            chain = (self.log, *panel.focus_chain)
            for first, second in itertools.pairwise(chain):
                QWidget.setTabOrder(first, second)
            # Every widget is there now: each input, button and status label is named.
            from smstester.ui.accessibility import name_for_screen_readers

            name_for_screen_readers(self)
        return self._history

    def _know_key(self, key: str, expires: str) -> None:
        self.account.know_key(key, expires)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.after_paint_timer.start(0)

    def open_profiles_when_painted(self, *, restore_last: bool) -> None:
        """Read the saved profiles (`ProfileBar.open`, on a worker) right after the first
        paint, or when `make_deferred_parts` is called before it, or at the warm-up
        (`WARM_UP_DELAY_MS`) if the window has not painted by then. A profile's values have
        never been in the first paint (they come from the worker a turn of the event loop
        later); asking after it keeps the profile store, the keyring's module and the
        worker's thread off the first paint's path (~8 ms)."""
        self._profiles_to_open = restore_last

    @property
    def profiles_pending(self) -> bool:
        """The saved profiles are still to be read (the window has not painted yet)."""
        return self._profiles_to_open is not None

    def _open_profiles(self) -> None:
        if self._profiles_to_open is not None:
            restore_last, self._profiles_to_open = self._profiles_to_open, None
            self.profiles.open(restore_last=restore_last)

    def _after_first_paint(self) -> None:
        self._open_profiles()  # first: its worker reads while the rest is made
        if self.isVisible():  # not hidden since (else they are made at first use)
            self.make_deferred_parts()
        else:
            self._bind_keypad_enter()
        self.first_painted.emit()

    def make_deferred_parts(self) -> None:
        """Make now what the first paint can do without (the sign-in and picker, the
        History panel): `build_window` does, so that every objectName of CONTRACT §4a is
        there before the window is shown; only `smstester` itself leaves them for after
        its first paint."""
        self._open_profiles()
        _ = self.account, self.history
        self._bind_keypad_enter()

    def _bind_keypad_enter(self) -> None:
        """Ctrl+Enter on the keypad sends too (Ctrl+Return is bound as the action is made):
        a second shortcut needs `setShortcuts`, whose overloads build `Qt` (ui.qtprops)."""
        self.send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])

    def use_sandbox(self, sandbox: SandboxServer) -> None:
        """Fill every field with the sandbox's demo connection, so Send works at once."""
        demo = sandbox.demo
        self.form.set_test(demo.as_test())
        self._login_hint = DEMO_LOGIN_USERNAME
        if self._account is not None:
            self._account.login_hint = DEMO_LOGIN_USERNAME
        self.setWindowTitle(f"smstester — sandbox at {demo.url}")
        self.log.add_note(
            f"Sandbox running at {demo.url}. Try the To numbers +15005550001 to …0009 "
            "for Twilio's failures, or an integration id starting with fault-.",
            "dim",
        )

    # --- building -----------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text=text, parent=self)  # by name: no QIcon overload (see __init__)
        if shortcut is not None:
            # By property: setShortcut's overloads, and QKeySequence's, would build `Qt`
            # (see ui.qtprops).
            if isinstance(shortcut, str):
                shortcut = QKeySequence.fromString(shortcut)
            elif isinstance(shortcut, QKeySequence.StandardKey):
                shortcut = QKeySequence(shortcut)
            action.setProperty("shortcut", shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("&Save profile", self.profiles.save, "Ctrl+S"))
        file_menu.addAction(self._action("Save profile &as…", self.profiles.save_as))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Import profiles…", self.import_profiles))
        file_menu.addAction(self._action("&Export profiles…", self.export_profiles))
        file_menu.addSeparator()
        self.save_log_action = self._action(
            "Save &log…", self.save_log, "Ctrl+Shift+S", "Save the log pane to a text file"
        )
        file_menu.addAction(self.save_log_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))

        request_menu = bar.addMenu("&Request")
        self.send_action = self._action("&Send", self.send, "Ctrl+Return", "Send the request")
        self.cancel_action = self._action("&Cancel", self.cancel, "Esc", "Cancel the send")
        request_menu.addAction(self.send_action)
        request_menu.addAction(self.cancel_action)
        request_menu.addSeparator()
        request_menu.addAction(
            self._action(
                "Copy as &curl",
                self.copy_curl,
                "Ctrl+Shift+C",
                "Copy the request as curl, secrets masked",
            )
        )
        request_menu.addAction(
            self._action(
                "Copy as curl with &secrets…",
                self.copy_curl_with_secrets,
                tip="Copy the request as curl with both secrets",
            )
        )

        request_menu.addMenu(self.copy_as_menu)

        message_menu = bar.addMenu("Te&xt")
        self.replace_action = self._action(
            "&Replace look-alike characters",
            self.replace_lookalikes,
            "Ctrl+Shift+R",
            "Swap smart quotes, dashes, odd spaces and the like for GSM-7 characters",
        )
        message_menu.addAction(self.replace_action)

        view_menu = bar.addMenu("&View")
        view_menu.addAction(self._action("C&lear log", self.log.clear_log, "Ctrl+L"))
        #: How long the history keeps sends (filled when first opened: core.history and
        #: sqlite3 are loaded after the first paint).
        self.keep_menu = view_menu.addMenu("&Keep sends")
        self.keep_menu.setObjectName("historyRetentionMenu")
        self.keep_menu.aboutToShow.connect(self._fill_keep_menu)
        self._keep_actions: dict[int | None, QAction] = {}
        from smstester.ui.theme import add_theme_menu

        add_theme_menu(self, view_menu)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About smstester", self.about))

    # --- state --------------------------------------------------------------------------

    @property
    def in_flight(self) -> bool:
        return self._started > 0

    def _update_actions(self) -> None:
        ready = self.form.complete() and not self.in_flight
        self.send_button.setEnabled(ready)
        # Ctrl+Enter stays live: on a form that cannot be sent it says why (see `send`).
        self.send_action.setEnabled(not self.in_flight)
        self.send_button.setToolTip(
            "Send the test SMS request (Ctrl+Enter)"
            if ready or self.in_flight
            else f"Cannot send yet: {self._why_not_ready()}"
        )
        self.cancel_button.setEnabled(self.in_flight)
        self.cancel_action.setEnabled(self.in_flight)

    def _set_busy(self, busy: bool) -> None:
        self._started = time.perf_counter() if busy else 0.0
        self.busy_bar.setVisible(busy)
        if busy:
            self.elapsed_timer.start()
            self._show_elapsed()
        else:
            self.elapsed_timer.stop()
            self.busy_label.clear()
        self._update_actions()

    def _show_elapsed(self) -> None:
        if self._started:
            seconds = time.perf_counter() - self._started
            self.busy_label.setText(f"Sending… {seconds:.1f} s")

    # --- sending ------------------------------------------------------------------------

    def _ask_proxy_password(self) -> None:
        """A proxy that names a user but no password (HTTPS_PROXY=http://alice@proxy:3128):
        its password is asked for, not shown as typed, and kept in this process only (its
        SMSTESTER_PROXY_PASSWORD), never in a file. (Before the client is loaded — the first
        0.3 s — the send goes on, and a 407 says what to do.)"""
        client = sys.modules.get("smstester.core.client")
        if client is None:
            return
        wanting = client.proxies_wanting_a_password()
        if not wanting:
            return
        typed = dialogs.ask_text(
            self,
            "Proxy password",
            f"The proxy {wanting[0]} wants a password (kept for this session only):",
            secret=True,
        )
        if typed:
            import os

            os.environ[client.PROXY_PASSWORD_VARIABLE] = typed

    def _why_not_ready(self) -> str:
        """The fields that keep Send disabled, in words ("Auth-Key: required; To: …")."""
        found = self.form.problems()
        words = "; ".join(str(problem) for problem in found[:4])
        return words + (f"; and {len(found) - 4} more" if len(found) > 4 else "")

    def send(self) -> None:
        """Send the form's request on a worker; the answer lands in the log."""
        if self.in_flight:
            return
        if not self.form.complete():
            self.statusBar().showMessage(
                f"Cannot send yet: {self._why_not_ready()}"[:STATUS_LIMIT], 8000
            )
            return
        test = self.form.test()
        try:
            request = build_request(test)
        except InvalidInput as exc:
            self.log.add_note(f"Not sent: {exc}", "fail")
            return
        self._ask_proxy_password()
        blocker = self.account.send_blocker()
        if blocker is not None:
            words = f"Not sent: {blocker}. Sign in… (beside the Auth-Key) gets a new one."
            self.log.add_note(words, "fail")
            self.statusBar().showMessage(words[:STATUS_LIMIT], 8000)
            return
        from smstester.core.client import CancelToken

        secrets = test.secrets()
        self._generation += 1
        generation = self._generation
        timeouts, verify = self.timeouts, self.verify
        cancel = self._cancel = CancelToken()
        colours = self.log.colours()
        note = "" if verify is not False else "TLS certificate verification was OFF"
        from smstester.core.report import describe_sent  # after the first paint

        sent = describe_sent(self.profiles.current.name if self.profiles.current else None, test)
        history = self.history
        self._set_busy(True)

        profile = self.profiles.current.name if self.profiles.current else None

        def work() -> tuple[Entry, Kept]:
            with gc_paused():
                result = self.clients.get(timeouts, verify).send_request(request, cancel)
                # The entry is laid out here, on the worker: an answer of megabytes costs
                # the UI thread no more than a small one. So is the history's (masked).
                entry = prepare_entry(result, secrets, colours, note, sent)
                kept = history.entry_for(test, result, profile)
                del result  # freed here, on the worker, before the collector is back
            return entry, kept

        self.tasks.start(
            work,
            result=lambda done: self._on_result(generation, *done),
            failed=lambda error: self._on_failed(generation, error, secrets),
        )

    def _on_result(self, generation: int, entry: Entry, kept: Kept) -> None:
        self.history.keep(kept)  # every send is kept, a cancelled one's late answer too
        if generation != self._generation:
            return  # a cancelled send's late answer
        self.log.add_entry(entry)
        self._set_busy(False)
        self.statusBar().showMessage(entry.status, 5000)
        self.diagnosis_view.setText(entry.diagnosis)
        self.diagnosis_view.setVisible(bool(entry.diagnosis))

    def _on_failed(self, generation: int, error: BaseException, secrets: tuple[str, ...]) -> None:
        if generation != self._generation:
            return
        text = describe(error, secrets)
        self.log.add_note(f"Not sent: {text[:2000]}", "fail")
        self.statusBar().showMessage(text[:STATUS_LIMIT], 8000)
        self._set_busy(False)

    def cancel(self) -> None:
        """Back to idle at once; the answer, if it ever comes, is dropped."""
        if not self.in_flight:
            return
        self._generation += 1
        if self._cancel is not None:
            self._cancel.cancel()
        self._set_busy(False)
        self.log.add_note("Cancelled.", "warn")

    def replace_lookalikes(self) -> None:
        if self.form.replace_lookalikes():
            self.statusBar().showMessage("Replaced look-alike characters (Ctrl+Z undoes it).", 5000)
        else:
            self.statusBar().showMessage("Nothing to replace.", 3000)

    # --- curl ---------------------------------------------------------------------------

    def copy_curl(self) -> None:
        """Copy the masked curl command for the form as it is, valid or not."""
        self._copy_curl(with_secrets=False)

    def copy_snippet(self, key: str) -> None:
        """Copy the request as the snippet `key` (a key of `core.formats`), secrets masked."""
        from smstester.core.snippets import FORMATS, render_snippet

        label = FORMATS[key].label
        try:
            snippet = render_snippet(key, self.form.test())
        except ValueError as exc:  # SnippetRefused: a value this format cannot carry
            words = f"Cannot copy as {label}: {exc}"
            self.statusBar().showMessage(words[:STATUS_LIMIT], 10000)
            self.log.add_note(words, "warn")
            return
        QApplication.clipboard().setText(snippet.text)
        self._show_copied(f"Copied the request as {label}", list(snippet.notes), warn=False)

    def _remember_format(self, action: QAction) -> None:
        """The button's own click copies the format chosen last (kept in the settings)."""
        key = next((k for k, a in self.copy_as_actions.items() if a is action), None)
        if key is None:
            return
        self._show_format(key)

    def _show_format(self, key: str) -> None:
        """The button names the format it copies; curl has its own button, so with curl
        last (or nothing chosen yet) it is "Copy as…" and opens the menu."""
        if key not in self.copy_as_actions:
            key = "curl"
        self.copy_as = key
        label = self.copy_as_actions[key].text()
        self.copy_as_button.setText("Copy as…" if key == "curl" else f"Copy as {label}")
        self.copy_as_button.setToolTip(
            "Copy the request for another shell or language (the arrow lists them)"
            if key == "curl"
            else f"Copy the request as {label}, secrets masked (the arrow lists the others)"
        )

    def _copy_as_clicked(self) -> None:
        if self.copy_as == "curl":
            self.copy_as_button.showMenu()
        else:
            self.copy_snippet(self.copy_as)

    def copy_curl_with_secrets(self) -> None:
        seconds = _seconds(self.CLIPBOARD_CLEAR_MS)
        if dialogs.ask(
            self,
            "Copy with secrets?",
            "The command will contain the Auth-Key and the Auth Token in clear text. "
            f"Anyone who sees it can use them. The clipboard is cleared in {seconds} if it "
            "still holds the command then.\n\nCopy it anyway?",
            yes="Copy with secrets",
            cancel_default=True,
        ):
            self._copy_curl(with_secrets=True)

    #: How long a command with secrets may stay in the clipboard (tests shorten it).
    CLIPBOARD_CLEAR_MS = 60_000

    def _copy_curl(self, *, with_secrets: bool) -> None:
        from smstester.core.curl import curl_notes, render_curl

        test = self.form.test()
        try:
            command = render_curl(test, with_secrets=with_secrets)
        except ValueError as exc:  # the CLI says the same and exits 2
            self.statusBar().showMessage(f"Cannot render a curl command: {exc}", 8000)
            return
        QApplication.clipboard().setText(command)
        notes = curl_notes(test, with_secrets=with_secrets)
        if with_secrets:
            self._secret_copy = command
            self.clipboard_timer.start(self.CLIPBOARD_CLEAR_MS)
            head = (
                "Copied with secrets; the clipboard is cleared in "
                f"{_seconds(self.CLIPBOARD_CLEAR_MS)}"
            )
        else:
            head = "Copied the curl command"
        self._show_copied(head, notes, warn=with_secrets)

    def _show_copied(self, head: str, notes: list[str], *, warn: bool) -> None:
        """What was copied, and the notes the CLI prints on standard error: the first in
        the status bar, all of them in the log, where they stay readable."""
        shown = f"{head}. Note: {notes[0]}" if notes else f"{head}."
        if len(notes) > 1:
            shown += f" (and {len(notes) - 1} more in the log)"
        self.statusBar().showMessage(shown[:STATUS_LIMIT], 15000)
        if notes:
            self.log.add_note(
                f"{head}. Notes:" + "".join(f"\n  • {note}" for note in notes),
                "warn" if warn else "dim",
            )

    def _clear_secret_copy(self) -> bool:
        """Clear the clipboard if it still holds the command with secrets; True if it did.
        Whatever the user copied since is left alone."""
        self.clipboard_timer.stop()
        copied, self._secret_copy = self._secret_copy, None
        clipboard = QApplication.clipboard()
        if copied is None or clipboard.text() != copied:
            return False
        clipboard.clear()
        return True

    def _on_clipboard_timeout(self) -> None:
        if self._clear_secret_copy():
            self.statusBar().showMessage(
                "Cleared the clipboard: it still held the curl command with secrets.", 8000
            )

    # --- log ----------------------------------------------------------------------------

    def save_log(self) -> None:
        path = dialogs.save_file(
            self, "Save log", "smstester-log.txt", "Text files (*.txt);;All files (*)"
        )
        if not path:
            return
        self._write_text(path, self.log.toPlainText(), "Log saved to")

    def _show_raw(self, raw: RawAnswer) -> None:
        from smstester.ui.rawview import RawAnswerDialog

        dialog = RawAnswerDialog(raw.title, raw.rows, self._save_raw, self)
        dialog.show()

    def _save_raw(self, text: str) -> None:
        """Save a whole raw answer (masked, as the viewer holds it) to a file the user picks."""
        path = dialogs.save_file(
            self, "Save raw answer", "smstester-answer.txt", "Text files (*.txt);;All files (*)"
        )
        if path:
            self._write_text(path, text, "Raw answer saved to")

    def _write_text(self, path: str, text: str, done: str) -> None:
        def write() -> str:
            with open(path, "w", encoding="utf-8", errors="replace") as handle:
                handle.write(text)
            return path

        self.tasks.start(
            write,
            result=lambda where: self.statusBar().showMessage(f"{done} {where}", 4000),
            failed=lambda error: self.log.add_note(
                f"Could not save {path}: {describe(error)}", "fail"
            ),
        )

    def about(self) -> None:
        """The version, the Qt and PySide6 it runs on, and the licences (as --version)."""
        import html

        from PySide6.QtWidgets import QMessageBox  # its class costs the first paint ~2 ms

        from smstester.ui.options import version_lines

        name, runtime, licence = version_lines()
        QMessageBox.about(
            self,
            "About smstester",
            f"<b>{html.escape(name)}</b><br>"
            "Checks that an SMS app integration on jframework really works.<br><br>"
            f"{html.escape(runtime)}<br><br>{html.escape(licence)}",
        )

    # --- profiles -----------------------------------------------------------------------

    def import_profiles(self) -> None:
        path = dialogs.open_file(self, "Import profiles", "JSON files (*.json);;All files (*)")
        if path:
            self.profiles.import_from(path)

    def export_profiles(self) -> None:
        path = dialogs.save_file(
            self, "Export profiles", "smstester-profiles.json", "JSON files (*.json);;All files (*)"
        )
        if path:
            self.profiles.export_to(path)

    def _check_transport(self, base_url: str) -> None:
        """Show the plain-http banner when the base URL sends the secrets unencrypted to
        another machine. Cheap per keystroke: only a URL that starts with http: is parsed,
        and before httpx is loaded (the first paint does without it) it is parsed on a
        worker, which loads it."""
        if base_url.lstrip()[:5].lower() != "http:":
            self._show_transport_warning(None)
            return
        if "httpx" in sys.modules:
            self._show_transport_warning(insecure_transport_warning(base_url))
            return

        def still(warning: str | None) -> None:
            if self.form.base_url.currentText() == base_url:
                self._show_transport_warning(warning)

        self.tasks.start(lambda: insecure_transport_warning(base_url), result=still)

    #: The longest banner text shown (the rest is elided).
    BANNER_LIMIT = 300

    def _show_transport_warning(self, warning: str | None) -> None:
        if warning is None:
            self.transport_banner.hide()
            return
        if len(warning) > self.BANNER_LIMIT:  # a host name of thousands of characters
            warning = warning[: self.BANNER_LIMIT] + "…"
        self.transport_banner.setText(f"⚠ Not encrypted: {warning}.")
        self.transport_banner.show()

    def _show_keyring_status(self, status: KeyringStatus) -> None:
        self.keyring_banner.setVisible(not status.available)
        self.keyring_banner.setText("⚠ " + status.message)

    # --- history ------------------------------------------------------------------------

    def _fill_keep_menu(self) -> None:
        """The retention choices (7, 30, 90, 365 days, forever), the current one checked
        once read on a worker."""
        if not self._keep_actions:
            from PySide6.QtGui import QActionGroup

            from smstester.core.history import RETENTION_CHOICES

            group = QActionGroup(self)
            for days in (*RETENTION_CHOICES, None):
                label = "Forever" if days is None else f"{days} days"
                action = QAction(label, self, checkable=True)
                action.setObjectName(f"keepSends{days or 'Forever'}Action")
                action.triggered.connect(lambda _c=False, d=days: self.set_retention(d))
                group.addAction(action)
                self.keep_menu.addAction(action)
                self._keep_actions[days] = action

        def read() -> int | None:
            from smstester.core.history import retention_days

            return retention_days()

        self.tasks.start(read, result=self._show_retention)

    def _show_retention(self, days: int | None) -> None:
        action = self._keep_actions.get(days)
        if action is not None:
            action.setChecked(True)

    def set_retention(self, days: int | None) -> None:
        """Keep sends `days` days (None: forever): saved, and older ones deleted now."""
        self._show_retention(days)
        history = self.history

        def work() -> int:
            from smstester.core.history import set_retention
            from smstester.core.storage import Settings

            set_retention(Settings(), days)
            return history.store.prune(days)

        def done(gone: int) -> None:
            kept = "forever" if days is None else f"for {days} days"
            more = f"; {gone:,} older send{'s' if gone != 1 else ''} deleted" if gone else ""
            self.statusBar().showMessage(f"Sends are kept {kept}{more}.", 8000)
            if gone:
                history.load()

        self.tasks.start(
            work,
            result=done,
            failed=lambda error: self.log.add_note(
                f"Could not change how long sends are kept: {describe(error)}", "fail"
            ),
        )

    def resend(self, entry: HistoryEntry) -> None:
        """Load a past send into the form, ready to send again. Its secrets come from the
        profile it was sent with (its keyring entries), never from the history: that
        profile is opened first when it is not the one in the form."""
        store = self.profiles.store
        profile = store.find(entry.profile) if store is not None and entry.profile else None
        current = self.profiles.current
        if profile is not None and (current is None or current.id != profile.id):
            index = self.profiles.combo.findData(profile.id)
            if index > 0:
                self._resend_entry = entry  # laid over the profile once its secrets are in
                self.profiles.combo.setCurrentIndex(index)
                self.profiles.combo.activated.emit(index)
                return
        self._lay_over(entry)

    def _resend_pending_entry(self, _key: str, _expires: str) -> None:
        entry, self._resend_entry = self._resend_entry, None
        if entry is not None:
            self._lay_over(entry)

    def _lay_over(self, entry: HistoryEntry) -> None:
        self.form.set_test(entry.as_test(self.form.test()))
        when = entry.time.astimezone().strftime("%d %b %H:%M")
        self.log.add_note(
            f"Loaded the send of {when} to {entry.phone_to} into the form: Send sends it again.",
            "dim",
        )
        self.send_button.setFocus()

    def _maybe_close_after_save(self, profile: Profile | None) -> None:
        """Save and close: close once what was asked to be saved is stored (after a save
        that failed, a later save of other edits does not close the window)."""
        asked = self._close_after_save
        if asked is None or profile is None or not asked.same_settings(profile):
            return
        self._close_after_save = None
        if not self.profiles.modified():
            self.close()

    #: The longest a look-up of the Brand-URL or the Auth-Key (or a sign-in, or the picker's
    #: list) may take in all, whatever the profile's timeouts.
    ACCOUNT_CALL_SECONDS = 20.0

    def _account_client(self) -> SmsClient:
        """The client for jframework's account calls (on a worker): this window's TLS and
        proxy settings, each call bounded to ACCOUNT_CALL_SECONDS."""
        from smstester.core.client import Timeouts

        limit = self.ACCOUNT_CALL_SECONDS
        base = self.timeouts or Timeouts()
        bounded = Timeouts(
            connect=min(base.connect, limit), read=min(base.read, limit), total=limit
        )
        from smstester.core.jframework import MAX_ANSWER

        return self.clients.get(bounded, self.verify, max_body=MAX_ANSWER)

    def _signed_in(self, key: str, expires: str) -> None:
        """A sign-in filled the Auth-Key: a save keeps its expiry with it."""
        self.profiles.key_expiry = (key, expires)

    def _use_profile(self, profile: Profile | None) -> None:
        """Apply a profile's timeouts and TLS settings to the sends that follow."""
        if profile is None:
            self.timeouts, self.verify = None, True
            name = "unsaved connection" if self.sandbox is None else "sandbox"
        else:
            from smstester.core.client import Timeouts

            self.timeouts = Timeouts.for_read(profile.connect_timeout, profile.read_timeout)
            self.verify = profile.verify
            name = profile.name
        self.tls_banner.setVisible(self.verify is False)
        self.setWindowTitle(f"{name}[*] — smstester")

    # --- geometry -----------------------------------------------------------------------

    def saved_state(self) -> dict[str, JsonValue]:
        return {
            "geometry": bytes(self.saveGeometry().toBase64().data()).decode("ascii"),
            "splitter": bytes(self.splitter.saveState().toBase64().data()).decode("ascii"),
            "copyAs": self.copy_as,
            **({"sandboxPort": port} if (port := self._sandbox_port()) else {}),
        }

    def _sandbox_port(self) -> int | None:
        """The embedded sandbox's port, else the one it had last time (kept for the next)."""
        return self.sandbox.port if self.sandbox is not None else self._last_sandbox_port

    def restore_state(self, state: Any) -> None:
        if not isinstance(state, dict):
            return
        port = state.get("sandboxPort")
        self._last_sandbox_port = port if isinstance(port, int) else None
        geometry, split = state.get("geometry"), state.get("splitter")
        if isinstance(state.get("copyAs"), str):
            self._show_format(state["copyAs"])
        if isinstance(geometry, str) and geometry.isascii():
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        if isinstance(split, str) and split.isascii():
            self.splitter.restoreState(QByteArray.fromBase64(split.encode("ascii")))

    # --- start-up -----------------------------------------------------------------------

    #: How long after start-up the modules only a send needs are loaded.
    WARM_UP_DELAY_MS = 300

    def _warm_up(self) -> None:
        """Import the HTTP client (httpx), the report and the raw-answer viewer on a worker
        once the window is up, so that the first send does not pay for it on the UI thread.
        A window not painted by then (shown on another workspace, say) reads its saved
        profiles now all the same."""
        if not self._painted:
            self._open_profiles()
        if not self.isVisible():  # never shown, or closed already
            return

        def load() -> None:
            import smstester.core.client
            import smstester.core.report
            import smstester.ui.rawview  # noqa: F401 (Show raw answer: its first open)

        # The form checks the base URL in full from now on.
        self.tasks.start(load, result=lambda _none: self.form.revalidate())

    # --- closing ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop everything this window started: sends, workers, the sandbox."""
        self._generation += 1
        self.elapsed_timer.stop()
        self.warm_up_timer.stop()
        self.after_paint_timer.stop()
        self._clear_secret_copy()  # the secrets do not outlive the window in the clipboard
        if self._cancel is not None:
            self._cancel.cancel()
        if self._account is not None:
            self._account.shutdown()
        if self._history is not None:
            self._history.shutdown()
        self.clients.abort_all()
        self.tasks.close()
        self.profiles.shutdown()
        self.clients.close()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    def showEvent(self, event: QShowEvent) -> None:
        if not self._fitted:  # the first show: the size (default or restored) is known
            self._fitted = True
            self.fit_to_screen()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.profiles.modified():
            current = self.profiles.current
            name = f'"{current.name}"' if current else "this profile"
            answer = dialogs.choose(
                self,
                "Close smstester?",
                f"The changes to {name} are not saved.",
                ("Save and close", "Close without saving"),
            )
            if answer != 1:
                event.ignore()
                if answer == 0 and current is not None:  # closes once it is saved
                    self._close_after_save = self.profiles.form_profile(current.name, current)
                    self.profiles.save()  # a failed save says why, and the window stays
                return
        if self.persist_state:
            from smstester.core.storage import Settings

            Settings().set("window", self.saved_state())
        self.shutdown()
        super().closeEvent(event)

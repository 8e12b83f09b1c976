"""The connection form: fields, live number checks, and the SmsTest they describe."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from smstester.core.fields import BY_NAME, FIELDS, REQUIRED, Field
from smstester.core.model import DEV_BASE_URL, LIVE_BASE_URL, Problem, SmsTest
from smstester.core.phone import PhoneCheck, calling_codes, check_number
from smstester.core.request import problems
from smstester.core.segments import MAX_CHARACTERS, count_segments, replace_lookalikes
from smstester.ui import qtprops
from smstester.ui.region import RegionCombo

# PySide6 builds each Qt class, with its enums, on first use: the classes only a marked-up
# or replaced message needs (QTextCharFormat, QTextCursor, ...) are imported there, and the
# event classes are for annotations only (the first one builds QEvent's enums, ~2 ms).
if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData

    from smstester.ui.highlight import CulpritHighlighter


def set_state(widget: QWidget, state: str) -> None:
    """Set the `state` property the widget's style sheet colours by (ui.theme gives the
    coloured labels one each), and have the sheet read again when it changed: setting the
    same sheet again makes Qt re-read its rules for the widget if it is polished already (a
    scroll area polishes what it is given, long before the first paint), or leaves that to
    its first polish. All of it in C++: `style().unpolish/polish` would build the QStyle
    enums before the first paint (~10 ms), and asking whether the widget is polished
    (`testAttribute(Qt.…)`) all of `Qt` (see `qtprops`). A widget with no sheet of its own
    is not coloured by its state: only the property is set."""
    if widget.property("state") == state:
        return  # most keystrokes: nothing to restyle
    widget.setProperty("state", state)
    sheet = widget.styleSheet()
    if sheet:
        widget.setStyleSheet(sheet)


def system_region() -> str:
    """The region of the system locale ("US" for en_US), or "" when it has none."""
    name = QLocale.system().name()
    region = name.split("_")[-1].upper() if "_" in name else ""
    return region if region and region in calling_codes() else ""


class SecretEdit(QWidget):
    """A masked line edit with a Show/Hide toggle; the QLineEdit keeps the objectName."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(object_name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggle = QToolButton(self)
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Show or hide the secret")
        qtprops.set_qt(self.toggle, "focusPolicy", qtprops.TAB_FOCUS)
        self.toggle.toggled.connect(self._on_toggle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)

    def _on_toggle(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")


def utf16_units(text: str) -> int:
    """The length of `text` as Qt and Twilio count it (an emoji is two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cut_to_units(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units (never half an emoji).
    Its cost follows `limit`, not the length of `text`."""
    kept = text[:limit]  # a start of `limit` characters has at least `limit` units
    excess = utf16_units(kept) - limit
    end = len(kept)
    while excess > 0:
        end -= 1
        excess -= 2 if ord(kept[end]) > 0xFFFF else 1
    return kept if end == len(text) else kept[:end]


class MessageEdit(QPlainTextEdit):
    """The message box. It never holds more than Twilio's 1,600 characters (UTF-16 units,
    as `count_segments` and Qt count them): text past the limit, typed, pasted, dropped or
    set from a profile, is cut where it comes in, and `clipped` says how much was left out.
    So every keystroke's work (the count, the culprit marks) stays bounded, whatever the
    clipboard or a profile holds."""

    #: Characters (code points) left out, of how many, and how they came: "set", "pasted",
    #: "typed".
    clipped = Signal(int, int, str)

    LIMIT = MAX_CHARACTERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._growth = (0, 0)  # the last change that added text: position, units added
        #: Counts the edits; `clipped` is emitted after the edit it reports.
        self.edits = 0
        self._trimming = False
        self.document().contentsChange.connect(self._on_contents_change)
        # Connected before anyone else's slot: the text is within the limit again before
        # the form counts it.
        self.textChanged.connect(self._enforce_limit)

    def units(self) -> int:
        """The text's length in UTF-16 units (O(1): the document keeps it)."""
        return self.document().characterCount() - 1

    def set_message(self, text: str) -> None:
        """Set the whole text, cut at the limit before it reaches the box."""
        kept = cut_to_units(text, self.LIMIT)
        if kept != self.toPlainText():
            self.setPlainText(kept)
        if len(kept) < len(text):
            self.clipped.emit(len(text) - len(kept), len(text), "set")

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste and drop: only what fits goes in (one undoable edit)."""
        if not source.hasText():
            super().insertFromMimeData(source)
            return
        text = source.text()
        cursor = self.textCursor()
        room = self.LIMIT - self.units() + (cursor.selectionEnd() - cursor.selectionStart())
        if len(text) <= room // 2 or utf16_units(text) <= room:
            super().insertFromMimeData(source)
            return
        kept = cut_to_units(text, max(room, 0))
        cursor.insertText(kept)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        self.clipped.emit(len(text) - len(kept), len(text), "pasted")

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if added != removed:  # not a mere reformat
            self.edits += 1
        if added > removed:
            self._growth = (position, added)

    def _enforce_limit(self) -> None:
        """Whatever else brought the text past the limit (a key at the limit, an input
        method): take the excess back off the end of what came in, in the same undo step."""
        excess = self.units() - self.LIMIT
        if excess <= 0 or self._trimming:
            return
        position, added = self._growth
        end = min(position + added, self.units())
        text = self.toPlainText()  # at most the limit and what just came in
        index = _index_of_unit(text, end)
        removed_units = removed = 0
        while removed_units < excess and index - removed > 0:
            removed += 1
            removed_units += 2 if ord(text[index - removed]) > 0xFFFF else 1
        from PySide6.QtGui import QTextCursor

        cursor = QTextCursor(self.document())
        cursor.joinPreviousEditBlock()
        cursor.setPosition(end - removed_units)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._trimming = True
        try:
            cursor.removeSelectedText()
        finally:
            self._trimming = False
        cursor.endEditBlock()
        self.clipped.emit(removed, removed, "typed")


def _index_of_unit(text: str, units: int) -> int:
    """The index in `text` of the character at UTF-16 offset `units`."""
    if len(text) == utf16_units(text):
        return min(units, len(text))
    count = 0
    for index, ch in enumerate(text):
        if count >= units:
            return index
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


class ConnectionForm(QWidget):
    """Every field of a send, one row per `FIELDS` row. Emits `changed` on any edit;
    `test()` is what it describes and `problems()` what a send would refuse in it."""

    changed = Signal()

    base_url: QComboBox
    brand_url: QLineEdit
    integration_id: QLineEdit
    auth_key: QLineEdit
    username: QLineEdit
    password: QLineEdit
    phone_from: QLineEdit
    phone_to: QLineEdit
    region: RegionCombo
    message: MessageEdit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._highlighter: CulpritHighlighter | None = None
        self._problems: list[Problem] | None = None  # of the form as it is; None: stale
        self._shown: tuple[object, ...] | None = None  # what the status labels show
        self.from_status = self._status("fromStatusLabel")
        self.to_status = self._status("toStatusLabel")
        #: Field name -> the QLabel under it that says what is wrong with it.
        self._status_labels = {"phone_from": self.from_status, "phone_to": self.to_status}
        #: What jframework says of the Brand-URL and of the Auth-Key (ui.account fills them).
        self.brand_status = self._status("brandStatusLabel")
        self.auth_key_status = self._status("authKeyStatusLabel")
        self.sign_in_button = self._side_button(
            "signInButton", "Sig&n in…", "Sign in to jframework: the Auth-Key is filled in for you"
        )
        self.choose_button = self._side_button(
            "chooseIntegrationButton",
            "Choos&e…",
            "Pick one of the brand's SMS integrations: the id, Account SID and From are "
            "filled in for you",
        )
        #: Field name -> (a button beside its editor, a label under it); ui.account's.
        extras: dict[str, tuple[QToolButton | None, QLabel | None]] = {
            "brand_url": (None, self.brand_status),
            "auth_key": (self.sign_in_button, self.auth_key_status),
            "integration_id": (self.choose_button, None),
        }
        #: The widgets that differ from a plain line edit (the rest are made from FIELDS).
        special: dict[str, Callable[[Field], QWidget]] = {
            "base_url": self._base_url_combo,
            "region": lambda _field: RegionCombo(self),
            "message": lambda _field: MessageEdit(self),
        }
        #: Field name -> (the widget the row shows, the one that holds the value).
        self._rows: dict[str, tuple[QWidget, QWidget]] = {}
        chain: list[QWidget] = []
        for f in FIELDS:
            if f.secret:
                box = SecretEdit(f.object_name, self)
                editor: QWidget = box.edit
                row: QWidget = box
            else:
                editor = special.get(f.name, self._line)(f)
                editor.setObjectName(f.object_name)
                row = editor
            if f.placeholder:
                editor.setProperty("placeholderText", f.placeholder)
            button, under = extras.get(f.name, (None, None))
            if button is not None:
                row = self._beside(row, button)
            status = self._status_labels.get(f.name) or under
            if status is not None:
                row = self._stacked(row, status)
            setattr(self, f.name, editor)
            self._rows[f.name] = (row, editor)
            chain.append(editor)
            if f.secret:
                chain.append(box.toggle)
            if button is not None:
                chain.append(button)
        self.auth_key_box = cast("SecretEdit", self.auth_key.parentWidget())
        self.password_box = cast("SecretEdit", self.password.parentWidget())
        self.set_region(system_region())
        self.message.setTabChangesFocus(True)
        self.message.setMinimumHeight(70)
        self.segment_label = QLabel(self)
        self.segment_label.setObjectName("segmentLabel")
        qtprops.plain_text(self.segment_label)
        self.segment_label.setWordWrap(True)  # a long count wraps, never widens the form
        self.limit_note = self._note("messageLimitLabel")
        self._note_edit = -1  # the edit the note is about
        #: What looks likely to fail although a send would be accepted (core.preflight).
        self.preflight_label = self._note("preflightLabel")

        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        qtprops.set_qt(layout, "labelAlignment", qtprops.ALIGN_RIGHT | qtprops.ALIGN_TOP)
        for f in FIELDS:
            self._add_row(layout, f)
        self.fix_button = QToolButton(self)
        self.fix_button.setObjectName("replaceLookalikesButton")
        self.fix_button.setText("Replace look-alikes")
        self.fix_button.setToolTip(
            "Swap smart quotes, dashes, odd spaces and the like for GSM-7 characters "
            "(Ctrl+Z undoes it)"
        )
        self.fix_button.clicked.connect(self.replace_lookalikes)
        self.fix_button.hide()
        segment_row = QHBoxLayout()
        segment_row.setContentsMargins(0, 0, 0, 0)
        segment_row.addWidget(self.segment_label, 1)
        segment_row.addWidget(self.fix_button)
        under_message = QVBoxLayout()
        under_message.setContentsMargins(0, 0, 0, 0)
        under_message.setSpacing(2)
        under_message.addLayout(segment_row)
        under_message.addWidget(self.limit_note)  # hidden: takes no room
        under_message.addWidget(self.preflight_label)
        layout.addRow("", under_message)

        # Any edit makes the problems stale before anyone else hears of it.
        self.changed.connect(self._forget_problems)
        for f in FIELDS:
            editor = self._rows[f.name][1]
            if isinstance(editor, QLineEdit):
                editor.textChanged.connect(self.changed)
        self.base_url.editTextChanged.connect(self.changed)
        self.region.currentIndexChanged.connect(self.changed)
        self.message.textChanged.connect(self.changed)
        self.message.textChanged.connect(self._refresh_segments)
        self.message.clipped.connect(self._show_cut)
        self.changed.connect(self._refresh_status)
        #: The form's widgets in Tab order (the window puts them between its own).
        self.focus_chain: tuple[QWidget, ...] = tuple(chain)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        # An empty form has nothing to warn of (tests/ui/test_startup.py checks it): the
        # preflight (~5 ms with its import) waits for the first edit.
        self._refresh_status(preflight=False)
        self._refresh_segments()

    def _note(self, name: str) -> QLabel:
        """A warning under the message, hidden until there is something to say."""
        label = QLabel(self)
        label.setObjectName(name)
        qtprops.plain_text(label)
        label.setWordWrap(True)
        label.setProperty("state", "warn")
        label.hide()
        return label

    def _base_url_combo(self, _field: Field) -> QComboBox:
        combo = QComboBox(self)
        combo.setEditable(True)
        combo.addItems([LIVE_BASE_URL, DEV_BASE_URL])
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return combo

    def _line(self, _field: Field) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setClearButtonEnabled(True)
        return edit

    def _stacked(self, edit: QWidget, status: QLabel) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(edit)
        column.addWidget(status)
        return box

    def _side_button(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        qtprops.set_qt(button, "focusPolicy", qtprops.STRONG_FOCUS)
        return button

    def _beside(self, row: QWidget, button: QToolButton) -> QWidget:
        box = QWidget(self)
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(4)
        line.addWidget(row, 1)
        line.addWidget(button)
        return box

    def _status(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        qtprops.plain_text(label)
        label.setWordWrap(True)
        return label

    def _add_row(self, layout: QFormLayout, f: Field) -> None:
        row, buddy = self._rows[f.name]
        label = QLabel(f.mnemonic, self)
        label.setBuddy(buddy)
        # Drawn with its letter underlined, the label is three runs, none kerned against
        # the next: wider than Qt measured it ("&To" lost the right of its "o").
        before, _, after = f.mnemonic.partition("&")
        metrics = label.fontMetrics()
        drawn = sum(metrics.horizontalAdvance(run) for run in (before, after[:1], after[1:]))
        label.setMinimumWidth(max(label.sizeHint().width(), drawn + 1))
        tip = f"<b>{f.label}</b><br>{f.help}"
        label.setToolTip(tip)
        buddy.setToolTip(tip)
        layout.addRow(label, row)

    def focus_first_empty(self) -> None:
        """Put the cursor where typing should start: the first empty field."""
        for f in FIELDS:
            editor = self._rows[f.name][1]
            if isinstance(editor, QLineEdit) and not editor.text():
                editor.setFocus()
                return
        self.message.setFocus()

    # --- values -------------------------------------------------------------------------

    def current_region(self) -> str:
        return str(self.region.currentData() or "")

    def set_region(self, code: str) -> None:
        self.region.set_region(code)

    def _value(self, name: str) -> str | None:
        editor = self._rows[name][1]
        if editor is self.region:
            return self.current_region() or None
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def _set_value(self, name: str, value: str | None) -> None:
        editor = self._rows[name][1]
        if editor is self.region:
            if value is not None:
                self.set_region(value)
        elif isinstance(editor, QComboBox):
            editor.setEditText(value or "")
        elif isinstance(editor, MessageEdit):
            editor.set_message(value or "")
        else:
            assert isinstance(editor, QLineEdit)
            editor.setText(value or "")

    def test(self) -> SmsTest:
        """The SmsTest the form describes, exactly as typed."""
        values: dict[str, Any] = {f.name: self._value(f.name) for f in FIELDS}
        return SmsTest(**values)

    def set_test(self, test: SmsTest) -> None:
        """Fill every field from `test` (a region of None leaves the region alone)."""
        for f in FIELDS:
            self._set_value(f.name, getattr(test, f.name))

    # --- validation ---------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """What a send of the form as it is would refuse (`core.request.problems`): empty
        when Send may be pressed. Computed once per edit.

        Until httpx is loaded (the first paint does without it) the base URL gets a cheap
        check only; `revalidate()` once it is loaded applies the whole one (a send always
        does)."""
        if self._problems is None:
            test = self.test()
            if "httpx" in sys.modules:
                self._problems = problems(test)
            else:
                cheap = _cheap_base_url_problem(test.base_url)
                rest = problems(replace(test, base_url=""))
                self._problems = ([cheap] if cheap else []) + [
                    p for p in rest if p.field != "base_url"
                ]
        return self._problems

    def complete(self) -> bool:
        """A send of the form as it is would be accepted."""
        return not self.problems()

    def _forget_problems(self) -> None:
        self._problems = None

    def revalidate(self) -> None:
        """Check everything again (httpx has just been loaded: the base URL in full)."""
        self._problems = None
        self._refresh_status()
        self.changed.emit()

    # --- message: encoding, segments, culprits ------------------------------------------

    def _show_cut(self, dropped: int, total: int, how: str) -> None:
        """Say next to the counter what did not fit: nothing is cut silently."""
        limit = f"Twilio's {MAX_CHARACTERS:,}-character limit"
        if how == "typed":
            text = f"The message is full: {limit}."
        elif how == "pasted":
            text = (
                f"Pasted {total:,} characters: {dropped:,} past {limit} were left out "
                "(Ctrl+Z undoes the paste)."
            )
        else:
            text = (
                f"The message had {total:,} characters: the box keeps the first "
                f"{total - dropped:,} ({limit}); {dropped:,} were cut. Saving keeps the cut "
                "message."
            )
        self.limit_note.setText("✂ " + text)
        self.limit_note.setToolTip(text)
        self.limit_note.show()
        self._note_edit = self.message.edits

    def _refresh_segments(self) -> None:
        if self.message.edits != self._note_edit:
            self.limit_note.hide()  # the text changed since what the note is about
        text = self.message.toPlainText()
        info = count_segments(text)
        self.segment_label.setText(info.summary())
        warn = info.encoding == "UCS-2" or info.segments > 1 or info.over_limit
        tip = ""
        if info.culprits:
            shown = " ".join(info.culprits[:12])
            tip = (
                f"Sent as UCS-2 because of: {shown}. Message → Replace look-alike "
                "characters swaps the ones that have a GSM-7 twin."
            )
        self.segment_label.setToolTip(tip)
        set_state(self.segment_label, "warn" if warn else "")
        self._highlight(bool(info.culprits))
        self.fix_button.setVisible(bool(info.culprits) and replace_lookalikes(text) != text)

    def _highlight(self, has_culprits: bool) -> None:
        """Attach the culprit marker the first time a message needs it (it then follows
        every edit by itself)."""
        if has_culprits and self._highlighter is None:
            from smstester.ui.highlight import CulpritHighlighter

            self._highlighter = CulpritHighlighter(self.message.document())
            self._highlighter.rehighlight()  # now, not at Qt's next turn

    def replace_lookalikes(self) -> bool:
        """Swap look-alike characters for GSM-7 ones, as one undoable edit. True if any."""
        text = self.message.toPlainText()
        fixed = replace_lookalikes(text)
        if fixed == text:
            return False
        from PySide6.QtGui import QTextCursor

        cursor = self.message.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(fixed)
        cursor.endEditBlock()
        return True

    # --- field status ----------------------------------------------------------------

    def _refresh_status(self, *, preflight: bool = True) -> None:
        """Each field's state from `problems()`: "error" (cannot be sent), "empty" or "";
        the numbers' labels say it in words (and what a valid number is); and what looks
        likely to fail (`preflight`)."""
        found = {p.field: p for p in reversed(self.problems())}  # the first one per field
        for name, (_row, editor) in self._rows.items():
            problem = found.get(name)
            state = "" if problem is None else ("empty" if problem.missing else "error")
            if editor.property("state") != state:
                editor.setProperty("state", state)
                self._mark_required(name, editor, state == "empty")
        region = self.current_region() or None
        checks = (
            None if "phone_from" in found else check_number(self.phone_from.text(), region),
            None if "phone_to" in found else check_number(self.phone_to.text(), region),
        )
        if preflight:
            self._show_preflight()
        shown = (found.get("phone_from"), found.get("phone_to"), *checks)
        if shown == self._shown:
            return  # most keystrokes: the numbers' status is as it was
        self._shown = shown
        self._show_status(self.from_status, found.get("phone_from"), checks[0], False)
        self._show_status(self.to_status, found.get("phone_to"), checks[1], True)

    def _mark_required(self, name: str, editor: QWidget, missing: bool) -> None:
        """An empty field that a send needs says so where the typing goes ("required — the
        integration's Auth-Key"), a secret left empty by an import or a keyring included;
        the number fields say it in their labels already."""
        if name in self._status_labels or not isinstance(editor, QLineEdit | QPlainTextEdit):
            return
        hint = BY_NAME[name].placeholder
        text = (f"required — {hint}" if hint else "required") if missing else hint
        if editor.placeholderText() != text:
            editor.setPlaceholderText(text)

    def _show_preflight(self) -> None:
        from smstester.core.preflight import preflight

        notices = [
            f"⚠ {notice}"
            for notice in preflight(self.test())
            # the To label says it already
            if not (notice.field == "phone_to" and "SMS cannot reach" in notice.text)
        ]
        text = "\n".join(notices)
        if text != self.preflight_label.text():
            self.preflight_label.setText(text)
            self.preflight_label.setVisible(bool(text))

    def _show_status(
        self, label: QLabel, problem: Problem | None, check: PhoneCheck | None, landline: bool
    ) -> None:
        if problem is not None:
            label.setText(problem.reason if problem.missing else "✗ " + problem.reason)
            set_state(label, "empty" if problem.missing else "error")
        elif check is not None:
            warn = landline and not check.sms_capable
            label.setText(("⚠ " if warn else "✓ ") + check.describe())
            set_state(label, "warn" if warn else "ok")


def _cheap_base_url_problem(value: str) -> Problem | None:
    """The base URL's check before httpx is loaded: only an empty one is refused here."""
    return None if value.strip(" ") else Problem("base_url", REQUIRED)

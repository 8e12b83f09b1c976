"""The connection form: fields, live number checks, and the SmsTest they describe."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, Qt, Signal
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

from smstester.core.fields import HELP, LABELS
from smstester.core.phone import PhoneCheck, calling_codes, check_number
from smstester.core.request import DEV_BASE_URL, LIVE_BASE_URL, SmsTest
from smstester.core.segments import count_segments, replace_lookalikes

# PySide6 builds each Qt class, with its enums, on first use: the classes only a marked-up
# or replaced message needs (QTextCharFormat, QTextCursor, ...) are imported there, and the
# event classes are for annotations only (the first one builds QEvent's enums, ~2 ms).
if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent, QWheelEvent

    from smstester.ui.highlight import CulpritHighlighter


def _set_state(widget: QWidget, state: str) -> None:
    """Set the `state` property the style sheet colours by, and apply the sheet again when
    it changed. A widget not polished yet (not shown yet) is left alone: its first polish
    reads the property anyway, and touching `style()` before the first paint would cost
    ~10 ms (PySide6 builds the QStyle enums on first use)."""
    if widget.property("state") == state:
        return  # most keystrokes: nothing to restyle
    widget.setProperty("state", state)
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        widget.style().unpolish(widget)
        widget.style().polish(widget)


#: Label texts with their keyboard mnemonics.
_MNEMONIC = {
    "base_url": "Base &URL",
    "brand_url": "&Brand-URL",
    "integration_id": "&Integration id",
    "auth_key": "Auth-&Key",
    "username": "Account &SID",
    "password": "Auth &Token",
    "phone_from": "&From",
    "phone_to": "T&o",
    "message": "&Message",
}


def system_region() -> str:
    """The region of the system locale ("US" for en_US), or "" when it has none."""
    name = QLocale.system().name()
    region = name.split("_")[-1].upper() if "_" in name else ""
    return region if region and region in calling_codes() else ""


class RegionCombo(QComboBox):
    """The region for numbers typed without +. Its 245 regions are listed when first needed
    (the list opened, a key, the wheel, a region to select), not before the first paint:
    listing them imports phonenumbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filled = False
        self.addItem("None (numbers start with +)", "")

    def ensure_filled(self) -> None:
        if self._filled:
            return
        self._filled = True
        codes = calling_codes()
        for code in sorted(codes):
            self.addItem(f"{code}  +{codes[code]}", code)

    def set_region(self, code: str) -> None:
        if code:
            self.ensure_filled()
        self.setCurrentIndex(max(self.findData(code.upper()), 0))

    def showPopup(self) -> None:
        self.ensure_filled()
        super().showPopup()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.ensure_filled()
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.ensure_filled()
        super().wheelEvent(event)


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
        self.toggle.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.toggle.toggled.connect(self._on_toggle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)

    def _on_toggle(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")


class ConnectionForm(QWidget):
    """Every field of a send. Emits `changed` on any edit; `test()` is what it describes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base_url = QComboBox(self)
        self.base_url.setObjectName("baseUrlEdit")
        self.base_url.setEditable(True)
        self.base_url.addItems([LIVE_BASE_URL, DEV_BASE_URL])
        self.base_url.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.base_url.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.brand_url = self._line("brandUrlEdit", "brand.example.com")
        self.integration_id = self._line("integrationIdEdit", "the app integration's id")
        self.auth_key_box = SecretEdit("authKeyEdit", self)
        self.auth_key = self.auth_key_box.edit
        self.auth_key.setPlaceholderText("the integration's Auth-Key")
        self.username = self._line("usernameEdit", "AC followed by 32 hex digits")
        self.password_box = SecretEdit("passwordEdit", self)
        self.password = self.password_box.edit
        self.password.setPlaceholderText("Twilio Auth Token")
        self.phone_from = self._line("fromEdit", "+15005550006")
        self.phone_to = self._line("toEdit", "+14155552671")
        self.from_status = self._status("fromStatusLabel")
        self.to_status = self._status("toStatusLabel")
        self.region = RegionCombo(self)
        self.region.setObjectName("regionCombo")
        self.region.setToolTip("Country used for numbers typed without + and a country code")
        self.set_region(system_region())
        self.message = QPlainTextEdit(self)
        self._highlighter: CulpritHighlighter | None = None
        self.message.setObjectName("messageEdit")
        self.message.setPlaceholderText("The text of the test SMS")
        self.message.setTabChangesFocus(True)
        self.message.setMinimumHeight(70)
        self.segment_label = QLabel(self)
        self.segment_label.setObjectName("segmentLabel")
        self.segment_label.setTextFormat(Qt.TextFormat.PlainText)

        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        rows: list[tuple[str, QWidget, QWidget]] = [
            ("base_url", self.base_url, self.base_url),
            ("brand_url", self.brand_url, self.brand_url),
            ("integration_id", self.integration_id, self.integration_id),
            ("auth_key", self.auth_key_box, self.auth_key),
            ("username", self.username, self.username),
            ("password", self.password_box, self.password),
            ("phone_from", self._stacked(self.phone_from, self.from_status), self.phone_from),
            ("phone_to", self._stacked(self.phone_to, self.to_status), self.phone_to),
        ]
        for name, widget, buddy in rows:
            self._add_row(layout, name, widget, buddy)
        region_label = QLabel("&Region", self)
        region_label.setBuddy(self.region)
        layout.addRow(region_label, self.region)
        self._add_row(layout, "message", self.message, self.message)
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
        layout.addRow("", segment_row)

        self._line_edits = (
            self.brand_url,
            self.integration_id,
            self.auth_key,
            self.username,
            self.password,
            self.phone_from,
            self.phone_to,
        )
        for edit in self._line_edits:
            edit.textChanged.connect(self.changed)
        self.base_url.editTextChanged.connect(self.changed)
        self.region.currentIndexChanged.connect(self.changed)
        self.message.textChanged.connect(self.changed)
        self.message.textChanged.connect(self._refresh_segments)
        self.changed.connect(self._refresh_numbers)
        chain: list[QWidget] = [
            self.base_url,
            self.brand_url,
            self.integration_id,
            self.auth_key,
            self.auth_key_box.toggle,
            self.username,
            self.password,
            self.password_box.toggle,
            self.phone_from,
            self.phone_to,
            self.region,
            self.message,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._checks: tuple[PhoneCheck, PhoneCheck] | None = None
        self._refresh_numbers()
        self._refresh_segments()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
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

    def _status(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        return label

    def _add_row(self, layout: QFormLayout, name: str, widget: QWidget, buddy: QWidget) -> None:
        label = QLabel(_MNEMONIC[name], self)
        label.setBuddy(buddy)
        tip = f"<b>{LABELS[name]}</b><br>{HELP[name]}"
        label.setToolTip(tip)
        buddy.setToolTip(tip)
        layout.addRow(label, widget)

    def focus_first_empty(self) -> None:
        """Put the cursor where typing should start: the first empty field."""
        for edit in self._line_edits:
            if not edit.text():
                edit.setFocus()
                return
        self.message.setFocus()

    # --- values -------------------------------------------------------------------------

    def current_region(self) -> str:
        return str(self.region.currentData() or "")

    def set_region(self, code: str) -> None:
        self.region.set_region(code)

    def test(self) -> SmsTest:
        """The SmsTest the form describes, exactly as typed."""
        return SmsTest(
            base_url=self.base_url.currentText(),
            brand_url=self.brand_url.text(),
            integration_id=self.integration_id.text(),
            auth_key=self.auth_key.text(),
            username=self.username.text(),
            password=self.password.text(),
            phone_from=self.phone_from.text(),
            phone_to=self.phone_to.text(),
            message=self.message.toPlainText(),
            region=self.current_region() or None,
        )

    def set_test(self, test: SmsTest) -> None:
        """Fill every field from `test`."""
        self.base_url.setEditText(test.base_url)
        self.brand_url.setText(test.brand_url)
        self.integration_id.setText(test.integration_id)
        self.auth_key.setText(test.auth_key)
        self.username.setText(test.username)
        self.password.setText(test.password)
        self.phone_from.setText(test.phone_from)
        self.phone_to.setText(test.phone_to)
        if self.message.toPlainText() != test.message:
            self.message.setPlainText(test.message)
        if test.region is not None:
            self.set_region(test.region)

    def complete(self) -> bool:
        """Every required field filled in and both numbers valid."""
        test = self.test()
        filled = all(
            value.strip()
            for value in (
                test.base_url,
                test.brand_url,
                test.integration_id,
                test.auth_key,
                test.username,
                test.password,
                test.message,
            )
        )
        checks = self._checks
        return filled and checks is not None and checks[0].valid and checks[1].valid

    # --- message: encoding, segments, culprits ------------------------------------------

    def _refresh_segments(self) -> None:
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
        _set_state(self.segment_label, "warn" if warn else "")
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

    # --- live number checks -------------------------------------------------------------

    def _refresh_numbers(self) -> None:
        region = self.current_region() or None
        checks = (
            check_number(self.phone_from.text(), region),
            check_number(self.phone_to.text(), region),
        )
        if checks == self._checks:
            return
        self._checks = checks
        self._show_check(self.from_status, checks[0], warn_landline=False)
        self._show_check(self.to_status, checks[1], warn_landline=True)

    def _show_check(self, label: QLabel, check: PhoneCheck, *, warn_landline: bool) -> None:
        if check.valid:
            warn = warn_landline and not check.sms_capable
            label.setText(("⚠ " if warn else "✓ ") + check.describe())
            _set_state(label, "warn" if warn else "ok")
        else:
            label.setText(check.reason if check.reason == "required" else "✗ " + check.reason)
            _set_state(label, "empty" if check.reason == "required" else "error")

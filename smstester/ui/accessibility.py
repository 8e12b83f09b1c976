"""Names and descriptions for screen readers, given in one place: `name_for_screen_readers`.

What a screen reader says of a widget is its accessible name (what it is) and its description
(what it is for, when the name does not say it). Qt derives a name from a button's text and
from the label whose buddy a field is, when that label is the field's sibling; here most
fields sit in a box with a Show or Sign in… button, where Qt finds no label, and a combo box
would be named by its current value. So:

- each field of `core.fields.FIELDS` is named by its label (`short_label`) and described by
  its help, in plain text (the tooltip's <b> would be read out);
- buttons keep the name Qt derives from their text, which follows the text as it changes
  (Copy as…), unless that text alone is ambiguous ("Show" twice, "Save"); their description is
  their tooltip, which Qt reads as it changes (Send says why it is disabled);
- status labels (a number's check, the Auth-Key's, the banners) get a description and no fixed
  name: Qt names a label by its text and tells the screen reader whenever the text changes,
  which a fixed name would hide. Their text says what matters in words (✓/✗/⚠ and a sentence),
  never by colour alone;
- a number turning valid or invalid, and every status-bar message (a send finished, not sent
  and why, copied), is announced (QAccessibleAnnouncementEvent), as a screen reader would not
  otherwise read a label away from the focus.

Only widgets named here are touched, each found by its objectName: walking every widget
would wrap each scroll bar and frame in Python before the first paint (~20 ms). A new input or
button that Qt cannot name from its text fails tests/ui/test_accessibility.py, which walks them
all: give it a row in NAMED.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QWidget

from smstester.core.fields import FIELDS

if TYPE_CHECKING:
    from smstester.ui.window import MainWindow

#: objectName -> (name, description) of widgets that are not fields; "" keeps what Qt gives
#: (the text for a name, the tooltip for a description).
NAMED: Final = {
    "profileCombo": ("Profile", "The saved connection the form is filled from"),
    "saveProfileButton": ("Save profile", ""),
    "saveAsProfileButton": ("Save profile as…", ""),
    "renameProfileButton": ("Rename profile…", ""),
    "deleteProfileButton": ("Delete profile", ""),
    "chooseIntegrationButton": ("Choose integration…", ""),
    "cancelButton": ("Cancel send", ""),
    "logView": ("Log", "Each send's result: the status, the envelope, the errors and what to do"),
    "historyFilterEdit": (
        "Filter the history",
        "Keeps the past sends whose number, profile, integration id, message or code holds it",
    ),
    "historyView": ("History", "Every past send, newest first"),
}

#: objectName -> description of the labels that show a state in words (named by their text).
STATUS: Final = {
    "fromStatusLabel": "Check of the From number",
    "toStatusLabel": "Check of the To number: whether it is valid and can receive SMS",
    "brandStatusLabel": "What jframework says of the Brand-URL",
    "authKeyStatusLabel": "Whether the Auth-Key is valid and when it expires",
    "segmentLabel": "The message's length, encoding and segments",
    "messageLimitLabel": "What did not fit in the message",
    "preflightLabel": "What looks likely to fail although a send would be accepted",
    "keyringBanner": "Warning: where the secrets are kept",
    "tlsBanner": "Warning: TLS certificate verification",
    "insecureTransportBanner": "Warning: the secrets would travel unencrypted",
    "diagnosisView": "What the last answer means and what to do",
}

#: The number checks that are announced when they turn valid or invalid: label, field label.
ANNOUNCED_CHECKS: Final = (("fromStatusLabel", "From"), ("toStatusLabel", "To"))

_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """Words of a label or tooltip: no & mnemonics, no tags."""
    text = _TAG.sub(" ", text).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split())


def name_for_screen_readers(window: MainWindow) -> None:
    """Give every input, button and status label of `window` its accessible name and
    description, and announce what matters; once, when the window is built (again: no-op)."""
    if window.property("namedForScreenReaders"):
        return
    window.setProperty("namedForScreenReaders", True)
    for field in FIELDS:
        editor = window.findChild(QWidget, field.object_name)
        if editor is None:
            continue
        editor.setAccessibleName(field.short_label)
        editor.setAccessibleDescription(_plain(field.help))
        inner = editor.lineEdit() if isinstance(editor, QComboBox) else None
        if inner is not None:
            inner.setAccessibleName(field.short_label)
            inner.setAccessibleDescription(_plain(field.help))
        box = editor.parentWidget()
        toggle = getattr(box, "toggle", None)
        if field.secret and isinstance(toggle, QAbstractButton):
            toggle.setAccessibleName(f"Show {field.short_label}")
            toggle.setAccessibleDescription(
                f"Shows the {field.short_label} as typed while pressed; hidden otherwise"
            )
    for object_name, (name, description) in NAMED.items():
        widget = window.findChild(QWidget, object_name)
        if widget is not None:
            if name:
                widget.setAccessibleName(name)
            if description:
                widget.setAccessibleDescription(description)
    for object_name, description in STATUS.items():
        label = window.findChild(QLabel, object_name)
        if label is not None:
            label.setAccessibleDescription(description)
    _announce_changes(window)


def announce(widget: QWidget, message: str) -> None:
    """Have a screen reader say `message` politely (after what it is saying now)."""
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    event = QAccessibleAnnouncementEvent(widget, message)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


def _verdict(text: str) -> str:
    """What a number's check says in one sign: ✓, ✗, ⚠, or "" (empty, required)."""
    return text[:1] if text[:1] in ("✓", "✗", "⚠") else ""


def _announce_changes(window: MainWindow) -> None:
    status_bar = window.statusBar()

    def message_shown(message: str) -> None:
        # Not a menu item's tip, shown as the pointer moves over an open menu: the screen
        # reader reads the menu itself.
        if message and QApplication.activePopupWidget() is None:
            announce(status_bar, message)

    status_bar.messageChanged.connect(message_shown)
    labels = [
        (label, field)
        for object_name, field in ANNOUNCED_CHECKS
        if (label := window.findChild(QLabel, object_name)) is not None
    ]
    said = {label: _verdict(label.text()) for label, _field in labels}

    def checked() -> None:
        for label, field in labels:
            verdict = _verdict(label.text())
            if verdict != said[label]:
                said[label] = verdict
                if verdict:
                    announce(label, f"{field}: {label.text()}")

    # Connected after the form's own refresh: the labels say the new check by now.
    window.form.changed.connect(checked)

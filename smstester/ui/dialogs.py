"""Every question the window asks, behind small functions that a test can replace.

The dialog classes are imported by the first dialog: PySide6 builds each Qt class, with
its enums, on first use, and the window's first paint needs none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    yes: str = "Yes",
    *,
    cancel_default: bool = False,
) -> bool:
    """A yes/no question; True when the user agrees. With `cancel_default` (a risky yes),
    Cancel is the default button and has the focus: Enter, Space and Esc all say no."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(cancel if cancel_default else accept)
    box.exec()
    return box.clickedButton() is accept


def choose(parent: QWidget | None, title: str, text: str, choices: tuple[str, ...]) -> int | None:
    """One of `choices` (buttons, the first the default), or None for Cancel (also Esc)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    buttons = [box.addButton(label, QMessageBox.ButtonRole.AcceptRole) for label in choices]
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(buttons[0])
    box.exec()
    clicked = box.clickedButton()
    return next((i for i, button in enumerate(buttons) if button is clicked), None)


def ask_text(
    parent: QWidget | None, title: str, label: str, text: str = "", *, secret: bool = False
) -> str | None:
    """A line of text, or None when cancelled; with `secret`, typed without being shown."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    if secret:
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    # Wide enough for its title (window managers cut it to "Save p…file as" otherwise).
    dialog.setMinimumWidth(max(360, dialog.fontMetrics().horizontalAdvance(title) + 160))
    ok = dialog.exec()
    return dialog.textValue() if ok else None


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """Something the user must read."""
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(parent, title, text)


def open_file(parent: QWidget | None, title: str, filters: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path or None


def save_file(parent: QWidget | None, title: str, name: str, filters: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(parent, title, name, filters)
    return path or None

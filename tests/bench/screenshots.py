"""The README's screenshots of the window's dialogs, made offscreen against the embedded
sandbox: `QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/screenshots.py resources/`.

Writes `screenshot-sign-in.png` (the sign-in dialog over the window, after a wrong password),
`screenshot-picker.png` (the integration picker with the sandbox brand's integrations),
`screenshot.png` and `screenshot-dark.png` (the window at 1024×700 after a send Twilio
refused, light and dark) and `screenshot-800x600.png`; with `--scale-2` (and
QT_SCALE_FACTOR=2) `screenshot-scale2.png` alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SMSTESTER_CONFIG_DIR", tempfile.mkdtemp(prefix="smstester-shots-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QLabel, QWidget


def wait(app: QApplication, done: object, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.01)


def composed(window: QWidget, dialog: QDialog) -> QPixmap:
    """The window with the dialog drawn over its middle, as a person sees them."""
    shot = window.grab()
    painter = QPainter(shot)
    top_left = QPoint((shot.width() - dialog.width()) // 2, (shot.height() - dialog.height()) // 3)
    painter.drawPixmap(top_left, dialog.grab())
    painter.end()
    return shot


def scale_2(app: QApplication, out: Path) -> int:
    """Run with QT_SCALE_FACTOR=2: the window as a 1920×1080 screen at scale 2 shows it
    (960×540 logical pixels), saved as `screenshot-scale2.png`."""
    from smstester.ui import build_window

    window = build_window(["--sandbox"])
    window.show()
    window.resize(960, 540)
    brand = window.findChild(QLabel, "brandStatusLabel")
    wait(app, lambda: brand is not None and brand.text().startswith("✓"))
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(out / "screenshot-scale2.png"))
    window.close()
    return 0


def main(folder: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    from smstester.ui import build_window

    out = Path(folder)
    if "--scale-2" in sys.argv:
        return scale_2(app, out)
    window = build_window(["--sandbox"])
    window.show()
    brand = window.findChild(QLabel, "brandStatusLabel")
    wait(app, lambda: brand is not None and brand.text().startswith("✓"))

    window.account.sign_in()
    dialog = window.findChild(QDialog, "signInDialog")
    assert dialog is not None
    dialog.password.setText("a wrong password")
    dialog._submit()
    wait(app, lambda: dialog.error.isVisible())
    composed(window, dialog).save(str(out / "screenshot-sign-in.png"))
    dialog.password.setText("sandbox-demo-password")
    dialog._submit()
    wait(app, lambda: not dialog.isVisible())

    window.account.choose()
    picker = window.findChild(QDialog, "integrationPicker")
    assert picker is not None
    rows = picker.findChild(QAbstractItemView, "integrationList")
    wait(app, lambda: rows is not None and rows.model().rowCount() > 1)
    composed(window, picker).save(str(out / "screenshot-picker.png"))
    picker.reject()

    # The window at 1024×700 after a send Twilio refused, light and dark; and at 800×600.
    from smstester.ui.theme import apply_theme

    window.form.phone_to.setText("+15005550004")  # Twilio 21610
    window.resize(1024, 700)
    window.send()
    wait(app, lambda: not window.in_flight and window.log.entry_count > 0)
    wait(app, lambda: window.history.model.rowCount() > 0)
    for theme in ("light", "dark"):
        apply_theme(window, theme)
        for _ in range(20):
            app.processEvents()
        window.grab().save(
            str(out / ("screenshot.png" if theme == "light" else "screenshot-dark.png"))
        )
    apply_theme(window, "light")
    window.resize(800, 600)
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(out / "screenshot-800x600.png"))
    window.close()
    return 0


if __name__ == "__main__":
    folders = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    raise SystemExit(main(folders[0] if folders else "."))

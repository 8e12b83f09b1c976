"""The yardstick for smstester's start-up: a bare PySide6 window with as many widgets.

Run: ``python tests/bench/bare_window.py --widgets N --screenshot FILE.png``. Shows a
QMainWindow of smstester's size whose ``findChildren(QWidget)`` count is N (labels and
line edits in a grid of three columns, so that they fit), waits for the first paint
exactly as ``smstester --screenshot`` does, saves a PNG and exits 0. Nothing but PySide6
is imported.
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QLineEdit, QMainWindow, QWidget

COLUMNS = 3


def build(widgets: int) -> QMainWindow:
    window = QMainWindow()
    window.setWindowTitle("bare window")
    central = QWidget(window)
    grid = QGridLayout(central)
    window.setCentralWidget(central)
    cell = 0
    while len(window.findChildren(QWidget)) + 2 <= widgets:
        row, column = divmod(cell, COLUMNS)
        grid.addWidget(QLabel(f"Field {cell}", central), row, 2 * column)
        grid.addWidget(QLineEdit(central), row, 2 * column + 1)
        cell += 1
    while len(window.findChildren(QWidget)) < widgets:
        row, column = divmod(cell, COLUMNS)
        grid.addWidget(QLabel("…", central), row, 2 * column)
        cell += 1
    window.resize(1180, 720)
    return window


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--widgets", type=int, default=108)
    parser.add_argument("--screenshot", required=True, metavar="FILE.png")
    parser.add_argument(
        "--painted",
        metavar="FILE",
        help="write time.monotonic() there at the first paint (and the peak memory so far, "
        "KiB, into FILE.kib)",
    )
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    window = build(args.widgets)
    if args.painted:
        import resource
        import time
        from pathlib import Path

        painted = Path(args.painted)
        base = type(window).paintEvent

        def paint(event: object) -> None:
            if not painted.exists():
                now = time.monotonic()
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                Path(f"{painted}.kib").write_text(str(peak))
                painted.write_text(repr(now))
            base(window, event)

        window.paintEvent = paint  # type: ignore[method-assign]
    window.show()

    def shoot() -> None:
        # As `smstester --screenshot` does: once the window is exposed, it has had its
        # first paint (Qt paints it as it handles the expose event).
        handle = window.windowHandle()
        if handle is None or not handle.isExposed():
            QTimer.singleShot(2, shoot)
            return
        ok = window.grab().save(args.screenshot, "PNG")
        window.close()
        app.exit(0 if ok else 1)

    QTimer.singleShot(0, shoot)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

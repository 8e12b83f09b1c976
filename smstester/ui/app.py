"""Starting the window: `smstester [--sandbox] [--screenshot FILE]` (CONTRACT §3, §4)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMainWindow

from smstester.ui.options import read_window_argv
from smstester.ui.resources import resource_path
from smstester.ui.theme import apply_theme
from smstester.ui.window import MainWindow


def build_window(argv: list[str]) -> QMainWindow:
    """The main window exactly as `smstester ARGV…` builds it, on the running QApplication."""
    args = read_window_argv(argv)
    sandbox = None
    if args.sandbox:
        from smstester.sandbox import SandboxServer

        sandbox = SandboxServer().start()
    window = MainWindow(sandbox=sandbox)
    window.setWindowIcon(QIcon(str(resource_path("smstester.svg"))))
    saved_theme: object = None
    if args.screenshot:
        # A screenshot shows the window as it first opens, and changes no settings.
        window.persist_state = False
    else:
        # The one disk read before the first paint: a few hundred bytes, so the window
        # opens where it was left instead of jumping there afterwards.
        from smstester.core.storage import Settings

        settings = Settings()
        window.restore_state(settings.get("window") or {})
        saved_theme = settings.get("theme")
    apply_theme(window, saved_theme)  # before the first paint, the style sheet with it
    if sandbox is not None:
        window.use_sandbox(sandbox)
    window.profiles.open(restore_last=sandbox is None)
    window.form.focus_first_empty()
    return window


def run(argv: list[str]) -> int:
    """Run the window until it closes (or, with --screenshot, until its first paint is saved)."""
    args = read_window_argv(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("smstester")
    app.setDesktopFileName("smstester")
    app.setWindowIcon(QIcon(str(resource_path("smstester.svg"))))
    window = build_window(argv)
    assert isinstance(window, MainWindow)
    window.show()
    if args.send:
        QTimer.singleShot(0, window.send)
    if args.screenshot:
        import time

        path: str = args.screenshot
        started = time.monotonic()

        def shoot() -> None:
            # Exposed: the window has had its first paint (Qt paints it as it handles the
            # expose event), as on a screen.
            handle = window.windowHandle()
            painted = handle is not None and handle.isExposed()
            if (
                not painted
                or window.profiles.tasks.busy
                # what the first seconds show: the keyring banner, the brand's status
                # (waited for 5 s at most: a slow server does not hold the picture up)
                or window.profiles.keyring_timer.isActive()
                or (window.account.checking and time.monotonic() < started + 5.0)
                or (args.send and (window.in_flight or window.tasks.busy))
            ):
                QTimer.singleShot(2, shoot)
                return
            ok = window.grab().save(path, "PNG")
            window.close()
            app.exit(0 if ok else 1)

        QTimer.singleShot(0, shoot)
    code = app.exec()
    window.shutdown()
    return code

"""Starting the window: `smstester [--sandbox] [--screenshot FILE]` (CONTRACT §3, §4)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from smstester.ui.options import read_window_argv
from smstester.ui.resources import resource_path
from smstester.ui.theme import apply_theme
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

    from smstester.sandbox import SandboxServer


def build_window(argv: list[str]) -> QMainWindow:
    """The main window exactly as `smstester ARGV…` builds it, on the running QApplication
    (CONTRACT §4), whole: every objectName is there before it is shown."""
    window = start_window(argv)
    window.make_deferred_parts()
    window.setWindowIcon(_icon())
    return window


def start_window(argv: list[str]) -> MainWindow:
    """The window `smstester ARGV…` shows: what its first paint can do without (the
    sign-in and picker, the History panel, the icon, reading the saved profiles) is made or
    done right after that paint."""
    args = read_window_argv(argv)
    saved_theme: object = None
    state: object = {}
    if not args.screenshot:  # a screenshot shows the window as it first opens
        # The one disk read before the first paint: a few hundred bytes, so the window
        # opens where it was left instead of jumping there afterwards.
        from smstester.core.storage import Settings

        settings = Settings()
        state = settings.get("window") or {}
        saved_theme = settings.get("theme")
    sandbox = None
    moved = ""
    if args.sandbox:
        sandbox, moved = _start_sandbox(args.port, state)
    window = MainWindow(sandbox=sandbox)
    window.first_painted.connect(lambda: window.setWindowIcon(_icon()))
    if args.screenshot:
        window.persist_state = False  # and it changes no settings
    else:
        window.restore_state(state)
    apply_theme(window, saved_theme)  # before the first paint, the style sheet with it
    if moved:
        window.log.add_note(moved, "warn")
    if sandbox is not None:
        window.use_sandbox(sandbox)
    window.open_profiles_when_painted(restore_last=sandbox is None)
    window.form.focus_first_empty()
    return window


def _icon() -> QIcon:
    """smstester's icon. Loaded once the window has painted: reading the SVG (Qt's SVG
    icon engine, loaded for it) costs the first paint ~13 ms, and an icon that comes a frame
    later is the same to the title bar and the task bar."""
    from PySide6.QtGui import QIcon

    return QIcon(str(resource_path("smstester.svg")))


def _start_sandbox(port: str | None, state: object) -> tuple[SandboxServer, str]:
    """The embedded sandbox on `--port` (checked by `options.port_problem`), else on the
    port it had last time (kept with the window's state), else any free one; and words
    when the port asked for is taken."""
    from smstester.sandbox import SandboxServer

    last = state.get("sandboxPort") if isinstance(state, dict) else None
    wanted = int(port) if port is not None else last if isinstance(last, int) else 0
    if not 0 < wanted <= 65535:
        return SandboxServer().start(), ""
    try:
        return SandboxServer(port=wanted).start(), ""
    except OSError as exc:
        words = (
            f"The sandbox could not listen on port {wanted} ({exc.strerror or exc}): it "
            "listens on another one, so a profile saved against the old port needs its base "
            "URL changed."
        )
        return SandboxServer().start(), words


def _freeze_start_up_objects() -> None:
    """The window and its widgets' wrappers (about 21,000 objects, made after the imports
    that `cli.cmd_window` froze) live as long as the window: set aside too, so a full
    collection, which holds the UI thread, walks only what came later (9 ms less each)."""
    import gc

    gc.freeze()


def run(argv: list[str]) -> int:
    """Run the window until it closes (or, with --screenshot, until its first paint is saved)."""
    args = read_window_argv(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("smstester")
    app.setDesktopFileName("smstester")
    window = start_window(argv)
    window.first_painted.connect(lambda: app.setWindowIcon(_icon()))  # its dialogs' too
    window.show()
    QTimer.singleShot(0, _freeze_start_up_objects)
    sent: list[bool] = []  # --send: whether the send has started
    if args.send:

        def send_when_ready() -> None:
            # Once the saved profiles are read (right after the first paint) and the last
            # one is in the form: `--send` sends what the window opens with.
            if window.profiles_pending or window.profiles.tasks.busy:
                QTimer.singleShot(2, send_when_ready)
                return
            sent.append(True)
            window.send()

        QTimer.singleShot(0, send_when_ready)
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
                or window.profiles_pending
                or window.profiles.tasks.busy
                # what the first seconds show: the keyring banner, the brand's status
                # (waited for 5 s at most: a slow server does not hold the picture up)
                or window.profiles.keyring_timer.isActive()
                or (window.account.checking and time.monotonic() < started + 5.0)
                or (args.send and (not sent or window.in_flight or window.tasks.busy))
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

"""Window fixtures: the window exactly as `smstester --sandbox` builds it, and leak checks."""

from __future__ import annotations

import itertools
import sys
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from pytestqt.qtbot import QtBot

from smstester.ui import build_window
from smstester.ui.window import MainWindow


@pytest.fixture(autouse=True)
def _no_leftover_threads_or_timers(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that leaves a worker, a Python thread, a running QTimer or a pending
    single-shot timer behind."""
    timers: weakref.WeakSet[QTimer] = weakref.WeakSet()
    original_start = QTimer.start
    original_single_shot = QTimer.singleShot
    pending: dict[int, str] = {}  # single shots not fired yet -> where they were started
    counter = itertools.count()

    def tracking_start(self: QTimer, *args: Any) -> None:
        timers.add(self)
        original_start(self, *args)

    def tracking_single_shot(msec: int, *args: Any) -> None:
        *receiver, slot = args
        key = next(counter)
        frame = sys._getframe(1)
        pending[key] = f"{frame.f_code.co_filename}:{frame.f_lineno}"

        def fire() -> None:
            pending.pop(key, None)
            slot()

        original_single_shot(msec, *receiver, fire)

    monkeypatch.setattr(QTimer, "start", tracking_start)
    monkeypatch.setattr(QTimer, "singleShot", staticmethod(tracking_single_shot))
    before = set(threading.enumerate())
    yield
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=5000)
    qtbot.waitUntil(
        lambda: (
            not (
                set(threading.enumerate())
                - before
                - {t for t in threading.enumerate() if not t.is_alive()}
            )
        ),
        timeout=5000,
    )
    running = []
    for timer in list(timers):
        try:
            if timer.isActive():
                running.append(timer)
        except RuntimeError:  # the C++ object is gone: not running
            continue
    assert not running, f"{len(running)} QTimer(s) still running after the test"
    assert not pending, f"single-shot timers still pending: {sorted(pending.values())}"


class Dialogs:
    """Stand-ins for every question the window asks; tests set the answers."""

    def __init__(self) -> None:
        self.answer = True
        self.text: str | None = None
        self.path: str | None = None
        self.asked: list[str] = []
        #: For each question asked, whether Cancel was its default button.
        self.cancel_default: list[bool] = []
        self.informed: list[str] = []

    def ask(
        self,
        _parent: object,
        title: str,
        text: str,
        yes: str = "Yes",
        *,
        cancel_default: bool = False,
    ) -> bool:
        self.asked.append(f"{title}: {text}")
        self.cancel_default.append(cancel_default)
        return self.answer

    def ask_text(self, _parent: object, title: str, label: str, text: str = "") -> str | None:
        self.asked.append(f"{title}: {label}")
        return self.text

    def inform(self, _parent: object, title: str, text: str) -> None:
        self.informed.append(f"{title}: {text}")

    def file(self, *_args: object) -> str | None:
        return self.path


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """No test ever blocks on a real dialog."""
    stand_in = Dialogs()
    for name in ("ask", "ask_text", "inform"):
        monkeypatch.setattr(f"smstester.ui.dialogs.{name}", getattr(stand_in, name))
    monkeypatch.setattr("smstester.ui.dialogs.open_file", stand_in.file)
    monkeypatch.setattr("smstester.ui.dialogs.save_file", stand_in.file)
    return stand_in


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    """`smstester --sandbox`: every field filled in against an in-process sandbox."""
    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
    yield win
    win.close()

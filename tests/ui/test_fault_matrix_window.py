"""The fault matrix in the window: every sandbox fault mode and every client-side fault ends
in a log entry in plain words, the event loop keeps turning while the send is in flight, a
send right after against the good sandbox works, and (the autouse leak check) no worker,
thread or timer is left behind. Real sockets, 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
import trustme
from faulty_servers import (
    CLIENT_FAULTS,
    SANDBOX_FAULTS,
    ClientFault,
    LoopbackServer,
    free_port,
    server_tls,
)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from smstester.core.client import Timeouts
from smstester.ui.window import MainWindow

#: The longest the event loop may stall while a send is in flight (generous: shared CI).
MAX_STALL_MS = 250.0


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=CLIENT_FAULTS, ids=lambda fault: fault.name)
def client_fault(
    request: pytest.FixtureRequest, ca: trustme.CA
) -> Iterator[tuple[ClientFault, str]]:
    """The fault and the base URL that shows it. Function-scoped: the leak check must see
    the server's threads gone."""
    fault: ClientFault = request.param
    if fault.handler is None:
        yield fault, f"http://127.0.0.1:{free_port()}"
        return
    with LoopbackServer(fault.handler, tls=server_tls(ca) if fault.tls else None) as server:
        yield fault, server.url


@pytest.fixture
def fast(window: MainWindow) -> MainWindow:
    """The sandbox window with short timeouts and a short `fault-slow`."""
    window.timeouts = Timeouts(connect=1, read=1, total=3)
    assert window.sandbox is not None
    window.sandbox.app.slow_seconds = 0.3
    return window


def log_text(win: MainWindow) -> str:
    view = win.findChild(QTextBrowser, "logView")
    assert view is not None
    return view.toPlainText()


def entries(win: MainWindow) -> int:
    return sum(line.startswith("POST ") for line in log_text(win).splitlines())


def send_watching_the_event_loop(qtbot: QtBot, win: MainWindow) -> str:
    """Click Send, wait for the log entry, check that the UI never stalled; the entry's text."""
    button = win.findChild(QPushButton, "sendButton")
    assert button is not None
    assert button.isEnabled()
    before = entries(win)
    ticks: list[float] = []
    timer = QTimer(win)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        clicked = time.perf_counter()
        button.click()
        returned = time.perf_counter()
        assert win.in_flight or entries(win) > before
        qtbot.waitUntil(lambda: not win.in_flight and entries(win) > before, timeout=10_000)
        done = time.perf_counter()
    finally:
        timer.stop()
    # The click only starts the send: the waiting happens on a worker.
    assert (returned - clicked) * 1000 < MAX_STALL_MS
    moments = [returned, *(t for t in ticks if returned <= t <= done), done]
    stall = max(b - a for a, b in itertools.pairwise(moments)) * 1000
    assert stall < MAX_STALL_MS, f"the event loop stalled {stall:.0f} ms"
    if done - returned > 0.2:
        assert len(ticks) >= 5  # the timer really ticked while the send was in flight
    text = log_text(win)
    return text[text.rfind("\nPOST ") + 1 :]


def retry_against_the_sandbox(qtbot: QtBot, win: MainWindow) -> None:
    assert win.sandbox is not None
    demo = win.sandbox.demo
    base = win.findChild(QComboBox, "baseUrlEdit")
    integration = win.findChild(QLineEdit, "integrationIdEdit")
    assert base is not None
    assert integration is not None
    base.setEditText(demo.url)
    integration.setText(demo.integration_id)
    entry = send_watching_the_event_loop(qtbot, win)
    assert "✔ success · statusCode 200" in entry


@pytest.mark.parametrize("fault", sorted(SANDBOX_FAULTS))
def test_sandbox_fault_in_the_window(qtbot: QtBot, fast: MainWindow, fault: str) -> None:
    assert fast.sandbox is not None
    url = fast.sandbox.url
    _, template = SANDBOX_FAULTS[fault]
    integration = fast.findChild(QLineEdit, "integrationIdEdit")
    assert integration is not None
    integration.setText(fault)
    entry = send_watching_the_event_loop(qtbot, fast)
    assert template.format(url=url, port=url.rsplit(":", 1)[1]) in entry
    assert fast.sandbox.demo.auth_key not in log_text(fast)
    assert fast.sandbox.demo.password not in log_text(fast)
    retry_against_the_sandbox(qtbot, fast)


def test_client_fault_in_the_window(
    qtbot: QtBot, fast: MainWindow, client_fault: tuple[ClientFault, str]
) -> None:
    fault, url = client_fault
    base = fast.findChild(QComboBox, "baseUrlEdit")
    assert base is not None
    base.setEditText(url)
    entry = send_watching_the_event_loop(qtbot, fast)
    assert fault.words.format(url=url, port=url.rsplit(":", 1)[1]) in entry, entry
    assert "unexpected error" not in log_text(fast)
    retry_against_the_sandbox(qtbot, fast)

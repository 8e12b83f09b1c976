"""`smstester --sandbox --port N`: the sandbox keeps its port, and the window remembers the
last one, so a profile saved against it keeps working; a port that is taken is said."""

from __future__ import annotations

import socket

import pytest
from pytestqt.qtbot import QtBot

from smstester.cli import main
from smstester.ui import build_window
from smstester.ui.window import MainWindow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def opened(qtbot: QtBot, argv: list[str]) -> MainWindow:
    window = build_window(argv)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_sandbox_keeps_its_port_and_the_window_remembers_it(qtbot: QtBot) -> None:
    port = free_port()
    first = opened(qtbot, ["--sandbox", "--port", str(port)])
    assert first.sandbox is not None and first.sandbox.port == port
    assert first.form.base_url.currentText() == f"http://127.0.0.1:{port}"
    first.close()
    again = opened(qtbot, ["--sandbox"])
    try:
        assert again.sandbox is not None and again.sandbox.port == port
    finally:
        again.close()


def test_a_taken_port_is_said_and_another_one_used(qtbot: QtBot) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        window = opened(qtbot, ["--sandbox", "--port", str(port)])
        try:
            assert window.sandbox is not None and window.sandbox.port != port
            assert f"could not listen on port {port}" in window.log.toPlainText()
        finally:
            window.close()


def test_a_bad_port_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sandbox", "--port", "70000"]) == 2
    assert "from 0 to 65535" in capsys.readouterr().err
    assert main(["--port", "8080"]) == 2
    assert "give it with --sandbox" in capsys.readouterr().err

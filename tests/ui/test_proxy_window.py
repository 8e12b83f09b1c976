"""A proxy that names a user and no password: the window asks for the password (not shown
as typed, kept for the session only) and the send goes through the proxy."""

from __future__ import annotations

import base64
import os

import pytest
from pytestqt.qtbot import QtBot

import smstester.core.client  # noqa: F401 (loaded, as after the window's warm-up)
from smstester.core.client import PROXY_PASSWORD_VARIABLE
from smstester.core.redaction import exposes
from smstester.ui.window import MainWindow
from tests.integration.test_proxy import CORP_HOST, PASSWORD, USER, AuthProxy
from tests.ui.conftest import Dialogs


def test_the_window_asks_for_the_proxy_password(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.sandbox is not None
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        PROXY_PASSWORD_VARIABLE,
    ):
        monkeypatch.delenv(name, raising=False)
    with AuthProxy({CORP_HOST: window.sandbox.port}) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://{USER}@127.0.0.1:{proxy.port}")
        window.form.base_url.setEditText(f"http://{CORP_HOST}:80")
        dialogs.text = PASSWORD
        before = window.log.entry_count
        window.send()
        qtbot.waitUntil(
            lambda: window.log.entry_count > before and not window.in_flight, timeout=10000
        )
        assert any("Proxy password" in q and "not shown as typed" in q for q in dialogs.asked)
        assert os.environ[PROXY_PASSWORD_VARIABLE] == PASSWORD
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        assert proxy.auths[-1] == expected
        text = window.log.toPlainText()
        assert "via proxy" in text and "success" in text
        assert not exposes(text, [PASSWORD])

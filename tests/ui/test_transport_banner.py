"""A plain http:// base URL to another machine: a banner above the form says the secrets
travel unencrypted (the words of `insecure_transport_warning`), and follows the base URL as
it is edited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from smstester.core.profiles import Profile, ProfileStore
from smstester.core.request import insecure_transport_warning
from smstester.ui import build_window
from smstester.ui.window import MainWindow


def banner(window: MainWindow) -> QLabel:
    found = window.findChild(QLabel, "insecureTransportBanner")
    assert found is not None
    return found


def type_base_url(qtbot: QtBot, window: MainWindow, url: str) -> None:
    combo = window.findChild(QComboBox, "baseUrlEdit")
    assert combo is not None
    edit = combo.lineEdit()
    assert isinstance(edit, QLineEdit)
    edit.clear()
    qtbot.keyClicks(edit, url)


def test_banner_follows_the_base_url_as_it_is_typed(qtbot: QtBot, window: MainWindow) -> None:
    assert not banner(window).isVisible()  # the sandbox: http:// to 127.0.0.1
    type_base_url(qtbot, window, "http://sms.example.com/jfw")
    words = insecure_transport_warning("http://sms.example.com/jfw")
    assert words is not None
    qtbot.waitUntil(banner(window).isVisible, timeout=5000)
    assert words in banner(window).text()
    assert "sms.example.com" in banner(window).text()
    type_base_url(qtbot, window, "https://sms.example.com/jfw")
    qtbot.waitUntil(lambda: not banner(window).isVisible(), timeout=5000)
    for loopback in ("http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:8080"):
        window.form.base_url.setEditText(loopback)
        qtbot.waitUntil(lambda: not banner(window).isVisible(), timeout=5000)
    window.form.base_url.setEditText("HTTP://Other.Example.NET")
    qtbot.waitUntil(banner(window).isVisible, timeout=5000)
    assert "other.example.net" in banner(window).text().lower()


@pytest.mark.parametrize(
    "url",
    [
        "http://",
        "http://\x00",
        "http://exa mple.com",
        "http://[::1",
        "http://😀.example",
        "http://" + "a" * 10_000 + ".com",
        "http:/x",
        "http://a:b@c",
    ],
)
def test_odd_base_urls_never_break_the_banner(qtbot: QtBot, window: MainWindow, url: str) -> None:
    window.form.base_url.setEditText(url)
    expected = insecure_transport_warning(url)
    qtbot.waitUntil(lambda: banner(window).isVisible() == (expected is not None), timeout=5000)
    if expected is not None:
        assert expected[: MainWindow.BANNER_LIMIT] in banner(window).text()
        assert len(banner(window).text()) < MainWindow.BANNER_LIMIT + 30


@pytest.fixture
def http_profile_window(qtbot: QtBot) -> Iterator[MainWindow]:
    """`smstester` opening its last used profile, whose base URL is plain http:// elsewhere."""
    store = ProfileStore()
    profile = store.create(
        Profile(name="Plain", base_url="http://gateway.example.org", brand_url="b.example")
    )
    store.set_last_used(profile)
    win = build_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.profiles.current is not None, timeout=5000)
    yield win
    win.close()


def test_a_profile_with_http_shows_the_banner_on_opening(
    qtbot: QtBot, http_profile_window: MainWindow
) -> None:
    qtbot.waitUntil(banner(http_profile_window).isVisible, timeout=5000)
    assert "gateway.example.org" in banner(http_profile_window).text()
    assert "unencrypted" in banner(http_profile_window).text()

"""TLS in the window, per profile: verification on by default, a profile's CA bundle trusted,
and verification switched off (only a profile can) shown by `tlsBanner` and a warning line in
every log entry. The HTTPS server is a `trustme`-signed TLS relay in front of a real sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from faulty_servers import LoopbackServer, forward_to, server_tls
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from smstester.core.keystore import SecretStore
from smstester.core.profiles import Profile, ProfileStore
from smstester.sandbox import SandboxServer
from smstester.ui import build_window
from smstester.ui.window import MainWindow

OFF_WARNING = "TLS certificate verification was OFF"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def https_sandbox(sandbox: SandboxServer, ca: trustme.CA) -> Iterator[LoopbackServer]:
    with LoopbackServer(forward_to(sandbox.port), tls=server_tls(ca)) as server:
        yield server


def save_last_used(sandbox: SandboxServer, base_url: str, **tls: object) -> Profile:
    """A saved profile (secrets in the keyring) that the window will open with."""
    demo = sandbox.demo
    store = ProfileStore()
    profile = store.create(
        Profile(
            name="Corp",
            base_url=base_url,
            brand_url=demo.brand_url,
            integration_id=demo.integration_id,
            username=demo.username,
            phone_from=demo.phone_from,
            phone_to=demo.phone_to,
            message="TLS check",
            **tls,  # type: ignore[arg-type]
        )
    )
    assert SecretStore().set_all(profile.id, {"auth_key": demo.auth_key, "password": demo.password})
    store.set_last_used(profile)
    return profile


def open_window(qtbot: QtBot) -> MainWindow:
    """`smstester` with no arguments: the last used profile, its secrets from the keyring."""
    win = build_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    button = win.findChild(QPushButton, "sendButton")
    assert button is not None
    qtbot.waitUntil(lambda: button.isEnabled() and not win.tasks.busy, timeout=5000)
    return win


def send(qtbot: QtBot, win: MainWindow) -> str:
    """Send and return the new log entry."""
    view = win.findChild(QTextBrowser, "logView")
    assert view is not None

    def entries() -> int:
        return sum(line.startswith("POST ") for line in view.toPlainText().splitlines())

    before = entries()
    win.findChild(QPushButton, "sendButton").click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not win.in_flight and entries() > before, timeout=10_000)
    text = view.toPlainText()
    return text[text.rfind("POST ") :]


def banner(win: MainWindow) -> QLabel:
    found = win.findChild(QLabel, "tlsBanner")
    assert found is not None
    return found


@pytest.fixture
def windows(qtbot: QtBot) -> Iterator[list[MainWindow]]:
    """Windows a test opens; closed before the leak check."""
    opened: list[MainWindow] = []
    yield opened
    for win in opened:
        win.close()


def test_verification_is_on_by_default(
    qtbot: QtBot,
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    windows: list[MainWindow],
) -> None:
    save_last_used(sandbox, https_sandbox.url)
    win = open_window(qtbot)
    windows.append(win)
    assert not banner(win).isVisible()
    entry = send(qtbot, win)
    assert f"Secure connection to 127.0.0.1:{https_sandbox.port} failed" in entry
    assert "certificate is not trusted" in entry
    assert OFF_WARNING not in entry


def test_profile_ca_bundle_is_trusted(
    qtbot: QtBot,
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    ca: trustme.CA,
    tmp_path: Path,
    windows: list[MainWindow],
) -> None:
    bundle = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    save_last_used(sandbox, https_sandbox.url, ca_bundle=str(bundle))
    win = open_window(qtbot)
    windows.append(win)
    assert not banner(win).isVisible()
    entry = send(qtbot, win)
    assert "✔ success · statusCode 200" in entry
    assert OFF_WARNING not in entry


def test_verification_off_shows_banner_and_warns_in_every_entry(
    qtbot: QtBot,
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    windows: list[MainWindow],
) -> None:
    save_last_used(sandbox, https_sandbox.url, verify_tls=False)
    win = open_window(qtbot)
    windows.append(win)
    assert banner(win).isVisible()
    assert "OFF" in banner(win).text()
    for _ in range(2):
        entry = send(qtbot, win)
        assert "✔ success · statusCode 200" in entry
        assert OFF_WARNING in entry
    # back to the unsaved connection: verification on again, the banner gone
    combo = win.findChild(QComboBox, "profileCombo")
    assert combo is not None
    combo.activated.emit(0)
    qtbot.waitUntil(lambda: not banner(win).isVisible(), timeout=5000)
    assert win.verify is True


def test_unusable_ca_bundle_is_said_in_the_log(
    qtbot: QtBot,
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    tmp_path: Path,
    windows: list[MainWindow],
) -> None:
    missing = tmp_path / "gone.pem"
    save_last_used(sandbox, https_sandbox.url, ca_bundle=str(missing))
    win = open_window(qtbot)
    windows.append(win)
    entry = send(qtbot, win)
    assert f"The CA bundle {missing} cannot be used" in entry
    assert "nothing was sent" in entry
    assert "unexpected error" not in entry
    assert https_sandbox.connections == 0

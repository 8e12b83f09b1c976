"""Profiles in the window: switch, save, rename, delete, last used; secrets in the keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from smstester.core.profiles import Profile, ProfileStore
from smstester.ui import build_window
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from support import MemoryKeyring

    from tests.ui.conftest import Dialogs


def combo(window: MainWindow) -> QComboBox:
    found = window.findChild(QComboBox, "profileCombo")
    assert found is not None
    return found


def edit(window: MainWindow, name: str) -> QLineEdit:
    found = window.findChild(QLineEdit, name)
    assert found is not None
    return found


def save_as(qtbot: QtBot, window: MainWindow, dialogs: Dialogs, name: str) -> None:
    dialogs.text = name
    window.profiles.save_as()
    qtbot.waitUntil(lambda: combo(window).currentText() == name, timeout=5000)


@pytest.fixture
def plain_window(qtbot: QtBot) -> Iterator[MainWindow]:
    """`smstester` with no arguments (last used profile restored)."""
    win = build_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
    yield win
    win.close()


def test_save_as_keeps_secrets_in_keyring_only(
    qtbot: QtBot,
    window: MainWindow,
    dialogs: Dialogs,
    memory_keyring: MemoryKeyring,
    config_folder: Path,
) -> None:
    save_as(qtbot, window, dialogs, "Acme")
    store = ProfileStore()
    profile = store.get("Acme")
    assert profile.brand_url == edit(window, "brandUrlEdit").text()
    stored = {k[1]: v for k, v in memory_keyring.entries.items() if k[0] == "smstester"}
    assert stored[f"{profile.id}/auth_key"] == edit(window, "authKeyEdit").text()
    assert stored[f"{profile.id}/password"] == edit(window, "passwordEdit").text()
    for path in config_folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert edit(window, "authKeyEdit").text().encode() not in data
            assert edit(window, "passwordEdit").text().encode() not in data
    assert not window.isWindowModified()


def test_modified_mark_and_question_before_switching(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs
) -> None:
    save_as(qtbot, window, dialogs, "First")
    first_brand = edit(window, "brandUrlEdit").text()
    edit(window, "integrationIdEdit").setText("other-integration")
    save_as(qtbot, window, dialogs, "Second")
    edit(window, "brandUrlEdit").setText("changed.example.com")
    assert window.isWindowModified()
    assert combo(window).currentText().endswith("•")
    index = combo(window).findText("First")
    dialogs.answer = False
    combo(window).activated.emit(index)
    assert "Discard changes?" in dialogs.asked[-1]
    assert combo(window).currentText().startswith("Second")
    assert edit(window, "brandUrlEdit").text() == "changed.example.com"
    dialogs.answer = True
    combo(window).activated.emit(combo(window).findText("First"))
    qtbot.waitUntil(lambda: edit(window, "authKeyEdit").text() != "", timeout=5000)
    assert edit(window, "brandUrlEdit").text() == first_brand
    assert edit(window, "integrationIdEdit").text() == window.sandbox.demo.integration_id  # type: ignore[union-attr]
    assert not window.isWindowModified()


def test_rename_keeps_secrets_delete_removes_them(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, memory_keyring: MemoryKeyring
) -> None:
    save_as(qtbot, window, dialogs, "Old name")
    profile_id = window.profiles.current.id  # type: ignore[union-attr]
    dialogs.text = "New name"
    window.findChild(QAbstractButton, "renameProfileButton").click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: combo(window).currentText() == "New name", timeout=5000)
    assert ProfileStore().get("New name").id == profile_id
    assert ("smstester", f"{profile_id}/auth_key") in memory_keyring.entries
    dialogs.answer = True
    window.findChild(QAbstractButton, "deleteProfileButton").click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.profiles.current is None, timeout=5000)
    assert ProfileStore().find("New name") is None
    assert not [k for k in memory_keyring.entries if k[1].startswith(profile_id)]
    # the form keeps what it showed
    assert edit(window, "authKeyEdit").text()


def test_last_used_profile_opens_on_start(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    store = ProfileStore()
    profile = store.create(
        Profile(
            name="Globex",
            brand_url="globex.example.com",
            integration_id="gx-1",
            username="AC" + "b" * 32,
            phone_from="+15005550006",
            phone_to="+14155552671",
            message="hi",
            base_url="https://protocol.jframework.dev",
        )
    )
    store.set_last_used(profile)
    memory_keyring.entries[("smstester", f"{profile.id}/auth_key")] = "gx-key"
    memory_keyring.entries[("smstester", f"{profile.id}/password")] = "gx-token"
    win = build_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: edit(win, "passwordEdit").text() == "gx-token", timeout=5000)
        assert combo(win).currentText() == "Globex"
        assert edit(win, "brandUrlEdit").text() == "globex.example.com"
        assert edit(win, "authKeyEdit").text() == "gx-key"
        assert win.findChild(QPushButton, "sendButton").isEnabled()  # type: ignore[union-attr]
        assert "Globex" in win.windowTitle()
    finally:
        win.close()


def test_no_keyring_banner_and_sending_still_works(qtbot: QtBot, dialogs: Dialogs) -> None:
    keyring.set_keyring(fail.Keyring())
    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    try:
        banner = win.findChild(QLabel, "keyringBanner")
        assert banner is not None
        qtbot.waitUntil(banner.isVisible, timeout=5000)
        assert "cannot be saved" in banner.text()
        assert "memory" in banner.text()
        win.send()
        qtbot.waitUntil(lambda: "statusCode 200" in win.log.toPlainText(), timeout=5000)
        dialogs.text = "No keyring"
        win.profiles.save_as()
        qtbot.waitUntil(lambda: "memory only" in win.log.toPlainText(), timeout=5000)
    finally:
        win.close()


def test_corrupt_profiles_file_is_kept_and_reported(qtbot: QtBot, config_folder: Path) -> None:
    broken = config_folder / "profiles.json"
    broken.write_text('{"version": 1, "profiles": [ {"name": "Half', encoding="utf-8")
    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
        text = win.log.toPlainText()
        assert "profiles.json" in text
        backups = [p for p in config_folder.iterdir() if "corrupt" in p.name]
        assert backups
        assert backups[0].read_text(encoding="utf-8").endswith('"Half')
    finally:
        win.close()


def test_geometry_remembered(qtbot: QtBot) -> None:
    win = build_window(["--sandbox"])
    qtbot.addWidget(win)
    win.show()
    win.resize(700, 520)
    win.close()
    again = build_window(["--sandbox"])
    qtbot.addWidget(again)
    try:
        assert again.size().width() == 700
        assert again.size().height() == 520
    finally:
        again.close()


def test_a_save_the_file_refuses_puts_the_keyring_back(
    qtbot: QtBot,
    window: MainWindow,
    dialogs: Dialogs,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smstester.core.profiles import ProfileError

    save_as(qtbot, window, dialogs, "Acme")
    profile_id = window.profiles.current.id  # type: ignore[union-attr]
    old_key = edit(window, "authKeyEdit").text()

    def refuse(_store: ProfileStore, _profile: Profile) -> Profile:
        raise ProfileError("the disk is full")

    monkeypatch.setattr(ProfileStore, "save", refuse)
    edit(window, "authKeyEdit").setText("a-new-key")
    window.profiles.save()
    qtbot.waitUntil(lambda: bool(dialogs.informed), timeout=5000)
    assert dialogs.informed[-1] == "Profiles: Could not save the profile:\nthe disk is full"
    assert memory_keyring.entries[("smstester", f"{profile_id}/auth_key")] == old_key
    assert window.isWindowModified()

"""Profiles changed outside the window (the CLI, another window) while it is open: listed
without a restart, the form's unsaved edits kept, a deleted profile said; an export
imported twice adds nothing the second time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from smstester.cli import main
from smstester.core.profiles import Profile, ProfileStore
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from support import MemoryKeyring

    from tests.ui.conftest import Dialogs


@pytest.fixture(autouse=True)
def _keyring(memory_keyring: MemoryKeyring) -> None:
    """The window's and the CLI's secrets in one in-memory keyring."""


def listed(window: MainWindow) -> list[str]:
    combo = window.findChild(QComboBox, "profileCombo")
    assert combo is not None
    return [combo.itemText(i).removesuffix(" •") for i in range(1, combo.count())]


def notes(window: MainWindow) -> list[str]:
    said: list[str] = []
    window.profiles.note.connect(lambda text, _tone: said.append(text))
    return said


def cli(*argv: str) -> None:
    assert main(list(argv)) == 0


def save_as(qtbot: QtBot, window: MainWindow, dialogs: Dialogs, name: str) -> None:
    dialogs.text = name
    window.profiles.save_as()
    qtbot.waitUntil(lambda: window.profiles.current is not None, timeout=5000)
    qtbot.waitUntil(lambda: not window.profiles.tasks.busy, timeout=5000)


def test_a_profile_the_cli_saves_is_listed_without_a_restart(
    qtbot: QtBot, window: MainWindow, capsys: pytest.CaptureFixture[str]
) -> None:
    assert listed(window) == []
    cli("profiles", "save", "From the CLI", "--brand-url", "cli.example.com")
    qtbot.waitUntil(lambda: listed(window) == ["From the CLI"], timeout=5000)
    cli("profiles", "save", "Second", "--brand-url", "two.example.com")
    qtbot.waitUntil(lambda: listed(window) == ["From the CLI", "Second"], timeout=5000)
    cli("profiles", "delete", "From the CLI")
    qtbot.waitUntil(lambda: listed(window) == ["Second"], timeout=5000)


def test_a_change_elsewhere_keeps_the_forms_unsaved_edits(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, capsys: pytest.CaptureFixture[str]
) -> None:
    save_as(qtbot, window, dialogs, "Acme")
    said = notes(window)
    # Not edited here: the form follows the change.
    cli("profiles", "save", "Acme", "--brand-url", "changed.example.com")
    qtbot.waitUntil(lambda: window.form.brand_url.text() == "changed.example.com", timeout=5000)
    assert any("changed outside this window" in line for line in said)
    assert not window.isWindowModified()
    # Edited here: the edit stays, and a save writes it over the other change.
    window.form.message.setPlainText("my unsaved edit")
    assert window.isWindowModified()
    said.clear()
    cli("profiles", "save", "Acme", "--brand-url", "again.example.com")
    qtbot.waitUntil(lambda: any("unsaved edits are kept" in line for line in said), timeout=5000)
    assert window.form.message.toPlainText() == "my unsaved edit"
    assert window.form.brand_url.text() == "changed.example.com"
    assert window.isWindowModified()
    assert window.profiles.current is not None
    assert window.profiles.current.brand_url == "again.example.com"


def test_a_profile_deleted_elsewhere_is_said_and_the_form_kept(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, capsys: pytest.CaptureFixture[str]
) -> None:
    save_as(qtbot, window, dialogs, "Gone")
    brand = window.form.brand_url.text()
    said = notes(window)
    cli("profiles", "delete", "Gone")
    qtbot.waitUntil(lambda: listed(window) == [], timeout=5000)
    assert window.profiles.current is None
    assert any('"Gone" was deleted outside this window' in line for line in said)
    assert window.form.brand_url.text() == brand  # the form keeps what it shows
    assert window.profiles.save_as_button.isEnabled()


def test_a_file_changed_while_the_watch_missed_it_is_read_on_focus(
    qtbot: QtBot, window: MainWindow, config_folder: Path
) -> None:
    bar = window.profiles
    assert bar.watcher is not None
    bar.watcher.removePaths(bar.watcher.files() + bar.watcher.directories())
    ProfileStore().create(Profile(name="Quiet", brand_url="quiet.example.com"))
    assert listed(window) == []
    bar.check_file()  # what the window's activation calls: one stat on the worker
    qtbot.waitUntil(lambda: listed(window) == ["Quiet"], timeout=5000)
    assert bar.watcher.directories()  # watched again


def test_importing_an_export_twice_says_already_there(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    save_as(qtbot, window, dialogs, "Acme")
    out = tmp_path / "export.json"
    out.write_text(json.dumps(ProfileStore().export_data()), "utf-8")
    said = notes(window)
    window.profiles.import_from(str(out))
    qtbot.waitUntil(lambda: any("already there" in line for line in said), timeout=5000)
    assert '"Acme" is already there: not imported again.' in said
    assert listed(window) == ["Acme"]

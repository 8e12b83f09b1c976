"""Secrets audit: a whole session, then every file written, the clipboard and the log
pane are searched for the two secret values. The answer must be zero hits."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from smstester.cli import main
from smstester.core.curl import render_curl
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui.window import MainWindow

if TYPE_CHECKING:
    from support import MemoryKeyring

    from tests.ui.conftest import Dialogs

SECRETS = (DEMO_AUTH_KEY, DEMO_AUTH_TOKEN)


def forms(secret: str) -> list[bytes]:
    """The ways a secret could sit in a file: raw, JSON-escaped, URL-encoded, UTF-16."""
    return [
        secret.encode(),
        json.dumps(secret).encode(),
        urllib.parse.quote(secret).encode(),
        secret.encode("utf-16-le"),
    ]


def hits_in_files(*folders: Path) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {s[:6]}…" for s in SECRETS for f in forms(s) if f in data]
    return found


def send(qtbot: QtBot, window: MainWindow, integration_id: str, to: str | None = None) -> None:
    ids = window.findChild(QLineEdit, "integrationIdEdit")
    assert ids is not None
    ids.setText(integration_id)
    if to is not None:
        window.form.phone_to.setText(to)
    before = window.log.toPlainText().count("POST ")
    window.send()
    qtbot.waitUntil(
        lambda: not window.in_flight and window.log.toPlainText().count("POST ") > before,
        timeout=10000,
    )


def test_full_session_leaks_no_secret(
    qtbot: QtBot,
    window: MainWindow,
    dialogs: Dialogs,
    memory_keyring: MemoryKeyring,
    config_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    demo_id = window.form.integration_id.text()
    # profiles: save as, rename
    dialogs.text = "Audit"
    window.profiles.save_as()
    qtbot.waitUntil(lambda: window.profiles.current is not None, timeout=5000)
    assert any(v == DEMO_AUTH_KEY for v in memory_keyring.entries.values())
    dialogs.text = "Audit renamed"
    window.profiles.rename()
    qtbot.waitUntil(lambda: window.profiles.combo.currentText() == "Audit renamed", timeout=5000)
    # sends that succeed, fail, and echo the secrets back
    send(qtbot, window, demo_id)
    send(qtbot, window, demo_id, to="+15005550001")
    send(qtbot, window, "fault-echo", to="+14155552671")
    send(qtbot, window, "fault-html")
    send(qtbot, window, "no-such-integration")
    text = window.log.toPlainText()
    assert "statusCode 200" in text
    assert "[21211]" in text
    assert "fault-echo" in text
    # every raw answer, as the user would open it
    raws: list[str] = []
    window.log.raw_requested.connect(lambda raw: raws.append(raw.text))
    for index in range(1, 6):
        window.log._open_anchor(QUrl(f"raw:{index}"))
    assert len(raws) == 5
    # copy as curl (the default, masked)
    window.copy_curl()
    clipboard = QApplication.clipboard().text()
    assert clipboard == render_curl(window.form.test())
    # log saved to a file, profiles exported, from the window and from the CLI
    saved_log = tmp_path / "log.txt"
    dialogs.path = str(saved_log)
    window.save_log_action.trigger()
    exported = tmp_path / "export.json"
    dialogs.path = str(exported)
    window.export_profiles()
    qtbot.waitUntil(lambda: saved_log.exists() and exported.exists(), timeout=5000)
    qtbot.waitUntil(lambda: not window.tasks.busy and not window.profiles.tasks.busy, timeout=5000)
    assert main(["profiles", "export", str(tmp_path / "cli-export.json")]) == 0
    assert main(["send", "--profile", "Audit renamed", "--integration-id", "fault-echo"]) == 1
    assert (
        main(["send", "--json", "--profile", "Audit renamed", "--integration-id", "fault-echo"])
        == 1
    )
    assert main(["curl", "--profile", "Audit renamed"]) == 0
    printed = capsys.readouterr()
    window.close()  # writes the settings file too

    # the search: zero hits anywhere
    assert hits_in_files(config_folder, tmp_path) == []
    everything = "\n".join([text, window.log.toHtml(), clipboard, *raws, printed.out, printed.err])
    for secret in SECRETS:
        assert secret not in everything
    # and the secrets did reach the keyring, the one place they belong
    assert sorted(memory_keyring.entries.values()) == sorted(SECRETS)
    assert exported.read_text(encoding="utf-8").count("Audit renamed") == 1

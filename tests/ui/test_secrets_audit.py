"""Secrets audit: a whole session, then every output of the window is searched for the two
secret values, as they are and in every encoding masking knows (`exposes`): the log pane
(text and HTML), Save log, every Show raw answer (its rows, Copy all, Save…), every
status-bar message, the clipboard after a masked copy, and every file written. The sandbox's
`fault-echo` sends both secrets back, in JSON and JSON nested in JSON. The answer must be
zero hits, also when the secrets were pasted with a space before or after them (what is
sent is trimmed, and the echo holds the trimmed value)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from smstester.cli import main
from smstester.core.curl import render_curl
from smstester.core.redaction import exposes
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_AUTH_TOKEN
from smstester.ui.rawview import RawAnswerView
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
                text = data.decode("utf-8", "replace")
                if exposes(text, SECRETS):
                    found.append(f"{path}: a secret in an encoding")
    return found


def leaks(text: str) -> list[str]:
    """What of the secrets `text` shows: as they are, or in any encoding masking knows."""
    found = [secret[:6] + "…" for secret in SECRETS if secret in text]
    if exposes(text, SECRETS):
        found.append("in an encoding")
    return found


def send(qtbot: QtBot, window: MainWindow, integration_id: str, to: str | None = None) -> None:
    ids = window.findChild(QLineEdit, "integrationIdEdit")
    assert ids is not None
    ids.setText(integration_id)
    if to is not None:
        window.form.phone_to.setText(to)
    before = window.log.entry_count
    window.send()
    qtbot.waitUntil(lambda: not window.in_flight and window.log.entry_count > before, timeout=10000)


def status_messages(window: MainWindow) -> list[str]:
    """Every message the status bar will show from now on."""
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)
    return shown


def every_raw_answer(qtbot: QtBot, window: MainWindow, dialogs: Dialogs, folder: Path) -> list[str]:
    """Open every entry's Show raw answer as a user would: what its viewer shows, what Copy
    all puts in the clipboard, and what Save… writes."""
    seen: list[str] = []
    folder.mkdir(exist_ok=True)
    for index in range(1, window.log.entry_count + 1):
        window.log._open_anchor(QUrl(f"raw:{index}"))
        dialogs_open = [d for d in window.findChildren(QDialog, "rawAnswerDialog") if d.isVisible()]
        if not dialogs_open:
            continue  # an entry without a body (no answer)
        dialog = dialogs_open[0]
        view = dialog.findChild(RawAnswerView, "rawAnswerView")
        assert view is not None
        seen.append(view.text())
        rows = [view.row(i) for i in range(view.row_count())]
        seen.append("\n".join(rows))
        seen.append("".join(rows))  # a secret folded over two rows
        buttons = {b.text().replace("&", ""): b for b in dialog.findChildren(QPushButton)}
        buttons["Copy all"].click()
        seen.append(QApplication.clipboard().text())
        saved = folder / f"raw-{index}.txt"
        dialogs.path = str(saved)
        buttons["Save…"].click()
        qtbot.waitUntil(lambda saved=saved: saved.exists() and not window.tasks.busy, timeout=5000)
        seen.append(saved.read_text(encoding="utf-8"))
        dialog.close()
    return seen


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
    statuses = status_messages(window)
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
    raws = every_raw_answer(qtbot, window, dialogs, tmp_path / "raw")
    assert len(raws) == 5 * 5
    assert any("fault-echo" in raw for raw in raws)
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
    everything = [
        text,
        window.log.toHtml(),
        clipboard,
        *raws,
        *statuses,
        printed.out,
        printed.err,
    ]
    assert [leaks(output) for output in everything] == [[] for _ in everything]
    assert statuses  # the status bar did speak
    # and the secrets did reach the keyring, the one place they belong
    assert sorted(memory_keyring.entries.values()) == sorted(SECRETS)
    assert exported.read_text(encoding="utf-8").count("Audit renamed") == 1


@pytest.mark.parametrize(
    ("auth_key", "password"),
    [
        (" " + DEMO_AUTH_KEY, DEMO_AUTH_TOKEN + " "),
        (DEMO_AUTH_KEY + " ", "  " + DEMO_AUTH_TOKEN),
    ],
    ids=["space-before-key", "space-after-key"],
)
def test_secrets_pasted_with_spaces_reach_no_output(
    qtbot: QtBot,
    window: MainWindow,
    dialogs: Dialogs,
    tmp_path: Path,
    auth_key: str,
    password: str,
) -> None:
    statuses = status_messages(window)
    QApplication.clipboard().setText(auth_key)
    window.form.auth_key.clear()
    window.form.auth_key.paste()
    QApplication.clipboard().setText(password)
    window.form.password.clear()
    window.form.password.paste()
    assert window.form.test().auth_key == auth_key  # pasted as is; sent trimmed
    send(qtbot, window, "fault-echo")
    entry = window.log.toPlainText()
    assert "fault-echo" in entry
    assert "••••••" in entry  # the echo was there, masked
    raws = every_raw_answer(qtbot, window, dialogs, tmp_path / "raw")
    assert raws and "••••••" in raws[0]
    window.copy_curl()
    clipboard = QApplication.clipboard().text()
    saved_log = tmp_path / "log.txt"
    dialogs.path = str(saved_log)
    window.save_log_action.trigger()
    qtbot.waitUntil(lambda: saved_log.exists() and not window.tasks.busy, timeout=5000)
    outputs = [
        entry,
        window.log.toHtml(),
        saved_log.read_text(encoding="utf-8"),
        clipboard,
        *raws,
        *statuses,
    ]
    assert [leaks(output) for output in outputs] == [[] for _ in outputs]
    assert hits_in_files(tmp_path) == []

"""`--screenshot` shows what the first seconds show: it waits for the keyring check (the
banner, when there is no keyring) and for the Brand-URL's look-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot

from smstester.ui import app as window_app
from smstester.ui.window import MainWindow


def test_the_screenshot_shows_the_keyring_banner_and_the_brand(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())  # put back by the memory_keyring fixture
    seen: dict[str, Any] = {}
    grab = MainWindow.grab

    def recording_grab(self: MainWindow, *args: Any) -> Any:
        seen["banner"] = self.keyring_banner.isVisible()
        seen["brand"] = self.form.brand_status.text()
        return grab(self, *args)

    monkeypatch.setattr(MainWindow, "grab", recording_grab)
    shot = tmp_path / "shot.png"
    assert window_app.run(["--sandbox", "--screenshot", str(shot)]) == 0
    assert shot.read_bytes()[:4] == b"\x89PNG"
    assert seen["banner"] is True
    assert seen["brand"].startswith("✓")

"""`smstester` with no display says so in words and exits 2 (Qt would abort with 134); a
screenshot needs no display and is drawn offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def headless_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["SMSTESTER_CONFIG_DIR"] = str(tmp_path)
    return env


def test_no_display_is_a_plain_message_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "smstester"],
        env=headless_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "no display" in done.stderr and "smstester send" in done.stderr
    assert "Traceback" not in done.stderr and "qt.qpa" not in done.stderr


def test_a_screenshot_needs_no_display(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "--sandbox", "--screenshot", str(shot)],
        env=headless_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""`--screenshot` shows what the first seconds show: it waits for the keyring check (the
banner, when there is no keyring) and for the Brand-URL's look-up; by then the start-up's
objects are frozen out of the garbage collector's walks. A real process: the
screenshot ends its event loop, which a test's own QApplication must not see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_RECORDING = """
import gc, json, sys
from smstester.ui.window import MainWindow
seen = {}
grab = MainWindow.grab
def recording_grab(self, *args):
    seen["banner"] = self.keyring_banner.isVisible()
    seen["brand"] = self.form.brand_status.text()
    seen["frozen"] = gc.get_freeze_count()
    return grab(self, *args)
MainWindow.grab = recording_grab
from smstester.cli import main
code = main(["--sandbox", "--screenshot", sys.argv[1]])
print(json.dumps(seen))
sys.exit(code)
"""


def test_the_screenshot_shows_the_keyring_banner_and_the_brand(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SMSTESTER_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # no keyring: the banner
    )
    done = subprocess.run(
        [sys.executable, "-c", _RECORDING, str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert shot.read_bytes()[:4] == b"\x89PNG"
    assert seen["banner"] is True
    assert seen["brand"].startswith("✓")
    # the imports' objects (26,000) and the window's (21,000) are left out of every later
    # garbage collection (cli.cmd_window, ui.app)
    assert seen["frozen"] > 38_000, seen["frozen"]

"""Start-up: what the first paint does not need is loaded after it (issue 7, benchmarks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSplitter, QWidget
from pytestqt.qtbot import QtBot

from smstester import cli
from smstester.ui import build_window
from smstester.ui.app import start_window
from smstester.ui.form import RegionCombo
from smstester.ui.options import window_options
from smstester.ui.window import MainWindow

#: Modules the window loads only after its first paint (or at the first send).
AFTER_FIRST_PAINT = (
    "httpx",
    "keyring",
    "phonenumbers",
    "smstester.core.client",
    # the saved profiles, read right after the first paint, and the keyring's module
    "smstester.core.keystore",
    "smstester.core.profiles",
    "smstester.core.report",
    "smstester.sandbox",
    # the sign-in and the picker, the History panel (and sqlite3 under it)
    "smstester.ui.account",
    "smstester.ui.history",
    "sqlite3",
)


def test_screenshot_loads_nothing_the_first_paint_does_not_need(tmp_path: Path) -> None:
    # What is loaded when the window first paints (the screenshot itself is taken later,
    # once the keyring check is done, so that it shows the banner).
    code = (
        "import json, sys\n"
        "from smstester.cli import main\n"
        "from smstester.ui.window import MainWindow\n"
        "seen = []\n"
        "def paint(self, event, _base=MainWindow.paintEvent):\n"
        f"    seen.append(seen or [m for m in {AFTER_FIRST_PAINT!r} if m in sys.modules])\n"
        "    _base(self, event)\n"
        "MainWindow.paintEvent = paint\n"
        f"code = main(['--screenshot', {str(tmp_path / 'shot.png')!r}])\n"
        "print(json.dumps(seen[0]))\n"
        "sys.exit(code)\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SMSTESTER_CONFIG_DIR=str(tmp_path / "config"),
        LC_ALL="C",  # no system region: the region list is not needed either
        LANG="C",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "shot.png").stat().st_size > 1000


def test_region_list_is_filled_when_a_region_is_chosen(qtbot: QtBot) -> None:
    combo = RegionCombo()
    qtbot.addWidget(combo)
    assert combo.count() == 1
    assert combo.currentData() == ""
    combo.set_region("gb")
    assert combo.count() == 246
    assert combo.currentData() == "GB"
    assert combo.currentText() == "United Kingdom (GB) +44"
    combo.set_region("")
    assert combo.currentData() == ""
    combo.set_region("XX")  # unknown: none
    assert combo.currentData() == ""


def test_region_list_is_filled_before_a_key_moves_through_it(qtbot: QtBot) -> None:
    combo = RegionCombo(first="")
    qtbot.addWidget(combo)
    combo.show()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.count() == 246
    assert combo.currentIndex() == 1
    assert combo.currentText().startswith("Afghanistan (AF) +93")


@pytest.mark.parametrize(
    ("argv", "window_alone"),
    [
        ([], True),
        (["--sandbox"], True),
        (["--screenshot", "x.png", "--sandbox", "--send"], True),
        (["--screenshot=x.png"], True),
        (["--screenshot", "send"], True),  # a file named "send", as argparse reads it
        (["--screenshot"], False),  # argparse says what is missing
        (["--screenshot", "--sandbox"], False),
        (["--sand"], False),  # abbreviations go through argparse
        (["send"], False),
        (["-h"], False),
        (["--version"], False),
        (["--bogus"], False),
    ],
)
def test_the_window_alone_skips_the_commands_parser(argv: list[str], window_alone: bool) -> None:
    assert (window_options(argv) is not None) is window_alone
    if window_alone:
        args = cli.build_parser().parse_args(argv)  # the full parser agrees: no command
        assert args.command is None


def test_the_window_options_load_no_qt_and_the_ui_no_cli() -> None:
    code = (
        "import json, sys\n"
        "import smstester.cli\n"
        "from smstester.ui.options import read_window_argv\n"
        "opts = read_window_argv(['--sand', '--screenshot', 'x.png'])\n"
        "import smstester.ui.window\n"
        "print(json.dumps([opts.sandbox, opts.screenshot,\n"
        "    sorted(m for m in sys.modules if m.startswith('smstester.cli'))]))\n"
    )
    before_qt = (
        "import sys\n"
        "import smstester.ui, smstester.ui.options\n"
        "from smstester.ui.options import window_options\n"
        "assert window_options(['--sandbox']) is not None\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", before_qt], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    ui_alone = code.replace("import smstester.cli\n", "")
    out = subprocess.run(
        [sys.executable, "-c", ui_alone],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [True, "x.png", []]


def _laid_out(qtbot: QtBot, make_history_first: bool) -> tuple[object, ...]:
    win = start_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    if make_history_first:
        assert win.history is not None  # made at once, before the window is shown
    else:  # not before the first paint: its place is held by an empty widget
        assert win.findChild(QWidget, "historyView") is None
        assert win.findChild(QWidget, "historyFilterEdit") is None
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.findChild(QWidget, "historyView") is not None, timeout=5000)
    qtbot.waitUntil(lambda: not win.after_paint_timer.isActive(), timeout=5000)
    log_splitter = win.findChild(QSplitter, "logSplitter")
    assert log_splitter is not None
    assert log_splitter.widget(1) is win.history
    shown = (
        win.size().toTuple(),
        tuple(win.splitter.sizes()),
        tuple(log_splitter.sizes()),
        win.history.geometry().getRect(),
        win.log.geometry().getRect(),
    )
    # and shares a change of height as before (the place's stretch is the panel's)
    win.resize(win.width(), win.height() - 100)
    qtbot.waitUntil(lambda: sum(log_splitter.sizes()) < sum(shown[2]) - 50, timeout=5000)
    win.shutdown()
    return (*shown, tuple(log_splitter.sizes()))


def test_the_history_panel_made_after_the_first_paint_takes_its_place_as_laid_out(
    qtbot: QtBot,
) -> None:
    # The panel is made after the first paint in the place an empty widget held for it,
    # with its size hints: the window looks exactly as if it had been there from the start.
    from smstester.ui.history import HistoryPanel

    panel = HistoryPanel()
    qtbot.addWidget(panel)
    hints = (panel.sizeHint().toTuple(), panel.minimumSizeHint().toTuple())
    assert hints == MainWindow.HISTORY_SIZE_HINTS
    panel.shutdown()
    assert _laid_out(qtbot, make_history_first=False) == _laid_out(qtbot, make_history_first=True)


def test_sign_in_and_history_work_on_a_window_never_shown(qtbot: QtBot) -> None:
    # Made at first use when the window has not painted (yet): the same objects as after.
    win = start_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    assert win.account is win.account
    assert win.history is win.history
    assert win.findChild(QWidget, "historyFilterEdit") is win.history.filter_edit
    assert win.form.sign_in_button.isEnabled()
    win.shutdown()


def test_a_new_form_has_nothing_to_warn_of_so_its_preflight_waits(qtbot: QtBot) -> None:
    # The form skips the preflight until its first edit: right only while an empty form
    # has no warning (a notice for empty fields would have to be shown at once).
    from smstester.core.preflight import preflight
    from smstester.ui.form import ConnectionForm

    form = ConnectionForm()
    qtbot.addWidget(form)
    assert preflight(form.test()) == []
    assert form.preflight_label.text() == ""
    form.phone_to.setText("+15005550006")
    form.phone_from.setText("+15005550006")  # the same number: a warning, at once
    assert "same number as From" in form.preflight_label.text()


def test_the_window_gets_its_icon_once_it_has_painted(qtbot: QtBot) -> None:
    # Loading the SVG icon (and Qt's SVG icon engine) waits for the first paint.
    win = start_window([])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    assert win.windowIcon().cacheKey() == QApplication.windowIcon().cacheKey()  # none yet
    with qtbot.waitSignal(win.first_painted, timeout=5000):
        win.show()
    assert not win.windowIcon().isNull()
    assert not win.windowIcon().pixmap(32, 32).isNull()
    win.shutdown()


#: Every objectName of CONTRACT §4 and §4a that is a part of the window (not of a dialog).
CONTRACT_NAMES = [
    "profileCombo",
    "baseUrlEdit",
    "brandUrlEdit",
    "integrationIdEdit",
    "authKeyEdit",
    "usernameEdit",
    "passwordEdit",
    "fromEdit",
    "toEdit",
    "fromStatusLabel",
    "toStatusLabel",
    "messageEdit",
    "segmentLabel",
    "sendButton",
    "cancelButton",
    "copyCurlButton",
    "logView",
    "signInButton",
    "authKeyStatusLabel",
    "brandStatusLabel",
    "chooseIntegrationButton",
    "historyView",
    "historyFilterEdit",
    "resendButton",
    "copyTicketButton",
    "diagnosisView",
    "copyAsCurlAction",
    "copyAsCurlCmdAction",
    "copyAsPowerShellAction",
    "copyAsPythonAction",
    "copyAsHttpieAction",
]


def test_build_window_is_whole_before_it_is_shown(qtbot: QtBot) -> None:
    """CONTRACT §4: tests build the window with build_window and look for its parts by
    name at once; only `smstester` itself makes some of them after its first paint."""
    from PySide6.QtCore import QObject

    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    assert not win.isVisible()
    missing = [name for name in CONTRACT_NAMES if win.findChild(QObject, name) is None]
    assert missing == []
    assert not win.windowIcon().isNull()
    win.shutdown()
    started = start_window([])
    qtbot.addWidget(started)
    assert started.findChild(QObject, "historyView") is None  # left for after the paint
    started.shutdown()


#: What PySide6 builds (with all its enums) at first touch, that the first paint does
#: without: `Qt` (93 enums, ~46 ms: see ui.qtprops), QIcon (its ThemeIcon has 151 members;
#: a QPushButton or QAction made with a text as its first argument tries the QIcon
#: overload first), QUrl (a link's, made at a click).
NOT_AT_FIRST_PAINT = (("QtCore", "Qt"), ("QtGui", "QIcon"), ("QtCore", "QUrl"))


@pytest.mark.parametrize("theme", [None, "dark", "light"])
def test_the_window_paints_before_pyside_builds_what_it_does_not_show(
    tmp_path: Path, theme: str | None
) -> None:
    config = tmp_path / "config"
    if theme is not None:
        config.mkdir()
        (config / "settings.json").write_text(json.dumps({"theme": theme}))
    code = (
        "import json, sys\n"
        "import PySide6.QtCore, PySide6.QtGui\n"
        "from smstester.cli import main\n"
        "from smstester.ui.window import MainWindow\n"
        "seen = []\n"
        "def paint(self, event, _base=MainWindow.paintEvent):\n"
        f"    built = [n for m, n in {NOT_AT_FIRST_PAINT!r} if n in vars(getattr(PySide6, m))]\n"
        "    seen.append(seen or built)\n"
        "    _base(self, event)\n"
        "MainWindow.paintEvent = paint\n"
        "import smstester.ui.app as app\n"
        # the window as `smstester` opens it (not --screenshot: that skips the settings)
        "QTimer = app.QTimer\n"
        "def quit_soon(window):\n"
        "    window.first_painted.connect(lambda: QTimer.singleShot(0, window.close))\n"
        "    return window\n"
        "start = app.start_window\n"
        "app.start_window = lambda argv: quit_soon(start(argv))\n"
        "code = main([])\n"
        "print(json.dumps(seen[0]))\n"
        "sys.exit(code)\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        DISPLAY=":0",  # `smstester` alone wants a display; offscreen draws without one
        SMSTESTER_CONFIG_DIR=str(config),
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_ctrl_enter_on_the_keypad_sends_once_the_window_has_painted(qtbot: QtBot) -> None:
    # Its second shortcut is bound after the first paint (`setShortcuts` builds `Qt`).
    window = start_window([])
    qtbot.addWidget(window)
    assert [k.toString() for k in window.send_action.shortcuts()] == ["Ctrl+Return"]
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    shortcuts = [k.toString() for k in window.send_action.shortcuts()]
    assert shortcuts == ["Ctrl+Return", "Ctrl+Enter"]
    whole = build_window([])
    qtbot.addWidget(whole)
    assert [k.toString() for k in whole.send_action.shortcuts()] == shortcuts


def test_the_last_profile_opens_once_the_window_has_painted(qtbot: QtBot) -> None:
    # Read right after the first paint (its store and the keyring's module stay off the
    # paint's path); build_window, whole, reads them at once.
    from smstester.core.profiles import Profile, ProfileStore

    store = ProfileStore()
    saved = store.create(Profile(name="acme", brand_url="acme.example.com", integration_id="7"))
    store.set_last_used(saved)
    win = start_window([])
    qtbot.addWidget(win)
    assert win.profiles_pending and not win.profiles.tasks.busy
    with qtbot.waitSignal(win.first_painted, timeout=5000):
        win.show()
    assert not win.profiles_pending
    qtbot.waitUntil(lambda: win.form.test().brand_url == "acme.example.com", timeout=5000)
    assert win.profiles.combo.currentText() == "acme"
    win.shutdown()
    whole = build_window([])
    qtbot.addWidget(whole)
    assert not whole.profiles_pending
    qtbot.waitUntil(lambda: whole.form.test().integration_id == "7", timeout=5000)
    whole.shutdown()


def test_send_on_start_sends_the_last_profile_once_it_is_read(tmp_path: Path) -> None:
    # `smstester --send` sends what the window opens with: the last profile, read right
    # after the first paint, is in the form by then.
    config = tmp_path / "config"
    code = (
        "import json, sys\n"
        "from smstester.core.profiles import Profile, ProfileStore\n"
        "store = ProfileStore()\n"
        "store.set_last_used(store.create(Profile(name='acme', brand_url='acme.example.com')))\n"
        "from smstester.cli import main\n"
        "from smstester.ui.window import MainWindow\n"
        "seen = []\n"
        "def send(self):\n"
        "    seen.append(self.form.test().brand_url)\n"
        "MainWindow.send = send\n"
        f"code = main(['--send', '--screenshot', {str(tmp_path / 'shot.png')!r}])\n"
        "print(json.dumps(seen))\n"
        "sys.exit(code)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SMSTESTER_CONFIG_DIR=str(config))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["acme.example.com"]


def test_a_window_not_painted_reads_its_profiles_at_the_warm_up(qtbot: QtBot) -> None:
    # Shown where nothing paints it yet (another workspace): the profiles do not wait for it.
    win = start_window([])
    qtbot.addWidget(win)
    assert win.profiles_pending
    qtbot.waitUntil(lambda: not win.profiles_pending, timeout=5000)
    qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
    win.shutdown()

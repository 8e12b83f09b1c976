"""`smstester --install-desktop-entry` / `--uninstall-desktop-entry` in a throwaway XDG_DATA_HOME.

The entry and the icon go where desktops look for a user's applications (the XDG Base
Directory and Desktop Entry specifications): $XDG_DATA_HOME (else ~/.local/share)
/applications/smstester.desktop and /icons/hicolor/scalable/apps/smstester.svg. Exec runs the
smstester that installed it. Both flags are handled before Qt is imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smstester import desktop
from smstester.ui.options import window_options

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / ("smstester.exe" if sys.platform == "win32" else "smstester")


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SMSTESTER_"))}
    env.update(HOME=str(tmp_path / "home"), SMSTESTER_CONFIG_DIR=str(tmp_path / "config"))
    env.update(extra)
    return env


def smstester(
    command: list[str], *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def entry_values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


@pytest.mark.parametrize(
    ("command", "exec_line"),
    [
        pytest.param([str(SCRIPT)], desktop.exec_line([str(SCRIPT)]), id="console-script"),
        pytest.param(
            [sys.executable, "-m", "smstester"],
            desktop.exec_line([sys.executable, "-m", "smstester"]),
            id="python-m",
        ),
    ],
)
def test_install_puts_the_entry_and_icon_under_xdg_data_home(
    tmp_path: Path, command: list[str], exec_line: str
) -> None:
    data = tmp_path / "data"
    env = environment(tmp_path, XDG_DATA_HOME=str(data))
    done = smstester(command, "--install-desktop-entry", env=env)
    assert done.returncode == 0, done.stderr
    entry = data / "applications" / "smstester.desktop"
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "smstester.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "smstester.svg").read_bytes()
    values = entry_values(entry)
    assert values["Exec"] == exec_line
    assert values["Exec"].split()[0].strip('"') == command[0]  # the smstester that ran
    assert values["Icon"] == "smstester"
    assert values["Type"] == "Application" and values["Name"] == "smstester"
    assert str(entry) in done.stdout and str(icon) in done.stdout
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.desktop"))
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stdout + check.stderr

    # Installing again replaces it; uninstalling removes both, and then there is nothing.
    assert smstester(command, "--install-desktop-entry", env=env).returncode == 0
    done = smstester(command, "--uninstall-desktop-entry", env=env)
    assert done.returncode == 0, done.stderr
    assert not entry.exists() and not icon.exists()
    assert str(entry) in done.stdout
    done = smstester(command, "--uninstall-desktop-entry", env=env)
    assert done.returncode == 0 and "no desktop entry" in done.stdout.lower()


def test_without_xdg_data_home_it_is_local_share_and_a_relative_one_is_ignored(
    tmp_path: Path,
) -> None:
    # The XDG spec: a relative XDG_DATA_HOME is invalid and is ignored.
    for extra in ({}, {"XDG_DATA_HOME": "relative/data"}):
        env = environment(tmp_path, **extra)
        done = smstester([str(SCRIPT)], "--install-desktop-entry", env=env)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "home/.local/share/applications/smstester.desktop").is_file()
        assert not (ROOT / "relative").exists()
        assert smstester([str(SCRIPT)], "--uninstall-desktop-entry", env=env).returncode == 0
        assert not (tmp_path / "home/.local/share/applications/smstester.desktop").exists()


def test_the_flags_load_no_qt_and_a_failure_is_one_plain_line(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from smstester.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))], 'Qt'\n"
        "sys.exit(code)\n"
    )
    data = tmp_path / "data"
    env = environment(tmp_path, XDG_DATA_HOME=str(data))
    for flag in ("--install-desktop-entry", "--uninstall-desktop-entry"):
        done = smstester([sys.executable, "-c", code], flag, env=env)
        assert done.returncode == 0, done.stderr
    # A file where the applications folder should be: a sentence, exit 1, no traceback.
    shutil.rmtree(data / "applications")
    (data / "applications").write_text("not a folder", encoding="utf-8")
    done = smstester([str(SCRIPT)], "--install-desktop-entry", env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("smstester: could not install the desktop entry")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_flags_are_window_options_read_by_the_full_parser() -> None:
    from smstester import cli

    for flag in ("--install-desktop-entry", "--uninstall-desktop-entry"):
        assert window_options([flag]) is None  # not a window: the full parser acts on it
    help_text = cli.build_parser().format_help()
    assert "--install-desktop-entry" in help_text and "--uninstall-desktop-entry" in help_text


def test_exec_quotes_what_the_desktop_entry_spec_reserves() -> None:
    assert desktop.exec_line(["/usr/bin/smstester"]) == "/usr/bin/smstester"
    assert desktop.exec_line(["/opt/my apps/smstester"]) == '"/opt/my apps/smstester"'
    assert desktop.exec_line(['/o/a"b$c`d\\e']) == '"/o/a\\\\"b\\\\$c\\\\`d\\\\\\\\e"'
    assert desktop.exec_line(["/opt/100%/smstester"]) == "/opt/100%%/smstester"


def test_the_window_groups_with_the_installed_entry(tmp_path: Path) -> None:
    """The running app names its desktop file: the entry that --install-desktop-entry writes."""
    shot = tmp_path / "x.png"
    code = (
        "import sys\n"
        "from smstester.ui.app import run\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "code = run(['--screenshot', sys.argv[1]])\n"
        "print(QGuiApplication.desktopFileName())\n"
        "sys.exit(code)\n"
    )
    env = environment(tmp_path, QT_QPA_PLATFORM="offscreen")
    done = smstester([sys.executable, "-c", code], str(shot), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == desktop.DESKTOP_ID
    assert desktop.entry_path(tmp_path).name == f"{done.stdout.split()[-1]}.desktop"

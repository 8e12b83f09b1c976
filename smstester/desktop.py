"""The desktop entry and the icon in the user's data folder: `smstester --install-desktop-entry`.

Qt-free, and run before Qt is imported (`smstester.ui.options` hands the two flags here).

Where (the XDG Base Directory and Desktop Entry specifications): the data folder is
$XDG_DATA_HOME when it is an absolute path, else ~/.local/share; the entry goes to
applications/smstester.desktop and the icon to icons/hicolor/scalable/apps/smstester.svg, the
places every freedesktop desktop (GNOME, KDE, Xfce…) reads a user's applications from. The
entry is resources/smstester.desktop with Exec naming the smstester that installed it (the
bundle's program, a venv's console script, or `python -m smstester`), quoted as the Desktop
Entry spec says. The window sets its desktop file name to `DESKTOP_ID` (ui/app.py), which is
how a desktop groups the window with this entry and its icon.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

#: The desktop file's name without .desktop: QGuiApplication.setDesktopFileName's value.
DESKTOP_ID: Final = "smstester"
ICON_NAME: Final = "smstester"

# Characters the Desktop Entry spec reserves in an Exec argument (it must then be quoted),
# and those escaped inside the quotes.
_RESERVED: Final = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES: Final = frozenset('"`$\\')


class DesktopEntryError(Exception):
    """Installing or removing failed; the message says what, in plain words."""


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME if it is absolute (the spec ignores a relative one), else ~/.local/share."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".local" / "share"


def entry_path(data: Path) -> Path:
    return data / "applications" / f"{DESKTOP_ID}.desktop"


def icon_path(data: Path) -> Path:
    return data / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"


def running_command() -> list[str]:
    """The command that runs this smstester again."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: its own program
        return [sys.executable]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name in {"smstester", "smstester.__main__"}:
        return [sys.executable, "-m", "smstester"]
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.stem == "smstester" and argv0.is_file():
        return [str(argv0.absolute())]
    found = shutil.which("smstester")
    return [found] if found else [sys.executable, "-m", "smstester"]


def _quote(argument: str) -> str:
    if argument and not _RESERVED.intersection(argument):
        return argument
    inner = "".join(f"\\{c}" if c in _ESCAPED_IN_QUOTES else c for c in argument)
    return f'"{inner}"'


def exec_line(command: Sequence[str]) -> str:
    """The Exec value (as written in the file) that runs `command`: each argument quoted
    when it holds a reserved character, then the string escapes of the key file (a
    backslash doubled) and a literal % doubled."""
    joined = " ".join(_quote(argument) for argument in command)
    return joined.replace("\\", "\\\\").replace("%", "%%")


def entry_text(template: str, command: Sequence[str]) -> str:
    """The packaged entry with Exec running `command` (any field codes after it kept)."""
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            _, _, codes = line.removeprefix("Exec=").partition(" ")
            line = f"Exec={exec_line(command)}" + (f" {codes}" if codes else "")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _refresh(applications: Path) -> None:
    # Most desktops watch the folder; update-desktop-database (when there) refreshes the
    # MIME cache at once. Its failure changes nothing that was installed.
    tool = shutil.which("update-desktop-database")
    if tool is not None:
        subprocess.run(
            [tool, "-q", str(applications)],
            check=False,
            capture_output=True,
            timeout=30,
        )


def install(data: Path | None = None, command: Sequence[str] | None = None) -> list[str]:
    """Write the entry and the icon; the lines that say what was done."""
    from smstester.ui.resources import resource_path

    data = data_home() if data is None else data
    command = running_command() if command is None else list(command)
    entry, icon = entry_path(data), icon_path(data)
    try:
        template = resource_path(f"{DESKTOP_ID}.desktop").read_text(encoding="utf-8")
        svg = resource_path(f"{ICON_NAME}.svg").read_bytes()
        for path, content in ((icon, svg), (entry, entry_text(template, command).encode())):
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(content)
            partial.replace(path)  # never a half-written entry in the menu
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise DesktopEntryError(
            f"could not install the desktop entry in {data}: {reason}{where}"
        ) from None
    _refresh(entry.parent)
    return [
        f"Installed the desktop entry {entry}",
        f"  (it runs {' '.join(command)})",
        f"and its icon {icon}.",
    ]


def uninstall(data: Path | None = None) -> list[str]:
    """Remove the entry and the icon; the lines that say what was done."""
    data = data_home() if data is None else data
    removed: list[str] = []
    try:
        for path in (entry_path(data), icon_path(data)):
            if path.is_file():
                path.unlink()
                removed.append(f"Removed {path}")
    except OSError as exc:
        raise DesktopEntryError(
            f"could not remove the desktop entry from {data}: {exc.strerror or exc}"
        ) from None
    if not removed:
        return [f"No desktop entry of smstester is installed in {data}."]
    _refresh(entry_path(data).parent)
    return removed

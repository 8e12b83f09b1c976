"""The window's own options (CONTRACT §3, §4), declared once: `WindowOptions`.

Qt-free: the command line imports it (cli -> ui -> core) without loading Qt.

`smstester`, `smstester --sandbox` and `smstester --screenshot FILE` start the window. The
full parser takes these options from `add_window_options`; `window_options` reads an
argument list that holds nothing else without building any parser (every command's
parser costs ~3 ms of the window's start-up); `read_window_argv` reads them as
`build_window(argv)` must (CONTRACT §4). Nothing here imports the CLI, Qt or
argparse (but `read_window_argv` when it needs a parser).

`--install-desktop-entry` and `--uninstall-desktop-entry` (`DESKTOP_ENTRY_FLAGS`) sit with
them in `smstester --help` but start no window: they are parser actions that hand over to
`smstester.desktop` (Qt-free) and exit while the arguments are read, before Qt is imported.
`window_options` does not know them, so they always go through the full parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse


@dataclass(frozen=True, slots=True)
class WindowOptions:
    """One attribute per option `--NAME`: a bool one takes no value, the others take one
    (`metavar`). `help` is what `smstester --help` says of it."""

    sandbox: bool = field(
        default=False, metadata={"help": "wire the window to an embedded sandbox server"}
    )
    screenshot: str | None = field(
        default=None,
        metadata={
            "help": "save a PNG of the window after its first paint",
            "metavar": "FILE.png",
        },
    )
    send: bool = field(
        default=False, metadata={"help": "send the form's request once the window is up"}
    )
    port: str | None = field(
        default=None,
        metadata={
            "help": "with --sandbox: the port its sandbox listens on, so that a profile saved "
            "against it keeps working (0: any free port; default: the one it had last time)",
            "metavar": "N",
        },
    )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> WindowOptions:
        """The options the full parser read (see `add_window_options`)."""
        return cls(**{option.name: getattr(args, option.name) for option in fields(cls)})

    def argv(self) -> list[str]:
        """These options as an argument list, each spelt out in full."""
        out: list[str] = []
        for option in fields(self):
            value = getattr(self, option.name)
            if value is True:
                out.append(f"--{option.name}")
            elif isinstance(value, str):
                out.append(f"--{option.name}={value}")
        return out


#: Flags that act and exit instead of starting the window: flag -> (smstester.desktop's
#: function, help).
DESKTOP_ENTRY_FLAGS: dict[str, tuple[str, str]] = {
    "--install-desktop-entry": (
        "install",
        "add smstester to the desktop's application menu: its .desktop file and icon under "
        "$XDG_DATA_HOME (~/.local/share), running this smstester; then exit",
    ),
    "--uninstall-desktop-entry": (
        "uninstall",
        "remove what --install-desktop-entry added; then exit",
    ),
}


def _desktop_entry_action(argparse: Any) -> Any:
    class DesktopEntryAction(argparse.Action):  # type: ignore[misc]
        """Install or remove the desktop entry while the arguments are read, then exit."""

        def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

        def __call__(self, parser: Any, *_: Any) -> None:
            from smstester import desktop

            function, _help = DESKTOP_ENTRY_FLAGS[self.option_strings[0]]
            try:
                lines: list[str] = getattr(desktop, function)()
            except desktop.DesktopEntryError as exc:
                parser.exit(1, f"smstester: {exc}\n")
            print("\n".join(lines), flush=True)
            parser.exit(0)

    return DesktopEntryAction


def version_lines() -> list[str]:
    """What `smstester --version` prints (and Help → About shows): the version, the Qt and
    PySide6 it runs on, and the licences. Imports PySide6: call it only when asked."""
    import platform

    from smstester import __version__

    try:
        from PySide6 import __version__ as pyside
        from PySide6.QtCore import qVersion

        qt = f"Qt {qVersion()} · PySide6 {pyside}"
    except ImportError:
        qt = "Qt: not found (PySide6 is not installed, so the window cannot start)"
    return [
        f"smstester {__version__}",
        f"{qt} · Python {platform.python_version()}",
        "Licence: MIT. Qt and PySide6 are used under the LGPL-3.0 "
        "(the bundle's LICENSES folder holds every licence text).",
    ]


def _takes_value(option: Any) -> bool:
    return not isinstance(option.default, bool)


def add_window_options(parser: argparse.ArgumentParser, *, desktop_entry: bool = True) -> None:
    """The window's options, for the full parser (`smstester --help` lists them), and the
    desktop-entry flags unless `desktop_entry` is False."""
    for option in fields(WindowOptions):
        flag, help = f"--{option.name}", option.metadata["help"]
        if _takes_value(option):
            parser.add_argument(flag, metavar=option.metadata["metavar"], help=help)
        else:
            parser.add_argument(flag, action="store_true", help=help)
    if desktop_entry:
        import argparse

        action = _desktop_entry_action(argparse)
        for flag, (_function, help) in DESKTOP_ENTRY_FLAGS.items():
            parser.add_argument(flag, action=action, help=help)


def window_options(argv: Sequence[str]) -> WindowOptions | None:
    """The window's options when `argv` holds nothing else, each spelt out in full (a
    value after `=` or as the next argument); else None: a command, --help, an
    abbreviation or a mistake goes through the full parser, which says what it is."""
    options = {f"--{option.name}": option for option in fields(WindowOptions)}
    values: dict[str, Any] = {}
    rest = iter(argv)
    for arg in rest:
        flag, equals, value = arg.partition("=")
        option = options.get(flag)
        if option is None or (equals and not _takes_value(option)):
            return None
        if not _takes_value(option):
            values[option.name] = True
            continue
        if not equals:
            following = next(rest, None)
            if following is None or following.startswith("-"):
                return None  # argparse says what is missing
            value = following
        values[option.name] = value
    return WindowOptions(**values)


def port_problem(options: WindowOptions) -> str | None:
    """Why `--port` cannot be used, in words, else None."""
    if options.port is None:
        return None
    text = options.port.strip()
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        return f"--port must be a whole number from 0 to 65535, not {options.port!r}"
    if not options.sandbox:
        return "--port is the embedded sandbox's port: give it with --sandbox"
    return None


def read_window_argv(argv: Sequence[str]) -> WindowOptions:
    """The window's options in `argv` as `smstester ARGV…` reads them, abbreviations
    included; anything else in `argv` is left alone (`build_window(argv)`, CONTRACT §4)."""
    options = window_options(argv)
    if options is not None:
        return options
    import argparse

    parser = argparse.ArgumentParser(prog="smstester", add_help=False)
    add_window_options(parser, desktop_entry=False)
    args, _ = parser.parse_known_args(list(argv))
    return WindowOptions.from_args(args)

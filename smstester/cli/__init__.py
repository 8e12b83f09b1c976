"""The command line (CONTRACT §3): the window, `send`, `curl`, `sandbox` and `profiles`.

One module per command (`send` for send and curl, `sandbox`, `profiles`), the options they
share in `options`, what every command needs in `common`; the window's own options are
declared in `smstester.ui.options` (Qt-free: cli -> ui -> core). A command's module is
imported, and its parser built, only when a command is asked for: `smstester`,
`smstester --sandbox` and `smstester --screenshot FILE` start the window without either
(`ui.options.window_options`) — importing them with argparse takes some
15 ms and building the parser 10 ms more on a 2-core machine, of a start-up of ~450 ms. The
domain operations (which test a send uses, saving and deleting a profile with its secrets)
are `core.connection`'s, shared with the window.

Rules every command follows (CONTRACT §3a):
- Secrets are never taken from the command line (see `options`): they come from a file,
  the environment, a profile's keyring entries, or for `send` a prompt that does not echo.
- The process never writes a core file (it would hold both secrets).
- Bad input is exit 2 with a message in words; a closed standard output (`| head -1`) ends
  the command quietly; any other failure is one line, "smstester: internal error: …"
  (SMSTESTER_DEBUG=1 adds the traceback), exit 70.
- Every line of text that can carry a server's or a profile's text goes through
  `printable` (terminal escapes shown, never obeyed); JSON output through `printable_json`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from smstester.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_STDOUT_CLOSED,
    CommandError,
    eprint,
    no_core_dumps,
    report_command_error,
    report_internal_error,
    stdout_gone,
)
from smstester.ui.options import WindowOptions, window_options

if TYPE_CHECKING:
    import argparse

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

# The modules under smstester.cli that add commands, in the order `--help` lists them; each
# has `add_parsers(sub)`.
COMMAND_MODULES: tuple[str, ...] = (
    "send",
    "sandbox",
    "profiles",
    "explain",
    "account",
    "history",
    "snippet",
)


def main(argv: Sequence[str] | None = None) -> int:
    no_core_dumps()
    try:
        code = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe shows here, not in the flush at exit
    except BrokenPipeError:
        stdout_gone()
        return EXIT_STDOUT_CLOSED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one plain line, not a traceback
        return report_internal_error(exc)
    return code


def _run(argv: list[str]) -> int:
    options = window_options(argv)
    if options is not None:
        return cmd_window(options)
    from smstester.cli.options import secret_flag_in, secret_flag_refusal

    flag = secret_flag_in(argv)
    if flag is not None:
        eprint(f"smstester: {secret_flag_refusal(flag, argv[0] if argv else None)}")
        return EXIT_BAD_INPUT
    args = build_parser().parse_args(argv)
    if args.command is None:
        return cmd_window(WindowOptions.from_args(args))
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except CommandError as exc:
        return report_command_error(args, exc)


def no_display() -> bool:
    """True on a Unix desktop system with no display to open a window on (Qt would abort,
    exit 134, naming a library that is installed). A QT_QPA_PLATFORM says otherwise."""
    import os

    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_window(options: WindowOptions) -> int:
    """Run the window until it closes (a screenshot needs no display: it is drawn offscreen)."""
    import gc
    import os

    from smstester.ui.options import port_problem

    problem = port_problem(options)
    if problem is not None:
        from smstester.core.terminal import printable

        eprint(f"smstester: {printable(problem)}")
        return EXIT_BAD_INPUT
    if no_display():
        if options.screenshot is None:
            eprint(
                "smstester: no display to open the window on (neither DISPLAY nor "
                "WAYLAND_DISPLAY is set): use `smstester send` and the other commands, or "
                "`smstester --screenshot FILE.png` to draw the window into a file"
            )
            return EXIT_BAD_INPUT
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    # Importing Qt and the window makes some 40,000 objects that live as long as the program.
    # The garbage collector would walk them again and again while they are made, and at
    # every full collection after: collect nothing while importing, then set them aside
    # (gc.freeze) so that later collections, and the one at exit, skip them.
    gc.disable()
    try:
        # The Qt-free modules the window needs before its first paint first: once
        # imported, PySide6 reads the source of every module named in an import after it
        # (its __feature__ import hook). The profile store and the keyring's module are
        # imported by the worker that reads the profiles, after the first paint.
        import smstester.core.clients
        import smstester.core.formats
        import smstester.core.request
        import smstester.core.segments
        import smstester.core.storage  # noqa: F401
        from smstester.ui.app import run
    finally:
        gc.freeze()
        gc.enable()
    # `run` reads an argument list (CONTRACT §4's build_window(argv) does too).
    return run(options.argv())


def build_parser() -> argparse.ArgumentParser:
    """The whole command line's parser: the window's options and every command's."""
    import argparse
    import importlib

    from smstester import __version__
    from smstester.cli.options import Parser
    from smstester.ui.options import add_window_options

    parser = Parser(
        prog="smstester",
        description="Check that an SMS app integration on jframework really works.",
    )

    class Version(argparse.Action):
        """--version: the version, Qt, PySide6 and the licence (PySide6 imported only here)."""

        def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
            from smstester.ui.options import version_lines

            # As argparse's own version action: a closed standard output ends it quietly.
            parser._print_message("\n".join(version_lines()) + "\n", sys.stdout)
            parser.exit(0)

    parser.add_argument(
        "--version",
        action=Version,
        nargs=0,
        default=argparse.SUPPRESS,
        help=f"show smstester's version ({__version__}), Qt's, PySide6's and the licence; exit",
    )
    add_window_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"smstester.cli.{name}")
        module.add_parsers(sub)
    return parser

"""`smstester snippet FORMAT`: the request as a command or script for one shell (CONTRACT §9)."""

from __future__ import annotations

import argparse
import sys

from smstester.cli.common import EXIT_BAD_INPUT, EXIT_OK, eprint
from smstester.cli.options import Parser, add_connection_options, secrets_rule
from smstester.core.formats import FORMAT_KEYS


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    snippet = sub.add_parser(
        "snippet",
        help="print the request as a command or script for a shell or language",
        description="Print the request as one command or script, alone on standard output "
        "(notes go to standard error): curl for bash and zsh, curl-cmd for Windows cmd.exe, "
        "powershell for Windows PowerShell 5.1 and PowerShell 7, python for Python 3.8+ "
        "(standard library), httpie for HTTPie in bash and zsh. Without --with-secrets the "
        "Auth-Key and the password are that language's references to SMSTESTER_AUTH_KEY and "
        "SMSTESTER_PASSWORD.",
        epilog=secrets_rule(keyring=True, prompt=False),
    )
    snippet.add_argument(
        "format", metavar="FORMAT", choices=FORMAT_KEYS, help=", ".join(FORMAT_KEYS)
    )
    add_connection_options(snippet)
    snippet.add_argument(
        "--with-secrets", action="store_true", help="put the two secrets in the snippet itself"
    )
    snippet.set_defaults(run=cmd_snippet)


def cmd_snippet(args: argparse.Namespace) -> int:
    """The snippet alone on stdout (UTF-8 whatever the locale), notes on stderr."""
    from smstester.cli.send import resolve_test
    from smstester.core.snippets import SnippetRefused, render_snippet

    test = resolve_test(args).test
    try:
        snippet = render_snippet(args.format, test, with_secrets=args.with_secrets)
    except SnippetRefused as exc:
        eprint(f"smstester: cannot render a {args.format} snippet: {exc}")
        return EXIT_BAD_INPUT
    for note in snippet.notes:
        eprint(f"smstester: {note}")
    text = snippet.text if snippet.text.endswith("\n") else snippet.text + "\n"
    data = text.encode("utf-8")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return EXIT_OK
    written = buffer.write(data)
    buffer.flush()
    # A reader that leaves part-way (`| head -1`) can end in a short write, not an error.
    if written is not None and written < len(data):
        raise BrokenPipeError("standard output was closed")
    return EXIT_OK

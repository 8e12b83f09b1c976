"""`smstester history [show ID | export FILE | clear]`: the sends kept (CONTRACT §3a, §8).

What the history holds, and why no secret is ever in it, is `core.history`'s docstring.
Every warning the store has (a damaged file set aside, a history that cannot be read) is
said on standard error; the output itself is the entries.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from smstester.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    eprint,
    print_json,
    say,
)
from smstester.cli.options import Parser

if TYPE_CHECKING:
    from smstester.core.history import HistoryEntry, HistoryStore


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--limit takes a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--limit must be 1 or more (got {value})")
    return value


def _entry_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ID is a history entry's number (as `smstester history` lists), not {text!r}"
        ) from None


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    history = sub.add_parser(
        "history",
        help="the sends kept: list, search, show, export, clear",
        description="The sends smstester kept (never a secret), newest first. Entries older "
        "than the retention setting (90 days unless changed) are deleted.",
    )
    history.add_argument("--json", action="store_true", help="print one JSON array")
    history.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="at most N entries (default 20)"
    )
    history.add_argument(
        "--search",
        default="",
        metavar="TEXT",
        help="only entries whose numbers, profile, integration id, message, codes or "
        "envelope message hold TEXT (any case)",
    )
    history.set_defaults(run=cmd_history, history_command=None)
    actions = history.add_subparsers(dest="history_command", metavar="ACTION")
    show = actions.add_parser("show", help="one entry in full")
    show.add_argument("id", type=_entry_id, metavar="ID")
    kind = show.add_mutually_exclusive_group()
    kind.add_argument("--json", action="store_true", help="print one JSON object")
    kind.add_argument("--ticket", action="store_true", help="print the ticket note alone")
    export = actions.add_parser("export", help="write every entry to a .json or .csv file")
    export.add_argument("file", metavar="FILE", help="FILE.json or FILE.csv")
    clear = actions.add_parser("clear", help="delete every entry (asks first)")
    clear.add_argument("--yes", action="store_true", help="do not ask")


def _store() -> HistoryStore:
    from smstester.core.history import HistoryStore

    return HistoryStore()


def _warn(store: HistoryStore) -> None:
    for warning in store.take_warnings():
        eprint(f"smstester: warning: {warning}")


def cmd_history(args: argparse.Namespace) -> int:
    commands = {None: history_list, "show": history_show, "export": history_export}
    commands["clear"] = history_clear
    with _store() as store:
        try:
            return commands[args.history_command](args, store)
        finally:
            _warn(store)


def _result(entry: HistoryEntry) -> str:
    if entry.http_status is None:
        return "no answer"
    return f"{entry.http_status} {'ok' if entry.success else 'failed'}"


def history_list(args: argparse.Namespace, store: HistoryStore) -> int:
    entries = store.search(args.search, limit=args.limit)
    if args.json:
        print_json([entry.as_json() for entry in entries], rows=True)
        return EXIT_OK
    if not entries:
        said = f" holding {args.search!r}" if args.search else ""
        say(f"No sends kept{said}.")
        return EXIT_OK
    header = ("ID", "TIME (UTC)", "PROFILE", "TO", "RESULT", "CODE", "MS")
    rows = [
        (
            str(e.id),
            e.time.strftime("%Y-%m-%d %H:%M:%S"),
            e.profile or "-",
            e.phone_to,
            _result(e),
            e.diagnosis_code or "-",
            f"{e.elapsed_ms:.0f}",
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def history_show(args: argparse.Namespace, store: HistoryStore) -> int:
    from smstester.core.ticket import ticket_note

    entry = store.get(args.id)
    if entry is None:
        raise CommandError(f"no history entry {args.id} (`smstester history` lists them)")
    if args.json:
        print_json(entry.as_json())
        return EXIT_OK
    say(ticket_note(entry).rstrip("\n"))
    if not args.ticket:
        say("")
        say("Envelope (secrets masked):")
        if entry.envelope is None:
            say("  none: the answer was not a jframework envelope, or no answer came")
        else:
            say(json.dumps(entry.envelope, ensure_ascii=False, indent=2))
    return EXIT_OK


def history_export(args: argparse.Namespace, store: HistoryStore) -> int:
    from pathlib import Path

    path = Path(args.file)
    try:
        count = store.export(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(
            f"cannot write {path}: {exc.strerror or exc}", exit_code=EXIT_FAILED
        ) from None
    say(f"Exported {count:,} {'entry' if count == 1 else 'entries'} to {path}.")
    return EXIT_OK


def history_clear(args: argparse.Namespace, store: HistoryStore) -> int:
    count = store.count()
    if not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():
            eprint(
                "smstester: history clear deletes every entry and asks first, but standard "
                "input is not a terminal: add --yes to clear without asking"
            )
            return EXIT_BAD_INPUT
        try:
            answer = input(f"Delete all {count:,} entries of the send history? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            say("Nothing was deleted.")
            return EXIT_FAILED
    try:
        gone = store.clear()
    except OSError as exc:
        raise CommandError(str(exc), exit_code=EXIT_FAILED) from None
    say(f"Deleted {gone:,} {'entry' if gone == 1 else 'entries'} of the send history.")
    return EXIT_OK

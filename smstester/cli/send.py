"""`smstester send` and `smstester curl`: the request the connection options describe."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smstester.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    SECRETS_SEEN,
    ask_proxy_password,
    eprint,
    finite,
    load_profile,
    not_sent_json,
    print_json,
    secret_store,
    stdout_may_close,
)
from smstester.cli.options import (
    DEFAULT_MESSAGE,
    Parser,
    add_connection_options,
    ask_secrets,
    field_flags,
    seconds,
    secret_files,
    secrets_rule,
)
from smstester.core.fields import SECRET_ENV

if TYPE_CHECKING:
    from smstester.core.client import SendResult, Timeouts
    from smstester.core.connection import ResolvedTest
    from smstester.core.history import HistoryEntry
    from smstester.core.model import SmsTest
    from smstester.core.profiles import Profile


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    send = sub.add_parser(
        "send",
        help="send one test SMS request and show the answer",
        description="Send one test SMS request and show the answer. Exit code 0: the "
        "envelope says success; 1: the server answered with a failure; 2: bad input, "
        "nothing was sent; 3: no answer.",
        epilog=secrets_rule(keyring=True, prompt=True),
    )
    add_connection_options(send)
    send.add_argument("--json", action="store_true", help="print one JSON object")
    send.add_argument(
        "--timeout",
        type=seconds("timeout"),
        metavar="S",
        help="the whole send (connecting, waiting, the status line, the headers and the "
        "body) takes at most S seconds; 0 < S <= 3600 (default: the profile's timeouts, "
        "else 10 s to connect, 30 s for each read, 60 s in all)",
    )
    send.add_argument(
        "--no-history",
        action="store_true",
        help="do not keep this send in the history (smstester history)",
    )
    send.add_argument(
        "--ticket",
        action="store_true",
        help="after the report, print the note for a support ticket (with --json: on "
        "standard error)",
    )
    send.set_defaults(run=cmd_send)

    curl = sub.add_parser(
        "curl",
        help="print the request as a curl command",
        description="Print the request as one curl command for bash and zsh, alone on "
        "standard output (notes go to standard error). Without --with-secrets the command "
        f"refers to {' and '.join('$' + env for env in SECRET_ENV.values())}, and checks them "
        "before curl runs: it stops with a message when one is empty or not set or would "
        "change the request.",
        epilog=secrets_rule(keyring=True, prompt=False),
    )
    add_connection_options(curl)
    curl.add_argument(
        "--with-secrets", action="store_true", help="put the two secrets in the command itself"
    )
    curl.set_defaults(run=cmd_curl)


def resolve_test(args: argparse.Namespace, *, prompt: bool = False) -> ResolvedTest:
    """The test the connection options describe (`connection.resolve_test`): the profile's
    values, then flags over them; secrets from --auth-key-file/--password-file, else the
    environment, else the profile's keyring entries, else (with `prompt`, when standard
    input is a terminal) a prompt that does not echo. Its warnings are said on stderr.

    Raises CommandError (exit 2) when --profile names no saved profile or a secret file
    cannot be used.
    """
    from smstester.core import connection
    from smstester.core.model import DEFAULT_BASE_URL, SmsTest

    name = getattr(args, "profile", None)
    profile = load_profile(name) if name else None
    tty = sys.stdin is not None and sys.stdin.isatty()
    resolved = connection.resolve_test(
        profile,
        flags=field_flags(args),
        secrets=secret_files(args),
        environ=os.environ,
        keys=secret_store,
        prompt=ask_secrets if prompt and tty else None,
        base=SmsTest(base_url=DEFAULT_BASE_URL, message=DEFAULT_MESSAGE),
    )
    for warning in resolved.warnings:
        eprint(f"smstester: {warning}")
    SECRETS_SEEN.extend(resolved.test.secrets())
    return resolved


def send_settings(args: argparse.Namespace, profile: Profile | None) -> tuple[Timeouts, bool | str]:
    """The timeouts and TLS verification of a send: the profile's; --timeout S bounds the
    whole send to S seconds (and no single wait is longer)."""
    from smstester.core.client import Timeouts

    connect = profile.connect_timeout if profile is not None else 10.0
    read = profile.read_timeout if profile is not None else 30.0
    if args.timeout is not None:
        limit = args.timeout
        timeouts = Timeouts(connect=min(connect, limit), read=min(read, limit), total=limit)
    else:
        timeouts = Timeouts.for_read(connect, read)
    # Switching verification off is per profile only: no flag does it.
    verify: bool | str = True if profile is None else profile.verify
    return timeouts, verify


def cmd_send(args: argparse.Namespace) -> int:
    from smstester.core.client import SmsClient
    from smstester.core.model import InvalidInput
    from smstester.core.request import build_request, insecure_transport_warning

    resolved = resolve_test(args, prompt=True)
    test, profile = resolved.test, resolved.profile
    try:
        request = build_request(test)
    except InvalidInput as exc:
        if args.json:
            with stdout_may_close():
                print_json(not_sent_json(f"bad input, nothing was sent: {exc}"))
        eprint("smstester: bad input, nothing was sent:")
        for problem in exc.problems:
            eprint(f"  {problem}")
        return EXIT_BAD_INPUT
    insecure = insecure_transport_warning(test.base_url)
    if insecure:
        eprint(f"smstester: warning: {insecure}")
    timeouts, verify = send_settings(args, profile)
    tls_off = ""
    if verify is False and profile is not None:
        tls_off = (
            f'TLS certificate verification is OFF (profile "{profile.name}"): anyone on the '
            "network path could read the secrets or forge the answer."
        )
        eprint(f"smstester: warning: {tls_off}")
    from smstester.core.preflight import preflight

    for notice in preflight(test):
        eprint(f"smstester: warning: {notice}")
    ask_proxy_password()
    with SmsClient(timeouts=timeouts, verify=verify) as client:
        result: SendResult = client.send_request(request)
    entry = record_send(args, test, result, profile)
    with stdout_may_close():  # the answer came: its exit code stays the command's
        print_result(args, result, test.secrets(), tls_off, entry)
    return result.exit_code


def record_send(
    args: argparse.Namespace, test: SmsTest, result: SendResult, profile: Profile | None
) -> HistoryEntry | None:
    """The send's history entry (masked), kept unless --no-history; a history that cannot
    be kept is said on stderr and never changes the send's outcome (the entry's id is
    then None)."""
    from smstester.core.history import HistoryStore, keep_send

    name = profile.name if profile else None
    if args.no_history:
        return keep_send(None, test, result, profile=name).entry
    with HistoryStore() as store:
        kept = keep_send(store, test, result, profile=name)
    if kept.notice:
        eprint(f"smstester: warning: {kept.notice}")
    return kept.entry


def print_result(
    args: argparse.Namespace,
    result: SendResult,
    secrets: Sequence[str],
    tls_off: str,
    entry: HistoryEntry | None = None,
) -> None:
    from smstester.core.diagnosis import diagnose
    from smstester.core.redaction import redact
    from smstester.core.report import Line, diagnosis_lines, report_lines
    from smstester.core.terminal import printable, printable_json

    found = diagnose(result)
    if args.json:
        timings = result.timings.as_json() if result.timings else None
        report = result.as_json() | {
            "diagnosis": found.as_json() if found else None,
            "timings": timings,
            "historyId": entry.id if entry is not None else None,
            "proxy": result.proxy,  # its password masked (None: no proxy)
        }
        text = json.dumps(finite(report), ensure_ascii=False, allow_nan=False)
        # Masked first, then escaped: the masking sees the text the server sent.
        from smstester.core.client import proxy_passwords

        print(printable_json(redact(text, [*secrets, *proxy_passwords()])))
    else:
        tty = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        colors = {
            "ok": "\x1b[32m",
            "fail": "\x1b[31m",
            "warn": "\x1b[33m",
            "dim": "\x1b[2m",
            "head": "\x1b[1m",
        }
        lines = report_lines(result, secrets)
        if found is not None:
            lines += diagnosis_lines(found)
        if tls_off:
            lines.append(Line(f"Warning: {tls_off}", "warn"))
        for line in lines:
            start = colors.get(line.tone, "") if tty else ""
            # Only smstester's own colour codes reach the terminal; the server's are shown.
            print(f"{start}{printable(line.text)}{chr(27) + '[0m' if start else ''}")
    if args.ticket and entry is not None:
        from smstester.core.ticket import ticket_note

        note = ticket_note(entry)  # plain text already: no control character left in it
        if args.json:
            print(f"\n{note}", end="", file=sys.stderr, flush=True)
        else:
            print(f"\n{note}", end="")


def cmd_curl(args: argparse.Namespace) -> int:
    """The request as a curl command alone on stdout (for `bash -c`), notes on stderr."""
    from smstester.core.curl import curl_notes, render_curl

    test = resolve_test(args).test
    try:
        command = render_curl(test, with_secrets=args.with_secrets)
    except ValueError as exc:
        eprint(f"smstester: cannot render a curl command: {exc}")
        return EXIT_BAD_INPUT
    for note in curl_notes(test, with_secrets=args.with_secrets):
        eprint(f"smstester: {note}")
    # UTF-8 whatever the locale: those are the bytes the shell must hand to curl.
    data = (command + "\n").encode("utf-8")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(command + "\n")
    else:
        written = buffer.write(data)
        buffer.flush()
        # A reader that leaves part-way (`| head -1`) can end in a short write, not an error.
        if written is not None and written < len(data):
            raise BrokenPipeError("standard output was closed")
    return EXIT_OK

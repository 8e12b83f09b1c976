"""The command line (CONTRACT §3): the window, `send`, `curl`, `sandbox` and `profiles`.

Imports are deferred to the command that needs them, so `smstester --version` and the
window's first paint pay only for what they use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smstester import __version__
from smstester.core.fields import SECRET_ENV

if TYPE_CHECKING:
    from smstester.core.request import SmsTest

DEFAULT_MESSAGE = "Test message from smstester."

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--profile", metavar="NAME", help="a saved connection profile")
    group.add_argument("--base-url", help="API base URL (default: the live host)")
    group.add_argument("--brand-url", help="the Brand-URL header")
    group.add_argument("--integration-id", help="the appIntegrationId")
    group.add_argument("--username", help="Twilio Account SID")
    group.add_argument("--from", dest="phone_from", metavar="NUMBER", help="phoneNumberFrom")
    group.add_argument("--to", dest="phone_to", metavar="NUMBER", help="phoneNumberTo")
    group.add_argument("--message", help="the SMS text")
    group.add_argument(
        "--region", help="region for numbers typed without +country code (e.g. US, GB)"
    )
    group.add_argument(
        "--auth-key",
        help=f"Auth-Key (better: the {SECRET_ENV['auth_key']} environment variable)",
    )
    group.add_argument(
        "--password",
        help=f"Twilio Auth Token (better: the {SECRET_ENV['password']} environment variable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smstester",
        description="Check that an SMS app integration on jframework really works.",
    )
    parser.add_argument("--version", action="version", version=f"smstester {__version__}")
    parser.add_argument(
        "--sandbox", action="store_true", help="wire the window to an embedded sandbox server"
    )
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="save a PNG of the window after its first paint"
    )
    parser.add_argument(
        "--send", action="store_true", help="send the form's request once the window is up"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    send = sub.add_parser("send", help="send one test SMS request and show the answer")
    _connection_options(send)
    send.add_argument("--json", action="store_true", help="print one JSON object")
    send.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer")

    curl = sub.add_parser("curl", help="print the request as a curl command")
    _connection_options(curl)
    curl.add_argument(
        "--with-secrets", action="store_true", help="put the two secrets in the command itself"
    )

    sandbox = sub.add_parser("sandbox", help="run the local sandbox server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sandbox.add_argument("--json", action="store_true", help="print one JSON line when listening")
    return parser


def _eprint(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def test_from_args(args: argparse.Namespace) -> SmsTest:
    """The SmsTest the connection options describe: profile, then flags, then environment."""
    from smstester.core.request import DEFAULT_BASE_URL, SmsTest

    test = SmsTest(base_url=DEFAULT_BASE_URL, message=DEFAULT_MESSAGE)
    test = test.with_changes(
        base_url=args.base_url,
        brand_url=args.brand_url,
        integration_id=args.integration_id,
        username=args.username,
        phone_from=args.phone_from,
        phone_to=args.phone_to,
        message=args.message,
        region=args.region,
    )
    return test.with_changes(
        auth_key=args.auth_key or os.environ.get(SECRET_ENV["auth_key"]) or None,
        password=args.password or os.environ.get(SECRET_ENV["password"]) or None,
    )


def cmd_send(args: argparse.Namespace) -> int:
    from smstester.core.client import SendResult, SmsClient, Timeouts
    from smstester.core.report import report_lines
    from smstester.core.request import InvalidInput, build_request

    test = test_from_args(args)
    try:
        request = build_request(test)
    except InvalidInput as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "httpStatus": None,
                        "elapsedMs": 0.0,
                        "envelope": None,
                        "error": f"bad input, nothing was sent: {exc}",
                    }
                )
            )
        _eprint("smstester: bad input, nothing was sent:")
        for problem in exc.problems:
            _eprint(f"  {problem}")
        return EXIT_BAD_INPUT
    timeouts = Timeouts(connect=min(10.0, args.timeout), read=args.timeout, total=args.timeout * 2)
    with SmsClient(timeouts=timeouts) as client:
        result: SendResult = client.send_request(request)
    secrets = test.secrets()
    if args.json:
        from smstester.core.secrets import redact

        print(redact(json.dumps(result.as_json(), ensure_ascii=False), secrets))
    else:
        tty = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        colors = {
            "ok": "\x1b[32m",
            "fail": "\x1b[31m",
            "warn": "\x1b[33m",
            "dim": "\x1b[2m",
            "head": "\x1b[1m",
        }
        for line in report_lines(result, secrets):
            start = colors.get(line.tone, "") if tty else ""
            print(f"{start}{line.text}{chr(27) + '[0m' if start else ''}")
    return result.exit_code


def cmd_sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading

    from smstester.sandbox import SandboxServer

    server = SandboxServer(args.host, args.port)
    try:
        server.start()
    except OSError as exc:
        _eprint(f"smstester: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    demo = server.demo
    if args.json:
        print(json.dumps(demo.as_contract_json()), flush=True)
    else:
        print(f"Sandbox listening on {server.url}  (Ctrl+C stops it)")
        print("Demo connection:")
        for key, value in demo.as_contract_json().items():
            print(f"  {key:16} {value}")
        print("Try:")
        print(
            f"  {SECRET_ENV['auth_key']}={demo.auth_key} {SECRET_ENV['password']}="
            f"{demo.password} smstester send --base-url {demo.url} --brand-url "
            f"{demo.brand_url} --integration-id {demo.integration_id} --username "
            f"{demo.username} --from {demo.phone_from} --to +14155552671",
            flush=True,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


def cmd_window(argv: Sequence[str]) -> int:
    from smstester.ui.app import run

    return run(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return cmd_window(argv)
        if args.command == "send":
            return cmd_send(args)
        if args.command == "sandbox":
            return cmd_sandbox(args)
        if args.command == "curl":
            return cmd_curl(args)
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


def cmd_curl(args: argparse.Namespace) -> int:
    """The request as a curl command alone on stdout (for `bash -c`), notes on stderr."""
    from smstester.core.curl import curl_notes, render_curl

    test = test_from_args(args)
    try:
        command = render_curl(test, with_secrets=args.with_secrets)
    except ValueError as exc:
        _eprint(f"smstester: cannot render a curl command: {exc}")
        return EXIT_BAD_INPUT
    for note in curl_notes(test, with_secrets=args.with_secrets):
        _eprint(f"smstester: {note}")
    # UTF-8 whatever the locale: those are the bytes the shell must hand to curl.
    data = (command + "\n").encode("utf-8")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(command + "\n")
    else:
        buffer.write(data)
        buffer.flush()
    return EXIT_OK

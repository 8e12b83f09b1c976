"""`smstester sandbox`: the local stand-in server, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING

from smstester.cli.common import EXIT_BAD_INPUT, EXIT_OK, eprint
from smstester.cli.options import Parser, port
from smstester.core.fields import FIELDS
from smstester.core.model import DEMO_AUTH_KEY_TTL

if TYPE_CHECKING:
    from smstester.core.model import SmsTest


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    sandbox = sub.add_parser("sandbox", help="run the local sandbox server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument(
        "--port", type=port, default=0, metavar="N", help="0 to 65535; 0 picks a free port"
    )
    sandbox.add_argument("--json", action="store_true", help="print one JSON line when listening")
    sandbox.add_argument(
        "--auth-key-ttl",
        type=auth_key_ttl,
        default=DEMO_AUTH_KEY_TTL,
        metavar="S",
        help="seconds an Auth-Key from the demo sign-in works (default "
        f"{DEMO_AUTH_KEY_TTL:g}); the demo Auth-Key never expires",
    )
    sandbox.set_defaults(run=cmd_sandbox)


def auth_key_ttl(text: str) -> float:
    """An argparse `type=` for `--auth-key-ttl`: a finite number of seconds greater than 0,
    at most ten years; bad input in words."""
    from smstester.sandbox.accounts import check_ttl

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    try:
        return check_ttl(value, text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Terminated(Exception):
    """SIGTERM while serving: unwinds `SandboxServer.serve_forever` as KeyboardInterrupt does."""


def cmd_sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading

    from smstester.core.request import is_loopback_host
    from smstester.sandbox import SandboxServer

    server = SandboxServer(args.host, args.port, auth_key_ttl=args.auth_key_ttl)
    try:
        server.start()
    except OSError as exc:
        eprint(f"smstester: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    # Before anything is printed: a caller that reads the first line may stop it at once.
    # SIGTERM then ends `serve_forever` as Ctrl+C does; one that comes before it, while the
    # lines below are printed, only says not to start serving.
    terminated, serving = threading.Event(), threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        if not terminated.is_set():
            terminated.set()
            if serving.is_set():
                raise _Terminated

    signal.signal(signal.SIGTERM, on_sigterm)
    # What the operating system says the socket is bound to, not what was asked for.
    bound = server.listen_host
    listening = f"[{bound}]:{server.port}" if ":" in bound else f"{bound}:{server.port}"
    everywhere = server.listens_on_every_interface
    if not is_loopback_host(bound):
        where = "every network interface of this machine" if everywhere else "a network address"
        eprint(
            f"smstester: warning: the sandbox listens on {listening} ({where}): anyone on "
            "that network can reach it and use the demo credentials, which are public. Use "
            "--host 127.0.0.1 to keep it on this machine."
        )
    demo = server.demo
    if args.json:
        print(json.dumps(demo.as_sandbox_json()), flush=True)
    else:
        if everywhere:
            # http://0.0.0.0:PORT is not a URL a browser or another machine can use; say where
            # it listens, and the URL that works from here.
            print(
                f"Sandbox listening on {listening}, every network interface (from this "
                f"machine: {server.url})  (Ctrl+C stops it)"
            )
        else:
            print(f"Sandbox listening on {server.url}  (Ctrl+C stops it)")
        print("Demo connection:")
        for key, value in demo.as_sandbox_json().items():
            print(f"  {key:16} {value}")
        print(
            f"Auth-Keys from the demo sign-in work for {args.auth_key_ttl:g} s; "
            "the demo authKey never expires."
        )
        print("Try:")
        print(f"  {try_command(demo.as_test())}", flush=True)
    try:
        try:
            serving.set()
            if not terminated.is_set():
                server.serve_forever()
        finally:
            # Inside the outer try: a SIGTERM up to here is caught below, none after it.
            serving.clear()
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        server.stop()
    return EXIT_OK


def try_command(test: SmsTest) -> str:
    """The shell command that sends `test`: its secrets in their environment variables,
    then `smstester send` with the flags of every field a send needs (the message has a
    default)."""
    import shlex

    secrets = [
        f"{field.env}={shlex.quote(getattr(test, field.name))}" for field in FIELDS if field.env
    ]
    flags = [
        f"{field.flag} {shlex.quote(getattr(test, field.name))}"
        for field in FIELDS
        if field.flag and field.required and field.single_line
    ]
    return " ".join([*secrets, "smstester send", *flags])

"""`smstester sandbox`: the local stand-in server, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import json

from smstester.cli.common import EXIT_BAD_INPUT, EXIT_OK, eprint
from smstester.cli.options import Parser, port
from smstester.core.fields import SECRET_ENV


def add_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    sandbox = sub.add_parser("sandbox", help="run the local sandbox server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument(
        "--port", type=port, default=0, metavar="N", help="0 to 65535; 0 picks a free port"
    )
    sandbox.add_argument("--json", action="store_true", help="print one JSON line when listening")
    sandbox.set_defaults(run=cmd_sandbox)


def cmd_sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading

    from smstester.core.request import is_loopback_host
    from smstester.sandbox import SandboxServer

    server = SandboxServer(args.host, args.port)
    try:
        server.start()
    except OSError as exc:
        eprint(f"smstester: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    # Before anything is printed: a caller that reads the first line may stop it at once.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
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
        print(json.dumps(demo.as_contract_json()), flush=True)
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
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK

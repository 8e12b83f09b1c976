"""`smstester explain CODE`: what smstester knows of a Twilio or jframework code."""

from __future__ import annotations

import argparse
import json

from smstester.cli.common import EXIT_BAD_INPUT, EXIT_OK, eprint
from smstester.cli.options import Parser


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    explain = sub.add_parser(
        "explain",
        help="what a Twilio or jframework error code means and what to do",
        description="What smstester knows of a code: a Twilio error (21608), a jframework one "
        "(AppIntegrationNotFound), an HTTP status (http-401) or a failure (tls, timeout, …).",
    )
    explain.add_argument("code", metavar="CODE")
    explain.add_argument("--json", action="store_true", help="print one JSON object")
    explain.set_defaults(run=cmd_explain)


def cmd_explain(args: argparse.Namespace) -> int:
    from smstester.core.diagnosis import explain
    from smstester.core.report import diagnosis_lines
    from smstester.core.terminal import printable

    found = explain(args.code)
    if found is None:
        eprint(
            f"smstester: no notes on {printable(args.code)!r}: give a Twilio code (5 digits), "
            "a jframework code such as AppIntegrationNotFound, http-NNN, or one of refused, "
            "dns, tls, timeout, dropped, too-large, proxy, proxy-auth, network, cancelled"
        )
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(found.as_json(), ensure_ascii=False))
    else:
        for line in diagnosis_lines(found):
            print(line.text)
    return EXIT_OK

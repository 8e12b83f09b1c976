"""Fault modes: integration ids that begin with `fault-` (CONTRACT §5).

They skip the integration-id lookup but still need the right Auth-Key and Brand-URL; they
do not look at the body and answer any method (not only POST). They exist to test how
clients cope with broken servers and proxies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

#: Every id starting with this turns on a fault mode (or is an unknown one: 404).
FAULT_PREFIX: Final = "fault-"

#: `fault-slow-N` never waits longer than this many seconds.
MAX_SLOW_SECONDS: Final = 120.0

#: Size of the `data` string in the `fault-huge` answer.
HUGE_DATA_BYTES: Final = 12 * 1024 * 1024

#: Fault mode (the whole integration id) -> what the sandbox does. For the README.
FAULTS: Final[dict[str, str]] = {
    "fault-slow": "answers a success, but only after the server's slow_seconds (default 3 s)",
    "fault-slow-N": "answers a success after N seconds (a decimal number, at most 120), "
    "e.g. fault-slow-0.5 or fault-slow-45",
    "fault-500": "HTTP 500 with a jframework failure envelope (an internal server error)",
    "fault-502": "HTTP 502 with an HTML '502 Bad Gateway' page, as a reverse proxy sends it",
    "fault-html": "HTTP 200 with an HTML page (text/html) instead of JSON, "
    "as a captive portal or a misrouted request gives",
    "fault-notjson": "HTTP 200, Content-Type application/json, but the body is not JSON "
    "(cut off in the middle)",
    "fault-drop": "closes the connection without sending any answer",
    "fault-huge": "HTTP 200 with a 12 MiB body: a valid success envelope whose data is a "
    "huge string",
    "fault-redirect": "HTTP 302 to another URL on the same server (which answers a failure "
    "envelope: a client should not follow it)",
    "fault-redirect-loop": "HTTP 302 back to the very same URL, forever",
    "fault-echo": "HTTP 400 failure envelope that echoes the request's headers and body, "
    "secrets included (to check that clients redact what they log)",
    "fault-empty": "HTTP 200 with an empty body",
    "fault-wrong-status": "HTTP 200, but the envelope says success false and statusCode 500",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """A parsed fault mode: its name (`slow` for every slow variant) and, for slow, a delay."""

    name: str
    seconds: float = 0.0


_SIMPLE: Final = frozenset(
    key.removeprefix(FAULT_PREFIX) for key in FAULTS if not key.startswith("fault-slow")
)


def parse_fault(integration_id: str, slow_seconds: float) -> Fault | None:
    """The fault mode an integration id names, or None if it names none (an unknown fault)."""
    if not integration_id.startswith(FAULT_PREFIX):
        return None
    rest = integration_id.removeprefix(FAULT_PREFIX)
    if rest in _SIMPLE:
        return Fault(rest)
    if rest == "slow":
        return Fault("slow", min(max(slow_seconds, 0.0), MAX_SLOW_SECONDS))
    if rest.startswith("slow-"):
        text = rest.removeprefix("slow-")
        if not text or not all(c.isascii() and (c.isdigit() or c == ".") for c in text):
            return None
        try:
            seconds = float(text)
        except ValueError:
            return None
        if not math.isfinite(seconds):
            return None
        return Fault("slow", min(seconds, MAX_SLOW_SECONDS))
    return None

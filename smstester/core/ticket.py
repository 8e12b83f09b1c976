"""The ticket note (CONTRACT §8): one past send as plain text for a support ticket.

`history show ID --ticket`, `send --ticket` and the window's *Copy for ticket* all print
`ticket_note(entry)`. It is made from a history entry, which is masked when it is built, so
no secret can be in it. It must read the same pasted into Zendesk, Jira or an e-mail:

- one fact a line, "Label: value"; no tabs or runs of spaces to align columns (proportional
  fonts undo them), no trailing spaces;
- nothing a renderer would turn into something else: no line starting with `#`, `*`, `-`,
  `>`, `|` or `h1.` (Markdown and Jira headings, lists, quotes, tables), no `[…]` (a Jira
  link), no backticks; numbered steps as "1. …", which reads right rendered or not;
- values on one line (a message's line breaks become spaces), cut when very long, with
  control and bidi characters a server sent shown as escapes (`\\x1b`), never obeyed.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from smstester.core.diagnosis import SIDE_WORDS
from smstester.core.envelope import STATUS_MEANINGS
from smstester.core.terminal import printable

if TYPE_CHECKING:
    from smstester.core.history import HistoryEntry


def _one_line(value: object, limit: int = 500) -> str:
    text = " ".join(str(value).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    # Square brackets read as a link in Jira; ‹› keep the meaning and render as text.
    return printable(text).replace("[", "‹").replace("]", "›")


def _when(entry: HistoryEntry, local: datetime.tzinfo | None) -> list[str]:
    utc = entry.time.astimezone(datetime.UTC)
    mine = entry.time.astimezone(local) if local is not None else entry.time.astimezone()
    offset = mine.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    name = mine.tzname() or ""
    name = f" {name}" if name and not name.startswith(("UTC", "+", "-")) else ""
    return [
        f"When: {utc:%Y-%m-%d %H:%M:%S} UTC",
        f"Local time of the agent: {mine:%Y-%m-%d %H:%M:%S}{name} ({offset})",
    ]


def _timings(timings: dict[str, Any] | None, elapsed_ms: float) -> str:
    parts = []
    for key, name in (
        ("connectMs", "connect"),
        ("tlsMs", "TLS"),
        ("waitMs", "waiting"),
        ("downloadMs", "download"),
    ):
        value = (timings or {}).get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f"{name} {value:.1f} ms")
    total = (timings or {}).get("totalMs")
    total = total if isinstance(total, int | float) and not isinstance(total, bool) else elapsed_ms
    parts.append(f"total {total:.1f} ms")
    if (timings or {}).get("reusedConnection") is True:
        parts.append("on a reused connection")
    return "Timings: " + ", ".join(parts)


def ticket_note(entry: HistoryEntry, *, local: datetime.tzinfo | None = None) -> str:
    """The note for `entry` (see the module docstring); `local` is the agent's time zone
    (default: this computer's)."""
    outcome = "succeeded" if entry.success else "failed"
    code = f" ({_one_line(entry.diagnosis_code, 80)})" if entry.diagnosis_code else ""
    lines = [f"SMS integration test with smstester: {outcome}{code}", ""]
    lines += _when(entry, local)
    lines += [
        f"Brand-URL: {_one_line(entry.brand_url)}",
        f"Integration id: {_one_line(entry.integration_id)}",
    ]
    if entry.profile:
        lines.append(f"Profile: {_one_line(entry.profile)}")
    segments = "segment" if entry.segments == 1 else "segments"
    lines += [
        f"Base URL: {_one_line(entry.base_url)}",
        f"Account SID: {_one_line(entry.username)}",
        f"From: {_one_line(entry.phone_from)}",
        f"To: {_one_line(entry.phone_to)}",
        f"Message: “{_one_line(entry.message, 300)}” "
        f"({entry.encoding}, {entry.segments} {segments})",
        "",
    ]
    if entry.http_status is None:
        lines.append(f"Result: No answer. {_one_line(entry.error or 'No answer.', 1000)}")
    else:
        words = STATUS_MEANINGS.get(entry.http_status, "")
        status = f"HTTP {entry.http_status}" + (f" {words}" if words else "")
        lines.append(f"Result: {status}, success: {'yes' if entry.success else 'no'}")
        if entry.envelope_message:
            lines.append(f"Envelope message: {_one_line(entry.envelope_message)}")
        if entry.error:
            lines.append(f"Note: {_one_line(entry.error, 1000)}")
    dropped = (entry.envelope or {}).get("errorsNotKept")
    more = (
        f" (and {dropped:,} more error items not kept)"
        if isinstance(dropped, int) and not isinstance(dropped, bool) and dropped > 0
        else ""
    )
    if entry.error_codes:
        codes = ", ".join(_one_line(c, 80) for c in entry.error_codes)
        lines.append(f"Error codes: {codes}{more}")
    if entry.correlation_ids:
        ids = ", ".join(_one_line(c, 120) for c in entry.correlation_ids)
        lines.append(f"Correlation ids: {ids}{more}")
    found = entry.diagnosis
    if found:
        side = SIDE_WORDS.get(str(found.get("side")), "unknown")
        lines += [
            "",
            f"What it means (code {_one_line(found.get('code', ''), 80)}, on the side of "
            f"{side}): {_one_line(found.get('title', ''))}",
            f"Cause: {_one_line(found.get('cause', ''), 1000)}",
        ]
        steps = [s for s in found.get("steps") or [] if isinstance(s, str)]
        if steps:
            lines.append("What to do:")
            lines += [f"{n}. {_one_line(step, 1000)}" for n, step in enumerate(steps, 1)]
        if found.get("link"):
            lines.append(f"More: {_one_line(found['link'])}")
    lines += ["", _timings(entry.timings, entry.elapsed_ms)]
    kept = f", history entry {entry.id}" if entry.id is not None else ""
    lines.append(f"smstester {_one_line(entry.version, 40)}{kept}")
    return "\n".join(line.rstrip() for line in lines) + "\n"

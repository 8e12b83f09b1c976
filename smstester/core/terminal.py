"""Text for a terminal: what a server or a profile holds is shown, never obeyed.

A server's `message` holding `ESC[1A ESC[2K` would erase the line above it (a failure
turned into a fake success); OSC 52 (`ESC]52;c;…BEL`) writes the clipboard; a C1 control
such as U+009B does the same on terminals that read 8-bit controls; a bidi override
(U+202E) shows text in another order than it is. So every line of text output that can
carry such text goes through `printable`, which shows these characters as visible escapes
(`\\x1b`, `\\u202e`): C0 controls except newline and tab, DEL, C1 controls, the bidi marks,
embeddings, overrides and isolates, and lone surrogates (what undecodable bytes become; they
cannot even be written out as UTF-8). JSON output is already escaped for C0 controls;
`printable_json` escapes the rest, as JSON `\\uXXXX` escapes, so the JSON value is the same.
"""

from __future__ import annotations

import re
from typing import Final

_ACTIVE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """`text` with every character a terminal would act on shown as `\\x1b`/`\\u202e` text."""
    return _ACTIVE.sub(_visible, text)


def printable_json(text: str) -> str:
    """JSON text with the same characters as JSON `\\uXXXX` escapes (the same JSON value)."""
    return _ACTIVE.sub(_json_escape, text)

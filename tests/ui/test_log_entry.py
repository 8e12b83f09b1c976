"""A log entry is prepared on the send's worker (`prepare_entry`): bounded, masked HTML, the
whole raw answer masked, a short status line."""

from __future__ import annotations

import html
import json
import re
import urllib.parse

from hypothesis import strategies as st

from smstester.core.client import SendResult
from smstester.core.envelope import parse_body
from smstester.core.report import Line
from smstester.ui.logview import (
    _LIGHT,
    ENTRY_BUDGET,
    LINE_PREVIEW,
    STATUS_LIMIT,
    _within_budget,
    prepare_entry,
)

KEY = "sandbox-demo-auth-key-7f3a9c1e"
TOKEN = "f3c9a0d27b6e4e1c8a5d9b2e7f41c630"


def result_with(body: bytes, status: int = 400, **fields: object) -> SendResult:
    return SendResult(
        method="POST",
        url="http://127.0.0.1:9/api/v1/app-integrations/x/sms/test",
        elapsed_ms=1.0,
        http_status=status,
        reason_phrase="Bad Request",
        body=parse_body(body, "application/json"),
        **fields,  # type: ignore[arg-type]
    )


def shown(entry_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", entry_html))


def test_100000_error_items_make_a_bounded_entry() -> None:
    items = [{"code": i, "message": f"item {i} {KEY}"} for i in range(100_000)]
    body = json.dumps({"success": False, "statusCode": 400, "errors": items}).encode()
    entry = prepare_entry(result_with(body), (KEY, TOKEN), _LIGHT)
    text = shown(entry.html)
    assert len(text) < ENTRY_BUDGET + 2000
    assert "item 0 ••••••" in text
    assert "more error items" in text
    assert KEY not in entry.html
    assert entry.raw is not None
    assert "item 99999 ••••••" in entry.raw.text
    assert KEY not in entry.raw.text
    assert entry.raw.rows[-1].endswith("]}")  # folded for the viewer, on the worker too
    assert entry.status == "The server answered: failure"


def test_a_4_mib_line_is_a_preview() -> None:
    data = "z" * (4 << 20)
    body = json.dumps({"success": False, "statusCode": 400, "data": data}).encode()
    note = "TLS certificate verification was OFF"
    entry = prepare_entry(result_with(body), (), _LIGHT, note=note)
    text = shown(entry.html)
    assert "data: zzz" in text
    assert len(text) < LINE_PREVIEW + 2000
    assert "TLS certificate verification was OFF" in text
    assert entry.raw is not None and data in entry.raw.text


def test_many_long_lines_stay_within_the_budget() -> None:
    lines = [Line("w" * 3000, "fail") for _ in range(40)]
    kept = _within_budget(lines)
    assert sum(len(line.text) for line in kept) <= ENTRY_BUDGET + 200
    assert kept[-1].text.startswith("… (and ")
    assert "more lines; Show raw answer has the whole answer" in kept[-1].text
    assert _within_budget(lines[:2]) == lines[:2]


def test_the_status_line_is_masked_short_and_one_line() -> None:
    echo = f"Redirect to http://evil.example/?k={KEY}&t={urllib.parse.quote(TOKEN)}\n" + "x" * 9999
    entry = prepare_entry(
        result_with(b"", status=302, error=echo, location="http://evil.example/"),
        (KEY, TOKEN),
        _LIGHT,
    )
    assert KEY not in entry.status and TOKEN not in entry.status
    assert len(entry.status) <= STATUS_LIMIT + 1
    assert "\n" not in entry.status
    assert KEY not in entry.html


def test_a_server_cannot_reorder_or_erase_the_entry() -> None:
    body = json.dumps({"success": False, "message": "\x1b[1A\x1b[2K\u202e✔ success"}).encode()
    entry = prepare_entry(result_with(body), (), _LIGHT)
    assert "\x1b" not in entry.html and "\u202e" not in entry.html
    assert "\\x1b[1A" in shown(entry.html)
    assert "\\u202e" in shown(entry.html)


# --- masking a slice at a time ------------------------------------------------------------

SECRET = st.text(
    st.characters(exclude_categories=("Cs",), max_codepoint=0x2FF) | st.sampled_from('"\\ ,}'),
    min_size=4,
    max_size=16,
)

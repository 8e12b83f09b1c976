"""The ticket note (CONTRACT §8): plain text a support agent pastes into a ticket."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re

from support import GOOD

from smstester import __version__
from smstester.core.client import Failure, SendResult, Timings
from smstester.core.envelope import parse_body
from smstester.core.history import entry_from_send
from smstester.core.ticket import ticket_note

URL = "https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test"
WHEN = datetime.datetime(2025, 3, 1, 14, 2, 3, 456000, tzinfo=datetime.UTC)
CET = datetime.timezone(datetime.timedelta(hours=1), "CET")


def failed(**extra: object) -> SendResult:
    body = {
        "success": False,
        "statusCode": 400,
        "message": "The request failed.",
        "errors": [
            {"code": 21211, "message": "Invalid 'To' number", "correlationId": "corr-1"},
            {"code": "ValidationFailed", "message": "see above", "correlationId": "corr-2"},
        ],
    }
    return SendResult(
        "POST",
        URL,
        42.5,
        http_status=400,
        reason_phrase="Bad Request",
        body=parse_body(json.dumps(body).encode(), "application/json"),
        headers=(("X-Correlation-Id", "hdr-9"),),
        timings=Timings(connect_ms=1.25, wait_ms=40.0, download_ms=1.0, total_ms=42.5),
        **extra,  # type: ignore[arg-type]
    )


def test_a_failure_note_holds_everything_a_ticket_needs() -> None:
    entry = entry_from_send(GOOD, failed(), profile="Acme", when=WHEN)
    note = ticket_note(entry, local=CET)
    assert "2025-03-01 14:02:03 UTC" in note
    assert "2025-03-01 15:02:03 CET (UTC+01:00)" in note  # the agent's local time
    for value in (
        GOOD.brand_url,
        GOOD.integration_id,
        GOOD.phone_from,
        GOOD.phone_to,
        GOOD.username,
        "Acme",
        "HTTP 400",
        "The request failed.",
        "21211",
        "ValidationFailed",
        "corr-1",
        "corr-2",
        "hdr-9",
        f"smstester {__version__}",
    ):
        assert value in note, value
    assert "success: no" in note
    assert entry.diagnosis is not None
    assert entry.diagnosis["title"] in note
    for n, step in enumerate(entry.diagnosis["steps"], 1):
        assert f"{n}. {step}" in note
    assert "connect 1.2 ms" in note or "connect 1.3 ms" in note
    assert "waiting 40.0 ms" in note
    assert "total 42.5 ms" in note


def test_a_success_note() -> None:
    body = b'{"success": true, "statusCode": 200, "message": "Sent.", "data": true}'
    ok = SendResult("POST", URL, 12.0, http_status=200, body=parse_body(body, "application/json"))
    note = ticket_note(entry_from_send(GOOD, ok, when=WHEN), local=datetime.UTC)
    assert "HTTP 200" in note
    assert "success: yes" in note
    assert "Sent." in note
    assert "What to do" not in note  # nothing to do


def test_no_answer() -> None:
    refused = SendResult(
        "POST",
        URL,
        3.0,
        failure=Failure.REFUSED,
        error="Connection refused by 127.0.0.1:9: nothing is listening there.",
    )
    note = ticket_note(entry_from_send(GOOD, refused, when=WHEN), local=datetime.UTC)
    assert "No answer" in note
    assert "Connection refused by 127.0.0.1:9" in note
    assert "refused" in note


def test_it_pastes_well() -> None:
    """Plain text: no tabs to align, nothing Markdown, Jira or an e-mail would turn into
    something else, and no control character a server sent."""
    hostile = failed()
    entry = entry_from_send(
        GOOD.with_changes(message="line one\nline two\t# not a heading"), hostile, when=WHEN
    )
    entry = dataclasses.replace(entry, envelope_message="bad\x1b[2K\u202eerased")
    note = ticket_note(entry, local=CET)
    assert "\t" not in note
    assert "\x1b" not in note and "\u202e" not in note
    assert "\\x1b" in note
    for line in note.splitlines():
        assert not re.match(r"\s*(#|\*|\||h\d\.|>|```|-\s)", line), line
        assert not line.endswith(" "), line
    assert "[" not in note.replace("\\x1b[2K", "")  # Jira reads [text] as a link
    assert "line one line two # not a heading" in note


def test_never_a_secret() -> None:
    secrets = ("ak-5e1f-SECRET-value", "tok-9c2d-SECRET-value")
    test = GOOD.with_changes(auth_key=secrets[0], password=secrets[1], message=secrets[1])
    body = {
        "success": False,
        "statusCode": 500,
        "message": f"echo {secrets[0]} {secrets[1]}",
        "errors": [{"code": "Echo", "message": secrets[1], "correlationId": secrets[0]}],
    }
    echo = SendResult(
        "POST",
        URL,
        1.0,
        http_status=500,
        body=parse_body(json.dumps(body).encode(), "application/json"),
        headers=(("X-Request-Id", secrets[1]),),
    )
    note = ticket_note(entry_from_send(test, echo, when=WHEN), local=CET)
    for secret in secrets:
        assert secret not in note
    assert "••••••" in note

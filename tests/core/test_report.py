"""The report a send turns into: what the CLI prints and the log pane shows."""

from __future__ import annotations

import json

from smstester.core.client import Failure, SendResult
from smstester.core.envelope import parse_body
from smstester.core.report import report_lines

URL = "https://h.example/api/v1/app-integrations/x/sms/test"


def report_text(sent: SendResult, secrets: tuple[str, ...] = ()) -> str:
    """The report's lines as the CLI prints them, one per line."""
    return "\n".join(line.text for line in report_lines(sent, secrets))


def result(status: int | None, body: bytes = b"", **extra: object) -> SendResult:
    parsed = parse_body(body, "application/json") if status is not None else None
    return SendResult("POST", URL, 12.5, http_status=status, body=parsed, **extra)  # type: ignore[arg-type]


def test_success_and_failure_lines() -> None:
    ok = report_text(result(200, b'{"success":true,"statusCode":200,"message":"fine","data":true}'))
    assert "✔ success · statusCode 200 · fine" in ok
    assert "data: true" in ok
    bad = report_text(
        result(
            400,
            json.dumps(
                {
                    "success": False,
                    "statusCode": 400,
                    "message": "bad",
                    "errors": [{"code": 21211, "message": "bad To", "correlationId": "c1"}],
                }
            ).encode(),
        )
    )
    assert "✘ failure · statusCode 400 · bad" in bad
    assert "[21211] bad To (correlationId c1)" in bad


def test_no_answer_says_why() -> None:
    text = report_text(result(None, failure=Failure.REFUSED, error="Connection refused by h."))
    assert "No answer after 12.5 ms: Connection refused by h." in text


def test_cut_short_body_is_not_also_called_a_non_envelope() -> None:
    text = report_text(
        result(
            200,
            b'{"success":true,"da',
            failure=Failure.TOO_LARGE,
            error="The answer is larger than 5 MiB; only the start was read.",
        )
    )
    assert "Incomplete answer: The answer is larger than 5 MiB" in text
    assert "Not a jframework envelope" not in text


def test_redirect_is_reported_not_followed() -> None:
    text = report_text(result(302, b"", location="https://elsewhere.example/"))
    assert "Redirect to https://elsewhere.example/ (not followed" in text
    assert "Not a jframework envelope" not in text


def test_html_page_is_shown_as_such() -> None:
    text = report_text(
        SendResult(
            "POST", URL, 3.0, http_status=502, body=parse_body(b"<h1>Bad Gateway</h1>", "text/html")
        )
    )
    assert "Not a jframework envelope: the body is not JSON (text/html)" in text
    assert "<h1>Bad Gateway</h1>" in text


def test_secrets_masked_even_when_echoed() -> None:
    body = json.dumps({"success": False, "message": "key SEKRET-1 token SEKRET-2"}).encode()
    text = report_text(result(400, body), secrets=("SEKRET-1", "SEKRET-2"))
    assert "SEKRET" not in text

"""The diagnosis table and where a code is found in an answer (built results, no sockets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smstester.core.client import Failure, SendResult
from smstester.core.diagnosis import (
    BY_CODE,
    KNOWLEDGE,
    diagnose,
    explain,
    known_codes,
    twilio_code,
)
from smstester.core.envelope import parse_body

REQUIRED_TWILIO = [
    "20003",
    "20404",
    "21211",
    "21212",
    "21408",
    "21603",
    "21606",
    "21608",
    "21610",
    "21611",
    "21612",
    "21614",
    "21617",
    "21659",
    "21660",
    "21705",
    "30003",
    "30004",
    "30005",
    "30006",
    "30007",
    "30008",
    "30032",
    "30034",
]
SIDES = {"input", "network", "tls", "jframework", "twilio", "carrier", "server", "unknown"}


def answered(status: int, envelope: Any, headers: tuple[tuple[str, str], ...] = ()) -> SendResult:
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    return SendResult(
        "POST",
        "https://protocol.jframework.io/api/v1/app-integrations/x/sms/test",
        12.0,
        http_status=status,
        body=parse_body(body, "application/json"),
        headers=headers,
    )


def failure(status: int, errors: list[Any], message: str = "failed") -> dict[str, Any]:
    return {
        "success": False,
        "statusCode": status,
        "message": message,
        "data": None,
        "errors": errors,
    }


def no_answer(kind: Failure, error: str) -> SendResult:
    return SendResult("POST", "https://h/x", 5.0, failure=kind, error=error)


@pytest.mark.parametrize("entry", KNOWLEDGE, ids=lambda e: e.codes[0])
def test_every_entry_is_complete(entry: Any) -> None:
    assert entry.side in SIDES
    assert entry.title and entry.cause and entry.source
    assert 1 <= len(entry.steps) <= 4
    assert all(step.strip() for step in entry.steps)
    for code in entry.codes:
        assert explain(code) is not None
        assert explain(code).title == entry.title  # type: ignore[union-attr]


@pytest.mark.parametrize("code", REQUIRED_TWILIO)
def test_twilio_codes_are_known_and_linked(code: str) -> None:
    found = explain(code)
    assert found is not None
    assert found.side in ("twilio", "carrier", "input")
    assert found.link == f"https://www.twilio.com/docs/errors/{code}"
    assert code in set(known_codes())


def test_an_unknown_twilio_code_still_gets_its_page() -> None:
    result = answered(400, failure(400, [{"code": 21999, "message": "Something new"}]))
    found = diagnose(result)
    assert found is not None
    assert (found.code, found.side) == ("21999", "twilio")
    assert found.link == "https://www.twilio.com/docs/errors/21999"


@pytest.mark.parametrize(
    "errors",
    [
        [{"code": 21608, "message": "unverified"}],
        [{"code": "21608", "message": "unverified"}],
        [{"code": "Twilio", "details": "see https://www.twilio.com/docs/errors/21608 for more"}],
        [{"code": "SmsFailed", "message": "Twilio error 21608: not verified"}],
        [{"message": "provider said: code 21608"}],
        ["Twilio returned error 21608"],
    ],
    ids=["int", "string", "link-in-details", "error-in-message", "code-in-message", "plain"],
)
def test_the_twilio_code_is_found_wherever_the_answer_carries_it(errors: list[Any]) -> None:
    result = answered(400, failure(400, errors))
    assert twilio_code(result) == "21608"
    found = diagnose(result)
    assert found is not None
    assert found.code == "21608"
    assert "verif" in " ".join(found.steps).lower()


def test_the_code_in_the_envelope_message_is_found() -> None:
    result = answered(400, failure(400, [], message="See https://twilio.com/docs/errors/21610"))
    assert diagnose(result).code == "21610"  # type: ignore[union-attr]


def test_jframework_401_is_not_twilio_20003() -> None:
    jfw = diagnose(answered(401, failure(401, [{"code": "Unauthorized", "message": "no"}])))
    twilio = diagnose(answered(401, failure(401, [{"code": 20003, "message": "Authenticate"}])))
    bare = diagnose(answered(401, failure(401, [])))
    assert jfw is not None and twilio is not None and bare is not None
    assert jfw.side == bare.side == "jframework"
    assert "Auth-Key" in jfw.title and "sign in" in " ".join(jfw.steps).lower()
    assert bare.code == "http-401"
    assert twilio.side == "twilio" and twilio.code == "20003"
    assert "Account SID" in twilio.title and "Auth-Key" in twilio.cause  # "the Auth-Key is fine"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AppIntegrationNotFound", "integration id"),
        ("BrandNotFound", "Brand-URL"),
        ("AppIntegrationAuthenticationNotFound", "SMS settings"),
        ("AppIntegrationUnsupported", "SMS integration"),
        ("BrandNotConfiguredApp", "Configure"),
    ],
)
def test_jframework_codes_name_what_to_check(code: str, words: str) -> None:
    found = diagnose(answered(404, failure(404, [{"code": code, "message": "x"}])))
    assert found is not None
    assert (found.code, found.side) == (code, "jframework")
    assert words in " ".join(found.steps)


def test_429_says_when_to_retry() -> None:
    result = answered(429, failure(429, [{"code": "TooManyRequests"}]), (("Retry-After", "7"),))
    found = diagnose(result)
    assert found is not None
    assert found.steps[0].startswith("Wait 7 s")


def test_5xx_hands_over_the_correlation_id() -> None:
    result = answered(502, failure(502, [{"code": "Boom", "correlationId": "cid-42"}]))
    found = diagnose(result)
    assert found is not None
    assert (found.code, found.side) == ("http-502", "server")
    assert any("cid-42" in step for step in found.steps)


def test_2xx_with_success_false_and_a_disagreeing_status() -> None:
    found = diagnose(answered(200, failure(500, [])))
    assert found is not None
    assert found.code == "http-200"
    assert "statusCode 500" in found.cause


def test_success_has_no_diagnosis() -> None:
    ok = {"success": True, "statusCode": 200, "message": "ok", "data": None, "errors": []}
    assert diagnose(answered(200, ok)) is None


@pytest.mark.parametrize(
    ("kind", "error", "code", "side", "words"),
    [
        (Failure.REFUSED, "Connection refused by h:1", "refused", "network", "base URL"),
        (Failure.DNS, "The host name h was not found (DNS).", "dns", "network", "spelling"),
        (Failure.READ_TIMEOUT, "did not answer in time", "timeout", "network", "again"),
        (Failure.CONNECT_TIMEOUT, "Timed out connecting", "timeout", "network", "again"),
        (Failure.DROPPED, "closed the connection", "dropped", "network", "proxies"),
        (Failure.PROXY, "The proxy failed", "proxy", "network", "HTTPS_PROXY"),
        (Failure.CANCELLED, "Cancelled.", "cancelled", "input", "phone"),
        (
            Failure.TLS,
            "Secure connection to h failed: the server's certificate is not trusted: …",
            "tls",
            "tls",
            "CA",
        ),
        (
            Failure.TLS,
            "Secure connection to h failed: the server's certificate has expired (…)",
            "tls",
            "tls",
            "date and time",
        ),
        (
            Failure.TLS,
            "Secure connection to h failed: the server's certificate is for another host name",
            "tls",
            "tls",
            "host",
        ),
        (
            Failure.TLS,
            "Secure connection to h failed: the server did not answer in TLS (is it …)",
            "tls",
            "tls",
            "http://",
        ),
    ],
)
def test_no_answer(kind: Failure, error: str, code: str, side: str, words: str) -> None:
    found = diagnose(no_answer(kind, error))
    assert found is not None
    assert (found.code, found.side) == (code, side)
    assert words in " ".join(found.steps)


def test_an_html_page_is_not_an_envelope() -> None:
    result = SendResult(
        "POST",
        "https://h/x",
        3.0,
        http_status=200,
        body=parse_body(b"<html><body>Log in to the Wi-Fi</body></html>", "text/html"),
    )
    found = diagnose(result)
    assert found is not None
    assert (found.code, found.side) == ("not-envelope", "server")
    assert "captive portal" in found.cause


def test_a_redirect() -> None:
    result = SendResult(
        "POST", "http://h/x", 3.0, http_status=301, location="https://h/x", body=parse_body(b"")
    )
    assert diagnose(result).code == "redirect"  # type: ignore[union-attr]


def test_hostile_shapes_never_raise() -> None:
    for body in (b"null", b"[]", b'{"errors": 5}', b'{"errors": [null, 7, {"code": {}}]}'):
        found = diagnose(answered(400, body))
        assert found is not None


def test_explain_knows_nothing_of_nonsense() -> None:
    assert explain("not-a-code") is None
    assert "21608" in BY_CODE


def test_an_answer_in_an_unknown_encoding() -> None:
    result = SendResult(
        "POST",
        "https://h/x",
        3.0,
        http_status=200,
        failure=Failure.ENCODING,
        error="The answer is compressed (Content-Encoding: br) with br, which …",
        body=parse_body(b"\x1b\x00"),
    )
    found = diagnose(result)
    assert found is not None
    assert (found.code, found.side) == ("encoding", "server")


def test_a_timeout_says_where_the_time_went() -> None:
    from smstester.core.client import Timings

    result = SendResult(
        "POST",
        "https://h/x",
        2000.0,
        failure=Failure.READ_TIMEOUT,
        error="h accepted the connection but did not answer in time (waited 2 s)",
        timings=Timings(connect_ms=12.0, tls_ms=30.0, total_ms=2000.0),
    )
    found = diagnose(result)
    assert found is not None
    assert "Where the time went: connect 12.0 ms · TLS 30.0 ms" in found.cause

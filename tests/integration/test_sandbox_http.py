"""The sandbox server over real loopback HTTP, with plain httpx (CONTRACT §5)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from smstester.sandbox import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_KEY,
    DEMO_AUTH_TOKEN,
    DEMO_BRAND_URL,
    DEMO_INTEGRATION_ID,
    DEMO_PHONE_FROM,
    FAULTS,
    DemoConnection,
    SandboxServer,
)
from smstester.sandbox.app import RateLimiter
from smstester.sandbox.faults import MAX_SLOW_SECONDS, parse_fault

ODD_ID = "team a/b?c#d%e .."
UNICODE_ID = "café-☎"
VALID_TO = "+14155552671"


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(
        rate_limit=100_000, slow_seconds=0.2, extra_integration_ids=(ODD_ID, UNICODE_ID)
    ) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    # One client for the module: creating an httpx.Client costs ~20 ms (its TLS context).
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def path(integration_id: str = DEMO_INTEGRATION_ID, *, encode: bool = True) -> str:
    segment = quote(integration_id, safe="") if encode else integration_id
    return f"/api/v1/app-integrations/{segment}/sms/test"


def headers(**changes: str | None) -> dict[str, str]:
    base: dict[str, str | None] = {"Auth-Key": DEMO_AUTH_KEY, "Brand-URL": DEMO_BRAND_URL}
    for key, value in changes.items():
        base[key.replace("_", "-")] = value
    return {k: v for k, v in base.items() if v is not None}


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "username": DEMO_ACCOUNT_SID,
        "password": DEMO_AUTH_TOKEN,
        "phoneNumberFrom": DEMO_PHONE_FROM,
        "phoneNumberTo": VALID_TO,
        "message": "Hello from the tests",
    }
    base.update(changes)
    return base


def post(
    client: httpx.Client,
    integration_id: str = DEMO_INTEGRATION_ID,
    *,
    hdrs: dict[str, str] | None = None,
    payload: Any = None,
    encode: bool = True,
) -> httpx.Response:
    return client.post(
        path(integration_id, encode=encode),
        headers=headers() if hdrs is None else hdrs,
        json=body() if payload is None else payload,
    )


def envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    """Check the envelope's shape and that HTTP status == statusCode; return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    env: dict[str, Any] = response.json()
    assert set(env) == {"success", "statusCode", "message", "data", "errors"}
    assert env["statusCode"] == status
    assert env["success"] is (status == 200)
    assert isinstance(env["message"], str)
    assert env["message"]
    assert isinstance(env["errors"], list)
    cids = {item["correlationId"] for item in env["errors"]}
    assert len(cids) <= 1
    for cid in cids:
        uuid.UUID(cid)
        assert response.headers["x-correlation-id"] == cid
    return env


def only_error(response: httpx.Response, status: int) -> dict[str, Any]:
    env = envelope(response, status)
    assert len(env["errors"]) == 1, env
    item: dict[str, Any] = env["errors"][0]
    return item


# --- the demo connection -----------------------------------------------------------------


def test_demo_connection_is_complete(server: SandboxServer) -> None:
    demo = server.demo
    assert isinstance(demo, DemoConnection)
    assert demo.url == server.url
    assert re.fullmatch(r"http://127\.0\.0\.1:[0-9]+", server.url)
    assert re.fullmatch(r"AC[0-9a-f]{32}", demo.username)
    assert re.fullmatch(r"[0-9a-f]{32}", demo.password)
    assert demo.phone_from == "+15005550006"
    assert demo.as_contract_json() == {
        "url": server.url,
        "brandUrl": DEMO_BRAND_URL,
        "authKey": DEMO_AUTH_KEY,
        "integrationId": DEMO_INTEGRATION_ID,
        "username": DEMO_ACCOUNT_SID,
        "password": DEMO_AUTH_TOKEN,
        "phoneNumberFrom": DEMO_PHONE_FROM,
    }


def test_demo_connection_sends_successfully(client: httpx.Client, server: SandboxServer) -> None:
    demo = server.demo.as_contract_json()
    response = client.post(
        f"{demo['url']}/api/v1/app-integrations/{demo['integrationId']}/sms/test",
        headers={"Auth-Key": demo["authKey"], "Brand-URL": demo["brandUrl"]},
        json={
            "username": demo["username"],
            "password": demo["password"],
            "phoneNumberFrom": demo["phoneNumberFrom"],
            "phoneNumberTo": VALID_TO,
            "message": "hi",
        },
    )
    env = envelope(response, 200)
    assert env == {
        "success": True,
        "statusCode": 200,
        "message": "The request was successful.",
        "data": True,
        "errors": [],
    }


# --- Twilio's magic numbers --------------------------------------------------------------

MAGIC = [
    ("+15005550001", VALID_TO, 21212, 400),
    ("+15005550008", VALID_TO, 21611, 429),
    ("+14155550100", VALID_TO, 21606, 400),
    ("+15005550007", VALID_TO, 21606, 400),
    (DEMO_PHONE_FROM, "+15005550001", 21211, 400),
    (DEMO_PHONE_FROM, "+15005550002", 21612, 400),
    (DEMO_PHONE_FROM, "+15005550003", 21408, 403),
    (DEMO_PHONE_FROM, "+15005550004", 21610, 403),
    (DEMO_PHONE_FROM, "+15005550009", 21614, 400),
    # From is checked first: the To numbers only matter with a valid From.
    ("+15005550001", "+15005550003", 21212, 400),
    ("+14155550100", "+15005550001", 21606, 400),
]


@pytest.mark.parametrize(("phone_from", "phone_to", "code", "status"), MAGIC)
def test_magic_numbers(
    client: httpx.Client, phone_from: str, phone_to: str, code: int, status: int
) -> None:
    response = post(client, payload=body(phoneNumberFrom=phone_from, phoneNumberTo=phone_to))
    item = only_error(response, status)
    assert item["code"] == code
    assert item["details"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(item["message"], str)
    assert item["message"]


@pytest.mark.parametrize(
    ("phone_from", "phone_to", "message"),
    [
        (
            DEMO_PHONE_FROM,
            "+15005550001",
            "The 'To' number +15005550001 is not a valid phone number.",
        ),
        (
            "+15005550001",
            VALID_TO,
            "The 'From' number +15005550001 is not a valid phone number, shortcode, "
            "or alphanumeric sender ID.",
        ),
        (
            "+15005550008",
            VALID_TO,
            "This 'From' number has exceeded the maximum number of queued messages.",
        ),
        (DEMO_PHONE_FROM, "+15005550004", "Attempt to send to unsubscribed recipient"),
        (DEMO_PHONE_FROM, "+15005550009", "'To' number is not a valid mobile number"),
    ],
)
def test_twilio_messages(
    client: httpx.Client, phone_from: str, phone_to: str, message: str
) -> None:
    response = post(client, payload=body(phoneNumberFrom=phone_from, phoneNumberTo=phone_to))
    assert response.json()["errors"][0]["message"] == message


@pytest.mark.parametrize("phone_to", ["+15005550006", "+447700900123", "+15005550005"])
def test_other_recipients_are_accepted(client: httpx.Client, phone_to: str) -> None:
    envelope(post(client, payload=body(phoneNumberTo=phone_to)), 200)


def test_message_longer_than_1600_characters(client: httpx.Client) -> None:
    envelope(post(client, payload=body(message="x" * 1600)), 200)
    item = only_error(post(client, payload=body(message="x" * 1601)), 400)
    assert item["code"] == 21617


# --- Twilio credentials ------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "0" * 32},
        {"password": "wrong"},
        {"username": "AC" + "0" * 32},
        {"username": "AC" + DEMO_ACCOUNT_SID[2:].upper()},
    ],
)
def test_wrong_twilio_credentials_are_20003(client: httpx.Client, changes: dict[str, str]) -> None:
    item = only_error(post(client, payload=body(**changes)), 401)
    assert item["code"] == 20003
    assert item["message"] == "Authenticate"
    assert item["details"] == "https://www.twilio.com/docs/errors/20003"


def test_wrong_token_beats_magic_numbers(client: httpx.Client) -> None:
    payload = body(password="0" * 32, phoneNumberFrom="+15005550001")
    assert only_error(post(client, payload=payload), 401)["code"] == 20003


@pytest.mark.parametrize(
    "username",
    ["SK" + "a" * 32, "AC" + "a" * 31, "AC" + "a" * 33, "AC" + "g" * 32, "ac" + "a" * 32, " AC"],
)
def test_username_must_be_an_account_sid(client: httpx.Client, username: str) -> None:
    item = only_error(post(client, payload=body(username=username)), 400)
    assert item["code"] == "ValidationError"
    assert item["field"] == "username"
    assert "username" in item["message"]


# --- Auth-Key, Brand-URL, integration id -------------------------------------------------


@pytest.mark.parametrize("auth_key", [None, "", "wrong", DEMO_AUTH_KEY + "x", DEMO_AUTH_KEY[:-1]])
def test_auth_key(client: httpx.Client, auth_key: str | None) -> None:
    item = only_error(post(client, hdrs=headers(Auth_Key=auth_key)), 401)
    assert item["code"] == "Unauthorized"
    assert "Auth-Key" in item["message"]


@pytest.mark.parametrize("brand", [None, ""])
def test_brand_url_missing(client: httpx.Client, brand: str | None) -> None:
    item = only_error(post(client, hdrs=headers(Brand_URL=brand)), 400)
    assert "Brand-URL" in item["message"]


def test_brand_url_unknown(client: httpx.Client) -> None:
    item = only_error(post(client, hdrs=headers(Brand_URL="other.example.com")), 404)
    assert item["code"] == "BrandNotFound"


@pytest.mark.parametrize(
    "brand",
    ["SANDBOX.smstester.local", "https://sandbox.smstester.local/", "http://" + DEMO_BRAND_URL],
)
def test_brand_url_forms(client: httpx.Client, brand: str) -> None:
    envelope(post(client, hdrs=headers(Brand_URL=brand)), 200)


@pytest.mark.parametrize("integration_id", ["nope", "demo-twilio2", "DEMO-TWILIO", "fault-nope"])
def test_unknown_integration(client: httpx.Client, integration_id: str) -> None:
    item = only_error(post(client, integration_id), 404)
    assert item["code"] == "AppIntegrationNotFound"
    assert integration_id in item["message"]


def test_check_order(client: httpx.Client) -> None:
    everything_wrong = headers(Auth_Key="wrong", Brand_URL="nope.example")
    assert only_error(post(client, "nope", hdrs=everything_wrong, payload={}), 401)["code"] == (
        "Unauthorized"
    )
    brand_wrong = headers(Brand_URL="nope.example")
    assert only_error(post(client, "nope", hdrs=brand_wrong, payload={}), 404)["code"] == (
        "BrandNotFound"
    )
    response = client.post(path("nope"), headers=headers(), content=b"not json")
    assert only_error(response, 404)["code"] == "AppIntegrationNotFound"


# --- percent-encoded integration ids -----------------------------------------------------


@pytest.mark.parametrize("integration_id", [ODD_ID, UNICODE_ID, DEMO_INTEGRATION_ID])
def test_percent_encoded_ids(client: httpx.Client, integration_id: str) -> None:
    envelope(post(client, integration_id), 200)


def test_id_is_decoded_exactly_once(client: httpx.Client) -> None:
    envelope(post(client, "demo%2Dtwilio", encode=False), 200)
    once = quote(ODD_ID, safe="")
    twice = quote(once, safe="")
    item = only_error(post(client, twice, encode=False), 404)
    assert item["code"] == "AppIntegrationNotFound"
    assert once in item["message"]


def test_encoded_slash_is_not_a_path_separator(client: httpx.Client) -> None:
    item = only_error(post(client, "demo-twilio%2Fsms%2Ftest", encode=False), 404)
    assert item["code"] == "AppIntegrationNotFound"
    item = only_error(post(client, "%2E%2E", encode=False), 404)
    assert item["code"] == "AppIntegrationNotFound"


def test_encoded_fault_id(client: httpx.Client) -> None:
    envelope(post(client, "fault%2D500", encode=False), 500)


# --- routes and methods ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/api/v1/app-integrations/demo-twilio/sms",
        "/api/v1/app-integrations//sms/test",
        "//api/v1/app-integrations/demo-twilio/sms/test",
        "/api/v1/app-integrations/demo-twilio/sms/test/extra",
        "/api/v2/app-integrations/demo-twilio/sms/test",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_paths_are_404(client: httpx.Client, url: str, method: str) -> None:
    response = client.request(method, url, headers=headers(), json=body())
    assert only_error(response, 404)["code"] == "NotFound"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_405(client: httpx.Client, method: str) -> None:
    response = client.request(method, path(), headers=headers())
    assert only_error(response, 405)["code"] == "MethodNotAllowed"
    assert response.headers["allow"] == "POST"


def test_head_is_405_without_a_body(client: httpx.Client) -> None:
    response = client.head(path(), headers=headers())
    assert response.status_code == 405
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0
    # The connection is still in sync afterwards.
    envelope(post(client), 200)


def test_query_string_is_ignored(client: httpx.Client) -> None:
    response = client.post(path() + "?x=1", headers=headers(), json=body())
    envelope(response, 200)


def test_route_is_case_insensitive(client: httpx.Client) -> None:
    response = client.post(
        "/API/v1/App-Integrations/demo-twilio/SMS/test", headers=headers(), json=body()
    )
    envelope(response, 200)


# --- the body ----------------------------------------------------------------------------


FIELDS = ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("how", ["missing", "empty", "blank", "null"])
def test_each_field_is_required(client: httpx.Client, field: str, how: str) -> None:
    payload = body()
    if how == "missing":
        del payload[field]
    else:
        payload[field] = {"empty": "", "blank": "  ", "null": None}[how]
    item = only_error(post(client, payload=payload), 400)
    assert item["code"] == "ValidationError"
    assert item["message"] == f"The {field} field is required."
    assert item["field"] == field


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [42, True, ["x"], {"a": "b"}])
def test_each_field_must_be_a_string(client: httpx.Client, field: str, value: Any) -> None:
    item = only_error(post(client, payload=body(**{field: value})), 400)
    assert item["message"] == f"The {field} field must be a string."


def test_all_field_errors_at_once(client: httpx.Client) -> None:
    env = envelope(post(client, payload={"unrelated": 1}), 400)
    assert [e["field"] for e in env["errors"]] == FIELDS
    assert env["message"] == "One or more validation errors occurred."


def test_several_bad_fields(client: httpx.Client) -> None:
    payload = body(username="nope", phoneNumberFrom="12", phoneNumberTo="+0123", message="")
    env = envelope(post(client, payload=payload), 400)
    assert [e["field"] for e in env["errors"]] == [
        "username",
        "phoneNumberFrom",
        "phoneNumberTo",
        "message",
    ]


NOT_E164 = [
    "14155552671",
    "+1 415 555 2671",
    "+1-415-555-2671",
    "+1(415)5552671",
    "+04155552671",
    "+1234567890123456",
    "+",
    "+1",
    "++14155552671",
    " +14155552671",
    "+14155552671 ",
    "+１４１５５５５２６７１",
    "+14155552671\n",
    "tel:+14155552671",
]


@pytest.mark.parametrize("field", ["phoneNumberFrom", "phoneNumberTo"])
@pytest.mark.parametrize("number", NOT_E164)
def test_phone_numbers_must_be_e164(client: httpx.Client, field: str, number: str) -> None:
    item = only_error(post(client, payload=body(**{field: number})), 400)
    assert item["code"] == "ValidationError"
    assert item["field"] == field
    assert "E.164" in item["message"]


def test_fifteen_digits_is_the_maximum(client: httpx.Client) -> None:
    envelope(post(client, payload=body(phoneNumberTo="+123456789012345")), 200)


@pytest.mark.parametrize(
    ("content_type", "content", "code"),
    [
        ("text/plain", json.dumps(body()).encode(), "InvalidContentType"),
        (None, json.dumps(body()).encode(), "InvalidContentType"),
        ("application/json", b"", "InvalidBody"),
        ("application/json", b"{not json", "InvalidJson"),
        ("application/json", b"\xff\xfe{}", "InvalidJson"),
        ("application/json", b"[1, 2]", "InvalidBody"),
        ("application/json", b'"a string"', "InvalidBody"),
        ("application/json", b"null", "InvalidBody"),
    ],
)
def test_body_must_be_a_json_object(
    client: httpx.Client, content_type: str | None, content: bytes, code: str
) -> None:
    hdrs = headers()
    if content_type:
        hdrs["Content-Type"] = content_type
    response = client.post(path(), headers=hdrs, content=content)
    assert only_error(response, 400)["code"] == code


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/problem+json", "text/json"]
)
def test_json_content_types(client: httpx.Client, content_type: str) -> None:
    hdrs = headers(Content_Type=content_type)
    response = client.post(path(), headers=hdrs, content=json.dumps(body()).encode())
    envelope(response, 200)


def test_chunked_body(client: httpx.Client) -> None:
    raw = json.dumps(body()).encode()
    chunks = iter([raw[:10], raw[10:50], raw[50:]])
    response = client.post(path(), headers=headers(Content_Type="application/json"), content=chunks)
    envelope(response, 200)
    envelope(post(client), 200)  # still in sync


def test_body_over_1_mib_is_413() -> None:
    with SandboxServer() as srv, httpx.Client(base_url=srv.url) as c:
        huge = json.dumps(body(message="x" * (1024 * 1024))).encode()
        response = c.post(path(), headers=headers(Content_Type="application/json"), content=huge)
        assert only_error(response, 413)["code"] == "PayloadTooLarge"
        envelope(post(c), 200)  # the body was drained: the connection is reused
        assert srv.connection_count == 1


def test_body_of_exactly_1_mib_is_read(client: httpx.Client) -> None:
    raw = json.dumps(body(message="x")).encode()
    padded = raw[:-1] + b" " * (1024 * 1024 - len(raw)) + b"}"
    assert len(padded) == 1024 * 1024
    response = client.post(path(), headers=headers(Content_Type="application/json"), content=padded)
    envelope(response, 200)


def test_whitespace_only_headers(server: SandboxServer) -> None:
    # httpx refuses to send them, so this goes over a raw socket.
    raw = json.dumps(body()).encode()
    for name, status in (("Auth-Key", 401), ("Brand-URL", 400)):
        hdrs = headers()
        hdrs[name] = "   "
        lines = "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        request = (
            f"POST {path()} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{lines}"
            f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
        ).encode() + raw
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert data.startswith(f"HTTP/1.1 {status} ".encode()), data


# --- fault modes -------------------------------------------------------------------------


def test_faults_are_documented() -> None:
    assert set(FAULTS) == {
        "fault-slow",
        "fault-slow-N",
        "fault-500",
        "fault-502",
        "fault-html",
        "fault-notjson",
        "fault-drop",
        "fault-huge",
        "fault-redirect",
        "fault-redirect-loop",
        "fault-echo",
        "fault-empty",
        "fault-wrong-status",
    }
    assert all(isinstance(text, str) and text for text in FAULTS.values())


def test_fault_slow_n(client: httpx.Client) -> None:
    start = time.perf_counter()
    response = post(client, "fault-slow-0.3", payload={})
    assert time.perf_counter() - start >= 0.3
    envelope(response, 200)


def test_fault_slow_uses_slow_seconds(client: httpx.Client) -> None:
    start = time.perf_counter()
    envelope(post(client, "fault-slow", payload={}), 200)
    assert time.perf_counter() - start >= 0.2


def test_fault_slow_times_out_a_client(server: SandboxServer) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=0.1) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        post(c, "fault-slow-0.5")


@pytest.mark.parametrize(
    ("integration_id", "seconds"),
    [("fault-slow-2", 2.0), ("fault-slow-0.5", 0.5), ("fault-slow-9999", MAX_SLOW_SECONDS)],
)
def test_fault_slow_parsing(integration_id: str, seconds: float) -> None:
    fault = parse_fault(integration_id, 3.0)
    assert fault is not None
    assert fault.seconds == seconds


@pytest.mark.parametrize("integration_id", ["fault-slow-", "fault-slow-x", "fault-slow--1"])
def test_fault_slow_bad_n_is_unknown(client: httpx.Client, integration_id: str) -> None:
    assert only_error(post(client, integration_id), 404)["code"] == "AppIntegrationNotFound"


def test_fault_500(client: httpx.Client) -> None:
    envelope(post(client, "fault-500"), 500)


def test_fault_502(client: httpx.Client) -> None:
    response = post(client, "fault-502")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text


def test_fault_html(client: httpx.Client) -> None:
    response = post(client, "fault-html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().lower().startswith("<!doctype html")


def test_fault_notjson(client: httpx.Client) -> None:
    response = post(client, "fault-notjson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_fault_drop(client: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, "fault-drop")
    envelope(post(client), 200)  # the client recovers on a new connection


def test_fault_huge(client: httpx.Client) -> None:
    response = post(client, "fault-huge")
    assert len(response.content) >= 12 * 1024 * 1024
    assert int(response.headers["content-length"]) == len(response.content)
    env = envelope(response, 200)
    assert isinstance(env["data"], str)
    assert len(env["data"]) >= 12 * 1024 * 1024 - 100


def test_fault_redirect(client: httpx.Client, server: SandboxServer) -> None:
    response = post(client, "fault-redirect")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(server.url + "/")
    assert location != str(response.request.url)
    followed = client.get(location, headers=headers())
    assert only_error(followed, 400)["code"] == "Redirected"


def test_fault_redirect_loop(client: httpx.Client) -> None:
    response = post(client, "fault-redirect-loop")
    assert response.status_code == 302
    assert response.headers["location"] == str(response.request.url)
    with pytest.raises(httpx.TooManyRedirects):
        client.post(
            path("fault-redirect-loop"), headers=headers(), json=body(), follow_redirects=True
        )


def test_fault_echo_includes_secrets(client: httpx.Client) -> None:
    response = post(client, "fault-echo")
    env = envelope(response, 400)
    assert env["data"]["headers"]["Auth-Key"] == DEMO_AUTH_KEY
    assert env["data"]["json"] == body()
    assert DEMO_AUTH_KEY in env["errors"][0]["message"]
    assert DEMO_AUTH_TOKEN in env["errors"][0]["message"]
    assert DEMO_AUTH_TOKEN in env["errors"][0]["details"]


def test_fault_empty(client: httpx.Client) -> None:
    response = post(client, "fault-empty")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"


def test_fault_wrong_status(client: httpx.Client) -> None:
    response = post(client, "fault-wrong-status")
    assert response.status_code == 200
    env = response.json()
    assert env["success"] is False
    assert env["statusCode"] == 500
    assert env["errors"]


@pytest.mark.parametrize("fault", ["fault-500", "fault-drop", "fault-echo", "fault-slow"])
def test_faults_still_need_auth_key_and_brand(client: httpx.Client, fault: str) -> None:
    assert only_error(post(client, fault, hdrs=headers(Auth_Key="wrong")), 401)
    assert only_error(post(client, fault, hdrs=headers(Auth_Key=None)), 401)
    assert only_error(post(client, fault, hdrs=headers(Brand_URL=None)), 400)
    item = only_error(post(client, fault, hdrs=headers(Brand_URL="x.example")), 404)
    assert item["code"] == "BrandNotFound"


def test_faults_ignore_the_body(client: httpx.Client) -> None:
    response = client.post(path("fault-500"), headers=headers(), content=b"garbage")
    envelope(response, 500)


# --- rate limit --------------------------------------------------------------------------


def test_rate_limit() -> None:
    with (
        SandboxServer(rate_limit=3, rate_window=30) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        for _ in range(3):
            envelope(post(c), 200)
        response = post(c)
        item = only_error(response, 429)
        assert item["code"] == "TooManyRequests"
        retry_after = int(response.headers["retry-after"])
        assert 1 <= retry_after <= 30
        # Counted per Auth-Key: another key is not limited (and gets its 401).
        assert only_error(post(c, hdrs=headers(Auth_Key="another")), 401)


def test_rate_limit_window_slides() -> None:
    limiter = RateLimiter(2, 60.0, clock=lambda: now)
    now = 1000.0
    assert limiter.check("key") is None
    now += 10
    assert limiter.check("key") is None
    assert limiter.check("key") == pytest.approx(50.0)  # the first hit leaves the window at 1060
    now += 50.5
    assert limiter.check("key") is None  # one slot freed, the second hit still counts
    assert limiter.check("key") == pytest.approx(9.5)
    now += 60
    assert limiter.check("key") is None
    assert limiter.check("another") is None


# --- HTTP plumbing -----------------------------------------------------------------------


def test_keep_alive_reuses_one_connection() -> None:
    with SandboxServer() as srv, httpx.Client(base_url=srv.url) as c:
        for _ in range(5):
            envelope(post(c), 200)
        envelope(post(c, "nope"), 404)
        envelope(post(c, payload={}), 400)
        assert srv.connection_count == 1
        assert srv.request_count == 7


def test_keep_alive_on_a_raw_socket(server: SandboxServer) -> None:
    raw = json.dumps(body()).encode()
    request = (
        f"POST {path()} HTTP/1.1\r\nHost: x\r\nAuth-Key: {DEMO_AUTH_KEY}\r\n"
        f"Brand-URL: {DEMO_BRAND_URL}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(raw)}\r\n\r\n"
    ).encode() + raw
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request + request)  # pipelined
        data = b""
        while data.count(b"The request was successful.") < 2:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
    assert data.count(b"HTTP/1.1 200 ") == 2
    assert data.count(b"Content-Length: ") == 2
    assert b"Connection: close" not in data


def test_connection_close_is_honoured(server: SandboxServer) -> None:
    request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 404 ")


def test_malformed_request_gets_a_json_envelope(server: SandboxServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(payload)["statusCode"] == 400


def test_quiet_by_default(client: httpx.Client, capfd: pytest.CaptureFixture[str]) -> None:
    envelope(post(client), 200)
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, "fault-drop")
    envelope(post(client, "nope"), 404)
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


# --- lifecycle ---------------------------------------------------------------------------


def test_lifecycle() -> None:
    srv = SandboxServer()
    with pytest.raises(RuntimeError):
        _ = srv.url
    assert srv.start() is srv
    assert srv.start() is srv  # a second start does nothing
    assert srv.port > 0
    assert srv.url == f"http://127.0.0.1:{srv.port}"
    srv.stop()
    srv.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(srv.url + "/", timeout=2)
    with pytest.raises(RuntimeError):
        srv.start()


def test_stop_before_start() -> None:
    SandboxServer().stop()


def test_stop_closes_idle_keep_alive_connections_quickly() -> None:
    srv = SandboxServer().start()
    with httpx.Client(base_url=srv.url) as c:
        envelope(post(c), 200)  # leaves an idle keep-alive connection
        start = time.perf_counter()
        srv.stop()
        assert time.perf_counter() - start < 1.0
        with pytest.raises(httpx.TransportError):
            post(c)


def test_stop_interrupts_a_slow_answer() -> None:
    srv = SandboxServer(slow_seconds=30).start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            with httpx.Client(base_url=srv.url, timeout=10) as c:
                post(c, "fault-slow")
        except httpx.TransportError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while srv.request_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.perf_counter()
    srv.stop()
    thread.join(5)
    assert time.perf_counter() - start < 2.0
    assert not thread.is_alive()
    assert errors


def test_serve_forever_blocks_until_stop() -> None:
    srv = SandboxServer()
    thread = threading.Thread(target=srv.serve_forever)
    thread.start()
    deadline = time.monotonic() + 5
    while srv.request_count == 0 and time.monotonic() < deadline:
        try:
            with httpx.Client(base_url=srv.url) as c:
                envelope(post(c), 200)
        except (RuntimeError, httpx.TransportError):
            time.sleep(0.01)
    assert srv.request_count >= 1
    srv.stop()
    thread.join(5)
    assert not thread.is_alive()


def test_start_then_serve_forever_returns_on_stop() -> None:
    srv = SandboxServer().start()
    thread = threading.Thread(target=srv.serve_forever)
    thread.start()
    with httpx.Client(base_url=srv.url) as c:
        envelope(post(c), 200)
    srv.stop()
    thread.join(5)
    assert not thread.is_alive()


def test_path_prefix() -> None:
    with SandboxServer(path_prefix="/jfw/") as srv, httpx.Client() as c:
        assert srv.demo.url == srv.url + "/jfw"
        envelope(c.post(srv.demo.url + path(), headers=headers(), json=body()), 200)
        envelope(c.post(srv.url + path(), headers=headers(), json=body()), 404)
        response = c.post(srv.demo.url + path("fault-redirect"), headers=headers())
        assert response.headers["location"] == srv.url + "/jfw/sandbox/redirected"


def test_two_servers_side_by_side() -> None:
    with SandboxServer() as a, SandboxServer() as b:
        assert a.url != b.url
        with httpx.Client() as c:
            envelope(c.post(a.url + path(), headers=headers(), json=body()), 200)
            envelope(c.post(b.url + path(), headers=headers(), json=body()), 200)

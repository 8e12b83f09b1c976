"""The sandbox's jframework endpoints over real loopback HTTP (CONTRACT §5a): sign-in, the
Auth-Key check, the user, the brand, the app integrations and the SMS settings; keys that
expire; `smstester sandbox --auth-key-ttl` and the sign-in in `sandbox --json`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from smstester.cli import main
from smstester.core.model import (
    DEMO_AUTH_KEY_TTL,
    DEMO_LOGIN_EMAIL,
    DEMO_LOGIN_PASSWORD,
    DEMO_LOGIN_USERNAME,
)
from smstester.sandbox import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_KEY,
    DEMO_AUTH_TOKEN,
    DEMO_BRAND_URL,
    DEMO_INTEGRATION_ID,
    DEMO_PHONE_FROM,
    SandboxServer,
)
from smstester.sandbox.accounts import (
    DEMO_BRAND_NAME,
    INCORRECT_SIGN_IN,
    MAX_SIGN_IN_FAILURES,
    SIGN_IN_WINDOW,
)

ROOT = Path(__file__).resolve().parents[2]

AUTH = "/api/v1/users/auth"
KEY_CHECK = "/api/v1/users/check-auth-key-available"
ME = "/api/v1/users/me"
BRAND = "/api/v1/brands/by-url"
INTEGRATIONS = "/api/v1/app-integrations"
SMS_SETTINGS = "/api/v1/app-integrations/sms"

ISO_UTC_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
SIGN_IN_KEYS = {"id", "username", "emailAddress", "authKey", "refreshAuthKey", "expiresIn"}
USER_KEYS = {"id", "username", "emailAddress"}
INTEGRATION_KEYS = {"id", "type", "name", "domain", "description", "logoURL", "status"}
SETTING_KEYS = {
    "id",
    "appIntegrationId",
    "name",
    "username",
    "password",
    "phoneNumber",
    "description",
    "status",
    "isDefault",
}


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    # Wrong sign-ins are counted per name: the module's tests try many, the lock-out has
    # its own server below.
    with SandboxServer(rate_limit=100_000, sign_in_failures=100_000) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def brand_only(**changes: str | None) -> dict[str, str]:
    base: dict[str, str | None] = {"Brand-URL": DEMO_BRAND_URL}
    for key, value in changes.items():
        base[key.replace("_", "-")] = value
    return {k: v for k, v in base.items() if v is not None}


def keyed(auth_key: str | None = DEMO_AUTH_KEY, **changes: str | None) -> dict[str, str]:
    return brand_only(Auth_Key=auth_key, **changes)


def envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    """The envelope's shape, HTTP status == statusCode, one correlation id; the envelope."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    env: dict[str, Any] = response.json()
    assert set(env) == {"success", "statusCode", "message", "data", "errors"}
    assert env["statusCode"] == status
    assert env["success"] is (status == 200)
    assert isinstance(env["message"], str)
    assert env["message"]
    assert isinstance(env["errors"], list)
    cid = response.headers["x-correlation-id"]
    uuid.UUID(cid)
    assert {item["correlationId"] for item in env["errors"]} <= {cid}
    if status != 200:
        assert env["errors"], env
        assert env["data"] is None
    return env


def data(response: httpx.Response) -> Any:
    return envelope(response, 200)["data"]


def only_error(response: httpx.Response, status: int) -> dict[str, Any]:
    env = envelope(response, status)
    assert len(env["errors"]) == 1, env
    item: dict[str, Any] = env["errors"][0]
    return item


def sign_in(client: httpx.Client, **payload: Any) -> httpx.Response:
    body = payload or {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD}
    return client.post(AUTH, headers=brand_only(), json=body)


def issued_key(client: httpx.Client) -> str:
    key: str = data(sign_in(client))["authKey"]
    return key


def parse_iso(text: str) -> dt.datetime:
    assert ISO_UTC_RE.fullmatch(text), text
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def sms_body(**changes: str) -> dict[str, str]:
    return {
        "username": DEMO_ACCOUNT_SID,
        "password": DEMO_AUTH_TOKEN,
        "phoneNumberFrom": DEMO_PHONE_FROM,
        "phoneNumberTo": "+14155552671",
        "message": "hello",
        **changes,
    }


def send_sms(client: httpx.Client, auth_key: str, integration_id: str = DEMO_INTEGRATION_ID) -> Any:
    return client.post(
        f"{INTEGRATIONS}/{integration_id}/sms/test", headers=keyed(auth_key), json=sms_body()
    )


# Every endpoint that needs an Auth-Key, as (method, path).
KEYED = [("GET", ME), ("GET", INTEGRATIONS), ("GET", SMS_SETTINGS)]


def every_keyed_answer(client: httpx.Client, auth_key: str) -> dict[str, int]:
    """The HTTP status of each endpoint that needs an Auth-Key (the SMS test included)."""
    found = {
        path: client.request(m, path, headers=keyed(auth_key)).status_code for m, path in KEYED
    }
    found["sms/test"] = send_sms(client, auth_key).status_code
    return found


def key_check(client: httpx.Client, auth_key: Any) -> Any:
    return data(client.post(KEY_CHECK, headers=brand_only(), json={"authKey": auth_key}))


# --- POST users/auth ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [
        {"username": DEMO_LOGIN_USERNAME},
        {"emailAddress": DEMO_LOGIN_EMAIL},
        {"emailAddress": DEMO_LOGIN_EMAIL.upper()},
        {"username": DEMO_LOGIN_USERNAME.upper()},
    ],
)
def test_sign_in(client: httpx.Client, login: dict[str, str]) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response = client.post(
        AUTH, headers=brand_only(), json={**login, "password": DEMO_LOGIN_PASSWORD}
    )
    after = dt.datetime.now(dt.UTC)
    env = envelope(response, 200)
    assert env["errors"] == []
    signed = env["data"]
    assert set(signed) == SIGN_IN_KEYS
    assert signed["username"] == DEMO_LOGIN_USERNAME
    assert signed["emailAddress"] == DEMO_LOGIN_EMAIL
    assert signed["id"]
    for name in ("authKey", "refreshAuthKey"):
        assert isinstance(signed[name], str)
        assert len(signed[name]) >= 32
        assert re.fullmatch(r"[A-Za-z0-9_-]+", signed[name])  # a header value as it is
    assert signed["authKey"] != signed["refreshAuthKey"]
    assert signed["authKey"] != DEMO_AUTH_KEY
    expires = parse_iso(signed["expiresIn"])
    ttl = dt.timedelta(seconds=DEMO_AUTH_KEY_TTL)
    assert before + ttl - dt.timedelta(seconds=1) <= expires <= after + ttl


def test_each_sign_in_issues_a_fresh_key(client: httpx.Client) -> None:
    answers = [data(sign_in(client)) for _ in range(5)]
    assert len({a["authKey"] for a in answers}) == 5
    assert len({a["refreshAuthKey"] for a in answers}) == 5
    assert len({a["id"] for a in answers}) == 1  # the same user each time


def test_an_issued_key_works_everywhere(client: httpx.Client) -> None:
    key = issued_key(client)
    assert every_keyed_answer(client, key) == dict.fromkeys(
        [*(p for _, p in KEYED), "sms/test"], 200
    )
    assert key_check(client, key) is True


@pytest.mark.parametrize(
    "payload",
    [
        {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD + "x"},
        {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD.upper()},
        {"username": DEMO_LOGIN_USERNAME, "password": " " + DEMO_LOGIN_PASSWORD},
        {"username": "nobody", "password": DEMO_LOGIN_PASSWORD},
        {"emailAddress": "nobody@example.com", "password": DEMO_LOGIN_PASSWORD},
        {"emailAddress": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD},
        {"username": DEMO_LOGIN_EMAIL + "x", "password": DEMO_LOGIN_PASSWORD},
    ],
)
def test_wrong_credentials_are_401(client: httpx.Client, payload: dict[str, str]) -> None:
    response = sign_in(client, **payload)
    item = only_error(response, 401)
    assert response.json()["message"] == INCORRECT_SIGN_IN
    assert item["message"] == INCORRECT_SIGN_IN == "The username or password incorrect."
    assert payload["password"] not in response.text


def test_the_message_is_jframeworks(client: httpx.Client) -> None:
    # Said once here, in the words the issue quotes from jframework.
    assert INCORRECT_SIGN_IN == "The username or password incorrect."
    response = sign_in(client, username="nobody", password="x")
    assert response.json()["message"] == "The username or password incorrect."


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, ["username", "password"]),
        ({"password": DEMO_LOGIN_PASSWORD}, ["username"]),
        ({"username": DEMO_LOGIN_USERNAME}, ["password"]),
        ({"emailAddress": DEMO_LOGIN_EMAIL}, ["password"]),
        ({"username": "", "password": DEMO_LOGIN_PASSWORD}, ["username"]),
        ({"username": "  ", "emailAddress": "", "password": DEMO_LOGIN_PASSWORD}, ["username"]),
        ({"username": DEMO_LOGIN_USERNAME, "password": ""}, ["password"]),
        ({"username": 42, "password": DEMO_LOGIN_PASSWORD}, ["username"]),
        ({"emailAddress": ["x"], "password": DEMO_LOGIN_PASSWORD}, ["emailAddress"]),
        ({"username": DEMO_LOGIN_USERNAME, "password": None}, ["password"]),
        ({"username": DEMO_LOGIN_USERNAME, "password": 1234}, ["password"]),
    ],
)
def test_sign_in_fields_are_required(
    client: httpx.Client, payload: dict[str, Any], fields: list[str]
) -> None:
    env = envelope(
        sign_in(client, **payload) if payload else client.post(AUTH, headers=brand_only(), json={}),
        400,
    )
    assert env["message"] == "One or more validation errors occurred."
    assert [item["field"] for item in env["errors"]] == fields
    for item in env["errors"]:
        assert item["code"] == "ValidationError"
        assert item["field"] in item["message"]


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"not json", "application/json", "InvalidJson"),
        (b"[1, 2]", "application/json", "InvalidBody"),
        (b"", "application/json", "InvalidBody"),
        (b"username=demo-support", "application/x-www-form-urlencoded", "InvalidContentType"),
        (b"[" * 100 + b"]" * 100, "application/json", "InvalidBody"),
    ],
)
def test_sign_in_body_must_be_a_json_object(
    client: httpx.Client, content: bytes, content_type: str, code: str
) -> None:
    response = client.post(AUTH, headers=brand_only(Content_Type=content_type), content=content)
    assert only_error(response, 400)["code"] == code


def test_sign_in_needs_a_known_brand(client: httpx.Client) -> None:
    body = {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD}
    missing = client.post(AUTH, json=body)
    assert only_error(missing, 400)["code"] == "BrandUrlRequired"
    empty = client.post(AUTH, headers={"Brand-URL": ""}, json=body)
    assert only_error(empty, 400)["code"] == "BrandUrlRequired"
    unknown = client.post(AUTH, headers={"Brand-URL": "other.example.com"}, json=body)
    assert only_error(unknown, 404)["code"] == "BrandNotFound"
    assert "authKey" not in unknown.text


@pytest.mark.parametrize(("method", "path"), [("GET", AUTH), ("PUT", AUTH), ("GET", KEY_CHECK)])
def test_post_only_endpoints(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, headers=keyed())
    assert only_error(response, 405)["code"] == "MethodNotAllowed"
    assert response.headers["allow"] == "POST"


def test_too_many_wrong_sign_ins_are_429() -> None:
    wrong = {"username": DEMO_LOGIN_USERNAME, "password": "guess"}
    right = {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD}
    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        for _ in range(MAX_SIGN_IN_FAILURES):
            only_error(sign_in(c, **wrong), 401)
        locked = sign_in(c, **wrong)
        item = only_error(locked, 429)
        assert item["code"] == "TooManyRequests"
        assert 1 <= int(locked.headers["retry-after"]) <= SIGN_IN_WINDOW
        # Even the right password waits now, and under the e-mail address too.
        assert only_error(sign_in(c, **right), 429)["code"] == "TooManyRequests"
        by_email = {"emailAddress": DEMO_LOGIN_EMAIL, "password": DEMO_LOGIN_PASSWORD}
        assert only_error(sign_in(c, **by_email), 429)["code"] == "TooManyRequests"
        # Counted per user: another name still gets its own answer.
        only_error(sign_in(c, username="someone-else", password="guess"), 401)


# --- POST users/check-auth-key-available -------------------------------------------------


def test_key_check(client: httpx.Client) -> None:
    assert key_check(client, DEMO_AUTH_KEY) is True
    assert key_check(client, issued_key(client)) is True
    assert key_check(client, "no-such-key") is False
    assert key_check(client, DEMO_AUTH_KEY + "x") is False
    assert key_check(client, DEMO_AUTH_KEY.upper()) is False


def test_key_check_needs_no_auth_key_header(client: httpx.Client) -> None:
    response = client.post(
        KEY_CHECK, headers=keyed("wrong-header-key"), json={"authKey": DEMO_AUTH_KEY}
    )
    assert data(response) is True


@pytest.mark.parametrize(
    "payload", [{}, {"authKey": ""}, {"authKey": "  "}, {"authKey": None}, {"authKey": 7}]
)
def test_key_check_needs_the_key(client: httpx.Client, payload: dict[str, Any]) -> None:
    env = envelope(client.post(KEY_CHECK, headers=brand_only(), json=payload), 400)
    assert [item["field"] for item in env["errors"]] == ["authKey"]


def test_key_check_needs_a_known_brand(client: httpx.Client) -> None:
    body = {"authKey": DEMO_AUTH_KEY}
    assert only_error(client.post(KEY_CHECK, json=body), 400)["code"] == "BrandUrlRequired"
    unknown = client.post(KEY_CHECK, headers={"Brand-URL": "nope.example"}, json=body)
    assert only_error(unknown, 404)["code"] == "BrandNotFound"
    broken = client.post(
        KEY_CHECK, headers=brand_only(Content_Type="application/json"), content=b"{"
    )
    assert only_error(broken, 400)["code"] == "InvalidJson"


# --- GET users/me --------------------------------------------------------------------------


def test_me(client: httpx.Client) -> None:
    demo_user = data(client.get(ME, headers=keyed()))
    assert set(demo_user) == USER_KEYS
    assert demo_user["username"] == DEMO_LOGIN_USERNAME
    assert demo_user["emailAddress"] == DEMO_LOGIN_EMAIL
    signed = data(sign_in(client))
    assert data(client.get(ME, headers=keyed(signed["authKey"]))) == demo_user
    assert demo_user["id"] == signed["id"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", ME), ("GET", INTEGRATIONS), ("GET", SMS_SETTINGS)]
)
@pytest.mark.parametrize("auth_key", [None, "", "wrong", DEMO_AUTH_KEY + "x", DEMO_AUTH_KEY[:-1]])
def test_keyed_endpoints_refuse_a_missing_or_wrong_key(
    client: httpx.Client, method: str, path: str, auth_key: str | None
) -> None:
    item = only_error(client.request(method, path, headers=keyed(auth_key)), 401)
    assert item["code"] == "Unauthorized"
    assert "Auth-Key" in item["message"]


@pytest.mark.parametrize("path", [ME, INTEGRATIONS, SMS_SETTINGS, BRAND])
def test_get_endpoints_need_a_brand(client: httpx.Client, path: str) -> None:
    missing = client.get(path, headers=keyed(Brand_URL=None))
    assert only_error(missing, 400)["code"] == "BrandUrlRequired"
    unknown = client.get(path, headers=keyed(Brand_URL="nope.example"))
    item = only_error(unknown, 404)
    assert item["code"] == "BrandNotFound"
    assert "nope.example" in item["message"]


@pytest.mark.parametrize("path", [ME, INTEGRATIONS, SMS_SETTINGS, BRAND])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_get_only_endpoints(client: httpx.Client, path: str, method: str) -> None:
    response = client.request(method, path, headers=keyed(), json={})
    assert only_error(response, 405)["code"] == "MethodNotAllowed"
    assert response.headers["allow"] == "GET, HEAD"


def test_head_answers_without_a_body(client: httpx.Client) -> None:
    response = client.head(BRAND, headers=brand_only())
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0
    assert data(client.get(BRAND, headers=brand_only()))["name"] == DEMO_BRAND_NAME


# --- GET brands/by-url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "brand",
    [
        DEMO_BRAND_URL,
        DEMO_BRAND_URL.upper(),
        f"https://{DEMO_BRAND_URL}/",
        f"http://{DEMO_BRAND_URL}",
    ],
)
def test_brand_by_url(client: httpx.Client, brand: str) -> None:
    found = data(client.get(BRAND, headers={"Brand-URL": brand}))
    assert set(found) == {"id", "name", "url"}
    assert found["name"] == DEMO_BRAND_NAME == "Sandbox Demo Brand"
    assert found["url"] == DEMO_BRAND_URL
    assert found["id"]


def test_brand_needs_no_auth_key(client: httpx.Client) -> None:
    assert data(client.get(BRAND, headers=brand_only()))["url"] == DEMO_BRAND_URL
    # A wrong key is no reason to refuse a call that needs none.
    assert data(client.get(BRAND, headers=keyed("wrong")))["url"] == DEMO_BRAND_URL


def test_brand_unknown_is_404(client: httpx.Client) -> None:
    item = only_error(client.get(BRAND, headers={"Brand-URL": "acme.example.com"}), 404)
    assert item["code"] == "BrandNotFound"
    assert only_error(client.get(BRAND), 400)["code"] == "BrandUrlRequired"


# --- GET app-integrations --------------------------------------------------------------------


def integrations(client: httpx.Client, **query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data(client.get(INTEGRATIONS, headers=keyed(), params=query))
    assert isinstance(found, list)
    for item in found:
        assert set(item) == INTEGRATION_KEYS
    return found


def test_integrations_unfiltered(client: httpx.Client) -> None:
    every = integrations(client)
    by_id = {item["id"]: item for item in every}
    assert len(by_id) == len(every)
    demo = by_id[DEMO_INTEGRATION_ID]
    assert (demo["type"], demo["status"]) == ("SMS", "Active")
    assert demo["logoURL"].startswith("https://")
    assert any(item["status"] == "Inactive" and item["type"] == "SMS" for item in every)


@pytest.mark.parametrize(
    "query",
    [
        {"type": "SMS"},
        {"type": "sms"},
        {"status": "Active"},
        {"status": "inactive"},
        {"type": "SMS", "status": "Active"},
        {"type": "SMS", "status": "Inactive"},
        {"type": "Email"},
        {"keywords": "TWILIO"},
        {"keywords": "twil"},
        {"keywords": "sandbox"},
        {"keywords": "no such thing"},
        {"type": "SMS", "status": "Active", "keywords": "Twilio"},
        {"type": "", "status": "", "keywords": ""},
    ],
)
def test_integrations_filters(client: httpx.Client, query: dict[str, str]) -> None:
    every = integrations(client)

    def keeps(item: dict[str, Any]) -> bool:
        words = query.get("keywords", "").casefold()
        return (
            query.get("type", "").casefold() in ("", item["type"].casefold())
            and query.get("status", "").casefold() in ("", item["status"].casefold())
            and (words in item["name"].casefold() or words in item["description"].casefold())
        )

    expected = [item for item in every if keeps(item)]
    assert integrations(client, **query) == expected


def test_integrations_active_sms_keywords(client: httpx.Client) -> None:
    found = integrations(client, type="SMS", status="Active", keywords="TWILIO")
    assert [item["id"] for item in found] == [DEMO_INTEGRATION_ID]
    assert integrations(client, type="SMS", status="Active", keywords="zzz-nothing") == []
    inactive = integrations(client, type="SMS", status="Inactive")
    assert inactive
    assert all(item["status"] == "Inactive" for item in inactive)


def test_integrations_with_an_issued_key(client: httpx.Client) -> None:
    found = data(client.get(INTEGRATIONS, headers=keyed(issued_key(client))))
    assert found == integrations(client)


# --- GET app-integrations/sms ----------------------------------------------------------------


def sms_settings(client: httpx.Client, auth_key: str = DEMO_AUTH_KEY) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data(client.get(SMS_SETTINGS, headers=keyed(auth_key)))
    assert isinstance(found, list)
    for item in found:
        assert set(item) == SETTING_KEYS
    return found


def test_sms_settings(client: httpx.Client) -> None:
    settings = sms_settings(client)
    assert len({s["id"] for s in settings}) == len(settings) >= 2
    defaults = [s for s in settings if s["isDefault"] is True]
    assert len(defaults) == 1
    default = defaults[0]
    assert default["status"] == "Active"
    assert default["appIntegrationId"] == DEMO_INTEGRATION_ID
    assert default["username"] == DEMO_ACCOUNT_SID
    assert default["password"] == DEMO_AUTH_TOKEN
    assert default["phoneNumber"] == DEMO_PHONE_FROM
    inactive = [s for s in settings if s["status"] == "Inactive"]
    assert inactive
    assert all(s["isDefault"] is False for s in inactive)
    assert all(s["appIntegrationId"] != DEMO_INTEGRATION_ID for s in inactive)
    # Every setting points at an integration of the brand's list.
    listed = {item["id"]: item for item in integrations(client, type="SMS")}
    for setting in settings:
        assert listed[setting["appIntegrationId"]]["status"] == setting["status"]


def test_signed_in_the_default_setting_sends(client: httpx.Client) -> None:
    """What the window's sign-in and picker do: no key or id typed by hand."""
    key = issued_key(client)
    (default,) = [s for s in sms_settings(client, key) if s["isDefault"]]
    response = client.post(
        f"{INTEGRATIONS}/{default['appIntegrationId']}/sms/test",
        headers=keyed(key),
        json=sms_body(
            username=default["username"],
            password=default["password"],
            phoneNumberFrom=default["phoneNumber"],
        ),
    )
    assert data(response) is True


def test_the_inactive_setting_is_refused_by_the_sms_test(client: httpx.Client) -> None:
    (inactive, *_) = [s for s in sms_settings(client) if s["status"] == "Inactive"]
    item = only_error(send_sms(client, DEMO_AUTH_KEY, inactive["appIntegrationId"]), 409)
    assert item["code"] == "AppIntegrationInactive"
    assert inactive["appIntegrationId"] in item["message"]
    assert "inactive" in item["message"]


def test_a_listed_integration_that_is_not_sms_is_refused(client: httpx.Client) -> None:
    (other, *_) = [i for i in integrations(client) if i["type"] != "SMS"]
    item = only_error(send_sms(client, DEMO_AUTH_KEY, other["id"]), 400)
    assert item["code"] == "AppIntegrationUnsupported"
    assert other["id"] in item["message"]


# --- routes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/users",
        "/api/v1/users/auth/",
        "/api/v1/users/auth/extra",
        "/api/v1/users/me/x",
        "/api/v1/brands",
        "/api/v1/brands/by-url/x",
        "/api/v1/app-integrations/sms/extra",
        "/api/v2/users/auth",
        "//api/v1/users/auth",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_paths_stay_404(client: httpx.Client, url: str, method: str) -> None:
    response = client.request(method, url, headers=keyed(), json={})
    item = only_error(response, 404)
    assert item["code"] == "NotFound"
    assert "/api/v1/users/auth" in item["details"]  # the endpoints that exist


def test_routes_are_case_insensitive_and_ignore_the_query(client: httpx.Client) -> None:
    assert (
        data(client.get("/API/v1/Brands/By-Url?x=1", headers=brand_only()))["url"] == DEMO_BRAND_URL
    )
    response = client.post(
        "/api/V1/users/AUTH",
        headers=brand_only(),
        json={"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD},
    )
    assert data(response)["username"] == DEMO_LOGIN_USERNAME


def test_path_prefix() -> None:
    with SandboxServer(path_prefix="/jfw") as srv, httpx.Client(base_url=srv.url) as c:
        assert data(c.get("/jfw" + BRAND, headers=brand_only()))["url"] == DEMO_BRAND_URL
        assert only_error(c.get(BRAND, headers=brand_only()), 404)["code"] == "NotFound"
        key = data(sign_in_at(c, "/jfw" + AUTH))["authKey"]
        assert data(c.get("/jfw" + ME, headers=keyed(key)))["username"] == DEMO_LOGIN_USERNAME


def sign_in_at(client: httpx.Client, path: str) -> httpx.Response:
    body = {"username": DEMO_LOGIN_USERNAME, "password": DEMO_LOGIN_PASSWORD}
    return client.post(path, headers=brand_only(), json=body)


def test_the_rate_limit_counts_every_endpoint() -> None:
    with SandboxServer(rate_limit=3, rate_window=30) as srv, httpx.Client(base_url=srv.url) as c:
        data(c.get(ME, headers=keyed()))
        data(c.get(SMS_SETTINGS, headers=keyed()))
        data(c.get(INTEGRATIONS, headers=keyed()))
        response = c.get(ME, headers=keyed())
        assert only_error(response, 429)["code"] == "TooManyRequests"
        assert 1 <= int(response.headers["retry-after"]) <= 30
        assert only_error(send_sms(c, DEMO_AUTH_KEY), 429)["code"] == "TooManyRequests"
        # The brand needs no key: not limited by one.
        assert data(c.get(BRAND, headers=brand_only()))["url"] == DEMO_BRAND_URL


# --- expiry ------------------------------------------------------------------------------


def test_keys_expire_after_the_ttl_in_real_time() -> None:
    # 2 s, not 1: the key must still work on the call right after the sign-in, on a busy
    # machine too.
    with SandboxServer(auth_key_ttl=2) as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        before = dt.datetime.now(dt.UTC).replace(microsecond=0)
        signed = data(sign_in(c))
        key = signed["authKey"]
        assert data(c.get(ME, headers=keyed(key)))["username"] == DEMO_LOGIN_USERNAME
        expires = parse_iso(signed["expiresIn"])
        assert before + dt.timedelta(seconds=1) <= expires
        assert expires <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
        deadline = time.monotonic() + 15
        while c.get(ME, headers=keyed(key)).status_code == 200:
            assert time.monotonic() < deadline, "the 2 s key was still valid after 15 s"
            time.sleep(0.05)
        # Not before the time it said (to the second, cut).
        assert dt.datetime.now(dt.UTC) >= expires
        assert every_keyed_answer(c, key) == dict.fromkeys(
            [*(p for _, p in KEYED), "sms/test"], 401
        )
        assert key_check(c, key) is False
        item = only_error(c.get(ME, headers=keyed(key)), 401)
        unknown = only_error(c.get(ME, headers=keyed("never-issued")), 401)
        assert (item["code"], item["message"]) == (unknown["code"], unknown["message"])
        # The demo key never expires, and a new sign-in gives a working key again.
        assert every_keyed_answer(c, DEMO_AUTH_KEY) == dict.fromkeys(
            [*(p for _, p in KEYED), "sms/test"], 200
        )
        assert c.get(ME, headers=keyed(issued_key(c))).status_code == 200


def test_keys_expire_on_an_injected_clock() -> None:
    """A long TTL without waiting: the server's clock is the test's."""
    now = [1_900_000_000.0]
    with (
        SandboxServer(auth_key_ttl=7200, clock=lambda: now[0]) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as c,
    ):
        signed = data(sign_in(c))
        assert signed["expiresIn"] == "2030-03-17T19:46:40Z"  # 1,900,007,200 s after 1970
        assert parse_iso(signed["expiresIn"]).timestamp() == now[0] + 7200
        key = signed["authKey"]
        now[0] += 7199.5
        assert key_check(c, key) is True
        assert set(every_keyed_answer(c, key).values()) == {200}
        now[0] += 0.5
        assert key_check(c, key) is False
        assert set(every_keyed_answer(c, key).values()) == {401}
        now[0] += 10 * 365 * 86400.0
        assert key_check(c, DEMO_AUTH_KEY) is True
        assert set(every_keyed_answer(c, DEMO_AUTH_KEY).values()) == {200}


# --- the command line -----------------------------------------------------------------------


def read_line(stream: IO[str], timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert box, "the child printed nothing in time"
    return box[0]


@contextlib.contextmanager
def sandbox_cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester", "sandbox", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        yield proc, read_line(proc.stdout, 20)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.communicate()


def test_sandbox_json_adds_the_demo_sign_in() -> None:
    with sandbox_cli("--json", "--auth-key-ttl", "90") as (_, line):
        shown = json.loads(line)
        contract_keys = [
            "url",
            "brandUrl",
            "authKey",
            "integrationId",
            "username",
            "password",
            "phoneNumberFrom",
        ]
        assert list(shown) == [*contract_keys, "loginUsername", "loginPassword"]
        assert shown["loginUsername"] == DEMO_LOGIN_USERNAME
        assert shown["loginPassword"] == DEMO_LOGIN_PASSWORD
        with httpx.Client(base_url=shown["url"], timeout=10) as c:
            before = dt.datetime.now(dt.UTC).replace(microsecond=0)
            response = c.post(
                AUTH,
                headers={"Brand-URL": shown["brandUrl"]},
                json={"username": shown["loginUsername"], "password": shown["loginPassword"]},
            )
            signed = data(response)
            expires = parse_iso(signed["expiresIn"])
            assert before + dt.timedelta(seconds=89) <= expires
            assert expires <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
            assert data(c.get(ME, headers=keyed(signed["authKey"])))["username"] == (
                DEMO_LOGIN_USERNAME
            )


def test_sandbox_text_output_shows_the_sign_in_and_the_ttl() -> None:
    with sandbox_cli("--auth-key-ttl", "120") as (proc, _):
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        # Through the pipe's own reader: the first line was read with it, which may hold more.
        out, err = proc.stdout.read(), proc.stderr.read()
    assert code == 0, err
    assert f"loginUsername    {DEMO_LOGIN_USERNAME}" in out
    assert f"loginPassword    {DEMO_LOGIN_PASSWORD}" in out
    assert "120 s" in out


@pytest.mark.parametrize(
    "value", ["0", "-1", "nan", "inf", "-inf", "abc", "", "1e400", "1e300", " ", "0x10"]
)
def test_bad_auth_key_ttl_is_exit_2_in_words(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["sandbox", f"--auth-key-ttl={value}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--auth-key-ttl" in err
    assert "seconds" in err
    assert "Traceback" not in err


def test_bad_auth_key_ttl_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "sandbox", "--auth-key-ttl", "nan"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--auth-key-ttl" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""

"""core.jframework: the account calls' requests, lenient reading of their answers, words for
an Auth-Key's lifetime. Fast: answers come from an in-process transport; the same calls
against the real sandbox over loopback are in tests/integration/test_jframework_calls.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstester.core import jframework as jf
from smstester.core.client import SmsClient
from smstester.core.model import InvalidInput

SITE = jf.Site("https://gw.example.com/jfw/", "acme.example.com", "key-123456")
NOW = dt.datetime(2026, 7, 16, 6, 34, tzinfo=dt.UTC)


def envelope(data: Any, status: int = 200, success: bool = True, **extra: Any) -> httpx.Response:
    body = {
        "success": success,
        "statusCode": status,
        "message": extra.pop("message", ""),
        "data": data,
    }
    body |= extra
    return httpx.Response(status, json=body)


def caller(
    answer: httpx.Response | None = None,
    seen: list[httpx.Request] | None = None,
    by_path: dict[str, httpx.Response] | None = None,
) -> jf.Jframework:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if by_path is not None:
            return by_path[request.url.path]
        assert answer is not None
        return answer

    return jf.Jframework(SmsClient(transport=httpx.MockTransport(handle)))


def test_sign_in_request_uses_email_or_username_and_keeps_the_path_prefix() -> None:
    by_name = jf.sign_in_request(SITE, " demo ", "pw")
    by_mail = jf.sign_in_request(SITE, "a@b.example", "pw")
    assert by_name.url.raw_path == b"/jfw/api/v1/users/auth"
    assert json.loads(by_name.content) == {"username": "demo", "password": "pw"}
    assert json.loads(by_mail.content) == {"emailAddress": "a@b.example", "password": "pw"}
    assert by_name.headers["Brand-URL"] == "acme.example.com"
    assert "Auth-Key" not in by_name.headers


def test_bad_input_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(InvalidInput) as caught:
        jf.sign_in_request(jf.Site("ftp://x", "a\nb"), "", "")
    names = {problem.field for problem in caught.value.problems}
    assert names == {"base_url", "brand_url", "login", "login_password"}
    with pytest.raises(InvalidInput):
        jf.sms_settings_request(jf.Site("https://x.example", "b"))  # no Auth-Key


def test_listing_asks_for_every_status_of_sms() -> None:
    request = jf.integrations_request(SITE)
    assert request.url.params["type"] == "SMS"
    assert "status" not in request.url.params
    assert request.headers["Auth-Key"] == "key-123456"


def test_sign_in_reads_the_answer_and_masks_the_new_keys() -> None:
    data = {
        "id": 7,
        "username": "demo",
        "emailAddress": "d@x",
        "authKey": "NEWKEY-abcdef",
        "refreshAuthKey": "REFRESH-abcdef",
        "expiresIn": "2026-07-16T09:34:00Z",
        "unknown": {"ignored": True},
    }
    answer = caller(envelope(data)).sign_in(SITE, "demo", "hunter2-pw")
    assert answer.ok and answer.value is not None
    assert answer.value.auth_key == "NEWKEY-abcdef"
    assert answer.value.expires_at == dt.datetime(2026, 7, 16, 9, 34, tzinfo=dt.UTC)
    assert {"NEWKEY-abcdef", "REFRESH-abcdef", "hunter2-pw"} <= set(answer.secrets)
    assert "NEWKEY" not in repr(answer.value)


def test_a_wrong_password_is_the_servers_words_and_exit_1() -> None:
    refused = envelope(None, 401, False, message="The username or password incorrect.")
    answer = caller(refused).sign_in(SITE, "demo", "wrong")
    assert not answer.ok and answer.exit_code == 1
    assert answer.problem == "The username or password incorrect."


def test_a_server_that_echoes_the_password_never_shows_it() -> None:
    echo = envelope(None, 400, False, message="bad password hunter2-pw for demo")
    answer = caller(echo).sign_in(SITE, "demo", "hunter2-pw")
    assert answer.problem is not None and "hunter2-pw" not in answer.problem


def test_no_answer_is_exit_3_in_words() -> None:
    client = jf.Jframework(SmsClient())
    site = jf.Site("http://127.0.0.1:9", "b", "k")  # the discard port: nothing listens
    answer = client.brand(site)
    assert answer.exit_code == 3
    assert answer.problem and "refused" in answer.problem


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (envelope(None, 404, False, errors=[{"code": "BrandNotFound"}]), "no brand at this URL"),
        (httpx.Response(429, headers={"Retry-After": "30"}, json={}), "wait 30 s"),
        (httpx.Response(502, text="<html>Bad gateway</html>"), "not as jframework"),
        (envelope(None, 500, False, message="boom"), "the server failed (HTTP 500): boom"),
        (envelope("not a brand"), "holds no usable data"),
    ],
)
def test_refusals_in_words(response: httpx.Response, words: str) -> None:
    answer = caller(response).brand(SITE)
    assert answer.problem is not None and words in answer.problem


def test_lenient_reading_of_sms_settings_and_integrations() -> None:
    settings = [
        {
            "id": 1,
            "appIntegrationId": "tw-2",
            "name": "Backup",
            "status": "Inactive",
            "password": "SETTING-SECRET-1",
            "isDefault": "false",
        },
        {
            "id": "s1",
            "appIntegrationId": "tw-1",
            "name": "Main",
            "status": "Active",
            "username": "AC" + "0" * 32,
            "password": "SETTING-SECRET-2",
            "phoneNumber": "+15005550006",
            "isDefault": True,
        },
        "junk",
        {"name": "no id at all"},
        {"id": "s3", "NAME": "Case", "Status": "ACTIVE", "username": None},
    ]
    integrations = {
        "items": [
            {"id": "tw-1", "type": "SMS", "name": "Twilio"},
            {"id": "mail", "type": "Email", "name": "Not SMS"},
            {"id": "tw-9", "type": "sms", "name": "Listed only", "status": "Active"},
        ]
    }
    answer = caller(
        by_path={
            "/jfw/api/v1/app-integrations/sms": envelope(settings),
            "/jfw/api/v1/app-integrations": envelope(integrations),
        }
    ).sms_integrations(SITE)
    assert answer.value is not None
    ids = [row.integration_id for row in answer.value]
    assert ids == ["tw-1", "s3", "tw-2", "tw-9"]  # default, active, inactive, listed-only
    assert answer.value[1].active and answer.value[1].name == "Case"
    assert answer.value[-1].is_setting is False
    assert {"SETTING-SECRET-1", "SETTING-SECRET-2"} <= set(answer.secrets)
    dumped = json.dumps([row.as_json() for row in answer.value])
    assert "SETTING-SECRET" not in dumped and '"hasPassword": true' in dumped


def test_one_failed_list_still_gives_the_other() -> None:
    answer = caller(
        by_path={
            "/jfw/api/v1/app-integrations/sms": envelope(None, 403, False, message="no"),
            "/jfw/api/v1/app-integrations": envelope([{"id": "x", "name": "X", "type": "SMS"}]),
        }
    ).sms_integrations(SITE)
    assert answer.ok and answer.value is not None and [r.id for r in answer.value] == ["x"]


def test_key_check_reads_true_and_false_only() -> None:
    assert caller(envelope(True)).key_valid(SITE).value is True
    assert caller(envelope("false")).key_valid(SITE).value is False
    assert caller(envelope({"x": 1})).key_valid(SITE).value is None


@pytest.mark.parametrize(
    ("expires", "valid", "words", "usable"),
    [
        (NOW + dt.timedelta(hours=3, minutes=5), None, "valid until 16 Jul 09:39 (in 3 h)", True),
        (NOW - dt.timedelta(hours=2), True, "expired 2 h ago — sign in again", False),
        (None, False, "not valid for this brand — sign in again", False),
        (None, True, "valid (the server gives no end time)", True),
        (NOW + dt.timedelta(days=3), None, "(in 3 days)", True),
        (None, None, "", None),
    ],
)
def test_key_status_words(
    expires: dt.datetime | None, valid: bool | None, words: str, usable: bool | None
) -> None:
    status = jf.key_status(expires, NOW, valid=valid, tz=dt.UTC)
    assert words in status.words and status.usable is usable


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=80),
        st.lists(st.integers(), max_size=3),
    )
)
def test_parse_time_never_raises(value: Any) -> None:
    parsed = jf.parse_time(value, NOW)
    assert parsed is None or parsed.tzinfo is not None


def test_parse_time_forms() -> None:
    assert jf.parse_time("2026-07-16T09:34:00", NOW) == dt.datetime(
        2026, 7, 16, 9, 34, tzinfo=dt.UTC
    )
    assert jf.parse_time("2026-07-16T11:34:00+02:00", NOW) == dt.datetime(
        2026, 7, 16, 9, 34, tzinfo=dt.UTC
    )
    assert jf.parse_time(3600, NOW) == NOW + dt.timedelta(hours=1)
    assert jf.parse_time("soon", NOW) is None
    assert jf.iso(dt.datetime(2026, 7, 16, 9, 34, 1, 5, tzinfo=dt.UTC)) == "2026-07-16T09:34:01Z"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_readers_never_raise(data: Any) -> None:
    jf.parse_sign_in(data)
    jf.parse_brand(data)
    rows = jf.parse_sms_settings(data) + jf.parse_integrations(data)
    assert all(isinstance(row.as_json(), dict) for row in rows)


def test_matches_every_word_anywhere() -> None:
    row = jf.SmsIntegration(
        id="1", name="Main Twilio", app_integration_id="tw-1", phone_number="+15005550006"
    )
    assert row.matches("twilio 5550006") and row.matches("TW-1")
    assert not row.matches("twilio backup")


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("K" * 1_000_000, "1,000,000 characters"),
        ("abc\x1b[2J\x1b]52;c;SGVsbG8=\x07\nSigned in as root", "control characters"),
        ("with space", "spaces"),
        ("ünï", "cannot carry"),
    ],
)
def test_a_key_that_could_never_be_sent_back_is_refused_in_words(key: str, words: str) -> None:
    answer = caller(envelope({"authKey": key, "username": "bob"})).sign_in(SITE, "bob", "pw")
    assert answer.value is None and answer.problem is not None and words in answer.problem
    assert key[:20] not in answer.problem and answer.exit_code == 1


@pytest.mark.parametrize(
    "expires", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z"]
)
def test_an_expiry_at_the_calendars_end_is_no_error(expires: str) -> None:
    moment = jf.parse_time(expires, NOW)
    assert moment is None  # not a time anyone can use: not known
    far = jf.parse_time("8999-01-01T00:00:00Z", NOW)
    assert far is not None
    status = jf.key_status(far, NOW, tz=dt.timezone(dt.timedelta(hours=14)))
    assert "8999" in status.words and "years" in status.words

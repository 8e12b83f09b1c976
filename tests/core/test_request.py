"""Request building: CONTRACT §1, exactly."""

from __future__ import annotations

import json
import string

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import GOOD

from smstester.core.model import USER_AGENT, InvalidInput, SmsTest
from smstester.core.request import build_request, endpoint_url, insecure_transport_warning, problems


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in exc.value.problems}


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://protocol.jframework.io", "https://protocol.jframework.io/api/v1"),
        ("https://protocol.jframework.io/", "https://protocol.jframework.io/api/v1"),
        ("https://gw.example.com/jfw/", "https://gw.example.com/jfw/api/v1"),
        ("https://gw.example.com/jfw", "https://gw.example.com/jfw/api/v1"),
        ("http://127.0.0.1:8080//", "http://127.0.0.1:8080/api/v1"),
    ],
)
def test_base_url_keeps_prefix_and_never_doubles_slash(base: str, expected: str) -> None:
    request = build_request(GOOD.with_changes(base_url=base))
    assert str(request.url) == f"{expected}/app-integrations/0f3c2a/sms/test"


@pytest.mark.parametrize(
    ("integration_id", "segment"),
    [
        ("../x?y#z", "..%2Fx%3Fy%23z"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a b", "a%20b"),
        ("100%", "100%25"),
        ("a/b", "a%2Fb"),
    ],
)
def test_integration_id_is_one_encoded_segment(integration_id: str, segment: str) -> None:
    request = build_request(GOOD.with_changes(integration_id=integration_id))
    assert request.url.raw_path == f"/api/v1/app-integrations/{segment}/sms/test".encode()


def test_headers_and_body_exactly() -> None:
    request = build_request(GOOD)
    assert request.method == "POST"
    assert request.headers["Brand-URL"] == "brand.example.com"
    assert request.headers["Auth-Key"] == "key-123"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("smstester/")
    body = json.loads(request.content)
    assert list(body) == ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]
    assert body["message"] == "hello"


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("(415) 555-2671", "US"),
        ("+1 415-555-2671", None),
        ("415.555.2671", "us"),
        ("+1 (415) 555 2671", "GB"),
    ],
)
def test_numbers_sent_in_e164_whatever_was_typed(typed: str, region: str | None) -> None:
    request = build_request(GOOD.with_changes(phone_to=typed, region=region))
    assert json.loads(request.content)["phoneNumberTo"] == "+14155552671"


def test_national_number_without_region_is_refused_with_reason() -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(GOOD.with_changes(phone_to="(415) 555-2671"))
    assert fields_of(exc) == {"phone_to"}
    assert "country code" in str(exc.value)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("+1 415", "too short"), ("+999 123456", "country code"), ("hello", "not a phone number")],
)
def test_invalid_numbers_give_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(GOOD.with_changes(phone_from=typed))
    assert reason in str(exc.value)
    assert str(exc.value).startswith("From:")


@pytest.mark.parametrize("bad", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "tab\there", "\x7f"])
@pytest.mark.parametrize("name", ["brand_url", "auth_key"])
def test_header_control_characters_refused_naming_the_field(name: str, bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(GOOD.with_changes(**{name: bad}))
    assert fields_of(exc) == {name}
    label = "Brand-URL" if name == "brand_url" else "Auth-Key"
    assert str(exc.value).startswith(label)


def test_every_missing_field_is_named() -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(SmsTest(base_url=""))
    assert fields_of(exc) == {
        "base_url",
        "brand_url",
        "integration_id",
        "auth_key",
        "username",
        "password",
        "phone_from",
        "phone_to",
        "message",
    }


@pytest.mark.parametrize("base", ["ftp://x", "not a url", "https://", "https://h/?q=1"])
def test_bad_base_url_refused(base: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(GOOD.with_changes(base_url=base))
    assert fields_of(exc) == {"base_url"}


def test_repr_never_shows_secrets() -> None:
    text = repr(GOOD.with_changes(auth_key="SEKRET-A", password="SEKRET-B"))
    assert "SEKRET" not in text


def test_lone_surrogate_in_message_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        build_request(GOOD.with_changes(message="bad \ud800 text"))
    assert fields_of(exc) == {"message"}


# --- properties -------------------------------------------------------------------------


@given(st.text(min_size=1))
def test_any_id_stays_one_segment(integration_id: str) -> None:
    try:
        request = build_request(GOOD.with_changes(integration_id=integration_id))
    except InvalidInput as exc:
        assert {p.field for p in exc.problems} == {"integration_id"}
        return
    path = request.url.raw_path.decode("ascii")
    assert "?" not in path and "#" not in path
    parts = path.split("/")
    assert parts[:4] == ["", "api", "v1", "app-integrations"]
    assert parts[5:] == ["sms", "test"]
    assert parts[4] not in (".", "..")
    assert httpx.URL(str(request.url)).raw_path == request.url.raw_path


@given(st.text(), st.text())
def test_accepted_header_values_are_free_of_control_characters(brand: str, key: str) -> None:
    try:
        request = build_request(GOOD.with_changes(brand_url=brand, auth_key=key))
    except InvalidInput:
        return
    for name in ("Brand-URL", "Auth-Key"):
        value = request.headers[name]
        assert value
        assert all(ch in string.printable and ch not in "\r\n\t\x0b\x0c" for ch in value)


@given(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1).filter(str.strip))
def test_body_always_has_exactly_five_keys(username: str, password: str, message: str) -> None:
    try:
        request = build_request(
            GOOD.with_changes(username=username, password=password, message=message)
        )
    except InvalidInput:
        return
    body = json.loads(request.content)
    assert sorted(body) == sorted(
        ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]
    )
    assert body["message"] == message


def test_endpoint_url_helper_matches_request() -> None:
    assert str(build_request(GOOD).url) == endpoint_url(GOOD.base_url, GOOD.integration_id)


@pytest.mark.parametrize(
    ("base_url", "words"),
    [
        ("http://user:pw@127.0.0.1:8080", "user name or password"),
        ("https://key@protocol.jframework.io", "user name or password"),
        ("http://host\\@127.0.0.1", "backslash"),
        ("https://evil.example\\.protocol.jframework.io", "backslash"),
    ],
)
def test_base_url_with_credentials_or_backslash_is_refused(base_url: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build_request(GOOD.with_changes(base_url=base_url))
    assert [p.field for p in caught.value.problems] == ["base_url"]
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://api.example.com", True),
        ("http://10.0.0.5:8080/jfw", True),
        ("https://api.example.com", False),
        ("http://127.0.0.1:8080", False),
        ("http://127.7.7.7", False),
        ("http://localhost:9000", False),
        ("http://[::1]:8000", False),
    ],
)
def test_plain_http_to_another_machine_is_warned(base_url: str, warned: bool) -> None:
    warning = insecure_transport_warning(base_url)
    assert (warning is not None) == warned
    if warning:
        assert "unencrypted" in warning


_FIELD_TEXT = st.sampled_from(["", " ", "x", "  y ", "\x00", "a\nb", "é", "+14155552671", "abc"])


@settings(max_examples=300, deadline=None)
@given(
    test=st.builds(
        SmsTest,
        base_url=st.sampled_from(
            ["", "https://h.example", "http://u:p@h", "ftp://h", " https://h"]
        ),
        brand_url=_FIELD_TEXT,
        integration_id=_FIELD_TEXT,
        auth_key=_FIELD_TEXT,
        username=_FIELD_TEXT,
        password=_FIELD_TEXT,
        phone_from=st.sampled_from(["", "+15005550006", "+1 415 555 2671 ext 5", "12"]),
        phone_to=st.sampled_from(["", "+14155552671", "(415) 555-2671", "0044 20 7946 0018"]),
        message=_FIELD_TEXT,
        region=st.sampled_from([None, "US", "GB"]),
    )
)
def test_problems_is_empty_exactly_when_a_send_is_accepted(test: SmsTest) -> None:
    found = problems(test)
    try:
        build_request(test)
    except InvalidInput as exc:
        assert found == exc.problems
    else:
        assert found == []
    for problem in found:
        assert problem.missing == (problem.reason == "required")

"""Hostile input over every field at once: header injection, path traversal in the
integration id, NUL bytes, lone surrogates, control and bidi characters, 100 KB messages.

`build_request` either raises InvalidInput (naming fields) or builds exactly the request
CONTRACT §1 describes — never anything else, never another request. `render_curl` and
`report_lines` never raise, whatever they are given.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import httpx
import phonenumbers
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import GOOD

from smstester.core.client import Failure, SendResult
from smstester.core.curl import curl_notes, curl_problems, render_curl
from smstester.core.envelope import parse_body
from smstester.core.model import USER_AGENT, InvalidInput, SmsTest
from smstester.core.report import report_lines
from smstester.core.request import build_request

#: Every code point, lone surrogates included (hypothesis leaves them out by default).
ANY_CHAR = st.characters(exclude_categories=())

NASTY = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\nX-Evil: 1",
    "x\ny",
    "\t",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\ud800",
    "a\udfffb",
    "..",
    ".",
    "../../admin",
    "%2e%2e",
    "%2F",
    "a/b?c=1#d",
    "fault-500/../demo-twilio",
    "' OR 1=1 --",
    "$(touch /tmp/pwned)",
    "`id`",
    "é",
    "😀",
    "\U0001f44d\U0001f3fd",
)


def repeated(size: int) -> st.SearchStrategy[str]:
    """A short random text repeated to `size` characters."""
    return st.text(ANY_CHAR, min_size=1, max_size=8).map(
        lambda s: (s * (size // len(s) + 1))[:size]
    )


def hostile(valid: str | None = None, *, size: int = 2000) -> st.SearchStrategy[str]:
    """Any text, known nasties, a long run of `size` characters, and (often) the field's
    valid value."""
    options = [
        st.text(ANY_CHAR, max_size=40),
        st.sampled_from(NASTY),
        st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(ANY_CHAR, max_size=8)),
        repeated(size),
    ]
    if valid is not None:
        options = [st.just(valid), st.just(f" {valid} "), *options]
        # the valid value with something nasty spliced in
        options.append(
            st.builds(
                lambda at, bad: valid[:at] + bad + valid[at:],
                st.integers(0, len(valid)),
                st.sampled_from(NASTY),
            )
        )
    return st.one_of(options)


VALID = GOOD.with_changes(
    base_url="https://gw.example.com/jfw/", phone_to="(415) 555-2671", region="US"
)

#: Text that is odd but may be sent: anything but NUL and lone surrogates, not blank.
ODD_CHAR = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
odd_text = st.text(ODD_CHAR, min_size=1, max_size=40).filter(lambda s: s.strip(" "))
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1).filter(
    lambda s: s.strip(" ")
)
sendable_nasties = st.sampled_from(
    [
        n
        for n in NASTY
        if n.strip(" ") and "\x00" not in n and not any(0xD800 <= ord(c) <= 0xDFFF for c in n)
    ]
)

#: Per field: values that are odd, hostile even, yet valid — the request must carry them exactly.
SENDABLE: dict[str, st.SearchStrategy[Any]] = {
    "base_url": st.sampled_from(
        [
            VALID.base_url,
            " https://protocol.jframework.io ",
            "http://127.0.0.1:8080//",
            "https://[::1]:8443/",
            "https://gw.example.com/a%20b/c/",
            "https://GW.Example.COM:443/x/",
        ]
    ),
    "brand_url": st.one_of(st.just(VALID.brand_url), header_text),
    "integration_id": st.one_of(st.just(VALID.integration_id), sendable_nasties, odd_text),
    "auth_key": st.one_of(st.just(VALID.auth_key), header_text),
    "username": st.one_of(st.just(VALID.username), sendable_nasties, odd_text),
    "password": st.one_of(st.just(VALID.password), sendable_nasties, odd_text),
    "phone_from": st.sampled_from([VALID.phone_from, " +1 500-555-0006 ", "+1 (500) 555 0006"]),
    "phone_to": st.sampled_from([VALID.phone_to, "+44 7911 123456", "415.555.2671"]),
    "message": st.one_of(
        st.just(VALID.message),
        sendable_nasties,
        odd_text,
        st.text(ODD_CHAR, min_size=1, max_size=8)
        .filter(str.strip)
        .map(lambda s: (s * (100_000 // len(s) + 1))[:100_000]),
    ),
    "region": st.just("US"),
}

#: Per field: anything at all.
HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "base_url": st.one_of(
        hostile(VALID.base_url),
        st.sampled_from(
            [
                "https://[::1]:8443/a b/",
                "ftp://example.com",
                "https://user:pw@example.com/x",
                "https://example.com/?q=1",
                "https://example.com/#f",
                "https://exa mple.com",
                "https://example.com/%00/",
                "https://example.com/../..",
                "https://example.com:99999/",
                "//example.com",
                "https://",
            ]
        ),
    ),
    **{
        name: hostile(getattr(VALID, name))
        for name in ("brand_url", "integration_id", "auth_key", "username", "password")
    },
    "phone_from": hostile(VALID.phone_from),
    "phone_to": hostile(VALID.phone_to),
    "message": hostile(VALID.message, size=100_000),
    "region": st.one_of(st.none(), st.sampled_from(["us", "GB", "", "ZZ"]), hostile()),
}


@st.composite
def sms_tests(draw: st.DrawFn) -> SmsTest:
    """An SmsTest whose fields are sendable-but-odd, except a few that are anything at all."""
    wild = draw(st.sets(st.sampled_from(sorted(HOSTILE)), max_size=3))
    return SmsTest(
        **{name: draw(HOSTILE[name] if name in wild else SENDABLE[name]) for name in HOSTILE}
    )


FIVE_KEYS = ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]
CONTROL = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: what every URL library makes of `.` and `..` in a base URL's path."""
    out: list[str] = []
    for part in path.split("/")[1:]:
        if part == "..":
            if out:
                out.pop()
        elif part != ".":
            out.append(part)
    if path.split("/")[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out) if path.startswith("/") else "/".join(out)


def expected_suffix(integration_id: str) -> bytes:
    """The end of the path CONTRACT §1 asks for, computed here without the code under test."""
    segment = urllib.parse.quote(integration_id.strip(" "), safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return f"/api/v1/app-integrations/{segment}/sms/test".encode("ascii")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test=sms_tests())
def test_build_request_raises_only_invalid_input_or_builds_exactly_the_request(
    test: SmsTest,
) -> None:
    try:
        request = build_request(test)
    except InvalidInput as exc:
        event("refused")
        assert exc.problems
        assert {p.field for p in exc.problems} <= set(SmsTest.field_names())
        assert all(p.reason for p in exc.problems)
        return
    event("built")
    # The request is exactly the one described: nothing else, nowhere else.
    assert request.method == "POST"
    base = httpx.URL(test.base_url.strip(" "))
    assert (request.url.scheme, request.url.host, request.url.port) == (
        base.scheme,
        base.host,
        base.port,
    )
    # the base URL's path prefix (percent-encoded where it must be), then the endpoint
    suffix = expected_suffix(test.integration_id)
    assert request.url.raw_path.endswith(suffix)
    prefix = request.url.raw_path[: -len(suffix)].decode("ascii")
    base_path = urllib.parse.urlsplit(test.base_url.strip(" ")).path
    wanted = without_dot_segments(urllib.parse.unquote(base_path)).rstrip("/")
    assert urllib.parse.unquote(prefix) == wanted
    assert request.url.query == b""
    assert request.url.fragment == ""
    # the id is one segment, and it is the id
    segment = request.url.raw_path.split(b"/")[-3]
    assert urllib.parse.unquote(segment.decode("ascii")) == test.integration_id.strip(" ")

    names = [name for name, _ in request.headers.raw]
    assert names == [
        b"Host",
        b"Brand-URL",
        b"Auth-Key",
        b"Content-Type",
        b"Accept",
        b"User-Agent",
        b"Content-Length",
    ]
    for _, value in request.headers.raw:
        text = value.decode("latin-1")
        assert not set(text) & CONTROL, value
    assert request.headers["Brand-URL"] == test.brand_url.strip(" ")
    assert request.headers["Auth-Key"] == test.auth_key.strip(" ")
    assert request.headers["User-Agent"] == USER_AGENT

    body = json.loads(request.content.decode("utf-8"))
    assert list(body) == FIVE_KEYS
    assert body["username"] == test.username.strip(" ")
    assert body["password"] == test.password.strip(" ")
    assert body["message"] == test.message
    region = (test.region or "").upper() or None
    for key, typed in (("phoneNumberFrom", test.phone_from), ("phoneNumberTo", test.phone_to)):
        number = phonenumbers.parse(typed.strip(), region)
        assert body[key] == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test=sms_tests(), with_secrets=st.booleans(), multiline=st.booleans())
def test_render_curl_never_raises(test: SmsTest, with_secrets: bool, multiline: bool) -> None:
    command = render_curl(test, with_secrets=with_secrets, multiline=multiline)
    # The masked command is a subshell whose guard checks the two variables before curl runs.
    assert command.startswith("curl " if with_secrets else "(case ")
    assert "curl -sS -X POST" in command
    assert "\x00" not in command
    curl_problems(test)
    curl_notes(test, with_secrets=with_secrets)


# --- junk results ----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "success": json_values,
        "statusCode": json_values,
        "message": json_values,
        "data": json_values,
        "errors": json_values
        | st.lists(
            json_values
            | st.dictionaries(
                st.sampled_from(["code", "message", "details", "correlationId"]), json_values
            )
        ),
    },
)


def to_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    st.none(),
    st.builds(
        parse_body,
        st.one_of(
            st.binary(max_size=200),
            json_values.map(to_bytes),
            envelopes.map(to_bytes),
            repeated(100_000).map(lambda s: s.encode("utf-8", "surrogatepass")),
        ),
        st.text(ANY_CHAR, max_size=30),
    ),
)

results = st.builds(
    SendResult,
    method=st.text(ANY_CHAR, max_size=10),
    url=hostile("http://127.0.0.1:1/api/v1/app-integrations/x/sms/test"),
    elapsed_ms=st.floats(),
    http_status=st.none() | st.integers(),
    reason_phrase=st.text(ANY_CHAR, max_size=20),
    body=bodies,
    failure=st.none() | st.sampled_from(Failure),
    error=st.none() | hostile(),
    location=st.none() | hostile("http://[::1"),
    headers=st.lists(st.tuples(st.text(ANY_CHAR, max_size=10), hostile()), max_size=4).map(tuple),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(result=results, secrets=st.lists(hostile(), max_size=3), preview=st.integers(0, 3000))
def test_report_never_raises_on_junk_results(
    result: SendResult, secrets: list[str], preview: int
) -> None:
    lines = report_lines(result, secrets, preview=preview)
    assert lines
    json.dumps(result.as_json(), default=str)
    _ = result.exit_code, result.success, result.status_mismatch
    for secret in secrets:
        if len(secret) >= 4 and "•" not in secret:
            assert all(secret not in line.text for line in lines)

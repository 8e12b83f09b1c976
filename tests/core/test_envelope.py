"""Lenient envelope parsing (CONTRACT §2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstester.core.envelope import SHOW_LIMIT, parse_body


def test_documented_success() -> None:
    body = parse_body(
        b'{"success":true,"statusCode":200,"message":"The request was successful.",'
        b'"data":true,"errors":[]}',
        "application/json",
    )
    env = body.envelope
    assert env is not None
    assert env.success is True and env.status_code == 200 and env.data is True
    assert env.errors == ()


def test_error_items_strings_and_objects() -> None:
    body = parse_body(
        json.dumps(
            {
                "success": False,
                "statusCode": 400,
                "message": "bad",
                "errors": [
                    "plain",
                    {"code": 21211, "message": "bad To", "correlationId": "c-1"},
                    {"code": "X", "details": "more"},
                    None,
                    5,
                ],
            }
        ).encode()
    )
    env = body.envelope
    assert env is not None
    codes = [(e.code, e.message, e.details, e.correlation_id) for e in env.errors]
    assert codes[0] == (None, "plain", None, None)
    assert codes[1] == ("21211", "bad To", None, "c-1")
    assert codes[2] == ("X", None, "more", None)
    assert "21211" in env.errors[1].describe() and "c-1" in env.errors[1].describe()


def test_odd_types_do_not_break() -> None:
    env = parse_body(
        b'{"success":"false","statusCode":"404","errors":{"To":["required"]}}'
    ).envelope
    assert env is not None
    assert env.success is False and env.status_code == 404
    assert env.errors[0].code == "To" and env.errors[0].message == "required"


def test_html_is_kept_as_text() -> None:
    body = parse_body(b"<html><body>502 Bad Gateway</body></html>", "text/html")
    assert body.envelope is None and not body.is_json
    assert "502 Bad Gateway" in body.text
    assert "text/html" in body.note


def test_json_that_is_not_an_object() -> None:
    body = parse_body(b"[1,2]", "application/json")
    assert body.is_json and body.envelope is None and "not an envelope" in body.note


def test_huge_text_is_cut_for_showing() -> None:
    body = parse_body(b"x" * (SHOW_LIMIT + 10), "text/plain")
    assert len(body.text) == SHOW_LIMIT + 10
    assert body.shown_text.startswith("x" * SHOW_LIMIT)
    assert "cut" in body.shown_text and len(body.shown_text) < SHOW_LIMIT + 100


@pytest.mark.parametrize("raw", [b"", b"   ", b"\xff\xfe\x00", b"{", b"null", b'"s"'])
def test_never_raises_on_junk(raw: bytes) -> None:
    body = parse_body(raw)
    assert body.envelope is None


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_any_json_parses(value: object) -> None:
    body = parse_body(json.dumps({"errors": value, "statusCode": value, "success": value}).encode())
    assert body.envelope is not None
    for item in body.envelope.errors:
        assert isinstance(item.describe(), str)

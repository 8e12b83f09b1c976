"""Warnings before a send."""

from __future__ import annotations

import pytest
from support import GOOD

from smstester.core.preflight import preflight


def fields(**changes: str) -> dict[str, str]:
    return {n.field: n.text for n in preflight(GOOD.with_changes(**changes))}


def test_a_good_form_has_no_warning() -> None:
    assert fields(base_url="http://127.0.0.1:8000") == {}


def test_an_api_key_sid_is_named() -> None:
    assert "API Key SID" in fields(username="SK" + "a" * 32)["username"]


@pytest.mark.parametrize("username", ["AC123", "ACzz" + "0" * 30, "a" * 34])
def test_a_username_that_is_no_account_sid(username: str) -> None:
    assert "32 hex digits" in fields(username=username)["username"]


def test_from_equal_to() -> None:
    assert "same number" in fields(phone_to=GOOD.phone_from)["phone_to"]


def test_a_landline_in_to() -> None:
    assert "SMS cannot reach it" in fields(phone_to="+44 20 7946 0018")["phone_to"]


def test_the_twilio_test_from_against_a_live_host() -> None:
    assert "test number" in fields(base_url="https://protocol.jframework.io")["phone_from"]
    assert "phone_from" not in fields(base_url="http://127.0.0.1:8000")


def test_a_long_message() -> None:
    assert "21617" in fields(message="x" * 1601)["message"]
    assert "segments" in fields(message="x" * 1600)["message"]
    assert "message" not in fields(message="x" * 153 * 2)


def test_the_sandbox_demo_values_against_a_live_host() -> None:
    from smstester.sandbox import DemoConnection

    demo = DemoConnection(url="https://protocol.jframework.io").as_test()
    text = {n.field: n.text for n in preflight(demo)}["base_url"]
    assert "sandbox's public demo values" in text
    assert "Auth-Key" in text and "Password (Auth Token)" in text
    local = DemoConnection(url="http://127.0.0.1:9").as_test()
    assert "base_url" not in {n.field for n in preflight(local)}

"""Phone numbers as typed: status texts and E.164."""

from __future__ import annotations

import pytest

from smstester.core.phone import check_number


def test_valid_number_describes_format_region_and_type() -> None:
    check = check_number("+44 7911 123456")
    assert check.valid
    assert check.e164 == "+447911123456"
    assert "+44 7911 123456" in check.describe()
    assert "mobile" in check.describe()


def test_national_number_uses_region() -> None:
    assert check_number("020 7946 0018", "GB").e164 == "+442079460018"
    assert not check_number("020 7946 0018").valid


def test_landline_is_valid_but_warned() -> None:
    check = check_number("+44 20 7946 0018")
    assert check.valid
    assert not check.sms_capable
    assert "fixed line" in check.describe()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "required"),
        ("   ", "required"),
        ("+1 415", "too short"),
        ("+999 12345678", "invalid country code"),
        ("+1 415 555 26711234567", "too long"),
        ("call me", "not a phone number"),
    ],
)
def test_reasons(text: str, reason: str) -> None:
    check = check_number(text)
    assert not check.valid
    assert check.reason == reason
    assert check.describe() == reason


def test_twilio_magic_numbers_are_valid() -> None:
    for n in ("+15005550006", "+15005550001", "+15005550009"):
        assert check_number(n).e164 == n


@pytest.mark.parametrize(
    "typed", ["+1 415 555 2671 ext 5", "+14155552671 x5", "+1 415-555-2671;ext=5"]
)
def test_an_extension_is_refused_not_dropped(typed: str) -> None:
    check = check_number(typed)
    assert check.e164 is None
    assert "extension (ext 5)" in check.reason


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("0044 20 7946 0018", "+442079460018"), ("00 1 415 555 2671", "+14155552671")],
)
def test_00_is_read_as_plus(typed: str, e164: str) -> None:
    assert check_number(typed).e164 == e164

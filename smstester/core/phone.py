"""Phone numbers: what a typed number is, or why it is not valid, and its E.164 form."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from smstester.core.fields import REQUIRED

# phonenumbers (~15 ms to import) is imported by the first check of a number that needs
# it, not with this module: an empty form's first paint never needs it.


class _Words:
    """phonenumbers' codes in words (a plain class: a dataclass costs ~0.7 ms to create)."""

    __slots__ = ("not_sms_capable", "parse_reasons", "possible_reasons", "types")

    def __init__(
        self,
        *,
        parse_reasons: dict[int, str],
        possible_reasons: dict[int, str],
        types: dict[int, str],
        not_sms_capable: frozenset[int],
    ) -> None:
        self.parse_reasons = parse_reasons
        self.possible_reasons = possible_reasons
        self.types = types
        #: Number types an SMS can never reach.
        self.not_sms_capable = not_sms_capable


@functools.cache
def _words() -> _Words:
    from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

    return _Words(
        parse_reasons={
            NumberParseException.INVALID_COUNTRY_CODE: "invalid country code",
            NumberParseException.NOT_A_NUMBER: "not a phone number",
            NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
            NumberParseException.TOO_SHORT_NSN: "too short",
            NumberParseException.TOO_LONG: "too long",
        },
        possible_reasons={
            ValidationResult.INVALID_COUNTRY_CODE: "invalid country code",
            ValidationResult.TOO_SHORT: "too short",
            ValidationResult.TOO_LONG: "too long",
            ValidationResult.INVALID_LENGTH: "wrong number of digits for its country",
        },
        types={
            PhoneNumberType.FIXED_LINE: "fixed line",
            PhoneNumberType.MOBILE: "mobile",
            PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed line or mobile",
            PhoneNumberType.TOLL_FREE: "toll free",
            PhoneNumberType.PREMIUM_RATE: "premium rate",
            PhoneNumberType.SHARED_COST: "shared cost",
            PhoneNumberType.VOIP: "VoIP",
            PhoneNumberType.PERSONAL_NUMBER: "personal number",
            PhoneNumberType.PAGER: "pager",
            PhoneNumberType.UAN: "UAN",
            PhoneNumberType.VOICEMAIL: "voicemail",
            PhoneNumberType.UNKNOWN: "unknown type",
        },
        not_sms_capable=frozenset(
            {
                PhoneNumberType.FIXED_LINE,
                PhoneNumberType.VOICEMAIL,
                PhoneNumberType.PAGER,
                PhoneNumberType.UAN,
            }
        ),
    )


@functools.cache
def calling_codes() -> dict[str, int]:
    """Every region phonenumbers supports ("US", "GB", ...) and its calling code (1, 44, ...),
    from its country code table: no region's metadata is loaded."""
    import phonenumbers

    table: dict[int, Any] = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    supported = phonenumbers.SUPPORTED_REGIONS
    return {code: cc for cc, codes in table.items() for code in codes if code in supported}


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """What a typed phone number is. `e164` is set exactly when the number is valid."""

    text: str
    e164: str | None = None
    international: str = ""
    region: str = ""
    kind: str = ""
    reason: str = ""
    sms_capable: bool = True

    @property
    def valid(self) -> bool:
        return self.e164 is not None

    def describe(self) -> str:
        """One line for a status label: the number, or why it is not valid."""
        if self.e164 is None:
            return self.reason
        where = f", {self.region}" if self.region else ""
        warning = " — SMS cannot reach a fixed line" if not self.sms_capable else ""
        return f"{self.international} ({self.kind}{where}){warning}"


def check_number(text: str, region: str | None = None) -> PhoneCheck:
    """Check `text` as typed; a national number (no `+`) needs `region`, e.g. "US"."""
    stripped = text.strip()
    if not stripped:
        return PhoneCheck(text, reason=REQUIRED)
    if not any(ch.isdigit() for ch in stripped):
        return PhoneCheck(text, reason="not a phone number")
    if stripped.startswith("00") and not region:
        # The international prefix most of the world dials: 0044 … is +44 ….
        stripped = "+" + stripped[2:].lstrip()
    if not stripped.startswith("+") and not region:
        return PhoneCheck(text, reason="start with + and the country code (no default region)")
    import phonenumbers
    from phonenumbers import NumberParseException, ValidationResult

    words = _words()
    try:
        number = phonenumbers.parse(stripped, (region or "").upper() or None)
    except NumberParseException as exc:
        reason = words.parse_reasons.get(exc.error_type, "not a phone number")
        return PhoneCheck(text, reason=reason)
    if number.extension:
        # phonenumbers keeps "ext 5" aside and E.164 has no room for it: it would be dropped.
        return PhoneCheck(
            text, reason=f"has an extension (ext {number.extension}): SMS cannot reach one"
        )
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible not in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        reason = words.possible_reasons.get(possible, "not a possible number")
        return PhoneCheck(text, reason=reason)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return PhoneCheck(text, reason="a local number: add the area code")
    if not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        return PhoneCheck(text, reason=f"not a valid number in {where}")
    kind = phonenumbers.number_type(number)
    return PhoneCheck(
        text,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        international=phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        region=phonenumbers.region_code_for_number(number) or "",
        kind=words.types.get(kind, "unknown type"),
        sms_capable=kind not in words.not_sms_capable,
    )

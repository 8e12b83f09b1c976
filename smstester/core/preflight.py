"""Warnings before a send: a form that will be accepted but is likely to fail, or to test the
wrong thing. Each names its field; the window shows it beside the field, `send` before the
report. Nothing here refuses a send (`request.normalized` does that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from smstester.core.fields import LABELS
from smstester.core.model import SmsTest
from smstester.core.phone import check_number
from smstester.core.request import is_loopback_host

#: Twilio's limit on a message, and the segment count past which a test is an outlier.
MAX_CHARACTERS: Final = 1600
MAX_SEGMENTS: Final = 10

_ACCOUNT_SID: Final = re.compile(r"AC[0-9a-fA-F]{32}")
#: The From number that only Twilio's test credentials accept.
TWILIO_TEST_FROM: Final = "+15005550006"


@dataclass(frozen=True, slots=True)
class Notice:
    """One warning about one field, in words."""

    field: str
    text: str

    def __str__(self) -> str:
        return f"{LABELS.get(self.field, self.field)}: {self.text}"


def _live(base_url: str) -> bool:
    """True for a base URL that is not this machine (a real jframework server). urllib, not
    httpx: this runs as the agent types, before httpx is loaded."""
    import urllib.parse

    try:
        host = urllib.parse.urlsplit(base_url.strip()).hostname
    except ValueError:
        return False
    return bool(host) and not is_loopback_host(host or "")


def _demo_values(test: SmsTest) -> list[str]:
    """The labels of the fields that hold the sandbox's demo values."""
    from smstester.core import model

    demo_values = {
        "auth_key": model.DEMO_AUTH_KEY,
        "username": model.DEMO_ACCOUNT_SID,
        "password": model.DEMO_AUTH_TOKEN,
        "brand_url": model.DEMO_BRAND_URL,
    }
    return [
        LABELS[name] for name, value in demo_values.items() if getattr(test, name).strip() == value
    ]


def account_sid_notice(username: str) -> Notice | None:
    """Words for a username that is not an Account SID, else None."""
    value = username.strip()
    if not value:
        return None
    if value.upper().startswith("SK"):
        return Notice(
            "username",
            "this is an API Key SID (SK…), not the Account SID (AC…): Twilio will refuse it "
            "(20003). The Account SID is on the Twilio Console's home page.",
        )
    if not _ACCOUNT_SID.fullmatch(value):
        return Notice("username", "an Account SID is AC followed by 32 hex digits")
    return None


def preflight(test: SmsTest) -> list[Notice]:
    """Every warning for `test` (empty when nothing looks wrong)."""
    from smstester.core.segments import count_segments

    notices: list[Notice] = []
    sid = account_sid_notice(test.username)
    if sid is not None:
        notices.append(sid)
    checks = {
        name: check_number(getattr(test, name), test.region) for name in ("phone_from", "phone_to")
    }
    sender, recipient = checks["phone_from"], checks["phone_to"]
    if sender.e164 and sender.e164 == recipient.e164:
        notices.append(Notice("phone_to", "is the same number as From"))
    if recipient.e164 and not recipient.sms_capable:
        notices.append(Notice("phone_to", f"is a {recipient.kind}: SMS cannot reach it"))
    live = _live(test.base_url)
    if live and _demo_values(test):
        notices.append(
            Notice(
                "base_url",
                f"the {' and '.join(_demo_values(test))} are the sandbox's public demo values: "
                "a real jframework server will refuse them",
            )
        )
    if sender.e164 == TWILIO_TEST_FROM and live:
        notices.append(
            Notice(
                "phone_from",
                f"{TWILIO_TEST_FROM} is Twilio's test number: it works only with Twilio's test "
                "credentials, never with a live account",
            )
        )
    if test.message:
        info = count_segments(test.message)
        if info.utf16_length > MAX_CHARACTERS:
            notices.append(
                Notice(
                    "message",
                    f"{info.utf16_length:,} characters: over Twilio's {MAX_CHARACTERS:,} "
                    "(Twilio will refuse it: 21617)",
                )
            )
        elif info.segments > MAX_SEGMENTS:
            notices.append(
                Notice("message", f"{info.segments} segments: a test rarely needs more than 1")
            )
    return notices

"""The sandbox's jframework account side (CONTRACT §5a): the demo brand, its user, its app
integrations and SMS settings, and the Auth-Keys a sign-in issues.

Data and bookkeeping only; the endpoints that answer with them are `app.SandboxApp`'s.

- The demo brand is the Brand-URL of `core.model.DEMO_BRAND_URL`; its one user signs in
  with `DEMO_LOGIN_USERNAME` or `DEMO_LOGIN_EMAIL` (either compared case-blind) and
  `DEMO_LOGIN_PASSWORD` (exactly).
- Its app integrations: `demo-twilio` (SMS, Active: the one the SMS test sends with), an
  Inactive SMS one (`INACTIVE_INTEGRATION_ID`: the SMS test refuses it with 409
  `AppIntegrationInactive`), and an Active one that is not SMS (refused with 400
  `AppIntegrationUnsupported`), so that every filter of the list has something to drop.
- Its SMS settings: the default, Active, with the demo Twilio credentials; and an Inactive
  one on the inactive integration.
- `IssuedKeys` keeps what a sign-in issued as a 16-byte hash of each key, never the key,
  at most `MAX_ISSUED_KEYS` of them (the oldest is forgotten first: a flood of sign-ins
  costs a bounded amount of memory). A key works until its expiry, which is
  `--auth-key-ttl` seconds after the sign-in; the demo Auth-Key of §3 never expires.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import math
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Final

from smstester.core import model as demo

#: The demo brand, as `GET brands/by-url` answers it.
DEMO_BRAND_ID: Final = "9a3c5e1f-0b7d-4c2a-8e6f-5d4b3a291807"
DEMO_BRAND_NAME: Final = "Sandbox Demo Brand"

#: The demo user's id (the one user of the demo brand).
DEMO_USER_ID: Final = "4f1e2d3c-5b6a-4789-9a0b-c1d2e3f40516"

#: The SMS integration whose setting is Inactive (the SMS test refuses it, 409).
INACTIVE_INTEGRATION_ID: Final = "demo-messagebird"

#: A listed integration that is not of type SMS (the SMS test refuses it, 400).
NOT_SMS_INTEGRATION_ID: Final = "demo-sendgrid"

#: jframework's words for a wrong sign-in (the envelope's message and its error item's).
INCORRECT_SIGN_IN: Final = "The username or password incorrect."

#: Auth-Keys issued by sign-ins that are remembered at most (the oldest goes first).
MAX_ISSUED_KEYS: Final = 4096

#: `--auth-key-ttl` at most: ten years (beyond, an expiry is past any calendar's use).
MAX_AUTH_KEY_TTL: Final = 10 * 365 * 86400.0

#: Wrong sign-ins per login name within `SIGN_IN_WINDOW` seconds before it answers 429.
MAX_SIGN_IN_FAILURES: Final = 5
SIGN_IN_WINDOW: Final = 60.0


def check_ttl(value: float, given: str | None = None) -> float:
    """`value` when it is a usable Auth-Key lifetime in seconds; else ValueError in words
    (`given`: the value as the user typed it, for those words)."""
    shown = repr(value) if given is None else repr(given)
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"the Auth-Key lifetime must be a number of seconds greater than 0 (got {shown})"
        )
    if value > MAX_AUTH_KEY_TTL:
        raise ValueError(
            f"the Auth-Key lifetime must be at most {MAX_AUTH_KEY_TTL:.0f} seconds "
            f"(ten years; got {shown})"
        )
    return float(value)


def iso_utc(seconds: float) -> str:
    """An instant (seconds since 1970) as ISO-8601 UTC to the second, `2026-12-01T12:34:56Z`.

    The fraction is cut, never rounded up: a client that trusts the text never holds a key
    longer than it works. Past the calendar's end it is the calendar's last second."""
    try:
        when = dt.datetime.fromtimestamp(math.floor(seconds), dt.UTC)
    except (OverflowError, OSError, ValueError):
        when = dt.datetime.max.replace(tzinfo=dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the demo brand's data ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    email_address: str
    password: str

    def as_json(self) -> dict[str, Any]:
        """`GET users/me`'s answer (never the password)."""
        return {"id": self.id, "username": self.username, "emailAddress": self.email_address}


@dataclass(frozen=True, slots=True)
class Integration:
    id: str
    type: str
    name: str
    domain: str
    description: str
    logo_url: str
    status: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "domain": self.domain,
            "description": self.description,
            "logoURL": self.logo_url,
            "status": self.status,
        }

    def matches(self, *, kind: str = "", status: str = "", keywords: str = "") -> bool:
        """The list's filters: type and status equal case-blind, keywords a case-blind
        part of the name or the description; an empty filter keeps everything."""
        words = keywords.casefold()
        return (
            (not kind or kind.casefold() == self.type.casefold())
            and (not status or status.casefold() == self.status.casefold())
            and (words in self.name.casefold() or words in self.description.casefold())
        )


@dataclass(frozen=True, slots=True)
class SmsSetting:
    id: str
    app_integration_id: str
    name: str
    username: str
    password: str
    phone_number: str
    description: str
    status: str
    is_default: bool

    def as_json(self) -> dict[str, Any]:
        """As jframework lists it: the password in clear (clients must treat it as a secret)."""
        return {
            "id": self.id,
            "appIntegrationId": self.app_integration_id,
            "name": self.name,
            "username": self.username,
            "password": self.password,
            "phoneNumber": self.phone_number,
            "description": self.description,
            "status": self.status,
            "isDefault": self.is_default,
        }


DEMO_USER: Final = User(
    DEMO_USER_ID, demo.DEMO_LOGIN_USERNAME, demo.DEMO_LOGIN_EMAIL, demo.DEMO_LOGIN_PASSWORD
)

#: Every user of the demo brand.
USERS: Final = (DEMO_USER,)

DEMO_INTEGRATIONS: Final = (
    Integration(
        demo.DEMO_INTEGRATION_ID,
        "SMS",
        "Twilio (sandbox)",
        "twilio.com",
        "Sends SMS through Twilio; the sandbox plays Twilio's test credentials.",
        "https://www.twilio.com/favicon.ico",
        "Active",
    ),
    Integration(
        INACTIVE_INTEGRATION_ID,
        "SMS",
        "MessageBird (sandbox, inactive)",
        "messagebird.com",
        "A second SMS provider of the demo brand, switched off.",
        "https://www.messagebird.com/favicon.ico",
        "Inactive",
    ),
    Integration(
        NOT_SMS_INTEGRATION_ID,
        "Email",
        "SendGrid (sandbox)",
        "sendgrid.com",
        "Sends e-mail; not an SMS integration.",
        "https://sendgrid.com/favicon.ico",
        "Active",
    ),
)

DEMO_SMS_SETTINGS: Final = (
    SmsSetting(
        "b6f0c2a4-1d3e-4f5a-9b7c-8d9e0f1a2b3c",
        demo.DEMO_INTEGRATION_ID,
        "Sandbox Twilio (default)",
        demo.DEMO_ACCOUNT_SID,
        demo.DEMO_AUTH_TOKEN,
        demo.DEMO_PHONE_FROM,
        "The demo brand's SMS sender: Twilio's test credentials.",
        "Active",
        True,
    ),
    SmsSetting(
        "c7a1d3b5-2e4f-4a6b-8c8d-9e0f1a2b3c4d",
        INACTIVE_INTEGRATION_ID,
        "Old MessageBird sender",
        "messagebird-demo",
        "mb-demo-password-0000",
        "+15005550007",
        "Switched off: the SMS test refuses it.",
        "Inactive",
        False,
    ),
)


def find_user(field_name: str, login: str) -> User | None:
    """The user whose username (`field_name` "username") or e-mail address (else) is
    `login`, case-blind; or None."""
    folded = login.casefold()
    for user in USERS:
        known = user.username if field_name == "username" else user.email_address
        if folded == known.casefold():
            return user
    return None


def user_by_id(user_id: str) -> User | None:
    for user in USERS:
        if user.id == user_id:
            return user
    return None


# --- issued Auth-Keys ----------------------------------------------------------------------


def _digest(key: str) -> bytes:
    return hashlib.blake2b(
        key.encode("utf-8", "surrogatepass"), digest_size=16, person=b"sms-authkey"
    ).digest()


class IssuedKeys:
    """The Auth-Keys sign-ins issued and until when each works. Thread-safe.

    A key is kept as a 16-byte hash, never as issued, with its expiry and its user's id;
    at most `max_keys` of them: past that, the oldest issued is forgotten (it stops working
    early). Expired keys are forgotten as new ones are issued.
    """

    def __init__(self, max_keys: int = MAX_ISSUED_KEYS) -> None:
        self.max_keys = max(1, max_keys)
        # Oldest issued first; with one TTL per server, that is also soonest to expire.
        self._keys: collections.OrderedDict[bytes, tuple[float, str]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def issue(self, user_id: str, *, now: float, expires_at: float) -> str:
        """A fresh random Auth-Key for `user_id`, working until `expires_at`; the keys
        expired by `now` are forgotten first."""
        key = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired(now)
            self._keys[_digest(key)] = (expires_at, user_id)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
        return key

    def _forget_expired(self, now: float) -> None:
        while self._keys and next(iter(self._keys.values()))[0] <= now:
            self._keys.popitem(last=False)

    def user(self, key: str, now: float) -> str | None:
        """The id of the user `key` was issued to, while it works; else None."""
        with self._lock:
            found = self._keys.get(_digest(key))
        if found is None or now >= found[0]:
            return None
        return found[1]

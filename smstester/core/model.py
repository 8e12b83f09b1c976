"""What one test send is, independent of how it is sent: `SmsTest`, what can be wrong with
it (`Problem`, `InvalidInput`), the base URLs and the timeout rule (`check_seconds`).

No httpx here: the profile store, the form and the CLI's parser read these without paying
for the HTTP stack (`request` builds and checks the `httpx.Request`, `client` sends it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Final

from smstester import __version__
from smstester.core.fields import LABELS, REQUIRED, SECRET_FIELDS

LIVE_BASE_URL: Final = "https://protocol.jframework.io"
DEV_BASE_URL: Final = "https://protocol.jframework.dev"
DEFAULT_BASE_URL: Final = LIVE_BASE_URL
USER_AGENT: Final = f"smstester/{__version__}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one field, in words a support agent understands."""

    field: str
    reason: str

    @property
    def missing(self) -> bool:
        """The field is empty (rather than holding something that cannot be sent)."""
        return self.reason == REQUIRED

    def __str__(self) -> str:
        return f"{LABELS.get(self.field, self.field)}: {self.reason}"


class InvalidInput(ValueError):
    """The input cannot be sent; `problems` names every field that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class SmsTest:
    """Everything one test send needs. Secrets are never shown by `repr`."""

    base_url: str = DEFAULT_BASE_URL
    brand_url: str = ""
    integration_id: str = ""
    auth_key: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    phone_from: str = ""
    phone_to: str = ""
    message: str = ""
    #: Region for numbers typed without +country code ("US", "GB", ...).
    region: str | None = None

    def with_changes(self, **changes: str | None) -> SmsTest:
        """A copy with some fields changed (`None` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def secrets(self) -> tuple[str, ...]:
        """The secret values this test carries (non-empty ones)."""
        values = (getattr(self, name) for name in SECRET_FIELDS)
        return tuple(v for v in values if v)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


#: The longest wait any timeout may name: an hour (a larger one is a typo, not a wish).
MAX_SECONDS: Final = 3600.0


def check_seconds(value: float, what: str = "timeout") -> float:
    """`value` when it is a usable number of seconds (finite, > 0, at most an hour);
    else ValueError with the reason in words (`what` names the setting)."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a number of seconds greater than 0 (got {value!r})")
    if value > MAX_SECONDS:
        raise ValueError(f"{what} must be at most {MAX_SECONDS:g} seconds (got {value:g})")
    return value


# --- the sandbox's demo connection (CONTRACT §3 `sandbox --json`, §5) ---------------------
# Constants on purpose: a README, a training handout or a test can show them, and every
# sandbox started anywhere accepts them. None is a real secret. They live here, not in the
# sandbox, because the pre-flight check warns when they are sent to a real server.

#: The Brand-URL header value the sandbox knows (compared case-insensitively; an
#: `http://` / `https://` scheme and a trailing `/` are ignored).
DEMO_BRAND_URL: Final = "sandbox.smstester.local"

#: The Auth-Key header value the sandbox accepts.
DEMO_AUTH_KEY: Final = "sandbox-demo-auth-key-7f3a9c1e"

#: The app integration id (path segment) of the sandbox's Twilio integration.
DEMO_INTEGRATION_ID: Final = "demo-twilio"

#: `username`: a Twilio test Account SID (`AC` + 32 hex digits).
DEMO_ACCOUNT_SID: Final = "ACa1b2c3d4e5f60718293a4b5c6d7e8f90"

#: `password`: the Twilio test Auth Token (32 hex digits) that goes with the SID.
DEMO_AUTH_TOKEN: Final = "f3c9a0d27b6e4e1c8a5d9b2e7f41c630"  # noqa: S105 (a public demo value)

#: `phoneNumberFrom`: Twilio's magic "valid sender" test number.
DEMO_PHONE_FROM: Final = "+15005550006"

#: A `phoneNumberTo` that the sandbox accepts (any valid E.164 number that is not one of
#: the magic failure numbers would do).
DEMO_PHONE_TO: Final = "+14155552671"

# --- the sandbox's demo sign-in (CONTRACT §5a) ----------------------------------------------

#: The demo user's username for `POST /api/v1/users/auth`.
DEMO_LOGIN_USERNAME: Final = "demo-support"

#: The same user's e-mail address (signs in as well as the username).
DEMO_LOGIN_EMAIL: Final = "support@sandbox.smstester.local"

#: The demo user's password (public, like every demo value here).
DEMO_LOGIN_PASSWORD: Final = "sandbox-demo-password"  # noqa: S105 (a public demo value)

#: Seconds an Auth-Key issued by the sandbox's sign-in stays valid (`--auth-key-ttl`).
DEMO_AUTH_KEY_TTL: Final = 3600.0

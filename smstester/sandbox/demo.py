"""The sandbox's fixed demo connection (CONTRACT §3 `sandbox --json`, §5).

These values are constants on purpose: a README, a training handout or a test can show
them, and every sandbox started anywhere accepts them. None of them is a real secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from smstester.core.model import SmsTest

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

#: A message body for demos.
DEMO_MESSAGE: Final = "Hello from the smstester sandbox!"


@dataclass(frozen=True)
class DemoConnection:
    """A complete, working connection to one running sandbox server."""

    url: str
    brand_url: str = DEMO_BRAND_URL
    auth_key: str = DEMO_AUTH_KEY
    integration_id: str = DEMO_INTEGRATION_ID
    username: str = DEMO_ACCOUNT_SID
    password: str = DEMO_AUTH_TOKEN
    phone_from: str = DEMO_PHONE_FROM
    #: Not part of `as_contract_json`; a recipient the sandbox accepts, for filling in forms.
    phone_to: str = DEMO_PHONE_TO
    #: Not part of `as_contract_json`; a message body for filling in forms.
    message: str = DEMO_MESSAGE

    def as_test(self) -> SmsTest:
        """The demo connection as the SmsTest a form or a client sends: each field of the
        table that it has (`url` is the base URL); the others keep their defaults."""
        from smstester.core.fields import FIELDS
        from smstester.core.model import SmsTest

        values = {field.name: getattr(self, field.name, None) for field in FIELDS}
        values["base_url"] = self.url
        return SmsTest(**{name: value for name, value in values.items() if value is not None})

    def as_contract_json(self) -> dict[str, str]:
        """The object `smstester sandbox --json` prints (CONTRACT §3), keys exactly as there."""
        return {
            "url": self.url,
            "brandUrl": self.brand_url,
            "authKey": self.auth_key,
            "integrationId": self.integration_id,
            "username": self.username,
            "password": self.password,
            "phoneNumberFrom": self.phone_from,
        }

"""The sandbox's fixed demo connection (CONTRACT §3 `sandbox --json`, §5).

The values themselves are constants of `core.model` (the pre-flight check knows them too);
a README, a training handout or a test can show them. None of them is a real secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from smstester.core.model import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_KEY,
    DEMO_AUTH_TOKEN,
    DEMO_BRAND_URL,
    DEMO_INTEGRATION_ID,
    DEMO_LOGIN_PASSWORD,
    DEMO_LOGIN_USERNAME,
    DEMO_PHONE_FROM,
    DEMO_PHONE_TO,
)

if TYPE_CHECKING:
    from smstester.core.model import SmsTest

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
    #: The demo sign-in (CONTRACT §5a), in `as_sandbox_json` only.
    login_username: str = DEMO_LOGIN_USERNAME
    login_password: str = DEMO_LOGIN_PASSWORD

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

    def as_sandbox_json(self) -> dict[str, str]:
        """The object `smstester sandbox --json` prints: `as_contract_json`'s keys as they
        are, then the demo sign-in, `loginUsername` and `loginPassword` (CONTRACT §5a)."""
        return {
            **self.as_contract_json(),
            "loginUsername": self.login_username,
            "loginPassword": self.login_password,
        }

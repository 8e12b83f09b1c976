"""The sandbox: a local stand-in for jframework's SMS test endpoint (CONTRACT §5), and
for the account endpoints around it (§5a: sign-in, the Auth-Key check, the user, the brand,
its app integrations and SMS settings).

Stdlib only, no Qt. `SandboxServer` serves it over HTTP; `DemoConnection` is a complete
working connection to one; the demo credentials are constants of `core.model`, the demo
brand's data is in `accounts`, the fault modes (integration ids starting with `fault-`)
are listed in `FAULTS`.
"""

from smstester.core.model import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_KEY,
    DEMO_AUTH_TOKEN,
    DEMO_BRAND_URL,
    DEMO_INTEGRATION_ID,
    DEMO_PHONE_FROM,
    DEMO_PHONE_TO,
)
from smstester.sandbox.demo import DEMO_MESSAGE, DemoConnection
from smstester.sandbox.faults import FAULTS
from smstester.sandbox.server import SandboxServer

__all__ = [
    "DEMO_ACCOUNT_SID",
    "DEMO_AUTH_KEY",
    "DEMO_AUTH_TOKEN",
    "DEMO_BRAND_URL",
    "DEMO_INTEGRATION_ID",
    "DEMO_MESSAGE",
    "DEMO_PHONE_FROM",
    "DEMO_PHONE_TO",
    "FAULTS",
    "DemoConnection",
    "SandboxServer",
]

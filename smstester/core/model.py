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

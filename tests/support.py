"""Test helpers shared by the suites: a sample request and an in-memory keyring."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from smstester.core.model import SmsTest

#: A request that is valid in every field.
GOOD = SmsTest(
    base_url="https://protocol.jframework.io",
    brand_url="brand.example.com",
    integration_id="0f3c2a",
    auth_key="key-123",
    username="AC" + "a" * 32,
    password="tok",
    phone_from="+15005550006",
    phone_to="+14155552671",
    message="hello",
)


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict: no test ever reads or writes the real user's keyring."""

    priority: float = 5
    viable = False  # never picked by keyring's own discovery

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("no such password")
        del self.entries[(service, username)]

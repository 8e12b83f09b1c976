"""Test helpers shared by the suites: a sample request, an in-memory keyring, a profile."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from smstester.core.model import SmsTest
from smstester.core.profiles import Profile
from smstester.core.request import build_request, normalized, request_headers

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


AUTH_KEY = "ak-5e1f-SECRET-value"
TOKEN = "tok-9c2d-SECRET-value"


def acme(**changes: object) -> Profile:
    values: dict[str, object] = {
        "name": "Acme",
        "brand_url": "acme.example.com",
        "integration_id": "int-1",
        "username": "AC" + "1" * 32,
        "phone_from": "+15005550006",
        "phone_to": "+14155552671",
        "message": "hello",
        "region": "US",
    }
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


def expected_argv(test: SmsTest) -> list[bytes]:
    """The arguments curl must get for `test`: exactly the request smstester sends."""
    request = build_request(test)
    argv = [b"-sS", b"-X", b"POST", b"--globoff", b"--path-as-is", b"--url"]
    argv.append(str(request.url).encode())
    for name, value in request_headers(normalized(test)).items():
        argv += [b"-H", f"{name}: {value}".encode()]
    argv += [b"--data-raw", request.content]
    return argv

"""Test helpers shared by the suites: a sample request, an in-memory keyring, a profile."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from smstester.core.model import SmsTest
from smstester.core.profiles import Profile
from smstester.core.request import build_request, normalized, request_headers
from smstester.sandbox import DemoConnection

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


#: Sends to the sandbox (changes to its demo connection) and the diagnosis each must get:
#: code, side and words of its title, cause or steps (every magic number, wrong setting).
DIAGNOSED_SENDS: list[tuple[dict[str, str], str, str, str]] = [
    ({"phone_from": "+15005550001"}, "21212", "twilio", "From"),
    ({"phone_from": "+15005550008"}, "21611", "twilio", "Wait"),
    ({"phone_from": "+15005550007"}, "21606", "twilio", "SMS capability"),
    ({"phone_to": "+15005550001"}, "21211", "twilio", "To number"),
    ({"phone_to": "+15005550002"}, "21612", "carrier", "another From"),
    ({"phone_to": "+15005550003"}, "21408", "twilio", "Geo permissions"),
    ({"phone_to": "+15005550004"}, "21610", "carrier", "START"),
    ({"phone_to": "+15005550009"}, "21614", "carrier", "mobile"),
    ({"password": "0" * 32}, "20003", "twilio", "Account SID"),
    ({"auth_key": "wrong-key"}, "Unauthorized", "jframework", "Sign in again"),
    ({"integration_id": "no-such-integration"}, "AppIntegrationNotFound", "jframework", "id"),
    ({"brand_url": "nobody.example"}, "BrandNotFound", "jframework", "Brand-URL"),
    ({"message": "x" * 1601}, "21617", "input", "1,600"),
]

#: The sandbox's fault modes and the diagnosis each must get.
DIAGNOSED_FAULTS: list[tuple[str, str, str, str]] = [
    ("fault-500", "InternalServerError", "server", "correlation id"),
    ("fault-502", "not-envelope", "server", "captive portal"),
    ("fault-html", "not-envelope", "server", "raw answer"),
    ("fault-notjson", "not-envelope", "server", "base URL"),
    ("fault-empty", "not-envelope", "server", "base URL"),
    ("fault-drop", "dropped", "network", "again"),
    ("fault-huge", "too-large", "server", "base URL"),
    ("fault-redirect", "redirect", "server", "base URL"),
    ("fault-redirect-loop", "redirect", "server", "base URL"),
    ("fault-wrong-status", "InternalServerError", "server", "statusCode 500"),
]


def demo_flag_values(demo: DemoConnection, **changes: str) -> dict[str, str]:
    """The connection flags of a send to the sandbox's demo, by flag (`--base-url`: …);
    `changes` by field-like name (`phone_to="…"` is `--phone-to`, `to="…"` is `--to`)."""
    values = {
        "--base-url": demo.url,
        "--brand-url": demo.brand_url,
        "--integration-id": demo.integration_id,
        "--username": demo.username,
        "--from": demo.phone_from,
        "--to": demo.phone_to,
        "--message": "hello",
    }
    for key, value in changes.items():
        values["--" + key.replace("_", "-")] = value
    return values


def demo_flags(demo: DemoConnection, **changes: str) -> list[str]:
    """`demo_flag_values` as an argument list."""
    return [part for pair in demo_flag_values(demo, **changes).items() for part in pair]


def answer_at_a_terminal(
    argv: list[str], env: dict[str, str], prompt: bytes, answer: str, *, seconds: float = 30
) -> tuple[int, bytes, bool]:
    """Run `argv` on a real pseudo-terminal; when `prompt` shows, type `answer` and Enter.
    Returns the exit code, everything the terminal showed, and whether the answer was
    typed (a prompt that never came is the caller's to assert)."""
    import os
    import pty
    import select
    import subprocess
    import time

    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        argv, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    seen, typed = b"", False
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the child has gone and closed its end
                    break
                if not chunk:
                    break
                seen += chunk
            if not typed and prompt in seen:
                os.write(controller, answer.encode() + b"\n")
                typed = True
            if child.poll() is not None and not ready:
                break
        code = child.wait(timeout=seconds)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(controller)
    return code, seen, typed

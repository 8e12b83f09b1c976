"""Every magic number and fault of the real sandbox (127.0.0.1), sent by the real client, gets
the diagnosis an agent can act on: the code, whose side, and the key words of its steps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smstester.core.client import SmsClient, Timeouts
from smstester.core.diagnosis import diagnose
from smstester.core.model import SmsTest
from smstester.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(slow_seconds=0.2).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[SmsClient]:
    with SmsClient(timeouts=Timeouts(connect=2, read=2, total=5)) as client:
        yield client


def sent(sandbox: SandboxServer, client: SmsClient, **changes: str) -> tuple[str, str, str]:
    test: SmsTest = sandbox.demo.as_test().with_changes(**changes)
    found = diagnose(client.send(test))
    assert found is not None, "a failure always has a diagnosis"
    return found.code, found.side, " ".join((found.title, found.cause, *found.steps))


@pytest.mark.parametrize(
    ("changes", "code", "side", "words"),
    [
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
    ],
)
def test_magic_numbers_and_wrong_settings(
    sandbox: SandboxServer,
    client: SmsClient,
    changes: dict[str, str],
    code: str,
    side: str,
    words: str,
) -> None:
    got_code, got_side, text = sent(sandbox, client, **changes)
    assert (got_code, got_side) == (code, side)
    assert words in text


@pytest.mark.parametrize(
    ("fault", "code", "side", "words"),
    [
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
    ],
)
def test_fault_modes(
    sandbox: SandboxServer, client: SmsClient, fault: str, code: str, side: str, words: str
) -> None:
    got_code, got_side, text = sent(sandbox, client, integration_id=fault)
    assert (got_code, got_side) == (code, side)
    assert words in text


def test_the_sandbox_down(client: SmsClient) -> None:
    server = SandboxServer().start()
    test = server.demo.as_test()
    server.stop()
    found = diagnose(client.send(test))
    assert found is not None
    assert (found.code, found.side) == ("refused", "network")
    assert "base URL" in " ".join(found.steps)


def test_a_good_send_has_none(sandbox: SandboxServer, client: SmsClient) -> None:
    assert diagnose(client.send(sandbox.demo.as_test())) is None

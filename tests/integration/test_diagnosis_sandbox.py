"""Every magic number and fault of the real sandbox (127.0.0.1), sent by the real client, gets
the diagnosis an agent can act on: the code, whose side, and the key words of its steps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import DIAGNOSED_FAULTS, DIAGNOSED_SENDS

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


@pytest.mark.parametrize(("changes", "code", "side", "words"), DIAGNOSED_SENDS)
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


@pytest.mark.parametrize(("fault", "code", "side", "words"), DIAGNOSED_FAULTS)
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

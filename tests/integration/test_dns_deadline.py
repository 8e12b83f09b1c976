"""A host name whose look-up never ends (a resolver that does not answer) cannot hold a send
past its whole-send limit, nor past a cancel: the look-up runs aside and is waited for only
as long as the send may still take. The resolver is made slow here (the system's own cannot
be told to hang); the connection after it is real, to a loopback server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from support import GOOD

from smstester.core.client import CancelToken, Failure, SmsClient, Timeouts
from smstester.sandbox import SandboxServer

SLOW_HOST = "slow-dns.invalid"


@pytest.fixture
def slow_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """getaddrinfo of SLOW_HOST hangs until released (at the test's end); any other name
    is looked up as usual."""
    release = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == SLOW_HOST:
            release.wait(60)
            return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield release
    release.set()


def test_a_hanging_look_up_ends_at_the_whole_sends_limit(slow_dns: threading.Event) -> None:
    test = GOOD.with_changes(base_url=f"http://{SLOW_HOST}:9")
    with SmsClient(timeouts=Timeouts(connect=30, read=30, total=1.0)) as client:
        started = time.monotonic()
        result = client.send(test)
        took = time.monotonic() - started
    assert took < 2.5, f"the send took {took:.1f} s, past its 1 s limit"
    assert result.failure is Failure.DNS
    assert result.error is not None and SLOW_HOST in result.error
    assert "1 s" in result.error


def test_a_cancel_ends_a_hanging_look_up(slow_dns: threading.Event) -> None:
    test = GOOD.with_changes(base_url=f"http://{SLOW_HOST}:9")
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    with SmsClient(timeouts=Timeouts(connect=30, read=30, total=30)) as client:
        started = time.monotonic()
        result = client.send(test, cancel)
        took = time.monotonic() - started
    assert took < 2.0, f"the cancel took {took:.1f} s"
    assert result.failure is Failure.CANCELLED


def test_names_that_resolve_still_connect_through_the_bounded_look_up() -> None:
    """`localhost` goes through the same look-up, then every address it gives is tried."""
    with SandboxServer() as sandbox:
        port = sandbox.url.rsplit(":", 1)[1]
        test = GOOD.with_changes(base_url=f"http://localhost:{port}")
        with SmsClient(timeouts=Timeouts(total=10)) as client:
            result = client.send(test)
    assert result.http_status is not None, result.error

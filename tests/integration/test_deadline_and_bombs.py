"""Hostile answers over real sockets on 127.0.0.1: the exit code says whether the server
answered (a status line came) or not.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
from faulty_servers import (
    LoopbackServer,
    cut_success,
    huge_body,
)
from support import GOOD

from smstester.cli import main
from smstester.core.client import Failure, SendResult, SmsClient, Timeouts

#: A send still running this long after its limit is cut by the test itself.
WATCHDOG = 5.0


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Neither the client nor the servers leave a thread running."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        assert not thread.is_alive(), thread


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@contextlib.contextmanager
def watchdog(server: LoopbackServer, seconds: float) -> Iterator[None]:
    """Stops `server` (cutting its connections) if the block still runs after `seconds`:
    a send that would never end fails its test instead of hanging it."""
    timer = threading.Timer(seconds, server.stop)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()


def send_to(server: LoopbackServer, timeouts: Timeouts) -> tuple[SendResult, float]:
    """Send the sample request to `server`; the result and how long the send took."""
    with SmsClient(timeouts=timeouts) as client, watchdog(server, timeouts.total + WATCHDOG):
        started = time.perf_counter()
        result = client.send(GOOD.with_changes(base_url=server.url))
        return result, time.perf_counter() - started


def whole_send(seconds: float) -> Timeouts:
    """The timeouts `send --timeout S` builds: no single wait longer than the whole."""
    return Timeouts(connect=min(10.0, seconds), read=min(30.0, seconds), total=seconds)


def cli_env() -> dict[str, str]:
    return dict(
        os.environ,
        SMSTESTER_AUTH_KEY=GOOD.auth_key,
        SMSTESTER_PASSWORD=GOOD.password,
        NO_PROXY="*",
    )


def cli_args(server: LoopbackServer, *extra: str) -> list[str]:
    return [
        "send",
        "--base-url",
        server.url,
        "--brand-url",
        GOOD.brand_url,
        "--integration-id",
        GOOD.integration_id,
        "--username",
        GOOD.username,
        "--from",
        GOOD.phone_from,
        "--to",
        GOOD.phone_to,
        *extra,
    ]


# --- exit codes say who answered -------------------------------------------------------


def test_a_500_with_a_10_mb_body_exits_1_and_says_the_body_was_cut(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", GOOD.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", GOOD.password)
    with LoopbackServer(huge_body(10_000_000, "500 Internal Server Error")) as server:
        assert main(cli_args(server, "--timeout", "10")) == 1
        out = capsys.readouterr().out
        assert main(cli_args(server, "--timeout", "10", "--json")) == 1
        answer = json.loads(capsys.readouterr().out)
    assert "HTTP 500" in out
    assert "Incomplete answer: The answer is larger than 5 MiB; only the start was read." in out
    assert answer["httpStatus"] == 500
    assert answer["error"] == "The answer is larger than 5 MiB; only the start was read."


def test_a_success_envelope_cut_short_is_no_success(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", GOOD.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", GOOD.password)
    with LoopbackServer(cut_success) as server:
        result, _ = send_to(server, whole_send(5))
        assert main(cli_args(server, "--timeout", "5")) == 1
    assert result.failure is Failure.DROPPED
    assert result.body is not None
    assert result.body.envelope is not None
    assert result.body.envelope.success is True
    assert not result.success
    assert result.exit_code == 1
    assert "Incomplete answer:" in capsys.readouterr().out

"""The client's limits, fast: bodies decoded by the client itself and never past `max_body`,
`Accept-Encoding: identity` on every request, one deadline for the whole send, and exit codes
that say whether the server answered. Fakes (httpx.MockTransport) here; the same paths over
real sockets are in tests/integration/test_deadline_and_bombs.py.
"""

from __future__ import annotations

import _thread
import dataclasses
import gzip
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from faulty_servers import gzip_bomb
from support import GOOD

from smstester.core.client import Failure, SendResult, SmsClient, Timeouts
from smstester.core.envelope import parse_body

SUCCESS = json.dumps(
    {"success": True, "statusCode": 200, "message": "sent", "data": {"sid": "SM1"}, "errors": []}
).encode()


def answering(
    body: bytes, encoding: str | None = None
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport that answers every request 200 with `body`, sent as is (labelled
    `Content-Encoding: encoding`); the requests it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"Content-Type": "application/json"}
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        # `stream=`, not `content=`: with content, httpx reads (and decodes) it at once.
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))

    return httpx.MockTransport(handle), seen


def send(transport: httpx.BaseTransport, **options: object) -> SendResult:
    with SmsClient(transport=transport, **options) as client:  # type: ignore[arg-type]
        return client.send(GOOD)


# --- what is asked for ---------------------------------------------------------------


def test_every_request_asks_for_no_compression() -> None:
    transport, seen = answering(SUCCESS)
    assert send(transport).success
    assert seen[0].headers["accept-encoding"] == "identity"


# --- decoding, by the client, bounded ------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("deflate, gzip", lambda data: gzip.compress(zlib.compress(data))),
        ("GZip , identity", gzip.compress),
        ("identity", lambda data: data),
    ],
)
def test_a_compressed_envelope_decodes_and_parses(
    encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    transport, _ = answering(encode(SUCCESS), encoding)
    result = send(transport)
    assert result.failure is None, result.error
    assert result.body is not None
    assert result.body.text == SUCCESS.decode()
    assert result.success
    assert result.exit_code == 0


def test_a_stacked_gzip_bomb_stops_at_the_body_limit() -> None:
    bomb = gzip_bomb()  # a GiB of zeros in a few KB
    assert len(bomb) < 4_000
    transport, _ = answering(bomb, "gzip, gzip")
    result = send(transport, max_body=1 << 20)
    assert result.failure is Failure.TOO_LARGE
    assert result.error is not None
    assert result.error.startswith("The answer is larger than 1 MiB")
    assert "gzip, gzip" in result.error
    assert result.body is not None
    assert len(result.body.text) <= 1 << 20
    assert result.http_status == 200
    assert result.exit_code == 1


def test_a_body_exactly_at_the_limit_is_whole() -> None:
    body = b"x" * 4096
    transport, _ = answering(gzip.compress(body), "gzip")
    result = send(transport, max_body=4096)
    assert result.failure is None
    assert result.body is not None
    assert len(result.body.text) == 4096


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress"])
def test_an_unknown_encoding_is_named_not_decoded(encoding: str) -> None:
    transport, _ = answering(b"\x8b\x00\x80garbage", encoding)
    result = send(transport)
    assert result.failure is Failure.ENCODING
    assert result.error is not None
    unknown = encoding.split(", ")[-1]
    assert f"Content-Encoding: {encoding}" in result.error
    assert f"{unknown}, which smstester does not decode" in result.error
    assert "garbage" not in (result.body.text if result.body else "")
    assert result.http_status == 200
    assert result.exit_code == 1


def test_a_broken_gzip_body_is_said_in_words() -> None:
    transport, _ = answering(b"\x1f\x8b\x08\x00 this is not gzip", "gzip")
    result = send(transport)
    assert result.failure is Failure.ENCODING
    assert result.error is not None
    assert result.error.startswith("The answer says it is compressed (Content-Encoding: gzip)")
    assert "Traceback" not in result.error
    assert result.exit_code == 1


# --- one deadline for the whole send --------------------------------------------------


def test_timeouts_keep_their_fields_and_for_read_its_meaning() -> None:
    timeouts = Timeouts(connect=1.0, read=2.0, total=3.0)
    assert [f.name for f in dataclasses.fields(Timeouts)] == ["connect", "read", "total"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        timeouts.total = 9.0  # type: ignore[misc]
    assert Timeouts.for_read(5, 10) == Timeouts(connect=5, read=10, total=60)
    assert Timeouts.for_read(5, 40) == Timeouts(connect=5, read=40, total=80)


def slow_stream(pieces: int, pause: float) -> Iterator[bytes]:
    yield b'{"data": "'
    for _ in range(pieces):
        time.sleep(pause)
        yield b"x" * 10


class SlowStream(httpx.SyncByteStream):
    def __init__(self, pieces: int, pause: float) -> None:
        self.pieces, self.pause = pieces, pause

    def __iter__(self) -> Iterator[bytes]:
        return slow_stream(self.pieces, self.pause)


def test_a_slow_body_ends_at_the_whole_sends_limit_and_leaves_no_thread() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=SlowStream(100, 0.1))

    before = set(threading.enumerate())
    started = time.perf_counter()
    result = send(httpx.MockTransport(handle), timeouts=Timeouts(connect=1, read=1, total=0.5))
    took = time.perf_counter() - started
    assert 0.5 <= took < 1.0
    assert result.failure is Failure.READ_TIMEOUT
    assert result.error == (
        "protocol.jframework.io did not send the whole answer in time (waited 0.5 s, the whole "
        "send's limit); only the start was read."
    )
    assert result.exit_code == 1
    assert set(threading.enumerate()) <= before


def test_the_deadline_timer_is_gone_when_a_send_returns() -> None:
    transport, _ = answering(SUCCESS)
    before = set(threading.enumerate())
    with SmsClient(transport=transport, timeouts=Timeouts(1, 1, 30)) as client:
        for _ in range(3):
            assert client.send(GOOD).success
            assert set(threading.enumerate()) <= before


def test_a_send_on_a_thread_python_did_not_start_registers_no_python_thread() -> None:
    # A Qt pool worker is such a thread; `_thread` starts one that `threading` does not know.
    transport, _ = answering(SUCCESS)
    results: list[SendResult] = []
    finished = threading.Event()

    def work() -> None:
        try:
            with SmsClient(transport=transport, timeouts=Timeouts(1, 1, 30)) as client:
                results.append(client.send(GOOD))
        finally:
            finished.set()

    before = set(threading.enumerate())
    _thread.start_new_thread(work, ())
    assert finished.wait(10)
    assert results[0].success
    assert set(threading.enumerate()) <= before  # no dummy thread for the worker


# --- exit codes say who answered ------------------------------------------------------


def result(status: int | None, failure: Failure | None, body: bytes = b"") -> SendResult:
    return SendResult(
        "POST",
        "http://127.0.0.1/x",
        1.0,
        http_status=status,
        body=parse_body(body, "application/json") if status is not None else None,
        failure=failure,
        error=failure.value if failure else None,
    )


@pytest.mark.parametrize(
    ("status", "failure", "body", "code"),
    [
        (200, None, SUCCESS, 0),
        (500, Failure.TOO_LARGE, b'{"data": "xxxx', 1),
        (500, None, b"", 1),
        (200, Failure.DROPPED, SUCCESS, 1),  # a success envelope cut short is no success
        (200, Failure.READ_TIMEOUT, SUCCESS, 1),
        (200, Failure.ENCODING, b"", 1),
        (200, Failure.CANCELLED, SUCCESS, 1),
        (None, Failure.READ_TIMEOUT, b"", 3),
        (None, Failure.REFUSED, b"", 3),
        (None, Failure.DROPPED, b"", 3),
    ],
)
def test_exit_code_says_whether_the_server_answered(
    status: int | None, failure: Failure | None, body: bytes, code: int
) -> None:
    sent = result(status, failure, body)
    assert sent.exit_code == code
    assert sent.responded is (status is not None)
    assert sent.answered is (status is not None and failure is None)
    assert sent.success is (code == 0)

"""How the client words each transport failure, through `httpx.MockTransport` (no sockets):
every branch of the classification, in milliseconds. The same failures over real sockets are
in tests/integration/test_fault_matrix.py and test_tls_proxy.py."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import httpx
import pytest
from support import GOOD

from smstester.core.client import Failure, SmsClient, Timeouts
from smstester.core.request import build_request

URL = "https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test"


def cert_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    error.verify_code = code
    error.verify_message = message
    return error


def ssl_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower()} (_ssl.c:1000)")
    error.reason = reason
    return error


def chained(outer: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    outer.__cause__ = cause
    return outer


def raising(make: Callable[[httpx.Request], httpx.HTTPError]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise make(request)

    return httpx.MockTransport(handler)


CASES: list[tuple[str, Callable[[httpx.Request], httpx.HTTPError], Failure, str]] = [
    (
        "refused",
        lambda r: httpx.ConnectError("[Errno 111] Connection refused", request=r),
        Failure.REFUSED,
        "Connection refused by protocol.jframework.io: nothing is listening there.",
    ),
    (
        "dns-text",
        lambda r: httpx.ConnectError("[Errno -2] Name or service not known", request=r),
        Failure.DNS,
        "The host name protocol.jframework.io was not found (DNS).",
    ),
    (
        "dns-cause",
        lambda r: chained(httpx.ConnectError("lookup failed", request=r), socket.gaierror(-3, "x")),
        Failure.DNS,
        "was not found (DNS)",
    ),
    (
        "connect-timeout",
        lambda r: httpx.ConnectTimeout("timed out", request=r),
        Failure.CONNECT_TIMEOUT,
        "Timed out connecting to protocol.jframework.io (waited 3 s).",
    ),
    (
        "read-timeout",
        lambda r: httpx.ReadTimeout("timed out", request=r),
        Failure.READ_TIMEOUT,
        "accepted the connection but did not answer in time (waited 7 s).",
    ),
    (
        "write-timeout",
        lambda r: httpx.WriteTimeout("timed out", request=r),
        Failure.READ_TIMEOUT,
        "did not answer in time",
    ),
    (
        "pool-timeout",
        lambda r: httpx.PoolTimeout("timed out", request=r),
        Failure.READ_TIMEOUT,
        "did not answer in time",
    ),
    (
        "proxy",
        lambda r: httpx.ProxyError("407 Proxy Authentication Required", request=r),
        Failure.PROXY,
        "The proxy failed: 407 Proxy Authentication Required.",
    ),
    (
        "untrusted",
        lambda r: chained(
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            cert_error(20, "unable to get local issuer certificate"),
        ),
        Failure.TLS,
        "the server's certificate is not trusted",
    ),
    (
        "expired",
        lambda r: chained(
            httpx.ConnectError("certificate verify failed", request=r),
            cert_error(10, "certificate has expired"),
        ),
        Failure.TLS,
        "the server's certificate has expired (certificate verify failed: certificate has expired)",
    ),
    (
        "wrong-host",
        lambda r: chained(
            httpx.ConnectError("certificate verify failed", request=r),
            cert_error(62, "Hostname mismatch"),
        ),
        Failure.TLS,
        "the server's certificate is for another host name",
    ),
    (
        "not-yet-valid",
        lambda r: chained(
            httpx.ConnectError("certificate verify failed", request=r),
            cert_error(9, "certificate is not yet valid"),
        ),
        Failure.TLS,
        "not valid yet (check this computer's clock)",
    ),
    (
        "unknown-cert-problem",
        lambda r: chained(
            httpx.ConnectError("certificate verify failed", request=r),
            cert_error(999, "something odd"),
        ),
        Failure.TLS,
        "the server's certificate was not accepted (certificate verify failed: something odd)",
    ),
    (
        "plain-http-behind-https",
        lambda r: chained(
            httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number", request=r),
            ssl_error("WRONG_VERSION_NUMBER"),
        ),
        Failure.TLS,
        "the server did not answer in TLS (is it a plain http:// server",
    ),
    (
        "other-tls",
        lambda r: chained(
            httpx.ConnectError("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] alert (_ssl.c:1000)"),
            ssl_error("TLSV1_ALERT_PROTOCOL_VERSION"),
        ),
        Failure.TLS,
        "Secure connection to protocol.jframework.io failed: [SSL: TLSV1_ALERT_PROTOCOL_VERSION]",
    ),
    (
        "other-connect",
        lambda r: httpx.ConnectError("[Errno 101] Network is unreachable", request=r),
        Failure.NETWORK,
        "Could not connect to protocol.jframework.io: [Errno 101] Network is unreachable.",
    ),
    (
        "cut-short",
        lambda r: httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            "(received 14 bytes, expected 1000)",
            request=r,
        ),
        Failure.DROPPED,
        "closed the connection without a complete answer (got 14 of 1000 bytes).",
    ),
    (
        "server-disconnected",
        lambda r: httpx.RemoteProtocolError("Server disconnected", request=r),
        Failure.DROPPED,
        "protocol.jframework.io closed the connection without a complete answer.",
    ),
    (
        "read-error",
        lambda r: httpx.ReadError("[Errno 104] Connection reset by peer", request=r),
        Failure.DROPPED,
        "The connection to protocol.jframework.io was dropped: [Errno 104] Connection reset",
    ),
    (
        "write-error",
        lambda r: httpx.WriteError("[Errno 32] Broken pipe", request=r),
        Failure.DROPPED,
        "was dropped: [Errno 32] Broken pipe",
    ),
    (
        "local-protocol",
        lambda r: httpx.LocalProtocolError("Illegal header value", request=r),
        Failure.PROTOCOL,
        "did not answer with valid HTTP: Illegal header value.",
    ),
    (
        "other",
        lambda r: httpx.DecodingError("bad gzip", request=r),
        Failure.NETWORK,
        "Network error talking to protocol.jframework.io: bad gzip.",
    ),
    (
        "empty-message",
        lambda r: httpx.ReadError("", request=r),
        Failure.DROPPED,
        "was dropped: ReadError.",
    ),
]


@pytest.mark.parametrize(
    ("make", "failure", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_failure_in_words(
    make: Callable[[httpx.Request], httpx.HTTPError], failure: Failure, words: str
) -> None:
    with SmsClient(
        timeouts=Timeouts(connect=3, read=7, total=20), transport=raising(make)
    ) as client:
        result = client.send_request(build_request(GOOD))
    assert result.url == URL
    assert result.http_status is None
    assert result.failure is failure
    assert result.error is not None
    assert words in result.error
    assert "Traceback" not in result.error
    assert result.exit_code == 3


def test_an_answer_through_the_mock_transport_is_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Auth-Key"] == GOOD.auth_key
        return httpx.Response(
            200,
            json={"success": True, "statusCode": 200, "message": "ok", "data": None, "errors": []},
        )

    with SmsClient(transport=httpx.MockTransport(handler)) as client:
        result = client.send_request(build_request(GOOD))
    assert result.success
    assert result.exit_code == 0


def test_a_reused_connection_has_no_connect_time() -> None:
    from smstester.core.client import Timings

    assert Timings(wait_ms=3.0, total_ms=4.0, reused_connection=True).describe() == (
        "waiting 3.0 ms (a reused connection)"
    )
    assert Timings(connect_ms=1.25, tls_ms=2.0, total_ms=5.0).as_json() == {
        "connectMs": 1.25,
        "tlsMs": 2.0,
        "waitMs": None,
        "downloadMs": None,
        "totalMs": 5.0,
        "reusedConnection": None,
    }

"""The HTTP client: one long-lived `httpx.Client`, every outcome a `SendResult`.

Failures never raise out of `SmsClient.send`: connection refused, DNS, TLS, timeouts,
dropped connections and oversized bodies all become a result with a plain-words reason.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib.util
import ipaddress
import itertools
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

import httpcore
import httpx

from smstester.core.envelope import Body, parse_body
from smstester.core.model import SmsTest
from smstester.core.request import build_request

#: Bodies larger than this are not read to the end.
MAX_BODY: Final = 5 * 1024 * 1024

_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait to connect and for each read; `total` is a hard deadline for a whole
    send (connecting, waiting, the status line, the headers and the body together)."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 60.0

    @classmethod
    def for_read(cls, connect: float, read: float) -> Timeouts:
        """Timeouts for a given read wait; a whole send may take twice that (a minute at least)."""
        return cls(connect=connect, read=read, total=max(60.0, read * 2))


class Failure(enum.Enum):
    """Why there is no (complete) answer. `value` is the plain-words reason's start."""

    REFUSED = "connection refused"
    DNS = "host name not found"
    TLS = "secure connection (TLS) failed"
    CONNECT_TIMEOUT = "timed out connecting"
    READ_TIMEOUT = "timed out waiting for the answer"
    DROPPED = "the server closed the connection without a complete answer"
    TOO_LARGE = "the answer is too large"
    PROTOCOL = "the server's answer is not valid HTTP"
    CANCELLED = "cancelled"
    NETWORK = "network error"
    PROXY = "the proxy refused or failed"
    ENCODING = "the answer is compressed in a way that cannot be read"


@dataclass(frozen=True, slots=True)
class Timings:
    """Where a send's time went, in ms (CONTRACT §3a `timings`); None: the step did not
    happen (no TLS on http://, no connect on a reused connection, no answer)."""

    connect_ms: float | None = None  # the TCP connect, DNS included
    tls_ms: float | None = None
    wait_ms: float | None = None  # from the request sent to the answer's headers
    download_ms: float | None = None  # the body
    total_ms: float | None = None
    reused_connection: bool | None = None

    def as_json(self) -> dict[str, float | bool | None]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "connectMs": ms(self.connect_ms),
            "tlsMs": ms(self.tls_ms),
            "waitMs": ms(self.wait_ms),
            "downloadMs": ms(self.download_ms),
            "totalMs": ms(self.total_ms),
            "reusedConnection": self.reused_connection,
        }

    def describe(self) -> str:
        """One line: "connect 0.4 ms · TLS 3.1 ms · waiting 180.2 ms · …"."""
        parts = [
            (name, value)
            for name, value in (
                ("connect", self.connect_ms),
                ("TLS", self.tls_ms),
                ("waiting", self.wait_ms),
                ("download", self.download_ms),
            )
            if value is not None
        ]
        text = " · ".join(f"{name} {value:.1f} ms" for name, value in parts)
        if self.reused_connection:
            text += " (a reused connection)" if text else "a reused connection"
        return text


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one send. `http_status` is None when no status line came (no
    answer); with a status and a `failure`, the server answered but not completely."""

    method: str
    url: str
    elapsed_ms: float
    http_status: int | None = None
    reason_phrase: str = ""
    body: Body | None = None
    failure: Failure | None = None
    error: str | None = None
    location: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())
    timings: Timings | None = None
    #: The proxy the send went through, as `shown_proxy` shows it (no password); None: direct.
    proxy: str | None = None

    @property
    def responded(self) -> bool:
        """An HTTP status line came: the server answered, perhaps not completely."""
        return self.http_status is not None

    @property
    def answered(self) -> bool:
        """A complete answer came (a status line and the whole body, readable)."""
        return self.http_status is not None and self.failure is None

    @property
    def success(self) -> bool:
        """The envelope says success (and the HTTP status agrees it is not an error)."""
        env = self.body.envelope if self.body else None
        return bool(
            self.answered
            and env is not None
            and env.success is True
            and self.http_status is not None
            and self.http_status < 300
        )

    @property
    def status_mismatch(self) -> str | None:
        """Words for an HTTP status that disagrees with the envelope's statusCode, else None."""
        env = self.body.envelope if self.body else None
        if env is None or env.status_code is None or self.http_status is None:
            return None
        if env.status_code == self.http_status:
            return None
        return f"HTTP status {self.http_status} but the envelope says statusCode {env.status_code}"

    @property
    def exit_code(self) -> int:
        """CONTRACT §3: 0 success, 1 the server answered with a failure (or an incomplete
        answer: a status line came, so the server did answer), 3 no answer (no status line)."""
        if not self.responded:
            return 3
        return 0 if self.success else 1

    def as_json(self) -> dict[str, Any]:
        """CONTRACT §3 `send --json`: httpStatus, elapsedMs, envelope, error."""
        env = self.body.envelope if self.body else None
        envelope: dict[str, Any] | None = None
        if env is not None:
            envelope = {
                "success": env.success,
                "statusCode": env.status_code,
                "message": env.message,
                "data": env.data,
                "errors": [
                    {
                        "code": e.code,
                        "message": e.message,
                        "details": e.details,
                        "correlationId": e.correlation_id,
                    }
                    for e in env.errors
                ],
            }
        return {
            "httpStatus": self.http_status,
            "elapsedMs": round(self.elapsed_ms, 3),
            "envelope": envelope,
            "error": self.error,
        }


def _shutdown(sock: socket.socket) -> None:
    # shutdown(), unlike close(), wakes a thread blocked in recv() on this socket.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _reason_of(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: OpenSSL's certificate verification codes (X509_V_ERR_*) in words a support agent reads.
_UNTRUSTED = (
    "the server's certificate is not trusted: it is self-signed or signed by a certificate "
    "authority this computer does not know"
)
_CERT_PROBLEMS: Final[dict[int, str]] = {
    2: _UNTRUSTED,
    9: "the server's certificate is not valid yet (check this computer's clock)",
    10: "the server's certificate has expired",
    18: _UNTRUSTED,
    19: _UNTRUSTED,
    20: _UNTRUSTED,
    21: _UNTRUSTED,
    23: "the server's certificate has been revoked",
    62: "the server's certificate is for another host name",
    64: "the server's certificate is for another address",
}
_TRUST_HINT: Final = (
    " If the server uses your company's own certificate authority, give the profile that CA bundle."
)
_OPENSSL_LOCATION = re.compile(r"\s*\(_ssl\.c:\d+\)")


def _cause(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of `kind` in the chain behind `exc` (httpx wraps httpcore's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _tls_words(exc: BaseException, host: str, detail: str) -> str:
    start = f"Secure connection to {host} failed"
    cert = _cause(exc, ssl.SSLCertVerificationError)
    if cert is not None:
        code = cert.verify_code if isinstance(cert.verify_code, int) else -1
        why = str(cert.verify_message or "").rstrip(".") or _OPENSSL_LOCATION.sub("", detail)
        plain = _CERT_PROBLEMS.get(code, "the server's certificate was not accepted")
        hint = _TRUST_HINT if plain == _UNTRUSTED else ""
        return f"{start}: {plain} (certificate verify failed: {why}).{hint}"
    reason = getattr(_cause(exc, ssl.SSLError), "reason", None)
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"):
        return (
            f"{start}: the server did not answer in TLS (is it a plain http:// server "
            "behind an https:// base URL?)."
        )
    return f"{start}: {_OPENSSL_LOCATION.sub('', detail).rstrip('.')}."


_SHORT_BODY = re.compile(r"received (\d+) bytes, expected (\d+)")


def _proxy_of(url: httpx.URL, dialled: list[str]) -> str | None:
    """The proxy's host:port when the last TCP connect went elsewhere than `url`'s origin."""
    if not dialled:
        return None
    port = url.port or (443 if url.scheme == "https" else 80)
    return dialled[-1] if dialled[-1] != f"{url.host}:{port}" else None


def _classify(
    exc: httpx.HTTPError,
    url: httpx.URL,
    timeouts: Timeouts | None = None,
    proxy: str | None = None,
    route: _Route | None = None,
) -> tuple[Failure, str]:
    """The kind of failure and a sentence a support agent understands; `proxy` (host:port)
    when the connection went through one (HTTP_PROXY, HTTPS_PROXY, the system's), `route`
    that proxy as configured (for a 407's words)."""
    host = url.host + (f":{url.port}" if url.port else "")
    detail = _reason_of(exc)
    lowered = detail.lower()
    # Failing to connect through a proxy is failing to connect to the proxy.
    dialled = f"the proxy {proxy}" if proxy else host
    if isinstance(exc, httpx.ConnectTimeout):
        waited = f" (waited {timeouts.connect:g} s)" if timeouts else ""
        return Failure.CONNECT_TIMEOUT, f"Timed out connecting to {dialled}{waited}."
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
        waited = f" (waited {timeouts.read:g} s)" if timeouts else ""
        return (
            Failure.READ_TIMEOUT,
            f"{host} accepted the connection but did not answer in time{waited}.",
        )
    if isinstance(exc, httpx.ProxyError):
        # httpcore says "407 Proxy Authentication Required" when CONNECT is answered 407.
        if detail.startswith("407"):
            return Failure.PROXY, f"The proxy failed: {detail}. {_proxy_auth_words(route)}"
        return Failure.PROXY, f"The proxy failed: {detail}."
    if isinstance(exc, httpx.ConnectError):
        if "certificate" in lowered or "ssl" in lowered or _cause(exc, ssl.SSLError) is not None:
            return Failure.TLS, _tls_words(exc, host, detail)
        if (
            "name or service not known" in lowered
            or "nodename nor servname" in lowered
            or "temporary failure in name resolution" in lowered
            or "no address associated" in lowered
            or "getaddrinfo" in lowered
            or _cause(exc, socket.gaierror) is not None
        ):
            name = f"of the proxy {proxy.rpartition(':')[0]}" if proxy else url.host
            return Failure.DNS, f"The host name {name} was not found (DNS)."
        if "refused" in lowered:
            return Failure.REFUSED, f"Connection refused by {dialled}: nothing is listening there."
        return Failure.NETWORK, f"Could not connect to {dialled}: {detail}."
    if isinstance(exc, httpx.RemoteProtocolError):
        short = _SHORT_BODY.search(detail)
        got = f" (got {short[1]} of {short[2]} bytes)" if short else ""
        return Failure.DROPPED, f"{host} closed the connection without a complete answer{got}."
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return Failure.DROPPED, f"The connection to {host} was dropped: {detail}."
    if isinstance(exc, httpx.ProtocolError):
        return Failure.PROTOCOL, f"{host} did not answer with valid HTTP: {detail}."
    return Failure.NETWORK, f"Network error talking to {host}: {detail}."


class CancelToken:
    """Cancels one send from any thread: the send ends at once as CANCELLED."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run `callback` when cancelled (at once if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()


class _Stopped(Exception):
    """Raised inside a send (from httpcore's trace hook) once it is cancelled or past its
    deadline."""


#: The steps of a send that the trace hook may stop before they start (never the closing of
#: a response: that must run, or the connection is never released).
_STOPPABLE: Final = (
    "connect_tcp.started",
    "start_tls.started",
    "send_request_headers.started",
    "send_request_body.started",
    "receive_response_headers.started",
    "receive_response_body.started",
)


class _Deadline:
    """The whole send's limit. Once `seconds` have passed, `expire` runs on a watcher thread
    (it cuts the connections). Leaving the `with` block stops the watcher and waits until it
    has ended, so it never outlives the send.

    No call here asks for the calling thread's `threading.current_thread()` (as
    `threading.Timer()` and `Thread.join()` do): on a thread Python did not start, such as a
    Qt pool worker, that would register a never-ending dummy Python thread."""

    def __init__(self, seconds: float, expire: Callable[[], None]) -> None:
        self.seconds = seconds
        self._expire = expire
        self._ended = threading.Event()  # the send ended: stop watching
        self._fired = threading.Event()
        self._done = threading.Event()  # the watcher's very last act
        self._start = time.perf_counter()
        self._watcher = threading.Thread(target=self._watch, name="smstester-deadline", daemon=True)

    def _watch(self) -> None:
        try:
            if not self._ended.wait(self.seconds):
                self._fired.set()
                self._expire()
        finally:
            self._done.set()

    @property
    def expired(self) -> bool:
        return self._fired.is_set() or time.perf_counter() - self._start >= self.seconds

    def __enter__(self) -> _Deadline:
        self._start = time.perf_counter()
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ended.set()
        self._done.wait()
        while self._watcher.is_alive():  # past its last act: gone within microseconds
            time.sleep(0.0001)


class _Current(threading.local):
    """The send this thread is making: what the look-up of a host name waits for."""

    stop: Callable[[], bool] | None = None
    progress: _Progress | None = None


_CURRENT: Final = _Current()


class _BoundedBackend(httpcore.SyncBackend):
    """httpcore's own network backend, but a host name is looked up on a thread of its own
    and waited for only while the send may go on (its whole-send limit, a cancel, or the
    connect timeout): `getaddrinfo` cannot be interrupted, and a resolver that does not
    answer would hold the send for as long as it likes. Then each address it gave is
    tried in turn, as `socket.create_connection` does."""

    POLL: Final = 0.05

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self._look_up(host, port, timeout)
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last if last is not None else httpcore.ConnectError(f"no address for {host}")

    def _look_up(self, host: str, port: int, timeout: float | None) -> list[str]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [host]
        found: list[list[str] | BaseException] = []
        done = threading.Event()

        def look_up() -> None:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                found.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
            except BaseException as exc:  # handed to the sending thread
                found.append(exc)
            finally:
                done.set()

        threading.Thread(target=look_up, name="smstester-dns", daemon=True).start()
        stop, progress = _CURRENT.stop, _CURRENT.progress
        if progress is not None:
            progress.resolving = host
        limit = time.perf_counter() + (timeout if timeout is not None else 3600.0)
        try:
            while not done.wait(self.POLL):
                if (stop is not None and stop()) or time.perf_counter() >= limit:
                    raise httpcore.ConnectTimeout(f"the look-up of {host} did not end")
        finally:
            if progress is not None and done.is_set():
                progress.resolving = None
        (result,) = found
        if isinstance(result, BaseException):
            if isinstance(result, OSError):
                raise httpcore.ConnectError(str(result)) from result
            raise result
        return result


_T = TypeVar("_T", bound=httpx.BaseTransport)


def _bounded(transport: _T) -> _T:
    """`transport` with its pool's network backend the bounded one (before any connection:
    each takes the pool's backend when it is made)."""
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _BoundedBackend()
    return transport


@dataclass(slots=True)
class _Progress:
    """How far one send got, as httpcore's trace hook reports it."""

    #: host:port of every TCP connect (a proxy's, when one is used).
    dialled: list[str] = field(default_factory=list)
    #: Connecting (TCP or TLS) rather than asking or waiting for the answer.
    connecting: bool = True
    #: The host name being looked up, while it is.
    resolving: str | None = None
    #: perf_counter() of each trace event seen (its last occurrence).
    marks: dict[str, float] = field(default_factory=dict)

    def span(self, step: str) -> float | None:
        started, done = self.marks.get(f"{step}.started"), self.marks.get(f"{step}.complete")
        return None if started is None or done is None else (done - started) * 1000.0

    def timings(self, total_ms: float, body_done: float | None) -> Timings:
        connect = self.span("connection.connect_tcp")
        sent = self.marks.get("http11.send_request_body.complete")
        headers = self.marks.get("http11.receive_response_headers.complete")
        wait = None if sent is None or headers is None else (headers - sent) * 1000.0
        download = None if headers is None or body_done is None else (body_done - headers) * 1000
        return Timings(
            connect_ms=connect,
            # Through a proxy's tunnel the server's TLS is the proxy's step ("proxy.").
            tls_ms=self.span("proxy.start_tls") or self.span("connection.start_tls"),
            wait_ms=wait,
            download_ms=download,
            total_ms=total_ms,
            reused_connection=None if headers is None else connect is None,
        )


#: Content-Encoding names the client decodes itself, and zlib's `wbits` for each.
_INFLATABLE: Final[dict[str, int]] = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}

#: The most bytes one decompression step may produce: memory stays bounded whatever the ratio.
_PIECE: Final = 64 * 1024


class _Undecodable(Exception):
    """A body that its Content-Encoding says is compressed, but is not valid data of it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _is_zlib_header(start: bytes) -> bool:
    return len(start) >= 2 and start[0] & 0x0F == 8 and (start[0] * 256 + start[1]) % 31 == 0


def _inflate(source: Iterator[bytes], name: str) -> Iterator[bytes]:
    """`source` decompressed (`name`: gzip, x-gzip or deflate) in pieces of at most `_PIECE`
    bytes each, so that the caller can stop whenever it has enough."""
    start = b""
    for data in source:  # deflate's first two bytes tell zlib-wrapped from raw
        start += data
        if name != "deflate" or len(start) >= 2:
            break
    wbits = _INFLATABLE[name]
    if name == "deflate" and not _is_zlib_header(start):
        wbits = -zlib.MAX_WBITS  # raw deflate, as some servers send it
    inflater = zlib.decompressobj(wbits)
    try:
        for data in itertools.chain([start], source):
            pending = data
            while pending and not inflater.eof:
                out = inflater.decompress(pending, _PIECE)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
            # All of this input is in; what zlib still holds comes out piece by piece too.
            while not inflater.eof and (out := inflater.decompress(b"", _PIECE)):
                yield out
    except zlib.error as exc:
        raise _Undecodable(name, str(exc).rpartition(": ")[2]) from exc


def _shown(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _size(n: int) -> str:
    mib, kib = 1024 * 1024, 1024
    if n >= mib and n % mib == 0:
        return f"{n // mib} MiB"
    if n >= kib and n % kib == 0:
        return f"{n // kib} KiB"
    return f"{n:,} bytes"


def _tls_context(verify: bool | str) -> tuple[ssl.SSLContext | bool, str | None]:
    """The TLS set-up for `verify` (CONTRACT §6), and why it cannot be used (or None).

    `verify` is True (the operating system's trust store), False (off, warned about) or a
    CA bundle path, whose certificates are added to the system's. The system store is
    `truststore`'s: Windows' and macOS' own stores, OpenSSL's system store on Linux (which
    honours SSL_CERT_FILE and SSL_CERT_DIR), so a company root installed by IT is trusted.
    truststore is imported here, on the first client (the window makes it on a worker at
    the first send), never at start-up: importing it takes ~2 ms once ssl is loaded (15 ms
    cold); it loads the system store (~50 ms on the 2-core machine, as httpx's certifi
    context did once per client) when each new TLS connection is made.
    """
    if verify is False:
        return False, None
    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if isinstance(verify, str):
        try:
            ctx.load_verify_locations(cafile=os.path.expanduser(verify))
        except OSError as exc:  # ssl.SSLError included: not a PEM bundle
            reason = _OPENSSL_LOCATION.sub("", exc.strerror or str(exc))
            return ctx, (
                f"The CA bundle {verify} cannot be used ({reason}); nothing was sent. "
                "Check the CA bundle of the profile."
            )
    return ctx, None


# --- proxies ------------------------------------------------------------------------------

#: The environment variable that holds the password of a proxy whose URL names only a user
#: (`http://alice@proxy:3128`): never a flag (a process list shows flags), never a file.
PROXY_PASSWORD_VARIABLE: Final = "SMSTESTER_PROXY_PASSWORD"  # noqa: S105 (a name)

_PROXY_SCHEMES: Final = ("http", "https", "all")
_USABLE_PROXIES: Final = ("http", "https", "socks5", "socks5h")
_WINDOWS_KEY: Final = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
_IP_PREFIX = re.compile(r"(\d+(?:\.\d+){0,3})(?:/(\d+))?")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").partition("%")[0])
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """`entry` as an address or a CIDR range ("10.0.0.0/8", "::1", "[::1]"), else None."""
    text = entry.strip("[]") if entry.startswith("[") and entry.endswith("]") else entry
    if not text or not (text[0].isdigit() or ":" in text):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _host_port(entry: str) -> tuple[str, int | None]:
    """ "host:port" (or "[v6]:port") split; a port that is not a number leaves it whole."""
    if entry.startswith("[") and ":" in entry.partition("]")[0]:
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    host, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return entry, None


def _is_loopback(host: str) -> bool:
    name = host.lower().rstrip(".")
    address = _ip(name)
    if address is not None:
        return address.is_loopback
    return name == "localhost" or name.endswith(".localhost")


def _no_proxy_match(entry: str, scheme: str, host: str, port: int) -> bool:
    """One NO_PROXY entry as curl and httpx read it: "*", a name that also covers its
    subdomains (a leading "." or "*." changes nothing), "name:port", an address or a CIDR
    range (an IP address written as such: no DNS lookup), or "scheme://name"."""
    entry = entry.strip().lower()
    if entry == "*":
        return True
    if "://" in entry:
        wanted, _, entry = entry.partition("://")
        if wanted not in ("all", scheme):
            return False
        entry = entry.rstrip("/")
    network = _network(entry)
    if network is not None:
        address = _ip(host)
        return address is not None and address.version == network.version and address in network
    name, wanted_port = _host_port(entry)
    if wanted_port is not None and wanted_port != port:
        return False
    name = name.lstrip("*").lstrip(".")
    host = host.lower().rstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A Windows/macOS exception pattern ("*" any run, "?" one character), case-insensitive."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _exception_match(entry: str, host: str, port: int) -> bool:
    """One entry of Windows' ProxyOverride or macOS' exceptions list: a glob of the host
    ("*.corp.local", "10.*"), optionally with a scheme or a port, or (macOS) an address
    prefix such as "169.254/16", matched against an address written as such (no DNS)."""
    entry = entry.strip()
    if "://" in entry:
        entry = entry.partition("://")[2].rstrip("/")
    prefix = _IP_PREFIX.fullmatch(entry)
    address = _ip(host)
    if prefix is not None and ("/" in entry or "*" not in entry):
        parts = prefix[1].split(".")
        bits = int(prefix[2]) if prefix[2] else 8 * len(parts)
        try:
            network = ipaddress.ip_network(
                (".".join(parts + ["0"] * (4 - len(parts))), bits), strict=False
            )
        except ValueError:
            return False
        return isinstance(address, ipaddress.IPv4Address) and address in network
    name, wanted_port = _host_port(entry)
    if wanted_port is not None and wanted_port != port:
        return False
    return bool(name) and _glob(name).fullmatch(host.rstrip(".")) is not None


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """Which proxy each URL goes through (CONTRACT §6), read once per client.

    `proxies`: (scheme, proxy URL) pairs, the scheme "http", "https" or "all" (the fallback);
    `no_proxy`: NO_PROXY's entries; `exceptions`: the operating system's bypass list
    (Windows' ProxyOverride, macOS' exceptions); `simple`: names without a dot go direct
    (Windows' `<local>`, macOS' "exclude simple host names"); `loopback`: loopback hosts go
    direct (always with the system's settings, as Windows and browsers do, unless Windows'
    `<-loopback>` says otherwise). The password of a proxy URL is kept here as it was given
    (it is needed to sign in); it is shown only through `shown_proxy`."""

    source: str = ""
    proxies: tuple[tuple[str, str], ...] = ()
    no_proxy: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    simple: bool = False
    loopback: bool = False

    def __repr__(self) -> str:
        shown = tuple((scheme, shown_proxy(url)) for scheme, url in self.proxies)
        return f"ProxySettings(source={self.source!r}, proxies={shown!r}, …)"

    def bypassed(self, scheme: str, host: str, port: int | None) -> bool:
        """True when a request to `host` goes direct."""
        effective = port or (443 if scheme == "https" else 80)
        if self.loopback and _is_loopback(host):
            return True
        if self.simple and "." not in host and ":" not in host:
            return True
        if any(_no_proxy_match(entry, scheme, host, effective) for entry in self.no_proxy):
            return True
        return any(_exception_match(entry, host, effective) for entry in self.exceptions)

    def proxy_for(self, scheme: str, host: str, port: int | None) -> str | None:
        """The proxy URL for a request to `scheme://host:port`, or None (direct)."""
        if not self.proxies or self.bypassed(scheme, host, port):
            return None
        found = dict(self.proxies)
        return found.get(scheme) or found.get("all")


def _with_scheme(url: str) -> str:
    url = url.strip()
    return url if "://" in url else f"http://{url}"


def _environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """`*_proxy` variables as urllib reads them: any case, the lower-case one winning (an
    empty lower-case variable unsets the other)."""
    found: dict[str, str] = {}
    named = [(n, v) for n, v in environ.items() if n[-6:].lower() == "_proxy"]
    for name, value in named:
        if value:
            found[name.lower()[:-6]] = value
    for name, value in named:
        if name.endswith("_proxy") and name == name.lower():
            if value:
                found[name[:-6]] = value
            else:
                found.pop(name[:-6], None)
    return found


def proxy_settings(environ: Mapping[str, str] | None = None) -> ProxySettings:
    """The proxies of this computer: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY when any is set
    (with NO_PROXY), else the operating system's (Windows' Internet Settings, macOS' network
    settings; on Linux the environment is all there is), NO_PROXY added to its bypass list.

    A proxy auto-configuration script (PAC, WPAD) is not read. Costs: a dictionary walk of
    the environment; on Windows three registry values, on macOS one SystemConfiguration call.
    """
    found = _environment_proxies(os.environ if environ is None else environ)
    no_proxy = tuple(e.strip() for e in found.get("no", "").split(",") if e.strip())
    chosen = tuple((s, _with_scheme(found[s])) for s in _PROXY_SCHEMES if found.get(s))
    if chosen:
        return ProxySettings("the environment", chosen, no_proxy)
    system = _system_settings()
    if system.proxies and no_proxy:
        return replace(system, no_proxy=no_proxy)
    return system


def windows_settings(enable: object, server: object, override: object) -> ProxySettings:
    """Windows' Internet Settings values (ProxyEnable, ProxyServer, ProxyOverride) read as
    urllib's `getproxies_registry` reads them ("host:port" for every scheme, or
    "http=h:p;https=h:p;socks=h:p"; SOCKS meaning SOCKS4), with the override list as the
    bypass list (no DNS lookup, unlike urllib's `proxy_bypass_registry`)."""
    if not enable or not isinstance(server, str) or not server.strip():
        return ProxySettings()
    server = server.strip()
    if "=" not in server and ";" not in server:
        server = f"http={server};https={server}"
    found: dict[str, str] = {}
    for part in server.split(";"):
        protocol, sep, address = part.strip().partition("=")
        protocol, address = protocol.strip().lower(), address.strip()
        if not sep or not address:
            continue
        if not re.match(r"[^/:]+://", address):
            address = f"socks4://{address}" if protocol == "socks" else f"http://{address}"
        found[protocol] = address
    if "socks" in found:
        for scheme in ("http", "https"):
            found.setdefault(scheme, found["socks"])
    chosen = tuple((s, found[s]) for s in ("http", "https") if s in found)
    if not chosen:
        return ProxySettings()
    entries = [
        e.strip() for e in re.split(r"[;,\s]+", override if isinstance(override, str) else "")
    ]
    tokens = {e.lower() for e in entries if e.startswith("<")}
    return ProxySettings(
        "the Windows proxy settings",
        chosen,
        exceptions=tuple(e for e in entries if e and not e.startswith("<")),
        simple="<local>" in tokens,
        loopback="<-loopback>" not in tokens,
    )


def macos_settings(proxies: Mapping[str, object], settings: Mapping[str, object]) -> ProxySettings:
    """macOS' network proxy settings, as `_scproxy` hands them to urllib: `proxies` its
    `_get_proxies()`, `settings` its `_get_proxy_settings()` (exclude_simple, exceptions)."""
    chosen = tuple(
        (s, _with_scheme(value))
        for s in ("http", "https")
        if isinstance(value := proxies.get(s), str) and value.strip()
    )
    if not chosen:
        return ProxySettings()
    listed = settings.get("exceptions")
    exceptions = tuple(
        e.strip()
        for e in (listed if isinstance(listed, list | tuple) else ())
        if isinstance(e, str) and e.strip()
    )
    return ProxySettings(
        "the macOS proxy settings",
        chosen,
        exceptions=exceptions,
        simple=bool(settings.get("exclude_simple")),
        loopback=True,
    )


def _system_settings() -> ProxySettings:
    """The operating system's own proxy settings (none on Linux: it has only the environment)."""
    try:
        if sys.platform == "win32":
            return _windows_registry()
        if sys.platform == "darwin":
            return _macos_configuration()
    except (OSError, ValueError, TypeError, ImportError):
        pass  # unreadable settings are no settings, as urllib has it
    return ProxySettings()


def _windows_registry() -> ProxySettings:
    if sys.platform != "win32":
        return ProxySettings()
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _WINDOWS_KEY) as key:

        def value(name: str) -> object:
            try:
                return winreg.QueryValueEx(key, name)[0]
            except OSError:
                return None

        return windows_settings(value("ProxyEnable"), value("ProxyServer"), value("ProxyOverride"))


def _macos_configuration() -> ProxySettings:
    if sys.platform != "darwin":
        return ProxySettings()
    import importlib

    scproxy = importlib.import_module("_scproxy")
    return macos_settings(scproxy._get_proxies(), scproxy._get_proxy_settings())


def _split_userinfo(url: str) -> tuple[str, str, str, str]:
    """(scheme://, userinfo, host:port, rest) of a proxy URL, however malformed."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    else:
        scheme += sep
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    netloc, tail = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    userinfo, at, hostport = netloc.rpartition("@")
    return scheme, userinfo + at, hostport, tail


def shown_proxy(url: str) -> str:
    """`url` as it may be shown: scheme, user name, host and port, any password masked."""
    from smstester.core.redaction import MASK

    scheme, userinfo, hostport, _ = _split_userinfo(url)
    user, colon, _ = userinfo[:-1].partition(":") if userinfo else ("", "", "")
    shown = f"{user}:{MASK}@" if colon else userinfo
    return f"{scheme}{shown}{hostport}"


def proxy_passwords(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every proxy password this process knows (in the proxy variables' URLs, as written
    and decoded, and SMSTESTER_PROXY_PASSWORD): secrets to mask in every output."""
    env = os.environ if environ is None else environ
    found: list[str] = []
    for name, value in env.items():
        if not name.lower().endswith("_proxy") or name.lower() == "no_proxy":
            continue
        userinfo = _split_userinfo(value.strip())[1]
        password = userinfo[:-1].partition(":")[2] if userinfo else ""
        if password:
            found += [password, urllib.parse.unquote(password)]
    if env.get(PROXY_PASSWORD_VARIABLE):
        found.append(env[PROXY_PASSWORD_VARIABLE])
    return list(dict.fromkeys(found))


def proxies_wanting_a_password(environ: Mapping[str, str] | None = None) -> list[str]:
    """The proxies (as shown, `http://alice@proxy:3128`) that name a user but have no
    password: not in their URL, nor in SMSTESTER_PROXY_PASSWORD. A front end may ask for it
    (a prompt that does not echo) and put it in that variable, for this process only."""
    env = os.environ if environ is None else environ
    if env.get(PROXY_PASSWORD_VARIABLE):
        return []
    settings = proxy_settings(env)
    found = []
    for _scheme, url in settings.proxies:
        userinfo = _split_userinfo(url)[1]
        user, _colon, password = userinfo[:-1].partition(":") if userinfo else ("", "", "")
        if user and not password:
            found.append(shown_proxy(url))
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class _Route:
    """The proxy one request goes through: its URL as given and as shown, its host:port,
    the user it signs in as and whether a password goes with it."""

    url: str
    shown: str
    host_port: str
    user: str
    has_password: bool


def _route_of(url: str, environ: Mapping[str, str]) -> _Route:
    _, userinfo, hostport, _ = _split_userinfo(url)
    user, _, password = userinfo[:-1].partition(":") if userinfo else ("", "", "")
    has_password = bool(password) or bool(user and environ.get(PROXY_PASSWORD_VARIABLE))
    return _Route(url, shown_proxy(url), hostport, urllib.parse.unquote(user), has_password)


def _proxy_transport(
    url: str, verify: ssl.SSLContext | bool, environ: Mapping[str, str]
) -> httpx.HTTPTransport | str:
    """The transport through the proxy `url`, or why it cannot be used (in words)."""
    shown = shown_proxy(url)
    scheme = url.partition("://")[0].lower()
    if scheme not in _USABLE_PROXIES:
        return (
            f"The proxy {shown} cannot be used: smstester speaks to http://, https:// and "
            f"socks5:// proxies, not {scheme}://; nothing was sent. Check HTTP_PROXY, "
            "HTTPS_PROXY and ALL_PROXY, or this computer's proxy settings."
        )
    if scheme.startswith("socks5") and importlib.util.find_spec("socksio") is None:
        return (
            f"The proxy {shown} cannot be used: a SOCKS proxy needs the socksio package, "
            "which is not installed; nothing was sent."
        )
    try:
        parsed = httpx.URL(url)
        port = parsed.port
        if not _HOST_NAME.fullmatch(parsed.host) and _ip(parsed.host) is None:
            raise ValueError(parsed.host)
        if port is not None and not 0 < port < 65536:
            raise ValueError(port)
        user, password = parsed.username, parsed.password
        if user and not password:
            password = environ.get(PROXY_PASSWORD_VARIABLE, "")
        proxy = httpx.Proxy(
            parsed.copy_with(username=None, password=None),
            auth=(user, password) if user or password else None,
            # An https:// proxy's certificate is checked against the same trust store.
            ssl_context=verify
            if isinstance(verify, ssl.SSLContext) and parsed.scheme == "https"
            else None,
        )
        return _bounded(httpx.HTTPTransport(verify=verify, trust_env=True, proxy=proxy))
    except (httpx.InvalidURL, ValueError, TypeError):
        return f"The proxy {shown} cannot be used: it is not a valid URL; nothing was sent."


class _ProxyRouter(httpx.BaseTransport):
    """Sends each request direct or through the proxy `settings` names for its URL."""

    def __init__(
        self,
        settings: ProxySettings,
        direct: httpx.BaseTransport,
        via: Mapping[str, httpx.BaseTransport],
    ) -> None:
        self.settings = settings
        self._direct = direct
        self._via = dict(via)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        chosen = self.settings.proxy_for(url.scheme, url.host, url.port)
        transport = self._via.get(chosen) if chosen is not None else None
        return (transport or self._direct).handle_request(request)

    def close(self) -> None:
        for transport in (self._direct, *self._via.values()):
            transport.close()


def _waited_through(words: str, route: _Route, url: httpx.URL, progress: _Progress) -> str:
    """A wait's words when the connection was the proxy's: for https://, the proxy did
    not answer its CONNECT when no tunnel was made; else the server did not answer
    through it."""
    host = url.host + (f":{url.port}" if url.port else "")
    silent = f"{host} accepted the connection but did not answer in time"
    if not words.startswith(silent):
        return words
    if url.scheme == "https" and "proxy.start_tls.started" not in progress.marks:
        said = (
            f"The proxy {route.host_port} accepted the connection but did not answer in time "
            f"when asked to connect to {host}"
        )
    else:
        said = f"{host} did not answer in time through the proxy {route.host_port}"
    return said + words[len(silent) :]


def _challenges(response: httpx.Response) -> list[str]:
    """The schemes a 407's Proxy-Authenticate headers ask for ("Basic", "NTLM", …)."""
    names = [v.strip().split(" ", 1)[0] for v in response.headers.get_list("proxy-authenticate")]
    return list(dict.fromkeys(_shown(n, 20) for n in names if n))


def _proxy_auth_words(route: _Route | None, challenges: list[str] | None = None) -> str:
    """What a 407 means and how to give the proxy a user name and password."""
    where = route.host_port if route else "proxy:port"
    how = (
        f"give the user name in the proxy's URL (HTTPS_PROXY=http://USER@{where}, and "
        f"HTTP_PROXY the same) and the password in the environment variable "
        f"{PROXY_PASSWORD_VARIABLE} — never in a file"
    )
    if challenges and not any(c.lower() == "basic" for c in challenges):
        return (
            "The proxy wants a user name and password, but it asks for "
            f"{', '.join(challenges)} sign-in, which smstester does not do (it signs in with "
            "a user name and password, Basic). Ask IT for a way round the proxy for this "
            "server (NO_PROXY), or for a proxy that takes a user name and password."
        )
    if route is None or not route.user:
        return f"The proxy wants a user name and password: {how}."
    if not route.has_password:
        return (
            f"The proxy wants a user name and password: its URL names the user {route.user}, "
            f"but {PROXY_PASSWORD_VARIABLE} is not set. Set that environment variable to the "
            "proxy password — never in a file."
        )
    return (
        f"The proxy did not accept the user name and password it was given (the user "
        f"{route.user}): check the password ({PROXY_PASSWORD_VARIABLE} or the proxy's URL)."
    )


class SmsClient:
    """Sends SmsTests. Build it once (TLS set-up costs ~20 ms), off the UI thread.

    A send takes a `CancelToken`; cancelling it (from any thread) cuts the connection of
    the send in flight, so a cancelled or abandoned send never keeps a thread waiting.
    `abort()` cuts every connection the client holds. `timeouts.total` is a hard deadline
    for each whole send: past it, the send's connection is cut the same way.

    Answers are never compressed on request (`Accept-Encoding: identity`); a server that
    compresses anyway (gzip, deflate, stacked) is decoded here, never past `max_body`.

    Proxies (`proxies`, read by `proxy_settings` when not given): with none set, httpx's
    own transport, as it always was. With one, a `_ProxyRouter` decides per request
    (`ProxySettings.proxy_for`) rather than httpx's per-scheme mounts: the system's bypass
    lists ("10.*", `<local>`) are not URL patterns, httpx never asks `proxy_bypass`, and
    urllib's Windows `proxy_bypass_registry` looks the host up in DNS (twice) outside any
    deadline. Building it costs ~0.1 ms more than before (a 2-core machine, measured).
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        max_body: int = MAX_BODY,
        proxies: ProxySettings | None = None,
    ) -> None:
        self.timeouts = timeouts or Timeouts()
        self.max_body = max_body
        #: Why no send can be made with these settings (an unusable CA bundle), or None.
        self.setup_error: str | None = None
        ctx, self.setup_error = _tls_context(verify)
        #: The proxies of this client (none with an injected transport: a test's own).
        if proxies is None:
            proxies = ProxySettings() if transport is not None else proxy_settings()
        self.proxies = proxies
        #: Proxy URL -> why it cannot be used (a send through it is refused in those words).
        self._proxy_problems: dict[str, str] = {}
        self._routes: dict[str, _Route] = {}
        routed = transport is None and bool(self.proxies.proxies)
        if routed:
            transport = self._router(ctx)
        elif transport is not None:
            self.proxies = ProxySettings()
        else:  # httpx's own, as httpx.Client would make it, with the bounded look-up
            transport = _bounded(httpx.HTTPTransport(verify=ctx, trust_env=True))
        total = self.timeouts.total
        self._http = httpx.Client(
            # No single wait is longer than the whole send may take.
            timeout=httpx.Timeout(
                min(self.timeouts.read, total), connect=min(self.timeouts.connect, total)
            ),
            follow_redirects=False,
            verify=ctx,
            transport=transport,
            trust_env=True,
        )
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()

    def _router(self, ctx: ssl.SSLContext | bool) -> _ProxyRouter:
        """The transport that sends each request direct or through its proxy. Without any
        proxy set, there is none: httpx's own transport, as before proxies were read here."""
        environ = dict(os.environ)
        via: dict[str, httpx.BaseTransport] = {}
        for _, url in self.proxies.proxies:
            if url in via or url in self._proxy_problems:
                continue
            self._routes[url] = _route_of(url, environ)
            made = _proxy_transport(url, ctx, environ)
            if isinstance(made, str):
                self._proxy_problems[url] = made
            else:
                via[url] = made
        direct = _bounded(httpx.HTTPTransport(verify=ctx, trust_env=True))
        return _ProxyRouter(self.proxies, direct, via)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tracer(
        self, stop: Callable[[], bool], progress: _Progress
    ) -> Callable[[str, dict[str, Any]], None]:
        """httpcore's trace hook: remembers each new socket, stops a send once `stop()` is
        true (cancelled, or past its deadline) and notes in `progress` how far it got."""

        def trace(event: str, info: dict[str, Any]) -> None:
            progress.marks[event] = time.perf_counter()
            if event.endswith(_STOPPABLE) and stop():
                raise _Stopped
            if event == "connection.connect_tcp.started":
                progress.dialled.append(f"{info.get('host')}:{info.get('port')}")
            if event.endswith(("connect_tcp.started", "start_tls.started")):
                progress.connecting = True
            elif event.endswith("send_request_headers.started"):
                progress.connecting = False
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                stream = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if isinstance(sock, socket.socket):
                    with self._lock:
                        self._sockets.add(sock)
                    if stop():
                        _shutdown(sock)

        return trace

    def abort(self) -> None:
        """Cut every connection this client holds; a send in flight ends at once."""
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for sock in sockets:
            _shutdown(sock)

    def send(self, test: SmsTest, cancel: CancelToken | None = None) -> SendResult:
        """Send `test`; raises InvalidInput (nothing sent) when the input is not valid."""
        return self.send_request(build_request(test), cancel)

    def send_request(self, request: httpx.Request, cancel: CancelToken | None = None) -> SendResult:
        """Send a built request and read the answer, never raising on network failure;
        the whole send ends within `timeouts.total` seconds. The result names the proxy
        it went through (`proxy`), its password masked."""
        url = request.url
        chosen = self.proxies.proxy_for(url.scheme, url.host, url.port)
        route = self._routes.get(chosen) if chosen is not None else None
        if route is None:
            return self._send_request(request, cancel, None)
        problem = self._proxy_problems.get(route.url)
        if problem is not None:
            return SendResult(
                request.method,
                str(url),
                0.0,
                failure=Failure.PROXY,
                error=problem,
                proxy=route.shown,
            )
        return replace(self._send_request(request, cancel, route), proxy=route.shown)

    def _send_request(
        self, request: httpx.Request, cancel: CancelToken | None, route: _Route | None
    ) -> SendResult:
        cancel = cancel or CancelToken()
        # Only one send is in flight per client in the window, so cutting every
        # connection is exact; it also reaches a reused keep-alive connection.
        cancel.on_cancel(self.abort)
        # An answer is never compressed on request: a small compressed body can grow to
        # gigabytes (a decompression bomb).
        request.headers["Accept-Encoding"] = "identity"
        start = time.perf_counter()
        url = str(request.url)

        def elapsed() -> float:
            return (time.perf_counter() - start) * 1000.0

        def cancelled() -> SendResult:
            return SendResult(
                request.method, url, elapsed(), failure=Failure.CANCELLED, error="Cancelled."
            )

        if cancel.cancelled:
            return cancelled()
        if self.setup_error is not None and request.url.scheme == "https":
            return SendResult(
                request.method, url, elapsed(), failure=Failure.TLS, error=self.setup_error
            )
        with _Deadline(self.timeouts.total, self.abort) as deadline:
            progress = _Progress()
            stop = lambda: cancel.cancelled or deadline.expired  # noqa: E731
            request.extensions["trace"] = self._tracer(stop, progress)
            _CURRENT.stop, _CURRENT.progress = stop, progress
            try:
                try:
                    response = self._http.send(request, stream=True)
                finally:
                    _CURRENT.stop, _CURRENT.progress = None, None
            except (_Stopped, httpx.HTTPError) as exc:
                if cancel.cancelled:
                    return cancelled()
                proxy = route.host_port if route else _proxy_of(request.url, progress.dialled)
                if progress.resolving is not None:
                    kind, words = self._no_address(progress.resolving, deadline)
                elif deadline.expired:
                    kind, words = self._too_slow(request.url, proxy, progress.connecting)
                elif isinstance(exc, httpx.HTTPError):
                    kind, words = _classify(exc, request.url, self.timeouts, proxy, route)
                else:  # stopped, yet neither cancelled nor late: cannot happen
                    kind, words = Failure.NETWORK, "The send was stopped."
                if route is not None and kind is Failure.READ_TIMEOUT:
                    words = _waited_through(words, route, request.url, progress)
                total = elapsed()
                return SendResult(
                    request.method,
                    url,
                    total,
                    failure=kind,
                    error=words,
                    timings=progress.timings(total, None),
                )
            try:
                content, failure, error = self._read_capped(response, request.url, deadline, cancel)
            finally:
                response.close()
            body_done = time.perf_counter()
        headers = tuple((k, v) for k, v in response.headers.multi_items())
        location = response.headers.get("location") if response.is_redirect else None
        if failure is None and location is not None:
            error = None
        if failure is None and response.status_code == 407:
            # The proxy's own answer (or an intercepting proxy's, with none set here).
            who = f"The proxy {route.shown}" if route else "A proxy between here and the server"
            error = f"{who} answered 407 (Proxy Authentication Required). " + _proxy_auth_words(
                route, _challenges(response)
            )
        total = elapsed()
        return SendResult(
            request.method,
            url,
            total,
            http_status=response.status_code,
            reason_phrase=response.reason_phrase,
            body=parse_body(content, response.headers.get("content-type", "")),
            failure=failure,
            error=error,
            location=location,
            headers=headers,
            timings=progress.timings(total, body_done),
        )

    def _no_address(self, host: str, deadline: _Deadline) -> tuple[Failure, str]:
        """A look-up of `host` that had not ended when the send had to."""
        limit = (
            f"{self.timeouts.total:g} s, the whole send's limit"
            if deadline.expired
            else f"{self.timeouts.connect:g} s, the connect timeout"
        )
        return (
            Failure.DNS,
            f"Looking up the address of {host} took too long (waited {limit}): the DNS "
            "server did not answer. Check the network, the VPN, or the name.",
        )

    def _too_slow(self, url: httpx.URL, proxy: str | None, connecting: bool) -> tuple[Failure, str]:
        """A send that reached its deadline before a status line and headers came."""
        host = url.host + (f":{url.port}" if url.port else "")
        limit = f"{self.timeouts.total:g} s"
        if connecting:
            dialled = f"the proxy {proxy}" if proxy else host
            return (
                Failure.CONNECT_TIMEOUT,
                f"Timed out connecting to {dialled} (waited {limit}, the whole send's limit).",
            )
        return (
            Failure.READ_TIMEOUT,
            f"{host} accepted the connection but did not answer in time (waited {limit}): "
            f"no complete answer within {limit}, the whole send's limit.",
        )

    def _read_capped(
        self, response: httpx.Response, url: httpx.URL, deadline: _Deadline, cancel: CancelToken
    ) -> tuple[bytes, Failure | None, str | None]:
        """The body, decoded, at most `max_body` bytes of it; the failure that cut it short."""
        host = url.host + (f":{url.port}" if url.port else "")
        try:
            # A transport that hands over a body it read itself (httpx.MockTransport given
            # `content=`): httpx has decoded it already; only the limit is left to apply.
            whole = response.content
        except httpx.ResponseNotRead:
            pass
        else:
            if len(whole) > self.max_body:
                cut = f"The answer is larger than {_size(self.max_body)}; only the start was read."
                return whole[: self.max_body], Failure.TOO_LARGE, cut
            return whole, None, None
        listed = response.headers.get_list("content-encoding", split_commas=True)
        shown = _shown(", ".join(listed))
        names = [n.strip().lower() for n in listed if n.strip().lower() not in ("", "identity")]
        unknown = [n for n in names if n not in _INFLATABLE]
        if unknown:
            return (
                b"",
                Failure.ENCODING,
                f"The answer is compressed (Content-Encoding: {shown}) with "
                f"{_shown(unknown[-1], 40)}, which smstester does not decode; it asked for "
                "an answer without compression (Accept-Encoding: identity).",
            )
        raw_size = 0

        def raw() -> Iterator[bytes]:
            nonlocal raw_size
            for chunk in response.iter_raw():
                raw_size += len(chunk)
                yield chunk
                if raw_size > self.max_body:
                    return

        decoded: Iterator[bytes] = raw()
        for name in reversed(names):  # the last encoding listed was applied last
            decoded = _inflate(decoded, name)
        chunks: list[bytes] = []
        size = 0
        once = f" once decompressed (Content-Encoding: {shown})" if names else ""
        too_large = (
            f"The answer is larger than {_size(self.max_body)}{once}; only the start was read."
        )
        try:
            for chunk in decoded:
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_body:
                    return b"".join(chunks)[: self.max_body], Failure.TOO_LARGE, too_large
                if deadline.expired:
                    return b"".join(chunks), Failure.READ_TIMEOUT, self._late_body(host)
            if raw_size > self.max_body:  # compressed, and still larger than the limit
                return b"".join(chunks)[: self.max_body], Failure.TOO_LARGE, too_large
        except _Undecodable as exc:
            return (
                b"",
                Failure.ENCODING,
                f"The answer says it is compressed (Content-Encoding: {shown}), but it is "
                f"not valid {exc.name} data ({exc.reason}).",
            )
        except (httpx.HTTPError, _Stopped) as exc:
            if cancel.cancelled:
                return b"".join(chunks), Failure.CANCELLED, "Cancelled."
            if deadline.expired:
                return b"".join(chunks), Failure.READ_TIMEOUT, self._late_body(host)
            if isinstance(exc, _Stopped):  # cannot happen: stopped, yet neither
                return b"".join(chunks), Failure.NETWORK, "The send was stopped."
            kind, words = _classify(exc, url, self.timeouts)
            return b"".join(chunks), kind, words
        return b"".join(chunks), None, None

    def _late_body(self, host: str) -> str:
        limit = f"{self.timeouts.total:g} s"
        return (
            f"{host} did not send the whole answer in time (waited {limit}, the whole send's "
            "limit); only the start was read."
        )

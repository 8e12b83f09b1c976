"""The sandbox's HTTP server: stdlib `ThreadingHTTPServer`, HTTP/1.1 keep-alive, quiet.

    with SandboxServer() as server:          # a free port on 127.0.0.1
        print(server.url, server.demo.as_contract_json())

The request logic lives in `app.SandboxApp`; this module only reads requests (bodies by
Content-Length or chunked, at most `MAX_REQUEST_BODY`), writes answers, and starts and
stops cleanly (`stop()` closes idle keep-alive connections and joins every thread).

Whatever clients do, the server's memory, threads and descriptors stay bounded:

- the request line and each header line are at most `MAX_HEADER_LINE` bytes (414, 431),
  all headers together `MAX_HEADER_BYTES` (431);
- a request's line and headers must arrive within `idle_timeout` seconds of the connection
  becoming idle (a client that sends nothing, or half a request, or a byte at a time, is
  closed; one that sent part of a request gets a 408 first); a body within `IO_TIMEOUT`;
- at most `max_connections` connections are open: a new one closes the connection that has
  been idle longest, or, when every one is busy, is answered 503 at once;
- when accept() fails for want of descriptors (EMFILE, ENFILE), the accept loop waits
  (50 ms, doubling up to 1 s) instead of spinning, and accepts again once it can.
"""

from __future__ import annotations

import contextlib
import errno
import io
import math
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final

from smstester.core.model import DEMO_AUTH_KEY_TTL, DEMO_INTEGRATION_ID
from smstester.sandbox.accounts import MAX_SIGN_IN_FAILURES
from smstester.sandbox.app import (
    JSON_TYPE,
    Request,
    Response,
    SandboxApp,
    error_response,
)
from smstester.sandbox.demo import DemoConnection

#: Request bodies larger than this are refused with 413.
MAX_REQUEST_BODY: Final = 1024 * 1024

#: A refused body up to this size is read and thrown away, so the client sees the 413 and
#: the connection stays usable; a larger one gets the 413 and the connection is closed.
DRAIN_LIMIT: Final = 16 * 1024 * 1024

#: Default rate limit: requests per window per Auth-Key (high enough for test suites).
DEFAULT_RATE_LIMIT: Final = 300

#: Default rate-limit window, in seconds.
DEFAULT_RATE_WINDOW: Final = 60.0

#: Seconds a connection may wait for the line and headers of its next request: an idle
#: keep-alive connection, or a client that sends nothing or half a request, is then closed.
#: Longer than the 5 s for which httpx (and most clients) keep an idle connection, so that a
#: client drops an idle connection before the sandbox does.
IDLE_TIMEOUT: Final = 10.0

#: Seconds a request body may take to arrive in all, and a stalled write may wait.
IO_TIMEOUT: Final = 30.0

#: Connections open at once, at most (each holds a thread and a descriptor).
MAX_CONNECTIONS: Final = 64

#: The request line, and each header line, in bytes at most (nginx's default buffers).
MAX_HEADER_LINE: Final = 8 * 1024

#: The request line and every header line together, in bytes at most.
MAX_HEADER_BYTES: Final = 32 * 1024

#: Header lines in one request, at most.
MAX_HEADERS: Final = 100

#: Connections refused over the cap that are answered 503 at the same time, at most (each
#: holds a short-lived thread for up to `_REFUSAL_SECONDS`); the others are just closed.
_MAX_REFUSING: Final = 8
_REFUSAL_SECONDS: Final = 1.0

#: How long the accept loop waits after accept() failed for want of descriptors: the first
#: wait, then doubling up to the last.
_ACCEPT_BACKOFF: Final = (0.05, 1.0)
_OUT_OF_RESOURCES: Final = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

_HOST_HEADER_RE: Final = re.compile(
    r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)


class _BodyError(Exception):
    """The request body cannot be read; `response` is the answer (None: just close)."""

    def __init__(self, response: Response | None) -> None:
        super().__init__("unreadable request body")
        self.response = response


class _HeadRefused(Exception):
    """The request line or headers are too large; answered with `status`, then closed."""

    def __init__(self, status: int, reason: str, explain: str) -> None:
        super().__init__(explain)
        self.status = status
        self.reason = reason
        self.explain = explain


class _DeadlineSocketIO(io.RawIOBase):
    """The connection's socket as a raw stream whose every recv() waits at most until
    `deadline` (a time.monotonic() value): a client that trickles a byte at a time cannot
    stretch a read, as it can with a per-recv() socket timeout."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.deadline = math.inf
        #: Bytes received since the deadline was last set.
        self.received = 0

    def set_deadline(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(left)
        count = self._sock.recv_into(buffer)
        self.received += count
        return count


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # So that even an answer to a garbled request line has a status line and headers.
    default_request_version = "HTTP/1.0"
    server_version = "smstester-sandbox"
    sys_version = ""
    timeout = IO_TIMEOUT
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile.close()  # the stdlib's reader: its reads have no overall deadline
        self._raw = _DeadlineSocketIO(self.connection)
        self.rfile = io.BufferedReader(self._raw, 16 * 1024)
        self._answering = False

    def handle_one_request(self) -> None:
        """Like the stdlib's, plus: the request line and headers are read within the idle
        timeout and the size limits, the body within `IO_TIMEOUT`, and an answer is written
        with `IO_TIMEOUT` per write."""
        server = self.server
        head: tuple[bytes, bytes] | None = None
        self._answering = False
        self._raw.set_deadline(server.idle_timeout)
        if not server.mark_idle(self.connection):
            self.close_connection = True
            return
        try:
            try:
                head = self._read_head()
            except _HeadRefused as refused:
                self._clear_request()
                self.send_error(refused.status, refused.reason, refused.explain)
                self._linger()
                return
            if head is None:
                self.close_connection = True
                return
            if not server.mark_busy(self.connection):
                self.close_connection = True  # closed to make room for a new connection
                return
            self._raw.set_deadline(IO_TIMEOUT)
            self.connection.settimeout(IO_TIMEOUT)
            self.raw_requestline, headers = head
            socket_reader = self.rfile
            self.rfile = io.BytesIO(headers)  # what parse_request() reads the headers from
            try:
                parsed = self.parse_request()
            finally:
                self.rfile = socket_reader
            if not parsed:
                return
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                self.send_error(501, f"Unsupported method ({self.command!r})")
                return
            method()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True
            if self._answering:
                return  # a stalled write: nothing more can be said
            if head is not None:
                explain = f"the request body did not arrive within {IO_TIMEOUT:g} seconds"
            elif self._raw.received:
                explain = (
                    f"the request line and headers did not arrive within "
                    f"{server.idle_timeout:g} seconds"
                )
            else:
                return  # an idle connection, closed without a word
            # Part of a request arrived, not all of it: say so before closing.
            self._clear_request()
            self.send_error(408, "Request Timeout", explain)

    def _read_head(self) -> tuple[bytes, bytes] | None:
        """The request line and the header block up to its blank line; None when the client
        closed before sending anything."""
        line = self.rfile.readline(MAX_HEADER_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_HEADER_LINE:
            raise _HeadRefused(
                414, "URI Too Long", f"the request line is longer than {MAX_HEADER_LINE} bytes"
            )
        total = len(line)
        lines: list[bytes] = []
        while True:
            header = self.rfile.readline(MAX_HEADER_LINE + 1)
            if len(header) > MAX_HEADER_LINE:
                raise _HeadRefused(
                    431,
                    "Request Header Fields Too Large",
                    f"a header line is longer than {MAX_HEADER_LINE} bytes",
                )
            total += len(header)
            if total > MAX_HEADER_BYTES:
                raise _HeadRefused(
                    431,
                    "Request Header Fields Too Large",
                    f"the request line and headers come to more than {MAX_HEADER_BYTES} bytes",
                )
            lines.append(header)
            if header in (b"\r\n", b"\n", b""):
                return line, b"".join(lines)
            if len(lines) > MAX_HEADERS:
                raise _HeadRefused(
                    431,
                    "Request Header Fields Too Large",
                    f"the request has more than {MAX_HEADERS} header lines",
                )

    def _clear_request(self) -> None:
        # What send_error() and the access log read, for a request that was never parsed.
        self.requestline = ""
        self.request_version = self.default_request_version
        self.command = ""

    def _linger(self) -> None:
        """After refusing a request that is still arriving: stop sending, read and drop what
        is in flight for a moment, so that the client reads the answer instead of a reset."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self._raw.set_deadline(_REFUSAL_SECONDS)
            dropped = 0
            while dropped < MAX_REQUEST_BODY and (chunk := self.rfile.read1(64 * 1024)):
                dropped += len(chunk)

    # Every method goes through the same checks (404 before 405).
    def do_POST(self) -> None:
        self._dispatch()

    do_GET = do_POST
    do_HEAD = do_POST
    do_PUT = do_POST
    do_PATCH = do_POST
    do_DELETE = do_POST
    do_OPTIONS = do_POST

    def _dispatch(self) -> None:
        self.server.sandbox._count_request()
        try:
            body = self._read_body()
        except _BodyError as exc:
            self.close_connection = exc.response is None or exc.response.close
            if exc.response is not None:
                self._send(exc.response)
            return
        request = Request(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            origin=self._origin(),
        )
        self._send(self.server.app.handle(request))

    def _origin(self) -> str:
        host = self.headers.get("Host", "")
        if host and _HOST_HEADER_RE.fullmatch(host):
            return f"http://{host}"
        return self.server.sandbox.url

    def _read_body(self) -> bytes:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            if encoding.strip().lower() != "chunked":
                raise _BodyError(
                    error_response(
                        400,
                        "BadRequest",
                        f"Transfer-Encoding {encoding!r} is not supported.",
                        close=True,
                    )
                )
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        length_text = length_text.strip()
        if not length_text.isascii() or not length_text.isdigit():
            raise _BodyError(
                error_response(
                    400, "BadRequest", "The Content-Length header is not valid.", close=True
                )
            )
        length = int(length_text)
        if length > MAX_REQUEST_BODY:
            if length <= DRAIN_LIMIT and self._discard(length):
                raise _BodyError(self._too_large(close=False))
            raise _BodyError(self._too_large(close=True))
        body = self.rfile.read(length)
        if len(body) < length:
            raise _BodyError(None)  # the client went away mid-body
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyError(
                    error_response(400, "BadRequest", "The chunked body is not valid.", close=True)
                ) from None
            if size < 0:
                raise _BodyError(
                    error_response(400, "BadRequest", "The chunked body is not valid.", close=True)
                )
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_REQUEST_BODY:
                raise _BodyError(self._too_large(close=True))
            chunk = self.rfile.read(size)
            self.rfile.readline(1024)  # the CRLF after the chunk
            if len(chunk) < size:
                raise _BodyError(None)
            parts.append(chunk)

    def _discard(self, length: int) -> bool:
        left = length
        while left > 0:
            got = self.rfile.read(min(left, 64 * 1024))
            if not got:
                return False
            left -= len(got)
        return True

    @staticmethod
    def _too_large(*, close: bool) -> Response:
        return error_response(
            413,
            "PayloadTooLarge",
            f"The request body is larger than {MAX_REQUEST_BODY} bytes.",
            close=close,
        )

    def _send(self, response: Response) -> None:
        self._answering = True
        with contextlib.suppress(OSError):
            self.connection.settimeout(IO_TIMEOUT)
        if response.delay > 0 and self.server.sandbox._stopping.wait(response.delay):
            self.close_connection = True  # shutting down: give up on the slow answer
            return
        if response.drop:
            self.close_connection = True
            return
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if response.close or self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by the stdlib (bad request line, header too long, ...)."""
        self.close_connection = True
        self._answering = True
        with contextlib.suppress(OSError):
            self.connection.settimeout(IO_TIMEOUT)
        text = message or self.responses.get(code, ("Error",))[0]
        if explain:
            text = f"{text}: {explain}"
        response = error_response(code, "BadRequest" if code < 500 else "ServerError", text)
        try:
            self.send_response(code)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(response.body)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.sandbox.verbose:
            super().log_message(format, *args)


@dataclass(slots=True)
class _Connection:
    """One open connection, as the cap sees it."""

    #: time.monotonic() when it last became idle (waiting for a request).
    since: float
    idle: bool = True
    #: Closed to make room for a newer connection; its thread is on its way out.
    evicted: bool = False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads
    # A burst of connections waits in the kernel's queue rather than being dropped (5).
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        sandbox: SandboxServer,
        app: SandboxApp,
        *,
        idle_timeout: float,
        max_connections: int,
    ) -> None:
        self.sandbox = sandbox
        self.app = app
        self.idle_timeout = idle_timeout
        self.max_connections = max(1, max_connections)
        self._conn_lock = threading.Lock()
        self._connections: dict[socket.socket, _Connection] = {}
        self._refusers: list[threading.Thread] = []
        self._accept_backoff = 0.0
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would call socket.getfqdn(), a reverse DNS lookup that can
        # take seconds; the sandbox does not need the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    # Accepting ---------------------------------------------------------------------------

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            request = super().get_request()
        except OSError as exc:
            if exc.errno in _OUT_OF_RESOURCES:
                # The listening socket stays readable: without a pause the loop would call
                # accept() again at once, at 100 % CPU, until a descriptor is free.
                first, last = _ACCEPT_BACKOFF
                self._accept_backoff = min(max(self._accept_backoff * 2, first), last)
                if self.sandbox.verbose:
                    sys.stderr.write(
                        f"sandbox: cannot accept a connection ({exc.strerror}); "
                        f"trying again in {self._accept_backoff:g} s\n"
                    )
                self.sandbox._stopping.wait(self._accept_backoff)
            raise
        self._accept_backoff = 0.0
        return request

    def process_request(self, request: Any, client_address: Any) -> None:
        self.sandbox._count_connection()
        if not self._admit(request):
            self._refuse(request)
            return
        super().process_request(request, client_address)

    def _admit(self, sock: socket.socket) -> bool:
        """Make room for `sock` under the cap (closing the connection idle longest);
        False when every connection is busy."""
        with self._conn_lock:
            live = [c for c in self._connections.items() if not c[1].evicted]
            if len(live) >= self.max_connections:
                idle = [c for c in live if c[1].idle]
                if not idle:
                    return False
                victim, state = min(idle, key=lambda c: c[1].since)
                state.evicted = True
                with contextlib.suppress(OSError):
                    victim.shutdown(socket.SHUT_RDWR)  # its thread reads EOF and ends
            self._connections[sock] = _Connection(since=time.monotonic())
            return True

    def mark_idle(self, sock: socket.socket) -> bool:
        """The connection waits for its next request; False if it was evicted."""
        with self._conn_lock:
            state = self._connections.get(sock)
            if state is None or state.evicted:
                return False
            if not state.idle:
                state.idle = True
                state.since = time.monotonic()
            return True

    def mark_busy(self, sock: socket.socket) -> bool:
        """A request arrived on the connection; False if it was evicted meanwhile."""
        with self._conn_lock:
            state = self._connections.get(sock)
            if state is None or state.evicted:
                return False
            state.idle = False
            return True

    @property
    def open_connections(self) -> int:
        with self._conn_lock:
            return len(self._connections)

    def _refuse(self, sock: socket.socket) -> None:
        """Every connection is busy: answer 503 from a short-lived thread, or, when too many
        are being refused already, just close."""
        with self._conn_lock:
            self._refusers = [t for t in self._refusers if t.is_alive()]
            crowded = len(self._refusers) >= _MAX_REFUSING or self.sandbox._stopping.is_set()
            if not crowded:
                thread = threading.Thread(
                    target=self._answer_refused, args=(sock,), name="sandbox-refuse", daemon=True
                )
                self._refusers.append(thread)
                thread.start()
        if crowded:
            self.shutdown_request(sock)

    def _answer_refused(self, sock: socket.socket) -> None:
        response = error_response(
            503,
            "ServiceUnavailable",
            f"The sandbox has {self.max_connections} connections open, its limit, and all "
            "of them are busy. Try again in a moment.",
            headers=(("Retry-After", "1"),),
            close=True,
        )
        head = [
            "HTTP/1.1 503 Service Unavailable",
            f"Server: {_Handler.server_version}",
            f"Date: {formatdate(usegmt=True)}",
            f"Content-Type: {JSON_TYPE}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
            "Connection: close",
        ]
        deadline = time.monotonic() + _REFUSAL_SECONDS
        try:
            sock.settimeout(_REFUSAL_SECONDS)
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)
            sock.shutdown(socket.SHUT_WR)
            # Read what the client sends until it closes, so that it reads the 503 rather
            # than a reset.
            dropped = 0
            while dropped < MAX_REQUEST_BODY and (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                chunk = sock.recv(64 * 1024)
                if not chunk:
                    break
                dropped += len(chunk)
        except OSError:
            pass
        finally:
            sock.close()

    # Closing -----------------------------------------------------------------------------

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread (idle keep-alive reads, stalled writes) by shutting down
        its socket; each thread then closes its own socket and ends."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        super().server_close()  # closes the socket, joins the handler threads
        with self._conn_lock:
            refusers = list(self._refusers)
        for thread in refusers:
            thread.join()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that vanish mid-answer (fault-huge, fault-slow) are normal here.
        if self.sandbox.verbose:
            super().handle_error(request, client_address)


class SandboxServer:
    """A local stand-in for jframework's SMS test endpoint (CONTRACT §5).

    `start()` binds (port 0: a free port) and serves on a daemon thread; `stop()` closes
    everything and joins every thread. `serve_forever()` blocks (for the CLI): it serves in
    the calling thread, or, after `start()`, waits until `stop()` or Ctrl+C.

    `rate_limit` requests per `rate_window` seconds are allowed per Auth-Key (0: no limit).
    `idle_timeout` and `max_connections` bound the connections (see the module docstring).
    `slow_seconds` is how long `fault-slow` waits. `path_prefix` (e.g. `/jfw`) puts the
    endpoint below a prefix, as behind a gateway. `extra_integration_ids` are app
    integration ids accepted besides `demo.DEMO_INTEGRATION_ID`.

    The account endpoints (CONTRACT §5a): Auth-Keys issued by a sign-in work for
    `auth_key_ttl` seconds (ValueError in words unless finite, > 0 and at most ten years);
    `clock` gives the time in seconds since 1970 (a test hands in its own, to expire keys
    without waiting); `sign_in_failures` wrong sign-ins per user in a minute, then 429.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_window: float = DEFAULT_RATE_WINDOW,
        slow_seconds: float = 3.0,
        verbose: bool = False,
        path_prefix: str = "",
        extra_integration_ids: tuple[str, ...] | list[str] = (),
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        auth_key_ttl: float = DEMO_AUTH_KEY_TTL,
        clock: Callable[[], float] = time.time,
        sign_in_failures: int = MAX_SIGN_IN_FAILURES,
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.app = SandboxApp(
            integration_ids=(DEMO_INTEGRATION_ID, *extra_integration_ids),
            rate_limit=rate_limit,
            rate_window=rate_window,
            slow_seconds=slow_seconds,
            path_prefix=path_prefix,
            auth_key_ttl=auth_key_ttl,
            clock=clock,
            sign_in_failures=sign_in_failures,
        )
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._closed = False
        self._url: str | None = None
        self._listen_host: str | None = None
        self._counter_lock = threading.Lock()
        self._connections = 0
        self._requests = 0

    # Lifecycle ---------------------------------------------------------------------------

    def _bind(self) -> _HTTPServer:
        with self._lock:
            if self._closed:
                raise RuntimeError("this SandboxServer was stopped; create a new one")
            if self._httpd is None:
                httpd = _HTTPServer(
                    (self.host, self.port),
                    self,
                    self.app,
                    idle_timeout=self.idle_timeout,
                    max_connections=self.max_connections,
                )
                host, port = httpd.server_address[:2]
                self.port = int(port)
                self._listen_host = str(host)
                self._url = f"http://{_url_host(str(host))}:{self.port}"
                self._httpd = httpd
            return self._httpd

    def start(self) -> SandboxServer:
        """Bind and serve on a daemon thread; returns self. Calling it again does nothing."""
        httpd = self._bind()
        with self._lock:
            if self._loop_thread is None:
                thread = threading.Thread(
                    target=self._loop, args=(httpd,), name="smstester-sandbox", daemon=True
                )
                self._thread = self._loop_thread = thread
                thread.start()
        return self

    def _loop(self, httpd: _HTTPServer) -> None:
        httpd.serve_forever(poll_interval=0.05)

    def serve_forever(self) -> None:
        """Block until `stop()` (from another thread) or KeyboardInterrupt; then stop."""
        httpd = self._bind()
        with self._lock:
            foreground = self._loop_thread is None
            if foreground:
                self._loop_thread = threading.current_thread()
        try:
            if foreground:
                self._loop(httpd)
            else:
                while not self._stopped.wait(0.25):
                    pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, close every connection and the socket, join the threads. Idempotent."""
        with self._lock:
            if self._closed:
                already = True
            else:
                already = False
                self._closed = True
            httpd = self._httpd
            loop_thread = self._loop_thread
        if already:
            self._stopped.wait()
            return
        try:
            self._stopping.set()
            if httpd is None:
                return
            current = threading.current_thread()
            if loop_thread is not None and loop_thread is not current:
                httpd.shutdown()
                if loop_thread is self._thread:
                    loop_thread.join()
            httpd.close_connections()
            httpd.server_close()  # closes the socket, joins the handler threads
        finally:
            self._stopped.set()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # What clients need -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://host:port`, no trailing slash (plus nothing for the path prefix).

        The host is the address the socket is bound to, as the operating system reports it;
        bound to every interface (`0.0.0.0`, `::`), it is the loopback address, which that
        socket answers on too: a URL that works from this machine (see `listen_host`)."""
        if self._url is None:
            raise RuntimeError("the sandbox is not started yet")
        return self._url

    @property
    def base_url(self) -> str:
        """`url` plus the path prefix: what a client uses as its API base."""
        return self.url + self.app.path_prefix

    @property
    def demo(self) -> DemoConnection:
        """A complete working connection to this server (its `url` is `base_url`)."""
        return DemoConnection(url=self.base_url)

    @property
    def listen_host(self) -> str:
        """The address the socket is bound to, as the operating system reports it:
        `127.0.0.1`, `::1`, a machine's address, or `0.0.0.0` / `::` for every interface."""
        if self._listen_host is None:
            raise RuntimeError("the sandbox is not started yet")
        return self._listen_host

    @property
    def listens_on_every_interface(self) -> bool:
        """True when bound to `0.0.0.0` or `::`: every network of this machine reaches it."""
        return self.listen_host in ("0.0.0.0", "::")

    @property
    def open_connections(self) -> int:
        """Connections open now (those being closed included)."""
        httpd = self._httpd
        return 0 if httpd is None else httpd.open_connections

    @property
    def connection_count(self) -> int:
        """TCP connections accepted so far."""
        with self._counter_lock:
            return self._connections

    @property
    def request_count(self) -> int:
        """HTTP requests received so far."""
        with self._counter_lock:
            return self._requests

    def _count_connection(self) -> None:
        with self._counter_lock:
            self._connections += 1

    def _count_request(self) -> None:
        with self._counter_lock:
            self._requests += 1

    def __repr__(self) -> str:
        state = "stopped" if self._closed else ("serving" if self._loop_thread else "new")
        where = self._url or f"{self.host}:{self.port}"
        return f"<SandboxServer {where} {state}>"


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host:
        return f"[{host}]"
    return host


__all__ = [
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_RATE_WINDOW",
    "DRAIN_LIMIT",
    "IDLE_TIMEOUT",
    "IO_TIMEOUT",
    "MAX_CONNECTIONS",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "MAX_HEADER_LINE",
    "MAX_REQUEST_BODY",
    "SandboxServer",
]

"""The sandbox's HTTP server: stdlib `ThreadingHTTPServer`, HTTP/1.1 keep-alive, quiet.

    with SandboxServer() as server:          # a free port on 127.0.0.1
        print(server.url, server.demo.as_contract_json())

The request logic lives in `app.SandboxApp`; this module only reads requests (bodies by
Content-Length or chunked, at most `MAX_REQUEST_BODY`), writes answers, and starts and
stops cleanly (`stop()` closes idle keep-alive connections and joins every thread).
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final

from smstester.sandbox.app import (
    JSON_TYPE,
    Request,
    Response,
    SandboxApp,
    error_response,
)
from smstester.sandbox.demo import DEMO_INTEGRATION_ID, DemoConnection

#: Request bodies larger than this are refused with 413.
MAX_REQUEST_BODY: Final = 1024 * 1024

#: A refused body up to this size is read and thrown away, so the client sees the 413 and
#: the connection stays usable; a larger one gets the 413 and the connection is closed.
DRAIN_LIMIT: Final = 16 * 1024 * 1024

#: Default rate limit: requests per window per Auth-Key (high enough for test suites).
DEFAULT_RATE_LIMIT: Final = 300

#: Default rate-limit window, in seconds.
DEFAULT_RATE_WINDOW: Final = 60.0

#: Seconds an idle keep-alive connection (or a stalled read or write) is kept open.
IDLE_TIMEOUT: Final = 60.0

_HOST_HEADER_RE: Final = re.compile(
    r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)


class _BodyError(Exception):
    """The request body cannot be read; `response` is the answer (None: just close)."""

    def __init__(self, response: Response | None) -> None:
        super().__init__("unreadable request body")
        self.response = response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # So that even an answer to a garbled request line has a status line and headers.
    default_request_version = "HTTP/1.0"
    server_version = "smstester-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer, app: SandboxApp) -> None:
        self.sandbox = sandbox
        self.app = app
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
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

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        self.sandbox._count_connection()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread (idle keep-alive reads, stalled writes) by shutting down
        its socket; each thread then closes its own socket and ends."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

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
    `slow_seconds` is how long `fault-slow` waits. `path_prefix` (e.g. `/jfw`) puts the
    endpoint below a prefix, as behind a gateway. `extra_integration_ids` are app
    integration ids accepted besides `demo.DEMO_INTEGRATION_ID`.
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
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.app = SandboxApp(
            integration_ids=(DEMO_INTEGRATION_ID, *extra_integration_ids),
            rate_limit=rate_limit,
            rate_window=rate_window,
            slow_seconds=slow_seconds,
            path_prefix=path_prefix,
        )
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._closed = False
        self._url: str | None = None
        self._counter_lock = threading.Lock()
        self._connections = 0
        self._requests = 0

    # Lifecycle ---------------------------------------------------------------------------

    def _bind(self) -> _HTTPServer:
        with self._lock:
            if self._closed:
                raise RuntimeError("this SandboxServer was stopped; create a new one")
            if self._httpd is None:
                httpd = _HTTPServer((self.host, self.port), self, self.app)
                host, port = httpd.server_address[:2]
                self.port = int(port)
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
        """`http://host:port`, no trailing slash (plus nothing for the path prefix)."""
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
    "MAX_REQUEST_BODY",
    "SandboxServer",
]

"""Small misbehaving servers on 127.0.0.1 for the fault-matrix, TLS and proxy tests.

A `LoopbackServer` runs one handler per connection, each on its own thread. `stop()` wakes
every thread (by shutting its sockets down), joins them and closes every socket, so a test
leaves no thread and no open socket behind. With `tls=` it speaks TLS (a `trustme` CA signs
its certificate) before handing the connection to the handler.

Handlers: `never_answer`, `short_body`, `huge_body(n)`, `redirect_loop`, `forward_to(port)`
(a TCP relay: behind `tls=` it puts HTTPS in front of the plain-HTTP sandbox),
`recording_relay(port)` (records each request line it relays) and `http_proxy`
(absolute-form requests and CONNECT, loopback targets only, each one recorded in
`server.seen`).

Hostile ones: `trickle_status`, `trickle_headers`, `trickle_body` (a byte, a header line or a
piece of body every `interval` seconds, for as long as the client listens), `huge_body(n,
status=)`, `cut_success` (a success envelope, then the connection closes short) and
`encoded_body(body, encoding)` (a body sent as is, under a `Content-Encoding` header: with
`gzip_bomb()`, a few KB that grow to a GiB). Every handler that reads a request
keeps its head in `server.heads`.
"""

from __future__ import annotations

import contextlib
import select
import selectors
import socket
import ssl
import struct
import threading
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Final

import trustme

Handler = Callable[[socket.socket, "LoopbackServer"], None]

#: No socket of these servers waits longer than this for anything (a safety net only).
SOCKET_TIMEOUT = 15.0


class LoopbackServer:
    """A TCP server on 127.0.0.1 (a free port) that runs `handler(conn, self)` per connection."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._stopping = False
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"loopback-{self.port}", daemon=True
        )
        #: The request line of every request a handler read (for `http_proxy`: what it saw).
        self.seen: list[str] = []
        #: The head (request line and headers) of every request the hostile handlers read.
        self.heads: list[str] = []
        self.connections = 0

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        self._accept_thread.start()
        return self

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def track(self, sock: socket.socket) -> socket.socket:
        """Remember `sock` so that `stop()` wakes whoever waits on it (at once if stopping)."""
        with self._lock:
            self._sockets.add(sock)
            stopping = self._stopping
        if stopping:
            _wake(sock)
        return sock

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._stopping:
                    conn.close()
                    return
                self.connections += 1
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket) -> None:
        conn = raw
        try:
            conn.settimeout(SOCKET_TIMEOUT)
            if self.tls is not None:
                conn = self.tls.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
            self.track(conn)
            if isinstance(conn, ssl.SSLSocket):
                conn.do_handshake()
            self.handler(conn, self)
        except OSError:
            pass  # the client gave up, refused our certificate, or stop() woke us
        finally:
            self._untrack(conn)
            conn.close()
            raw.close()

    def stop(self) -> None:
        """Stop accepting, wake and join every handler thread, close every socket."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        # accept() is woken by one last connection, which the loop closes at once.
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 5):
            pass
        self._accept_thread.join(timeout=10)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            _wake(sock)
        for thread in threads:
            thread.join(timeout=10)


def _wake(sock: socket.socket) -> None:
    # The plain socket's shutdown, even for an SSLSocket: it wakes a recv() in another thread.
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def read_request(conn: socket.socket) -> bytes | None:
    """One HTTP request, head and body (by Content-Length); None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _request_line(request: bytes) -> str:
    return request.split(b"\r\n", 1)[0].decode("latin-1")


def pump(a: socket.socket, b: socket.socket) -> None:
    """Relay bytes both ways between `a` and `b` until either side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ)
        selector.register(b, selectors.EVENT_READ)
        while True:
            # An SSLSocket may hold decrypted bytes that select() cannot see.
            ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
            if not ready:
                ready = [key.fileobj for key, _ in selector.select()]  # type: ignore[misc]
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                (b if source is a else a).sendall(data)


# --- handlers --------------------------------------------------------------------------


def never_answer(conn: socket.socket, server: LoopbackServer) -> None:
    """Accepts the connection, reads whatever comes, never says a word."""
    while conn.recv(65536):
        pass


def short_body(conn: socket.socket, server: LoopbackServer) -> None:
    """Promises 1000 bytes of body (Content-Length), sends 14, closes."""
    request = read_request(conn)
    if request is None:
        return
    server.seen.append(_request_line(request))
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        b'{"success": tr'
    )


def huge_body(size: int, status: str = "200 OK") -> Handler:
    """Answers `status` with a JSON-looking body of `size` bytes (the client should stop early)."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        server.seen.append(_request_line(request))
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        block = b'{"data": "' + b"x" * (64 * 1024)
        left = size
        while left > 0:
            piece = block[: min(left, len(block))]
            conn.sendall(piece)
            left -= len(piece)

    return handle


def _record(server: LoopbackServer, request: bytes) -> None:
    server.seen.append(_request_line(request))
    server.heads.append(request.partition(b"\r\n\r\n")[0].decode("latin-1"))


def _pause(conn: socket.socket, seconds: float) -> bool:
    """Wait `seconds`; False as soon as the client closed (or `stop()` woke the socket)."""
    readable, _, _ = select.select([conn], [], [], seconds)
    return not readable or bool(conn.recv(65536))


def trickle_status(interval: float) -> Handler:
    """Sends its status line (and then a header) one byte every `interval` seconds, forever."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        _record(server, request)
        text = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1_000_000
        for byte in text:
            conn.sendall(bytes([byte]))
            if not _pause(conn, interval):
                return

    return handle


def trickle_headers(interval: float) -> Handler:
    """Sends a status line, then one more header line every `interval` seconds, forever."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        _record(server, request)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        line = 0
        while _pause(conn, interval):
            line += 1
            conn.sendall(f"X-Line-{line}: still coming\r\n".encode())

    return handle


def trickle_body(interval: float) -> Handler:
    """Answers 200 with a 1 MB Content-Length, then sends 10 bytes every `interval` seconds."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        _record(server, request)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
        )
        conn.sendall(b'{"data": "')
        while _pause(conn, interval):
            conn.sendall(b"x" * 10)

    return handle


def cut_success(conn: socket.socket, server: LoopbackServer) -> None:
    """Sends a whole success envelope, then closes 100 bytes short of its Content-Length."""
    request = read_request(conn)
    if request is None:
        return
    _record(server, request)
    body = b'{"success": true, "statusCode": 200, "message": "sent"}'
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body) + 100}\r\n\r\n".encode()
        + body
    )


def encoded_body(
    body: bytes, encoding: str, content_type: str = "application/json", status: str = "200 OK"
) -> Handler:
    """Answers `status` with `body` sent as is, labelled `Content-Encoding: encoding`."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        _record(server, request)
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    return handle


def gzip_bomb(gib: int = 1) -> bytes:
    """`gib` GiB of zeros, gzip-compressed twice: a body of a few KB (`Content-Encoding: gzip,
    gzip`). The inner stream is built as a streaming compressor writes it, flushed after each
    MiB (Z_FULL_FLUSH resets the compressor, so every MiB compresses to the same bytes): the
    same bytes as compressing the whole, in milliseconds, never holding a GiB."""
    mib = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024 * gib):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    size = (gib << 30) & 0xFFFFFFFF
    outer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [outer.compress(header)]
    parts.extend(outer.compress(piece) for _ in range(1024 * gib))
    parts.append(outer.compress(deflate.flush() + struct.pack("<II", crc, size)))
    parts.append(outer.flush())
    return b"".join(parts)


def redirect_loop(conn: socket.socket, server: LoopbackServer) -> None:
    """Answers every request with a 307 back to the very same URL."""
    while (request := read_request(conn)) is not None:
        line = _request_line(request)
        server.seen.append(line)
        target = line.split(" ")[1]
        conn.sendall(
            f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {server.url}{target}\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )


def forward_to(port: int) -> Handler:
    """Relays the connection to 127.0.0.1:`port` (with `tls=`: HTTPS in front of HTTP)."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
            server.track(upstream)
            pump(conn, upstream)

    return handle


def recording_relay(port: int) -> Handler:
    """Relays each request to 127.0.0.1:`port` and its answer back, one at a time (keep-alive
    included), recording every request line in `server.seen`: what really went out."""

    def handle(conn: socket.socket, server: LoopbackServer) -> None:
        with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
            server.track(upstream)
            while (request := read_request(conn)) is not None:
                server.seen.append(_request_line(request))
                upstream.sendall(request)
                answer = read_request(upstream)  # the same framing: head, Content-Length body
                if answer is None:
                    return
                conn.sendall(answer)

    return handle


def _loopback_port(host: str, port: int | None) -> int | None:
    return port if host in ("127.0.0.1", "localhost") and port else None


def http_proxy(conn: socket.socket, server: LoopbackServer) -> None:
    """A forwarding HTTP proxy for loopback targets: absolute-form requests and CONNECT."""
    request = read_request(conn)
    if request is None:
        return
    line = _request_line(request)
    server.seen.append(line)
    method, target, version = line.split(" ")
    if method == "CONNECT":
        host, _, port_text = target.rpartition(":")
        port = _loopback_port(host, int(port_text))
        if port is None:
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
            server.track(upstream)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            pump(conn, upstream)
        return
    url = urllib.parse.urlsplit(target)
    port = _loopback_port(url.hostname or "", url.port)
    if url.scheme != "http" or port is None:
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return
    origin_form = urllib.parse.urlunsplit(("", "", url.path, url.query, ""))
    rest = request.split(b"\r\n", 1)[1]
    with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
        server.track(upstream)
        upstream.sendall(f"{method} {origin_form} {version}\r\n".encode("latin-1") + rest)
        pump(conn, upstream)


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """A server-side TLS context with a certificate for 127.0.0.1 signed by `ca`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


# --- the fault matrix ------------------------------------------------------------------
#
# What the user must read for each fault, in the CLI's output and in the window's log entry.
# `{url}` is the faulty server's URL, `{port}` its port.


@dataclass(frozen=True)
class ClientFault:
    """A fault made by a small server here (or by no server at all)."""

    name: str
    #: None: nothing listens on the port (connection refused).
    handler: Handler | None
    words: str
    exit_code: int = 3
    tls: bool = False
    #: The HTTP status that came (then the server answered: exit 0 or 1), or None.
    status: int | None = None


CLIENT_FAULTS: Final = (
    ClientFault("refused", None, "Connection refused by 127.0.0.1:{port}: nothing is listening"),
    ClientFault(
        "never-answers",
        never_answer,
        "127.0.0.1:{port} accepted the connection but did not answer in time (waited 1 s)",
    ),
    ClientFault(
        "self-signed-tls",
        never_answer,
        "Secure connection to 127.0.0.1:{port} failed: the server's certificate is not trusted",
        tls=True,
    ),
    # A status line came: the server answered (exit 1), though not completely.
    ClientFault(
        "closes-mid-body",
        short_body,
        "127.0.0.1:{port} closed the connection without a complete answer (got 14 of 1000 bytes)",
        exit_code=1,
        status=200,
    ),
    ClientFault(
        "10-mb-body",
        huge_body(10_000_000),
        "The answer is larger than 5 MiB",
        exit_code=1,
        status=200,
    ),
    ClientFault(
        "redirect-loop",
        redirect_loop,
        "Redirect to {url}/api/v1/app-integrations/demo-twilio/sms/test: the very URL that "
        "was asked for, a redirect loop",
        exit_code=1,
        status=307,
    ),
)

#: Every sandbox fault mode: (exit code of `send`, what the user must read).
SANDBOX_FAULTS: Final[dict[str, tuple[int, str]]] = {
    "fault-slow": (0, "✔ success · statusCode 200"),
    "fault-slow-0.3": (0, "✔ success · statusCode 200"),
    "fault-500": (1, "✘ failure · statusCode 500 · An internal server error occurred."),
    "fault-502": (1, "HTTP 502 Bad Gateway"),
    "fault-html": (1, "Not a jframework envelope: the body is not JSON (text/html)"),
    "fault-notjson": (1, "Not a jframework envelope: the body is not JSON (application/json)"),
    "fault-drop": (3, "127.0.0.1:{port} closed the connection without a complete answer."),
    "fault-huge": (1, "The answer is larger than 5 MiB; only the start was read."),
    "fault-redirect": (1, "Redirect to {url}/sandbox/redirected (not followed"),
    "fault-redirect-loop": (1, "the very URL that was asked for, a redirect loop"),
    "fault-echo": (1, "fault-echo: the request is echoed back, secrets included."),
    "fault-empty": (1, "Not a jframework envelope: the body is empty"),
    "fault-wrong-status": (1, "Note: HTTP status 200 but the envelope says statusCode 500"),
}

"""The sandbox under hostile clients: bounded memory, bounded sockets, no spin, no traceback.

Everything here talks to real servers on 127.0.0.1 (in-process, or a real `smstester sandbox`
subprocess when the process itself is measured: its RSS, its CPU time, its descriptors).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smstester.sandbox import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_KEY,
    DEMO_AUTH_TOKEN,
    DEMO_BRAND_URL,
    DEMO_INTEGRATION_ID,
    DEMO_PHONE_FROM,
    SandboxServer,
)
from smstester.sandbox.app import MAX_JSON_DEPTH, RateLimiter, json_too_deep
from smstester.sandbox.server import (
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    MAX_HEADER_LINE,
)

ROOT = Path(__file__).resolve().parents[2]
SMS_PATH = f"/api/v1/app-integrations/{DEMO_INTEGRATION_ID}/sms/test"


def demo_headers(**extra: str) -> dict[str, str]:
    return {"Auth-Key": DEMO_AUTH_KEY, "Brand-URL": DEMO_BRAND_URL, **extra}


def demo_body(**extra: Any) -> dict[str, Any]:
    return {
        "username": DEMO_ACCOUNT_SID,
        "password": DEMO_AUTH_TOKEN,
        "phoneNumberFrom": DEMO_PHONE_FROM,
        "phoneNumberTo": "+14155552671",
        "message": "hello",
        **extra,
    }


def demo_request(host: str = "x") -> bytes:
    """One complete raw HTTP request that the sandbox answers with a success."""
    raw = json.dumps(demo_body()).encode()
    return (
        f"POST {SMS_PATH} HTTP/1.1\r\nHost: {host}\r\nAuth-Key: {DEMO_AUTH_KEY}\r\n"
        f"Brand-URL: {DEMO_BRAND_URL}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n"
    ).encode() + raw


def read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes; fails if it does not before `deadline`."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"the server did not close the connection in time (got {data[:200]!r})"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            continue
        if not chunk:
            return data
        data += chunk


def failure_message(response: httpx.Response, status: int) -> str:
    """The failure envelope's words (message and the error item's), checked for shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    env = response.json()
    assert env["success"] is False
    assert env["statusCode"] == status
    assert len(env["errors"]) == 1
    words = f"{env['message']} {env['errors'][0]['message']}"
    for bad in ("Traceback", "Error:", "RecursionError", "Exception"):
        assert bad not in response.text
    return words


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# --- a real `smstester sandbox` process, measured from outside ----------------------------------


def proc_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")  # pragma: no cover


def proc_cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_line(stream: IO[str], timeout: float) -> str:
    """One line from a child's pipe, or fail after `timeout` seconds."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert box, "the child printed nothing in time"
    return box[0]


@contextlib.contextmanager
def sandbox_cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`smstester sandbox ARGS` as a child process; yields it and its first stdout line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester", "sandbox", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        yield proc, read_line(proc.stdout, 20)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.communicate()


def stop_and_collect(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Stop the child with SIGTERM; its exit code and the rest of its output."""
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(10)
    # Through the pipes' own readers: the first line was read with one, which may hold more.
    return code, proc.stdout.read(), proc.stderr.read()


# --- point 10: the rate limiter's memory ---------------------------------------------------------


def test_rate_limiter_memory_does_not_grow_with_the_keys_it_sees() -> None:
    limiter = RateLimiter(300, 60.0)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(3000):
            key = f"{i:08d}" + "k" * (32 * 1024 - 8)  # 3,000 distinct 32 KB keys: 96 MB
            assert limiter.check(key) is None
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(limiter) == 3000
    # A fixed-size entry per key, whatever the key's size: well under 1 KB each.
    assert grown < 3000 * 1024, f"{grown / 1e6:.1f} MB for 3,000 keys"


def test_rate_limiter_tracks_at_most_max_keys() -> None:
    limiter = RateLimiter(300, 60.0, max_keys=1000)

    def feed(start: int, count: int) -> None:
        for i in range(start, start + count):
            limiter.check(f"key-{i}-" + "x" * 2000)

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        feed(0, 2000)
        at_2000 = tracemalloc.get_traced_memory()[0] - base
        feed(2000, 8000)
        at_10000 = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(limiter) == 1000
    # Five times the keys, the same memory: the state is bounded by max_keys.
    assert at_10000 < at_2000 * 1.2 + 64 * 1024, (at_2000, at_10000)


def test_rate_limiter_forgets_the_least_recently_seen_key_first() -> None:
    limiter = RateLimiter(1, 60.0, max_keys=3)
    for key in ("a", "b", "c"):
        assert limiter.check(key) is None
    assert limiter.check("a") is not None  # "a" is limited, and now the most recent
    assert limiter.check("d") is None  # over the cap: "b", the oldest, is forgotten
    assert len(limiter) == 3
    assert limiter.check("b") is None  # counted afresh
    assert limiter.check("a") is not None  # still remembered, still limited


def test_rate_limit_still_applies_per_key() -> None:
    limiter = RateLimiter(2, 60.0)
    long_key = "K" * 40_000
    assert limiter.check(long_key) is None
    assert limiter.check(long_key) is None
    wait = limiter.check(long_key)
    assert wait is not None
    assert 0 < wait <= 60
    assert limiter.check(long_key[:-1] + "L") is None  # another key, its own count


# --- point 11: a body nested 100,000 deep --------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        b'{"username": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    ],
    ids=["arrays", "objects", "inside-a-field"],
)
def test_a_body_nested_100000_deep_is_400_in_plain_words(
    raw: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(verbose=True) as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        response = client.post(
            SMS_PATH, headers=demo_headers(**{"Content-Type": "application/json"}), content=raw
        )
        words = failure_message(response, 400)
        assert "nested" in words
        assert str(MAX_JSON_DEPTH) in words
        ok = client.post(SMS_PATH, headers=demo_headers(), json=demo_body())
        assert ok.status_code == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "RecursionError" not in err
    assert "recursion" not in err.lower()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\,:ab \n', max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=4), children, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES, limit=st.integers(0, 8), indent=st.sampled_from([None, 1]))
def test_the_depth_scan_agrees_with_the_parsed_value(
    value: Any, limit: int, indent: int | None
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert json_too_deep(text, limit) is (depth_of(value) > limit)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    def nested(depth: int) -> Any:
        value: Any = 1
        for _ in range(depth):
            value = [value]
        return value

    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        # The body object is one level; "extra" adds the rest.
        at_limit = client.post(
            SMS_PATH, headers=demo_headers(), json=demo_body(extra=nested(MAX_JSON_DEPTH - 1))
        )
        assert at_limit.status_code == 200, at_limit.text
        over = client.post(
            SMS_PATH, headers=demo_headers(), json=demo_body(extra=nested(MAX_JSON_DEPTH))
        )
        assert "nested" in failure_message(over, 400)


def test_fault_echo_copes_with_a_deep_body(capfd: pytest.CaptureFixture[str]) -> None:
    raw = b"[" * DEEP + b"]" * DEEP
    with SandboxServer(verbose=True) as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        response = client.post(
            "/api/v1/app-integrations/fault-echo/sms/test", headers=demo_headers(), content=raw
        )
        assert response.status_code == 400
        assert response.json()["data"]["json"] is None
        assert response.json()["data"]["body"] == raw.decode()
        assert client.post(SMS_PATH, headers=demo_headers(), json=demo_body()).status_code == 200
    assert "Traceback" not in capfd.readouterr().err


# --- point 10: header sizes ----------------------------------------------------------------------


def test_a_header_line_over_the_limit_is_431_in_plain_words() -> None:
    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        response = client.post(
            SMS_PATH, headers=demo_headers(**{"Auth-Key": "k" * 32 * 1024}), json=demo_body()
        )
        words = failure_message(response, 431)
        assert str(MAX_HEADER_LINE) in words
        assert response.headers["connection"] == "close"
        assert client.post(SMS_PATH, headers=demo_headers(), json=demo_body()).status_code == 200


def test_headers_over_the_total_limit_are_431() -> None:
    many = {f"X-Pad-{i}": "p" * 1000 for i in range(MAX_HEADER_BYTES // 1000 + 1)}
    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        response = client.post(SMS_PATH, headers=demo_headers(**many), json=demo_body())
        words = failure_message(response, 431)
        assert str(MAX_HEADER_BYTES) in words
        assert client.post(SMS_PATH, headers=demo_headers(), json=demo_body()).status_code == 200


def test_headers_under_the_limits_are_read() -> None:
    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        key = "k" * (MAX_HEADER_LINE - 100)
        response = client.post(SMS_PATH, headers=demo_headers(**{"Auth-Key": key}))
        assert response.status_code == 401  # read, and refused as a wrong key
        pad = {f"X-Pad-{i}": "p" * 1000 for i in range(MAX_HEADER_BYTES // 1000 - 4)}
        ok = client.post(SMS_PATH, headers=demo_headers(**pad), json=demo_body())
        assert ok.status_code == 200


def test_a_request_line_over_the_limit_is_414() -> None:
    with SandboxServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        response = client.post("/" + "a" * MAX_HEADER_LINE, headers=demo_headers())
        failure_message(response, 414)
        assert client.post(SMS_PATH, headers=demo_headers(), json=demo_body()).status_code == 200


def test_a_flood_of_distinct_large_keys_keeps_the_process_small() -> None:
    """A real `smstester sandbox`: 4,000 requests with distinct 7 KB Auth-Keys and 300 with
    32 KB ones; its resident memory grows by a few MB at most (when it kept every key: by
    about 40 MB)."""
    with sandbox_cli("--json") as (proc, line):
        port = int(json.loads(line)["url"].rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:

            def hit(key: str) -> int:
                conn.request("POST", SMS_PATH, headers={"Auth-Key": key, "Brand-URL": "b"})
                response = conn.getresponse()
                response.read()
                return response.status

            assert hit("warm-up") == 401
            before = proc_rss_bytes(proc.pid)
            statuses = {hit(f"{i:06d}" + "x" * (32 * 1024)) for i in range(300)}
            statuses |= {hit(f"{i:06d}" + "y" * 7000) for i in range(4000)}
            after = proc_rss_bytes(proc.pid)
        finally:
            conn.close()
        assert statuses <= {401, 431}
        assert 401 in statuses
        grown = after - before
        print(f"RSS {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
        assert grown < 10 * 1024 * 1024, f"the sandbox grew by {grown / 1e6:.1f} MB"


# --- point 10: connections -----------------------------------------------------------------------


def test_defaults_are_a_few_seconds_and_a_few_dozen_connections() -> None:
    assert 5 < IDLE_TIMEOUT <= 15  # longer than httpx's 5 s keep-alive expiry
    assert 16 <= MAX_CONNECTIONS <= 256


def test_idle_connections_beyond_the_cap_do_not_block_a_normal_request() -> None:
    cap = 8
    with SandboxServer(idle_timeout=1.0, max_connections=cap) as srv:
        opened = time.monotonic()
        idle: list[socket.socket] = []
        try:
            for i in range(40):
                sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
                idle.append(sock)
                if i % 4 == 0:
                    sock.sendall(b"POST /api/v1/app-integ")  # half a request line
            started = time.monotonic()
            response = httpx.post(
                srv.url + SMS_PATH, headers=demo_headers(), json=demo_body(), timeout=5
            )
            took = time.monotonic() - started
            assert response.status_code == 200
            assert took < 1.0, f"a normal request took {took:.2f} s"
            wait_until(
                lambda: srv.open_connections <= cap, 2, f"{srv.open_connections} connections open"
            )
            # Every idle socket is closed by the server: evicted, or after the idle timeout.
            deadline = opened + 1.0 + 3.0
            for sock in idle:
                answer = read_until_closed(sock, deadline)
                assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        finally:
            for sock in idle:
                sock.close()
        wait_until(lambda: srv.open_connections == 0, 3, "connections still open")


def read_one_answer(sock: socket.socket) -> bytes:
    """One HTTP answer (head and Content-Length body) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        rest += chunk
    return head + b"\r\n\r\n" + rest


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() -> None:
    with SandboxServer(idle_timeout=0.5) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(demo_request().replace(b"Connection: close\r\n", b""))
            answer = read_one_answer(sock)
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert b"Connection: close" not in answer
            started = time.monotonic()
            assert read_until_closed(sock, started + 3) == b""
            assert 0.4 < time.monotonic() - started < 2.5
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            started = time.monotonic()  # a client that connects and sends nothing
            assert read_until_closed(sock, started + 3) == b""
            assert 0.4 < time.monotonic() - started < 2.5
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(b"POST /api/v1/app-integrations/demo")  # and never the rest
            started = time.monotonic()
            answer = read_until_closed(sock, started + 3)
            assert answer.startswith(b"HTTP/1.1 408 ")
            assert b'"statusCode": 408' in answer
            assert 0.4 < time.monotonic() - started < 2.5


def test_a_request_trickled_byte_by_byte_is_cut_at_the_idle_timeout() -> None:
    with SandboxServer(idle_timeout=0.6) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            started = time.monotonic()
            request = demo_request()
            closed = False
            for byte in request[:-5]:
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                if time.monotonic() - started > 3:
                    break
                time.sleep(0.05)  # slowloris: one byte every 50 ms
            if not closed:
                read_until_closed(sock, time.monotonic() + 3)
            assert time.monotonic() - started < 3


def test_busy_connections_at_the_cap_refuse_a_new_one_at_once() -> None:
    with SandboxServer(max_connections=2, slow_seconds=1.5) as srv:
        results: list[int] = []

        def slow() -> None:
            response = httpx.post(
                srv.url + "/api/v1/app-integrations/fault-slow/sms/test",
                headers=demo_headers(),
                timeout=10,
            )
            results.append(response.status_code)

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        wait_until(lambda: srv.request_count >= 2, 5, "the slow requests did not arrive")
        started = time.monotonic()
        response = httpx.post(srv.url + SMS_PATH, headers=demo_headers(), timeout=5)
        took = time.monotonic() - started
        words = failure_message(response, 503)
        assert "connections" in words
        assert response.headers["retry-after"] == "1"
        assert took < 1.0
        for thread in threads:
            thread.join(10)
        assert results == [200, 200]
        ok = httpx.post(srv.url + SMS_PATH, headers=demo_headers(), json=demo_body(), timeout=5)
        assert ok.status_code == 200


EMFILE_CHILD = textwrap.dedent(
    """
    import json, os, resource, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    from smstester.sandbox import SandboxServer
    server = SandboxServer().start()
    print(json.dumps({"port": server.port, "pid": os.getpid()}), flush=True)
    held = []
    for line in sys.stdin:
        if line.strip() == "fill":
            try:
                while True:
                    held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                pass
            print(json.dumps({"held": len(held)}), flush=True)
        elif line.strip() == "free":
            for fd in held:
                os.close(fd)
            held.clear()
            print("{}", flush=True)
        else:
            break
    server.stop()
    """
)


def test_out_of_descriptors_the_accept_loop_backs_off_and_recovers(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(EMFILE_CHILD)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        port = json.loads(read_line(proc.stdout, 20))["port"]
        proc.stdin.write("fill\n")
        proc.stdin.flush()
        assert json.loads(read_line(proc.stdout, 10))["held"] > 50
        # The kernel completes the handshake; the sandbox cannot accept it (EMFILE).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(demo_request())
            cpu_before = proc_cpu_seconds(proc.pid)
            time.sleep(2.0)  # a measurement window, not a wait for a result
            cpu = proc_cpu_seconds(proc.pid) - cpu_before
            print(f"CPU over 2 s without descriptors: {cpu:.2f} s")
            assert cpu < 0.3, f"the sandbox used {cpu:.2f} s of CPU in 2 s while out of descriptors"
            assert proc.poll() is None
            proc.stdin.write("free\n")
            proc.stdin.flush()
            read_line(proc.stdout, 10)
            answer = read_until_closed(sock, time.monotonic() + 5)
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        response = httpx.post(
            f"http://127.0.0.1:{port}{SMS_PATH}", headers=demo_headers(), json=demo_body()
        )
        assert response.status_code == 200
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# --- CONTRACT §5a: a --host that is not loopback -------------------------------------------------


def test_sandbox_on_every_interface_warns_and_prints_a_url_that_works() -> None:
    with sandbox_cli("--host", "0.0.0.0", "--json") as (proc, line):
        url = json.loads(line)["url"]
        port = int(url.rsplit(":", 1)[1])
        assert url == f"http://127.0.0.1:{port}"
        # Only ever reached over loopback here.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(demo_request())
            assert read_until_closed(sock, time.monotonic() + 5).startswith(b"HTTP/1.1 200 ")
        response = httpx.post(url + SMS_PATH, headers=demo_headers(), json=demo_body(), timeout=5)
        assert response.status_code == 200
        code, _, err = stop_and_collect(proc)
    assert code == 0
    assert f"0.0.0.0:{port}" in err
    assert "anyone" in err
    assert "demo credentials" in err
    assert "--host 127.0.0.1" in err
    assert DEMO_AUTH_TOKEN not in err
    assert DEMO_AUTH_KEY not in err
    assert "Traceback" not in err


def test_sandbox_on_every_interface_says_so_in_the_text_output() -> None:
    with sandbox_cli("--host", "0.0.0.0") as (proc, line):
        assert "0.0.0.0:" in line
        port = int(line.split("0.0.0.0:", 1)[1].split()[0].rstrip(",;)"))
        assert f"http://127.0.0.1:{port}" in line
        code, out, err = stop_and_collect(proc)
    assert code == 0
    assert f"url              http://127.0.0.1:{port}" in out
    assert "anyone" in err


def test_sandbox_on_loopback_prints_no_warning() -> None:
    with sandbox_cli("--host", "127.0.0.1", "--json") as (proc, line):
        url = json.loads(line)["url"]
        assert url.startswith("http://127.0.0.1:")
        response = httpx.post(url + SMS_PATH, headers=demo_headers(), json=demo_body(), timeout=5)
        assert response.status_code == 200
        code, out, err = stop_and_collect(proc)
    assert code == 0
    assert err == ""
    assert out == ""

"""Hostile answers over real sockets on 127.0.0.1: one deadline bounds the whole send
(a status line or headers trickled forever, a body trickled), a decompression bomb never
grows past the body limit (the CLI's peak memory is measured), and the exit code says
whether the server answered (a status line came) or not.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from faulty_servers import (
    Handler,
    LoopbackServer,
    cut_success,
    encoded_body,
    gzip_bomb,
    huge_body,
    never_answer,
    trickle_body,
    trickle_headers,
    trickle_status,
)
from support import GOOD

from smstester.cli import main
from smstester.core.client import CancelToken, Failure, SendResult, SmsClient, Timeouts
from smstester.sandbox import SandboxServer

#: The whole send's limit of these tests, and how much later than it a send may end.
LIMIT = 1.5
SLACK = 1.0

#: A send still running this long after its limit is cut by the test itself.
WATCHDOG = 5.0

#: A trickle far slower than any per-read timeout would notice.
TRICKLE = 0.3

#: How long the real CLI may take to start and stop on a busy machine, on top of --timeout.
CLI_SLACK = 4.0

#: The CLI's peak memory (resident set) on a decompression bomb may not exceed this.
MAX_RSS_BYTES = 200 * 1024 * 1024


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Neither the client (its deadline timer) nor the servers leave a thread running."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        assert not thread.is_alive(), thread


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A GiB of zeros, gzipped twice: about 2.5 KB."""
    return gzip_bomb()


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


# --- one deadline for the whole send ---------------------------------------------------

SILENT_WORDS = (
    "127.0.0.1:{port} accepted the connection but did not answer in time (waited 1.5 s): "
    "no complete answer within 1.5 s, the whole send's limit."
)


@pytest.mark.parametrize(
    ("handler", "status", "words"),
    [
        (trickle_status(TRICKLE), None, SILENT_WORDS),
        (trickle_headers(TRICKLE), None, SILENT_WORDS),
        (never_answer, None, SILENT_WORDS),
        (
            trickle_body(TRICKLE),
            200,
            "127.0.0.1:{port} did not send the whole answer in time (waited 1.5 s, the whole "
            "send's limit); only the start was read.",
        ),
    ],
    ids=["status-line-byte-by-byte", "a-header-line-at-a-time", "silent", "body-trickled"],
)
def test_the_whole_send_ends_at_its_limit(handler: Handler, status: int | None, words: str) -> None:
    with LoopbackServer(handler) as server:
        result, took = send_to(server, whole_send(LIMIT))
        assert server.connections == 1
    assert LIMIT <= took < LIMIT + SLACK, took
    assert result.failure is Failure.READ_TIMEOUT
    assert result.error == words.format(port=server.port)
    assert result.http_status == status
    assert result.exit_code == (3 if status is None else 1)


def test_a_trickle_ends_at_the_limit_even_when_each_read_may_wait_longer() -> None:
    # Each read may wait 1 s, and every byte comes within 0.3 s: only the deadline ends it.
    with LoopbackServer(trickle_headers(TRICKLE)) as server:
        result, took = send_to(server, Timeouts(connect=1, read=1, total=LIMIT))
    assert LIMIT <= took < LIMIT + SLACK
    assert result.failure is Failure.READ_TIMEOUT
    assert result.error is not None
    assert "the whole send's limit" in result.error


def test_a_per_read_timeout_shorter_than_the_limit_still_says_so() -> None:
    with LoopbackServer(never_answer) as server:
        result, took = send_to(server, Timeouts(connect=1, read=0.5, total=LIMIT))
    assert 0.5 <= took < 0.5 + SLACK
    assert result.error == (
        f"127.0.0.1:{server.port} accepted the connection but did not answer in time "
        "(waited 0.5 s)."
    )


@pytest.mark.parametrize(
    ("handler", "status"),
    [(trickle_headers(TRICKLE), None), (trickle_body(TRICKLE), 200)],
    ids=["while-the-headers-trickle", "while-the-body-trickles"],
)
def test_cancel_still_ends_a_trickled_send_at_once(handler: Handler, status: int | None) -> None:
    with (
        LoopbackServer(handler) as server,
        SmsClient(timeouts=whole_send(30)) as client,
        watchdog(server, 10),
    ):
        cancel = CancelToken()
        timer = threading.Timer(0.5, cancel.cancel)
        started = time.perf_counter()
        timer.start()
        try:
            result = client.send(GOOD.with_changes(base_url=server.url), cancel)
        finally:
            timer.cancel()
            timer.join()
        took = time.perf_counter() - started
    assert 0.5 <= took < 0.5 + SLACK
    assert result.failure is Failure.CANCELLED
    assert result.error == "Cancelled."
    assert result.http_status == status


def test_the_same_client_sends_again_after_a_deadline() -> None:
    sandbox = SandboxServer().start()
    demo = sandbox.demo
    try:
        with (
            LoopbackServer(trickle_headers(TRICKLE)) as server,
            SmsClient(timeouts=whole_send(1)) as client,
            watchdog(server, 10),
        ):
            late = client.send(GOOD.with_changes(base_url=server.url))
            again = client.send(
                GOOD.with_changes(
                    base_url=demo.url,
                    brand_url=demo.brand_url,
                    integration_id=demo.integration_id,
                    auth_key=demo.auth_key,
                    username=demo.username,
                    password=demo.password,
                    phone_from=demo.phone_from,
                )
            )
    finally:
        sandbox.stop()
    assert late.failure is Failure.READ_TIMEOUT
    assert again.success, again.error


@pytest.mark.parametrize(
    ("handler", "exit_code"),
    [(trickle_status(TRICKLE), 3), (trickle_headers(TRICKLE), 3), (trickle_body(TRICKLE), 1)],
    ids=["status-line-byte-by-byte", "a-header-line-at-a-time", "body-trickled"],
)
def test_the_cli_ends_a_trickled_answer_at_its_timeout(handler: Handler, exit_code: int) -> None:
    with LoopbackServer(handler) as server:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "smstester", *cli_args(server, "--timeout", "2")],
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=15,
        )
        took = time.perf_counter() - started
    assert took < 2 + CLI_SLACK, took
    assert "(waited 2 s" in done.stdout, done.stdout + done.stderr
    assert "the whole send's limit" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert GOOD.auth_key not in done.stdout + done.stderr
    assert done.returncode == exit_code


# --- no decompression bomb -------------------------------------------------------------


def test_a_gzip_gzip_bomb_stops_at_the_body_limit(bomb: bytes) -> None:
    assert len(bomb) < 4000
    with LoopbackServer(encoded_body(bomb, "gzip, gzip")) as server:
        tracemalloc.start()
        try:
            result, took = send_to(server, whole_send(10))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MiB allocated at the peak"
    assert result.failure is Failure.TOO_LARGE
    assert result.error == (
        "The answer is larger than 5 MiB once decompressed (Content-Encoding: gzip, gzip); "
        "only the start was read."
    )
    assert result.body is not None
    assert len(result.body.text) == 5 * 1024 * 1024
    assert result.http_status == 200
    assert result.exit_code == 1
    assert took < 5


def test_every_request_says_it_takes_no_compression() -> None:
    body = json.dumps({"success": True, "statusCode": 200, "message": "sent"}).encode()
    with LoopbackServer(encoded_body(body, "identity")) as server:
        result, _ = send_to(server, whole_send(5))
    assert result.success
    head = server.heads[0].lower().split("\r\n")
    assert "accept-encoding: identity" in head
    assert sum(line.startswith("accept-encoding:") for line in head) == 1


def test_a_small_gzipped_envelope_still_decodes() -> None:
    envelope = {"success": True, "statusCode": 200, "message": "queued", "data": {"sid": "SM9"}}
    with LoopbackServer(
        encoded_body(gzip.compress(json.dumps(envelope).encode()), "gzip")
    ) as server:
        result, _ = send_to(server, whole_send(5))
    assert result.failure is None
    assert result.success
    assert result.exit_code == 0
    assert result.as_json()["envelope"]["data"] == {"sid": "SM9"}


def test_a_brotli_answer_is_named_not_decoded() -> None:
    with LoopbackServer(encoded_body(b"\x0b\x02\x80hello\x03", "br")) as server:
        result, _ = send_to(server, whole_send(5))
    assert result.failure is Failure.ENCODING
    assert result.error == (
        "The answer is compressed (Content-Encoding: br) with br, which smstester does not "
        "decode; it asked for an answer without compression (Accept-Encoding: identity)."
    )
    assert result.exit_code == 1


#: Runs argv[3:] and writes its peak resident set (KiB) to the file argv[1]; kills it after
#: argv[2] seconds. Run from this small process, not from pytest: Linux counts in a child's
#: ru_maxrss the memory of the process it was forked from (measured: a child of a 500 MiB
#: process reports 510 MiB for `python -c pass`, a grandchild 11 MiB).
MEASURE = """
import os, subprocess, sys, time
report, limit, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
child = subprocess.Popen(argv)
give_up = time.monotonic() + limit
while not (done := os.wait4(child.pid, os.WNOHANG))[0]:
    if time.monotonic() > give_up:
        child.kill()
        done = os.wait4(child.pid, 0)
        break
    time.sleep(0.02)
_, status, usage = done
with open(report, "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], timeout: float) -> tuple[int, str, str, int]:
    """Run the CLI (`python -m smstester ARGV`); its exit code, output, error output and
    peak resident set in bytes."""
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "maxrss")
        cli = [sys.executable, "-m", "smstester", *argv]
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, report, str(timeout), *cli],
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=timeout + 10,
        )
        with open(report) as kib:
            peak = int(kib.read()) * 1024  # Linux counts ru_maxrss in KiB
    return done.returncode, done.stdout, done.stderr, peak


def test_the_cli_stays_small_on_a_decompression_bomb(bomb: bytes) -> None:
    with LoopbackServer(encoded_body(bomb, "gzip, gzip")) as server:
        code, out, err, peak = run_measured(cli_args(server, "--timeout", "20"), timeout=60)
        code_json, out_json, _, peak_json = run_measured(
            cli_args(server, "--timeout", "20", "--json"), timeout=60
        )
    print(f"peak resident set of `smstester send` on the bomb: {peak / 2**20:.1f} MiB")
    assert peak < MAX_RSS_BYTES, peak
    assert peak_json < MAX_RSS_BYTES, peak_json
    assert code == 1, out + err
    assert "Incomplete answer: The answer is larger than 5 MiB once decompressed" in out
    assert "Traceback" not in out + err
    assert code_json == 1
    answer = json.loads(out_json)
    assert answer["httpStatus"] == 200
    assert answer["error"].startswith("The answer is larger than 5 MiB")


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

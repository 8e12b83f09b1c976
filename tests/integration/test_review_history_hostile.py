"""The history against hostile data, through real `smstester` processes: a server that
echoes both secrets re-encoded (JSON escapes, base64, percent-encoding, a Basic header) into
the envelope; 100,000 error items; a damaged or a newer history file; two processes
writing at once. The database, its WAL, both exports and the ticket note hold no secret in
any form, and every command ends in words."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faulty_servers import LoopbackServer, read_request

ROOT = Path(__file__).resolve().parents[2]
AUTH_KEY = "review-auth-key-5f1e9a0c7d"
AUTH_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SID = "AC0123456789abcdef0123456789abcdef"


def forms(secret: str) -> list[bytes]:
    """`secret` in every form a server may echo it, as bytes to look for in a file."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in secret)
    return [
        secret.encode(),
        escaped.encode(),
        base64.b64encode(secret.encode()),
        urllib.parse.quote(secret, safe="").encode(),
    ]


def echo_envelope(request: bytes) -> bytes:
    """A failure envelope that carries both secrets back, in every form."""
    head, _, body = request.partition(b"\r\n\r\n")
    key = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"auth-key:")
    )
    token = json.loads(body)["password"]
    basic = base64.b64encode(f"{SID}:{token}".encode()).decode()
    words = " ".join(
        [
            f"key {key} token {token}",
            "esc " + "".join(f"\\u{ord(c):04x}" for c in token),
            f"b64 {base64.b64encode(key.encode()).decode()}",
            f"pct {urllib.parse.quote(token, safe='')}",
            f"Authorization: Basic {basic}",
        ]
    )
    inner = json.dumps({"echo": {"authKey": key, "password": token}})
    return json.dumps(
        {
            "success": False,
            "statusCode": 400,
            "message": words,
            "data": {"request": json.loads(body), "nested": inner},
            "errors": [{"code": "21211", "message": words, "details": inner, "correlationId": key}],
        }
    ).encode()


def many_errors(_request: bytes) -> bytes:
    items: list[dict[str, str]] = [
        {"code": str(20000 + i % 900), "correlationId": f"c{i}"} for i in range(100_000)
    ]
    for item in items[::1000]:  # the Auth Token echoed now and then (3.7 MB in all)
        item["message"] = f"token {AUTH_TOKEN}"
    return json.dumps(
        {"success": False, "statusCode": 400, "message": "many", "data": None, "errors": items},
        separators=(",", ":"),
    ).encode()


def answering(make: Any) -> Any:
    def handle(conn: Any, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        body = make(request)
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return handle


@pytest.fixture
def env(config_folder: Path) -> dict[str, str]:
    return dict(
        os.environ,
        SMSTESTER_CONFIG_DIR=str(config_folder),
        SMSTESTER_AUTH_KEY=AUTH_KEY,
        SMSTESTER_PASSWORD=AUTH_TOKEN,
        NO_PROXY="*",
    )


def smstester(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "smstester", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def flags(url: str, **changes: str) -> list[str]:
    values = {
        "--base-url": url,
        "--brand-url": "acme.example",
        "--integration-id": "tw-main",
        "--username": SID,
        "--from": "+15005550006",
        "--to": "+14155552671",
        "--message": "hello",
        "--timeout": "20",
    }
    values |= {"--" + k.replace("_", "-"): v for k, v in changes.items()}
    return [part for pair in values.items() for part in pair]


@pytest.fixture
def echo_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(answering(echo_envelope)).start()
    yield server
    server.stop()


def test_echoed_secrets_in_any_encoding_reach_no_history_file_export_or_note(
    echo_server: LoopbackServer, env: dict[str, str], config_folder: Path, tmp_path: Path
) -> None:
    url = echo_server.url
    # The agent's message holds the Auth Token too (pasted by mistake): masked as well.
    outputs = [
        smstester(env, "send", "--ticket", *flags(url)),
        smstester(env, "send", "--json", *flags(url, message=f"token is {AUTH_TOKEN}")),
        smstester(env, "history", "--json"),
        smstester(env, "history"),
        smstester(env, "history", "--search", "key"),
        smstester(env, "history", "show", "1", "--ticket"),
        smstester(env, "history", "show", "2"),
        smstester(env, "history", "show", "2", "--json"),
        smstester(env, "history", "export", str(tmp_path / "all.json")),
        smstester(env, "history", "export", str(tmp_path / "all.csv")),
    ]
    codes = [o.returncode for o in outputs]
    assert codes == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [o.stderr for o in outputs]
    shown = json.loads(outputs[7].stdout)
    assert "••••••" in json.dumps(shown, ensure_ascii=False)  # masked, not dropped
    files = [p for p in config_folder.iterdir() if p.is_file()]
    files += [tmp_path / "all.json", tmp_path / "all.csv"]
    assert any(p.name == "history.sqlite3" for p in files)
    basic = base64.b64encode(f"{SID}:{AUTH_TOKEN}".encode())
    for secret in (AUTH_KEY, AUTH_TOKEN):
        for form in forms(secret):
            for path in files:
                assert form not in path.read_bytes(), (path.name, form)
            for done in outputs:
                assert form not in done.stdout + done.stderr, form
    for path in files:
        assert basic not in path.read_bytes(), path.name
    for done in outputs:
        assert b"Traceback" not in done.stderr
        assert b"\x1b" not in done.stdout


def test_100000_error_items_are_kept_bounded_and_read_back_in_words(
    env: dict[str, str], config_folder: Path, tmp_path: Path
) -> None:
    with LoopbackServer(answering(many_errors)) as server:
        sent = smstester(env, "send", "--json", "--ticket", *flags(server.url))
    assert sent.returncode == 1, sent.stderr
    db = config_folder / "history.sqlite3"
    assert db.stat().st_size < 64 << 20
    for args in (
        ("history",),
        ("history", "--json"),
        ("history", "--search", "20003"),
        ("history", "show", "1", "--ticket"),
        ("history", "export", str(tmp_path / "h.csv")),
        ("history", "export", str(tmp_path / "h.json")),
    ):
        done = smstester(env, *args, timeout=30)
        assert done.returncode == 0, (args, done.stderr)
        assert b"Traceback" not in done.stderr
        for form in forms(AUTH_TOKEN):
            assert form not in done.stdout, args
    note = smstester(env, "history", "show", "1", "--ticket").stdout.decode()
    assert "Error codes:" in note
    assert len(note) < 50_000, len(note)  # a note a tracker takes, not 100,000 lines
    for path in (db, tmp_path / "h.csv", tmp_path / "h.json"):
        for form in forms(AUTH_TOKEN):
            assert form not in path.read_bytes(), path.name


def test_a_damaged_wal_or_a_newer_history_is_set_aside_and_sending_goes_on(
    echo_server: LoopbackServer, env: dict[str, str], config_folder: Path
) -> None:
    first = smstester(env, "send", *flags(echo_server.url))
    assert first.returncode == 1, first.stderr
    db = config_folder / "history.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 9999")
    conn.close()
    newer = smstester(env, "send", "--json", *flags(echo_server.url))
    assert newer.returncode == 1, newer.stderr
    assert isinstance(json.loads(newer.stdout)["historyId"], int)
    assert list(config_folder.glob("history.sqlite3.newer-*")), newer.stderr
    assert b"Traceback" not in newer.stderr and newer.stderr.strip()
    db.write_bytes(db.read_bytes()[:100] + b"\xff" * 4096)  # the header kept, the rest broken
    broken = smstester(env, "history")
    assert b"Traceback" not in broken.stderr
    assert broken.returncode in (0, 1, 2), broken.stderr
    again = smstester(env, "send", "--json", *flags(echo_server.url))
    assert again.returncode == 1, again.stderr
    assert isinstance(json.loads(again.stdout)["historyId"], int), again.stderr
    listed = smstester(env, "history", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) >= 1


def test_two_processes_sending_at_once_lose_no_entry(
    echo_server: LoopbackServer, env: dict[str, str], config_folder: Path
) -> None:
    script = (
        "import sys\n"
        "from smstester.cli import main\n"
        "codes = [main(sys.argv[1:]) for _ in range(25)]\n"
        "sys.exit(0 if set(codes) == {1} else 9)\n"
    )
    argv = [sys.executable, "-c", script, "send", *flags(echo_server.url)]
    procs = [
        subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    for err in errs:
        assert b"cannot be kept" not in err and b"Traceback" not in err, err
    listed = smstester(env, "history", "--json", "--limit", "1000")
    rows = json.loads(listed.stdout)
    assert len(rows) == 50
    assert len({row["id"] for row in rows}) == 50
    assert (config_folder / "history.sqlite3").stat().st_mode & 0o077 == 0

"""`login`, `integrations` and `check` against a hostile jframework on 127.0.0.1: secrets
echoed back in every encoding, terminal escapes and bidi controls in names, HTML instead of
JSON, a gzip bomb, a trickled answer, garbage expiry times. Each command must end in plain
words within its --timeout, never a traceback, never a secret, never a raw escape."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from faulty_servers import LoopbackServer, _pause, gzip_bomb, read_request

from smstester.cli import main

PASSWORD = "Hunter2-Secret/pw"
AUTH_KEY = "hostile-auth-key-0123456789"
SETTING_PASSWORD = "setting-secret-pw-42"
ESCAPES = "\x1b[2J\x1b]52;c;SGVsbG8=\x07\u202e\x1b[1A\x1b[2K"

Reply = Callable[[str, bytes], "tuple[str, bytes, dict[str, str]] | None"]


def _envelope(data: Any, *, success: bool = True, status: int = 200, message: str = "ok") -> bytes:
    body = {"success": success, "statusCode": status, "message": message, "data": data}
    return json.dumps({**body, "errors": []}).encode()


def _echoes(secret: str) -> str:
    """`secret` as a hostile server would echo it: raw, JSON-escaped, base64, percent."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in secret)
    b64 = base64.b64encode(secret.encode()).decode()
    return f"raw {secret} esc {escaped} b64 {b64} pct {urllib.parse.quote(secret, safe='')}"


class Hostile:
    """A jframework whose answer to each path is `reply(path, body)`; a default otherwise."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.server = LoopbackServer(self._handle)

    def _handle(self, conn: Any, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        head, _, body = request.partition(b"\r\n\r\n")
        path = head.split(b"\r\n", 1)[0].decode("latin-1").split()[1]
        server.seen.append(path)
        if path.endswith("/trickle-forever"):
            return
        answer = self.reply(path, body) or _default(path)
        status, payload, headers = answer
        if status == "trickle":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000000\r\n\r\n{"data": "'
            )
            while _pause(conn, 0.2):
                conn.sendall(b"x" * 10)
            return
        ctype = headers.pop("ct", "application/json")
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
            f"{extra}Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )


def _default(path: str) -> tuple[str, bytes, dict[str, str]]:
    if "/users/auth" in path:
        data = {"username": "bob", "authKey": AUTH_KEY, "expiresIn": "2099-01-01T00:00:00Z"}
        return "200 OK", _envelope(data), {}
    if "/brands/by-url" in path:
        return "200 OK", _envelope({"id": "b1", "name": "Acme"}), {}
    if "check-auth-key" in path:
        return "200 OK", _envelope(True), {}
    if "/app-integrations/sms" in path:
        row = {"id": "s1", "appIntegrationId": "tw", "name": "Main", "status": "Active"}
        return "200 OK", _envelope([{**row, "password": SETTING_PASSWORD, "isDefault": True}]), {}
    if "/app-integrations" in path:
        return "200 OK", _envelope([]), {}
    return "404 Not Found", _envelope(None, success=False, status=404, message="nope"), {}


@pytest.fixture
def hostile() -> Iterator[Callable[[Reply], str]]:
    servers: list[LoopbackServer] = []

    def start(reply: Reply) -> str:
        server = Hostile(reply).server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, *argv: str
) -> tuple[int, str, float]:
    monkeypatch.setenv("SMSTESTER_LOGIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", AUTH_KEY)
    started = time.monotonic()
    code = main([*argv, "--base-url", url, "--brand-url", "acme.example"])
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    return code, out + err, took


def assert_clean(text: str, *secrets: str) -> None:
    """No secret in any encoding, no raw escape or bidi control, no traceback."""
    assert "Traceback" not in text
    assert "internal error" not in text
    for char in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert char not in text, repr(text)
    for secret in secrets:
        for form in (
            secret,
            base64.b64encode(secret.encode()).decode(),
            urllib.parse.quote(secret, safe=""),
        ):
            assert form not in text, (form, text)


def test_a_sign_in_refusal_that_echoes_the_password_never_shows_it(
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" not in path:
            return None
        sent = json.loads(body)["password"]
        words = _echoes(sent)
        env = {"success": False, "statusCode": 401, "message": words, "data": {"echo": sent}}
        errors = [{"code": "Unauthorized", "message": words, "details": sent}]
        return "401 Unauthorized", json.dumps({**env, "errors": errors}).encode(), {}

    url = hostile(reply)
    for extra in ([], ["--json"]):
        code, text, _ = run(capsys, monkeypatch, url, "login", "--username", "bob", *extra)
        assert code == 1, text
        assert "sign-in failed" in text
        assert_clean(text, PASSWORD)


@pytest.mark.parametrize(
    "expires",
    ["NaN", float("nan"), "99999-01-01T00:00:00Z", "garbage", 1e308, -5, [1, 2], {"a": 1}, None],
)
def test_a_garbage_expiry_is_no_crash_and_no_made_up_time(
    expires: Any,
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            data = {"username": "bob", "authKey": AUTH_KEY, "expiresIn": expires}
            return "200 OK", _envelope(data), {}
        return None

    url = hostile(reply)
    code, text, _ = run(capsys, monkeypatch, url, "login", "--username", "bob", "--json")
    assert code == 0, text
    assert json.loads(text)["expiresAt"] is None
    code, text, _ = run(capsys, monkeypatch, url, "login", "--username", "bob")
    assert code == 0 and text.startswith("Signed in as bob"), text
    assert_clean(text, AUTH_KEY)


def test_escapes_and_bidi_in_every_name_are_shown_escaped(
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            data = {"username": f"evil{ESCAPES}", "authKey": AUTH_KEY, "expiresIn": 3600}
            return "200 OK", _envelope(data), {}
        if "/brands/by-url" in path:
            return "200 OK", _envelope({"id": "b", "name": f"Acme{ESCAPES}"}), {}
        if "/app-integrations/sms" in path:
            row = {
                "id": f"s{ESCAPES}",
                "appIntegrationId": "tw",
                "name": f"Main{ESCAPES}",
                "username": f"AC{ESCAPES}",
                "password": SETTING_PASSWORD,
                "phoneNumber": f"+1{ESCAPES}",
                "description": ESCAPES,
                "status": f"Active{ESCAPES}",
                "isDefault": True,
            }
            return "200 OK", _envelope([row]), {}
        return None

    url = hostile(reply)
    for argv in (
        ["login", "--username", "bob"],
        ["login", "--username", "bob", "--json"],
        ["integrations"],
        ["integrations", "--json"],
        ["check", "--integration-id", "tw"],
        ["check", "--integration-id", "tw", "--json"],
    ):
        code, text, _ = run(capsys, monkeypatch, url, *argv)
        assert code in (0, 1), (argv, text)
        assert_clean(text, AUTH_KEY, SETTING_PASSWORD, PASSWORD)
        assert "\\x1b" in text or "\\u001b" in text, (argv, text)  # shown, not obeyed


def test_setting_passwords_echoed_in_names_and_descriptions_are_masked(
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/app-integrations/sms" in path:
            row = {
                "id": "s1",
                "appIntegrationId": "tw",
                "name": f"Main {SETTING_PASSWORD}",
                "description": _echoes(SETTING_PASSWORD) + " " + _echoes(AUTH_KEY),
                "username": "AC1",
                "password": SETTING_PASSWORD,
                "status": "Active",
                "isDefault": True,
            }
            return "200 OK", _envelope([row]), {}
        return None

    url = hostile(reply)
    for argv in (["integrations"], ["integrations", "--json"], ["check", "--integration-id", "tw"]):
        code, text, _ = run(capsys, monkeypatch, url, *argv)
        assert code == 0, (argv, text)
        assert "Main" in text
        assert_clean(text, SETTING_PASSWORD, AUTH_KEY)
    code, text, _ = run(capsys, monkeypatch, url, "integrations", "--json")
    assert json.loads(text)[0]["hasPassword"] is True


def _html(_path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]]:
    return "200 OK", b"<html><body>Sign in</body></html>", {"ct": "text/html"}


def _bomb(_path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]]:
    return "200 OK", gzip_bomb(1), {"Content-Encoding": "gzip, gzip"}


def _trickle(_path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]]:
    return "trickle", b"", {}


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (_html, "not as jframework"),
        (_bomb, "larger than 1 MiB once decompressed"),  # an account call reads 1 MiB at most
        (_trickle, "in time"),
    ],
    ids=["html", "gzip-bomb", "trickle"],
)
def test_a_broken_sign_in_answer_is_plain_words_within_the_timeout(
    fault: Reply,
    words: str,
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = hostile(lambda path, body: fault(path, body) if "/users/auth" in path else None)
    code, text, took = run(capsys, monkeypatch, url, "login", "--username", "bob", "--timeout", "2")
    assert code == 1, text
    assert words in text, text
    assert took < 4.0, took
    assert_clean(text, PASSWORD)


@pytest.mark.parametrize("fault", [_html, _bomb, _trickle], ids=["html", "gzip-bomb", "trickle"])
def test_a_broken_brand_answer_stops_check_at_the_server_step(
    fault: Reply,
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = hostile(lambda path, body: fault(path, body) if "/brands/" in path else None)
    code, text, took = run(
        capsys, monkeypatch, url, "check", "--integration-id", "tw", "--json", "--timeout", "2"
    )
    assert code == 1, text
    steps = json.loads(text)["steps"]
    assert [s["name"] for s in steps] == ["server"] and steps[0]["ok"] is False
    assert steps[0]["detail"]
    assert took < 4.0, took
    assert_clean(text, AUTH_KEY)


def test_a_1mb_auth_key_is_refused_in_words_and_never_printed(
    hostile: Callable[[Reply], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = "K" * 1_000_000

    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            data = {"username": "bob", "authKey": big, "expiresIn": "2099-01-01T00:00:00Z"}
            return "200 OK", _envelope(data), {}
        return None

    url = hostile(reply)
    code, text, took = run(capsys, monkeypatch, url, "login", "--username", "bob")
    assert code == 1, text[:300]  # no header could carry it: refused, in words
    assert "1,000,000 characters: too long for a header" in text
    assert big[:64] not in text and len(text) < 1000
    assert took < 5.0

"""`smstester send` and `send --json` against a server on 127.0.0.1 that echoes the secrets it
received back in every common encoding: nothing of either secret reaches the output, also when
the secrets were given with spaces around them (they are sent trimmed)."""

from __future__ import annotations

import base64
import html
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from smstester.cli import main
from smstester.core.redaction import exposes

AUTH_KEY = "ak-7f3a9c1e-0b5d"
PASSWORD = 'tok"en\\9c1d/é'
SID = "AC" + "0123456789abcdef" * 2


def echoes(auth_key: str, password: str) -> dict[str, object]:
    """What a careless server sends back: the received secrets, re-encoded every way."""
    basic = base64.b64encode(f"{SID}:{password}".encode()).decode()
    inner = json.dumps({"authKey": auth_key, "password": password})
    return {
        "success": False,
        "statusCode": 400,
        "message": f"Bad credentials for key {auth_key}",
        "data": {
            "nested": json.dumps({"body": inner}),
            "form": f"AuthKey={urllib.parse.quote_plus(auth_key)}"
            f"&pw={urllib.parse.quote(password)}",
            "html": "".join(f"&#x{ord(c):x};" for c in password),
            "decimal": "".join(f"&#{ord(c)};" for c in auth_key),
            "authorization": f"Basic {basic}",
            "b64": base64.b64encode(password.encode()).decode(),
        },
        "errors": [{"code": "20003", "message": "Authenticate", "details": inner}],
    }


class EchoHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        payload = json.dumps(echoes(self.headers["Auth-Key"], body["password"])).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def send_args(url: str) -> list[str]:
    return [
        "send",
        "--base-url",
        url,
        "--brand-url",
        "brand.example.com",
        "--integration-id",
        "demo",
        "--username",
        SID,
        "--from",
        "+15005550006",
        "--to",
        "+14155552671",
    ]


def assert_nothing_of(out: str) -> None:
    for secret in (AUTH_KEY, PASSWORD):
        assert secret not in out
        assert json.dumps(secret)[1:-1] not in out
        assert urllib.parse.quote(secret, safe="") not in out
        assert html.escape(secret) not in out
        assert not exposes(out, [secret])
    assert base64.b64encode(f"{SID}:{PASSWORD}".encode()).decode() not in out


@pytest.mark.parametrize("padded", [False, True], ids=["as-is", "pasted-with-spaces"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_no_form_of_a_secret_reaches_the_output(
    echo_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    padded: bool,
    as_json: bool,
) -> None:
    pad = "  " if padded else ""
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", f"{pad}{AUTH_KEY} ")
    monkeypatch.setenv("SMSTESTER_PASSWORD", f" {PASSWORD}{pad}")
    code = main([*send_args(echo_url), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert code == 1
    assert_nothing_of(out)
    assert_nothing_of(err)
    if as_json:
        report = json.loads(out)
        assert report["httpStatus"] == 400
        assert report["envelope"]["errors"][0]["code"] == "20003"
    else:
        assert "✘ failure · statusCode 400" in out
        # The rest of what the server said is still there to read.
        assert "Bad credentials for key" in out

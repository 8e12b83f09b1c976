"""Proxies over loopback, through `smstester send`, the client and the window's log entry.

`auth_proxy` is a tiny HTTP proxy (absolute-form requests and CONNECT) that answers 407
unless Proxy-Authorization carries the right user name and password. It forwards only to
127.0.0.1; the made-up host `sms.corp.example` (a name that never resolves: the client
never looks it up, the proxy does the connecting) stands for the jframework server behind
a company proxy and leads to the sandbox.
"""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from faulty_servers import (
    SOCKET_TIMEOUT,
    LoopbackServer,
    forward_to,
    free_port,
    never_answer,
    pump,
    read_request,
    server_tls,
)
from support import answer_at_a_terminal

from smstester.cli import main
from smstester.core.client import (
    PROXY_PASSWORD_VARIABLE,
    Failure,
    SmsClient,
    Timeouts,
    proxy_settings,
    windows_settings,
)
from smstester.core.model import SmsTest
from smstester.core.redaction import MASK
from smstester.core.report import raw_answer_text
from smstester.core.request import build_request
from smstester.sandbox import SandboxServer

USER = "alice"
PASSWORD = "Proxy-Pw-9f2c"
CORP_HOST = "sms.corp.example"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class AuthProxy(LoopbackServer):
    """A loopback proxy that wants `Basic alice:Proxy-Pw-9f2c`; `auths` holds each
    request's Proxy-Authorization (None when there was none)."""

    def __init__(self, targets: dict[str, int], *, echo: bool = False) -> None:
        super().__init__(self._handle)
        self.targets = targets  # host -> port on 127.0.0.1
        self.echo = echo
        self.auths: list[str | None] = []

    def _port_of(self, host: str, port: int | None) -> int | None:
        if host == CORP_HOST:
            return self.targets.get(CORP_HOST)
        return port if host in ("127.0.0.1", "localhost") else None

    def _handle(self, conn: socket.socket, server: LoopbackServer) -> None:
        request = read_request(conn)
        if request is None:
            return
        head = request.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        self.seen.append(head[0])
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        auth = next((v for k, v in headers.items() if k.lower() == "proxy-authorization"), None)
        self.auths.append(auth)
        if auth != basic(USER, PASSWORD):
            page = f"<html>Proxy Authentication Required{f' ({auth})' if self.echo else ''}</html>"
            conn.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="corp"\r\nContent-Type: text/html\r\n'
                + f"Content-Length: {len(page)}\r\nConnection: close\r\n\r\n{page}".encode()
            )
            return
        method, target, version = head[0].split(" ")
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = self._port_of(host, int(port_text))
            assert port is not None, target
            with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
                self.track(upstream)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pump(conn, upstream)
            return
        url = urllib.parse.urlsplit(target)
        port = self._port_of(url.hostname or "", url.port)
        assert url.scheme == "http" and port is not None, target
        origin_form = urllib.parse.urlunsplit(("", "", url.path, url.query, ""))
        rest = request.split(b"\r\n", 1)[1]
        with socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT) as upstream:
            self.track(upstream)
            upstream.sendall(f"{method} {origin_form} {version}\r\n".encode("latin-1") + rest)
            pump(conn, upstream)


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the proxies a test sets itself apply, and no system settings (this is Linux:
    there are none; a test that wants them hands them in)."""
    for name in (*PROXY_VARIABLES, PROXY_PASSWORD_VARIABLE.lower()):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def proxy(sandbox: SandboxServer) -> Iterator[AuthProxy]:
    with AuthProxy({CORP_HOST: sandbox.port}) as server:
        yield server


@pytest.fixture
def secrets_in_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", sandbox.demo.password)


def connection(sandbox: SandboxServer, base_url: str) -> list[str]:
    demo = sandbox.demo
    return [
        "--base-url",
        base_url,
        "--brand-url",
        demo.brand_url,
        "--integration-id",
        demo.integration_id,
        "--username",
        demo.username,
        "--from",
        demo.phone_from,
        "--to",
        demo.phone_to,
    ]


def send(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["send", "--no-history", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def proxy_url(proxy: LoopbackServer, userinfo: str = "") -> str:
    return f"http://{userinfo}127.0.0.1:{proxy.port}"


@pytest.mark.usefixtures("secrets_in_env")
def test_a_407_says_the_proxy_wants_a_user_name_and_password(
    sandbox: SandboxServer,
    proxy: AuthProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy))
    code, out, _ = send(capsys, *connection(sandbox, f"http://{CORP_HOST}:80"))
    assert code == 1  # a status line came (the proxy's)
    assert proxy.auths == [None]
    lines = out.splitlines()
    assert lines[1] == f"via proxy {proxy_url(proxy)}"
    assert "HTTP 407" in out
    assert "the proxy wants a user name and password" in out.lower()
    assert f"HTTPS_PROXY=http://USER@127.0.0.1:{proxy.port}" in out
    assert PROXY_PASSWORD_VARIABLE in out
    assert "never in a file" in out
    assert "What it means [http-407] · the network: The proxy wants a user name and password" in out

    code = main(["send", "--json", "--no-history", *connection(sandbox, f"http://{CORP_HOST}:80")])
    answer = json.loads(capsys.readouterr().out)
    assert code == 1
    assert list(answer)[:4] == ["httpStatus", "elapsedMs", "envelope", "error"]  # §3 as it was
    assert answer["httpStatus"] == 407
    assert "wants a user name and password" in answer["error"]
    assert answer["diagnosis"]["code"] == "http-407"


@pytest.mark.usefixtures("secrets_in_env")
def test_a_407_to_connect_is_said_the_same_way(
    sandbox: SandboxServer,
    proxy: AuthProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy_url(proxy))
    code = main(["send", "--json", "--no-history", *connection(sandbox, f"https://{CORP_HOST}")])
    answer = json.loads(capsys.readouterr().out)
    assert code == 3  # no status line from the server: the tunnel was never made
    assert proxy.seen == [f"CONNECT {CORP_HOST}:443 HTTP/1.1"]
    assert answer["httpStatus"] is None
    assert answer["error"].startswith("The proxy failed: 407 Proxy Authentication Required.")
    assert "The proxy wants a user name and password" in answer["error"]
    assert answer["diagnosis"]["code"] == "proxy"
    assert answer["diagnosis"]["title"] == "The proxy wants a user name and password"


@pytest.mark.usefixtures("secrets_in_env")
def test_a_user_in_the_url_takes_the_password_from_the_variable(
    sandbox: SandboxServer,
    proxy: AuthProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy, f"{USER}@"))
    code, out, err = send(capsys, *connection(sandbox, f"http://{CORP_HOST}:80"))
    assert code == 1
    assert proxy.auths == [basic(USER, "")]  # what the URL says: no password
    assert f"names the user {USER}, but {PROXY_PASSWORD_VARIABLE} is not set" in out

    monkeypatch.setenv(PROXY_PASSWORD_VARIABLE, PASSWORD)
    code, out, err = send(capsys, *connection(sandbox, f"http://{CORP_HOST}:80"))
    assert code == 0, out
    assert proxy.auths[-1] == basic(USER, PASSWORD)
    assert f"via proxy {proxy_url(proxy, f'{USER}@')}" in out
    assert "✔ success · statusCode 200" in out
    assert PASSWORD not in out + err

    monkeypatch.setenv(PROXY_PASSWORD_VARIABLE, "not-the-password")
    code, out, err = send(capsys, *connection(sandbox, f"http://{CORP_HOST}:80"))
    assert code == 1
    assert f"did not accept the user name and password it was given (the user {USER})" in out
    assert "not-the-password" not in out + err


@pytest.mark.usefixtures("secrets_in_env")
def test_a_password_in_the_url_is_never_shown(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # This proxy echoes the Proxy-Authorization it got in its 407 page (base64 of
    # user:password): the raw answer must not show the password either.
    with AuthProxy({CORP_HOST: sandbox.port}, echo=True) as proxy:
        wrong = "Wrong-Pw-77aa"
        monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy, f"{USER}:{wrong}@"))
        code, out, err = send(capsys, *connection(sandbox, f"http://{CORP_HOST}"))
        assert code == 1
        assert f"via proxy http://{USER}:{MASK}@127.0.0.1:{proxy.port}" in out
        assert wrong not in out + err
        code, out, err = send(capsys, "--json", *connection(sandbox, f"http://{CORP_HOST}"))
        assert code == 1
        assert wrong not in out + err
        assert json.loads(out)["proxy"] == f"http://{USER}:{MASK}@127.0.0.1:{proxy.port}"
        with SmsClient() as client:
            result = client.send_request(build_request(demo_test(sandbox, f"http://{CORP_HOST}")))
        assert result.proxy == f"http://{USER}:{MASK}@127.0.0.1:{proxy.port}"
        assert proxy.auths[-1] == basic(USER, wrong)
        raw = raw_answer_text(result) or ""
        assert "Proxy Authentication Required (Basic " in raw
        assert base64.b64encode(f"{USER}:{wrong}".encode()).decode() not in raw
        assert wrong not in raw

        monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy, f"{USER}:{PASSWORD}@"))
        code, out, err = send(capsys, *connection(sandbox, f"http://{CORP_HOST}"))
        assert code == 0, out
        assert f"via proxy http://{USER}:{MASK}@127.0.0.1:{proxy.port}" in out
        assert PASSWORD not in out + err


@pytest.mark.usefixtures("secrets_in_env")
def test_https_through_an_authenticating_proxy(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with (
        LoopbackServer(forward_to(sandbox.port), tls=server_tls(ca)) as https_sandbox,
        AuthProxy({}) as proxy,
    ):
        base = f"https://127.0.0.1:{https_sandbox.port}"
        flags = [*connection(sandbox, base), "--ca-bundle", str(bundle)]
        assert main(["profiles", "save", "Corp", *flags]) == 0
        capsys.readouterr()
        monkeypatch.setenv("HTTPS_PROXY", proxy_url(proxy, f"{USER}@"))
        monkeypatch.setenv(PROXY_PASSWORD_VARIABLE, PASSWORD)
        code, out, err = send(capsys, "--profile", "Corp")
    assert code == 0, out + err
    assert proxy.seen == [f"CONNECT 127.0.0.1:{https_sandbox.port} HTTP/1.1"]
    assert proxy.auths == [basic(USER, PASSWORD)]
    assert f"via proxy {proxy_url(proxy, f'{USER}@')}" in out
    assert " · TLS " in out  # the server's TLS, inside the proxy's tunnel
    assert PASSWORD not in out + err


@pytest.mark.usefixtures("secrets_in_env")
def test_the_system_proxy_is_used_and_its_bypass_list_honoured(
    sandbox: SandboxServer,
    proxy: AuthProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Windows' Internet Settings as the registry holds them (this machine has none: the
    # reading of the registry is the one part handed in), over a real proxy on loopback.
    system = windows_settings(1, f"127.0.0.1:{proxy.port}", "<local>;*.intranet.example")
    monkeypatch.setattr("smstester.core.client._system_settings", lambda: system)
    monkeypatch.setenv(PROXY_PASSWORD_VARIABLE, PASSWORD)  # no user in the URL: not used
    code, out, _ = send(capsys, *connection(sandbox, f"http://{CORP_HOST}"))
    assert code == 1
    assert proxy.seen == [
        f"POST http://{CORP_HOST}/api/v1/app-integrations/"
        f"{sandbox.demo.integration_id}/sms/test HTTP/1.1"
    ]
    assert f"via proxy http://127.0.0.1:{proxy.port}" in out
    assert "wants a user name and password" in out

    # the system's proxy with a user name: HTTP_PROXY overrides it, as the 407 words say
    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy, f"{USER}@"))
    code, out, _ = send(capsys, *connection(sandbox, f"http://{CORP_HOST}"))
    assert code == 0, out
    monkeypatch.delenv("HTTP_PROXY")

    # loopback goes direct (the sandbox on this computer never goes through the company proxy)
    seen = len(proxy.seen)
    code, out, _ = send(capsys, *connection(sandbox, sandbox.url))
    assert code == 0, out
    assert "via proxy" not in out
    assert len(proxy.seen) == seen
    # and so does a host of the bypass list (refused here: nothing listens on that port)
    port = free_port()
    monkeypatch.setattr(
        "smstester.core.client._system_settings",
        lambda: windows_settings(1, f"127.0.0.1:{proxy.port}", "127.0.0.*;<-loopback>"),
    )
    code, out, _ = send(capsys, *connection(sandbox, f"http://127.0.0.1:{port}"))
    assert code == 3
    assert f"Connection refused by 127.0.0.1:{port}" in out
    assert "via proxy" not in out
    assert len(proxy.seen) == seen
    assert proxy_settings({}).source == "the Windows proxy settings"


@pytest.mark.usefixtures("secrets_in_env")
def test_the_log_entry_names_the_proxy(
    sandbox: SandboxServer, proxy: AuthProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smstester.ui.logview import prepare_entry

    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy, f"{USER}:{PASSWORD}@"))
    test = demo_test(sandbox, f"http://{CORP_HOST}")
    with SmsClient() as client:
        result = client.send_request(build_request(test))
    assert result.success
    entry = prepare_entry(result, test.secrets(), {})
    assert f"via proxy http://{USER}:{MASK}@127.0.0.1:{proxy.port}" in entry.html
    assert PASSWORD not in entry.html + entry.status + entry.diagnosis


def demo_test(sandbox: SandboxServer, base_url: str) -> SmsTest:
    return replace(sandbox.demo.as_test(), base_url=base_url)


def test_a_silent_proxy_ends_within_the_whole_send_limit(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer(never_answer) as silent:
        for variable, base in (
            ("HTTP_PROXY", f"http://{CORP_HOST}"),
            ("HTTPS_PROXY", f"https://{CORP_HOST}"),
        ):
            monkeypatch.setenv(variable, silent.url)
            start = time.perf_counter()
            with SmsClient(timeouts=Timeouts(connect=5, read=30, total=0.5)) as client:
                result = client.send_request(build_request(demo_test(sandbox, base)))
            assert time.perf_counter() - start < 3
            assert result.proxy == silent.url
            assert result.failure in (Failure.READ_TIMEOUT, Failure.CONNECT_TIMEOUT)
            assert "waited 0.5 s" in (result.error or "")
            said = {
                "HTTP_PROXY": f"{CORP_HOST} did not answer in time through the proxy "
                f"127.0.0.1:{silent.port}",
                "HTTPS_PROXY": f"The proxy 127.0.0.1:{silent.port} accepted the connection but "
                f"did not answer in time when asked to connect to {CORP_HOST}",
            }[variable]
            assert (result.error or "").startswith(said)


@pytest.mark.usefixtures("secrets_in_env")
def test_on_a_terminal_the_proxy_password_is_asked_for_without_echo(
    sandbox: SandboxServer, proxy: AuthProxy, tmp_path: Path
) -> None:
    """HTTPS_PROXY names a user and no password, SMSTESTER_PROXY_PASSWORD is not set: send
    asks for it at the terminal (not echoed), and the send goes through the proxy."""
    import os
    import sys

    env = dict(os.environ, SMSTESTER_CONFIG_DIR=str(tmp_path))
    env["HTTP_PROXY"] = proxy_url(proxy, f"{USER}@")
    env.pop(PROXY_PASSWORD_VARIABLE, None)
    argv = [
        sys.executable,
        "-m",
        "smstester",
        "send",
        "--no-history",
        *connection(sandbox, f"http://{CORP_HOST}:80"),
    ]
    code, seen, typed = answer_at_a_terminal(argv, env, b"Password for the proxy", PASSWORD)
    assert typed, seen
    assert code == 0, seen
    assert proxy.auths[-1] == basic(USER, PASSWORD)
    assert PASSWORD.encode() not in seen

"""TLS and proxies as a corporate desktop needs them, through `smstester send`.

Certificate verification is on by default; a profile can trust a CA bundle; switching
verification off is a per-profile setting that is warned about on every send; the profile's
timeouts apply (`--timeout` overrides them); HTTP_PROXY and HTTPS_PROXY are honoured. The
HTTPS server is a `trustme`-signed TLS relay in front of the real sandbox, the proxy a small
forwarding one; both on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from faulty_servers import (
    LoopbackServer,
    forward_to,
    free_port,
    http_proxy,
    never_answer,
    server_tls,
)

from smstester.cli import main
from smstester.sandbox import SandboxServer

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the proxies a test sets itself apply."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def https_sandbox(sandbox: SandboxServer, ca: trustme.CA) -> Iterator[LoopbackServer]:
    """The sandbox behind HTTPS, with a certificate from a CA nobody trusts by default."""
    with LoopbackServer(forward_to(sandbox.port), tls=server_tls(ca)) as server:
        yield server


@pytest.fixture
def proxy() -> Iterator[LoopbackServer]:
    with LoopbackServer(http_proxy) as server:
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


def save_profile(
    capsys: pytest.CaptureFixture[str], sandbox: SandboxServer, base_url: str, *extra: str
) -> None:
    assert main(["profiles", "save", "Corp", *connection(sandbox, base_url), *extra]) == 0
    capsys.readouterr()


def send_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(["send", "--json", *argv])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


@pytest.mark.usefixtures("secrets_in_env")
def test_verification_is_on_by_default(
    sandbox: SandboxServer, https_sandbox: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answer, _ = send_json(capsys, *connection(sandbox, https_sandbox.url))
    assert code == 3
    assert answer["httpStatus"] is None
    error = str(answer["error"])
    assert f"Secure connection to 127.0.0.1:{https_sandbox.port} failed" in error
    assert "certificate is not trusted" in error
    assert "CA bundle" in error  # what to do about it
    # the same profile without a CA bundle fails the same way
    save_profile(capsys, sandbox, https_sandbox.url)
    code, answer, _ = send_json(capsys, "--profile", "Corp")
    assert code == 3
    assert "certificate is not trusted" in str(answer["error"])


@pytest.mark.usefixtures("secrets_in_env")
def test_profile_ca_bundle_is_trusted(
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    save_profile(capsys, sandbox, https_sandbox.url, "--ca-bundle", str(ca_bundle))
    code, answer, err = send_json(capsys, "--profile", "Corp")
    assert code == 0, answer
    assert answer["httpStatus"] == 200
    assert "warning" not in err
    assert https_sandbox.connections == 1


@pytest.mark.parametrize(
    ("identity", "expired", "words"),
    [
        ("127.0.0.1", True, "the server's certificate has expired"),
        ("other.example.com", False, "the server's certificate is for another address"),
    ],
)
@pytest.mark.usefixtures("secrets_in_env")
def test_bad_certificates_are_named(
    sandbox: SandboxServer,
    ca: trustme.CA,
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
    identity: str,
    expired: bool,
    words: str,
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    not_after = {"not_before": past, "not_after": past} if expired else {}
    ca.issue_cert(identity, **not_after).configure_cert(context)  # type: ignore[arg-type]
    with LoopbackServer(forward_to(sandbox.port), tls=context) as server:
        save_profile(capsys, sandbox, server.url, "--ca-bundle", str(ca_bundle))
        code, answer, _ = send_json(capsys, "--profile", "Corp")
    assert code == 3
    assert f"Secure connection to 127.0.0.1:{server.port} failed: {words}" in str(answer["error"])


@pytest.mark.usefixtures("secrets_in_env")
def test_unusable_ca_bundle_is_said_in_words(
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_pem = tmp_path / "not-a-bundle.pem"
    not_pem.write_text("hello\n", encoding="utf-8")
    for bundle in (tmp_path / "missing.pem", not_pem):
        save_profile(capsys, sandbox, https_sandbox.url, "--ca-bundle", str(bundle))
        code, answer, _ = send_json(capsys, "--profile", "Corp")
        assert code == 3
        assert f"The CA bundle {bundle} cannot be used" in str(answer["error"])
        assert "nothing was sent" in str(answer["error"])
    assert https_sandbox.connections == 0


@pytest.mark.usefixtures("secrets_in_env")
def test_verification_off_only_per_profile_and_always_warned(
    sandbox: SandboxServer, https_sandbox: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # there is no flag to switch it off for one send
    with pytest.raises(SystemExit):
        main(["send", "--no-verify-tls", *connection(sandbox, https_sandbox.url)])
    capsys.readouterr()
    save_profile(capsys, sandbox, https_sandbox.url, "--no-verify-tls")

    code = main(["send", "--profile", "Corp"])
    out = capsys.readouterr()
    assert code == 0
    assert "✔ success · statusCode 200" in out.out
    warning = 'TLS certificate verification is OFF (profile "Corp")'
    assert f"smstester: warning: {warning}" in out.err
    assert f"Warning: {warning}" in out.out.splitlines()[-1]

    code, answer, err = send_json(capsys, "--profile", "Corp")
    assert code == 0
    assert answer["httpStatus"] == 200
    assert warning in err


@pytest.mark.usefixtures("secrets_in_env")
def test_profile_timeouts_apply_and_timeout_flag_overrides(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer(never_answer) as silent:
        save_profile(capsys, sandbox, silent.url, "--read-timeout", "0.4")
        code, answer, _ = send_json(capsys, "--profile", "Corp")
        assert code == 3
        assert "did not answer in time (waited 0.4 s)" in str(answer["error"])
        code, answer, _ = send_json(capsys, "--profile", "Corp", "--timeout", "0.2")
        assert code == 3
        assert "did not answer in time (waited 0.2 s)" in str(answer["error"])


@pytest.mark.usefixtures("secrets_in_env")
def test_http_proxy_is_honoured(
    sandbox: SandboxServer,
    proxy: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    code, answer, _ = send_json(capsys, *connection(sandbox, sandbox.url))
    assert code == 0, answer
    path = f"/api/v1/app-integrations/{sandbox.demo.integration_id}/sms/test"
    assert proxy.seen == [f"POST {sandbox.url}{path} HTTP/1.1"]

    # NO_PROXY still wins for the hosts it names
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    code, _, _ = send_json(capsys, *connection(sandbox, sandbox.url))
    assert code == 0
    assert len(proxy.seen) == 1


@pytest.mark.usefixtures("secrets_in_env")
def test_https_proxy_tunnels_with_connect(
    sandbox: SandboxServer,
    https_sandbox: LoopbackServer,
    proxy: LoopbackServer,
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_profile(capsys, sandbox, https_sandbox.url, "--ca-bundle", str(ca_bundle))
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    code, answer, _ = send_json(capsys, "--profile", "Corp")
    assert code == 0, answer
    assert answer["httpStatus"] == 200
    assert proxy.seen == [f"CONNECT 127.0.0.1:{https_sandbox.port} HTTP/1.1"]


@pytest.mark.usefixtures("secrets_in_env")
def test_proxy_that_is_down_is_said_in_words(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    code, answer, _ = send_json(capsys, *connection(sandbox, sandbox.url))
    assert code == 3
    assert f"Connection refused by the proxy 127.0.0.1:{port}" in str(answer["error"])

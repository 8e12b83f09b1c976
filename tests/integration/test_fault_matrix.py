"""The fault matrix for `smstester send`: every sandbox fault mode and every client-side fault
(connection refused, a silent server, an untrusted certificate, a body cut short, a 10 MB
body, a redirect loop) ends in plain words and the documented exit code (3 exactly when no
status line came), and a send right after against the good sandbox works. Real sockets,
127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import trustme
from faulty_servers import (
    CLIENT_FAULTS,
    SANDBOX_FAULTS,
    ClientFault,
    LoopbackServer,
    free_port,
    server_tls,
)

from smstester.cli import main
from smstester.sandbox import FAULTS, DemoConnection, SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(slow_seconds=0.2).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=CLIENT_FAULTS, ids=lambda fault: fault.name)
def client_fault(
    request: pytest.FixtureRequest, ca: trustme.CA
) -> Iterator[tuple[ClientFault, str]]:
    """The fault and the base URL that shows it; its server stops (threads joined) after."""
    fault: ClientFault = request.param
    before = set(threading.enumerate())
    if fault.handler is None:
        yield fault, f"http://127.0.0.1:{free_port()}"
    else:
        tls = server_tls(ca) if fault.tls else None
        with LoopbackServer(fault.handler, tls=tls) as server:
            yield fault, server.url
    # neither the sends nor the server left a thread behind (the sandbox's handler of the
    # retry's connection ends once it sees the client close)
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        assert not thread.is_alive(), thread


def send_args(
    demo: DemoConnection, base_url: str | None = None, integration_id: str = ""
) -> list[str]:
    return [
        "send",
        "--timeout",
        "1",
        "--base-url",
        base_url or demo.url,
        "--brand-url",
        demo.brand_url,
        "--integration-id",
        integration_id or demo.integration_id,
        "--username",
        demo.username,
        "--from",
        demo.phone_from,
        "--to",
        demo.phone_to,
    ]


@pytest.fixture(autouse=True)
def demo_secrets(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The secrets of `send_args`, never on the command line: in the environment."""
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", sandbox.demo.password)


#: Sandbox faults whose status line came but whose body was cut short: exit 1, and the
#: reason in `--json`'s "error".
CUT_SHORT = {"fault-huge"}


def words_for(template: str, url: str) -> str:
    return template.format(url=url, port=url.rsplit(":", 1)[1])


def assert_retry_works(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(send_args(sandbox.demo)) == 0
    assert "✔ success · statusCode 200" in capsys.readouterr().out


def test_every_sandbox_fault_mode_is_in_the_matrix() -> None:
    modes = {mode.replace("-N", "-0.3") for mode in FAULTS}
    assert modes == set(SANDBOX_FAULTS)


@pytest.mark.parametrize("fault", sorted(SANDBOX_FAULTS))
def test_sandbox_fault(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    exit_code, template = SANDBOX_FAULTS[fault]
    words = words_for(template, sandbox.url)
    demo = sandbox.demo
    assert main(send_args(demo, integration_id=fault)) == exit_code
    out = capsys.readouterr()
    assert words in out.out
    assert "Traceback" not in out.out + out.err
    assert demo.auth_key not in out.out + out.err
    assert demo.password not in out.out + out.err

    assert main([*send_args(demo, integration_id=fault), "--json"]) == exit_code
    answer = json.loads(capsys.readouterr().out)
    # exit 3 exactly when no status line came; a cut-short answer still says why
    assert (answer["httpStatus"] is None) == (exit_code == 3)
    if exit_code == 3 or fault in CUT_SHORT:
        assert words in answer["error"]
    else:
        assert answer["error"] is None
    assert_retry_works(sandbox, capsys)


def test_client_fault(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    client_fault: tuple[ClientFault, str],
) -> None:
    fault, url = client_fault
    words = words_for(fault.words, url)
    assert main(send_args(sandbox.demo, base_url=url)) == fault.exit_code
    out = capsys.readouterr()
    assert words in out.out, out.out
    assert "Traceback" not in out.out + out.err

    assert main([*send_args(sandbox.demo, base_url=url), "--json"]) == fault.exit_code
    answer = json.loads(capsys.readouterr().out)
    assert answer["httpStatus"] == fault.status
    if fault.status is None or answer["httpStatus"] < 300:
        assert words in answer["error"]  # no answer, or one cut short
    else:
        assert answer["error"] is None  # the redirect: said in the report
    assert_retry_works(sandbox, capsys)


def test_undecodable_argument_bytes_are_refused_by_name(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python turns argument bytes that are not UTF-8 into lone surrogates (U+DC80-U+DCFF).
    argv = send_args(sandbox.demo, integration_id="id\udcff")
    monkeypatch.setenv("SMSTESTER_PASSWORD", "p\udcfe")  # the environment's bytes, the same
    requests = sandbox.request_count
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "nothing was sent" in err
    assert "App integration id: contains a broken character" in err
    assert "Password (Auth Token): contains a broken character" in err
    assert sandbox.request_count == requests

"""`smstester send` says what an answer means and what to do; `--json` carries it (CONTRACT
§3a `diagnosis`); `smstester explain CODE`. The real sandbox on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from support import DIAGNOSED_FAULTS, DIAGNOSED_SENDS, demo_flags

from smstester.cli import main
from smstester.sandbox import DemoConnection, SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def demo_secrets(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", sandbox.demo.password)


def send_args(demo: DemoConnection, **flags: str) -> list[str]:
    return ["send", *demo_flags(demo, **flags)]


def test_a_wrong_auth_token_names_twilio_not_the_auth_key(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMSTESTER_PASSWORD", "0" * 32)
    assert main(send_args(sandbox.demo)) == 1
    out = capsys.readouterr().out
    assert "What it means [20003] · Twilio: Twilio refused the Account SID / Auth Token pair" in out
    assert "check the Auth-Key" not in out
    assert "1. Compare the Account SID and the Auth Token" in out
    assert "More: https://www.twilio.com/docs/errors/20003" in out


def test_a_wrong_auth_key_names_jframework(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "not-the-key")
    assert main([*send_args(sandbox.demo), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["diagnosis"]["side"] == "jframework"
    assert report["diagnosis"]["code"] == "Unauthorized"
    assert any("Sign in again" in step for step in report["diagnosis"]["steps"])
    assert list(report)[:4] == ["httpStatus", "elapsedMs", "envelope", "error"]


@pytest.mark.parametrize(
    ("flags", "code", "side"),
    [
        ({"integration-id": "no-such-id"}, "AppIntegrationNotFound", "jframework"),
        ({"to": "+15005550003"}, "21408", "twilio"),
        ({"to": "+15005550004"}, "21610", "carrier"),
        ({"integration-id": "fault-html"}, "not-envelope", "server"),
    ],
)
def test_json_carries_the_diagnosis(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    flags: dict[str, str],
    code: str,
    side: str,
) -> None:
    assert main([*send_args(sandbox.demo, **flags), "--json"]) == 1
    diagnosis = json.loads(capsys.readouterr().out)["diagnosis"]
    assert (diagnosis["code"], diagnosis["side"]) == (code, side)
    assert 1 <= len(diagnosis["steps"]) <= 4


def test_success_has_no_diagnosis(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*send_args(sandbox.demo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["diagnosis"] is None


def test_the_sandbox_down(capsys: pytest.CaptureFixture[str]) -> None:
    server = SandboxServer().start()
    demo = server.demo
    server.stop()
    assert main([*send_args(demo), "--timeout", "2"]) == 3
    out = capsys.readouterr().out
    assert "What it means [refused] · the network: Nothing answers at the base URL" in out


def test_preflight_warns_before_sending(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    main(send_args(sandbox.demo, to=sandbox.demo.phone_from))
    assert "smstester: warning: To: is the same number as From" in capsys.readouterr().err


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "21610"]) == 0
    out = capsys.readouterr().out
    assert "START" in out and "https://www.twilio.com/docs/errors/21610" in out
    assert main(["explain", "AppIntegrationNotFound", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["side"] == "jframework"
    assert main(["explain", "29999"]) == 0  # an unknown Twilio code still gets its page
    assert "twilio.com/docs/errors/29999" in capsys.readouterr().out
    assert main(["explain", "nonsense"]) == 2
    assert "no notes on 'nonsense'" in capsys.readouterr().err


def test_json_carries_the_timings(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*send_args(sandbox.demo), "--json"]) == 0
    timings = json.loads(capsys.readouterr().out)["timings"]
    assert set(timings) == {
        "connectMs",
        "tlsMs",
        "waitMs",
        "downloadMs",
        "totalMs",
        "reusedConnection",
    }
    assert timings["tlsMs"] is None  # http://
    assert timings["reusedConnection"] is False
    for key in ("connectMs", "waitMs", "downloadMs"):
        assert 0 <= timings[key] <= timings["totalMs"]


def test_the_report_says_where_the_time_went(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(send_args(sandbox.demo)) == 0
    out = capsys.readouterr().out
    assert "connect " in out and " · waiting " in out and " · download " in out


_FLAGS = {
    "phone_from": "from",
    "phone_to": "to",
    "integration_id": "integration-id",
    "brand_url": "brand-url",
    "message": "message",
}


@pytest.mark.parametrize(("changes", "code", "side", "words"), DIAGNOSED_SENDS)
def test_every_magic_number_and_wrong_setting(
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str],
    code: str,
    side: str,
    words: str,
) -> None:
    flags = {_FLAGS[k]: v for k, v in changes.items() if k in _FLAGS}
    if "password" in changes:
        monkeypatch.setenv("SMSTESTER_PASSWORD", changes["password"])
    if "auth_key" in changes:
        monkeypatch.setenv("SMSTESTER_AUTH_KEY", changes["auth_key"])
    assert main([*send_args(sandbox.demo, **flags), "--json"]) == 1
    diagnosis = json.loads(capsys.readouterr().out)["diagnosis"]
    assert (diagnosis["code"], diagnosis["side"]) == (code, side)
    assert words in " ".join([diagnosis["title"], diagnosis["cause"], *diagnosis["steps"]])


@pytest.mark.parametrize(("fault", "code", "side", "words"), DIAGNOSED_FAULTS)
def test_every_fault_mode(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    code: str,
    side: str,
    words: str,
) -> None:
    exit_code = main([*send_args(sandbox.demo, **{"integration-id": fault}), "--json"])
    assert exit_code in (1, 3)
    diagnosis = json.loads(capsys.readouterr().out)["diagnosis"]
    assert (diagnosis["code"], diagnosis["side"]) == (code, side)
    assert words in " ".join([diagnosis["title"], diagnosis["cause"], *diagnosis["steps"]])

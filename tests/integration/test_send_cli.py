"""`smstester send` against the real sandbox over loopback: every row, every fault."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import demo_flag_values

from smstester.cli import main
from smstester.sandbox import FAULTS, DemoConnection, SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(slow_seconds=0.2).start()
    yield server
    server.stop()


ArgsFor = Callable[..., list[str]]
SECRETS = ("auth_key", "password")


@pytest.fixture
def args_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ArgsFor:
    """`args_for(demo, **changes)`: the flags of a send to `demo`. Secrets are never flags:
    they go to the environment (a value with a NUL, which no variable can hold, to a file)."""

    def make(demo: DemoConnection, **changes: str) -> list[str]:
        secrets = {"auth_key": demo.auth_key, "password": demo.password}
        secrets |= {key: value for key, value in changes.items() if key in SECRETS}
        flags = {key: value for key, value in changes.items() if key not in SECRETS}
        values = demo_flag_values(demo, **flags)
        for name, value in secrets.items():
            variable = f"SMSTESTER_{name.upper()}"
            if "\0" in value:
                monkeypatch.delenv(variable, raising=False)
                path = tmp_path / name
                path.write_text(value)
                values[f"--{name.replace('_', '-')}-file"] = str(path)
            else:
                monkeypatch.setenv(variable, value)
        return [part for pair in values.items() for part in pair]

    return make


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, Any]]:
    code = main(["send", "--json", "--timeout", "5", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


def test_success(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(capsys, args_for(sandbox.demo))
    assert code == 0
    assert out["httpStatus"] == 200
    assert out["envelope"]["success"] is True
    assert out["envelope"]["statusCode"] == 200
    assert out["error"] is None
    assert out["elapsedMs"] > 0


@pytest.mark.parametrize(
    ("field", "number", "code", "status"),
    [
        ("from", "+15005550001", "21212", 400),
        ("from", "+15005550008", "21611", 429),
        ("from", "+14155550100", "21606", None),
        ("to", "+15005550001", "21211", 400),
        ("to", "+15005550002", "21612", None),
        ("to", "+15005550003", "21408", None),
        ("to", "+15005550004", "21610", None),
        ("to", "+15005550009", "21614", None),
    ],
)
def test_magic_numbers(
    sandbox: SandboxServer,
    args_for: ArgsFor,
    capsys: pytest.CaptureFixture[str],
    field: str,
    number: str,
    code: str,
    status: int | None,
) -> None:
    exit_code, out = run_json(capsys, args_for(sandbox.demo, **{field: number}))
    assert exit_code == 1
    assert out["envelope"]["success"] is False
    assert code in [str(e["code"]) for e in out["envelope"]["errors"]]
    if status is not None:
        assert out["httpStatus"] == status


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"auth_key": "wrong"}, 401),
        ({"brand_url": "other.example.com"}, 404),
        ({"integration_id": "no-such-integration"}, 404),
        ({"password": "0" * 32}, 401),
        ({"username": "AC123"}, 400),
    ],
)
def test_wrong_credentials(
    sandbox: SandboxServer,
    args_for: ArgsFor,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    status: int,
) -> None:
    exit_code, out = run_json(capsys, args_for(sandbox.demo, **change))
    assert exit_code == 1
    assert out["httpStatus"] == status
    assert out["envelope"]["success"] is False
    assert out["envelope"]["errors"]


def test_wrong_token_is_twilio_20003(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run_json(capsys, args_for(sandbox.demo, password="f" * 32))
    assert "20003" in [str(e["code"]) for e in out["envelope"]["errors"]]


FAULT_EXPECT: dict[str, tuple[int, int | None]] = {
    # fault id: (exit code, http status or None for no answer)
    "fault-slow": (0, 200),
    "fault-slow-0.1": (0, 200),
    "fault-500": (1, 500),
    "fault-502": (1, 502),
    "fault-html": (1, 200),
    "fault-notjson": (1, 200),
    "fault-drop": (3, None),
    "fault-huge": (1, 200),  # a status line came: the server answered (a body cut short)
    "fault-redirect": (1, 302),
    "fault-redirect-loop": (1, 302),
    "fault-echo": (1, 400),
    "fault-empty": (1, 200),
    "fault-wrong-status": (1, 200),
}


def test_every_documented_fault_is_covered() -> None:
    documented = {k for k in FAULTS if k != "fault-slow-N"}
    assert documented <= set(FAULT_EXPECT)


@pytest.mark.parametrize("fault", sorted(FAULT_EXPECT))
def test_fault_modes(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    exit_code, out = run_json(capsys, args_for(sandbox.demo, integration_id=fault))
    expected_code, expected_status = FAULT_EXPECT[fault]
    assert exit_code == expected_code, out
    assert out["httpStatus"] == expected_status
    if expected_code == 3:
        assert out["error"]
    if fault == "fault-huge":
        assert "larger than" in out["error"]


def test_fault_readable_summaries(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["send", *args_for(sandbox.demo, integration_id="fault-502")])
    assert "Not a jframework envelope" in capsys.readouterr().out
    main(["send", *args_for(sandbox.demo, integration_id="fault-redirect")])
    assert "Redirect to" in capsys.readouterr().out
    main(["send", *args_for(sandbox.demo, integration_id="fault-wrong-status")])
    assert "Note: HTTP status 200 but the envelope says statusCode 500" in capsys.readouterr().out


def test_echoed_secrets_are_masked(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = sandbox.demo
    main(["send", *args_for(demo, integration_id="fault-echo")])
    human = capsys.readouterr()
    _, out = run_json(capsys, args_for(demo, integration_id="fault-echo"))
    for text in (human.out, human.err, json.dumps(out)):
        assert demo.auth_key not in text
        assert demo.password not in text


@pytest.mark.parametrize(
    "hostile_id", ["../../admin", "x?y=1#z", "%2e%2e", "a/b", "..", "fault-500/../demo-twilio"]
)
def test_hostile_ids_stay_one_segment(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str], hostile_id: str
) -> None:
    exit_code, out = run_json(capsys, args_for(sandbox.demo, integration_id=hostile_id))
    assert exit_code == 1
    assert out["httpStatus"] == 404  # reached the endpoint, as an unknown integration


@pytest.mark.parametrize("field", ["brand-url", "auth-key"])
@pytest.mark.parametrize("value", ["x\r\nX-Evil: 1", "x\ny", "x\x00"])
def test_hostile_header_values_exit_2_naming_field(
    sandbox: SandboxServer,
    args_for: ArgsFor,
    capsys: pytest.CaptureFixture[str],
    field: str,
    value: str,
) -> None:
    code = main(["send", *args_for(sandbox.demo, **{field.replace("-", "_"): value})])
    err = capsys.readouterr().err
    assert code == 2
    assert ("Brand-URL" if field == "brand-url" else "Auth-Key") in err
    assert "nothing was sent" in err


def test_bad_number_exits_2(
    sandbox: SandboxServer, args_for: ArgsFor, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["send", *args_for(sandbox.demo, to="+1 415")])
    assert code == 2
    assert "To: too short" in capsys.readouterr().err


def test_connection_refused_exits_3(args_for: ArgsFor, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = DemoConnection(url=f"http://127.0.0.1:{port}")
    code, out = run_json(capsys, args_for(demo))
    assert code == 3
    assert out["httpStatus"] is None
    assert "refused" in out["error"]


def test_real_process_with_secrets_from_environment(
    sandbox: SandboxServer, args_for: ArgsFor
) -> None:
    demo = sandbox.demo
    argv = args_for(demo)
    env = dict(
        os.environ, SMSTESTER_AUTH_KEY=demo.auth_key, SMSTESTER_PASSWORD=demo.password, NO_PROXY="*"
    )
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "send", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "success · statusCode 200" in done.stdout
    assert demo.auth_key not in done.stdout + done.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "smstester", "send", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in env.items() if not k.startswith("SMSTESTER_")},
    )
    assert missing.returncode == 2
    assert "Auth-Key: required" in missing.stderr

"""`smstester send` records every send; `smstester history …` lists, shows, exports and
clears them (CONTRACT §3a, §8). Against the real sandbox on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import demo_flags

from smstester.cli import main
from smstester.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]

SEND_KEYS = {
    "httpStatus",
    "elapsedMs",
    "envelope",
    "error",
    "diagnosis",
    "timings",
    "historyId",
    "proxy",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def demo_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", sandbox.demo.password)
    monkeypatch.setenv("NO_PROXY", "*")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def send_json(
    capsys: pytest.CaptureFixture[str], sandbox: SandboxServer, *extra: str, **changes: str
) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(
        capsys, "send", "--json", "--timeout", "10", *demo_flags(sandbox.demo, **changes), *extra
    )
    return code, json.loads(out), err


def listed(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "history", "--json", *extra)
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    return rows


@pytest.mark.usefixtures("demo_env")
def test_every_send_is_recorded_and_listed_newest_first(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], config_folder: Path
) -> None:
    code, first, _ = send_json(capsys, sandbox, message="first send")
    assert code == 0
    assert set(first) == SEND_KEYS  # §3's four, §3a's three, nothing else
    assert isinstance(first["historyId"], int)
    code, second, _ = send_json(capsys, sandbox, to="+15005550001", message="second")
    assert code == 1
    assert (config_folder / "history.sqlite3").exists()  # the test's own config folder
    rows = listed(capsys)
    assert [r["id"] for r in rows] == [second["historyId"], first["historyId"]]
    newest = rows[0]
    for key in (
        "id",
        "time",
        "profile",
        "baseUrl",
        "brandUrl",
        "integrationId",
        "username",
        "from",
        "to",
        "message",
        "httpStatus",
        "success",
        "diagnosisCode",
        "elapsedMs",
        "correlationIds",
    ):
        assert key in newest, key
    assert newest["to"] == "+15005550001"
    assert newest["from"] == sandbox.demo.phone_from
    assert newest["baseUrl"] == sandbox.demo.url
    assert newest["brandUrl"] == sandbox.demo.brand_url
    assert newest["integrationId"] == sandbox.demo.integration_id
    assert newest["username"] == sandbox.demo.username
    assert newest["message"] == "second"
    assert newest["httpStatus"] == second["httpStatus"]
    assert newest["success"] is False
    assert newest["diagnosisCode"] == "21211"
    assert newest["time"].endswith("Z")
    served = {e["correlationId"] for e in second["envelope"]["errors"] if e["correlationId"]}
    assert served and served <= set(newest["correlationIds"])
    assert rows[1]["success"] is True
    assert rows[1]["diagnosisCode"] is None


@pytest.mark.usefixtures("demo_env")
def test_no_history(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = send_json(capsys, sandbox, "--no-history")
    assert code == 0
    assert set(out) == SEND_KEYS
    assert out["historyId"] is None
    assert listed(capsys) == []


@pytest.mark.usefixtures("demo_env")
def test_search_and_limit(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [
        send_json(capsys, sandbox, to=to, message=f"note {n}")[1]["historyId"]
        for n, to in enumerate(("+14155550101", "+15005550004", "+14155550103"))
    ]
    assert [r["id"] for r in listed(capsys, "--limit", "2")] == ids[:0:-1]
    assert [r["id"] for r in listed(capsys, "--search", "0103")] == [ids[2]]
    assert [r["id"] for r in listed(capsys, "--search", "21610")] == [ids[1]]  # its code
    assert [r["id"] for r in listed(capsys, "--search", "NOTE 0")] == [ids[0]]
    code, out, _ = run(capsys, "history")
    assert code == 0
    lines = out.splitlines()
    assert "+14155550103" in lines[1] and "+14155550101" in lines[3]  # a header, newest first
    assert "21610" in lines[2]
    code, _, err = run(capsys, "history", "--limit", "0")
    assert code == 2
    assert "limit" in err


@pytest.mark.usefixtures("demo_env")
def test_send_ticket_and_history_show(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "send", *demo_flags(sandbox.demo, to="+15005550002"), "--ticket")
    assert code == 1
    report, _, note = out.partition("SMS integration test with smstester: failed (21612)")
    assert "HTTP" in report  # the report first, then the note
    assert "To: +15005550002" in note
    assert sandbox.demo.brand_url in note
    (row,) = listed(capsys)
    for cid in row["correlationIds"]:
        assert cid in note
    assert f"history entry {row['id']}" in note
    code, shown, _ = run(capsys, "history", "show", str(row["id"]), "--ticket")
    assert code == 0
    assert shown.startswith("SMS integration test with smstester: failed (21612)")
    assert shown.strip() == ("SMS integration test with smstester: failed (21612)" + note).strip()
    code, as_json, _ = run(capsys, "history", "show", str(row["id"]), "--json")
    assert code == 0
    full = json.loads(as_json)
    assert full["id"] == row["id"]
    assert full["envelope"]["success"] is False
    assert full["diagnosis"]["code"] == "21612"
    code, plain, _ = run(capsys, "history", "show", str(row["id"]))
    assert code == 0
    assert "21612" in plain and "Envelope" in plain
    code, _, err = run(capsys, "history", "show", "999999")
    assert code == 2
    assert "no history entry 999999" in err


@pytest.mark.usefixtures("demo_env")
def test_ticket_with_json_keeps_stdout_one_object(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "send", "--json", "--ticket", *demo_flags(sandbox.demo))
    assert code == 0
    assert set(json.loads(out)) == SEND_KEYS
    assert "SMS integration test with smstester: succeeded" in err


@pytest.mark.usefixtures("demo_env")
def test_export(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    send_json(capsys, sandbox, message="Olá, ✓")
    send_json(capsys, sandbox, to="+15005550009")
    code, out, _ = run(capsys, "history", "export", str(tmp_path / "h.json"))
    assert code == 0
    assert "2 entries" in out
    rows = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert [r["message"] for r in rows][1] == "Olá, ✓"
    code, _, _ = run(capsys, "history", "export", str(tmp_path / "h.csv"))
    assert code == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "h.csv").read_text("utf-8-sig"))))
    assert [r["diagnosisCode"] for r in table] == ["21614", ""]
    assert table[1]["message"] == "Olá, ✓"
    code, _, err = run(capsys, "history", "export", str(tmp_path / "h.xlsx"))
    assert code == 2
    assert ".json or .csv" in err
    code, _, err = run(capsys, "history", "export", str(tmp_path / "no" / "such" / "x.json"))
    assert code in (0, 1)  # the folder is made, or the words say why not


@pytest.mark.usefixtures("demo_env")
def test_clear_asks_first(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    send_json(capsys, sandbox)
    send_json(capsys, sandbox)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    code, out, _ = run(capsys, "history", "clear")
    assert code == 1
    assert "nothing was deleted" in out.lower()
    assert len(listed(capsys)) == 2
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    code, out, _ = run(capsys, "history", "clear")
    assert code == 0
    assert "2 entries" in out
    assert listed(capsys) == []


def test_clear_refuses_without_a_terminal(config_folder: Path) -> None:
    env = dict(os.environ, SMSTESTER_CONFIG_DIR=str(config_folder))
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "history", "clear"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert "Traceback" not in done.stderr
    yes = subprocess.run(
        [sys.executable, "-m", "smstester", "history", "clear", "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert yes.returncode == 0, yes.stderr


@pytest.mark.usefixtures("demo_env")
def test_a_history_that_cannot_be_kept_never_stops_a_send(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("where the config folder should be")
    monkeypatch.setenv("SMSTESTER_CONFIG_DIR", str(blocker / "config"))
    code, out, err = send_json(capsys, sandbox)
    assert code == 0
    assert out["historyId"] is None
    assert out["envelope"]["success"] is True
    assert "history cannot be kept" in err
    assert "Sending still works" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("demo_env")
def test_a_damaged_history_is_set_aside_in_words(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], config_folder: Path
) -> None:
    (config_folder / "history.sqlite3").write_bytes(b"garbage" * 1000)
    code, out, err = send_json(capsys, sandbox)
    assert code == 0
    assert isinstance(out["historyId"], int)
    assert "damaged" in err
    assert list(config_folder.glob("history.sqlite3.corrupt-*"))


def test_secrets_never_reach_the_history_files(
    sandbox: SandboxServer, config_folder: Path, tmp_path: Path
) -> None:
    """The secrets audit, through real processes: fault-echo (the server sends both secrets
    back) and a wrong Auth Token; then the database, its WAL, both exports and the notes."""
    demo = sandbox.demo
    wrong = "0" * 32
    env = dict(
        os.environ,
        SMSTESTER_CONFIG_DIR=str(config_folder),
        SMSTESTER_AUTH_KEY=demo.auth_key,
        SMSTESTER_PASSWORD=demo.password,
        NO_PROXY="*",
    )

    def smstester(*args: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "smstester", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env | extra,
            cwd=ROOT,
            timeout=60,
            check=False,
        )

    outputs = [
        smstester("send", "--ticket", *demo_flags(demo, integration_id="fault-echo")),
        smstester("send", "--json", "--ticket", *demo_flags(demo), SMSTESTER_PASSWORD=wrong),
        smstester("history", "--json"),
        smstester("history", "show", "1", "--ticket"),
        smstester("history", "show", "1", "--json"),
        smstester("history", "export", str(tmp_path / "all.json")),
        smstester("history", "export", str(tmp_path / "all.csv")),
    ]
    assert [o.returncode for o in outputs] == [1, 1, 0, 0, 0, 0, 0], [o.stderr for o in outputs]
    assert b"20003" in outputs[1].stdout
    files = [p for p in config_folder.iterdir() if p.is_file()]
    files += [tmp_path / "all.json", tmp_path / "all.csv"]
    assert any(p.name == "history.sqlite3" for p in files)
    for secret in (demo.auth_key, demo.password, wrong):
        for path in files:
            assert secret.encode() not in path.read_bytes(), path.name
        for done in outputs:
            assert secret.encode() not in done.stdout + done.stderr
    echoed = json.loads(outputs[4].stdout)
    assert "••••••" in json.dumps(echoed["envelope"], ensure_ascii=False)

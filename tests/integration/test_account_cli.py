"""`smstester login`, `integrations` and `check` (CONTRACT §3a) against the real sandbox on
127.0.0.1; the login prompt through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import MemoryKeyring, answer_at_a_terminal

from smstester.cli import main
from smstester.core.keystore import SecretStore
from smstester.core.model import DEMO_LOGIN_EMAIL, DEMO_LOGIN_PASSWORD, DEMO_LOGIN_USERNAME
from smstester.core.profiles import ProfileStore
from smstester.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(auth_key_ttl=3600).start()
    yield server
    server.stop()


@pytest.fixture
def site(sandbox: SandboxServer) -> list[str]:
    return ["--base-url", sandbox.demo.url, "--brand-url", sandbox.demo.brand_url]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def login(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    *more: str,
    password: str = DEMO_LOGIN_PASSWORD,
    user: str = DEMO_LOGIN_USERNAME,
) -> tuple[int, str, str]:
    monkeypatch.setenv("SMSTESTER_LOGIN_PASSWORD", password)
    return run(capsys, "login", *site, "--username", user, *more)


# --- login ---------------------------------------------------------------------------------


def test_login_into_a_profile_keeps_the_key_in_the_keyring_and_its_expiry(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    memory_keyring: MemoryKeyring,
) -> None:
    code, out, err = login(capsys, monkeypatch, site, "--profile", "Demo", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["username"] == DEMO_LOGIN_USERNAME and shown["profile"] == "Demo"
    assert "authKey" not in shown
    profile = ProfileStore().get("Demo")
    assert profile.auth_key_expires == shown["expiresAt"]
    assert shown["expiresAt"].endswith("Z")
    key = SecretStore(memory_keyring).get(profile.id, "auth_key")
    assert key and key not in out + err
    assert DEMO_LOGIN_PASSWORD not in out + err
    # The profile works for the next commands: the key comes from its keyring entry.
    code, out, err = run(capsys, "check", "--profile", "Demo", "--integration-id", "demo-twilio")
    assert code == 0, out + err
    assert "✓ auth-key: valid until" in out
    # ...and `profiles list` tells the expiry without a call.
    code, out, _ = run(capsys, "profiles", "list", "--json")
    assert json.loads(out)[0]["authKeyExpires"] == shown["expiresAt"]


def test_login_by_email_prints_who_and_until_when(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, site: list[str]
) -> None:
    code, out, err = login(capsys, monkeypatch, site, user=DEMO_LOGIN_EMAIL)
    assert code == 0, err
    assert out.startswith("Signed in as ")
    assert ("valid until" in out and "(in 59 min)" in out) or "(in 1 h)" in out
    assert "was not kept" in out


def test_print_auth_key_gives_the_key_alone_on_stdout(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    sandbox: SandboxServer,
) -> None:
    code, out, err = login(capsys, monkeypatch, site, "--print-auth-key")
    assert code == 0, err
    key = out.strip()
    assert out.count("\n") == 1 and key
    assert "Signed in as" in err
    # The key really works.
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", key)
    assert run(capsys, "integrations", *site, "--json")[0] == 0


def test_a_wrong_password_is_exit_1_in_the_servers_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, site: list[str]
) -> None:
    code, out, err = login(capsys, monkeypatch, site, password="not-it-at-all")
    assert code == 1
    assert "The username or password incorrect." in err
    assert "not-it-at-all" not in out + err


def test_no_answer_is_exit_3_and_bad_input_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_LOGIN_PASSWORD", "x")
    nowhere = ["--base-url", "http://127.0.0.1:9", "--brand-url", "b"]
    assert run(capsys, "login", *nowhere, "--username", "u", "--timeout", "5")[0] == 3
    code, _, err = run(
        capsys, "login", "--base-url", "ftp://x", "--brand-url", "b", "--username", "u"
    )
    assert code == 2 and "Base URL" in err
    code, _, err = run(capsys, "login", "--username", "u")
    assert code == 2 and "Brand-URL" in err
    code, _, err = run(capsys, "login", "--username", "u", "--password", "hunter2")
    assert code == 2 and "SMSTESTER_LOGIN_PASSWORD" in err and "hunter2" not in err


def test_login_into_a_profile_with_no_keyring_is_bad_input_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
) -> None:
    """The key could not be kept: said before the password is asked for or sent (exit 2,
    as any flag that cannot be honoured), not after a sign-in as a refusal (1 is the
    server's refusal); an unusable name the same way."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv("SMSTESTER_LOGIN_PASSWORD", raising=False)  # no prompt is reached
    code, out, err = run(capsys, "login", *site, "--username", "u", "--profile", "Demo")
    assert code == 2, err
    assert "keyring" in err and "nothing was sent" in err and "--print-auth-key" in err
    assert out == ""
    assert ProfileStore().find("Demo") is None
    code, _, err = run(capsys, "login", *site, "--username", "u", "--profile", "a\x00b")
    assert code == 2 and "nothing was sent" in err, err


def test_no_password_and_no_terminal_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, site: list[str]
) -> None:
    monkeypatch.delenv("SMSTESTER_LOGIN_PASSWORD", raising=False)
    code, _, err = run(capsys, "login", *site, "--username", "u")
    assert code == 2 and "SMSTESTER_LOGIN_PASSWORD" in err


def test_the_prompt_on_a_terminal_does_not_echo(sandbox: SandboxServer, tmp_path: Path) -> None:
    """The password typed at a real pty: signed in, and the typing is not shown."""
    env = dict(os.environ, SMSTESTER_CONFIG_DIR=str(tmp_path))
    env.pop("SMSTESTER_LOGIN_PASSWORD", None)
    argv = [
        sys.executable,
        "-m",
        "smstester",
        "login",
        "--base-url",
        sandbox.demo.url,
        "--brand-url",
        sandbox.demo.brand_url,
        "--username",
        DEMO_LOGIN_USERNAME,
    ]
    code, seen, sent = answer_at_a_terminal(argv, env, b"typing is not shown", DEMO_LOGIN_PASSWORD)
    assert sent, seen
    assert code == 0, seen
    assert b"Signed in as demo-support" in seen
    assert DEMO_LOGIN_PASSWORD.encode() not in seen


# --- integrations ------------------------------------------------------------------------------


def test_integrations_json_never_holds_a_password(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    code, out, err = run(capsys, "integrations", *site, "--json")
    assert code == 0, err
    rows = json.loads(out)
    default = next(row for row in rows if row.get("isDefault"))
    assert default["appIntegrationId"] == "demo-twilio"
    assert default["username"] == sandbox.demo.username
    assert default["phoneNumber"] == sandbox.demo.phone_from
    assert {"id", "name", "status"} <= default.keys()
    assert any(row["status"].lower() != "active" for row in rows)
    assert all("password" not in row for row in rows)
    assert sandbox.demo.password not in out + err
    code, text, _ = run(capsys, "integrations", *site)
    assert code == 0 and "demo-twilio" in text and sandbox.demo.password not in text


def test_integrations_without_a_key_or_with_a_wrong_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, site: list[str]
) -> None:
    code, _, err = run(capsys, "integrations", *site)
    assert code == 2 and "needs an Auth-Key" in err
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "not-a-key-of-this-brand")
    code, _, err = run(capsys, "integrations", *site)
    assert code == 1 and "cannot list the integrations" in err
    assert "not-a-key-of-this-brand" not in err


# --- check ----------------------------------------------------------------------------------------


def steps(out: str) -> list[dict[str, object]]:
    return list(json.loads(out)["steps"])


def test_check_all_good(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    code, out, _ = run(capsys, "check", *site, "--integration-id", "demo-twilio", "--json")
    assert code == 0
    found = steps(out)
    assert [s["name"] for s in found] == ["server", "brand", "auth-key", "integration"]
    assert all(s["ok"] is True for s in found)
    assert "demo-twilio" in str(found[3]["detail"]) or "Active" in str(found[3]["detail"])
    code, text, _ = run(capsys, "check", *site, "--integration-id", "demo-twilio")
    assert code == 0 and text.count("✓") == 4 and "All good" in text


@pytest.mark.parametrize(
    ("change", "failing", "words"),
    [
        ({"--brand-url": "no-such-brand.example"}, "brand", "no brand at this URL"),
        ({"key": "wrong-key-wrong-key"}, "auth-key", "not valid"),
        ({"--integration-id": "no-such-integration"}, "integration", "not one of the brand's"),
        ({"--integration-id": "inactive"}, "integration", "not active"),
    ],
)
def test_check_each_step_failing_in_turn(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    change: dict[str, str],
    failing: str,
    words: str,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", change.pop("key", sandbox.demo.auth_key))
    flags = {
        "--base-url": sandbox.demo.url,
        "--brand-url": sandbox.demo.brand_url,
        "--integration-id": "demo-twilio",
    } | change
    if flags["--integration-id"] == "inactive":
        monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
        code, out, _ = run(
            capsys,
            "integrations",
            "--base-url",
            sandbox.demo.url,
            "--brand-url",
            sandbox.demo.brand_url,
            "--json",
        )
        rows = json.loads(out)
        flags["--integration-id"] = next(
            r.get("appIntegrationId") or r["id"] for r in rows if r["status"].lower() != "active"
        )
    argv = [item for pair in flags.items() for item in pair]
    code, out, err = run(capsys, "check", *argv, "--json")
    assert code == 1, out + err
    found = steps(out)
    assert found[-1]["name"] == failing and found[-1]["ok"] is False
    assert words in str(found[-1]["detail"])
    assert all(s["ok"] is True for s in found[:-1])
    assert "wrong-key-wrong-key" not in out + err


def test_check_without_a_server_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "check",
        "--base-url",
        "http://127.0.0.1:9",
        "--brand-url",
        "b",
        "--json",
        "--timeout",
        "5",
    )
    assert code == 3
    assert steps(out) == [{"name": "server", "ok": False, "detail": steps(out)[0]["detail"]}]
    assert "refused" in str(steps(out)[0]["detail"])


def test_check_catches_an_expired_key_without_a_call(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    memory_keyring: MemoryKeyring,
) -> None:
    assert login(capsys, monkeypatch, site, "--profile", "Old")[0] == 0
    store = ProfileStore()
    store.save(store.get("Old").with_changes(auth_key_expires="2020-01-01T00:00:00Z"))
    code, out, _ = run(capsys, "check", "--profile", "Old", "--json")
    assert code == 1
    assert "expired" in str(steps(out)[-1]["detail"]) and steps(out)[-1]["name"] == "auth-key"


def test_profiles_list_says_expired_without_a_call(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    site: list[str],
    memory_keyring: MemoryKeyring,
) -> None:
    assert login(capsys, monkeypatch, site, "--profile", "Fresh")[0] == 0
    assert login(capsys, monkeypatch, site, "--profile", "Stale")[0] == 0
    store = ProfileStore()
    store.save(store.get("Stale").with_changes(auth_key_expires="2020-01-01T00:00:00Z"))
    code, out, _ = run(capsys, "profiles", "list", "--json")
    expired = {row["name"]: row["authKeyExpired"] for row in json.loads(out)}
    assert expired == {"Fresh": False, "Stale": True}
    code, text, _ = run(capsys, "profiles", "list")
    assert code == 0
    stale = next(line for line in text.splitlines() if line.startswith("Stale"))
    fresh = next(line for line in text.splitlines() if line.startswith("Fresh"))
    assert "Auth-Key expired" in stale and "sign in again" in stale
    assert "Auth-Key valid until" in fresh


def test_a_send_through_the_inactive_integration_says_pick_the_active_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    from support import demo_flags

    monkeypatch.setenv("SMSTESTER_AUTH_KEY", sandbox.demo.auth_key)
    monkeypatch.setenv("SMSTESTER_PASSWORD", sandbox.demo.password)
    argv = ["send", *demo_flags(sandbox.demo, **{"integration-id": "demo-messagebird"}), "--json"]
    code, out, _ = run(capsys, *argv)
    assert code == 1
    diagnosis = json.loads(out)["diagnosis"]
    assert diagnosis["code"] == "AppIntegrationInactive" and diagnosis["side"] == "jframework"
    assert any("active SMS integration" in step for step in diagnosis["steps"])

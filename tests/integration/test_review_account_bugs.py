"""Bugs found by review of login, integrations and check, each now fixed (an expiry at the
calendar's end, a key with terminal escapes, a broken SMS settings answer, 100,000
settings, a ticket note that left error codes out without saying so)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from test_review_account_hostile import (
    AUTH_KEY,
    ESCAPES,
    Reply,
    _bomb,
    _envelope,
    _html,
    _trickle,
    assert_clean,
    hostile,  # noqa: F401 (the fixture)
    run,
)

from smstester.cli import main


@pytest.mark.parametrize("expires", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_expiry_at_the_edge_of_time_is_no_internal_error(
    expires: str,
    hostile: Callable[[Reply], str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            data = {"username": "bob", "authKey": AUTH_KEY, "expiresIn": expires}
            return "200 OK", _envelope(data), {}
        return None

    url = hostile(reply)
    for extra in ([], ["--json"]):
        code, text, _ = run(capsys, monkeypatch, url, "login", "--username", "bob", *extra)
        assert code == 0, text  # seen: 70, "internal error: OverflowError: date value out of range"
        assert_clean(text, AUTH_KEY)


def test_a_year_9999_expiry_east_of_utc_breaks_nothing(
    hostile: Callable[[Reply], str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            data = {"username": "bob", "authKey": AUTH_KEY, "expiresIn": "9999-12-31T23:59:59Z"}
            return "200 OK", _envelope(data), {}
        return None

    url = hostile(reply)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        code, text, _ = run(
            capsys, monkeypatch, url, "login", "--username", "bob", "--profile", "Far"
        )
        assert code == 0, text  # seen: 70 OverflowError
        code = main(["profiles", "list"])
        text = "".join(capsys.readouterr())
        assert code == 0, text  # seen: 70 OverflowError, for good: the profile keeps the expiry
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_print_auth_key_never_writes_a_servers_escapes_to_the_terminal(
    hostile: Callable[[Reply], str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reply(path: str, _body: bytes) -> tuple[str, bytes, dict[str, str]] | None:
        if "/users/auth" in path:
            key = f"abc{ESCAPES}\nSigned in as root"
            data = {"username": "bob", "authKey": key, "expiresIn": 3600}
            return "200 OK", _envelope(data), {}
        return None

    url = hostile(reply)
    _code, text, _ = run(capsys, monkeypatch, url, "login", "--username", "bob", "--print-auth-key")
    # A key no send could carry (control characters) should be refused in words, never printed raw.
    assert "\x1b" not in text and "\x07" not in text, repr(text)


@pytest.mark.parametrize("fault", [_html, _bomb, _trickle], ids=["html", "gzip-bomb", "trickle"])
def test_a_broken_sms_settings_answer_is_said_not_hidden(
    fault: Reply,
    hostile: Callable[[Reply], str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = hostile(lambda path, body: fault(path, body) if "/app-integrations/sms" in path else None)
    code, text, _ = run(capsys, monkeypatch, url, "integrations", "--timeout", "2")
    # seen: exit 0, "The brand has no SMS integrations." -- the failure is dropped
    assert code != 0 or "no SMS integrations" not in text, text
    code, text, _ = run(
        capsys, monkeypatch, url, "check", "--integration-id", "tw", "--timeout", "2"
    )
    # seen: "✗ integration: tw is not one of the brand's SMS integrations (it has: none)"
    assert "it has: none" not in text, text


def test_100000_sms_settings_list_within_the_timeout(
    hostile: Callable[[Reply], str],  # noqa: F811
    tmp_path: Any,
) -> None:
    rows = [{"id": f"i{i}", "password": f"pw{i:06d}"} for i in range(100_000)]
    body = json.dumps(
        {"success": True, "statusCode": 200, "message": "ok", "data": rows, "errors": []},
        separators=(",", ":"),
    ).encode()  # 3.6 MB: past the 1 MiB an account call reads
    url = hostile(
        lambda path, _b: ("200 OK", body, {}) if "/app-integrations/sms" in path else None
    )
    env = {**os.environ, "SMSTESTER_AUTH_KEY": AUTH_KEY}
    argv = [
        sys.executable,
        "-m",
        "smstester",
        "integrations",
        "--base-url",
        url,
        "--brand-url",
        "acme.example",
        "--timeout",
        "10",
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"integrations still running after {time.monotonic() - started:.0f} s")
    # Said in words at once (an account list is read up to 1 MiB), never a long wait.
    assert done.returncode == 1, done.stderr
    assert b"larger than 1 MiB" in done.stderr or b"too large" in done.stderr
    assert time.monotonic() - started < 20


def test_the_ticket_note_says_when_error_codes_were_left_out(tmp_path: Any) -> None:
    """A 100,000-error answer: the note lists 50 codes and 50 correlation ids and never says
    that 99,950 were not kept (the stored envelope does say "errorsNotKept": 99950)."""
    import sys as _sys

    _sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from faulty_servers import LoopbackServer
    from test_review_history_hostile import AUTH_KEY as KEY
    from test_review_history_hostile import AUTH_TOKEN, answering, flags, many_errors

    env = {
        **os.environ,
        "SMSTESTER_CONFIG_DIR": str(tmp_path),
        "SMSTESTER_AUTH_KEY": KEY,
        "SMSTESTER_PASSWORD": AUTH_TOKEN,
    }
    with LoopbackServer(answering(many_errors)) as server:
        subprocess.run(
            [sys.executable, "-m", "smstester", "send", *flags(server.url)],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    note = subprocess.run(
        [sys.executable, "-m", "smstester", "history", "show", "1", "--ticket"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    ).stdout.decode()
    codes = next(line for line in note.splitlines() if line.startswith("Error codes:"))
    assert "more" in codes or "99,950" in codes or "99950" in codes, codes

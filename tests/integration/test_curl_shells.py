"""curl commands run through real shells (bash, zsh, zsh with RC_QUOTES): each hands curl
exactly the request smstester sends; the guard of a masked command stops before curl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import GOOD, expected_argv

from smstester.core.curl import (
    curl_notes,
    curl_problems,
    password_needs_json_escape,
    refused_by_guard,
    render_curl,
    shell_quote,
)
from smstester.core.model import SmsTest
from smstester.core.request import normalized

ZSH = shutil.which("zsh")


needs_zsh = pytest.mark.skipif(ZSH is None, reason="zsh is not installed")


# The argv printer: `curl` becomes a function, so the command runs nothing else.
ARGV_PRINTER = "curl() { printf '%s\\0' \"$@\"; }\n"


SHELLS = [
    pytest.param(["bash", "--norc", "--noprofile", "-c"], id="bash"),
    pytest.param(["zsh", "-f", "-c"], id="zsh", marks=needs_zsh),
    # zsh with RC_QUOTES ('' inside quotes is a quote): the quoting never puts two
    # single-quoted strings side by side, so it means the same.
    pytest.param(["zsh", "-f", "-o", "rcquotes", "-c"], id="zsh-rcquotes", marks=needs_zsh),
]


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSTESTER_")}
    env.update(extra)
    return env


def argv_of(command: str, shell: list[str], env: dict[str, str] | None = None) -> list[bytes]:
    """The arguments `command` hands to curl, as bytes."""
    done = subprocess.run(
        [*shell, ARGV_PRINTER + command],
        capture_output=True,
        env=env or shell_env(),
        timeout=30,
        check=True,
    )
    assert done.stderr == b""
    return done.stdout.split(b"\0")[:-1]


def secrets_env(test: SmsTest) -> dict[str, str]:
    ready = normalized(test)
    return shell_env(SMSTESTER_AUTH_KEY=ready.auth_key, SMSTESTER_PASSWORD=ready.password)


HOSTILE = [
    pytest.param({"message": "it's 'quoted' '' '''"}, id="single-quotes"),
    pytest.param({"message": 'say "hi" \\" \\\\ \\n \\x41 \\u0041'}, id="double-quotes-backslash"),
    pytest.param({"message": "$HOME ${HOME} $0 $$ $'\\x41' $\"x\""}, id="dollar"),
    pytest.param({"message": "$(echo pwned) `echo pwned` $((1+1))"}, id="substitution"),
    pytest.param({"message": "hi! !! !$ !-1 !# ^a^b"}, id="bang"),
    pytest.param({"message": "100% %s %n %2F %00", "integration_id": "%2F"}, id="percent"),
    pytest.param({"message": "[a] {b,c} * ? ~ # =cmd", "integration_id": "{a,b}[1]"}, id="glob"),
    pytest.param({"message": "a & b; c | d && e || f > x < y 2>&1"}, id="operators"),
    pytest.param({"message": "one\ntwo\r\n\tthree\x0b\x0c\x1b[31m\x00"}, id="controls"),
    pytest.param({"message": "\x7f\x85\x9b \u202eevil\u202c \u2028 \u00a0 \ufeff"}, id="invisible"),
    pytest.param({"message": "😀 👨‍👩‍👧 🇫🇷 Ünïcödé 中文 עברית"}, id="emoji"),
    pytest.param({"integration_id": "../x?y#z"}, id="dotdot-id"),
    pytest.param({"integration_id": " a b c "}, id="spaces-id"),
    pytest.param({"message": "@/etc/passwd", "integration_id": "-o"}, id="at-and-dash"),
    pytest.param(
        {
            "brand_url": "b'$(echo x)`echo y`!x\\\"[]{}&;|",
            "auth_key": "k'$(echo x)`y`!\\\"%[]{}",
            "username": "u'$x`y`!\"\\",
            "password": "p'$x`y`! {a,b} [c]",
        },
        id="hostile-headers-and-secrets",
    ),
]


@pytest.mark.parametrize("shell", SHELLS)
def test_shell_quote_tricky_values(shell: list[str]) -> None:
    # Quotes next to quotes and next to $'…' pieces: the zsh-rcquotes case checks that no
    # closing quote is ever followed by an opening one.
    values = ["a''b", "'", "''", "x'\ny'", "\n'\n", "a\u202e'b", "'\t'", "!'!", "\\'"]
    command = "curl " + " ".join(shell_quote(v) for v in values)
    assert argv_of(command, shell) == [v.encode() for v in values]


@pytest.mark.parametrize("shell", SHELLS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.text(), min_size=1, max_size=8))
def test_shell_quote_round_trips_through_the_shell(shell: list[str], values: list[str]) -> None:
    command = "curl " + " ".join(shell_quote(v) for v in values)
    assert argv_of(command, shell) == [v.replace("\0", "").encode() for v in values]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("changes", HOSTILE)
def test_with_secrets_hands_curl_exactly_the_request(
    shell: list[str], changes: dict[str, str]
) -> None:
    test = GOOD.with_changes(**changes)
    command = render_curl(test, with_secrets=True)
    assert argv_of(command, shell) == expected_argv(test)
    assert curl_problems(test) == []


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("changes", HOSTILE)
def test_masked_with_exported_secrets_hands_curl_exactly_the_request(
    shell: list[str], changes: dict[str, str]
) -> None:
    test = GOOD.with_changes(**changes)
    command = render_curl(test)
    assert argv_of(command, shell, secrets_env(test)) == expected_argv(test)


@pytest.mark.parametrize("changes", HOSTILE)
def test_single_line_is_the_same_command(changes: dict[str, str]) -> None:
    test = GOOD.with_changes(**changes)
    for with_secrets in (False, True):
        multi = render_curl(test, with_secrets=with_secrets)
        single = render_curl(test, with_secrets=with_secrets, multiline=False)
        assert "\n" not in single
        assert multi.replace(" \\\n  ", " ") == single
        assert argv_of(single, ["bash", "-c"], secrets_env(test)) == expected_argv(test)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(["bash", "--norc", "--noprofile", "-i"], id="bash-interactive"),
        pytest.param(["zsh", "-f", "-i"], id="zsh-interactive", marks=needs_zsh),
    ],
)
def test_pasting_into_an_interactive_shell_expands_no_history(script: list[str]) -> None:
    # Interactive shells expand `!` history references in the input they read; quotes stop it.
    test = GOOD.with_changes(message='hi! !! !$ !-1 it\'s "!x"', password="p!w!!")
    for command in (render_curl(test, with_secrets=True), render_curl(test)):
        done = subprocess.run(
            script,
            input=(ARGV_PRINTER + command + "\nexit\n").encode(),
            capture_output=True,
            env=secrets_env(test) | {"HISTFILE": os.devnull, "PS1": "", "PS2": ""},
            timeout=30,
            check=True,
        )
        assert b"event not found" not in done.stderr
        assert done.stdout.split(b"\0")[:-1] == expected_argv(test)


def run_masked(
    command: str, shell: list[str], env: dict[str, str]
) -> tuple[int, bytes, list[bytes] | None]:
    """Exit status, stderr, and the argv curl got (None: curl never ran)."""
    done = subprocess.run(
        [*shell, ARGV_PRINTER + command], capture_output=True, env=env, timeout=30, check=False
    )
    ran = done.stdout.split(b"\0")[:-1] if done.stdout else None
    return done.returncode, done.stderr, ran


@pytest.mark.parametrize(
    "shell", [*SHELLS, pytest.param(["bash", "-O", "extglob", "-c"], id="bash-extglob")]
)
@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SMSTESTER_PASSWORD", 'pa"ss'),
        ("SMSTESTER_PASSWORD", 'p","username":"AC' + "f" * 32),
        ("SMSTESTER_PASSWORD", "pa\\ss"),
        ("SMSTESTER_PASSWORD", "pa\tss"),
        ("SMSTESTER_PASSWORD", "pa\nss"),
        ("SMSTESTER_PASSWORD", "pa\bss"),
        ("SMSTESTER_PASSWORD", "pa\x7f"),
        ("SMSTESTER_PASSWORD", "pass "),
        ("SMSTESTER_PASSWORD", ""),
        ("SMSTESTER_AUTH_KEY", "k\r\nX-Injected: yes"),
        ("SMSTESTER_AUTH_KEY", "k\x1b]52;c;aGk=\x07"),
        ("SMSTESTER_AUTH_KEY", " k"),
        ("SMSTESTER_AUTH_KEY", ""),
    ],
)
def test_masked_guard_stops_before_curl(
    shell: list[str], locale: str, variable: str, value: str
) -> None:
    test = GOOD.with_changes(**{variable.removeprefix("SMSTESTER_").lower(): "x"})
    env = secrets_env(GOOD) | {variable: value, "LC_ALL": locale}
    assert refused_by_guard(variable, value)
    for multiline in (True, False):
        status, err, ran = run_masked(render_curl(test, multiline=multiline), shell, env)
        assert (status, ran) == (2, None)
        assert err.startswith(f"smstester: not sent: {variable} ".encode())
        assert err.count(b"\n") == 1


@pytest.mark.parametrize("variable", ["SMSTESTER_PASSWORD", "SMSTESTER_AUTH_KEY"])
def test_masked_guard_stops_on_an_unset_variable(variable: str) -> None:
    env = secrets_env(GOOD)
    del env[variable]
    status, err, ran = run_masked(render_curl(GOOD), ["bash", "-c"], env)
    assert (status, ran) == (2, None)
    assert f"{variable} is empty or not set: export it first".encode() in err


@pytest.mark.parametrize("password", ['pa"ss', "pa\\ss", "pa\tss", "pa\nss"])
def test_masked_password_that_json_must_escape_is_flagged(password: str) -> None:
    # The shell cannot JSON-escape: the guard stops the masked command, and the notes say so.
    test = GOOD.with_changes(password=password)
    assert password_needs_json_escape(password)
    status, _, ran = run_masked(render_curl(test), ["bash", "-c"], secrets_env(test))
    assert (status, ran) == (2, None)
    notes = curl_notes(test)
    assert any("with-secrets" in note for note in notes)
    assert all(password not in note for note in notes)
    # The with-secrets variant carries the JSON-escaped value exactly.
    assert argv_of(render_curl(test, with_secrets=True), ["bash", "-c"]) == expected_argv(test)


@pytest.mark.parametrize("password", ["p$x'y`z`!", "p w", "ünï😀", "\x85\u2028", "a/b+c=="])
def test_masked_password_without_json_special_characters_is_exact(password: str) -> None:
    test = GOOD.with_changes(password=password)
    assert not password_needs_json_escape(password)
    assert not refused_by_guard("SMSTESTER_PASSWORD", password)
    assert not any("with-secrets" in note for note in curl_notes(test))
    assert argv_of(render_curl(test), ["bash", "-c"], secrets_env(test)) == expected_argv(test)


def test_empty_form_renders_with_problems() -> None:
    test = SmsTest()
    command = render_curl(test)
    assert "\n  curl -sS -X POST " in command
    assert "-H 'Brand-URL;'" in command  # an empty header is still sent, empty
    problems = curl_problems(test)
    assert any(p.startswith("Brand-URL") for p in problems)
    assert curl_notes(test)[0].startswith("the form is not valid: ")
    argv = argv_of(
        command, ["bash", "-c"], shell_env(SMSTESTER_AUTH_KEY="k", SMSTESTER_PASSWORD="p")
    )
    body = json.loads(argv[-1])
    assert list(body) == ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]


def test_invalid_form_keeps_numbers_as_typed_and_converts_valid_ones() -> None:
    test = GOOD.with_changes(phone_from="not a number", phone_to="(415) 555-2671", region="US")
    test = test.with_changes(brand_url="")
    argv = argv_of(render_curl(test, with_secrets=True), ["bash", "-c"])
    body = json.loads(argv[-1])
    assert body["phoneNumberFrom"] == "not a number"
    assert body["phoneNumberTo"] == "+14155552671"
    assert curl_problems(test)


def test_lone_surrogates_render() -> None:
    # Undecodable bytes on the command line reach Python as lone surrogates.
    test = GOOD.with_changes(message="x\udcff", integration_id="i\udcfe", brand_url="b\udcfd")
    command = render_curl(test, with_secrets=True)
    argv = argv_of(command, ["bash", "-c"])
    assert argv[-1].endswith(b'"message":"x\\udcff"}')
    assert b"/app-integrations/i%FE/sms/test" in argv[6]
    assert b"Brand-URL: b\xfd" in argv
    assert curl_problems(test)


def test_url_is_never_read_as_an_option() -> None:
    test = GOOD.with_changes(base_url="-o/tmp/smstester-x")
    argv = argv_of(render_curl(test, with_secrets=True), ["bash", "-c"])
    assert argv[5] == b"--url"
    assert argv[6].startswith(b"-o/tmp/smstester-x")
    assert curl_problems(test)


def test_base_url_prefix_and_ipv6_host_are_kept() -> None:
    for base in ("https://gw.example.com/jfw$x'/", "http://[::1]:8080/"):
        test = GOOD.with_changes(base_url=base)
        argv = argv_of(render_curl(test, with_secrets=True), ["bash", "-c"])
        assert argv == expected_argv(test)

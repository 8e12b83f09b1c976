"""The masked cmd.exe command (`smstester snippet curl-cmd`) against values a variable can
hold when it comes from outside the prompt (PowerShell's `$env:`, `setx`, System
Properties, a parent process): a line feed or a carriage return. CONTRACT §9: such a value
is either sent exactly or the command stops with a message; it never sends another field
or another header, and never runs anything else.

The rules, in the model's tags (tests/core/test_snippets.py):
- [cmd-lf] jeb's answer to "How does the Windows Command Interpreter (CMD.EXE) parse
  scripts?" (Stack Overflow 4094699): phase 1 "Line is truncated at first <LF> not within
  %var% expansion" (a line feed from a value stays), phase 2 "<LF> stops the parsing
  immediatly, but not with a caret in front"; the quote flag stops only `^ & | < > ( )`.
- [cmd-cr] the same answer, phase 1.5: "Remove all <CR> (CarriageReturn 0x0d) from the
  line", after the expansion: a carriage return in a value is lost.
"""

from __future__ import annotations

import json

import pytest
from support import GOOD
from test_snippets import (
    AUTH_KEY_VAR,
    PASSWORD_VAR,
    cmd_session,
    curl_request,
    expected,
    msvc_argv,
    secrets_env,
)

from smstester.core.snippets import render_snippet


def sends_exactly_or_refuses(env: dict[str, str]) -> None:
    """Pasting GOOD's masked command with `env` either sends GOOD's request with exactly
    the values `env` holds, or sends nothing and says which variable it cleared."""
    text = render_snippet("curl-cmd", GOOD).text
    session = cmd_session(text, env)  # a CmdError: cmd.exe would run something else
    if not session.curl_lines:
        assert len(session.printed) == 1, session.printed
        cleared = [name for name in (AUTH_KEY_VAR, PASSWORD_VAR) if name in session.printed[0]]
        assert cleared and cleared[0] not in session.env, session.printed
        return
    assert len(session.curl_lines) == 1, session.curl_lines
    got = curl_request(msvc_argv(session.curl_lines[0]))
    plain = expected(GOOD)
    assert got.url == plain.url
    want_headers = tuple(
        (name, env[AUTH_KEY_VAR] if name == "Auth-Key" else value) for name, value in plain.headers
    )
    assert got.headers == want_headers
    want_body = json.loads(plain.body) | {"password": env[PASSWORD_VAR]}
    try:
        body = json.loads(got.body)
    except ValueError:
        pytest.fail(f"curl.exe sends a body that is not the request's JSON: {got.body!r}")
    assert list(body.items()) == list(want_body.items())


# --- the model's own rules, pinned ---------------------------------------------------------


def test_model_a_line_feed_from_a_value_ends_the_command_even_inside_quotes() -> None:
    """[cmd-lf] `echo "a%X%b"` with X = 1<LF>2 prints `"a1`; `echo after` still runs."""
    session = cmd_session('echo "a%X%b" & echo same line\necho after', {"X": "1\n2"})
    assert session.printed == ['"a1', "after"]


def test_model_a_line_feed_drops_the_final_caret_so_the_next_line_is_a_new_command() -> None:
    """[cmd-lf] the `^` after the cut is dropped with the rest of the line."""
    session = cmd_session('echo "%X%" ^\nrem next', {"X": "k\nX"})
    assert session.printed == ['"k']


def test_model_set_with_no_closing_quote_takes_the_rest() -> None:
    session = cmd_session('set "SMSTESTER_T=abc', {})
    assert session.env["SMSTESTER_T"] == "abc"


# --- the snippet ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["k\nX", "k\n", "\nk", 'k\n" & calc & "'])
def test_a_line_feed_in_the_auth_key_is_refused_not_cut(value: str) -> None:
    """Today the copies are cut at the line feed alike, so the checks pass; the command is
    then cut after `-H "Auth-Key: k`: curl.exe sends a POST with the Auth-Key `k`, its own
    User-Agent and Accept, no body, and the next lines run as a command named `-H`."""
    sends_exactly_or_refuses(secrets_env(GOOD) | {AUTH_KEY_VAR: value})


@pytest.mark.parametrize("value", ["p\nX", "p\n", 'p\n","username":"x'])
def test_a_line_feed_in_the_password_is_refused_not_cut(value: str) -> None:
    """Today the body is cut after `"password":"p`: curl.exe sends that as the body."""
    sends_exactly_or_refuses(secrets_env(GOOD) | {PASSWORD_VAR: value})


@pytest.mark.parametrize(
    ("name", "value"), [(AUTH_KEY_VAR, "k\r"), (AUTH_KEY_VAR, "\rk"), (PASSWORD_VAR, "p\r")]
)
def test_a_carriage_return_at_either_end_is_refused_not_dropped(name: str, value: str) -> None:
    """[cmd-cr] a value read from a file written on Windows ends in a carriage return;
    today it is sent without it (another value), though the note says values with a
    control character are sent as they are."""
    sends_exactly_or_refuses(secrets_env(GOOD) | {name: value})

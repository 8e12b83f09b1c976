"""Copy as curl: quoting, layout, masking and notes, checked in this process.

Running the commands through real shells is `tests/integration/test_curl_shells.py`;
`tests/integration/test_curl_real.py` runs the real curl against a capture server.
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import GOOD, expected_argv

from smstester.core.curl import (
    AUTH_KEY_REF,
    GUARD_NOTE,
    PASSWORD_REF,
    curl_notes,
    curl_problems,
    render_curl,
    shell_quote,
)
from smstester.core.model import USER_AGENT
from smstester.core.redaction import secret_forms

# --- shell_quote ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("", "''"),
        ("abc", "'abc'"),
        ("it's", "'it'\\''s'"),
        ("''", "\\'\\'"),
        ("a\nb", "'a'$'\\n''b'"),
        ("\t\r\x01", "$'\\t\\r\\001'"),
        ("x\u202e", "'x'$'\\342\\200\\256'"),
        ("😀 $HOME !", "'😀 $HOME !'"),
        ("a\x00b", "'ab'"),
    ],
)
def test_shell_quote_examples(value: str, word: str) -> None:
    assert shell_quote(value) == word


def test_shell_quote_has_no_literal_control_characters() -> None:
    word = shell_quote("".join(chr(c) for c in range(1, 0xA0)))
    assert word.isascii()
    assert all(ch.isprintable() for ch in word)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"])))
def test_shell_quote_round_trips_through_shlex_for_printable_text(value: str) -> None:
    # shlex knows no $'…', so only values without control or format characters.
    if all(ch.isprintable() or ch == "\u200d" for ch in value):
        assert shlex.split(shell_quote(value)) == [value]


# --- render_curl: the argv curl receives -----------------------------------------------------


def test_shlex_reads_the_single_line_command_as_the_request() -> None:
    test = GOOD.with_changes(message="it's $HOME `id` ! \\ % [a] {b} & ; | 😀\nnext")
    argv = shlex.split(render_curl(test, with_secrets=True, multiline=False))
    assert argv[0] == "curl"
    assert [a.encode() for a in argv[1:]] == expected_argv(test)


def test_layout_is_one_option_a_line() -> None:
    lines = render_curl(GOOD, with_secrets=True).split("\n")
    assert lines[0] == "curl -sS -X POST --globoff --path-as-is \\"
    assert (
        lines[1]
        == "  --url 'https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test' \\"
    )
    assert lines[2:7] == [
        "  -H 'Brand-URL: brand.example.com' \\",
        "  -H 'Auth-Key: key-123' \\",
        "  -H 'Content-Type: application/json' \\",
        "  -H 'Accept: application/json' \\",
        f"  -H 'User-Agent: {USER_AGENT}' \\",
    ]
    assert lines[7].startswith('  --data-raw \'{"username":')
    assert len(lines) == 8


def test_masked_uses_references() -> None:
    command = render_curl(GOOD)
    assert f"-H 'Auth-Key: '{AUTH_KEY_REF}" in command
    assert f'"password":"\'{PASSWORD_REF}\'","phoneNumberFrom"' in command
    assert "$SMSTESTER_AUTH_KEY" in command
    assert "$SMSTESTER_PASSWORD" in command


# --- secrets ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(auth_key=st.text(), password=st.text(), multiline=st.booleans())
def test_masked_command_never_holds_a_secret(auth_key: str, password: str, multiline: bool) -> None:
    # Distinctive secrets (a secret equal to another field would be there anyway).
    auth_key, password = "AK-7f3e" + auth_key, "PW-9c1d" + password
    test = GOOD.with_changes(auth_key=auth_key, password=password)
    command = render_curl(test, multiline=multiline)
    for secret in (auth_key, password, auth_key.strip(" "), password.strip(" ")):
        for form in secret_forms(secret) | {shell_quote(secret)}:
            assert form not in command
    assert "AK-7f3e" not in command
    assert "PW-9c1d" not in command
    for note in curl_notes(test):
        assert "AK-7f3e" not in note
        assert "PW-9c1d" not in note


def test_with_secrets_holds_them_quoted() -> None:
    test = GOOD.with_changes(auth_key="k'ey", password="p'w")
    command = render_curl(test, with_secrets=True)
    assert "-H 'Auth-Key: k'\\''ey'" in command
    assert '"password":"p\'\\\'\'w"' in command
    assert "SMSTESTER_" not in command
    assert any("in clear" in note for note in curl_notes(test, with_secrets=True))


def test_masked_notes_tell_to_export_and_describe_the_guard() -> None:
    notes = curl_notes(GOOD)
    assert notes == [
        "secrets are references to $SMSTESTER_AUTH_KEY and $SMSTESTER_PASSWORD: export them first",
        GUARD_NOTE,
    ]
    assert "stops" in GUARD_NOTE and "control character" in GUARD_NOTE


def test_notes_name_a_plain_http_base_url_to_another_machine() -> None:
    for with_secrets in (False, True):
        notes = curl_notes(
            GOOD.with_changes(base_url="http://gw.example.com"), with_secrets=with_secrets
        )
        assert any("unencrypted to gw.example.com" in note for note in notes)
        local = curl_notes(
            GOOD.with_changes(base_url="http://127.0.0.1:8080"), with_secrets=with_secrets
        )
        assert not any("unencrypted" in note for note in local)


# --- an invalid form still renders ---------------------------------------------------------


def test_invalid_header_value_is_shown_escaped() -> None:
    test = GOOD.with_changes(brand_url="a\r\nX-Injected: 1")
    command = render_curl(test)
    assert "-H 'Brand-URL: a'$'\\r\\n''X-Injected: 1'" in command
    assert "\r" not in command
    assert any("Brand-URL" in p for p in curl_problems(test))

"""Redaction masks every form a server may echo a secret in."""

from __future__ import annotations

import json
import urllib.parse

from smstester.core.secrets import MASK, redact


def test_raw_json_and_url_forms_masked() -> None:
    secret = 'p"a\\s/s é'
    text = " | ".join(
        [
            secret,
            json.dumps(secret),
            json.dumps(secret, ensure_ascii=False),
            urllib.parse.quote(secret, safe=""),
        ]
    )
    out = redact(text, [secret])
    assert secret not in out
    assert json.dumps(secret)[1:-1] not in out
    assert urllib.parse.quote(secret, safe="") not in out
    assert out.count(MASK) == 4


def test_empty_secret_changes_nothing() -> None:
    assert redact("abc", ["", ""]) == "abc"

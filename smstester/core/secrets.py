"""Keeping secrets out of everything a person or a file can see."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from typing import Final

MASK: Final = "••••••"


def secret_forms(secret: str) -> set[str]:
    """Every way `secret` may appear in text a server sends back: raw, JSON-escaped, URL-encoded."""
    if not secret:
        return set()
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        # surrogatepass: a secret from undecodable bytes (argv, environment) must not raise.
        urllib.parse.quote(secret, safe="", errors="surrogatepass"),
        urllib.parse.quote_plus(secret, errors="surrogatepass"),
    }


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by a mask (longest first)."""
    forms: set[str] = set()
    for secret in secrets:
        forms |= secret_forms(secret)
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, MASK)
    return text

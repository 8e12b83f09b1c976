"""The request smstester sends (CONTRACT §1): what a send would refuse in an `SmsTest`
(`problems`, `normalized`), then the exact `httpx.Request` (`build_request`)."""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from smstester.core.fields import REQUIRED, SINGLE_LINE_FIELDS
from smstester.core.model import USER_AGENT, InvalidInput, Problem, SmsTest
from smstester.core.phone import check_number

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used, not here: the window's form imports this module for
# `problems` before its first paint, and httpx costs ~200 ms of it on the 2-core machine
# (`python -X importtime -c "import httpx"`); tests/ui/test_startup.py holds it out.


def _control_reason(value: str) -> str | None:
    for ch in value:
        code = ord(ch)
        if ch == "\r" or ch == "\n":
            return "contains a line break, which a header cannot carry"
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            return f"contains a control character (U+{code:04X})"
    return None


def header_problem(name: str, value: str) -> Problem | None:
    if not value:
        return Problem(name, REQUIRED)
    reason = _control_reason(value)
    if reason:
        return Problem(name, reason)
    if not value.isascii():
        return Problem(name, "must be plain ASCII text (a header cannot carry other characters)")
    return None


#: A host name as sent (internationalized names are in their xn-- form by then).
_HOST_NAME: Final = re.compile(r"[A-Za-z0-9._-]+")


def base_url_problem(value: str) -> Problem | None:
    if not value:
        return Problem("base_url", REQUIRED)
    reason = _control_reason(value)
    if reason or any(ch.isspace() for ch in value):
        return Problem("base_url", reason or "contains spaces")
    if "\\" in value:
        # Browsers read `\` as `/`, httpx does not: `http://a\@b` names two hosts.
        return Problem("base_url", "must not contain a backslash (\\)")
    if _has_lone_surrogate(value):
        return Problem("base_url", _BROKEN)
    import httpx  # here, not at the top: the window's first paint does not need it

    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        return Problem("base_url", f"not a valid URL ({exc})")
    if url.scheme not in ("http", "https"):
        return Problem("base_url", "must start with https:// (or http://)")
    if not url.host:
        return Problem("base_url", "has no host name")
    if url.userinfo:
        # httpx would send it as an Authorization header, and a profile would store it.
        return Problem("base_url", "must not hold a user name or password (user:password@host)")
    # httpx percent-encodes what cannot be in a host name ("<" becomes "%3C"): refuse it.
    if ":" not in url.host and not _HOST_NAME.fullmatch(url.raw_host.decode("ascii")):
        return Problem("base_url", "the host name may hold only letters, digits, dots and dashes")
    if url.query or url.fragment:
        return Problem("base_url", "must not have a ?query or #fragment")
    return None


_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback_host(host: str) -> bool:
    """True for a name or address of this machine's loopback interface."""
    import ipaddress

    name = host.strip("[]").lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def insecure_transport_warning(base_url: str) -> str | None:
    """Words for an `http://` base URL to another machine (the secrets would travel
    unencrypted), else None (https://, a loopback address, or not a usable URL)."""
    import httpx

    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, ValueError):
        return None
    if url.scheme != "http" or not url.host or is_loopback_host(url.host):
        return None
    return (
        f"the base URL is http://, not https://: the Auth-Key and the Auth Token travel "
        f"unencrypted to {url.host}, where anyone on the network path can read them"
    )


def encode_segment(value: str) -> str:
    """Percent-encode `value` as exactly one path segment: `/ ? # %` and dot segments included."""
    encoded = urllib.parse.quote(value, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def endpoint_url(base_url: str, integration_id: str) -> str:
    """The endpoint URL for `integration_id` under `base_url` (path prefix kept, no `//`)."""
    import httpx

    url = httpx.URL(base_url.strip())
    prefix = url.raw_path.decode("ascii").split("?", 1)[0].rstrip("/")
    path = f"{prefix}/api/v1/app-integrations/{encode_segment(integration_id)}/sms/test"
    return str(url.copy_with(raw_path=path.encode("ascii")))


def _checked(test: SmsTest) -> tuple[list[Problem], dict[str, str]]:
    """What is wrong with `test`, and its sendable values (trimmed, numbers in E.164)."""
    trimmed = {name: getattr(test, name).strip(" ") for name in SINGLE_LINE_FIELDS}
    found: list[Problem] = []
    base = base_url_problem(trimmed["base_url"])
    if base:
        found.append(base)
    for name in ("brand_url", "auth_key"):
        header = header_problem(name, trimmed[name])
        if header:
            found.append(header)
    for name in ("integration_id", "username", "password"):
        if not trimmed[name]:
            found.append(Problem(name, REQUIRED))
        elif "\x00" in trimmed[name]:
            found.append(Problem(name, "contains a NUL character"))
        elif _has_lone_surrogate(trimmed[name]):
            found.append(Problem(name, _BROKEN))
    numbers: dict[str, str] = {}
    for name in ("phone_from", "phone_to"):
        check = check_number(trimmed[name], test.region)
        if check.e164 is None:
            found.append(Problem(name, check.reason))
        else:
            numbers[name] = check.e164
    if not test.message.strip():
        found.append(Problem("message", REQUIRED))
    if _has_lone_surrogate(test.message):
        found.append(Problem("message", _BROKEN))
    return found, trimmed | numbers


def problems(test: SmsTest) -> list[Problem]:
    """Every field of `test` that a send would refuse, in the form's order (empty: a send
    is accepted). The one validation: the form enables Send and marks fields with it."""
    return _checked(test)[0]


def normalized(test: SmsTest) -> SmsTest:
    """`test` with single-line fields trimmed of surrounding spaces and numbers in E.164.

    Raises InvalidInput naming every field that cannot be sent.
    """
    found, ready = _checked(test)
    if found:
        raise InvalidInput(found)
    return replace(test, **ready)


#: A lone UTF-16 surrogate has no UTF-8 form: pasted broken text, or undecodable argv bytes.
_BROKEN: Final = "contains a broken character (a lone UTF-16 surrogate)"


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def request_body(test: SmsTest) -> dict[str, str]:
    """The JSON body: exactly the five keys of the API, in its order."""
    return {
        "username": test.username,
        "password": test.password,
        "phoneNumberFrom": test.phone_from,
        "phoneNumberTo": test.phone_to,
        "message": test.message,
    }


def request_headers(test: SmsTest) -> dict[str, str]:
    """The headers, in the order CONTRACT §1 lists them."""
    return {
        "Brand-URL": test.brand_url,
        "Auth-Key": test.auth_key,
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }


def encode_body(body: dict[str, str]) -> bytes:
    """The exact body bytes: compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_request(test: SmsTest) -> httpx.Request:
    """The `httpx.Request` for `test`, exactly as CONTRACT §1 says. Raises InvalidInput."""
    import httpx

    ready = normalized(test)
    return httpx.Request(
        "POST",
        endpoint_url(ready.base_url, ready.integration_id),
        headers=request_headers(ready),
        content=encode_body(request_body(ready)),
    )

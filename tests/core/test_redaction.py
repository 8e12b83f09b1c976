"""Masking: every form a server may echo a secret in is masked, and nothing else is."""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smstester.core.redaction import MASK, SHORT, Masker, exposes, redact

SID = "AC" + "0123456789abcdef" * 2

Encoder = Callable[[str], str]


def _u_escape(text: str, upper: bool) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        units = (
            [code]
            if code < 0x10000
            else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF)]
        )
        out += [f"\\u{u:04X}" if upper else f"\\u{u:04x}" for u in units]
    return "".join(out)


def _b64(text: str, *, url: bool = False, pad: bool = True) -> str:
    raw = text.encode("utf-8")
    coded = (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()
    return coded if pad else coded.rstrip("=")


#: Ways a server echoes a value back, each turning a string into the text it sends.
ENCODERS: dict[str, Encoder] = {
    "raw": lambda s: s,
    "json": lambda s: json.dumps(s)[1:-1],
    "json-utf8": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "json-slash": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "u-lower": lambda s: _u_escape(s, upper=False),
    "u-upper": lambda s: _u_escape(s, upper=True),
    "json-nested": lambda s: json.dumps(json.dumps({"password": s}))[1:-1],
    "percent": lambda s: urllib.parse.quote(s, safe=""),
    "percent-lower": lambda s: re.sub(
        "%[0-9A-F]{2}", lambda m: m.group().lower(), urllib.parse.quote(s, safe="")
    ),
    "percent-plus": lambda s: urllib.parse.quote_plus(s),
    "html-hex": lambda s: "".join(f"&#x{ord(c):x};" for c in s),
    "html-HEX": lambda s: "".join(f"&#X{ord(c):X};" for c in s),
    "html-dec": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "html-escape": lambda s: html.escape(s),
    "base64": lambda s: _b64(s),
    "base64-url-nopad": lambda s: _b64(s, url=True, pad=False),
    "basic-auth": lambda s: "Basic " + _b64(f"{SID}:{s}"),
    "base64-of-json": lambda s: _b64(json.dumps({"username": SID, "password": s})),
}
#: Encodings that can wrap another one (the others end a chain).
WRAPPERS = ("json", "json-utf8", "json-nested", "percent", "percent-lower", "html-hex", "u-lower")

secrets = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from('"\\/ %&+#;\x00\x01\x08\n\r\t\x1b\x7f\x85é€😀'),
    ),
    min_size=SHORT,
    max_size=24,
).filter(lambda s: s.strip() != "" and MASK not in s)


@settings(max_examples=400, deadline=None)
@given(
    secret=secrets,
    chain=st.lists(st.sampled_from(WRAPPERS), max_size=2),
    last=st.sampled_from(sorted(ENCODERS)),
    before=st.sampled_from(["", "x", '{"echo":"', "password=", "<p>", " "]),
    after=st.sampled_from(["", "y", '"}', "&next=1", "</p>", " "]),
)
def test_no_encoding_of_a_secret_survives(
    secret: str, chain: list[str], last: str, before: str, after: str
) -> None:
    echoed = ENCODERS[last](secret)
    for name in chain:
        echoed = ENCODERS[name](echoed)
    out = redact(before + echoed + after, [secret])
    assert secret not in out
    assert echoed not in out
    assert MASK in out
    assert not exposes(out, [secret])


@settings(max_examples=200, deadline=None)
@given(
    # A value that is short once trimmed is masked only where it stands alone (its own test).
    secret=secrets.filter(lambda s: len(s.strip(" ")) >= SHORT),
    name=st.sampled_from(sorted(ENCODERS)),
)
def test_the_trimmed_value_that_is_sent_is_masked(secret: str, name: str) -> None:
    # Pasted with spaces around it, the secret is sent trimmed; the echo of what was sent
    # must be masked although the typed value is the untrimmed one.
    typed = f"  {secret} "
    sent = typed.strip(" ")
    echoed = ENCODERS[name](sent)
    out = redact(f"[{echoed}]", [typed])
    assert sent not in out
    assert echoed not in out


def test_nested_json_at_any_depth() -> None:
    secret = 'p"a\\ss'
    body: object = {"password": secret}
    for _ in range(5):
        body = {"body": json.dumps(body)}
    text = json.dumps(body)
    out = redact(text, [secret])
    assert MASK in out
    assert "p" + "\\" * 63 + '"a' not in out
    assert not exposes(out, [secret])
    # The rest of the text is still readable.
    assert out.startswith('{"body": "{\\"body\\"')


def test_only_the_secret_is_masked() -> None:
    secret = "f3c9a0d27b6e4e1c8a5d9b2e7f41c630"
    text = json.dumps(
        {"message": "Authenticate", "password": secret, "to": "+15005550001", "note": "a&b 100%"}
    )
    out = redact(text, [secret])
    assert out == text.replace(secret, MASK)


def test_url_encoded_form_body() -> None:
    secret = "p w&d=1"
    text = "username=AC1&password=" + urllib.parse.quote_plus(secret) + "&To=%2B1415"
    assert redact(text, [secret]) == f"username=AC1&password={MASK}&To=%2B1415"


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=SHORT - 1),
    words=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6), max_size=6
    ),
)
def test_short_secrets_do_not_mask_unrelated_text(secret: str, words: list[str]) -> None:
    # The short secret only ever appears inside longer words: nothing is masked.
    text = " ".join(f"{w}{secret}" for w in words) + " " + " ".join(f"{secret}{w}" for w in words)
    assert redact(text, [secret]) == text


@pytest.mark.parametrize("password", ["ab", "x", "7z9"])
def test_a_short_secret_standing_alone_is_masked(password: str) -> None:
    text = json.dumps({"password": password, "message": "about tab abc"})
    out = redact(text, [password])
    assert f'"password": "{MASK}"' in out
    assert "about tab abc" in out


def test_empty_secret_changes_nothing() -> None:
    assert redact("abc", ["", ""]) == "abc"
    assert not exposes("abc", [""])


def test_a_big_answer_is_masked_in_bounded_time() -> None:
    # Not a timed test: the structure (one pass per view) is what keeps it linear; this only
    # proves a 4 MiB body with an echo deep inside ends with the echo masked.
    secret = "sandbox-demo-auth-key-7f3a9c1e"
    text = json.dumps({"data": "x" * (4 * 1024 * 1024), "echo": json.dumps({"authKey": secret})})
    out = redact(text, [secret])
    assert secret not in out
    assert out.endswith(f'"echo": "{{\\"authKey\\": \\"{MASK}\\"}}"}}')


@pytest.mark.parametrize("offset", [0, 1, 16384 * 3 - 20, 16384 * 5 - 7, -60])
def test_a_secret_deep_inside_a_long_base64_run(offset: int) -> None:
    # A long run is read in overlapping windows: the secret is found wherever it lies,
    # across a window's edge too.
    secret = "f3c9a0d27b6e4e1c8a5d9b2e7f41c630"
    filler = "".join(chr(0x41 + (i * 7) % 26) for i in range(200_000))
    at = offset % len(filler)
    blob = base64.b64encode((filler[:at] + secret + filler[at:]).encode()).decode()
    out = redact(f'{{"image": "{blob}"}}', [secret])
    assert blob not in out
    assert out == f'{{"image": "{MASK}"}}'


@settings(max_examples=200, deadline=None)
@given(
    secret=secrets,
    names=st.lists(st.sampled_from(sorted(ENCODERS)), min_size=1, max_size=6),
    # (a filler ending in a backslash would escape the encoding's own first backslash)
    filler=st.text(st.sampled_from('ab ,}]"\n>{:=%&\\01'), min_size=1, max_size=12).filter(
        lambda f: not f.endswith("\\")
    ),
)
def test_a_long_text_masked_in_slices_hides_what_one_pass_hides(
    secret: str, names: list[str], filler: str
) -> None:
    masker = Masker([secret])
    masker.slice_size = 64  # slices a few pieces long: many cuts in a short text
    piece = filler.join(ENCODERS[name](secret) for name in names) + filler
    text = piece * (2_000 // len(piece) + 1)
    sliced = masker.mask(text)
    assert secret not in sliced
    assert not any(ENCODERS[name](secret) in sliced for name in names)
    assert MASK in sliced


def test_line_wrapped_base64_is_read_across_its_breaks() -> None:
    secret = "sandbox-demo-auth-key-7f3a9c1e"
    body = json.dumps({"username": SID, "password": "x" * 40}) + "   " + secret
    for wrapped in (
        base64.encodebytes(body.encode()).decode(),
        base64.encodebytes(body.encode()).decode().replace("\n", "\r\n"),
    ):
        out = redact(json.dumps({"data": wrapped}), [secret])
        assert not exposes(out, [secret])
        assert out in (f'{{"data": "{MASK}\\n"}}', f'{{"data": "{MASK}\\r\\n"}}')  # one mask


@pytest.mark.parametrize("depth", [7, 8, 12])
def test_json_in_json_deeper_than_eight(depth: int) -> None:
    secret = 'Tk"9\\zQ w€😀q'
    body: object = {"password": secret}
    for _ in range(depth):
        body = {"b": json.dumps(body)}
    out = redact(json.dumps(body), [secret])
    assert not exposes(out, [secret])
    assert "zQ w" not in out


@pytest.mark.parametrize("short", ["k", "ab", "7z9"])
def test_a_short_secret_does_not_mask_base64_looking_text(short: str) -> None:
    text = (
        "POST http://127.0.0.1:38111/api/v1/app-integrations/b64wrap/sms/test "
        f"https://protocol.jframework.io/api/v1/x {SID}"
    )
    assert redact(text, [short, "sandbox-demo-auth-key-7f3a9c1e"]) == text

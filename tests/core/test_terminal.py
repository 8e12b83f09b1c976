"""Text for a terminal: what a server or a profile holds is shown, never obeyed."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstester.core.terminal import printable, printable_json

#: What a terminal may act on: C0 controls but newline and tab, DEL, C1 controls, bidi
#: marks, embeddings, overrides and isolates, and lone surrogates (which cannot even be
#: written out as UTF-8).
ACTIVE = (
    {chr(c) for c in range(0x20) if chr(c) not in "\n\t"}
    | {chr(c) for c in range(0x7F, 0xA0)}
    | set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    | {chr(c) for c in range(0xD800, 0xE000)}
)


def assert_inert(text: str) -> None:
    assert not ACTIVE & set(text)
    text.encode("utf-8")  # no lone surrogate left: it can always be printed


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[1A\x1b[2K✔ success", "\\x1b[1A\\x1b[2K✔ success"),
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),  # OSC 52: write the clipboard
        ("\x9b2J \x9d0;title\x9c", "\\x9b2J \\x9d0;title\\x9c"),  # the same as C1 controls
        ("a\rb\x08c\x00d\x7f", "a\\x0db\\x08c\\x00d\\x7f"),
        ("abc\u202efdp.exe", "abc\\u202efdp.exe"),
        ("\u2066x\u2069 \u200f \u061c", "\\u2066x\\u2069 \\u200f \\u061c"),
        ("broken \udcff", "broken \\udcff"),
    ],
)
def test_active_characters_are_shown_escaped(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert_inert(printable(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        "two\nlines\tand a tab",
        "😀 👨‍👩‍👧 🇫🇷 Ünïcödé 中文 עברית",
        "é = e\u0301",
        "\u00a0\u2028",
    ],
)
def test_text_a_terminal_only_shows_is_unchanged(text: str) -> None:
    assert printable(text) == text


@given(st.text())
def test_any_text_comes_out_inert_and_readable(text: str) -> None:
    shown = printable(text)
    assert_inert(shown)
    # Everything else is kept, in order: removing the escapes gives the text back.
    kept = [ch for ch in text if ch not in ACTIVE]
    assert [ch for ch in shown if not ch.isascii()] == [ch for ch in kept if not ch.isascii()]
    assert shown.count("\n") == text.count("\n")


@given(st.recursive(st.none() | st.text() | st.integers(), lambda inner: st.lists(inner)))
def test_printable_json_is_the_same_json_and_inert(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    shown = printable_json(text)
    assert_inert(shown)
    assert json.loads(shown) == value


def test_every_bidi_control_is_covered() -> None:
    bidi_controls = {
        chr(c)
        for c in range(0x110000)
        if unicodedata.bidirectional(chr(c)) in {"LRE", "RLE", "PDF", "LRO", "RLO"}
        or unicodedata.bidirectional(chr(c)) in {"LRI", "RLI", "FSI", "PDI"}
    }
    assert bidi_controls
    assert_inert(printable("".join(sorted(bidi_controls))))

"""SMS segments: GSM-7 / UCS-2, boundaries, graphemes kept whole, culprits, lookalikes.

Expectations come from the rules (160/153 septets, 70/67 UTF-16 units, escape pairs and
graphemes never split), not from running the code: the numbers in the tables are worked out
in the comments, and the properties compare against small reference models written here.
"""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smstester.core import graphemes as graphemes_module
from smstester.core.segments import (
    GSM7_BASIC_TABLE,
    GSM7_CHARS,
    GSM7_EXTENSION,
    GSM7_EXTENSION_CHARS,
    LOOKALIKES,
    MAX_CHARACTERS,
    count_segments,
    graphemes,
    is_gsm7,
    replace_lookalikes,
)

# 3GPP TS 23.038 §6.2.1, written as Unicode code points (the module spells it as glyphs).
ESC = 0x1B
DEFAULT_ALPHABET = [
    0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D, 0xC5, 0xE5,
    0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, ESC, 0xC6, 0xE6,
    0xDF, 0xC9,
    *range(0x20, 0x24), 0xA4, *range(0x25, 0x40),
    0xA1, *range(0x41, 0x5B), 0xC4, 0xD6, 0xD1, 0xDC, 0xA7,
    0xBF, *range(0x61, 0x7B), 0xE4, 0xF6, 0xF1, 0xFC, 0xE0,
]  # fmt: skip
# §6.2.1.1 extension table: septet after ESC -> code point.
EXTENSION_TABLE = {
    0x0A: 0x0C, 0x14: 0x5E, 0x28: 0x7B, 0x29: 0x7D, 0x2F: 0x5C,
    0x3C: 0x5B, 0x3D: 0x7E, 0x3E: 0x5D, 0x40: 0x7C, 0x65: 0x20AC,
}  # fmt: skip

FLAG_DE = "\U0001f1e9\U0001f1ea"  # 🇩🇪: two regional indicators, 4 UTF-16 units
THUMB_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽: emoji + skin-tone modifier, 4 units
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧: 3 emoji + 2 ZWJ, 8 units
E_ACUTE_DECOMPOSED = "e\u0301"  # e + combining acute: 1 grapheme, 2 units
GRINNING = "\U0001f600"  # 😀: one surrogate pair


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# The alphabet


def test_basic_table_is_the_3gpp_default_alphabet() -> None:
    assert len(DEFAULT_ALPHABET) == 128
    assert [ord(c) for c in GSM7_BASIC_TABLE] == DEFAULT_ALPHABET


def test_extension_table_is_the_3gpp_extension() -> None:
    assert {code: ord(c) for c, code in GSM7_EXTENSION.items()} == EXTENSION_TABLE
    assert {chr(cp) for cp in EXTENSION_TABLE.values()} == GSM7_EXTENSION_CHARS
    assert len(GSM7_CHARS) == 127 + 10  # ESC itself is not a character


def test_every_basic_character_is_one_septet() -> None:
    for char in GSM7_BASIC_TABLE.replace("\x1b", ""):
        info = count_segments(char)
        assert (info.encoding, info.units) == ("GSM-7", 1), repr(char)


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_every_extension_character_is_two_septets(char: str) -> None:
    info = count_segments(f"a{char}b")
    assert info.encoding == "GSM-7"
    assert info.units == 4
    assert info.characters == 3


@pytest.mark.parametrize(
    "char",
    ["ç", "â", "`", "\t", "\x1b", "’", "—", "α", "ж", "世", GRINNING, "\u00a0", "\u200b"],
)
def test_characters_outside_the_alphabet_force_ucs2(char: str) -> None:
    info = count_segments(f"abc{char}")
    assert info.encoding == "UCS-2"
    assert info.culprits == (char,)
    assert not is_gsm7(char)


def test_greek_capitals_are_gsm_but_small_greek_is_not() -> None:
    assert count_segments("ΔΦΓΛΩΠΨΣΘΞ").encoding == "GSM-7"
    assert count_segments("ΔΦΓΛΩΠΨΣΘΞα").encoding == "UCS-2"


# --------------------------------------------------------------------------------------------
# Boundaries


@pytest.mark.parametrize(
    ("length", "segments", "left"),
    [
        (1, 1, 159),
        (160, 1, 0),  # one SMS holds 160 septets
        (161, 2, 2 * 153 - 161),  # split: 153 per segment
        (2 * 153, 2, 0),
        (2 * 153 + 1, 3, 152),
        (3 * 153, 3, 0),
        (3 * 153 + 1, 4, 152),
    ],
)
def test_gsm7_boundaries(length: int, segments: int, left: int) -> None:
    info = count_segments("a" * length)
    assert info.encoding == "GSM-7"
    assert (info.segments, info.units, info.units_left) == (segments, length, left)
    assert info.units_per_segment == (160 if segments == 1 else 153)
    assert info.characters == length


@pytest.mark.parametrize(
    ("length", "segments", "left"),
    [
        (1, 1, 69),
        (70, 1, 0),  # one SMS holds 70 UTF-16 units
        (71, 2, 2 * 67 - 71),  # split: 67 per segment
        (2 * 67, 2, 0),
        (2 * 67 + 1, 3, 66),
        (3 * 67, 3, 0),
        (3 * 67 + 1, 4, 66),
    ],
)
def test_ucs2_boundaries(length: int, segments: int, left: int) -> None:
    info = count_segments("ж" * length)
    assert info.encoding == "UCS-2"
    assert (info.segments, info.units, info.units_left) == (segments, length, left)
    assert info.units_per_segment == (70 if segments == 1 else 67)


def test_extension_pair_fits_a_single_sms_exactly() -> None:
    assert count_segments("a" * 158 + "€").segments == 1  # 158 + 2 = 160 septets
    info = count_segments("a" * 159 + "€")  # 161 septets: 153 | 6 + 2
    assert (info.segments, info.units_left) == (2, 153 - 8)


def test_extension_pair_straddling_153_moves_whole_to_next_segment() -> None:
    # 152 + [ESC €] would occupy septets 153-154: the pair moves, segment 1 keeps 152.
    # Then 2 + 151 'a' fill segment 2 and the last 'a' needs a third: 306 septets, 3 segments,
    # where dividing 306 by 153 would say 2.
    info = count_segments("a" * 152 + "€" + "a" * 152)
    assert info.units == 306
    assert (info.segments, info.units_left) == (3, 152)
    # One 'a' earlier the pair ends exactly at septet 153: 153 | 153, two segments.
    info = count_segments("a" * 151 + "€" + "a" * 153)
    assert info.units == 306
    assert (info.segments, info.units_left) == (2, 0)


def test_extension_pairs_at_every_later_boundary() -> None:
    # Segment 2 starts at septet 154; a brace at 153 + 152 would straddle into segment 3.
    text = "a" * 153 + "b" * 152 + "{" + "c" * 152
    info = count_segments(text)  # 153 | 152 | 2 + 151 | 1
    assert (info.segments, info.units_left) == (4, 152)


def test_surrogate_pair_at_67_moves_whole() -> None:
    # 66 + 😀 would straddle units 67-68: the emoji starts segment 2 (66 | 2 + 65).
    info = count_segments("ж" * 66 + GRINNING + "ж" * 65)
    assert info.units == 133
    assert (info.segments, info.units_left) == (2, 0)
    # One more unit, 134 = 2 x 67, but the wasted unit in segment 1 makes it 3.
    info = count_segments("ж" * 66 + GRINNING + "ж" * 66)
    assert info.units == 134
    assert (info.segments, info.units_left) == (3, 66)


def test_surrogate_pair_fitting_before_67_stays() -> None:
    info = count_segments("ж" * 65 + GRINNING + "ж" * 67)  # 67 | 67
    assert (info.segments, info.units_left) == (2, 0)


@pytest.mark.parametrize("grapheme", [FLAG_DE, THUMB_MEDIUM], ids=["flag", "skin-tone"])
def test_four_unit_grapheme_is_not_split_at_67(grapheme: str) -> None:
    # 65 + 4 units would end at 69: a carrier splits between the pairs (67 | 2 + 64 = 66);
    # we keep the grapheme whole: 65 | 4 + 63 = 67 | 1, three segments.
    assert utf16_units(grapheme) == 4
    assert len(graphemes(grapheme)) == 1
    info = count_segments("ж" * 65 + grapheme + "ж" * 64)
    assert info.units == 133
    assert (info.segments, info.units_left) == (3, 66)
    info = count_segments("ж" * 63 + grapheme + "ж" * 67)  # 67 | 67
    assert (info.segments, info.units_left) == (2, 0)


def test_zwj_family_and_combining_mark_stay_whole() -> None:
    info = count_segments("ж" * 60 + FAMILY + "ж" * 67)  # 60 | 8 + 59 = 67 | 8
    assert info.units == 135
    assert (info.segments, info.units_left) == (3, 59)
    info = count_segments("ж" * 66 + E_ACUTE_DECOMPOSED + "ж" * 65)  # 66 | 2 + 65
    assert (info.segments, info.units_left) == (2, 0)


def test_grapheme_longer_than_a_segment_is_split_between_code_points() -> None:
    zalgo = "a" + "\u0301" * 99  # one grapheme of 100 units
    assert len(graphemes(zalgo)) == 1
    info = count_segments("ж" * 10 + zalgo)  # 110 units: 67 | 43, filled from unit 11
    assert (info.segments, info.units_left) == (2, 24)


def test_mixed_scripts() -> None:
    text = "Привет, 世界! Γειά σου κόσμε. שלום. مرحبا"
    info = count_segments(text)
    assert info.encoding == "UCS-2"
    assert info.units == len(text) == info.characters  # all BMP, no marks
    assert info.segments == 1
    assert info.culprits[:3] == ("П", "р", "и")
    latin_and_emoji = "Hi " + THUMB_MEDIUM + " " + FLAG_DE + " " + FAMILY
    info = count_segments(latin_and_emoji)
    assert info.characters == 3 + 1 + 1 + 1 + 1 + 1
    assert info.units == 3 + 4 + 1 + 4 + 1 + 8
    assert info.culprits == (THUMB_MEDIUM, FLAG_DE, FAMILY)


def test_empty_text() -> None:
    info = count_segments("")
    assert info.encoding == "GSM-7"
    assert (info.segments, info.characters, info.units) == (0, 0, 0)
    assert (info.units_per_segment, info.units_left) == (160, 160)
    assert info.culprits == ()
    assert info.culprit_spans == ()
    assert not info.over_limit
    assert "0 segments" in info.summary()
    forced = count_segments("", force_ucs2=True)
    assert (forced.encoding, forced.segments, forced.units_left) == ("UCS-2", 0, 70)


def test_force_ucs2_counts_a_gsm_text_in_code_units() -> None:
    info = count_segments("a{b€\n", force_ucs2=True)
    assert info.encoding == "UCS-2"
    assert info.units == 5  # every one of them is one UTF-16 unit
    assert info.culprits == ()  # nothing forced UCS-2


# --------------------------------------------------------------------------------------------
# Graphemes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", ["a", "b", "c"]),
        ("a\r\nb", ["a", "\r\n", "b"]),  # CR LF is one
        ("\n\r", ["\n", "\r"]),
        (E_ACUTE_DECOMPOSED + "x", [E_ACUTE_DECOMPOSED, "x"]),
        (THUMB_MEDIUM * 2, [THUMB_MEDIUM, THUMB_MEDIUM]),
        (FAMILY, [FAMILY]),
        (FLAG_DE + "\U0001f1eb\U0001f1f7" + "\U0001f1e9", [FLAG_DE, "🇫🇷", "\U0001f1e9"]),
        ("1\ufe0f\u20e3", ["1\ufe0f\u20e3"]),  # keycap
        ("\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),
        ("\u1112\u1161\u11ab", ["\u1112\u1161\u11ab"]),  # Hangul jamo L V T
        ("한국", ["한", "국"]),
        ("a\u200d" + GRINNING, ["a\u200d", GRINNING]),  # ZWJ after a letter: no emoji join
        ("\u0600" + "1", ["\u06001"]),  # prepended concatenation mark
        ("\u0600\n", ["\u0600", "\n"]),
        ("कि", ["कि"]),  # Devanagari consonant + vowel sign
    ],
)
def test_graphemes(text: str, expected: list[str] | None) -> None:
    assert graphemes(text) == (expected if expected is not None else [text])
    assert count_segments(text).characters == len(graphemes(text))


# --------------------------------------------------------------------------------------------
# Culprits, limit, summary


def test_curly_quote_in_gsm_text_is_the_culprit() -> None:
    text = "It’s ready, isn’t it?"
    info = count_segments(text)
    assert info.encoding == "UCS-2"
    assert info.culprits == ("’",)
    assert info.culprit_spans == ((2, 3), (15, 16))
    assert count_segments(replace_lookalikes(text)).encoding == "GSM-7"


def test_culprits_in_order_of_first_appearance_with_every_position() -> None:
    text = "“Hi” — 😀 ok 😀 “"
    info = count_segments(text)
    assert info.culprits == ("“", "”", "—", GRINNING)
    assert [text[s:e] for s, e in info.culprit_spans] == ["“", "”", "—", GRINNING, GRINNING, "“"]


def test_culprit_spans_cover_whole_graphemes() -> None:
    text = "caf" + E_ACUTE_DECOMPOSED + " " + FAMILY + " " + FLAG_DE
    info = count_segments(text)
    assert info.culprits == (E_ACUTE_DECOMPOSED, FAMILY, FLAG_DE)
    assert info.culprit_spans == ((3, 5), (6, 11), (12, 14))


@pytest.mark.parametrize(
    ("text", "over"),
    [
        ("a" * MAX_CHARACTERS, False),
        ("a" * (MAX_CHARACTERS + 1), True),
        ("€" * MAX_CHARACTERS, False),  # 1,600 characters even if 3,200 septets
        ("ж" * (MAX_CHARACTERS + 1), True),
        (GRINNING * (MAX_CHARACTERS // 2), False),  # 1,600 UTF-16 units
        (GRINNING * (MAX_CHARACTERS // 2) + "a", True),
    ],
)
def test_over_limit_at_1600(text: str, over: bool) -> None:
    info = count_segments(text)
    assert info.over_limit is over
    assert info.utf16_length == utf16_units(text)
    assert ("1,600" in info.summary()) is over


def test_summary() -> None:
    assert count_segments("x" * 42).summary() == "42 characters · GSM-7 · 1 segment (118 left)"
    assert count_segments("ж").summary() == "1 character · UCS-2 · 1 segment (69 left)"
    info = count_segments("ж" * (3 * 67 - 21))
    assert info.summary() == "180 characters · UCS-2 · 3 segments (21 left)"


# --------------------------------------------------------------------------------------------
# Lookalikes


def test_lookalike_table_maps_only_non_gsm_to_gsm() -> None:
    for char, replacement in LOOKALIKES.items():
        assert char not in GSM7_CHARS, repr(char)
        assert is_gsm7(replacement), (char, replacement)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“Hi” — it’s… ok", '"Hi" - it\'s... ok'),
        ("‘a’ ‚b‛ „c‟ «d» ‹e› ′f″", "'a' 'b' \"c\" \"d\" <e> 'f\""),
        ("1–2 ‒ 3―4 ‐ x‑y − z • w", "1-2 - 3-4 - x-y - z - w"),
        ("a\u00a0b\u2009c\u202fd\u3000e\u205ff", "a b c d e f"),
        ("zero\u200bwidth\u2060joined\ufeff", "zerowidthjoined"),
        ("stray\u200djoiner\u200c", "strayjoiner"),
        ("caf" + E_ACUTE_DECOMPOSED, "café"),  # NFC: é is GSM-7
        ("½ ÷ \uff12", "1/2 / 2"),
    ],
)
def test_replace_lookalikes(text: str, expected: str) -> None:
    assert replace_lookalikes(text) == expected
    assert is_gsm7(replace_lookalikes(text))


def test_replace_lookalikes_composes_after_replacing() -> None:
    # Fullwidth A + combining acute: only once the A is plain can NFC make Á of it.
    assert replace_lookalikes("\uff21\u0301") == "\u00c1"
    assert replace_lookalikes("\u00c1") == "\u00c1"


def test_replace_lookalikes_keeps_meaningful_joiners_and_emoji() -> None:
    text = "Hi “" + FAMILY + "” می\u200cخواهم"
    out = replace_lookalikes(text)
    assert out == 'Hi "' + FAMILY + '" می\u200cخواهم'
    assert count_segments(out).culprits[0] == FAMILY


# --------------------------------------------------------------------------------------------
# Properties

INTERESTING = [
    *"aZ0 @£€{}[]~|^\\\f\n\r",
    *"ç`’“—…\t\u00a0\u200b\u2060ж世α",
    GRINNING, "\U0001f44d", "\U0001f3fd", "\u200d", "\u200c", "\ufe0f", "\u20e3",
    "\U0001f1e9", "\U0001f1ea", "\U0001f1eb", "\u0301", "\u0915", "\u093f", "\u094d",
    "\u1100", "\u1161", "\u11a8", "한", "\u0600", "\U00020000", "\U000e0067", "\u00ad",
    "\u2764", "\U0001f469", "\U0001f467", "\uff21", "\u00c5", "\u030a",
]  # fmt: skip
any_char = st.one_of(st.sampled_from(INTERESTING), st.characters(exclude_categories=["Cs"]))
gsm_char = st.sampled_from(sorted(GSM7_CHARS))
FILLERS = ["a", "€", "ж", GRINNING, E_ACUTE_DECOMPOSED, "\r\n"]


def _long(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Texts that reach past the segment boundaries: a filler run, then random characters."""
    return st.builds(
        lambda fill, n, tail: fill * n + tail,
        st.sampled_from(FILLERS),
        st.integers(0, 170),
        st.text(chars, max_size=60),
    )


texts = _long(any_char)
gsm_texts = st.builds(
    lambda fill, n, tail: fill * n + tail,
    st.sampled_from(["a", "€", "\r\n"]),
    st.integers(0, 170),
    st.text(gsm_char, max_size=60),
)


def reference_count(text: str, *, force_ucs2: bool = False) -> tuple[str, int, int]:
    """(encoding, segments, units_left) by the letter of the rules, one piece at a time."""
    if not force_ucs2 and all(c in GSM7_CHARS for c in text):
        encoding, single, multi = "GSM-7", 160, 153
        pieces = [[2 if c in GSM7_EXTENSION_CHARS else 1] for c in text]
    else:
        encoding, single, multi = "UCS-2", 70, 67
        pieces = [[utf16_units(c) for c in g] for g in graphemes(text)]
    total = sum(map(sum, pieces))
    if total == 0:
        return encoding, 0, single
    if total <= single:
        return encoding, 1, single - total
    segments, used = 1, 0
    for piece in pieces:
        size = sum(piece)
        if size > multi:  # cannot stay whole: split between code points
            for width in piece:
                if used + width > multi:
                    segments, used = segments + 1, 0
                used += width
            continue
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return encoding, segments, multi - used


@settings(max_examples=300)
@given(texts)
def test_count_matches_the_reference_model(text: str) -> None:
    info = count_segments(text)
    assert (info.encoding, info.segments, info.units_left) == reference_count(text)
    assert info.units == (
        sum(2 if c in GSM7_EXTENSION_CHARS else 1 for c in text)
        if info.encoding == "GSM-7"
        else utf16_units(text)
    )
    assert info.characters == len(graphemes(text))
    assert info.utf16_length == utf16_units(text)
    assert info.over_limit is (utf16_units(text) > MAX_CHARACTERS)


@given(texts)
def test_segments_never_decrease_when_a_character_is_appended(text: str) -> None:
    before = count_segments(text).segments
    for char in ["a", "€", "ж", GRINNING, "\U0001f3fd", "\u200d", "\u0301", "\U0001f1e9", "\n"]:
        assert count_segments(text + char).segments >= before, repr(char)


@given(gsm_texts)
def test_gsm7_never_needs_more_segments_than_ucs2(text: str) -> None:
    gsm = count_segments(text)
    ucs2 = count_segments(text, force_ucs2=True)
    assert gsm.encoding == "GSM-7"
    assert ucs2.encoding == "UCS-2"
    assert gsm.segments <= ucs2.segments
    assert (ucs2.encoding, ucs2.segments, ucs2.units_left) == reference_count(text, force_ucs2=True)


@given(texts)
def test_units_left_is_within_a_segment(text: str) -> None:
    info = count_segments(text)
    if text:
        assert 0 <= info.units_left < info.units_per_segment
        assert info.segments >= 1
    expected_per_segment = {"GSM-7": (160, 153), "UCS-2": (70, 67)}[info.encoding]
    assert info.units_per_segment == expected_per_segment[info.segments > 1]
    assert info.units <= info.segments * info.units_per_segment


@given(texts)
def test_culprits_are_exactly_the_graphemes_with_non_gsm_characters(text: str) -> None:
    info = count_segments(text)
    if info.encoding == "GSM-7":
        assert info.culprits == ()
        assert info.culprit_spans == ()
        return
    bad_graphemes: list[tuple[int, int]] = []
    start = 0
    for g in graphemes(text):
        if not is_gsm7(g):
            bad_graphemes.append((start, start + len(g)))
        start += len(g)
    assert list(info.culprit_spans) == bad_graphemes
    assert info.culprits == tuple(dict.fromkeys(text[s:e] for s, e in bad_graphemes))


@given(texts)
def test_graphemes_rebuild_the_text(text: str) -> None:
    parts = graphemes(text)
    assert "".join(parts) == text
    assert all(parts)


def _reference_graphemes(text: str) -> list[str]:
    """UAX #29 rules GB3-GB13 applied code point by code point (the module uses a regex)."""
    classify = graphemes_module._classify
    out: list[str] = []
    prev = ""
    emoji = 0  # 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ
    ri_odd = False
    for ch in text:
        p = graphemes_module._LETTERS[classify(ch)]  # one lower-case letter per property
        if not prev:
            join = False
        elif prev == "r" and p == "n":
            join = True  # GB3
        elif prev in "rnc" or p in "rnc":
            join = False  # GB4, GB5
        elif (
            (prev == "l" and p in "lvwx")
            or (prev in "wv" and p in "vt")
            or (prev in "xt" and p == "t")
        ):
            join = True  # GB6-GB8
        elif p in "ezs" or prev == "p":
            join = True  # GB9, GB9a, GB9b
        elif p == "y" and emoji == 2:
            join = True  # GB11
        else:
            join = p == "i" and prev == "i" and ri_odd  # GB12, GB13
        if join:
            out[-1] += ch
        else:
            out.append(ch)
        if p == "y":
            emoji = 1
        elif p != "e" or emoji != 1:
            emoji = 2 if p == "z" and emoji == 1 else 0
        ri_odd = p == "i" and not (prev == "i" and ri_odd)
        prev = p
    return out


@settings(max_examples=300)
@given(st.text(any_char, max_size=40))
def test_graphemes_follow_the_rules_one_code_point_at_a_time(text: str) -> None:
    assert graphemes(text) == _reference_graphemes(text)


@given(gsm_texts)
def test_replace_lookalikes_leaves_gsm_text_alone(text: str) -> None:
    assert replace_lookalikes(text) == text
    assert count_segments(replace_lookalikes(text)).encoding == "GSM-7"


@given(st.text(st.one_of(gsm_char, st.sampled_from(sorted(LOOKALIKES)), st.just("\u200d"))))
def test_replace_lookalikes_makes_lookalike_text_gsm(text: str) -> None:
    assert is_gsm7(replace_lookalikes(text))


@given(st.text(st.one_of(any_char, st.sampled_from(sorted(LOOKALIKES))), max_size=80))
def test_replace_lookalikes_is_idempotent(text: str) -> None:
    once = replace_lookalikes(text)
    assert replace_lookalikes(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_reference_model_agrees_with_simple_division_on_plain_text() -> None:
    # Guard the guard: with no multi-unit piece, greedy packing is ceil(total / per segment).
    for n in (161, 306, 307, 1000):
        assert reference_count("a" * n)[1] == math.ceil(n / 153)
    for n in (71, 134, 135, 1000):
        assert reference_count("ж" * n)[1] == math.ceil(n / 67)

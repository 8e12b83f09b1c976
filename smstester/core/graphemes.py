"""Grapheme clusters: Unicode Standard Annex #29's extended grapheme cluster rules (GB3-GB13,
GB999) on top of :mod:`unicodedata`, stdlib only, with the Extended_Pictographic ranges of
``emoji-data.txt`` built in (see `smstester.core.segments` for what is not implemented).

A text is translated once into a "property string" (one letter per UTF-16 unit: the
character's Grapheme_Cluster_Break property, lower case for a GSM-7 character and upper case
otherwise, "~" after a character outside the BMP) and scanned with one precompiled regular
expression. The segment counter reads the same property string, so it learns the graphemes
and the GSM-7 characters in one pass.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate, pairwise, repeat
from typing import Final

from smstester.core.gsm7 import GSM7_CHARS

_OTHER: Final = 0
_CR: Final = 1
_LF: Final = 2
_CONTROL: Final = 3
_EXTEND: Final = 4
_ZWJ: Final = 5
_RI: Final = 6
_PREPEND: Final = 7
_SPACING: Final = 8
_L: Final = 9
_V: Final = 10
_T: Final = 11
_LV: Final = 12
_LVT: Final = 13
_PICT: Final = 14

#: Properties under which a BMP character is always a grapheme of its own (unless CR LF).
SIMPLE: Final[frozenset[int]] = frozenset({_OTHER, _CONTROL, _CR, _LF})

#: Prepended_Concatenation_Mark and other Prepend characters (GB9b).
_PREPEND_CPS: Final[frozenset[int]] = frozenset(
    {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2}
    | {0x0D4E, 0x110BD, 0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A, 0x11D46}
    | set(range(0x11A84, 0x11A8A))
)
#: Spacing marks (gc=Mc) that UAX #29 nevertheless treats as Other.
_MC_OTHER: Final[frozenset[int]] = frozenset(
    {0x102B, 0x102C, 0x1038, 0x1062, 0x1063, 0x1064, 0x1067, 0x1068, 0x1069, 0x106A, 0x106B}
    | {0x106C, 0x106D, 0x1083, 0x1087, 0x1088, 0x1089, 0x108A, 0x108B, 0x108C, 0x108F, 0x109A}
    | {0x109B, 0x109C, 0x1A61, 0x1A63, 0x1A64, 0xAA7B, 0xAA7D, 0x11720, 0x11721}
)

#: Extended_Pictographic (emoji-data.txt, stable since Unicode 13; includes reserved code
#: points on purpose so future emoji cluster correctly). Flat list of inclusive ranges.
_PICT_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA),
    (0x231A, 0x231B), (0x2328, 0x2328), (0x2388, 0x2388), (0x23CF, 0x23CF),
    (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712),
    (0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721),
    (0x2728, 0x2728), (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747),
    (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757),
    (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D),
    (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F),
    (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5), (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A),
    (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA),
    (0x1F400, 0x1F53D), (0x1F546, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F),
    (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
    (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip
_PICT_STARTS: Final[tuple[int, ...]] = tuple(start for start, _ in _PICT_RANGES)


def _is_pictographic(cp: int) -> bool:
    i = bisect_right(_PICT_STARTS, cp) - 1
    return i >= 0 and cp <= _PICT_RANGES[i][1]


def _classify(ch: str) -> int:
    """Grapheme_Cluster_Break property of *ch* (plus Extended_Pictographic)."""
    cp = ord(ch)
    if cp == 0x0D:
        return _CR
    if cp == 0x0A:
        return _LF
    if cp == 0x200D:
        return _ZWJ
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return _RI
    if (
        0x1F3FB <= cp <= 0x1F3FF  # emoji modifiers (skin tones)
        or 0xE0020 <= cp <= 0xE007F  # tags (subdivision flags)
        or cp == 0x200C
        or 0xFF9E <= cp <= 0xFF9F
    ):
        return _EXTEND
    if cp in _PREPEND_CPS:
        return _PREPEND
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    if _is_pictographic(cp):
        return _PICT
    category = unicodedata.category(ch)
    if category in ("Mn", "Me"):
        return _EXTEND
    if category == "Mc":
        return _OTHER if cp in _MC_OTHER else _SPACING
    if cp in (0x0E33, 0x0EB3):
        return _SPACING
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return _CONTROL
    if category == "Cn" and (cp == 0x2065 or 0xFFF0 <= cp <= 0xFFF8 or 0xE0000 <= cp <= 0xE0FFF):
        return _CONTROL  # unassigned default-ignorable
    return _OTHER


#: One letter per property in the "property string" a text is translated to; lower case for a
#: GSM-7 character, upper case otherwise, and "~" after the letter of a character outside the
#: BMP, so the property string has one character per UTF-16 code unit.
_LETTERS: Final[dict[int, str]] = {
    _OTHER: "o",
    _CR: "r",
    _LF: "n",
    _CONTROL: "c",
    _EXTEND: "e",
    _ZWJ: "z",
    _RI: "i",
    _PREPEND: "p",
    _SPACING: "s",
    _L: "l",
    _V: "v",
    _T: "t",
    _LV: "w",
    _LVT: "x",
    _PICT: "y",
}


def _u(letters: str) -> str:
    """One code point having any of the properties named by *letters*."""
    return f"(?:[{letters}{letters.upper()}]~?)"


_HANGUL: Final = (
    f"{_u('l')}*(?:{_u('v')}+|{_u('w')}{_u('v')}*|{_u('x')}){_u('t')}*|{_u('l')}+|{_u('t')}+"
)
#: UAX #29 extended grapheme cluster (its Table 1b regex), over the property string. The
#: common single code point comes first; the rest are tried only when it does not apply.
_CLUSTER: Final = (
    f"{_u('r')}{_u('n')}|{_u('rnc')}|{_u('p')}*"
    f"(?:{_u('oezs')}|{_HANGUL}|{_u('i')}{_u('i')}|{_u('y')}(?:{_u('e')}*{_u('z')}{_u('y')})*"
    f"|{_u('pi')}){_u('ezs')}*"
)


# Both compiled at first use (~1.2 ms each): a GSM-7 text, the window's empty message
# included, never needs them (core.segments counts those without).
@functools.cache
def cluster_regex() -> re.Pattern[str]:
    """One grapheme (`_CLUSTER`) of the property string."""
    return re.compile(_CLUSTER)


@functools.cache
def token_regex() -> re.Pattern[str]:
    """A run of BMP code points that are each a grapheme of their own (no mark, joiner or
    CR LF follows), or else one grapheme: the tokens the property string is scanned in."""
    return re.compile(f"((?:(?:[ocnOC]|r(?!n))(?![eEzZsS~]))+)|({_CLUSTER})")


#: Caches over the characters seen so far (texts use few distinct characters): character ->
#: property, and code point -> property letter(s) for ``str.translate``. Replaced, not cleared,
#: when they grow large, so a count running in another thread keeps a complete table.
_PROPS: dict[str, int] = {}
_PROPERTY_STRING: dict[int, str] = {}


def props_of(chars: Iterable[str]) -> tuple[set[int], dict[int, str]]:
    """The properties of *chars*, and a translation table to property letters covering them."""
    global _PROPS, _PROPERTY_STRING
    if len(_PROPS) > 1 << 16:
        _PROPS, _PROPERTY_STRING = {}, {}
    props, letters = _PROPS, _PROPERTY_STRING
    found: set[int] = set()
    for ch in chars:
        p = props.get(ch)
        if p is None:
            p = _classify(ch)
            letter = _LETTERS[p] if ch in GSM7_CHARS else _LETTERS[p].upper()
            letters[ord(ch)] = letter + "~" if ch > "\uffff" else letter
            props[ch] = p
        found.add(p)
    return found, letters


def _clusters(text: str) -> list[str]:
    """The property string of each grapheme of *text* (one letter per UTF-16 unit)."""
    _, table = props_of(set(text))
    return cluster_regex().findall(text.translate(table))


def _starts(text: str, clusters: list[str]) -> list[int]:
    """Python string index where each grapheme starts, plus ``len(text)`` at the end."""
    lengths: Iterable[int] = map(len, clusters)
    if max(text) > "\uffff":
        lengths = map(operator.sub, lengths, map(str.count, clusters, repeat("~")))
    return [0, *accumulate(lengths)]


def graphemes(text: str) -> list[str]:
    """*text* split into extended grapheme clusters (user-perceived characters)."""
    if not text:
        return []
    starts = _starts(text, _clusters(text))
    return [text[s:e] for s, e in pairwise(starts)]

"""SMS encoding and segment count, as carriers and Twilio apply GSM 03.38 / 3GPP TS 23.038.

A message is sent as GSM-7 when every character is in the GSM 7-bit default alphabet or its
extension table, and as UCS-2 (really UTF-16) otherwise:

* GSM-7: 160 septets in a single SMS, 153 per segment once it is split (the user data header
  takes the other 7). A character from the extension table (form feed ``^ { } \\ [ ~ ] |`` and
  ``€``) is sent as ESC plus a septet, so it costs two, and the pair is never split across
  two segments.
* UCS-2: 70 UTF-16 code units in a single SMS, 67 per segment once split. A character outside
  the Basic Multilingual Plane (most emoji) is a surrogate pair and costs two.

**Splitting never breaks a character.** Carriers and Twilio only avoid splitting an escape pair
or a surrogate pair. This module goes further and keeps every *grapheme* (user-perceived
character: an emoji with a skin-tone modifier, a ZWJ family, a flag, a letter with combining
marks) whole: when the next grapheme does not fit in what is left of a segment, it starts the
next one. The count is therefore made by greedy packing, not by division, and may be one
higher than a carrier's for a message that has a long grapheme right at a boundary; that is the
honest worst case for a tester. A grapheme longer than a whole segment (a "Zalgo" pile of
marks) cannot stay whole; it is then split between code points, still never inside a
surrogate pair. In GSM-7 only escape pairs are kept whole (a CR LF pair may be split, as
every carrier does).

Graphemes are found by a compact stdlib implementation of the extended grapheme cluster rules
of Unicode Standard Annex #29 (rules GB3-GB13, GB999) on top of :mod:`unicodedata`, with the
Extended_Pictographic ranges of ``emoji-data.txt`` built in. Not implemented: GB9c (Unicode
15.1, Indic conjuncts such as Devanagari "क्षि" count as two graphemes here, as in Unicode 15.0
and older) and the few ``Grapheme_Extend`` spacing marks, which only matter after an emoji
ZWJ. ``unicodedata`` follows the Python version (Unicode 14.0 on Python 3.11); newer marks
count as ordinary characters until Python catches up.

Speed: the window recounts on every keystroke. A GSM-7 text is counted with a few C-level
passes (``set``, ``str.count``); a UCS-2 text is translated once into a "property string" (one
letter per UTF-16 unit) and scanned with one precompiled regular expression, in tokens that
are either a run of plain one-unit characters or one grapheme, so Python-level work grows with
the number of emoji and marks, not with the length. A 1,600-character message takes about
10 µs (GSM-7) to 300 µs (dense emoji); see ``tests/bench/bench_segments.py``.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, compress, count, pairwise, repeat, starmap
from typing import Final, Literal

__all__ = [
    "GSM7_BASIC_CHARS",
    "GSM7_BASIC_TABLE",
    "GSM7_CHARS",
    "GSM7_EXTENSION",
    "GSM7_EXTENSION_CHARS",
    "LOOKALIKES",
    "MAX_CHARACTERS",
    "Encoding",
    "SegmentInfo",
    "count_segments",
    "culprit_runs",
    "graphemes",
    "is_gsm7",
    "replace_lookalikes",
]

Encoding = Literal["GSM-7", "UCS-2"]

GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

#: GSM 7-bit default alphabet, indexed by septet value (0x00-0x7F). Position 0x1B is ESC, the
#: escape to the extension table; it is not a character a text can contain.
GSM7_BASIC_TABLE: Final[str] = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"  # 0x10
    " !\"#¤%&'()*+,-./"  # 0x20
    "0123456789:;<=>?"  # 0x30
    "¡ABCDEFGHIJKLMNO"  # 0x40
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50
    "¿abcdefghijklmno"  # 0x60
    "pqrstuvwxyzäöñüà"  # 0x70
)

#: GSM 7-bit default alphabet extension table: character -> septet sent after ESC.
GSM7_EXTENSION: Final[dict[str, int]] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

GSM7_BASIC_CHARS: Final[frozenset[str]] = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}
GSM7_EXTENSION_CHARS: Final[frozenset[str]] = frozenset(GSM7_EXTENSION)
#: Every character a GSM-7 message can carry.
GSM7_CHARS: Final[frozenset[str]] = GSM7_BASIC_CHARS | GSM7_EXTENSION_CHARS

GSM7_SINGLE: Final = 160
GSM7_MULTI: Final = 153
UCS2_SINGLE: Final = 70
UCS2_MULTI: Final = 67

#: Twilio refuses a body longer than 1,600 characters (error 21617). Twilio does not say
#: which count it uses; we compare UTF-16 code units (Java's ``String.length()``, what a Qt
#: text box reports), the largest of the plausible counts, so we warn rather than miss.
MAX_CHARACTERS: Final = 1600


def is_gsm7(text: str) -> bool:
    """Whether *text* can be sent as GSM-7 (every character in the alphabet or extension)."""
    return set(text) <= GSM7_CHARS


# --------------------------------------------------------------------------------------------
# Grapheme clusters (UAX #29, extended), stdlib only.

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
_SIMPLE: Final[frozenset[int]] = frozenset({_OTHER, _CONTROL, _CR, _LF})

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


def culprit_runs(text: str) -> list[tuple[int, int]]:
    """(start, length) in UTF-16 units, as Qt counts, of each run of non-GSM-7 characters."""
    runs: list[tuple[int, int]] = []
    position = 0
    start = -1
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if ch in GSM7_CHARS:
            if start >= 0:
                runs.append((start, position - start))
                start = -1
        elif start < 0:
            start = position
        position += width
    if start >= 0:
        runs.append((start, position - start))
    return runs


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
_CLUSTER: Final = re.compile(
    f"{_u('r')}{_u('n')}|{_u('rnc')}|{_u('p')}*"
    f"(?:{_u('oezs')}|{_HANGUL}|{_u('i')}{_u('i')}|{_u('y')}(?:{_u('e')}*{_u('z')}{_u('y')})*"
    f"|{_u('pi')}){_u('ezs')}*"
)

#: A run of BMP code points that are each a grapheme of their own (no mark, joiner or CR LF
#: follows), or else one grapheme: the tokens the property string is scanned in.
_TOKEN: Final = re.compile(f"((?:(?:[ocnOC]|r(?!n))(?![eEzZsS~]))+)|({_CLUSTER.pattern})")

#: Caches over the characters seen so far (texts use few distinct characters): character ->
#: property, and code point -> property letter(s) for ``str.translate``. Replaced, not cleared,
#: when they grow large, so a count running in another thread keeps a complete table.
_PROPS: dict[str, int] = {}
_PROPERTY_STRING: dict[int, str] = {}


def _props_of(chars: Iterable[str]) -> tuple[set[int], dict[int, str]]:
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
    _, table = _props_of(set(text))
    return _CLUSTER.findall(text.translate(table))


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


# --------------------------------------------------------------------------------------------
# Counting.


@dataclass(frozen=True)
class SegmentInfo:
    """How a text goes out as SMS.

    ``characters`` counts graphemes (what a reader sees as one character; CR LF is one).
    ``units`` are septets for GSM-7 and UTF-16 code units for UCS-2. ``segments`` is 0 for
    the empty text, whose ``units_left`` is then a whole single SMS (160 or 70); for any other
    text ``0 <= units_left < units_per_segment``. ``units_per_segment`` is 160/70 while the
    text fits in one SMS and 153/67 once it is split. ``culprits`` are the distinct graphemes
    that forced UCS-2, in order of first appearance, and ``culprit_spans`` every place they
    occur as ``(start, end)`` Python string indices (code points, not Qt's UTF-16 positions).
    ``over_limit`` compares ``utf16_length`` with Twilio's 1,600-character limit.
    """

    encoding: Encoding
    segments: int
    characters: int
    units: int
    units_per_segment: int
    units_left: int
    culprits: tuple[str, ...]
    culprit_spans: tuple[tuple[int, int], ...]
    utf16_length: int
    over_limit: bool

    def summary(self) -> str:
        """One line for a status bar: "42 characters · GSM-7 · 1 segment (118 left)"."""
        chars = "character" if self.characters == 1 else "characters"
        segs = "segment" if self.segments == 1 else "segments"
        line = f"{self.characters} {chars} · {self.encoding} · {self.segments} {segs}"
        if self.segments:
            line += f" ({self.units_left} left)"
        if self.over_limit:
            line += f" · over Twilio's {MAX_CHARACTERS:,}-character limit"
        return line


def _info(
    encoding: Encoding,
    segments: int,
    characters: int,
    units: int,
    used_last: int,
    culprits: tuple[str, ...],
    spans: tuple[tuple[int, int], ...],
    utf16_length: int,
) -> SegmentInfo:
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding == GSM7 else (UCS2_SINGLE, UCS2_MULTI)
    per_segment = multi if segments > 1 else single
    return SegmentInfo(
        encoding=encoding,
        segments=segments,
        characters=characters,
        units=units,
        units_per_segment=per_segment,
        units_left=per_segment - used_last,
        culprits=culprits,
        culprit_spans=spans,
        utf16_length=utf16_length,
        over_limit=utf16_length > MAX_CHARACTERS,
    )


def _count_gsm7(text: str, chars: set[str]) -> SegmentInfo:
    n = len(text)
    escaped = chars & GSM7_EXTENSION_CHARS
    septets = n + sum(text.count(c) for c in escaped)
    characters = n - text.count("\r\n") if "\r" in chars else n
    if septets == 0:
        segments, used = 0, 0
    elif septets <= GSM7_SINGLE:
        segments, used = 1, septets
    elif not escaped:
        segments = -(-septets // GSM7_MULTI)
        used = septets - (segments - 1) * GSM7_MULTI
    else:
        # An escape pair never straddles two segments: walk from one escape to the next.
        segments, used = 1, 0
        last = 0
        for m in re.finditer("[" + re.escape("".join(sorted(escaped))) + "]", text):
            run = m.start() - last  # single septets before this escape
            used += run
            if used > GSM7_MULTI:
                segments += (used - 1) // GSM7_MULTI
                used = (used - 1) % GSM7_MULTI + 1
            if used + 2 > GSM7_MULTI:
                segments += 1
                used = 2
            else:
                used += 2
            last = m.end()
        used += n - last
        if used > GSM7_MULTI:
            segments += (used - 1) // GSM7_MULTI
            used = (used - 1) % GSM7_MULTI + 1
    return _info(GSM7, segments, characters, septets, used, (), (), n)


def _pack(total: int, multi: list[tuple[int, int]]) -> tuple[int, int]:
    """Greedy packing into 67-unit segments: (segments, units in the last one).

    *total* is the UTF-16 length; *multi* the UTF-16 ranges of the graphemes longer than one
    unit (every other offset is a grapheme boundary), none of them longer than a segment.
    """
    firsts = [start for start, _ in multi]
    segments, start = 1, 0
    while total - start > UCS2_MULTI:
        limit = start + UCS2_MULTI
        i = bisect_right(firsts, limit) - 1
        if i >= 0 and multi[i][1] > limit:  # the limit falls inside this grapheme
            limit = multi[i][0]
        start = limit
        segments += 1
    return segments, total - start


def _pack_oversized(text: str) -> tuple[int, int]:
    """Greedy packing when a grapheme is longer than a segment: that one is split between
    code points (never inside a surrogate pair), filling what is left of the segment first."""
    segments, used = 1, 0
    for grapheme in graphemes(text):
        size = len(grapheme) + sum(ch > "\uffff" for ch in grapheme)
        if used + size <= UCS2_MULTI:
            used += size
        elif size <= UCS2_MULTI:
            segments += 1
            used = size
        else:
            for ch in grapheme:
                width = 2 if ch > "\uffff" else 1
                if used + width > UCS2_MULTI:
                    segments += 1
                    used = 0
                used += width
    return segments, used


def _count_ucs2(text: str, chars: set[str], *, blame: bool) -> SegmentInfo:
    n = len(text)
    props, table = _props_of(chars)
    spans: tuple[tuple[int, int], ...] = ()
    culprits: tuple[str, ...] = ()
    if props <= _SIMPLE and max(chars) <= "\uffff" and not ("\r" in chars and "\r\n" in text):
        # Every code point is a grapheme of one code unit: no need to segment.
        characters = units = n
        if units <= UCS2_SINGLE:
            segments, used = 1, units
        else:
            segments = -(-units // UCS2_MULTI)
            used = units - (segments - 1) * UCS2_MULTI
        if blame:
            bad_chars = chars - GSM7_CHARS
            culprits = tuple(sorted(bad_chars, key=text.index))
            where = list(compress(count(), map(bad_chars.__contains__, text)))
            spans = tuple(zip(where, map((1).__add__, where), strict=True))
        return _info(UCS2, segments, characters, units, used, culprits, spans, units)

    # Scan the property string (one letter per UTF-16 unit, upper case = not GSM-7) in
    # tokens: runs of one-unit graphemes, which cost nothing each, and the graphemes between.
    ps = text.translate(table)
    units = len(ps)
    characters = 0
    pos = 0  # UTF-16 offset of the token
    pairs = 0  # surrogate pairs before it (Python index = pos - pairs)
    multi: list[tuple[int, int]] = []  # UTF-16 range of each grapheme of 2+ units
    bad: list[tuple[int, int]] = []  # Python index range of each culprit grapheme
    biggest = 1
    for run, cluster in _TOKEN.findall(ps):
        if run:
            size = len(run)
            characters += size
            if blame and not run.islower():  # holds one-unit graphemes that are not GSM-7
                bad.extend((i, i + 1) for i in compress(count(pos - pairs), map(str.isupper, run)))
        else:
            size = len(cluster)
            characters += 1
            tildes = 0
            if size > 1:
                multi.append((pos, pos + size))
                biggest = max(biggest, size)
                tildes = cluster.count("~")
            if blame and not cluster.islower():
                bad.append((pos - pairs, pos - pairs + size - tildes))
            pairs += tildes
        pos += size

    if units <= UCS2_SINGLE:
        segments, used = 1, units
    elif biggest <= UCS2_MULTI:
        segments, used = _pack(units, multi)
    else:
        segments, used = _pack_oversized(text)
    if bad:
        spans = tuple(bad)
        culprits = tuple(dict.fromkeys(map(text.__getitem__, starmap(slice, spans))))
    return _info(UCS2, segments, characters, units, used, culprits, spans, units)


def count_segments(text: str, *, force_ucs2: bool = False) -> SegmentInfo:
    """Encoding, segment count and the characters to blame for *text*.

    With ``force_ucs2`` the text is counted as if it were sent in UCS-2 even when it is GSM-7
    (``culprits`` then stays empty for a GSM-7 text: nothing forced UCS-2).
    """
    chars = set(text)
    if not force_ucs2 and chars <= GSM7_CHARS:
        return _count_gsm7(text, chars)
    if not text:
        return _info(UCS2, 0, 0, 0, 0, (), (), 0)
    return _count_ucs2(text, chars, blame=not chars <= GSM7_CHARS)


# --------------------------------------------------------------------------------------------
# Lookalikes ("smart encoding").


def _lookalike_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def put(chars: str, replacement: str) -> None:
        for c in chars:
            table[c] = replacement

    # Double quotes, double primes.
    put("\u00ab\u00bb\u201c\u201d\u201e\u201f\u2033\u2036\u301d\u301e\u301f", '"')
    put("\u275d\u275e\u02ba\u02ee\uff02", '"')
    # Single quotes, apostrophes, primes, and accents typed as apostrophes (` is not GSM-7).
    put("\u2018\u2019\u201a\u201b\u2032\u2035\u02b9\u02bb\u02bc\u02bd\u02c8\u02ca", "'")
    put("\u02cb\u00b4\u0060\u275b\u275c\uff07\uff40", "'")
    # Single angle quotation marks and angle brackets, as in Twilio's table.
    put("\u2039\u02c2\u2329\u3008\ufe64\uff1c", "<")
    put("\u203a\u02c3\u232a\u3009\ufe65\uff1e", ">")
    # Hyphens, dashes, the minus sign, the hyphen bullet, and the bullet as a list dash.
    put("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d\u2022", "-")
    put("\u2026", "...")
    put("\u00f7\u2044\u2215\u29f8\uff0f", "/")
    put("\u29f5\u29f9\ufe68\uff3c", "\\")
    put("\ufe4d\ufe4e\ufe4f\uff3f", "_")
    put("\u2223\uff5c", "|")
    put("\u00bc", "1/4")
    put("\u00bd", "1/2")
    put("\u00be", "3/4")
    # Spaces: no-break, typographic and ideographic; the tab (not in GSM-7) as one space.
    put("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " ")
    put("\u202f\u205f\u3000", " ")
    put("\u2028\u2029", "\n")
    # Invisible: zero-width space, word joiner, byte order mark, soft hyphen.
    put("\u200b\u2060\ufeff\u00ad", "")
    # Other fullwidth ASCII (Ａ -> A, ！ -> !) where the ASCII is GSM-7.
    for cp in range(0xFF01, 0xFF5F):
        c, ascii_ = chr(cp), chr(cp - 0xFEE0)
        if c not in table and ascii_ in GSM7_CHARS:
            table[c] = ascii_
    return table


#: Replacement of each lookalike character (Twilio's Smart Encoding table as published, minus
#: its combining marks, plus Unicode spaces, zero-width characters and fullwidth ASCII).
LOOKALIKES: Final[dict[str, str]] = _lookalike_table()
_LOOKALIKE_TRANSLATION: Final = str.maketrans(LOOKALIKES)
_JOINERS: Final = re.compile("[\u200c\u200d]+")


def _drop_stray_joiner(m: re.Match[str]) -> str:
    text, start, end = m.string, m.start(), m.end()
    before_ok = start == 0 or text[start - 1] in GSM7_CHARS
    after_ok = end == len(text) or text[end] in GSM7_CHARS
    return "" if before_ok and after_ok else m.group()


def replace_lookalikes(text: str) -> str:
    """*text* with typographic lookalikes swapped for GSM-7 characters (Twilio Smart Encoding).

    Curly and angle quotes become ``"`` and ``'``, dashes and the minus sign ``-``, ``…``
    becomes ``...``, Unicode spaces a space, zero-width spaces and similar invisible characters
    disappear, and the text is put in NFC so that a decomposed "é" becomes the GSM-7 "é".
    Zero-width joiners and non-joiners are only removed when both neighbours are GSM-7: inside
    an emoji ZWJ sequence or an Indic or Persian word they carry meaning and stay. A GSM-7
    text is returned unchanged, and applying the function twice changes nothing more.
    """
    if set(text) <= GSM7_CHARS:
        return text
    out = unicodedata.normalize("NFC", text).translate(_LOOKALIKE_TRANSLATION)
    out = unicodedata.normalize("NFC", out)
    if "\u200c" in out or "\u200d" in out:
        out = _JOINERS.sub(_drop_stray_joiner, out)
    return out

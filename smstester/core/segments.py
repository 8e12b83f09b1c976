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

Graphemes are found by `core.graphemes`, a compact stdlib implementation of the extended
grapheme cluster rules of Unicode Standard Annex #29 (rules GB3-GB13, GB999) on top of
:mod:`unicodedata`, with the Extended_Pictographic ranges of ``emoji-data.txt`` built in.
Not implemented: GB9c (Unicode 15.1, Indic conjuncts such as Devanagari "क्षि" count as two
graphemes here, as in Unicode 15.0 and older) and the few ``Grapheme_Extend`` spacing marks,
which only matter after an emoji ZWJ. ``unicodedata`` follows the Python version (Unicode
14.0 on Python 3.11); newer marks count as ordinary characters until Python catches up.

Speed: the window recounts on every keystroke. A GSM-7 text is counted with a few C-level
passes (``set``, ``str.count``); a UCS-2 text is translated once into a "property string" (one
letter per UTF-16 unit) and scanned with one precompiled regular expression, in tokens that
are either a run of plain one-unit characters or one grapheme, so Python-level work grows with
the number of emoji and marks, not with the length. A 1,600-character message takes about
10 µs (GSM-7) to 300 µs (dense emoji); see ``tests/bench/bench_segments.py``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import compress, count, starmap
from typing import Final, Literal

from smstester.core.graphemes import SIMPLE, graphemes, props_of, token_regex
from smstester.core.gsm7 import (
    GSM7_BASIC_CHARS,
    GSM7_BASIC_TABLE,
    GSM7_CHARS,
    GSM7_EXTENSION,
    GSM7_EXTENSION_CHARS,
)

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
# Which characters force UCS-2.


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
    props, table = props_of(chars)
    spans: tuple[tuple[int, int], ...] = ()
    culprits: tuple[str, ...] = ()
    if props <= SIMPLE and max(chars) <= "\uffff" and not ("\r" in chars and "\r\n" in text):
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
    for run, cluster in token_regex().findall(ps):
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

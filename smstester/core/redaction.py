"""Keeping secrets out of everything a person or a file can see.

One mechanism masks every output (the report, `send --json`, the log pane, the raw answer,
a saved log): it *decodes and compares* instead of listing encoded copies of each secret.

- A text is read through **views**: the text itself, and the text with one kind of escape
  decoded — JSON string escapes (`\\"`, `\\\\`, `\\/`, `\\n`, `\\uXXXX` in either case and
  surrogate pairs), percent-encoding (upper or lower case; `+` for a space is handled by
  also looking for the secret with its spaces as `+`), and HTML character references
  (`&#x54;`, `&#84;`, `&quot;`). Views of views follow, so a JSON body nested as a string in
  JSON, or JSON inside a percent-encoded form, is decoded as deep as it goes (up to
  `_MAX_DEPTH` levels and `_MAX_VIEWS` views).
- In every view each secret is looked for as it is (and with its surrounding spaces
  trimmed: what is sent is trimmed); every place it is found is mapped back to the span of
  the original text it came from, and that span is masked.
- A run of base64 (standard or URL-safe, any alignment) that decodes to text holding a
  secret — the secret alone, `ACCOUNT_SID:AUTH_TOKEN` of an echoed HTTP Basic header, or a
  whole encoded body — is masked as a whole.
- A secret shorter than `SHORT` characters is masked only where it stands alone (no letter
  or digit right before or after it), so a one-letter password does not mask every word.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import html
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final

MASK: Final = "••••••"

#: Secrets shorter than this are masked only where they stand alone.
SHORT: Final = 4

#: Every decoding shrinks a text, so nesting ends by itself; these only bound the work a
#: hostile mix of escapes can ask for.
_MAX_DEPTH: Final = 64
_MAX_VIEWS: Final = 96


class _Pieces:
    """How a view's characters map to its parent's: piece `i` starts at `starts[i]` in the
    view and came from `src_starts[i]:src_ends[i]` of the parent. A literal piece maps one
    to one; all the characters an escape decoded to map to the whole escape."""

    __slots__ = ("literal", "size", "src_ends", "src_starts", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.src_starts: list[int] = []
        self.src_ends: list[int] = []
        self.literal: list[bool] = []
        self.size = 0

    def add(self, length: int, src_start: int, src_end: int, literal: bool) -> None:
        self.starts.append(self.size)
        self.src_starts.append(src_start)
        self.src_ends.append(src_end)
        self.literal.append(literal)
        self.size += length


class _View:
    """A decoded reading of a text, with the way back to the text's own positions."""

    def __init__(self, text: str, parent: _View | None, pieces: _Pieces | None) -> None:
        self.text = text
        self.parent = parent
        self._pieces = pieces

    def _local(self, start: int, end: int) -> tuple[int, int]:
        """The parent's span for this view's characters `start:end`."""
        p = self._pieces
        assert p is not None
        i = bisect.bisect_right(p.starts, start) - 1
        j = bisect.bisect_right(p.starts, end - 1) - 1
        a = p.src_starts[i] + (start - p.starts[i]) if p.literal[i] else p.src_starts[i]
        b = p.src_starts[j] + (end - p.starts[j]) if p.literal[j] else p.src_ends[j]
        return a, b

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that this view's `start:end` was decoded from."""
        view: _View | None = self
        while view is not None and view.parent is not None:
            start, end = view._local(start, end)
            view = view.parent
        return start, end


#: An escape found in a text: its span there and the characters it stands for.
_Escape = tuple[int, int, str]


def _decoded_view(parent: _View, escapes: Iterable[_Escape]) -> _View | None:
    """`parent` with every escape (in order, not overlapping) replaced by what it stands
    for; None when there is none."""
    text = parent.text
    out: list[str] = []
    pieces = _Pieces()
    at = 0  # position in the parent
    for start, end, decoded in escapes:
        if start > at:
            pieces.add(start - at, at, start, True)
            out.append(text[at:start])
        pieces.add(len(decoded), start, end, False)
        out.append(decoded)
        at = end
    if not out:
        return None
    if at < len(text):
        pieces.add(len(text) - at, at, len(text), True)
        out.append(text[at:])
    return _View("".join(out), parent, pieces)


def _matches(
    text: str, pattern: re.Pattern[str], decode: Callable[[re.Match[str]], str]
) -> Iterator[_Escape]:
    for match in pattern.finditer(text):
        yield match.start(), match.end(), decode(match)


_JSON_ESCAPE: Final = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})"
    r'|(["\\/bfnrt]))'
)
_JSON_SIMPLE: Final = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f"} | {
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _json_unescape(match: re.Match[str]) -> str:
    high, low, single, simple = match.groups()
    if high is not None:
        code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return chr(code)
    if single is not None:
        return chr(int(single, 16))
    return _JSON_SIMPLE[simple]


_PERCENT_RUN: Final = re.compile(r"(?:%[0-9a-fA-F]{2})+")


def _percent_escapes(text: str) -> Iterator[_Escape]:
    """Percent-encoded UTF-8, one escape per character it decodes to."""
    for match in _PERCENT_RUN.finditer(text):
        decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        char_start = match.start()
        for pos in range(match.start(), match.end(), 3):
            byte = bytes([int(text[pos + 1 : pos + 3], 16)])
            try:
                chars = decoder.decode(byte)
            except UnicodeDecodeError:
                decoder.reset()
                chars = "\ufffd"
            if chars:
                yield char_start, pos + 3, chars
                char_start = pos + 3


_HTML_REF: Final = re.compile(
    r"&(?:#[xX]([0-9a-fA-F]{1,8})|#([0-9]{1,10})|[A-Za-z][A-Za-z0-9]{1,31});?"
)


def _html_unescape(match: re.Match[str]) -> str:
    # Numeric references as the code point they name, controls included (an echo encodes
    # what it was given; HTML5's replacements would hide a secret with a control in it).
    hexa, decimal = match.groups()
    if hexa is not None or decimal is not None:
        code = int(hexa, 16) if hexa is not None else int(decimal)
        return chr(code) if code <= 0x10FFFF else match.group()
    return html.unescape(match.group())


_VIEWERS: Final[tuple[tuple[str, Callable[[_View], _View | None]], ...]] = (
    ("\\", lambda v: _decoded_view(v, _matches(v.text, _JSON_ESCAPE, _json_unescape))),
    ("%", lambda v: _decoded_view(v, _percent_escapes(v.text))),
    ("&", lambda v: _decoded_view(v, _matches(v.text, _HTML_REF, _html_unescape))),
)


def _views(text: str) -> list[_View]:
    """The text and its decoded readings, breadth first, each different text once."""
    root = _View(text, None, None)
    views = [root]
    seen = {text}
    level = [root]
    for _ in range(_MAX_DEPTH):
        following: list[_View] = []
        for view in level:
            for trigger, viewer in _VIEWERS:
                if trigger not in view.text or len(views) >= _MAX_VIEWS:
                    continue
                decoded = viewer(view)
                if decoded is not None and decoded.text not in seen:
                    seen.add(decoded.text)
                    views.append(decoded)
                    following.append(decoded)
        if not following:
            break
        level = following
    return views


#: The longest base64 piece one regex match covers, and the slice `Masker.mask` masks at once.
_BASE64_PIECE: Final = 1 << 14
_BASE64_CHARS: Final = re.compile("[A-Za-z0-9+/_-]*")
_WRAPPED_LINE: Final = re.compile(f"(\r?\n)[A-Za-z0-9+/_-]{{1,{_BASE64_PIECE}}}")
_SLICE: Final = 1 << 16
#: Where a long text may be cut for masking: right after one of these, if no secret holds
#: it. No form of a secret that masking decodes (JSON escapes, percent-encoding, HTML
#: references, base64) holds one either, and none ends an escape half-way.
_SLICE_ENDS: Final = (",", "}", "]", "\n", '"', " ", ">")

#: Decoded base64 that is mostly not text (a long run of letters read as base64 by
#: chance) is only searched for the secrets as they are, not decoded further.
_TEXT_SHARE: Final = 0.9
_NOT_TEXT: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_NOT_TEXT_RUN: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]+")
#: The shortest stretch of text in decoded bytes that is read further.
_MIN_STRETCH: Final = 2 * SHORT


def _text_stretches(decoded: str) -> list[str]:
    """What of a decoded run is text, to be read further. Bytes that are not text hold a
    short secret's letters by chance: a text is read whole, else only its stretches of
    text between bytes that are not (a run can hold base64 pieces at several alignments,
    each decoding to text only at its own)."""
    sample = decoded[:4096]  # text or not shows at the start
    binary = len(sample) - len(_NOT_TEXT.sub("", sample))
    if binary <= (1 - _TEXT_SHARE) * len(sample):
        return [decoded]
    return [part for part in _NOT_TEXT_RUN.split(decoded) if len(part) >= _MIN_STRETCH]


class Masker:
    """Masks every form of a set of secrets in any text (see the module docstring)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        wanted: set[str] = set()
        for secret in secrets:
            for value in (secret, secret.strip(" "), secret.strip()):
                if value:
                    wanted.add(value)
                    if " " in value:
                        wanted.add(value.replace(" ", "+"))  # form-encoded spaces
        #: Longest first, so a secret inside another is found as part of the longer one.
        self.secrets: tuple[str, ...] = tuple(sorted(wanted, key=len, reverse=True))
        #: The secrets long enough to be looked for anywhere (the others must stand alone).
        self._long = tuple(s for s in self.secrets if len(s) >= SHORT)
        long_ones = [len(s.encode("utf-8", "surrogatepass")) for s in self._long]
        #: The shortest base64 run that can hold a (long) secret.
        base64_min = math.ceil(min(long_ones, default=6) * 4 / 3)
        # Bounded: one regex match over a megabyte-long run would hold the GIL for 150 ms;
        # the pieces of a longer run are put back together in `_base64_runs`.
        self._base64_run = re.compile(f"[A-Za-z0-9+/_-]{{{base64_min},{_BASE64_PIECE}}}")
        longest = max((len(s.encode("utf-8", "surrogatepass")) for s in self.secrets), default=0)
        #: How far two windows over a long base64 run overlap: a secret's base64, and then
        #: some, lies whole inside one of them.
        self._base64_overlap = 4 * math.ceil(longest * 4 / 3) + 8
        #: How long a slice `mask` masks at once, and where it may cut (see `mask`).
        self.slice_size = _SLICE
        self._slice_ends = [c for c in _SLICE_ENDS if not any(c in s for s in self.secrets)]

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def _spans_in(self, view: _View, depth: int) -> list[tuple[int, int]]:
        text = view.text
        spans: list[tuple[int, int]] = []
        for secret in self.secrets:
            size = len(secret)
            at = text.find(secret)
            while at != -1:
                alone = size >= SHORT or (
                    (at == 0 or not text[at - 1].isalnum())
                    and (at + size == len(text) or not text[at + size].isalnum())
                )
                if alone:
                    spans.append(view.original_span(at, at + size))
                at = text.find(secret, at + 1)
        for start, end in self._base64_runs(text):
            if self._run_holds_secret(text, start, end, depth):
                spans.append(view.original_span(start, end))
        return spans

    def _base64_runs(self, text: str) -> Iterator[tuple[int, int]]:
        """The spans of base64-looking runs long enough to hold a secret, padding included.
        Each regex call covers at most `_BASE64_PIECE` characters."""
        pos = 0
        while (match := self._base64_run.search(text, pos)) is not None:
            start, end = match.span()
            piece = end - start
            while True:
                while piece == _BASE64_PIECE:  # the run may go on
                    more = _BASE64_CHARS.match(text, end, end + _BASE64_PIECE)
                    piece = more.end() - end if more else 0
                    end += piece
                # A run wrapped in lines (MIME, `base64`: 76 a line) goes on after the break.
                wrapped = _WRAPPED_LINE.match(text, end, end + _BASE64_PIECE + 2)
                if wrapped is None:
                    break
                piece = wrapped.end() - wrapped.start() - len(wrapped[1])
                end = wrapped.end()
            run_end = end
            while end < len(text) and text[end] == "=" and end - run_end < 2:
                end += 1
            yield start, end
            pos = end

    def _run_holds_secret(self, text: str, start: int, end: int, depth: int) -> bool:
        """`_in_base64` over the run `text[start:end]`, in overlapping windows when it is
        long (each window decodes in microseconds; the run whole could take 50 ms)."""
        if end - start <= 2 * _BASE64_PIECE:
            return self._in_base64(text[start:end], depth)
        step = _BASE64_PIECE
        return any(
            self._in_base64(text[at : min(end, at + step + self._base64_overlap)], depth)
            for at in range(start, end, step)
        )

    def _in_base64(self, run: str, depth: int) -> bool:
        """True when `run` (at some alignment, standard or URL-safe) decodes to text that
        holds a secret in any form."""
        # MIME and the `base64` command wrap lines at 76: the breaks are not part of the data.
        core = run.replace("\r", "").replace("\n", "").rstrip("=")
        for skip in range(4):
            part = core[skip:]
            if len(part) < 4:
                break
            part = part[: len(part) - len(part) % 4] if len(part) % 4 == 1 else part
            padded = part + "=" * (-len(part) % 4)
            for altchars in (b"+/", b"-_"):
                try:
                    raw = base64.b64decode(padded, altchars=altchars, validate=False)
                except (binascii.Error, ValueError):
                    continue
                decoded = raw.decode("utf-8", "replace")
                if any(secret in decoded for secret in self._long):
                    return True
                if depth < 2 and any(
                    self._found(stretch, depth + 1) for stretch in _text_stretches(decoded)
                ):
                    return True
        return False

    def _found(self, text: str, depth: int = 0) -> bool:
        return any(self._spans_in(view, depth) for view in _views(text))

    def exposes(self, text: str) -> bool:
        """True when `text` holds any secret in any form this mechanism knows."""
        return bool(self.secrets) and self._found(text)

    def mask(self, text: str) -> str:
        """`text` with every form of every secret replaced by MASK.

        A long text is masked a slice at a time (one pass over megabytes would hold Python's
        GIL in C for long enough to stall the window's UI thread, though masking runs on a
        worker). A slice ends only right after a character of `_SLICE_ENDS` that no secret
        holds: no form of a secret that masking reads holds one either, so every form lies
        whole inside one slice."""
        if not self.secrets or not text:
            return text
        return "".join(self._mask_slice(piece) for piece in self._slices(text))

    def _slices(self, text: str) -> Iterator[str]:
        start = 0
        size = self.slice_size
        while len(text) - start > 2 * size:
            found = [i for i in (text.find(c, start + size) for c in self._slice_ends) if i >= 0]
            if not found:
                break
            cut = min(found) + 1
            yield text[start:cut]
            start = cut
        yield text[start:]

    def _mask_slice(self, text: str) -> str:
        spans = sorted(span for view in _views(text) for span in self._spans_in(view, 0))
        if not spans:
            return text
        out: list[str] = []
        at = 0
        start, end = spans[0]
        for a, b in spans[1:]:
            if a <= end:
                end = max(end, b)
                continue
            out += [text[at:start], MASK]
            at, (start, end) = end, (a, b)
        out += [text[at:start], MASK, text[end:]]
        return "".join(out)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by a mask."""
    return Masker(secrets).mask(text)


def exposes(text: str, secrets: Iterable[str]) -> bool:
    """True when `text` holds any of `secrets` in any form (raw or encoded)."""
    return Masker(secrets).exposes(text)


def secret_forms(secret: str) -> set[str]:
    """A few encoded forms of `secret` (raw, JSON-escaped, URL-encoded), for checks that
    look for literal copies; masking itself decodes instead (`Masker`)."""
    import json
    import urllib.parse

    if not secret:
        return set()
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret, safe="", errors="surrogatepass"),
        urllib.parse.quote_plus(secret, errors="surrogatepass"),
    }

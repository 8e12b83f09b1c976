"""The GSM 03.38 / 3GPP TS 23.038 7-bit alphabet: what a GSM-7 SMS can carry."""

from __future__ import annotations

from typing import Final

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

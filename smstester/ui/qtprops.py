"""The `Qt.` values of the widgets in the first paint, set by property name.

The first touch of PySide6's `Qt` namespace (even `from PySide6.QtCore import Qt`) builds a
Python enum for each of its 93 enums, 1,195 members in all: 46 ms on a 2-core machine with
Python 3.11, about a third of what smstester's start-up added to a bare window
(tests/bench/run.py). Qt's property system takes the same values as plain numbers, so the
widgets on the first screen set their few `Qt.` values here, and `Qt` is built after the
first paint, by whatever needs it first (the History panel, the sign-in, a key press).

Only for what is made before the first paint: code that runs later uses `Qt` as usual. The
numbers are Qt's own (qnamespace.h); tests/ui/test_qtprops.py checks each against PySide6's
enum, and tests/ui/test_startup.py that `smstester` paints before `Qt` is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

#: Qt.TextFormat.PlainText: a server's or a profile's text is never read as HTML.
PLAIN_TEXT: Final = 0
#: Qt.FocusPolicy values.
NO_FOCUS: Final = 0
TAB_FOCUS: Final = 1
STRONG_FOCUS: Final = 11
#: Qt.ScrollBarPolicy.ScrollBarAlwaysOff
SCROLL_BAR_ALWAYS_OFF: Final = 1
#: Qt.TextInteractionFlag.TextSelectableByMouse
TEXT_SELECTABLE_BY_MOUSE: Final = 1
#: Qt.Orientation.Vertical (a QSplitter is horizontal unless told)
VERTICAL: Final = 2
#: Qt.AlignmentFlag values (flags: combine with |).
ALIGN_RIGHT: Final = 0x2
ALIGN_TOP: Final = 0x20
#: Qt.MatchFlag.MatchContains
MATCH_CONTAINS: Final = 1
#: Qt.CaseSensitivity.CaseInsensitive
CASE_INSENSITIVE: Final = 0
#: Qt.ColorScheme values.
COLOR_SCHEME_LIGHT: Final = 1
COLOR_SCHEME_DARK: Final = 2


def set_qt(target: QObject, name: str, value: int) -> None:
    """`target.setProperty(name, value)` for a property of a `Qt.` enum type; a name the
    class has no such property for (a typo would make a new, unused dynamic property) or a
    value it refuses is a bug, raised at once."""
    meta = target.metaObject()
    index = meta.indexOfProperty(name)
    if index < 0 or not meta.property(index).isEnumType():
        raise AttributeError(f"{meta.className()} has no enum property {name!r}")
    if not target.setProperty(name, value):
        raise ValueError(f"{meta.className()}.{name} refused {value!r}")


def plain_text(label: QObject) -> None:
    """Show the label's text as it is (never as HTML)."""
    set_qt(label, "textFormat", PLAIN_TEXT)

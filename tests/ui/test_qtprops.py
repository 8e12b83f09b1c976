"""ui.qtprops: the `Qt.` values set by property name before the first paint are Qt's."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCompleter, QLabel, QSplitter
from pytestqt.qtbot import QtBot

from smstester.ui import qtprops

VALUES = [
    (qtprops.PLAIN_TEXT, Qt.TextFormat.PlainText),
    (qtprops.NO_FOCUS, Qt.FocusPolicy.NoFocus),
    (qtprops.TAB_FOCUS, Qt.FocusPolicy.TabFocus),
    (qtprops.STRONG_FOCUS, Qt.FocusPolicy.StrongFocus),
    (qtprops.SCROLL_BAR_ALWAYS_OFF, Qt.ScrollBarPolicy.ScrollBarAlwaysOff),
    (qtprops.TEXT_SELECTABLE_BY_MOUSE, Qt.TextInteractionFlag.TextSelectableByMouse),
    (qtprops.VERTICAL, Qt.Orientation.Vertical),
    (qtprops.ALIGN_RIGHT, Qt.AlignmentFlag.AlignRight),
    (qtprops.ALIGN_TOP, Qt.AlignmentFlag.AlignTop),
    (qtprops.MATCH_CONTAINS, Qt.MatchFlag.MatchContains),
    (qtprops.CASE_INSENSITIVE, Qt.CaseSensitivity.CaseInsensitive),
    (qtprops.COLOR_SCHEME_LIGHT, Qt.ColorScheme.Light),
    (qtprops.COLOR_SCHEME_DARK, Qt.ColorScheme.Dark),
]


@pytest.mark.parametrize(("number", "member"), VALUES, ids=[str(m) for _, m in VALUES])
def test_each_number_is_the_enum_value_qt_gives(number: int, member: object) -> None:
    assert number == member.value  # type: ignore[attr-defined]


def test_a_value_set_by_name_reads_back_as_the_enum(qtbot: QtBot) -> None:
    label = QLabel("<b>not bold</b>")
    qtbot.addWidget(label)
    qtprops.plain_text(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    splitter = QSplitter()
    qtbot.addWidget(splitter)
    qtprops.set_qt(splitter, "orientation", qtprops.VERTICAL)
    assert splitter.orientation() == Qt.Orientation.Vertical
    completer = QCompleter()
    qtprops.set_qt(completer, "filterMode", qtprops.MATCH_CONTAINS)
    assert completer.filterMode() == Qt.MatchFlag.MatchContains


def test_a_name_that_is_no_enum_property_is_a_bug_said_at_once(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    with pytest.raises(AttributeError, match="textFormatt"):
        qtprops.set_qt(label, "textFormatt", qtprops.PLAIN_TEXT)  # no such property
    with pytest.raises(AttributeError, match="'text'"):
        qtprops.set_qt(label, "text", 0)  # a property, not of an enum
    assert label.dynamicPropertyNames() == []  # and no stray dynamic property made


def test_the_colour_scheme_is_taken_by_property_where_qt_has_its_setter(qtbot: QtBot) -> None:
    # ui.theme sets it by name before the first paint (and by its setter where Qt will not).
    from PySide6.QtGui import QGuiApplication

    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):
        pytest.skip("Qt before 6.8 has no colour scheme to set")
    try:
        assert hints.setProperty("colorScheme", qtprops.COLOR_SCHEME_LIGHT)
    finally:
        hints.unsetColorScheme()

"""The Region box: the region numbers typed without + are read in.

Each region is listed as its country name, its code and its calling code ("Germany (DE) +49"),
sorted by name, with the region of the locale first (after "None"). Typing filters the list:
any part of the name, the code or the calling code ("germ", "de", "+49") finds a region, and
Enter (or leaving the box) takes what was typed when it names one region; anything else
puts back the region chosen before, so the box never shows what it does not hold.

The names are Qt's own English territory names (`QLocale.territoryToString`, no new
dependency); the regions and calling codes are phonenumbers'. The 245 regions are listed
when first needed (the list opened, the box focused, a key, the wheel, a region to select),
not before the first paint: listing them imports phonenumbers. (`QtCore.Qt` is named only
where it is used, after the first paint: see `qtprops`.)
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Final

from PySide6 import QtCore
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from smstester.ui import qtprops

if TYPE_CHECKING:
    from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent

NONE_TEXT: Final = "None (numbers start with +)"


def _sort_key(name: str) -> str:
    """`name` for sorting: accents and case left out ("Åland" beside "Aland")."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def locale_region(locale: QLocale | None = None) -> str:
    """The region code of `locale` (the default locale: the system's unless set), or ""."""
    locale = locale if locale is not None else QLocale()
    name = locale.name()
    return name.split("_")[-1].upper() if "_" in name else ""


def region_items(first: str = "") -> list[tuple[str, str]]:
    """(text, code) of every region phonenumbers knows, sorted by country name, the region
    `first` (when it is one) at the top."""
    from smstester.core.phone import calling_codes

    codes = calling_codes()
    named: list[tuple[str, str, str]] = []
    for code, calling in codes.items():
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory)
        if not name or territory == QLocale.codeToTerritory("ZZ"):
            name = code  # a region Qt has no name for: its code alone
        named.append((_sort_key(name), f"{name} ({code}) +{calling}", code))
    named.sort()
    items = [(text, code) for _key, text, code in named]
    top = [item for item in items if item[1] == first.upper()]
    return top + [item for item in items if item[1] != first.upper()]


class RegionCombo(QComboBox):
    """The Region box (see the module docstring). `currentData()` is the region code ("" for
    none); `ensure_filled` and `set_region` as the form uses them."""

    def __init__(self, parent: QWidget | None = None, *, first: str | None = None) -> None:
        super().__init__(parent)
        self._filled = False
        #: The region listed first: the locale's unless told.
        self._first = first if first is not None else locale_region()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Long names must not widen the form; the list itself is as wide as they need.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        self.setToolTip(
            "The region of numbers typed without +: type a country, its code or its "
            "calling code to find it"
        )
        self.addItem(NONE_TEXT, "")
        edit, completer = self.lineEdit(), self.completer()
        assert edit is not None and completer is not None  # an editable box has both
        self._edit: QLineEdit = edit
        # Made before the first paint: its `Qt.` values by property name (ui.qtprops).
        qtprops.set_qt(completer, "filterMode", qtprops.MATCH_CONTAINS)
        qtprops.set_qt(completer, "caseSensitivity", qtprops.CASE_INSENSITIVE)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        edit.editingFinished.connect(self._take_typed)

    # --- the list -----------------------------------------------------------------------

    def ensure_filled(self) -> None:
        """List every region (once)."""
        if self._filled:
            return
        self._filled = True
        current = self.currentIndex()
        text = self._edit.text()
        self.blockSignals(True)
        for item_text, code in region_items(self._first):
            self.addItem(item_text, code)
        self.setCurrentIndex(current)
        self.blockSignals(False)
        self._edit.setText(text)  # what is being typed stays

    def set_region(self, code: str) -> None:
        """Select the region `code` ("" or an unknown code: none)."""
        if code:
            self.ensure_filled()
        self.setCurrentIndex(max(self.findData(code.strip().upper()), 0))
        self._edit.setText(self.itemText(self.currentIndex()))

    def matches(self, typed: str) -> list[int]:
        """The indexes of the regions `typed` finds, as the list filters them."""
        self.ensure_filled()
        wanted = typed.strip().casefold()
        if not wanted:
            return []
        return [i for i in range(self.count()) if wanted in self.itemText(i).casefold()]

    def _take_typed(self) -> None:
        """Select what was typed when it names one region, else show the selection again."""
        typed = self._edit.text().strip()
        if typed == self.itemText(self.currentIndex()):
            return
        index = self._named(typed)
        if index >= 0:
            self.setCurrentIndex(index)
        self._edit.setText(self.itemText(self.currentIndex()))

    def _named(self, typed: str) -> int:
        """The one region `typed` names: its whole text, its code, its calling code (the
        main region of that code), or a part found in one region only; -1 for none."""
        if not typed:
            return 0  # the box emptied: no region
        self.ensure_filled()
        exact = self.findText(typed, QtCore.Qt.MatchFlag.MatchFixedString)
        if exact >= 0:
            return exact
        by_code = self.findData(typed.upper()) if len(typed) == 2 else -1
        if by_code >= 0:
            return by_code
        if typed.startswith("+") and typed[1:].isdigit():
            return self._main_region(int(typed[1:]))
        found = self.matches(typed)
        return found[0] if len(found) == 1 else -1

    def _main_region(self, calling: int) -> int:
        import phonenumbers

        main = phonenumbers.region_code_for_country_code(calling)
        return self.findData(main) if main != "ZZ" else -1

    # --- when the list is needed --------------------------------------------------------

    def showPopup(self) -> None:
        self.ensure_filled()
        view = self.view()
        view.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
        needed = view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width() + 8
        view.setMinimumWidth(max(needed, self.width()))
        super().showPopup()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.ensure_filled()
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.ensure_filled()
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.ensure_filled()
        super().wheelEvent(event)

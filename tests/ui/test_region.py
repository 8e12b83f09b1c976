"""The Region box: country names with their codes and calling codes, the locale's region
first, found by typing any part of them; listed only when first needed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import phonenumbers
import pytest
from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from smstester.core.phone import calling_codes
from smstester.ui.region import NONE_TEXT, RegionCombo, locale_region


@pytest.fixture
def combo(qtbot: QtBot) -> RegionCombo:
    box = RegionCombo(first="")
    qtbot.addWidget(box)
    return box


@pytest.fixture
def french_locale() -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.codeToTerritory("FR")))
    yield
    QLocale.setDefault(before)


def without_accents(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def texts(box: RegionCombo) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def test_regions_are_listed_by_country_name_with_both_codes(combo: RegionCombo) -> None:
    assert combo.count() == 1 and combo.currentData() == "" and combo.currentText() == NONE_TEXT
    combo.set_region("de")
    codes = calling_codes()
    assert combo.count() == 1 + len(codes)
    assert combo.currentData() == "DE"
    assert combo.currentText() == f"Germany (DE) +{codes['DE']}"
    for index in range(1, combo.count()):
        code = combo.itemData(index)
        name = QLocale.territoryToString(QLocale.codeToTerritory(code))
        assert combo.itemText(index) == f"{name} ({code}) +{codes[code]}"
        assert re.fullmatch(r".*[a-z].* \([A-Z]{2}\) \+\d{1,3}", combo.itemText(index))
    names = [combo.itemText(i).rsplit(" (", 1)[0] for i in range(1, combo.count())]
    assert names == sorted(names, key=without_accents)
    assert names.index("Åland Islands") < names.index("Albania")  # Å sorts as A
    assert "United Kingdom (GB) +44" in texts(combo)
    combo.set_region("")
    assert combo.currentData() == "" and combo.currentText() == NONE_TEXT
    combo.set_region("XX")  # not a region: none
    assert combo.currentData() == ""


def test_the_locales_region_comes_first(qtbot: QtBot, french_locale: None) -> None:
    assert locale_region() == "FR"
    box = RegionCombo()
    qtbot.addWidget(box)
    box.ensure_filled()
    assert box.itemData(0) == "" and box.itemData(1) == "FR"
    assert box.itemText(1) == "France (FR) +33"
    rest = [box.itemText(i).casefold() for i in range(2, box.count())]
    assert rest.index("germany (de) +49") < rest.index("united states (us) +1")
    assert texts(box).count("France (FR) +33") == 1
    told = RegionCombo(first="JP")
    qtbot.addWidget(told)
    told.ensure_filled()
    assert told.itemData(1) == "JP"


def type_in(qtbot: QtBot, box: RegionCombo, typed: str) -> None:
    edit = box.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, typed)


def focus(qtbot: QtBot, box: RegionCombo) -> None:
    box.window().show()
    box.window().activateWindow()
    box.lineEdit().setFocus()
    qtbot.waitUntil(box.lineEdit().hasFocus)


def test_typing_finds_a_region_by_name_code_or_calling_code(
    qtbot: QtBot, combo: RegionCombo
) -> None:
    focus(qtbot, combo)
    type_in(qtbot, combo, "germ")
    completer = combo.completer()
    qtbot.waitUntil(lambda: completer.completionCount() == 1)
    assert completer.currentCompletion() == "Germany (DE) +49"
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Escape)  # the suggestions closed
    with qtbot.waitSignal(combo.currentIndexChanged):
        combo.lineEdit().editingFinished.emit()
    assert combo.currentData() == "DE"
    main_of_44 = phonenumbers.region_code_for_country_code(44)
    for typed, code in (("+44", main_of_44), ("us", "US"), ("IRELAND", "IE"), ("", "")):
        type_in(qtbot, combo, typed) if typed else combo.lineEdit().clear()
        combo.lineEdit().editingFinished.emit()
        assert combo.currentData() == code, typed
        assert combo.currentText() == combo.itemText(combo.currentIndex())
    combo.set_region("DE")
    for unclear in ("united", "no such land", "+999"):  # several regions, or none
        type_in(qtbot, combo, unclear)
        combo.lineEdit().editingFinished.emit()
        assert combo.currentData() == "DE", unclear
        assert combo.lineEdit().text() == "Germany (DE) +49"  # the box shows what it holds


def test_the_list_waits_until_it_is_needed(qtbot: QtBot, combo: RegionCombo) -> None:
    combo.show()
    qtbot.waitExposed(combo)
    assert combo.count() == 1  # shown, not filled
    width = combo.sizeHint().width()
    focus(qtbot, combo)
    assert combo.count() > 1  # focused: filled, for the typing to come
    assert combo.currentData() == ""
    assert combo.sizeHint().width() == width  # long names do not widen the form
    for needs in ("key", "popup"):
        fresh = RegionCombo(first="")
        qtbot.addWidget(fresh)
        fresh.show()
        qtbot.waitExposed(fresh)
        if needs == "key":
            qtbot.keyClick(fresh, Qt.Key.Key_Down)
            assert fresh.currentIndex() == 1
        else:
            fresh.showPopup()
            view = fresh.view()
            assert view.minimumWidth() >= view.sizeHintForColumn(0)
            fresh.hidePopup()
        assert fresh.count() == 1 + len(calling_codes()), needs


def test_the_form_reads_numbers_in_the_region_typed(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form with this box in place of its own (what `form.py` switches to)."""
    from smstester.ui import form as form_module

    monkeypatch.setattr(form_module, "RegionCombo", RegionCombo)
    monkeypatch.setattr(form_module, "system_region", lambda: "")
    form = form_module.ConnectionForm()
    qtbot.addWidget(form)
    assert isinstance(form.region, RegionCombo) and form.current_region() == ""
    focus(qtbot, form.region)
    type_in(qtbot, form.region, "+49")
    with qtbot.waitSignal(form.changed):
        form.region.lineEdit().editingFinished.emit()
    form.phone_to.setText("030 12345678")
    test = form.test()
    assert test.region == "DE"
    assert all(problem.field != "phone_to" for problem in form.problems())
    form.set_region("gb")
    assert form.region.currentText() == "United Kingdom (GB) +44"

"""Contrast and themes (issue 15, points 6 and 7): every status colour meets WCAG AA (4.5:1)
against what it is drawn on, in the light and the dark palette, measured from the table, from
the style sheet as written and from the widgets as Qt paints them; View → Theme switches live
and is kept in the settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QColor, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget
from pytestqt.qtbot import QtBot

from smstester.core.storage import Settings
from smstester.ui import build_window, theme
from smstester.ui.app import start_window
from smstester.ui.resources import resource_path
from smstester.ui.window import MainWindow

AA = 4.5


@pytest.fixture(autouse=True)
def back_to_system() -> Iterator[None]:
    """The application is shared by every test: each one leaves it on the system palette."""
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.reset_application()


# --- the table ------------------------------------------------------------------------------


def test_contrast_ratio_is_the_wcag_formula() -> None:
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's own examples: #767676 is the lightest grey that passes on white, #777 fails.
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast("#777777", "#ffffff") < AA
    assert theme.contrast("#ffffff", "#777777") == theme.contrast("#777777", "#ffffff")
    # The ratios of issue 15 for today's colours (amber on light, green on light).
    assert theme.contrast("#c77c02", "#efefef") == pytest.approx(2.89, abs=0.01)
    assert theme.contrast("#2e8b57", "#efefef") == pytest.approx(3.69, abs=0.01)


def sheet_pairs() -> set[tuple[str, str]]:
    """(foreground, background) names of every rule in resources/style.qss: a rule without a
    background of its own is drawn on the window's."""
    template = resource_path("style.qss").read_text(encoding="utf-8")
    template = re.sub(r"/\*.*?\*/", "", template, flags=re.S)
    pairs = set()
    for body in re.findall(r"\{([^}]*)\}", template):
        colour = re.search(r"(?<![-\w])color:\s*\$(\w+)", body)
        background = re.search(r"background(?:-color)?:\s*\$(\w+)", body)
        assert colour is not None, f"a rule without a colour from the table: {body}"
        pairs.add((colour.group(1), background.group(1) if background else "window"))
    return pairs


def test_the_pairs_checked_are_every_pair_the_sheet_and_the_log_use() -> None:
    used = sheet_pairs() | {(name, "base") for name in theme.LOG_TONES.values()}
    assert used <= set(theme.CONTRAST_PAIRS)
    assert {"ok", "warn", "error", "dim", "banner_text"} <= {fg for fg, _bg in used}
    assert {("ok", "base"), ("error", "base"), ("banner_text", "banner_background")} <= used


@pytest.mark.parametrize("palette", theme.PALETTES.values(), ids=lambda p: p.name)
def test_every_colour_pair_meets_aa(palette: theme.Palette) -> None:
    ratios = {
        (fg, bg): theme.contrast(palette.colour(fg), palette.colour(bg))
        for fg, bg in theme.CONTRAST_PAIRS
    }
    failing = {pair: round(ratio, 2) for pair, ratio in ratios.items() if ratio < AA}
    assert not failing, f"{palette.name}: {failing}"
    # Light is light and dark is dark: their backgrounds are far apart.
    assert (theme.luminance(palette.window) > 0.5) is (palette.name == "light")


@pytest.mark.parametrize(
    ("window", "base"),
    [
        ("#efefef", "#ffffff"),  # Fusion
        ("#eff0f1", "#fcfcfc"),  # Breeze
        ("#f0f0f0", "#ffffff"),  # Windows
        ("#353535", "#2d2d2d"),  # Adwaita dark
        ("#31363b", "#232629"),  # Breeze dark
        ("#808080", "#9a9a9a"),  # a grey nobody should pick
        ("#444444", "#555555"),
    ],
)
def test_a_system_palette_gets_status_colours_that_meet_aa_on_it(window: str, base: str) -> None:
    palette = theme.colours_on(window, base)
    assert (palette.window, palette.base) == (window, base)
    ours = [(fg, bg) for fg, bg in theme.CONTRAST_PAIRS if fg in theme.STATES]
    assert len(ours) == 8  # four states, on the window and on the log
    for fg, bg in [*ours, ("banner_text", "banner_background")]:
        ratio = theme.contrast(palette.colour(fg), palette.colour(bg))
        assert ratio >= AA, (fg, bg, round(ratio, 2))


def test_the_two_palettes_keep_their_own_colours() -> None:
    for palette in theme.PALETTES.values():
        assert theme.colours_on(palette.window, palette.base) == palette


def test_the_table_loads_without_qt() -> None:
    code = (
        "import json, sys\n"
        "from smstester.ui import theme\n"
        "theme.colours_on('#ffffff', '#ffffff')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('PySide6'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


# --- the window as Qt paints it -------------------------------------------------------------


def label(window: MainWindow, name: str) -> QLabel:
    found = window.findChild(QLabel, name)
    assert isinstance(found, QLabel), name
    return found


def painted_ratio(widget: QWidget) -> float:
    """The ratio of a label's text to what it stands on, from the palette Qt paints it with
    (the style sheet's colours land in the widget's palette when it is polished)."""
    widget.ensurePolished()
    fg = widget.palette().color(QPalette.ColorRole.WindowText).name()
    holder = widget if widget.autoFillBackground() or _has_background(widget) else widget.window()
    bg = holder.palette().color(QPalette.ColorRole.Window).name()
    return theme.contrast(fg, bg)


def _has_background(widget: QWidget) -> bool:
    return widget.objectName().endswith("Banner")


def switch(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Apply a theme and wait until Qt has passed the palette on to the window's widgets."""
    theme.apply_theme(window, name)
    wanted = theme.PALETTES[name]
    qtbot.waitUntil(lambda: base_of(window) == wanted.base, timeout=5000)
    qtbot.waitUntil(
        lambda: window.palette().color(QPalette.ColorRole.Window).name() == wanted.window,
        timeout=5000,
    )


def set_state(widget: QWidget, state: str) -> None:
    widget.setProperty("state", state)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_status_label_and_banner_meets_aa_as_painted(
    qtbot: QtBot, window: MainWindow, name: str
) -> None:
    switch(qtbot, window, name)
    measured: dict[str, float] = {}
    for state in ("ok", "warn", "error", "empty"):
        for widget_name in ("fromStatusLabel", "toStatusLabel", "segmentLabel"):
            widget = label(window, widget_name)
            set_state(widget, state)
            measured[f"{widget_name}[{state}]"] = painted_ratio(widget)
    for widget_name in ("messageLimitLabel", "preflightLabel"):
        measured[widget_name] = painted_ratio(label(window, widget_name))
    for widget_name in ("keyringBanner", "tlsBanner", "insecureTransportBanner"):
        banner = label(window, widget_name)
        banner.setText("⚠ words")
        banner.show()
        measured[widget_name] = painted_ratio(banner)
    failing = {k: round(v, 2) for k, v in measured.items() if v < AA}
    assert not failing, failing
    # The warning is coloured as a warning, not left in the text colour.
    text = window.palette().color(QPalette.ColorRole.WindowText).name()
    warn = label(window, "messageLimitLabel").palette().color(QPalette.ColorRole.WindowText)
    assert warn.name() != text
    assert warn.name() == theme.PALETTES[name].warn


def log_colours(window: MainWindow) -> list[str]:
    """The colour of every coloured run of text in the log, as the document holds it."""
    found = []
    block = window.log.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            fmt = fragment.charFormat()
            coloured = fmt.hasProperty(QTextCharFormat.Property.ForegroundBrush)
            if coloured and fragment.text().strip():
                found.append(fmt.foreground().color().name())
            iterator += 1
        block = block.next()
    return found


def base_of(window: MainWindow) -> str:
    return window.log.palette().color(QPalette.ColorRole.Base).name()


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_log_tone_meets_aa_on_the_log(qtbot: QtBot, window: MainWindow, name: str) -> None:
    switch(qtbot, window, name)
    window.log.clear_log()
    for tone in ("ok", "fail", "warn", "dim"):
        window.log.add_note(f"a {tone} line", tone)
    colours = log_colours(window)
    assert len(set(colours)) == 4, colours
    base = base_of(window)
    assert base == theme.PALETTES[name].base
    ratios = {colour: round(theme.contrast(colour, base), 2) for colour in colours}
    assert all(ratio >= AA for ratio in ratios.values()), ratios


# --- View → Theme ---------------------------------------------------------------------------


def theme_actions(window: MainWindow) -> dict[str, QAction]:
    view = next(
        action.menu()
        for action in window.menuBar().actions()
        if action.text().replace("&", "") == "View"
    )
    assert isinstance(view, QMenu)
    sub = next(a.menu() for a in view.actions() if a.text().replace("&", "") == "Theme")
    assert isinstance(sub, QMenu)
    return {a.text().replace("&", ""): a for a in sub.actions()}


def test_view_theme_offers_system_light_dark_one_at_a_time(window: MainWindow) -> None:
    actions = theme_actions(window)
    assert list(actions) == ["System", "Light", "Dark"]
    assert all(a.isCheckable() for a in actions.values())
    assert [a.isChecked() for a in actions.values()] == [True, False, False]
    actions["Dark"].trigger()
    assert [a.isChecked() for a in actions.values()] == [False, False, True]


def test_switching_to_dark_and_back_is_live_and_kept(qtbot: QtBot, window: MainWindow) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light_window = window.palette().color(QPalette.ColorRole.Window).name()
    banner = label(window, "keyringBanner")
    banner.setText("⚠ The keyring is not available")
    banner.show()
    window.log.add_note("it failed", "fail")
    window.log.add_note("careful", "warn")
    before = log_colours(window)

    theme_actions(window)["Dark"].trigger()

    dark = theme.PALETTES["dark"]
    qtbot.waitUntil(lambda: base_of(window) == dark.base, timeout=5000)
    assert window.palette().color(QPalette.ColorRole.Window).name() == dark.window
    assert base_of(window) == dark.base
    banner.ensurePolished()
    assert banner.palette().color(QPalette.ColorRole.Window).name() == dark.banner_background
    assert banner.palette().color(QPalette.ColorRole.WindowText).name() == dark.banner_text
    # The entries already in the log are recoloured, not left in the light palette's colours.
    after = log_colours(window)
    assert after[-2:] == [dark.error, dark.warn]
    assert after != before
    assert all(theme.contrast(c, dark.base) >= AA for c in after)
    assert Settings().get("theme") == "dark"

    theme_actions(window)["System"].trigger()
    qtbot.waitUntil(lambda: base_of(window) == "#ffffff", timeout=5000)
    assert window.palette().color(QPalette.ColorRole.Window).name() == light_window
    assert log_colours(window)[-2:] == before[-2:]
    assert Settings().get("theme") == "system"


def test_an_entry_prepared_before_a_switch_lands_in_the_new_colours(
    qtbot: QtBot, window: MainWindow
) -> None:
    """A send's entry is laid out on its worker with the colours of the moment; a switch in
    the meantime does not leave it in the old ones."""
    from smstester.ui.logview import Entry

    old = window.log.colours()
    html = f'<div style="color:{old["fail"]}">✘ failure</div><div style="color:{old["ok"]}">x</div>'
    switch(qtbot, window, "dark")
    window.log.clear_log()
    window.log.add_entry(Entry(html=html, raw=None, raw_about="", status="✘ failure"))
    dark = theme.PALETTES["dark"]
    assert log_colours(window)[-2:] == [dark.error, dark.ok]


def test_the_theme_is_applied_before_the_first_paint_from_the_one_settings_read(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    Settings().set("theme", "dark")
    loads: list[Path] = []
    real_load = Settings._load

    def counted(self: Settings) -> None:
        loads.append(self.path)
        real_load(self)

    monkeypatch.setattr(Settings, "_load", counted)
    win = start_window([])  # as smstester starts it: its History panel comes after the paint
    qtbot.addWidget(win)
    assert isinstance(win, MainWindow)
    assert len(loads) == 1  # the one read start_window did before: "window" and "theme"
    assert not win.isVisible()
    assert win.palette().color(QPalette.ColorRole.Window).name() == theme.PALETTES["dark"].window
    assert theme_actions(win)["Dark"].isChecked()
    win.persist_state = False
    win.close()
    win.shutdown()


def test_an_unknown_saved_theme_is_the_system_one(qtbot: QtBot) -> None:
    Settings().set("theme", {"not": "a theme"})
    win = build_window([])
    qtbot.addWidget(win)
    assert isinstance(win, MainWindow)
    assert theme_actions(win)["System"].isChecked()
    win.persist_state = False
    win.close()
    win.shutdown()


def test_a_screenshot_run_changes_no_theme_setting(qtbot: QtBot, tmp_path: Path) -> None:
    win = build_window(["--screenshot", str(tmp_path / "x.png")])
    qtbot.addWidget(win)
    assert isinstance(win, MainWindow)
    theme_actions(win)["Dark"].trigger()
    assert Settings().get("theme") is None
    assert win.palette().color(QPalette.ColorRole.Window) == QColor(theme.PALETTES["dark"].window)
    win.close()
    win.shutdown()


def test_a_state_set_before_and_after_the_window_shows_is_painted(qtbot: QtBot) -> None:
    # form.set_state has the label's own sheet read again: before the first polish that
    # is left to it; after it (even hidden), the new state's colour is painted at once.
    from smstester.ui.form import set_state as form_set_state

    top = QWidget()
    qtbot.addWidget(top)
    status = QLabel("words", top)
    status.setStyleSheet('QLabel[state="warn"] { color: #aa5500; } QLabel { color: #000000; }')

    def colour() -> str:
        return status.palette().color(QPalette.ColorRole.WindowText).name()

    form_set_state(status, "warn")  # never shown: left for the first polish
    with qtbot.waitExposed(top):
        top.show()
    assert colour() == "#aa5500"
    form_set_state(status, "ok")
    assert colour() == "#000000"
    top.hide()
    form_set_state(status, "warn")  # hidden since: still restyled
    top.show()
    assert colour() == "#aa5500"

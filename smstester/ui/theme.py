"""The window's colours, in one table for a light and a dark palette, and View → Theme.

Every colour a status is shown in (a number's check, the warnings under the message, the
banners, the log's tones) is a field of `Palette`, in both palettes, next to the backgrounds it
is drawn on. `CONTRAST_PAIRS` names each (text, background) pair in use; every one meets WCAG
AA, 4.5:1 (tests/ui/test_theme.py computes the ratios from this table, from the style sheet and
from the widgets as Qt paints them). resources/style.qss is a template over the field names
(`$ok`, `$banner_background`…): the colours are written here only.

The System theme keeps the desktop's palette; its status colours are this table's (the light
or the dark one, by the palette's lightness), darkened or lightened until they meet AA on the
desktop's own backgrounds (`colours_on`).

The table and its arithmetic load no Qt. The Qt side (`apply_theme`, `add_theme_menu`) imports
Qt inside its functions: by then the window has loaded it anyway.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Final

from smstester.ui.qtprops import COLOR_SCHEME_DARK, COLOR_SCHEME_LIGHT

if TYPE_CHECKING:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

#: The themes of View → Theme, in its order, with their menu text.
THEMES: Final = {"system": "&System", "light": "&Light", "dark": "&Dark"}
#: The settings key the choice is kept under.
SETTINGS_KEY: Final = "theme"
#: The least contrast of text to its background (WCAG 2 AA, normal text).
MINIMUM_CONTRAST: Final = 4.5

#: The widgets resources/style.qss styles. The sheet is set on each of them rather than on
#: the application: with an application-wide sheet Qt styles every widget through it, which
#: costs ~7 ms of start-up for a few coloured labels.
STYLED_WIDGETS: Final = (
    "fromStatusLabel",
    "toStatusLabel",
    "brandStatusLabel",
    "authKeyStatusLabel",
    "segmentLabel",
    "messageLimitLabel",
    "preflightLabel",
    "keyringBanner",
    "tlsBanner",
    "insecureTransportBanner",
)


@dataclass(frozen=True, slots=True)
class Palette:
    """One palette: the roles Qt paints with, and the colours of the states on them."""

    name: str
    # Qt's palette roles (QPalette.ColorRole names, snake_case).
    window: str  # the form's background: the status labels stand on it
    window_text: str
    base: str  # the fields' and the log's background: the log's tones stand on it
    alternate_base: str
    text: str
    placeholder_text: str
    button: str
    button_text: str
    bright_text: str
    highlight: str
    highlighted_text: str
    link: str
    link_visited: str
    tool_tip_base: str
    tool_tip_text: str
    light: str
    midlight: str
    mid: str
    dark: str
    shadow: str
    disabled_text: str  # Text, WindowText and ButtonText of a disabled widget
    # The states (labels on `window`, the log's tones on `base`).
    ok: str
    warn: str
    error: str
    dim: str  # "empty" (required, nothing typed yet), the log's time stamps and notes
    # The banners (keyring, TLS off, plain http) have their own background.
    banner_background: str
    banner_text: str
    banner_border: str

    def colour(self, name: str) -> str:
        """The colour of the field `name` ("ok", "window", …)."""
        value = getattr(self, name)
        assert isinstance(value, str)
        return value

    def sheet_values(self) -> dict[str, str]:
        """The template's names and their colours (every field but the name)."""
        return {f.name: self.colour(f.name) for f in fields(self) if f.name != "name"}


#: The two palettes. Light is Fusion's own (what most Linux desktops show) with its status
#: colours darkened to meet AA on #efefef and its selection a shade darker (white on Fusion's
#: #308cc6 is 3.7:1); dark is a neutral dark grey.
PALETTES: Final = {
    "light": Palette(
        name="light",
        window="#efefef",
        window_text="#000000",
        base="#ffffff",
        alternate_base="#f7f7f7",
        text="#000000",
        placeholder_text="#6b6b6b",
        button="#efefef",
        button_text="#000000",
        bright_text="#ffffff",
        highlight="#2b73b8",
        highlighted_text="#ffffff",
        link="#0000ff",
        link_visited="#800080",
        tool_tip_base="#ffffdc",
        tool_tip_text="#000000",
        light="#ffffff",
        midlight="#cacaca",
        mid="#b8b8b8",
        dark="#9f9f9f",
        shadow="#767676",
        disabled_text="#8c8c8c",
        ok="#17692e",
        warn="#8a5a00",
        error="#b42318",
        dim="#5f6368",
        banner_background="#fff4d6",
        banner_text="#5c4400",
        banner_border="#c9a53c",
    ),
    "dark": Palette(
        name="dark",
        window="#2d2d2d",
        window_text="#e8e8e8",
        base="#1e1e1e",
        alternate_base="#262626",
        text="#e8e8e8",
        placeholder_text="#9a9a9a",
        button="#383838",
        button_text="#e8e8e8",
        bright_text="#ffffff",
        highlight="#2f6fb3",
        highlighted_text="#ffffff",
        link="#6cb6ff",
        link_visited="#c8a2f0",
        tool_tip_base="#3a3a3a",
        tool_tip_text="#e8e8e8",
        light="#4a4a4a",
        midlight="#404040",
        mid="#5c5c5c",
        dark="#1a1a1a",
        shadow="#000000",
        disabled_text="#7a7a7a",
        ok="#56d364",
        warn="#e3b341",
        error="#ff8a80",
        dim="#a0a6ad",
        banner_background="#3a2f10",
        banner_text="#f0d58a",
        banner_border="#7a6424",
    ),
}

#: The log's tones (core.report's Line.tone) and the state colour each is written in.
LOG_TONES: Final = {"ok": "ok", "fail": "error", "warn": "warn", "dim": "dim"}

#: Every (text, background) pair the window draws, by field name.
CONTRAST_PAIRS: Final = (
    ("window_text", "window"),
    ("text", "base"),
    ("placeholder_text", "base"),
    ("link", "base"),
    ("tool_tip_text", "tool_tip_base"),
    ("highlighted_text", "highlight"),
    *((state, "window") for state in ("ok", "warn", "error", "dim")),
    *((state, "base") for state in ("ok", "warn", "error", "dim")),
    ("banner_text", "banner_background"),
)

#: The colours this table adds to a desktop's palette (`colours_on` may adjust them).
STATES: Final = ("ok", "warn", "error", "dim")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of "#rrggbb" (0 black … 1 white)."""
    r, g, b = (_channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two "#rrggbb" colours (1 … 21), in either order."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    pairs = zip(_rgb(colour), _rgb(towards), strict=True)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in pairs)


def readable(colour: str, backgrounds: tuple[str, ...]) -> str:
    """`colour`, or the least darkened (on light backgrounds) or lightened (on dark ones)
    shade of it that meets MINIMUM_CONTRAST on every one of `backgrounds`."""
    if all(contrast(colour, bg) >= MINIMUM_CONTRAST for bg in backgrounds):
        return colour
    dark_ground = max(luminance(bg) for bg in backgrounds) < 0.18
    towards = "#ffffff" if dark_ground else "#000000"
    for step in range(1, 21):
        shade = _mix(colour, towards, step / 20)
        if all(contrast(shade, bg) >= MINIMUM_CONTRAST for bg in backgrounds):
            return shade
    return towards


@functools.lru_cache(maxsize=16)
def colours_on(window: str, base: str) -> Palette:
    """The palette for a window painted with these backgrounds: one of PALETTES when they are
    its own, else the light or dark one (by the window's lightness) on the desktop's
    backgrounds, with its status colours made readable on them (the desktop's own roles
    are the desktop's: only `window` and `base` of them are read)."""
    window, base = window.lower(), base.lower()
    for palette in PALETTES.values():
        if (palette.window, palette.base) == (window, base):
            return palette
    own = PALETTES["dark" if luminance(window) < 0.18 else "light"]
    states = {name: readable(own.colour(name), (window, base)) for name in STATES}
    return replace(own, name="system", window=window, base=base, **states)


def style_sheet(template: str, palette: Palette) -> str:
    """resources/style.qss with the palette's colours in place of its $names."""
    from string import Template

    return Template(template).substitute(palette.sheet_values())


def theme_name(value: object) -> str:
    """A saved setting as a theme's name: anything unknown is "system"."""
    return value if isinstance(value, str) and value in THEMES else "system"


# --- Qt ------------------------------------------------------------------------------------

_template: str | None = None


def _sheet_template() -> str:
    """resources/style.qss, read once (at start-up, where the sheet was always read)."""
    global _template
    if _template is None:
        from smstester.ui.resources import resource_path

        _template = resource_path("style.qss").read_text(encoding="utf-8")
    return _template


def qt_palette(palette: Palette) -> QPalette:
    """A QPalette of every role in `palette`."""
    from PySide6.QtGui import QColor
    from PySide6.QtGui import QPalette as Qp

    result = Qp()
    roles = {
        "window": Qp.ColorRole.Window,
        "window_text": Qp.ColorRole.WindowText,
        "base": Qp.ColorRole.Base,
        "alternate_base": Qp.ColorRole.AlternateBase,
        "text": Qp.ColorRole.Text,
        "placeholder_text": Qp.ColorRole.PlaceholderText,
        "button": Qp.ColorRole.Button,
        "button_text": Qp.ColorRole.ButtonText,
        "bright_text": Qp.ColorRole.BrightText,
        "highlight": Qp.ColorRole.Highlight,
        "highlighted_text": Qp.ColorRole.HighlightedText,
        "link": Qp.ColorRole.Link,
        "link_visited": Qp.ColorRole.LinkVisited,
        "tool_tip_base": Qp.ColorRole.ToolTipBase,
        "tool_tip_text": Qp.ColorRole.ToolTipText,
        "light": Qp.ColorRole.Light,
        "midlight": Qp.ColorRole.Midlight,
        "mid": Qp.ColorRole.Mid,
        "dark": Qp.ColorRole.Dark,
        "shadow": Qp.ColorRole.Shadow,
    }
    for name, role in roles.items():
        result.setColor(role, QColor(palette.colour(name)))
    disabled = QColor(palette.disabled_text)
    for role in (Qp.ColorRole.Text, Qp.ColorRole.WindowText, Qp.ColorRole.ButtonText):
        result.setColor(Qp.ColorGroup.Disabled, role, disabled)
    result.setColor(Qp.ColorGroup.Disabled, Qp.ColorRole.Highlight, QColor(palette.mid))
    return result


def palette_of(widget: QWidget) -> QPalette:
    """The palette `widget` is painted with: the application's (right after a switch,
    before Qt has passed the new palette on to every widget), unless the widget sets roles
    of its own (a palette or a style sheet of its own, or its parent's). Asked of the roles
    it resolves, not of `testAttribute(Qt.WA_SetPalette)`: the window's first paint does
    without building `Qt` (see ui.qtprops)."""
    from PySide6.QtGui import QGuiApplication

    own = widget.palette()
    return own if own.resolveMask() else QGuiApplication.palette()


def painted_palette(widget: QWidget) -> Palette:
    """The table's colours for what `widget` is painted with now."""
    from PySide6.QtGui import QPalette as Qp

    colours = palette_of(widget)
    return colours_on(
        colours.color(Qp.ColorRole.Window).name(), colours.color(Qp.ColorRole.Base).name()
    )


def reset_application() -> None:
    """Back to the desktop's own palette and colour scheme."""
    from PySide6.QtGui import QGuiApplication, QPalette

    hints = QGuiApplication.styleHints()
    if hasattr(hints, "unsetColorScheme"):
        hints.unsetColorScheme()
    # A palette that sets no role: the application takes the platform's again.
    QGuiApplication.setPalette(QPalette())
    _pass_palette_on()


def _apply_application(name: str) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if name == "system":
        reset_application()
        return
    app = QApplication.instance()
    # The Windows native style draws with the system's colours whatever the palette says.
    if isinstance(app, QApplication) and app.style().name().lower() == "windowsvista":
        app.setStyle("fusion")
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8: title bars and native dialogs follow
        scheme = COLOR_SCHEME_DARK if name == "dark" else COLOR_SCHEME_LIGHT
        # By name: done before the first paint. A Qt whose property is not writable (it
        # has the setter, not the property's WRITE) takes it the usual way.
        if not hints.setProperty("colorScheme", scheme):
            from PySide6.QtCore import Qt

            hints.setColorScheme(Qt.ColorScheme(scheme))
    QGuiApplication.setPalette(qt_palette(PALETTES[name]))
    _pass_palette_on()


def _pass_palette_on() -> None:
    """Hand the new palette to every widget now rather than at Qt's next turn: what is
    restyled next reads it, and a window not shown yet opens in it."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    QApplication.sendPostedEvents(None, QEvent.Type.ApplicationPaletteChange)


def apply_theme(window: QMainWindow, value: object) -> str:
    """Paint the application in the theme `value` names (a saved setting: anything unknown
    is "system"), restyle the coloured labels and the log of `window`, and check the theme's
    action in View → Theme. Returns the theme's name.

    At start-up, System costs nothing: the palette is left as Qt made it."""
    from PySide6.QtWidgets import QWidget

    name = theme_name(value)
    before = window.property("theme")  # None: the window's first theme, at start-up
    if name != "system" or before not in (None, "system"):
        _apply_application(name)
    window.setProperty("theme", name)
    sheet = style_sheet(_sheet_template(), painted_palette(window))
    for widget_name in STYLED_WIDGETS:
        styled = window.findChild(QWidget, widget_name)
        if styled is not None:
            styled.setStyleSheet(sheet)
    log = getattr(window, "log", None)
    recolour = getattr(log, "recolour", None)
    # At start-up in System the log has the palette it was made in: nothing to recolour
    # (the text classes a recolour walks with cost the first paint ~10 ms).
    if callable(recolour) and not (before is None and name == "system"):
        recolour()
    switcher = window.findChild(_switcher_class(), "themeSwitcher")
    if switcher is not None:
        switcher.show_checked(name)
    return name


@functools.cache
def _switcher_class() -> type:
    """ThemeSwitcher, made on first use (it is a QObject: its class needs Qt)."""
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QAction, QActionGroup, QGuiApplication

    class ThemeSwitcher(QObject):
        """View → Theme's actions; follows the desktop's scheme while System is chosen."""

        def __init__(self, window: QMainWindow, menu: QMenu) -> None:
            super().__init__(window)
            self.setObjectName("themeSwitcher")
            self.window = window
            self.group = QActionGroup(self)
            self.group.setExclusive(True)
            self.actions: dict[str, QAction] = {}
            for name, text in THEMES.items():
                action = QAction(text=text, parent=menu)  # by name: QIcon is not built
                action.setObjectName(f"theme{name.title()}Action")
                action.setCheckable(True)
                action.setStatusTip(
                    "Colours of the desktop" if name == "system" else f"A {name} palette"
                )
                action.triggered.connect(lambda _checked=False, chosen=name: self.choose(chosen))
                self.group.addAction(action)
                menu.addAction(action)
                self.actions[name] = action
            self.show_checked(theme_name(window.property("theme")))
            QGuiApplication.styleHints().colorSchemeChanged.connect(self._desktop_changed)

        def show_checked(self, name: str) -> None:
            self.actions[name].setChecked(True)

        def choose(self, name: str) -> None:
            """Switch now, and keep the choice (not in a --screenshot run)."""
            apply_theme(self.window, name)
            if getattr(self.window, "persist_state", True):
                from smstester.core.storage import Settings

                Settings().set(SETTINGS_KEY, name)

        def _desktop_changed(self, _scheme: object) -> None:
            if self.window.property("theme") == "system":
                apply_theme(self.window, "system")

    return ThemeSwitcher


def add_theme_menu(window: QMainWindow, view_menu: QMenu) -> QMenu:
    """View → Theme: System / Light / Dark, checked as applied, switched live, kept in the
    settings under "theme"."""
    menu = view_menu.addMenu("&Theme")
    menu.setObjectName("themeMenu")
    _switcher_class()(window, menu)
    return menu

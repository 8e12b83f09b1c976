"""The log pane: one entry per attempt, laid out for reading, secrets always masked.

An answer may be megabytes (a 4 MiB `data`, 100,000 error items). Everything that grows with
it is done on the worker that made the send, by `prepare_entry`: the report lines (cut to a
preview each, at most ENTRY_BUDGET characters in all), their HTML, and the masked raw answer,
folded into rows for its viewer.
The UI thread only appends that bounded HTML (appending costs ~1-2 µs a character: 12,000
characters stay well inside a frame or two) and keeps the raw text for *Show raw answer*.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from smstester.ui.theme import LOG_TONES, PALETTES, Palette, painted_palette, palette_of

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl  # made by a click on a link (its enums: ~1.5 ms)

    from smstester.core.client import SendResult
    from smstester.core.report import Line
    from smstester.ui.rawview import Rows

# The report (and the envelope parser under it) and `html` are imported by the first entry,
# not before the window's first paint.

# The tones' colours come from the theme's table (ui.theme), for the palette the log is
# painted with; `recolour` repaints what the log holds when that palette changes.

_COLOUR = re.compile(r"color:(#[0-9a-fA-F]{6})")


def tone_colours(palette: Palette) -> dict[str, str]:
    """The colour of each tone of the log in `palette` ("" for the text's own)."""
    colours = {tone: palette.colour(state) for tone, state in LOG_TONES.items()}
    return {**colours, "head": "", "plain": ""}


# The tones in the two palettes of the table.
_LIGHT: Final = tone_colours(PALETTES["light"])
_DARK: Final = tone_colours(PALETTES["dark"])

#: Characters of one report line in the log pane (the raw answer has the rest).
LINE_PREVIEW: Final = 2000
#: Characters of report in one log entry, all lines together.
ENTRY_BUDGET: Final = 12_000
#: Characters of a status-bar message.
STATUS_LIMIT: Final = 300
#: Roughly how many bytes of raw answers are kept for *Show raw answer* (each may be
#: megabytes; the oldest go first, the newest always stays).
RAW_BUDGET: Final = 64 << 20


@dataclass(frozen=True, slots=True)
class Entry:
    """A send's log entry, prepared off the UI thread: bounded, masked HTML; the whole raw
    answer, masked; and a line for the status bar."""

    html: str
    raw: Rows | None
    raw_about: str
    status: str
    #: What the answer means and what to do, as plain text ("" for a success).
    diagnosis: str = ""


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """The whole raw answer of one entry, masked and folded: what *Show raw answer* shows."""

    title: str
    rows: Rows

    @property
    def text(self) -> str:
        """The whole answer, exactly as it came (masked)."""
        return self.rows.text

    @property
    def cost(self) -> int:
        """About how many bytes it holds."""
        return 2 * len(self.rows.text) + 56 * len(self.rows.rows)


def _line_html(line: Line, colours: Mapping[str, str]) -> str:
    import html

    from smstester.core.terminal import printable

    colour = colours.get(line.tone, "")
    text = html.escape(printable(line.text)).replace("\n", "<br>")
    if line.tone == "head":
        text = f"<b>{text}</b>"
    elif line.tone == "link":
        before, _, url = text.rpartition(" ")
        if url.startswith("https://"):
            text = f'{before} <a href="{url}">{url}</a>'  # escaped above
    style = f' style="color:{colour}"' if colour else ""
    return f"<div{style}>{text}</div>"


def _within_budget(lines: list[Line], budget: int = ENTRY_BUDGET) -> list[Line]:
    """The first lines up to `budget` characters, then one line that counts the rest."""
    from smstester.core.report import Line

    kept: list[Line] = []
    used = 0
    for index, line in enumerate(lines):
        room = budget - used
        if len(line.text) <= room:
            kept.append(line)
            used += len(line.text)
            continue
        left = len(lines) - index
        if room >= 200:  # worth showing the start of
            kept.append(Line(line.text[:room] + " …", line.tone))
            left -= 1
        more = f"and {left:,} more lines; " if left else ""
        kept.append(Line(f"… ({more}Show raw answer has the whole answer)", "dim"))
        break
    return kept


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def prepare_entry(
    result: SendResult,
    secrets: Iterable[str],
    colours: Mapping[str, str],
    note: str = "",
    sent: str = "",
) -> Entry:
    """The log entry for `result`, every secret masked; `sent` names what was sent. Runs on
    the send's worker: its cost grows with the answer, and none of it may fall on the UI
    thread."""
    import html

    from smstester.core.diagnosis import diagnose
    from smstester.core.report import (
        Line,
        diagnosis_lines,
        masked,
        raw_answer_text,
        report_lines,
        summary,
    )
    from smstester.core.terminal import printable

    keep = tuple(s for s in secrets if s)
    lines = _within_budget(report_lines(result, keep, preview=LINE_PREVIEW))
    if sent:
        lines.insert(0, Line(masked(sent, keep), "dim"))
    found = diagnose(result)
    meaning = diagnosis_lines(found) if found is not None else []
    lines += meaning
    if note:
        lines.append(Line(note, "warn"))
    raw: Rows | None = None
    about = ""
    text = raw_answer_text(result, keep)
    if text is not None and result.body is not None:
        from smstester.ui.rawview import fold

        # Folded here too: opening the viewer then costs the UI thread a few rows' paint,
        # with no worker competing for the GIL meanwhile.
        raw = fold(text)
        kind = result.body.content_type or "no content type"
        about = html.escape(printable(_cut(f"{result.body.size:,} bytes, {kind}", STATUS_LIMIT)))
    status_line = printable(summary(result, keep, limit=STATUS_LIMIT))
    return Entry(
        html="".join(_line_html(line, colours) for line in lines),
        raw=raw,
        raw_about=about,
        status=status_line.replace("\n", " "),
        diagnosis="\n".join(line.text for line in meaning),
    )


class LogView(QTextBrowser):
    """Append-only log of attempts; the raw body of each stays one click away."""

    #: A RawAnswer to show (a Python object: megabytes pass by reference, not as QString).
    raw_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Each send appears here: status, envelope and errors.")
        self._raw: OrderedDict[str, RawAnswer] = OrderedDict()
        self._raw_cost = 0
        self._count = 0
        #: Every colour a tone has been written in (of any palette), and its tone.
        self._tone_of: dict[str, str] = {}
        #: The link colours (QColor.rgb()) of the palettes the log has been painted with.
        self._links: set[int] = {self.palette().color(QPalette.ColorRole.Link).rgb()}
        self.anchorClicked.connect(self._open_anchor)

    @property
    def entry_count(self) -> int:
        """How many send entries the log has had (the number of the last one)."""
        return self._count

    def colours(self) -> dict[str, str]:
        """The colour of each tone for the current palette (for `prepare_entry`)."""
        colours = tone_colours(painted_palette(self))
        for tone, colour in colours.items():
            if colour:
                self._tone_of.setdefault(colour, tone)
        return colours

    def _in_current_colours(self, html: str) -> str:
        """`html` laid out with the colours of an earlier palette, in the current one's."""
        colours = self.colours()

        def swap(found: re.Match[str]) -> str:
            tone = self._tone_of.get(found.group(1).lower())
            return f"color:{colours[tone]}" if tone else found.group(0)

        return _COLOUR.sub(swap, html)

    def recolour(self) -> None:
        """Repaint what the log holds in the current palette's colours (a theme switch):
        each run of text in an earlier palette's tone colour, and the links."""
        from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor

        colours = self.colours()
        link = palette_of(self).color(QPalette.ColorRole.Link)
        swap = {QColor(c).rgb(): QColor(colours[tone]) for c, tone in self._tone_of.items()}
        swap.update({old: link for old in self._links if old != link.rgb()})
        self._links.add(link.rgb())
        # The runs to repaint are found first: repainting one may merge it with the next.
        runs: list[tuple[int, int, QColor]] = []
        block = self.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                fmt = fragment.charFormat()
                if fmt.hasProperty(QTextCharFormat.Property.ForegroundBrush):
                    was = fmt.foreground().color().rgb()
                    colour = swap.get(was)
                    if colour is not None and colour.rgb() != was:
                        runs.append((fragment.position(), fragment.length(), colour))
                iterator += 1
            block = block.next()
        if not runs:
            return
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for start, length, colour in runs:
            cursor.setPosition(start)
            cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
            change = QTextCharFormat()
            change.setForeground(colour)
            cursor.mergeCharFormat(change)
        cursor.endEditBlock()

    def add_entry(self, entry: Entry) -> None:
        """One entry for a finished send, prepared by `prepare_entry`."""
        self._count += 1
        stamp = time.strftime("%H:%M:%S")
        parts = [f'<div style="color:{self.colours()["dim"]}">#{self._count} · {stamp}</div>']
        parts.append(self._in_current_colours(entry.html))
        if entry.raw is not None:
            key = str(self._count)
            self._raw[key] = RawAnswer(f"Raw answer #{self._count}", entry.raw)
            self._raw_cost += self._raw[key].cost
            while self._raw_cost > RAW_BUDGET and len(self._raw) > 1:
                self._raw_cost -= self._raw.popitem(last=False)[1].cost
            parts.append(f'<div><a href="raw:{key}">Show raw answer</a> ({entry.raw_about})</div>')
        self._append_block(parts)

    def add_result(self, result: SendResult, secrets: Iterable[str], note: str = "") -> None:
        """One entry for a finished send, prepared here (for small results only: a send's
        answer is prepared on its worker, see MainWindow.send)."""
        self.add_entry(prepare_entry(result, secrets, self.colours(), note))

    def add_note(self, text: str, tone: str = "dim") -> None:
        """A line that is not a send: a cancel, bad input, a warning."""
        from smstester.core.report import Line

        stamp = time.strftime("%H:%M:%S")
        line = Line(_cut(f"{stamp} · {text}", ENTRY_BUDGET), tone)  # type: ignore[arg-type]
        self._append_block([_line_html(line, self.colours())])

    def _append_block(self, parts: list[str]) -> None:
        if not self.document().isEmpty():
            self.append("")  # a blank line between entries
        self.append("".join(parts))  # one append: one layout pass
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def clear_log(self) -> None:
        self.clear()
        self._raw.clear()
        self._raw_cost = 0

    def _open_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("https://"):  # a diagnosis's link: in the browser
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(url)
            return
        if not text.startswith("raw:"):
            return
        key = text[4:]
        if key in self._raw:
            self.raw_requested.emit(self._raw[key])
        else:
            self.add_note(
                f"The raw answer of #{key} is no longer kept: the log keeps about "
                f"{RAW_BUDGET >> 20} MiB of raw answers, the newest.",
                "warn",
            )

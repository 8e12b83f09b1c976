"""The log pane: one entry per attempt, laid out for reading, secrets always masked."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

if TYPE_CHECKING:
    from smstester.core.client import SendResult
    from smstester.core.report import Line

# The report (and the envelope parser under it) and `html` are imported by the first entry,
# not before the window's first paint.

# Colours per tone for a light and a dark palette.
_LIGHT = {
    "ok": "#1a7f37",
    "fail": "#c62828",
    "warn": "#9a6700",
    "dim": "#57606a",
    "head": "",
    "plain": "",
}
_DARK = {
    "ok": "#56d364",
    "fail": "#ff7b72",
    "warn": "#e3b341",
    "dim": "#9198a1",
    "head": "",
    "plain": "",
}


class LogView(QTextBrowser):
    """Append-only log of attempts; the raw body of each stays one click away."""

    raw_requested = Signal(str, str)  # title, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Each send appears here: status, envelope and errors.")
        self._raw: dict[str, tuple[str, str]] = {}
        self._count = 0
        self.anchorClicked.connect(self._open_anchor)

    def _colours(self) -> dict[str, str]:
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        return _DARK if dark else _LIGHT

    def _line_html(self, line: Line) -> str:
        import html

        colour = self._colours().get(line.tone, "")
        text = html.escape(line.text).replace("\n", "<br>")
        if line.tone == "head":
            text = f"<b>{text}</b>"
        style = f' style="color:{colour}"' if colour else ""
        return f"<div{style}>{text}</div>"

    def add_result(self, result: SendResult, secrets: Iterable[str], note: str = "") -> None:
        """One entry for a finished send."""
        import html

        from smstester.core.report import Line, report_lines
        from smstester.core.secrets import redact

        keep = tuple(s for s in secrets if s)
        self._count += 1
        stamp = time.strftime("%H:%M:%S")
        lines = report_lines(result, keep, preview=2000)
        parts = [f'<div style="color:{self._colours()["dim"]}">#{self._count} · {stamp}</div>']
        parts += [self._line_html(line) for line in lines]
        if note:
            parts.append(self._line_html(Line(note, "warn")))
        if result.body is not None and result.body.text:
            key = str(self._count)
            body = redact(result.body.shown_text, keep)
            headers = "\n".join(f"{k}: {redact(v, keep)}" for k, v in result.headers)
            status = f"HTTP {result.http_status} {result.reason_phrase}"
            self._raw[key] = (f"Raw answer #{self._count}", f"{status}\n{headers}\n\n{body}")
            parts.append(
                f'<div><a href="raw:{key}">Show raw answer</a> '
                f"({result.body.size:,} bytes, "
                f"{html.escape(result.body.content_type or 'no content type')})</div>"
            )
        self._append_block(parts)

    def add_note(self, text: str, tone: str = "dim") -> None:
        """A line that is not a send: a cancel, bad input, a warning."""
        from smstester.core.report import Line

        stamp = time.strftime("%H:%M:%S")
        self._append_block([self._line_html(Line(f"{stamp} · {text}", tone))])  # type: ignore[arg-type]

    def _append_block(self, parts: list[str]) -> None:
        if not self.document().isEmpty():
            self.append("")  # a blank line between entries
        for part in parts:
            self.append(part)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def clear_log(self) -> None:
        self.clear()
        self._raw.clear()

    def _open_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("raw:") and text[4:] in self._raw:
            self.raw_requested.emit(*self._raw[text[4:]])

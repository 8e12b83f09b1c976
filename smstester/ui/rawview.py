"""The raw-answer viewer: a whole answer of megabytes, shown without stalling the window.

Qt's text widgets lay out every paragraph they hold: a QPlainTextEdit took 2.1 s to take a
4 MiB answer on one line, and 0.4 s just to adopt a document of 420,000 short lines built on
a worker. `RawAnswerView` paints only the rows on screen, from rows that `fold` prepares on
the send's worker (logview.prepare_entry), so showing any answer costs the same few
milliseconds:

- a line longer than FOLD characters goes on over the next rows, each marked `↪`;
- control characters, bidi marks and lone surrogates are shown as escapes (`\\x1b`,
  `\\u202e`, as the command line shows them), never obeyed; a tab is four spaces;
- rows are selected whole (click, Shift+click, drag, Ctrl+A) and Ctrl+C copies them;
  *Copy all* and *Save…* take the whole text exactly as it came (masked).

`fold` works through the text a slice at a time: each call into C stays short, so the UI
thread is never kept waiting for Python's GIL while a worker folds megabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smstester.core.terminal import printable

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent, QMouseEvent, QPaintEvent, QResizeEvent

#: Characters per row; a longer line goes on over the next rows.
FOLD: Final = 200
#: Characters `fold` handles per step (one short call into C each).
_SLICE: Final = 1 << 17


@dataclass(frozen=True, slots=True)
class Rows:
    """A text cut into rows for the screen, and the text itself."""

    text: str
    rows: list[str]
    #: 1 where a row goes on with the line of the row above.
    continued: bytearray
    #: The longest row, in characters.
    widest: int


def fold(text: str, width: int = FOLD) -> Rows:
    """`text` as rows of at most `width` characters, shown safely (see the module docstring).
    Pure Python with no Qt: for a worker."""
    rows: list[str] = []
    continued = bytearray()
    widest = 0
    carry = ""  # the start of the current line, not yet a row (at most `width` characters)
    carry_goes_on = False  # whether `carry` continues a row already made

    def add(line_part: str) -> None:
        nonlocal carry, carry_goes_on, widest
        s = carry + line_part if carry else line_part
        full = (len(s) - 1) // width if s else 0  # rows that are full and not the last
        if full:
            rows.extend(s[k * width : (k + 1) * width] for k in range(full))
            continued.append(1 if carry_goes_on else 0)
            continued.extend(b"\x01" * (full - 1))
            carry_goes_on = True
            widest = width
        carry = s[full * width :]

    def end_line() -> None:
        nonlocal carry, carry_goes_on, widest
        rows.append(carry)
        continued.append(1 if carry_goes_on else 0)
        widest = max(widest, len(carry))
        carry, carry_goes_on = "", False

    for start in range(0, len(text), _SLICE):
        piece = text[start : start + _SLICE]
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n")
        piece = printable(piece.expandtabs(4))
        parts = piece.split("\n")
        add(parts[0])
        if len(parts) == 1:
            continue
        end_line()
        whole = parts[1:-1]  # lines that start and end in this piece
        longest = max(map(len, whole), default=0)
        if longest <= width:  # the usual case: one row each, added at once
            rows.extend(whole)
            continued.extend(bytes(len(whole)))
            widest = max(widest, longest)
        else:
            for part in whole:
                add(part)
                end_line()
        add(parts[-1])
    end_line()
    return Rows(text, rows, continued, widest)


class RawAnswerView(QAbstractScrollArea):
    """A read-only view of `Rows` that paints only what is on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rawAnswerView")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self._rows: Rows | None = None
        self._anchor = -1  # selection: rows from anchor to current, both included
        self._current = -1
        self.placeholder = "No answer to show."

    # --- content ------------------------------------------------------------------------

    def set_rows(self, rows: Rows) -> None:
        self._rows = rows
        self._anchor = self._current = -1
        self._update_scrollbars()
        self.viewport().update()

    def is_loaded(self) -> bool:
        return self._rows is not None

    def text(self) -> str:
        """The whole text, exactly as it came."""
        return self._rows.text if self._rows is not None else ""

    def row_count(self) -> int:
        return len(self._rows.rows) if self._rows is not None else 0

    def row(self, index: int) -> str:
        """Row `index` as shown."""
        return self._rows.rows[index] if self._rows is not None else ""

    def scroll_to_end(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    # --- geometry -----------------------------------------------------------------------

    def _row_height(self) -> int:
        return max(self.fontMetrics().lineSpacing(), 1)

    def _gutter(self) -> int:
        return self.fontMetrics().horizontalAdvance("↪ ")

    def _visible_rows(self) -> int:
        return max(self.viewport().height() // self._row_height(), 1)

    def _update_scrollbars(self) -> None:
        count = self.row_count()
        visible = self._visible_rows()
        bar = self.verticalScrollBar()
        bar.setRange(0, max(count - visible, 0))
        bar.setPageStep(visible)
        bar.setSingleStep(1)
        widest = self._rows.widest if self._rows is not None else 0
        full = self._gutter() + widest * self.fontMetrics().horizontalAdvance("M") + 8
        hbar = self.horizontalScrollBar()
        hbar.setRange(0, max(full - self.viewport().width(), 0))
        hbar.setPageStep(self.viewport().width())
        hbar.setSingleStep(self.fontMetrics().horizontalAdvance("M") * 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()

    def _row_at(self, y: int) -> int:
        row = self.verticalScrollBar().value() + y // self._row_height()
        return min(max(row, 0), self.row_count() - 1)

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        painter.fillRect(self.viewport().rect(), palette.color(QPalette.ColorRole.Base))
        metrics = self.fontMetrics()
        if self._rows is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(8, metrics.ascent() + 4, self.placeholder)
            return
        height = self._row_height()
        first = self.verticalScrollBar().value()
        last = min(first + self._visible_rows() + 1, self.row_count())
        left = -self.horizontalScrollBar().value()
        gutter = self._gutter()
        low, high = sorted((self._anchor, self._current))
        text_pen = palette.color(QPalette.ColorRole.Text)
        dim = palette.color(QPalette.ColorRole.PlaceholderText)
        width = self.viewport().width()
        for index in range(first, last):
            y = (index - first) * height
            selected = low <= index <= high and low >= 0
            if selected:
                painter.fillRect(0, y, width, height, palette.color(QPalette.ColorRole.Highlight))
            if self._rows.continued[index]:
                painter.setPen(dim)
                painter.drawText(left, y + metrics.ascent(), "↪")
            painter.setPen(
                palette.color(QPalette.ColorRole.HighlightedText) if selected else text_pen
            )
            painter.drawText(left + gutter, y + metrics.ascent(), self._rows.rows[index])

    # --- selection ----------------------------------------------------------------------

    def selected_text(self) -> str:
        """The selected rows, each line whole as shown (the whole text when all is)."""
        if self._rows is None or self._anchor < 0:
            return ""
        low, high = sorted((self._anchor, self._current))
        if low == 0 and high == self.row_count() - 1:
            return self._rows.text
        out: list[str] = []
        for index in range(low, high + 1):
            if out and not self._rows.continued[index]:
                out.append("\n")
            out.append(self._rows.rows[index])
        return "".join(out)

    def select_all(self) -> None:
        if self.row_count():
            self._anchor, self._current = 0, self.row_count() - 1
            self.viewport().update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._rows is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        row = self._row_at(int(event.position().y()))
        if not (event.modifiers() & Qt.KeyboardModifier.ShiftModifier) or self._anchor < 0:
            self._anchor = row
        self._current = row
        self.viewport().update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._rows is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            super().mouseMoveEvent(event)
            return
        y = int(event.position().y())
        bar = self.verticalScrollBar()
        if y < 0:
            bar.setValue(bar.value() - 1)
        elif y > self.viewport().height():
            bar.setValue(bar.value() + 1)
        self._current = self._row_at(y)
        self.viewport().update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif event.matches(QKeySequence.StandardKey.Copy):
            text = self.selected_text()
            if text:
                QGuiApplication.clipboard().setText(text)
        elif event.key() == Qt.Key.Key_Home:
            self.verticalScrollBar().setValue(0)
        elif event.key() == Qt.Key.Key_End:
            self.scroll_to_end()
        else:
            super().keyPressEvent(event)


class RawAnswerDialog(QDialog):
    """The whole raw answer of one send, its rows folded already (on the send's worker)."""

    def __init__(
        self,
        title: str,
        rows: Rows,
        save: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rawAnswerDialog")
        self.setWindowTitle(title)
        self.view = RawAnswerView(self)
        folded = sum(rows.continued)
        note = f" · {folded:,} rows go on a long line (↪, lines fold at {FOLD})" if folded else ""
        self.about = QLabel(f"{len(rows.text):,} characters · {len(rows.rows):,} rows{note}", self)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        copy_all = QPushButton("Copy &all", self)
        copy_all.setToolTip("Copy the whole raw answer (the secrets stay masked)")
        copy_all.clicked.connect(lambda: QGuiApplication.clipboard().setText(rows.text))
        save_button = QPushButton("&Save…", self)
        save_button.setToolTip("Save the whole raw answer to a file (the secrets stay masked)")
        save_button.clicked.connect(lambda: save(rows.text))
        close = QPushButton("Close", self)
        close.setDefault(True)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(copy_all)
        buttons.addWidget(save_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(760, 520)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view.set_rows(rows)

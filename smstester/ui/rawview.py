"""The raw-answer viewer: a whole answer of megabytes, shown without stalling the window.

Qt's text widgets lay out every paragraph they hold: a QPlainTextEdit took 2.1 s to take a
4 MiB answer on one line, and 0.4 s just to adopt a document of 420,000 short lines built on
a worker. `RawAnswerView` paints only the rows on screen, from rows that `fold` prepares on
the send's worker (logview.prepare_entry), so showing any answer costs the same few
milliseconds:

- a line longer than FOLD characters goes on over the next rows, each marked `↪`;
- control characters, bidi marks and lone surrogates are shown as escapes (`\\x1b`,
  `\\u202e`, as the command line shows them), never obeyed; a tab is four spaces;
- rows are selected whole (click, Shift+click, drag, arrow keys, Ctrl+A); *Copy* (Ctrl+C,
  the button, the context menu) takes the selection, or else the line under the cursor;
  *Copy all* and *Save…* take the whole text as shown (masked);
- a JSON body is shown pretty-printed (`pretty_json`: only the space between tokens
  changes, every string and number stays as it came); *Show as received* puts the
  original back. A large answer's pretty rows are made on a worker, the answer as
  received shown meanwhile.

`fold` works through the text a slice at a time: each call into C stays short, so the UI
thread is never kept waiting for Python's GIL while a worker folds megabytes.
"""

from __future__ import annotations

import re
import time
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
    from PySide6.QtGui import (
        QCloseEvent,
        QContextMenuEvent,
        QKeyEvent,
        QMouseEvent,
        QPaintEvent,
        QResizeEvent,
    )
    from PySide6.QtWidgets import QMenu

    from smstester.ui.tasks import TaskRunner

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
        time.sleep(0)  # lets the GIL go between slices: the UI thread takes it at once
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


# --- JSON, pretty-printed --------------------------------------------------------------

#: Characters `pretty_json` reads per step; after each it lets the GIL go (see there).
_PRETTY_SLICE: Final = 1 << 12
#: Deeper than this, an answer is shown as received: its indentation alone would outgrow it.
MAX_PRETTY_DEPTH: Final = 64
_INDENT: Final = "  "
#: A token: a string without escapes, a punctuation mark, a number or literal (checked by
#: _SCALAR), space, or any other character (the quote of a string with escapes, or junk).
_TOKEN: Final = re.compile(r'"[^"\\]*"|[{}\[\],:]|[-+.0-9a-zA-Z]+|[ \t\r\n]+|.', re.DOTALL)
_SCALAR: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
_ESCAPED: Final = frozenset('"\\/bfnrtu')
_WORD: Final = re.compile(r"[-+.0-9a-zA-Z]+")
#: A number or literal longer than this is no JSON an answer holds.
_MAX_WORD: Final = 4096


class _NotJson(Exception):
    pass


def pretty_json(text: str, stop: Callable[[], bool] | None = None) -> str | None:
    """`text` indented by two spaces a level, when it is one JSON object or array; None
    when it is not (or nested deeper than MAX_PRETTY_DEPTH, or `stop()` said so).

    Only the space between tokens changes: every string and number is kept exactly as it
    came, escapes included, so what masking hid stays hidden and nothing is decoded. The
    text is read a slice at a time (a long string is found with `str.find`): a worker
    running this never keeps the UI thread waiting for the GIL for long."""
    try:
        return _pretty(text, stop)
    except _NotJson:
        return None


def _pretty(text: str, stop: Callable[[], bool] | None) -> str | None:
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if start == len(text) or text[start] not in "{[":
        return None
    end = len(text.rstrip(" \t\r\n"))
    out: list[str] = []
    append = out.append
    done_pieces: list[str] = []
    breaks = ["\n" + _INDENT * depth for depth in range(MAX_PRETTY_DEPTH + 2)]
    closers: list[str] = []  # what closes each open container
    # What may come next: "v" a value, "k" a key, ":" a colon, "," a comma or a closer;
    # "v]" and "k}" the closer too (an empty container).
    want = "v"
    scalar = _SCALAR.fullmatch
    pos = start
    done = False
    while not done:
        if pos >= end:
            raise _NotJson  # ended inside a container
        if stop is not None and stop():
            return None
        # Hand the GIL over now and then: a worker busy with a million small tokens would
        # otherwise keep the UI thread waiting for it for whole scheduler slices on a busy
        # machine (measured on 2 loaded cores: timer gaps of 70-100 ms, 10 ms with this).
        time.sleep(0)
        if len(out) > 4096:
            # Joined a slice at a time: one join (or one free) of a million pieces would
            # hold the GIL for tens of milliseconds. The last piece may yet be taken back.
            done_pieces.append("".join(out[:-1]))
            del out[:-1]
        limit = min(pos + _PRETTY_SLICE, end)
        resume = limit
        for token in _TOKEN.finditer(text, pos, limit):
            word = token.group()
            first = word[0]
            if first == '"':
                if len(word) == 1 or (token.end() == limit and limit < end):
                    resume = token.start()  # escapes, or cut by the slice: read on below
                    break
                if want == "k" or want == "k}":
                    want = ":"
                elif want == "v" or want == "v]":
                    want = ","
                else:
                    raise _NotJson
                append(word)
            elif first == ",":
                if want != ",":
                    raise _NotJson
                append("," + breaks[len(closers)])
                want = "k" if closers[-1] == "}" else "v"
            elif first == ":":
                if want != ":":
                    raise _NotJson
                append(": ")
                want = "v"
            elif first == "{" or first == "[":
                if want != "v" and want != "v]":
                    raise _NotJson
                if len(closers) == MAX_PRETTY_DEPTH:
                    return None
                closers.append("}" if first == "{" else "]")
                append(first)
                append(breaks[len(closers)])
                want = "k}" if first == "{" else "v]"
            elif first == "}" or first == "]":
                if not closers or first != closers[-1]:
                    raise _NotJson
                if want == ",":
                    append(breaks[len(closers) - 1])
                elif want == "k}" or want == "v]":
                    out.pop()  # empty: "{}" and "[]" stay on one line
                else:
                    raise _NotJson
                closers.pop()
                append(first)
                want = ","
                if not closers:
                    done = True
                    resume = token.end()
                    break
            elif first in " \t\r\n":
                continue
            else:
                if token.end() == limit and limit < end:
                    resume = token.start()  # perhaps cut by the slice: read on below
                    break
                if (want != "v" and want != "v]") or scalar(word) is None:
                    raise _NotJson
                append(word)
                want = ","
        pos = resume
        if done or pos >= limit:
            continue
        # Stopped at a string with escapes, or at a token the slice may have cut.
        if text[pos] == '"':
            close = _string_end(text, pos)
            if want == "k" or want == "k}":
                want = ":"
            elif want == "v" or want == "v]":
                want = ","
            else:
                raise _NotJson
            append(text[pos:close])
            pos = close
        else:
            run = _WORD.match(text, pos, min(pos + _MAX_WORD, end))
            if run is None or run.end() == pos + _MAX_WORD:
                raise _NotJson  # not a token, or thousands of digits: no answer's JSON
            if (want != "v" and want != "v]") or scalar(run.group()) is None:
                raise _NotJson
            append(run.group())
            want = ","
            pos = run.end()
    if pos != end:
        raise _NotJson  # something after the closing bracket
    done_pieces.append("".join(out))
    return "".join(done_pieces)


def _string_end(text: str, begin: int) -> int:
    """Where the JSON string opening at `begin` ends (just past its closing quote)."""
    pos = begin + 1
    while True:
        quote = text.find('"', pos)
        if quote < 0:
            raise _NotJson
        escape = text.find("\\", pos, quote)
        if escape < 0:
            return quote + 1
        if text[escape + 1 : escape + 2] not in _ESCAPED:
            raise _NotJson
        pos = escape + 2


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
        #: True while the rows to show are still being made (see `is_loaded`).
        self.pending = False

    # --- content ------------------------------------------------------------------------

    def set_rows(self, rows: Rows) -> None:
        self._rows = rows
        self._anchor = self._current = -1
        self._update_scrollbars()
        self.viewport().update()

    def rows_shown(self) -> Rows | None:
        """The rows the view holds."""
        return self._rows

    def is_loaded(self) -> bool:
        """True once the view holds the rows it is to show (not while `pending`)."""
        return self._rows is not None and not self.pending

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

    def line_of(self, index: int) -> str:
        """The whole line row `index` is part of, as shown (a folded line's rows joined)."""
        if self._rows is None or not 0 <= index < self.row_count():
            return ""
        continued = self._rows.continued
        first = index
        while first > 0 and continued[first]:
            first -= 1
        last = index
        while last + 1 < len(continued) and continued[last + 1]:
            last += 1
        return "".join(self._rows.rows[first : last + 1])

    def copy_text(self, row: int | None = None) -> str:
        """What *Copy* takes: the selection, or else the line of `row` (the row under the
        mouse, or the cursor's row)."""
        if self._anchor >= 0:
            return self.selected_text()
        return self.line_of(self._current if row is None else row)

    def copy(self, row: int | None = None) -> None:
        """Put `copy_text(row)` in the clipboard (nothing when there is nothing to copy)."""
        text = self.copy_text(row)
        if text:
            QGuiApplication.clipboard().setText(text)

    def row_at(self, y: int) -> int:
        """The row at height `y` of the viewport (-1 when there is no row)."""
        return self._row_at(y) if self.row_count() else -1

    def menu_at(self, y: int) -> QMenu:
        """The context menu for a right-click at height `y`: Copy (the selection, or the
        row clicked), Copy all, Select all."""
        from PySide6.QtWidgets import QMenu

        row = self.row_at(y)
        menu = QMenu(self)
        copy = menu.addAction("&Copy", lambda: self.copy(row))
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setEnabled(bool(self.copy_text(row)))
        copy_all = menu.addAction(
            "Copy &all", lambda: QGuiApplication.clipboard().setText(self.text())
        )
        copy_all.setEnabled(self._rows is not None)
        menu.addSeparator()
        select = menu.addAction("Select &all", self.select_all)
        select.setShortcut(QKeySequence(QKeySequence.StandardKey.SelectAll))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.menu_at(self.viewport().mapFrom(self, event.pos()).y())
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def _move_cursor(self, to: int, extend: bool) -> None:
        """Put the cursor on row `to` (selecting it, or extending the selection)."""
        if not self.row_count():
            return
        to = min(max(to, 0), self.row_count() - 1)
        if not extend or self._anchor < 0:
            self._anchor = to
        self._current = to
        bar = self.verticalScrollBar()
        if to < bar.value():
            bar.setValue(to)
        elif to >= bar.value() + self._visible_rows():
            bar.setValue(to - self._visible_rows() + 1)
        self.viewport().update()

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
            self.copy()
        elif event.key() in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
        ):
            step = {
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_PageUp: -self._visible_rows(),
                Qt.Key.Key_PageDown: self._visible_rows(),
            }[Qt.Key(event.key())]
            start = self._current if self._current >= 0 else self.verticalScrollBar().value() - 1
            extend = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._move_cursor(start + step, extend)
        elif event.key() == Qt.Key.Key_Home:
            self.verticalScrollBar().setValue(0)
        elif event.key() == Qt.Key.Key_End:
            self.scroll_to_end()
        else:
            super().keyPressEvent(event)


def split_head(text: str) -> tuple[str, str]:
    """The status line and headers (with the blank line after them) and the body of a raw
    answer as `core.report.raw_answer_text` writes it."""
    cut = text.find("\n\n")
    return (text[: cut + 2], text[cut + 2 :]) if cut >= 0 else ("", text)


def pretty_rows(text: str, stop: Callable[[], bool] | None = None) -> Rows | None:
    """The rows of `text` with its body pretty-printed (`pretty_json`), or None when the
    body is not JSON or looks the same either way. Pure Python with no Qt: for a worker."""
    head, body = split_head(text)
    pretty = pretty_json(body, stop)
    if pretty is None or pretty == body:
        return None
    return fold(head + pretty)


class RawAnswerDialog(QDialog):
    """The whole raw answer of one send, its rows folded already (on the send's worker).

    A JSON body is shown pretty-printed, made on a worker for a large answer (the answer
    as received is shown meanwhile); *Show as received* puts the original back. *Copy*
    takes the selection or the row under the cursor; *Copy all* and *Save…* take the
    whole text as shown. Everything in it was masked before it came here."""

    #: Up to this many characters the pretty rows are made at once, on the UI thread (a few
    #: milliseconds); a larger answer's on a worker.
    AT_ONCE: Final = 16_384

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
        self.received = rows
        #: The rows with the body pretty-printed, once made (None: not JSON, or not yet).
        self.pretty: Rows | None = None
        self._closed = False
        self._tasks: TaskRunner | None = None
        self.view = RawAnswerView(self)
        self.about = QLabel(self)
        self.about.setObjectName("rawAnswerAbout")
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        # A checkable button, not a QCheckBox: the dialog's first open builds no more
        # Qt classes than it did (PySide6 builds each one on first use, milliseconds each).
        self.as_received = QPushButton("Show as &received", self)
        self.as_received.setCheckable(True)
        self.as_received.setObjectName("showAsReceivedButton")
        self.as_received.setToolTip(
            "Show the answer exactly as it came, instead of its JSON pretty-printed"
        )
        self.as_received.setEnabled(False)
        self.as_received.toggled.connect(self._show)
        copy = QPushButton("&Copy", self)
        copy.setObjectName("copyRawButton")
        copy.setToolTip("Copy the selected rows, or the row under the cursor")
        copy.clicked.connect(lambda: self.view.copy())
        copy_all = QPushButton("Copy &all", self)
        copy_all.setToolTip("Copy the whole raw answer as shown (the secrets stay masked)")
        copy_all.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.view.text()))
        save_button = QPushButton("&Save…", self)
        save_button.setToolTip("Save the whole raw answer as shown (the secrets stay masked)")
        save_button.clicked.connect(lambda: save(self.view.text()))
        close = QPushButton("Close", self)
        close.setDefault(True)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.as_received)
        buttons.addStretch(1)
        buttons.addWidget(copy)
        buttons.addWidget(copy_all)
        buttons.addWidget(save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(760, 520)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._start_pretty()

    def _start_pretty(self) -> None:
        text = self.received.text
        body = split_head(text)[1]
        if not body.lstrip(" \t\r\n").startswith(("{", "[")):
            self._pretty_made(None)  # not JSON: nothing to make
            return
        if len(text) <= self.AT_ONCE:
            self._pretty_made(pretty_rows(text))
            return
        from smstester.ui.tasks import TaskRunner, gc_paused

        self.view.pending = True
        self._show()  # the answer as received, until the pretty rows are made
        self._tasks = TaskRunner(self)

        def work() -> Rows | None:
            with gc_paused():
                return pretty_rows(text, stop=lambda: self._closed)

        self._tasks.start(
            work,
            result=self._pretty_made,
            failed=lambda _error: self._pretty_made(None),
        )

    def _pretty_made(self, pretty: Rows | None) -> None:
        if self._closed:
            return
        self.pretty = pretty
        self.view.pending = False
        self.as_received.setEnabled(pretty is not None)
        if pretty is None:
            self.as_received.setToolTip("The answer is not JSON: it is shown as received")
        self._show()

    def _show(self) -> None:
        """Show the pretty rows, or the answer as received (toggled, or not JSON)."""
        pretty = self.pretty is not None and not self.as_received.isChecked()
        rows = self.pretty if pretty and self.pretty is not None else self.received
        if rows is not self.view.rows_shown():
            self.view.set_rows(rows)
        folded = rows.continued.count(1)  # one call into C, for a million rows too
        how = (
            "JSON, pretty-printed"
            if pretty
            else ("formatting the JSON…" if self.view.pending else "as received")
        )
        note = f" · {folded:,} rows go on a long line (↪, lines fold at {FOLD})" if folded else ""
        self.about.setText(f"{len(rows.text):,} characters · {len(rows.rows):,} rows · {how}{note}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True  # a pretty-print still running stops at its next slice
        if self._tasks is not None:
            self._tasks.close(0)
        super().closeEvent(event)

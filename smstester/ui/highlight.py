"""Marks, in the message box, the characters that force the SMS into UCS-2."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from smstester.core.segments import GSM7_CHARS


def culprit_runs(text: str) -> list[tuple[int, int]]:
    """(start, length) in UTF-16 units, as Qt counts, of each run of non-GSM-7 characters."""
    runs: list[tuple[int, int]] = []
    position = 0
    start = -1
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if ch in GSM7_CHARS:
            if start >= 0:
                runs.append((start, position - start))
                start = -1
        elif start < 0:
            start = position
        position += width
    if start >= 0:
        runs.append((start, position - start))
    return runs


class CulpritHighlighter(QSyntaxHighlighter):
    """Qt re-highlights only the paragraph being edited, so typing stays cheap however
    many culprits a long message holds."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.mark = QTextCharFormat()
        self.mark.setBackground(QColor(255, 170, 0, 90))
        self.mark.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.mark.setUnderlineColor(QColor("#d97706"))

    def highlightBlock(self, text: str) -> None:
        for start, length in culprit_runs(text):
            self.setFormat(start, length, self.mark)

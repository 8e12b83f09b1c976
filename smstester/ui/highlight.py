"""Marks, in the message box, the characters that force the SMS into UCS-2."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from smstester.core.segments import culprit_runs


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

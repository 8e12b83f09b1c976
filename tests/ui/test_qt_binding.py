"""The Qt binding itself must survive a long session of typing."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal from Python 3.12 (PEP 683): its count cannot fall",
)


def test_calls_that_return_nothing_keep_none_alive(qtbot: QtBot) -> None:
    # PySide6 6.12.0 drops a reference to None on each such call; on CPython 3.11 the
    # process aborts once None's count reaches zero (a few hundred keystrokes in the form).
    edit = QLineEdit()
    qtbot.addWidget(edit)
    before = sys.getrefcount(None)
    for index in range(500):
        edit.setText(str(index))
    assert sys.getrefcount(None) >= before - 50

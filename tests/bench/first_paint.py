"""Run `smstester ARGS…` and note when its window first paints.

Run: ``python tests/bench/first_paint.py FILE -- ARGS…``: writes ``time.monotonic()`` (a
clock every process on the machine shares) into FILE at the main window's first paint,
then goes on as ``smstester ARGS…`` would. `--screenshot` saves its PNG later, once the
keyring check is done (so that it shows the banner); start-up is the time to the first
paint, measured the same way for the bare window (`bare_window.py --painted FILE`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    painted, rest = Path(sys.argv[1]), sys.argv[3:]
    from smstester.cli import main as smstester
    from smstester.ui.window import MainWindow

    base = MainWindow.paintEvent

    def paint(self: MainWindow, event: Any) -> None:
        if not painted.exists():
            painted.write_text(repr(time.monotonic()))
        base(self, event)

    MainWindow.paintEvent = paint  # type: ignore[method-assign]
    return smstester(rest)


if __name__ == "__main__":
    sys.exit(main())

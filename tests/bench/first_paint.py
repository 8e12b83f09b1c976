"""Run `smstester ARGS…` and note when its window first paints.

Run: ``python tests/bench/first_paint.py FILE -- ARGS…``: writes ``time.monotonic()`` (a
clock every process on the machine shares) into FILE at the main window's first paint, and
the process's peak resident memory so far (KiB) into FILE.kib, then goes on as
``smstester ARGS…`` would. `--screenshot` saves its PNG later, once the
keyring check is done (so that it shows the banner); start-up is the time to the first
paint, measured the same way for the bare window (`bare_window.py --painted FILE`).

The window's module is not imported here: the paint is watched from the moment smstester
itself imports it, so the program starts exactly as `smstester ARGS…` does (its own order
of imports, with the garbage collector off while it imports Qt). Importing the window
first, as this script once did, cost some 20 ms that the program does not pay.
"""

from __future__ import annotations

import importlib.machinery
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

WINDOW = "smstester.ui.window"


class _WatchPaint:
    """Finds the window's module as usual; once it is run, wraps MainWindow.paintEvent.
    (A meta path finder by its `find_spec`: importlib.abc would load some 10 ms of modules
    that smstester does not.)"""

    def __init__(self, painted: Path) -> None:
        self.painted = painted

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != WINDOW:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return spec
        loader: Any = spec.loader
        run = loader.exec_module
        painted = self.painted

        def exec_module(module: ModuleType) -> None:
            run(module)
            window = module.MainWindow
            base = window.paintEvent

            def paint(self: Any, event: Any) -> None:
                if not painted.exists():
                    now = time.monotonic()
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    Path(f"{painted}.kib").write_text(str(peak))
                    painted.write_text(repr(now))
                base(self, event)

            window.paintEvent = paint

        loader.exec_module = exec_module
        return spec


def main() -> int:
    painted, rest = Path(sys.argv[1]), sys.argv[3:]
    sys.meta_path.insert(0, _WatchPaint(painted))
    from smstester.cli import main as smstester

    return smstester(rest)


if __name__ == "__main__":
    sys.exit(main())

"""Thin Qt views over the core. `build_window(argv)` is what tests and the CLI use.

Importing the package loads no Qt: `smstester.ui.options` (the window's flags, read by the
command line) is Qt-free, and `build_window` is imported from `app` when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smstester.ui.app import build_window

__all__ = ["build_window"]


def __getattr__(name: str) -> Any:
    if name == "build_window":
        from smstester.ui.app import build_window

        return build_window
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

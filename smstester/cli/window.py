"""The window's own options: declared in `smstester.ui.options` (re-exported here)."""

from smstester.ui.options import (
    WindowOptions,
    add_window_options,
    read_window_argv,
    window_options,
)

__all__ = ["WindowOptions", "add_window_options", "read_window_argv", "window_options"]

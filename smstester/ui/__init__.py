"""Thin Qt views over the core. `build_window(argv)` is what tests and the CLI use."""

from smstester.ui.app import build_window

__all__ = ["build_window"]

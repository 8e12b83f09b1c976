"""Where the packaged resources (icon, style) are, in a wheel or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def resource_path(name: str) -> Path:
    """Path of `name` in resources/ (wheel: smstester/resources; checkout: ./resources)."""
    for folder in (_PACKAGE / "resources", _PACKAGE.parent / "resources"):
        candidate = folder / name
        if candidate.exists():
            return candidate
    return _PACKAGE / "resources" / name

"""Shared fixtures. Every test runs offscreen with its own config folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _own_config_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """No test ever reads or writes the real user's profiles or settings."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("SMSTESTER_CONFIG_DIR", str(folder))
    for name in ("SMSTESTER_AUTH_KEY", "SMSTESTER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    yield folder

"""Shared fixtures. Every test runs offscreen with its own config folder and keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from support import MemoryKeyring

from smstester.core.keystore import SecretStore
from smstester.core.profiles import ProfileStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def config_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test ever reads or writes the real user's profiles or settings."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("SMSTESTER_CONFIG_DIR", str(folder))
    for name in ("SMSTESTER_AUTH_KEY", "SMSTESTER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    # Subprocesses get no keyring unless a test gives them one (the real-keyring tests do).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return folder


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """In this process, the keyring is an in-memory one."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# -- a profile store and a secret store in a test's own folder ---------------------------


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "profiles.json"


@pytest.fixture
def store(path: Path) -> ProfileStore:
    return ProfileStore(path)


@pytest.fixture
def backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keys(backend: MemoryKeyring) -> SecretStore:
    return SecretStore(backend)

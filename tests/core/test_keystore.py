"""The secret store: secrets by profile id in the OS keyring; in memory only when there
is no usable one."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked
from support import AUTH_KEY, TOKEN, MemoryKeyring

from smstester.core.keystore import SERVICE, SecretStore, entry_name


class LockedKeyring(MemoryKeyring):
    """Looks fine until it is used; then it is locked (a collection nobody unlocked)."""

    locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        super().set_password(service, username, password)


class WeakKeyring(MemoryKeyring):
    priority = 0.5


class AltPlaintext(MemoryKeyring):
    __module__ = "keyrings.alt.file"
    priority = 5


# -- the secret store ------------------------------------------------------------------------


def test_secret_store_keys_by_profile_id_and_field(
    keys: SecretStore, backend: MemoryKeyring
) -> None:
    status = keys.status()
    assert status.available and status.backend
    assert keys.set("abc", "auth_key", AUTH_KEY) is True
    assert keys.set("abc", "password", TOKEN) is True
    assert backend.entries == {
        (SERVICE, "abc/auth_key"): AUTH_KEY,
        (SERVICE, "abc/password"): TOKEN,
    }
    assert entry_name("abc", "auth_key") == "abc/auth_key"
    assert keys.get("abc", "auth_key") == AUTH_KEY
    assert keys.stored_fields("abc") == ("auth_key", "password")
    assert keys.set("abc", "password", "")  # empty deletes
    assert keys.stored_fields("abc") == ("auth_key",)
    with pytest.raises(ValueError, match="not a secret field"):
        keys.get("abc", "username")


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (fail.Keyring(), "no keyring was found"),
        (WeakKeyring(), "not recommended"),
        (AltPlaintext(), "in a file"),
    ],
)
def test_no_usable_keyring_means_memory_only(
    backend: KeyringBackend, words: str, tmp_path: Path
) -> None:
    keys = SecretStore(backend)
    status = keys.status()
    assert not status.available
    assert words in status.reason
    assert "never written to a file" in status.message
    assert keys.set("abc", "auth_key", AUTH_KEY) is False
    assert keys.get("abc", "auth_key") == AUTH_KEY  # for this session
    assert keys.stored_fields("abc") is None
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {}
    assert not any(AUTH_KEY.encode() in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())


def test_chain_uses_only_its_secure_member() -> None:
    weak, good = WeakKeyring(), MemoryKeyring()

    class Chain(ChainerBackend):
        viable = False
        backends = [weak, good]  # noqa: RUF012

    keys = SecretStore(Chain())
    assert keys.set("abc", "auth_key", AUTH_KEY)
    assert good.entries and not weak.entries

    class EmptyChain(ChainerBackend):
        viable = False
        backends = [weak]  # noqa: RUF012

    assert not SecretStore(EmptyChain()).status().available


def test_keyring_that_fails_at_call_time_falls_back_to_memory() -> None:
    backend = LockedKeyring()
    keys = SecretStore(backend)
    assert keys.status().available
    backend.locked = True
    assert keys.set("abc", "auth_key", AUTH_KEY) is False
    status = keys.status()
    assert not status.available and "locked" in status.reason
    assert keys.get("abc", "auth_key") == AUTH_KEY
    assert backend.entries == {}

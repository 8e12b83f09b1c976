"""The two secrets of each profile (Auth-Key, Auth Token) in the OS keyring, never in a file.

Where they live: in the platform's keyring, through the `keyring` package: the Secret Service
on Linux (GNOME Keyring, KWallet), the login Keychain on macOS, the Credential Manager on
Windows. Each secret is one entry with the service name ``smstester`` and the user name
``{profile id}/{field}``, for example ``3f2c0d9e…/auth_key`` and ``3f2c0d9e…/password``. The
profile id never changes, so renaming a profile keeps its secrets and deleting it removes them.

When no usable keyring exists (none installed or running, only a plaintext or otherwise
insecure backend, a locked collection, any keyring or D-Bus error at call time), `SecretStore`
says so in `status()` and keeps the secrets of this session in memory only. It never falls
back to a file.

Every method may block for a while (D-Bus round trips, a keychain unlock prompt): callers must
not call them on a UI thread; the window runs them on a worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from smstester.core.fields import LABELS, SECRET_FIELDS

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

#: The keyring service name of every smstester entry.
SERVICE: Final = "smstester"

_FRIENDLY: Final[dict[str, str]] = {
    "keyring.backends.SecretService": "the Secret Service (GNOME Keyring or KWallet)",
    "keyring.backends.libsecret": "the Secret Service (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "the macOS Keychain",
    "keyring.backends.Windows": "the Windows Credential Manager",
}

_NO_KEYRING: Final = (
    "no keyring was found (no Secret Service such as GNOME Keyring or KWallet is running, "
    "and no Keychain or Credential Manager exists here)"
)


def entry_name(profile_id: str, field: str) -> str:
    """The keyring user name of one secret of one profile: ``{profile_id}/{field}``."""
    return f"{profile_id}/{field}"


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether secrets go to the OS keyring, and why not when they do not, in plain words."""

    available: bool
    #: Which keyring ("the Secret Service (GNOME Keyring or KWallet)"), or "" when none.
    backend: str
    #: Why secrets cannot be stored ("no keyring was found (…)"), or where they are kept.
    reason: str

    @property
    def message(self) -> str:
        """One or two sentences for the window's banner."""
        if self.available:
            return f"Secrets are kept in {self.backend}."
        return (
            f"Secrets cannot be saved: {self.reason}. They are kept in memory for this "
            "session only and never written to a file."
        )


def _friendly_name(backend: KeyringBackend) -> str:
    module = type(backend).__module__
    for prefix, name in _FRIENDLY.items():
        if module.startswith(prefix):
            return name
    return f"the {type(backend).__name__} keyring ({module})"


def _unusable_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` must not hold secrets, or None when it may."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        return _NO_KEYRING  # only reached when the chain holds nothing secure (see _pick)
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return _NO_KEYRING
    if module.startswith("keyrings.alt") or "plaintext" in type(backend).__name__.lower():
        return f"the only keyring found ({module}) keeps secrets in a file, not encrypted"
    try:
        priority = float(backend.priority)
    except Exception as exc:  # a backend says "not here" by raising from `priority`
        return f"{_friendly_name(backend)} cannot be used ({exc or type(exc).__name__})"
    if priority < 1:
        return (
            f"the only keyring found ({module}) is not recommended for secrets "
            f"(priority {priority:g})"
        )
    return None


def _pick(backend: KeyringBackend) -> KeyringBackend:
    """The backend to use: a chain is unwrapped to its best secure member, so that a failing
    secure keyring can never fall through to an insecure one."""
    from keyring.backends.chainer import ChainerBackend

    if not isinstance(backend, ChainerBackend):
        return backend
    secure = [b for b in backend.backends if _unusable_reason(b) is None]
    return max(secure, key=lambda b: float(b.priority)) if secure else backend


def _describe(exc: BaseException) -> str:
    from keyring.errors import InitError, KeyringLocked, NoKeyringError

    text = str(exc).strip().rstrip(".") or type(exc).__name__
    if isinstance(exc, KeyringLocked) or "lock" in text.lower():
        return f"the keyring is locked and could not be unlocked ({text})"
    if isinstance(exc, NoKeyringError):
        return _NO_KEYRING
    if isinstance(exc, InitError):
        return f"the keyring could not be opened ({text})"
    return f"the keyring failed ({text})"


class SecretStore:
    """Secrets per profile id, in the OS keyring or, when there is none, in memory.

    `backend` is for tests (an in-memory `keyring.backend.KeyringBackend`); by default the
    one `keyring` picks for this platform is used. Thread-safe. Every call may block: run it
    on a worker thread, never on the UI thread.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._given = backend
        self._lock = threading.RLock()
        self._backend: KeyringBackend | None = None
        self._status: KeyringStatus | None = None
        self._memory: dict[tuple[str, str], str] = {}

    # -- state --------------------------------------------------------------------------

    def status(self) -> KeyringStatus:
        """Whether secrets reach the OS keyring. The first call looks for one (slow)."""
        with self._lock:
            if self._status is None:
                self._status = self._probe()
            return self._status

    @property
    def available(self) -> bool:
        """True when secrets are stored in the OS keyring (see `status`)."""
        return self.status().available

    def _probe(self) -> KeyringStatus:
        try:
            backend = self._given
            if backend is None:
                import keyring

                backend = keyring.get_keyring()
            backend = _pick(backend)
        except Exception as exc:
            return self._unavailable(_describe(exc))
        reason = _unusable_reason(backend)
        if reason is not None:
            return self._unavailable(reason)
        try:
            # A read of an entry that does not exist finds a missing service, a locked
            # collection or a broken bus now rather than at the first real save.
            backend.get_password(SERVICE, entry_name("probe", "none"))
        except Exception as exc:
            return self._unavailable(_describe(exc))
        self._backend = backend
        name = _friendly_name(backend)
        return KeyringStatus(True, name, f"secrets are kept in {name}")

    def _unavailable(self, why: str) -> KeyringStatus:
        self._backend = None
        return KeyringStatus(False, "", why)

    def _fail(self, exc: BaseException) -> None:
        """A call failed: from now on this session keeps secrets in memory."""
        self._status = self._unavailable(_describe(exc))

    # -- secrets ------------------------------------------------------------------------

    def get(self, profile_id: str, field: str) -> str | None:
        """The secret `field` ("auth_key" or "password") of a profile, or None."""
        _check_field(field)
        with self._lock:
            if self.status().available and self._backend is not None:
                try:
                    value = self._backend.get_password(SERVICE, entry_name(profile_id, field))
                except Exception as exc:
                    self._fail(exc)
                else:
                    return value if value else None
            return self._memory.get((profile_id, field))

    def get_all(self, profile_id: str) -> dict[str, str]:
        """Both secrets of a profile that are known, by field name."""
        found = {field: self.get(profile_id, field) for field in SECRET_FIELDS}
        return {field: value for field, value in found.items() if value}

    def stored_fields(self, profile_id: str) -> tuple[str, ...] | None:
        """Which secrets the keyring holds for a profile; None when there is no keyring."""
        found = self.get_all(profile_id)
        if not self.status().available:
            return None
        return tuple(field for field in SECRET_FIELDS if field in found)

    def set(self, profile_id: str, field: str, value: str) -> bool:
        """Store one secret ("" deletes it). True when it reached the OS keyring; False when
        it is kept in memory for this session only (see `status` for why)."""
        _check_field(field)
        if not value:
            return self.delete(profile_id, field)
        with self._lock:
            if self.status().available and self._backend is not None:
                try:
                    self._backend.set_password(SERVICE, entry_name(profile_id, field), value)
                except Exception as exc:
                    self._fail(exc)
                else:
                    self._memory.pop((profile_id, field), None)
                    return True
            self._memory[(profile_id, field)] = value
            return False

    def set_all(self, profile_id: str, secrets: dict[str, str]) -> bool:
        """Store several secrets; True when all of them reached the OS keyring."""
        results = [self.set(profile_id, field, value) for field, value in secrets.items()]
        return all(results)

    def delete(self, profile_id: str, field: str) -> bool:
        """Remove one secret. True when the keyring no longer holds it."""
        _check_field(field)
        from keyring.errors import PasswordDeleteError

        with self._lock:
            self._memory.pop((profile_id, field), None)
            if not (self.status().available and self._backend is not None):
                return False
            try:
                self._backend.delete_password(SERVICE, entry_name(profile_id, field))
            except PasswordDeleteError:
                # Most backends say "no such entry" this way: then it is gone already.
                return self._backend_lacks(profile_id, field)
            except Exception as exc:
                self._fail(exc)
                return False
            return True

    def _backend_lacks(self, profile_id: str, field: str) -> bool:
        try:
            return (
                self._backend is not None
                and self._backend.get_password(SERVICE, entry_name(profile_id, field)) is None
            )
        except Exception as exc:
            self._fail(exc)
            return False

    def delete_all(self, profile_id: str) -> bool:
        """Remove every secret of a profile (when it is deleted). True when none is left."""
        results = [self.delete(profile_id, field) for field in SECRET_FIELDS]
        return all(results)


def _check_field(field: str) -> None:
    if field not in SECRET_FIELDS:
        known = ", ".join(f"{f} ({LABELS[f]})" for f in SECRET_FIELDS)
        raise ValueError(f"{field!r} is not a secret field; the secret fields are {known}")

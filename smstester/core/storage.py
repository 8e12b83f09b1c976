"""Files smstester keeps in the user's config folder: where they live, how they are written.

Everything is JSON, written atomically: the new content goes to a temporary file in the same
folder, is flushed to disk, and replaces the old file in one step (`os.replace`). A crash or a
kill mid-save leaves either the old file or the new one, never half of one.

A file that cannot be read (broken JSON, written by a newer smstester, unreadable) is never
overwritten silently: `read_versioned_json` copies it aside as a backup first and says so in
words the user can act on.

`Settings` is the one small store for what the program remembers between runs (the last
profile, the window's geometry, the default region, ...).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

import platformdirs

APP_NAME: Final = "smstester"
#: Environment variable that overrides the config folder (tests use it).
CONFIG_DIR_ENV: Final = "SMSTESTER_CONFIG_DIR"

#: Any value JSON can carry.
JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"

ReadStatus = Literal["ok", "missing", "corrupt", "newer", "unreadable"]

#: Temporary files older than this are left over from a killed save and may go.
_STALE_TEMP_SECONDS: Final = 3600.0


def config_dir() -> Path:
    """The folder for profiles and settings: `$SMSTESTER_CONFIG_DIR`, else the platform's."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temp file + fsync + replace); the file is mode 0600.

    Raises OSError when the folder cannot be written; the old file is then untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp already makes it 0600; say so for platforms and umasks that differ.
            with contextlib.suppress(OSError):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def encode_json(data: object) -> bytes:
    """The bytes smstester writes for `data`: indented UTF-8 JSON with a final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def atomic_write_json(path: Path, data: object) -> None:
    """Write `data` as JSON to `path` atomically. The JSON is built before the file is touched."""
    atomic_write_bytes(path, encode_json(data))


def remove_stale_temps(path: Path, older_than: float = _STALE_TEMP_SECONDS) -> None:
    """Remove temporary files a killed save of `path` left behind (only old ones)."""
    try:
        candidates = list(path.parent.glob(f"{_temp_prefix(path)}*.tmp"))
    except OSError:
        return
    now = datetime.datetime.now().timestamp()
    for temp in candidates:
        with contextlib.suppress(OSError):
            if now - temp.stat().st_mtime > older_than:
                temp.unlink()


def keep_aside(path: Path, reason: str) -> Path:
    """Copy `path` to `path.REASON-YYYYMMDD-HHMMSS` (atomically) and return the copy's path.

    When an earlier backup of this reason holds the very same bytes, that one is returned
    instead of making another.
    """
    data = path.read_bytes()
    pattern = f"{path.name}.{reason}-*"
    for earlier in sorted(path.parent.glob(pattern)):
        with contextlib.suppress(OSError):
            if earlier.read_bytes() == data:
                return earlier
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.{reason}-{stamp}")
    n = 2
    while backup.exists():
        backup = path.with_name(f"{path.name}.{reason}-{stamp}-{n}")
        n += 1
    atomic_write_bytes(backup, data)
    return backup


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What `read_versioned_json` found.

    `data` is the top-level object when it could be used (`ok`, and `newer` when it still
    looks like a dict), else None. `writable` is False when saving would destroy something
    this version does not understand. `warning` is a sentence for the user, or None.
    """

    status: ReadStatus
    data: dict[str, Any] | None
    version: int | None = None
    backup: Path | None = None
    warning: str | None = None

    @property
    def writable(self) -> bool:
        return self.status in ("ok", "missing", "corrupt")


def read_versioned_json(path: Path, *, supported: int, what: str) -> ReadResult:
    """Read `{"version": N, ...}` from `path` without ever raising.

    A missing file is `missing`. Broken JSON or a wrong shape is `corrupt`; a version above
    `supported` is `newer`; both are copied aside first (see `keep_aside`) and the result
    carries a warning naming the copy. `what` names the file in that warning ("profiles").
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ReadResult("missing", None)
    except OSError as exc:
        return ReadResult(
            "unreadable",
            None,
            warning=f"The {what} file {path} cannot be read ({exc.strerror or exc}); "
            "nothing will be saved to it in this session.",
        )
    if not raw.strip():
        # An empty file holds nothing to lose (e.g. created by hand); treat it as new.
        return ReadResult("missing", None)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _set_aside(path, "corrupt", what, f"it is not valid JSON ({exc})")
    if not isinstance(data, dict):
        return _set_aside(path, "corrupt", what, "it does not hold a JSON object")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return _set_aside(path, "corrupt", what, f"its version {version!r} is not understood")
    if version > supported:
        result = _set_aside(path, "newer", what, "", data=data, version=version)
        return result
    return ReadResult("ok", data, version=version)


def _set_aside(
    path: Path,
    reason: Literal["corrupt", "newer"],
    what: str,
    detail: str,
    *,
    data: dict[str, Any] | None = None,
    version: int | None = None,
) -> ReadResult:
    try:
        backup: Path | None = keep_aside(path, reason)
    except OSError as exc:
        # No copy could be made: then the file must not be replaced at all.
        return ReadResult(
            "unreadable",
            None,
            warning=f"The {what} file {path} cannot be used and no backup copy could be "
            f"made ({exc.strerror or exc}); it is left untouched and nothing will be saved.",
        )
    if reason == "newer":
        warning = (
            f"The {what} file {path} was written by a newer smstester (format version "
            f"{version}). It is shown read-only and left untouched; a copy is kept at {backup}."
        )
    else:
        warning = (
            f"The {what} file {path} is damaged: {detail}. Its content is kept at {backup}; "
            f"smstester starts with no {what} and the next save replaces the damaged file."
        )
    return ReadResult(reason, data, version=version, backup=backup, warning=warning)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`.lock so that two processes never interleave a
    read-modify-write of `path` (a no-op where `fcntl` does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Settings:
    """What the program remembers between runs, in `settings.json` of the config folder.

    Plain JSON values by key ("last_profile_id", "window_geometry" as a base64 string,
    "default_region", ...). Every `set` is written at once, atomically, merged with what other
    processes wrote meanwhile. Fast (one small file): fine to call on the UI thread.
    """

    VERSION: Final = 1

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / "settings.json"
        self._lock = threading.Lock()
        self._values: dict[str, JsonValue] = {}
        self._writable = True
        #: A sentence for the user when the file could not be used, else None.
        self.warning: str | None = None
        self._load()

    def _load(self) -> None:
        result = read_versioned_json(self.path, supported=self.VERSION, what="settings")
        self._writable = result.writable
        if result.warning:
            self.warning = result.warning
        values = (result.data or {}).get("values", {})
        self._values = dict(values) if isinstance(values, dict) else {}

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The value stored under `key`, or `default`."""
        with self._lock:
            return self._values.get(key, default)

    def set(self, key: str, value: JsonValue) -> None:
        """Store `value` under `key` (None removes it) and write the file.

        Never raises: when the file cannot be written the value is kept for this session
        and `warning` says why.
        """
        with self._lock:
            try:
                with file_lock(self.path):
                    if self._writable:
                        # Pick up what other processes saved meanwhile; a read-only file is
                        # not re-read, so values set in this session stay in memory.
                        self._load()
                    self._put(key, value)
                    if self._writable:
                        data = {"version": self.VERSION, "values": self._values}
                        atomic_write_json(self.path, data)
            except OSError as exc:
                self._put(key, value)
                self.warning = (
                    f"Settings cannot be saved to {self.path} ({exc.strerror or exc}); "
                    "they are kept for this session only."
                )

    def _put(self, key: str, value: JsonValue) -> None:
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = value

    def remove(self, key: str) -> None:
        """Forget `key`."""
        self.set(key, None)

    def as_dict(self) -> dict[str, JsonValue]:
        """A copy of every stored value."""
        with self._lock:
            return dict(self._values)

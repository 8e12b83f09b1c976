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
import math
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


def encode_json(data: object, *, rows: str | None = None) -> bytes:
    """The bytes smstester writes for `data`: indented UTF-8 JSON with a final newline.

    `rows` names a top-level list of `data` to write one compact item per line instead
    (a file of thousands of profiles: Python's C encoder, ~10 times faster than indenting).

    Strict JSON only: NaN or an infinity raises ValueError (Python's `json` would write the
    non-standard `NaN`), and so does a lone surrogate (UnicodeEncodeError: no UTF-8 form).
    """
    if rows is None or not isinstance(data, dict) or not isinstance(data.get(rows), list):
        text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
        return (text + "\n").encode("utf-8")
    # Without `indent` the encoder is the C one (json.encoder.c_make_encoder).
    one = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": ")).encode
    parts = []
    for key, value in data.items():
        if key != rows:
            parts.append(f"  {one(key)}: {one(value)}")
        elif value:
            items = ",\n".join(f"    {one(item)}" for item in value)
            parts.append(f"  {one(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {one(key)}: []")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


class JsonTooDeep(ValueError):
    """The JSON nests lists or objects deeper than the parser follows."""


def _parse_int(text: str) -> int | float:
    # More digits than Python turns into an int (4,300 by default) is no usable number:
    # as a float it becomes infinity, which every check refuses, instead of an exception.
    try:
        return int(text)
    except ValueError:
        return float(text)


def decode_json(raw: bytes) -> Any:
    """The value of UTF-8 JSON `raw`. Raises UnicodeDecodeError or ValueError, never
    anything else (`JsonTooDeep` where the parser would raise RecursionError).

    Accepts NaN and Infinity (old files hold them): `writable_json` tells whether a value
    can be written back.
    """
    text = raw.decode("utf-8")
    try:
        return json.loads(text, parse_int=_parse_int)
    except RecursionError:
        pass
    # Raised outside the except block: the traceback of the recursion is not kept.
    raise JsonTooDeep("it is nested too deep to be read (lists or objects inside each other)")


#: How deep a value read from a file may nest and still be written back (`writable_json`).
MAX_JSON_DEPTH: Final = 32


def writable_json(value: object, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when `encode_json` can write `value` (as parsed from JSON) without failing: no
    NaN or infinity, no lone surrogate, at most `max_depth` levels of lists and objects."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodable(item):
                return False
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list | dict):
            if depth >= max_depth:
                return False
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif not (item is None or isinstance(item, bool | int)):
            return False
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def atomic_write_json(path: Path, data: object, *, rows: str | None = None) -> None:
    """Write `data` as JSON to `path` atomically (`encode_json`, `rows` as there). The JSON
    is built before the file is touched: ValueError for what is not strict JSON."""
    atomic_write_bytes(path, encode_json(data, rows=rows) if rows else encode_json(data))


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
        data = decode_json(raw)
    except JsonTooDeep as exc:
        return _set_aside(path, "corrupt", what, str(exc))
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError among them
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
        if not isinstance(values, dict):
            values = {}
        # A value that could not be written back (NaN, a broken character, nested too deep)
        # would make every later `set` fail: it is forgotten instead.
        self._values = {k: v for k, v in values.items() if writable_json({k: v})}

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
            except ValueError:
                # NaN or a broken character: not JSON. The file keeps what it held.
                self._put(key, value)
                self.warning = (
                    f"The setting {key!r} cannot be written as JSON; it is kept for this "
                    "session only."
                )

    def _put(self, key: str, value: JsonValue) -> None:
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = value

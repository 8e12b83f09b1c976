"""The send history (CONTRACT §8): every send kept in `{config dir}/history.sqlite3`.

Rules, up front:

- **No secret, ever.** An entry is built by `entry_from_send`, which passes every text it
  keeps — the form's fields, the masked envelope, the error, the diagnosis, the ids —
  through `core.redaction`'s `Masker` over the send's secrets before anything reaches
  SQLite. So the database, its WAL and every export are free of them by construction.
- **Never loses, never blocks a send.** WAL mode, a busy timeout, and every write in its own
  `BEGIN IMMEDIATE` transaction: two processes writing at once both land. `record` never
  raises: a folder that cannot be written, a read-only file or a full disk is an error value
  (`Recorded.error`) whose words are said once (`Recorded.notice`) — the send itself is
  untouched. Callers run it off the UI thread.
- **A file it cannot use is set aside, never overwritten.** A damaged database, or one a
  newer smstester wrote (its `PRAGMA user_version` is above `SCHEMA_VERSION`), is moved to
  `history.sqlite3.corrupt-YYYYMMDD-HHMMSS` (or `.newer-…`), its WAL with it, a new one is
  started and `warnings` says so in words.
- **Schema versions.** `MIGRATIONS[i]` takes a database from version `i` to `i + 1`, inside
  one transaction with the version bump: a migration that fails changes nothing.
- **Fast at 100,000 entries.** Pages come newest first by id (`before=` for keyset paging);
  the search scans a narrow side table of casefolded text (`sends_text`) newest first and
  stops at the page's end, never touching the wide rows (envelopes) it does not return.
- **Personal data.** Numbers and messages are personal data: entries older than the
  retention setting (`retention_days`: 7, 30, 90 or 365 days, or forever; 90 by default, in
  `settings.json`) are deleted when a store first writes; `secure_delete` overwrites what is
  deleted, and `clear` also vacuums and empties the WAL. The file is the user's alone (0600).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from smstester import __version__
from smstester.core.storage import Settings, atomic_write_bytes, config_dir

if TYPE_CHECKING:
    from smstester.core.client import SendResult
    from smstester.core.model import SmsTest
    from smstester.core.redaction import Masker

FILE_NAME: Final = "history.sqlite3"

#: How long a write waits for another process's write to finish (it takes milliseconds).
BUSY_TIMEOUT_MS: Final = 5000

# --- the schema -----------------------------------------------------------------------

_V1: Final = """
CREATE TABLE sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    profile TEXT,
    base_url TEXT NOT NULL,
    brand_url TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    username TEXT NOT NULL,
    phone_from TEXT NOT NULL,
    phone_to TEXT NOT NULL,
    message TEXT NOT NULL,
    encoding TEXT NOT NULL,
    segments INTEGER NOT NULL,
    http_status INTEGER,
    success INTEGER NOT NULL,
    envelope TEXT,
    envelope_message TEXT,
    error TEXT,
    error_codes TEXT NOT NULL,
    diagnosis_code TEXT,
    diagnosis TEXT,
    elapsed_ms REAL NOT NULL,
    timings TEXT,
    correlation_ids TEXT NOT NULL,
    version TEXT NOT NULL
);
CREATE INDEX sends_by_time ON sends (time);
CREATE TABLE sends_text (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
"""


def _has_fts5_trigram() -> bool:
    """Whether this Python's SQLite has FTS5 with the trigram tokenizer (3.34 on)."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.Error:
        return False
    return True


#: Version 2: a trigram index over the search text, so that a filter finds a number among
#: 100,000 sends in well under a millisecond instead of reading every row (~35 ms). Where
#: SQLite lacks FTS5 the step changes nothing and the search reads the rows as before.
_V2: Final = (
    """
CREATE VIRTUAL TABLE sends_fts USING fts5(
    text, content='sends_text', content_rowid='id', tokenize='trigram'
);
INSERT INTO sends_fts(sends_fts) VALUES ('rebuild');
CREATE TRIGGER sends_text_added AFTER INSERT ON sends_text BEGIN
    INSERT INTO sends_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER sends_text_removed AFTER DELETE ON sends_text BEGIN
    INSERT INTO sends_fts(sends_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""
    if _has_fts5_trigram()
    else "SELECT 1;"
)

#: `MIGRATIONS[i]` takes the database from version i to i + 1 (version 0: an empty file).
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
#: The version this smstester writes.
SCHEMA_VERSION: int = len(MIGRATIONS)

_COLUMNS: Final = (
    "id, time, profile, base_url, brand_url, integration_id, username, phone_from, phone_to, "
    "message, encoding, segments, http_status, success, envelope, envelope_message, error, "
    "error_codes, diagnosis_code, diagnosis, elapsed_ms, timings, correlation_ids, version"
)
# The SQL is built from the constant column list above, never from a value (S608).
_SELECT: Final = f"SELECT {_COLUMNS} FROM sends"  # noqa: S608
_INSERT: Final = (
    f"INSERT INTO sends ({_COLUMNS.removeprefix('id, ')}) "  # noqa: S608
    f"VALUES ({', '.join('?' * (_COLUMNS.count(',')))})"
)
_PAGE: Final = f"{_SELECT} WHERE id < ? ORDER BY id DESC LIMIT ? OFFSET ?"
_FOUND: Final = (
    f"{_SELECT} WHERE id IN (SELECT id FROM sends_text WHERE id < ? AND text LIKE ? "  # noqa: S608
    "ESCAPE '\\' ORDER BY id DESC LIMIT ? OFFSET ?) ORDER BY id DESC"
)
#: The same through the trigram index (a text of 3 characters or more).
_FOUND_FTS: Final = (
    f"{_SELECT} WHERE id IN (SELECT rowid FROM sends_fts WHERE rowid < ? AND "  # noqa: S608
    "sends_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?) ORDER BY id DESC"
)

# --- retention (a setting of settings.json) ---------------------------------------------

#: The key of the retention setting in `Settings`: days as an int, or "forever".
RETENTION_KEY: Final = "history_retention_days"
RETENTION_CHOICES: Final = (7, 30, 90, 365)
DEFAULT_RETENTION: Final = 90
_FOREVER: Final = "forever"


def retention_days(settings: Settings | None = None) -> int | None:
    """How many days entries are kept (None: forever); the default for a missing or
    damaged value."""
    value = (settings or Settings()).get(RETENTION_KEY)
    if value == _FOREVER:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value in RETENTION_CHOICES:
        return value
    return DEFAULT_RETENTION


def set_retention(settings: Settings, days: int | None) -> None:
    """Keep entries `days` days (one of RETENTION_CHOICES), or forever (None)."""
    if days is not None and days not in RETENTION_CHOICES:
        choices = ", ".join(map(str, RETENTION_CHOICES))
        raise ValueError(f"history is kept {choices} days or forever, not {days} days")
    settings.set(RETENTION_KEY, _FOREVER if days is None else days)


# --- an entry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One past send, as kept (every text masked). `id` is None until it is recorded."""

    time: datetime.datetime
    profile: str | None
    base_url: str
    brand_url: str
    integration_id: str
    username: str
    phone_from: str
    phone_to: str
    message: str
    encoding: str
    segments: int
    http_status: int | None
    success: bool
    envelope: dict[str, Any] | None
    envelope_message: str | None
    error: str | None
    error_codes: tuple[str, ...]
    diagnosis_code: str | None
    diagnosis: dict[str, Any] | None
    elapsed_ms: float
    timings: dict[str, Any] | None
    correlation_ids: tuple[str, ...]
    version: str = __version__
    id: int | None = None

    @property
    def time_text(self) -> str:
        """ISO-8601 UTC to the millisecond, `Z`-suffixed (sorts as it reads)."""
        return _iso(self.time)

    def as_json(self) -> dict[str, Any]:
        """CONTRACT §8's keys, and everything else an entry holds."""
        return {
            "id": self.id,
            "time": self.time_text,
            "profile": self.profile,
            "baseUrl": self.base_url,
            "brandUrl": self.brand_url,
            "integrationId": self.integration_id,
            "username": self.username,
            "from": self.phone_from,
            "to": self.phone_to,
            "message": self.message,
            "encoding": self.encoding,
            "segments": self.segments,
            "httpStatus": self.http_status,
            "success": self.success,
            "envelopeMessage": self.envelope_message,
            "errorCodes": list(self.error_codes),
            "diagnosisCode": self.diagnosis_code,
            "diagnosis": self.diagnosis,
            "elapsedMs": self.elapsed_ms,
            "timings": self.timings,
            "correlationIds": list(self.correlation_ids),
            "error": self.error,
            "envelope": self.envelope,
            "version": self.version,
        }

    def as_test(self, base: SmsTest) -> SmsTest:
        """`base` with what this entry sent laid over it: connection, numbers, message.
        The secrets stay `base`'s (the history holds none: they come from the profile's
        keyring); the numbers are E.164 already, so the region stays `base`'s too."""
        return base.with_changes(
            base_url=self.base_url,
            brand_url=self.brand_url,
            integration_id=self.integration_id,
            username=self.username,
            phone_from=self.phone_from,
            phone_to=self.phone_to,
            message=self.message,
        )

    def _values(self) -> tuple[Any, ...]:
        def text(value: object) -> str | None:
            return None if value is None else json.dumps(value, ensure_ascii=False)

        return (
            self.time_text,
            self.profile,
            self.base_url,
            self.brand_url,
            self.integration_id,
            self.username,
            self.phone_from,
            self.phone_to,
            self.message,
            self.encoding,
            self.segments,
            self.http_status,
            int(self.success),
            text(self.envelope),
            self.envelope_message,
            self.error,
            json.dumps(list(self.error_codes), ensure_ascii=False),
            self.diagnosis_code,
            text(self.diagnosis),
            self.elapsed_ms,
            text(self.timings),
            json.dumps(list(self.correlation_ids), ensure_ascii=False),
            self.version,
        )

    def search_text(self) -> str:
        """What `--search` looks in: numbers, profile, integration id, message, codes and
        the envelope's message, casefolded."""
        parts = [
            self.phone_from,
            self.phone_to,
            self.profile or "",
            self.integration_id,
            self.message,
            *self.error_codes,
            self.diagnosis_code or "",
            self.envelope_message or "",
        ]
        return "\n".join(parts).casefold()

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> HistoryEntry:
        def parsed(text: str | None) -> Any:
            if text is None:
                return None
            try:
                return json.loads(text)
            except ValueError:
                return None

        def strings(text: str) -> tuple[str, ...]:
            value = parsed(text)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            id=row[0],
            time=_from_iso(row[1]),
            profile=row[2],
            base_url=row[3],
            brand_url=row[4],
            integration_id=row[5],
            username=row[6],
            phone_from=row[7],
            phone_to=row[8],
            message=row[9],
            encoding=row[10],
            segments=row[11],
            http_status=row[12],
            success=bool(row[13]),
            envelope=parsed(row[14]),
            envelope_message=row[15],
            error=row[16],
            error_codes=strings(row[17]),
            diagnosis_code=row[18],
            diagnosis=parsed(row[19]),
            elapsed_ms=row[20],
            timings=parsed(row[21]),
            correlation_ids=strings(row[22]),
            version=row[23],
        )


def _iso(when: datetime.datetime) -> str:
    utc = when.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _from_iso(text: str) -> datetime.datetime:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.fromtimestamp(0, datetime.UTC)
    return when if when.tzinfo else when.replace(tzinfo=datetime.UTC)


def _now_ms(when: datetime.datetime | None) -> datetime.datetime:
    when = (when or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


# --- building an entry (masked) -------------------------------------------------------------

#: Error items kept of an envelope; strings are cut to STRING_LIMIT characters (after
#: masking: a cut never leaves half a secret); a `data` longer than DATA_LIMIT characters as
#: JSON is left out (the report and the raw answer showed it at the time).
MAX_ITEMS: Final = 50
STRING_LIMIT: Final = 2000
DATA_LIMIT: Final = 16 * 1024
_MAX_DEPTH: Final = 16
_MAX_KEYS: Final = 200

#: Headers that carry a request's correlation id (the sandbox sends X-Correlation-Id).
_ID_HEADERS: Final = frozenset(
    ("x-correlation-id", "correlation-id", "x-request-id", "request-id", "x-trace-id")
)


def _safe(value: Any, masker: Masker, depth: int = 0) -> Any:
    """`value` with every string masked then cut, lists and objects bounded (dropping whole
    items is safe: nothing of a dropped item is kept), non-finite numbers as None."""
    if isinstance(value, str):
        shown = masker.mask(value)
        return shown if len(shown) <= STRING_LIMIT else shown[:STRING_LIMIT] + "…"
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int):
        return value
    if depth >= _MAX_DEPTH:
        return "(nested too deep to keep)"
    if isinstance(value, dict):
        items = list(value.items())
        kept = {
            str(_safe(str(k), masker)): _safe(v, masker, depth + 1) for k, v in items[:_MAX_KEYS]
        }
        if len(items) > _MAX_KEYS:
            kept["…"] = f"{len(items) - _MAX_KEYS:,} more keys not kept"
        return kept
    if isinstance(value, list | tuple):
        out = [_safe(v, masker, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            out.append(f"… and {len(value) - MAX_ITEMS:,} more not kept")
        return out
    return _safe(str(value), masker, depth)


def _larger_than(value: Any, limit: int) -> bool:
    """Whether `value` (parsed JSON) is larger than about `limit` characters as JSON; walks
    only as far as it must (json.dumps of megabytes holds the GIL in one C call)."""
    size = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item) + 2
        elif isinstance(item, dict):
            size += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            size += 2 + len(item)
            stack.extend(item)
        else:
            size += 8
        if size > limit:
            return True
    return False


def correlation_ids(result: SendResult) -> tuple[str, ...]:
    """Every correlation id of an answer: the error items' (as the diagnosis reads them),
    then the headers' (X-Correlation-Id, X-Request-Id, …), each once."""
    from smstester.core.diagnosis import _correlation_ids

    found = list(_correlation_ids(result))
    found += [value.strip() for name, value in result.headers if name.lower() in _ID_HEADERS]
    return tuple(dict.fromkeys(v for v in found if v))


def error_codes(result: SendResult) -> tuple[str, ...]:
    """Every error code of an answer: the error items' codes, then Twilio's code when the
    answer holds it only in a text or a link (as the diagnosis finds it)."""
    from smstester.core.diagnosis import twilio_code

    env = result.body.envelope if result.body else None
    codes = [item.code.strip() for item in (env.errors if env else ()) if item.code]
    twilio = twilio_code(result)
    if twilio:
        codes.append(twilio)
    return tuple(dict.fromkeys(c for c in codes if c))


def entry_from_send(
    test: SmsTest,
    result: SendResult,
    *,
    profile: str | None = None,
    when: datetime.datetime | None = None,
) -> HistoryEntry:
    """The history entry of one send, every text masked over `test`'s secrets."""
    import dataclasses

    from smstester.core.diagnosis import diagnose
    from smstester.core.phone import check_number
    from smstester.core.redaction import Masker
    from smstester.core.segments import count_segments

    masker = Masker(test.secrets())
    numbers = [
        check_number(value, test.region).e164 or value.strip()
        for value in (test.phone_from, test.phone_to)
    ]
    segments = count_segments(test.message)
    env = result.body.envelope if result.body else None
    dropped = 0
    if env is not None and len(env.errors) > MAX_ITEMS:
        # Only the items kept are read (codes, ids, the diagnosis): 100,000 of them would
        # cost the worker half a second, and the window's UI thread waits for the GIL.
        dropped = len(env.errors) - MAX_ITEMS
        env = dataclasses.replace(env, errors=env.errors[:MAX_ITEMS])
        assert result.body is not None
        result = dataclasses.replace(result, body=dataclasses.replace(result.body, envelope=env))
    found = diagnose(result)
    envelope = result.as_json()["envelope"]
    if envelope is not None:
        if dropped:
            envelope["errorsNotKept"] = dropped
        if _larger_than(envelope.get("data"), DATA_LIMIT):
            envelope["data"] = "(too large to keep in the history)"
    kept = _safe(
        {
            "profile": profile,
            "base_url": test.base_url.strip(),
            "brand_url": test.brand_url.strip(),
            "integration_id": test.integration_id.strip(),
            "username": test.username.strip(),
            "from": numbers[0],
            "to": numbers[1],
            "message": test.message,
            "envelope": envelope,
            "envelope_message": env.message if env else None,
            "error": result.error,
            "codes": list(error_codes(result)),
            "diagnosis": found.as_json() if found else None,
            "ids": list(correlation_ids(result)),
        },
        masker,
    )
    diagnosis = kept["diagnosis"]
    return HistoryEntry(
        time=_now_ms(when),
        profile=kept["profile"],
        base_url=kept["base_url"],
        brand_url=kept["brand_url"],
        integration_id=kept["integration_id"],
        username=kept["username"],
        phone_from=kept["from"],
        phone_to=kept["to"],
        message=kept["message"],
        encoding=str(segments.encoding),
        segments=segments.segments,
        http_status=result.http_status,
        success=result.success,
        envelope=kept["envelope"],
        envelope_message=kept["envelope_message"],
        error=kept["error"],
        error_codes=tuple(kept["codes"]),
        diagnosis_code=diagnosis["code"] if diagnosis else None,
        diagnosis=diagnosis,
        elapsed_ms=round(result.elapsed_ms, 3),
        timings=result.timings.as_json() if result.timings else None,
        correlation_ids=tuple(kept["ids"]),
    )


# --- the store ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record` did: the new entry's `id`, or None and `error` (words). `notice` is
    what to tell the user now — the error the first time it happens, a database set
    aside — or None when there is nothing new to say."""

    id: int | None
    error: str | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class Kept:
    """What `keep_send` did: the entry (with its id once recorded; None only when it could
    not even be built) and what recording it said (None: not recorded, as asked)."""

    entry: HistoryEntry | None
    recorded: Recorded | None

    @property
    def notice(self) -> str | None:
        """What to tell the user now, or None."""
        return self.recorded.notice if self.recorded is not None else None


def keep_send(
    store: HistoryStore | None, test: SmsTest, result: SendResult, *, profile: str | None = None
) -> Kept:
    """Build the entry of a send and record it in `store` (None: do not record, as
    `--no-history` asks). Never raises: the send happened whatever the history does."""
    import dataclasses

    try:
        entry = entry_from_send(test, result, profile=profile)
    except Exception as exc:  # a bug; it must not turn a send into a failure
        words = (
            f"The send history cannot be kept: unexpected error: {type(exc).__name__}. "
            "Sending still works; this send is not in the history."
        )
        return Kept(None, Recorded(None, words, words) if store is not None else None)
    if store is None:
        return Kept(entry, None)
    recorded = store.record(entry)
    return Kept(dataclasses.replace(entry, id=recorded.id), recorded)


class _Unusable(Exception):
    """The history cannot be used at all now; the message says why, in words."""


def _reason(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL":
        return "the disk is full"
    if name.startswith("SQLITE_READONLY"):
        return "the history file is read-only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another smstester kept it busy"
    if name.startswith("SQLITE_CANTOPEN"):
        return "the history file cannot be opened"
    if name.startswith("SQLITE_IOERR"):
        return f"the disk could not be read or written ({exc})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def _is_corrupt(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")


@dataclass
class _State:
    conn: sqlite3.Connection | None = None
    pruned: bool = False
    error_said: bool = False
    said: int = 0  # how many of `warnings` were told already
    set_aside: bool = False
    warnings: list[str] = field(default_factory=list)


class HistoryStore:
    """The history database. Thread-safe (one connection, one lock); every method may run
    on any worker thread, never on the UI thread. Reads never raise either: a history that
    cannot be read reads as empty, and `warnings` says why."""

    def __init__(self, path: Path | None = None, *, settings: Settings | None = None) -> None:
        self.path = path if path is not None else config_dir() / FILE_NAME
        self._settings = settings
        self._lock = threading.RLock()
        self._state = _State()

    @property
    def warnings(self) -> list[str]:
        """Sentences for the user: a database set aside, a history that cannot be read."""
        return list(self._state.warnings)

    def take_warnings(self) -> list[str]:
        """The warnings not told yet (each is returned once)."""
        with self._lock:
            new = self._state.warnings[self._state.said :]
            self._state.said = len(self._state.warnings)
            return new

    def close(self) -> None:
        with self._lock:
            conn, self._state.conn = self._state.conn, None
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- opening ----------------------------------------------------------------------

    def _connection(self, *, create: bool = True) -> sqlite3.Connection | None:
        """The open connection, opening (and migrating) the database when needed; None when
        there is no database and `create` is False. Raises _Unusable."""
        with self._lock:
            if self._state.conn is not None:
                return self._state.conn
            if not create and not self.path.exists():
                return None
            try:
                conn = self._open()
            except sqlite3.Error as exc:
                if not _is_corrupt(exc) or self._state.set_aside:
                    raise _Unusable(_reason(exc)) from None
                self._set_aside("corrupt", f"SQLite says: {exc}")
                try:
                    conn = self._open()
                except (sqlite3.Error, OSError) as again:
                    raise _Unusable(_reason(again)) from None
            except OSError as exc:
                words = f"the folder {self.path.parent} cannot be written ({_reason(exc)})"
                raise _Unusable(words) from None
            self._state.conn = conn
            return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Numbers and messages are personal data: the file (and so its WAL, which SQLite
            # gives the same mode) is the user's alone.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE … COMMIT
            check_same_thread=False,  # used under self._lock from any worker
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                self._set_aside("newer", "", version=version)
                return self._open()
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise sqlite3.OperationalError("the history cannot be kept in WAL mode")
            # In WAL mode NORMAL never corrupts the file; a power cut may lose the last sends.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")
            self._migrate(conn)
            conn.execute("SELECT count(*) FROM sends_text WHERE id = 0").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating: wait for it
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _set_aside(self, reason: str, detail: str, *, version: int = 0) -> None:
        """Move the database (and its WAL) aside and say so; a new one is started."""
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{reason}-{stamp}")
        n = 2
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.{reason}-{stamp}-{n}")
            n += 1
        os.replace(self.path, aside)
        for suffix in ("-wal", "-journal"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        with contextlib.suppress(OSError):
            self.path.with_name(self.path.name + "-shm").unlink()
        self._state.set_aside = True
        if reason == "newer":
            words = (
                f"The history file {self.path} was written by a newer smstester (its format "
                f"version is {version}; this one knows {SCHEMA_VERSION}). It was moved, "
                f"untouched, to {aside}; smstester started a new, empty history."
            )
        else:
            words = (
                f"The history file {self.path} is damaged ({detail}). It was moved to "
                f"{aside}; smstester started a new, empty history."
            )
        self._state.warnings.append(words)

    def _read(self) -> sqlite3.Connection | None:
        """The connection for a read, or None (no history yet, or it cannot be read)."""
        try:
            return self._connection(create=False)
        except _Unusable as exc:
            words = f"The send history cannot be read: {exc}."
            if words not in self._state.warnings:
                self._state.warnings.append(words)
            return None

    def busy_timeout_ms(self) -> int:
        conn = self._read()
        return int(conn.execute("PRAGMA busy_timeout").fetchone()[0]) if conn else 0

    # --- writing ----------------------------------------------------------------------

    #: How often a BUSY that SQLite gave at once (not after its busy timeout) is tried.
    QUICK_BUSY_TRIES: Final = 4

    def _insert_retrying(self, entry: HistoryEntry) -> int:
        """`_insert`, tried again on a new connection when SQLite answered BUSY or LOCKED
        without waiting: some races (a WAL reader's snapshot, a recovery while another
        process closes the file) skip the busy handler; a wait of the whole timeout means
        the other process really holds the file, and is not tried again."""
        for attempt in range(1, self.QUICK_BUSY_TRIES + 1):
            started = time.monotonic()
            try:
                return self._insert(entry)
            except sqlite3.Error as exc:
                quick = time.monotonic() - started < BUSY_TIMEOUT_MS / 2000
                busy = getattr(exc, "sqlite_errorname", "").startswith(
                    ("SQLITE_BUSY", "SQLITE_LOCKED")
                )
                if not (busy and quick) or attempt == self.QUICK_BUSY_TRIES:
                    raise
            self.close()
            time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")

    def record(self, entry: HistoryEntry) -> Recorded:
        """Keep `entry`; never raises (see `Recorded`)."""
        with self._lock:
            try:
                new_id = self._insert_retrying(entry)
            except _Unusable as exc:
                return self._failed(str(exc))
            except sqlite3.Error as exc:
                if _is_corrupt(exc) and not self._state.set_aside:
                    self.close()
                    try:
                        self._set_aside("corrupt", f"SQLite says: {exc}")
                        new_id = self._insert(entry)
                    except (_Unusable, sqlite3.Error, OSError) as again:
                        return self._failed(_reason(again))
                else:
                    return self._failed(_reason(exc))
            except Exception as exc:  # never into a send
                return self._failed(f"unexpected error: {type(exc).__name__}: {exc}")
            self._state.error_said = False
            news = self.take_warnings()
            return Recorded(new_id, notice=" ".join(news) if news else None)

    def _failed(self, reason: str) -> Recorded:
        words = (
            f"The send history cannot be kept: {reason}. Sending still works; this send is "
            "not in the history."
        )
        news = self.take_warnings()
        if not self._state.error_said:
            self._state.error_said = True
            news.append(words)
        return Recorded(None, words, " ".join(news) if news else None)

    def _insert(self, entry: HistoryEntry) -> int:
        conn = self._connection()
        assert conn is not None
        if not self._state.pruned:
            self._state.pruned = True
            self._prune(conn, retention_days(self._settings))
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(_INSERT, entry._values())
            new_id = cursor.lastrowid
            assert new_id is not None
            conn.execute(
                "INSERT INTO sends_text (id, text) VALUES (?, ?)", (new_id, entry.search_text())
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return new_id

    def _prune(self, conn: sqlite3.Connection, days: int | None) -> int:
        if days is None:
            return 0
        cutoff = _iso(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "DELETE FROM sends_text WHERE id IN (SELECT id FROM sends WHERE time < ?)",
                (cutoff,),
            )
            gone = conn.execute("DELETE FROM sends WHERE time < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return gone

    def prune(self, days: int | None) -> int:
        """Delete the entries older than `days` days (None: keep all); how many went.
        Raises OSError when the history cannot be written."""
        with self._lock:
            conn = self._write_connection()
            try:
                return self._prune(conn, days)
            except sqlite3.Error as exc:
                raise OSError(f"The send history cannot be changed: {_reason(exc)}.") from None

    def clear(self) -> int:
        """Delete every entry, overwrite what they held (vacuum, empty WAL); how many went.
        Raises OSError when the history cannot be written."""
        with self._lock:
            if not self.path.exists():
                return 0
            conn = self._write_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("DELETE FROM sends_text")
                    gone = conn.execute("DELETE FROM sends").rowcount
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise OSError(f"The send history cannot be cleared: {_reason(exc)}.") from None
            return gone

    def _write_connection(self) -> sqlite3.Connection:
        try:
            conn = self._connection()
        except _Unusable as exc:
            raise OSError(f"The send history cannot be changed: {exc}.") from None
        assert conn is not None
        return conn

    # --- reading ----------------------------------------------------------------------

    def search(
        self, text: str = "", *, limit: int = 100, offset: int = 0, before: int | None = None
    ) -> list[HistoryEntry]:
        """Entries newest first whose numbers, profile, integration id, message, codes or
        envelope message hold `text` (any case; "" keeps all): `limit` of them, after
        skipping `offset`, only those older than the entry `before` (an id) when given."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return []
            older = before if before is not None else 2**62
            try:
                phrase = _phrase(text) if text and _indexed(conn) else None
                if phrase is not None:
                    rows = conn.execute(_FOUND_FTS, (older, phrase, limit, offset)).fetchall()
                elif text:
                    rows = conn.execute(_FOUND, (older, _pattern(text), limit, offset)).fetchall()
                else:
                    rows = conn.execute(_PAGE, (older, limit, offset)).fetchall()
            except sqlite3.Error as exc:
                self._read_failed(exc)
                return []
            return [HistoryEntry._from_row(row) for row in rows]

    def count(self, text: str = "") -> int:
        """How many entries `search(text)` would find in all."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return 0
            try:
                phrase = _phrase(text) if text and _indexed(conn) else None
                if phrase is not None:
                    sql = "SELECT count(*) FROM sends_fts WHERE sends_fts MATCH ?"
                    return int(conn.execute(sql, (phrase,)).fetchone()[0])
                if text:
                    sql, args = (
                        "SELECT count(*) FROM sends_text WHERE text LIKE ? ESCAPE '\\'",
                        (_pattern(text),),
                    )
                    return int(conn.execute(sql, args).fetchone()[0])
                return int(conn.execute("SELECT count(*) FROM sends").fetchone()[0])
            except sqlite3.Error as exc:
                self._read_failed(exc)
                return 0

    def get(self, entry_id: int) -> HistoryEntry | None:
        """The entry with this id, or None."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return None
            try:
                row = conn.execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
            except sqlite3.Error as exc:
                self._read_failed(exc)
                return None
            return HistoryEntry._from_row(row) if row else None

    def _read_failed(self, exc: sqlite3.Error) -> None:
        words = f"The send history cannot be read: {_reason(exc)}."
        if words not in self._state.warnings:
            self._state.warnings.append(words)

    def entries(self, text: str = "", *, page: int = 1000) -> Iterator[HistoryEntry]:
        """Every entry (matching `text`), newest first, a page at a time."""
        before: int | None = None
        while True:
            rows = self.search(text, limit=page, before=before)
            yield from rows
            if len(rows) < page:
                return
            before = rows[-1].id

    # --- exporting --------------------------------------------------------------------

    def export(self, path: Path) -> int:
        """Write every entry to `path`, as JSON or CSV by its extension; how many.
        ValueError for another extension; OSError when it cannot be written."""
        kind = path.suffix.lower()
        if kind not in (".json", ".csv"):
            raise ValueError(f"cannot export the history to {path.name}: name a .json or .csv file")
        rows = list(self.entries())
        if kind == ".json":
            data = [entry.as_json() for entry in rows]
            text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
            atomic_write_bytes(path, text.encode("utf-8"))
        else:
            atomic_write_bytes(path, csv_bytes(rows))
        return len(rows)


CSV_COLUMNS: Final = (
    "id",
    "time",
    "profile",
    "baseUrl",
    "brandUrl",
    "integrationId",
    "username",
    "from",
    "to",
    "message",
    "encoding",
    "segments",
    "httpStatus",
    "success",
    "envelopeMessage",
    "errorCodes",
    "diagnosisCode",
    "diagnosisTitle",
    "elapsedMs",
    "correlationIds",
    "error",
    "version",
)

#: What a spreadsheet reads as the start of a formula (CSV injection, OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = " ".join(map(str, value))
    text = str(value)
    # A cell that starts like a formula is never run as one, and "+14155552671" stays text
    # (Excel would make it the number 14155552671).
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(entries: Sequence[HistoryEntry]) -> bytes:
    """The entries as CSV: a header row, CRLF line ends, UTF-8 with a byte order mark —
    without the mark Excel reads a CSV in the machine's ANSI code page and shows "Olá" as
    "OlÃ¡"; LibreOffice and Python's `utf-8-sig` read the mark as UTF-8 too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        data = entry.as_json()
        data["diagnosisTitle"] = (entry.diagnosis or {}).get("title")
        writer.writerow([_cell(data[name]) for name in CSV_COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _indexed(conn: sqlite3.Connection) -> bool:
    """Whether this database has the trigram index (schema 2 where SQLite has FTS5)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sends_fts'").fetchone()
    return found is not None


def _phrase(text: str) -> str | None:
    """An FTS5 phrase that finds `text` anywhere through the trigram index (any case, as
    the search text is casefolded), or None when it is too short for trigrams."""
    folded = text.casefold()
    if len(folded) < 3:
        return None
    return '"' + folded.replace('"', '""') + '"'


def _pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere (its % and _ taken literally)."""
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _statements(script: str) -> list[str]:
    """The statements of a migration script, one by one (so they share one transaction)."""
    out: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                out.append(current.strip())
            current = ""
    return out

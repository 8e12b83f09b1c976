"""The send history: a SQLite store in the config folder (CONTRACT §8)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from support import GOOD

from smstester import __version__
from smstester.core import history
from smstester.core.client import Failure, SendResult, Timings
from smstester.core.envelope import parse_body
from smstester.core.history import (
    RETENTION_CHOICES,
    RETENTION_KEY,
    HistoryStore,
    entry_from_send,
    retention_days,
    set_retention,
)
from smstester.core.storage import Settings

URL = "https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test"
ROOT = Path(__file__).resolve().parents[2]


def answer(
    status: int | None,
    body: dict[str, object] | None = None,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    **extra: object,
) -> SendResult:
    parsed = None if body is None else parse_body(json.dumps(body).encode(), "application/json")
    return SendResult(
        "POST",
        URL,
        42.5,
        http_status=status,
        body=parsed,
        headers=headers,
        timings=Timings(connect_ms=1.0, tls_ms=None, wait_ms=40.0, download_ms=1.5, total_ms=42.5),
        **extra,  # type: ignore[arg-type]
    )


def refused_to(number: str) -> SendResult:
    return answer(
        400,
        {
            "success": False,
            "statusCode": 400,
            "message": "The request failed.",
            "errors": [
                {"code": 21211, "message": f"Invalid 'To' number {number}", "correlationId": "c-1"}
            ],
        },
        headers=(("X-Correlation-Id", "hdr-77"),),
    )


OK = answer(200, {"success": True, "statusCode": 200, "message": "Sent.", "data": True})


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.sqlite3")


def test_default_path_is_in_the_config_folder(config_folder: Path) -> None:
    assert HistoryStore().path == config_folder / "history.sqlite3"


def test_an_entry_holds_everything_a_send_tells(store: HistoryStore) -> None:
    test = GOOD.with_changes(phone_to="(415) 555-2671", region="US", message="héllo ✓")
    recorded = store.record(entry_from_send(test, refused_to("+14155552671"), profile="Acme"))
    assert recorded.error is None
    assert isinstance(recorded.id, int)
    entry = store.get(recorded.id)
    assert entry is not None
    assert entry.profile == "Acme"
    assert entry.base_url == GOOD.base_url
    assert entry.brand_url == GOOD.brand_url
    assert entry.integration_id == GOOD.integration_id
    assert entry.username == GOOD.username
    assert entry.phone_from == "+15005550006"
    assert entry.phone_to == "+14155552671"  # E.164, as it was sent
    assert entry.message == "héllo ✓"
    assert entry.encoding == "UCS-2"
    assert entry.segments == 1
    assert entry.http_status == 400
    assert entry.success is False
    assert entry.diagnosis_code == "21211"
    assert entry.diagnosis is not None
    assert "To number" in entry.diagnosis["title"]
    assert entry.error_codes == ("21211",)
    assert entry.envelope_message == "The request failed."
    # Both the error item's and the header's correlation id.
    assert entry.correlation_ids == ("c-1", "hdr-77")
    assert entry.timings is not None
    assert entry.timings["waitMs"] == 40.0
    assert entry.elapsed_ms == 42.5
    assert entry.version == __version__
    assert entry.time.tzinfo is not None
    assert entry.time.utcoffset() == datetime.timedelta(0)
    age = datetime.datetime.now(datetime.UTC) - entry.time
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)
    assert entry.envelope is not None
    assert entry.envelope["errors"][0]["code"] == "21211"


def test_contract_json_keys(store: HistoryStore) -> None:
    store.record(entry_from_send(GOOD, OK, profile=None))
    (row,) = store.search()
    data = row.as_json()
    for key in (
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
        "httpStatus",
        "success",
        "diagnosisCode",
        "elapsedMs",
        "correlationIds",
    ):
        assert key in data, key
    assert data["time"].endswith("Z")
    assert datetime.datetime.fromisoformat(data["time"]) == row.time
    assert data["success"] is True
    assert data["diagnosisCode"] is None
    assert data["correlationIds"] == []
    json.dumps(data, allow_nan=False)


def test_no_secret_reaches_the_db_its_wal_or_an_export(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    secrets = ("ak-5e1f-SECRET-value", "tok-9c2d-SECRET-value")
    test = GOOD.with_changes(auth_key=secrets[0], password=secrets[1])
    import base64

    basic = base64.b64encode(f"{test.username}:{secrets[1]}".encode()).decode()
    echo = answer(
        500,
        {
            "success": False,
            "statusCode": 500,
            "message": f"echo Auth-Key: {secrets[0]}",
            "data": {"request": json.dumps({"password": secrets[1]}), "basic": f"Basic {basic}"},
            "errors": [{"code": "Echo", "message": secrets[1], "correlationId": secrets[0]}],
        },
        headers=(("X-Request-Id", secrets[0]),),
        error=None,
    )
    # The message itself holds the token too (a user may paste anything).
    test = test.with_changes(message=f"token {secrets[1]}")
    recorded = store.record(entry_from_send(test, echo, profile="p"))
    assert recorded.id is not None
    out_json, out_csv = tmp_path / "all.json", tmp_path / "all.csv"
    store.export(out_json)
    store.export(out_csv)
    # Read the raw bytes before the store checkpoints: the WAL is still there.
    files = [p for p in tmp_path.iterdir() if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        raw = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in raw, path.name
            assert base64.b64encode(secret.encode()) not in raw
        assert basic.encode() not in raw
    entry = store.get(recorded.id)
    assert entry is not None
    assert "••••••" in (entry.envelope_message or "")
    assert entry.message == "token ••••••"


def test_search_over_numbers_profiles_ids_messages_codes(store: HistoryStore) -> None:
    sends = [
        (GOOD.with_changes(phone_to="+14155550101", message="first"), OK, "Acme"),
        (GOOD.with_changes(phone_to="+14155550102", message="Second ÉTÉ"), OK, "Globex"),
        (GOOD.with_changes(integration_id="int-77"), refused_to("+14155552671"), None),
    ]
    ids = [store.record(entry_from_send(t, r, profile=p)).id for t, r, p in sends]

    def found(text: str) -> list[int | None]:
        return [e.id for e in store.search(text)]

    assert found("") == ids[::-1]  # newest first
    assert found("0102") == [ids[1]]
    assert found("glob") == [ids[1]]  # any case
    assert found("été") == [ids[1]]  # non-ASCII in any case
    assert found("int-77") == [ids[2]]
    assert found("21211") == [ids[2]]  # error code
    assert found("request failed") == [ids[2]]  # envelope message
    assert found("FIRST") == [ids[0]]
    assert found("100%") == []  # LIKE's wildcards are literal
    assert found("_") == []
    assert store.count("") == 3
    assert store.count("acme") == 1


def test_paging_newest_first(store: HistoryStore) -> None:
    ids = [
        store.record(entry_from_send(GOOD.with_changes(message=f"m{i}"), OK, profile=None)).id
        for i in range(12)
    ]
    newest = ids[::-1]
    assert [e.id for e in store.search(limit=5)] == newest[:5]
    assert [e.id for e in store.search(limit=5, offset=5)] == newest[5:10]
    assert [e.id for e in store.search(limit=5, offset=10)] == newest[10:]
    last = newest[4]
    assert last is not None
    assert [e.id for e in store.search(limit=5, before=last)] == newest[5:10]
    assert [e.id for e in store.search("m1", limit=10)] == [newest[0], newest[1], newest[10]]


def test_no_answer_is_recorded_with_its_reason(store: HistoryStore) -> None:
    refused = SendResult(
        "POST", URL, 3.0, failure=Failure.REFUSED, error="Connection refused by h: nothing."
    )
    recorded = store.record(entry_from_send(GOOD, refused, profile=None))
    entry = store.get(recorded.id or 0)
    assert entry is not None
    assert entry.http_status is None
    assert entry.success is False
    assert entry.diagnosis_code == "refused"
    assert entry.error == "Connection refused by h: nothing."
    assert entry.envelope is None


def test_a_huge_answer_is_kept_short(store: HistoryStore) -> None:
    big = answer(
        500,
        {
            "success": False,
            "statusCode": 500,
            "message": "m" * 200_000,
            "data": "d" * 3_000_000,
            "errors": [{"code": f"E{i}", "message": "x"} for i in range(5000)],
        },
    )
    recorded = store.record(entry_from_send(GOOD, big, profile=None))
    entry = store.get(recorded.id or 0)
    assert entry is not None
    assert entry.envelope is not None
    assert len(json.dumps(entry.envelope)) < 100_000
    assert len(entry.envelope["errors"]) <= 51
    assert store.path.stat().st_size < 2_000_000


def test_retention_setting_in_settings_json(config_folder: Path) -> None:
    settings = Settings()
    assert retention_days(settings) == 90  # the default
    for days in RETENTION_CHOICES:
        set_retention(settings, days)
        assert retention_days(Settings()) == days
    set_retention(settings, None)  # forever
    assert retention_days(Settings()) is None
    raw = json.loads((config_folder / "settings.json").read_text())
    assert raw["values"][RETENTION_KEY] == "forever"
    with pytest.raises(ValueError, match="7, 30, 90, 365"):
        set_retention(settings, 12)
    # A damaged value falls back to the default.
    settings.set(RETENTION_KEY, "often")
    assert retention_days(Settings()) == 90


def test_retention_prunes_old_entries(store: HistoryStore) -> None:
    now = datetime.datetime.now(datetime.UTC)
    for age in (200, 100, 40, 10, 1):
        when = now - datetime.timedelta(days=age)
        store.record(entry_from_send(GOOD.with_changes(message=f"age {age}"), OK, when=when))
    assert store.prune(90) == 2
    assert sorted(e.message for e in store.search()) == ["age 1", "age 10", "age 40"]
    assert store.prune(30) == 1
    assert store.prune(None) == 0  # forever
    assert store.count() == 2


def test_recording_prunes_by_the_setting(tmp_path: Path, config_folder: Path) -> None:
    set_retention(Settings(), 7)
    store = HistoryStore(tmp_path / "h.sqlite3")
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=8)
    store.record(entry_from_send(GOOD, OK, when=old))
    store.close()
    again = HistoryStore(tmp_path / "h.sqlite3")
    again.record(entry_from_send(GOOD, OK))
    assert again.count() == 1


def test_clear(store: HistoryStore) -> None:
    for _ in range(3):
        store.record(entry_from_send(GOOD.with_changes(message="personal data"), OK))
    assert store.clear() == 3
    assert store.count() == 0
    store.close()
    for path in store.path.parent.iterdir():
        if path.name.startswith(store.path.name):
            assert b"personal data" not in path.read_bytes(), path.name


def test_wal_busy_timeout_and_schema_version(store: HistoryStore) -> None:
    store.record(entry_from_send(GOOD, OK))
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    finally:
        conn.close()
    assert store.busy_timeout_ms() >= 1000
    if os.name == "posix":
        assert store.path.stat().st_mode & 0o077 == 0  # personal data: the user's alone


def test_migrations_from_version_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite3"
    # A database as the first version wrote it.
    conn = sqlite3.connect(path)
    conn.executescript(history.MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    first = HistoryStore(path)
    kept = first.record(entry_from_send(GOOD.with_changes(message="from v1"), OK)).id
    first.close()
    # A later version adds a column; the rows of version 1 stay.
    later = (*history.MIGRATIONS, "ALTER TABLE sends ADD COLUMN note TEXT;")
    monkeypatch.setattr(history, "MIGRATIONS", later)
    monkeypatch.setattr(history, "SCHEMA_VERSION", len(later))
    migrated = HistoryStore(path)
    entry = migrated.get(kept or 0)
    assert entry is not None
    assert entry.message == "from v1"
    migrated.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(later)
        assert "note" in [row[1] for row in conn.execute("PRAGMA table_info(sends)")]
    finally:
        conn.close()


def test_a_failed_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    store.record(entry_from_send(GOOD, OK))
    store.close()
    broken = (*history.MIGRATIONS, "ALTER TABLE sends ADD COLUMN x TEXT; SELECT * FROM nowhere;")
    monkeypatch.setattr(history, "MIGRATIONS", broken)
    monkeypatch.setattr(history, "SCHEMA_VERSION", len(broken))
    failing = HistoryStore(path)
    recorded = failing.record(entry_from_send(GOOD, OK))
    assert recorded.id is None
    assert recorded.error is not None
    assert "cannot" in recorded.error
    failing.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(broken) - 1
        assert "x" not in [row[1] for row in conn.execute("PRAGMA table_info(sends)")]
        assert conn.execute("SELECT count(*) FROM sends").fetchone()[0] == 1
    finally:
        conn.close()


def test_a_corrupt_file_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    store = HistoryStore(path)
    recorded = store.record(entry_from_send(GOOD, OK))
    assert recorded.id is not None
    aside = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")
    assert any(str(aside[0]) in w and "damaged" in w for w in store.warnings)
    assert recorded.notice is not None
    assert str(aside[0]) in recorded.notice
    assert store.count() == 1


def test_a_newer_version_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    store = HistoryStore(path)
    assert store.search() == []
    aside = list(tmp_path.glob("history.sqlite3.newer-*"))
    assert len(aside) == 1
    assert any("newer smstester" in w and str(aside[0]) in w for w in store.warnings)
    assert store.record(entry_from_send(GOOD, OK)).id is not None


def test_a_folder_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    store = HistoryStore(blocker / "history.sqlite3")
    first = store.record(entry_from_send(GOOD, OK))
    second = store.record(entry_from_send(GOOD, OK))
    assert first.id is None and second.id is None
    assert first.error is not None and "cannot be kept" in first.error
    assert first.notice == first.error  # said the first time…
    assert second.error is not None
    assert second.notice is None  # …and not again
    assert store.search() == []  # reading says nothing and raises nothing


def test_a_full_disk_returns_an_error_value(store: HistoryStore) -> None:
    store.record(entry_from_send(GOOD, OK))
    conn = store._connection()  # a database that may not grow: SQLITE_FULL, as on a full disk
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    big = GOOD.with_changes(message="x" * 1600)
    results = [store.record(entry_from_send(big, OK)) for _ in range(40)]
    failed = [r for r in results if r.id is None]
    assert failed
    assert failed[0].error is not None and "full" in failed[0].error
    assert sum(r.notice is not None for r in results) == 1


@pytest.mark.skipif(os.name == "posix" and os.geteuid() == 0, reason="root writes anything")
def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        recorded = HistoryStore(folder / "history.sqlite3").record(entry_from_send(GOOD, OK))
        assert recorded.id is None
        assert recorded.error is not None
    finally:
        folder.chmod(0o700)


def test_a_read_only_database_file(store: HistoryStore) -> None:
    store.record(entry_from_send(GOOD, OK))
    conn = store._connection()
    assert conn is not None
    conn.execute("PRAGMA query_only = ON")  # what a read-only file does to writes
    recorded = store.record(entry_from_send(GOOD, OK))
    assert recorded.id is None
    assert recorded.error is not None and "read-only" in recorded.error


def test_export_json_and_csv(store: HistoryStore, tmp_path: Path) -> None:
    test = GOOD.with_changes(message='=SUM(A1) Olá "world",\nline two')
    store.record(entry_from_send(test, refused_to("+14155552671"), profile="Acme"))
    store.record(entry_from_send(GOOD, OK, profile="Globex"))
    assert store.export(tmp_path / "h.json") == 2
    rows = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert [r["profile"] for r in rows] == ["Globex", "Acme"]
    assert rows[1]["envelope"]["errors"][0]["correlationId"] == "c-1"
    assert store.export(tmp_path / "h.csv") == 2
    raw = (tmp_path / "h.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, *body = table
    assert header[:4] == ["id", "time", "profile", "baseUrl"]
    assert len(body) == 2
    cells = dict(zip(header, body[1], strict=True))
    # A cell that starts like a formula is never run as one (CSV injection).
    assert cells["message"] == "'" + test.message
    assert cells["to"] == "'+14155552671"  # a leading + is not a formula or a number
    assert cells["correlationIds"] == "c-1 hdr-77"
    with pytest.raises(ValueError, match=r"\.json or \.csv"):
        store.export(tmp_path / "h.txt")


def test_keep_send_records_and_never_raises(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = history.keep_send(store, GOOD, OK, profile="Acme")
    assert kept.entry is not None and kept.entry.id is not None
    assert store.get(kept.entry.id) is not None
    assert kept.notice is None
    skipped = history.keep_send(None, GOOD, OK)  # --no-history: built, not kept
    assert skipped.entry is not None and skipped.entry.id is None
    assert skipped.recorded is None
    assert store.count() == 1

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(history, "entry_from_send", broken)
    failed = history.keep_send(store, GOOD, OK)
    assert failed.entry is None
    assert failed.notice is not None and "Sending still works" in failed.notice


def test_an_entry_as_a_test_keeps_the_base_secrets(store: HistoryStore) -> None:
    sent = GOOD.with_changes(phone_to="(415) 555-2672", region="US", message="again")
    entry = entry_from_send(sent, OK, profile="Acme")
    base = GOOD.with_changes(auth_key="from-keyring", password="also-keyring", region="GB")
    again = entry.as_test(base)
    assert (again.auth_key, again.password) == ("from-keyring", "also-keyring")
    assert again.phone_to == "+14155552672"
    assert again.message == "again"
    assert again.region == "GB"
    assert again.integration_id == GOOD.integration_id


def test_the_trigram_index_finds_what_the_row_scan_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 2's trigram index: a version-1 file is indexed when it is opened, and every
    search answers as reading the rows would (any case, quotes, %, _, short texts)."""
    path = tmp_path / "history.sqlite3"
    with monkeypatch.context() as old:  # written by a smstester of schema 1
        old.setattr(history, "MIGRATIONS", history.MIGRATIONS[:1])
        old.setattr(history, "SCHEMA_VERSION", 1)
        store = HistoryStore(path)
        for n, message in enumerate(["Hello Ünïcode", 'a "quoted" 50% off_now', "plain"] * 5):
            store.record(entry_from_send(GOOD.with_changes(message=f"{message} {n}"), OK))
        store.close()
    store = HistoryStore(path)
    assert len(store.search("hello")) == 5  # indexed on opening
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
        indexed = history._indexed(conn)
    finally:
        conn.close()
    if not indexed:
        pytest.skip("this SQLite has no FTS5 trigram tokenizer: the row scan is used")
    store.record(entry_from_send(GOOD.with_changes(message="added after"), OK))
    queries = ["HELLO", "ünï", '"quoted"', "50%", "off_now", "lo", "x", "added af", "nowhere"]
    indexed_answers = {q: [e.id for e in store.search(q, limit=50)] for q in queries}
    counts = {q: store.count(q) for q in queries}
    monkeypatch.setattr(history, "_indexed", lambda _conn: False)
    for q in queries:
        assert [e.id for e in store.search(q, limit=50)] == indexed_answers[q], q
        assert store.count(q) == counts[q], q
    assert counts["HELLO"] == 5 and counts["nowhere"] == 0 and counts["added af"] == 1
    store.close()


def test_a_busy_answer_that_did_not_wait_is_tried_again(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite answers some BUSY at once, without its busy handler (a WAL reader or a
    recovery racing another process's close): seen once in 50 sends of two processes.
    Such an answer is tried again on a new connection; one that waited the whole busy
    timeout is not (the other process really holds the file)."""
    real_insert = HistoryStore._insert
    failures = [2]

    def busy_at_once(self: HistoryStore, entry: history.HistoryEntry) -> int:
        if failures[0]:
            failures[0] -= 1
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorname = "SQLITE_BUSY"  # type: ignore[attr-defined]
            raise error
        return real_insert(self, entry)

    monkeypatch.setattr(HistoryStore, "_insert", busy_at_once)
    kept = store.record(entry_from_send(GOOD, OK))
    assert kept.id is not None, kept.error
    assert failures == [0]
    assert len(store.search()) == 1

    failures[0] = 100  # never free: given up after a few quick tries, in words
    again = store.record(entry_from_send(GOOD, OK))
    assert again.id is None and again.error is not None and "busy" in again.error
    assert failures[0] >= 90  # a few tries, not a hundred

"""How the send history copes with 100,000 entries: filter, insert, first page.

Run: ``python tests/bench/bench_history.py [--count N] [--runs R]`` (``QT_QPA_PLATFORM``
is set to offscreen when nothing is set). Builds a database of N entries (default 100,000)
in a temporary folder — made by `entry_from_send` from real sandbox-like answers (successes
and every magic number's failure, with correlation ids), varied in number, profile,
integration id, message and time — and measures on that real file:

- filter: `HistoryStore.search(TEXT, limit=PAGE + 1)`, what the panel runs on its worker
  for each pause in typing, for a text found once (a number), nowhere (the whole table is
  read), everywhere (a code) and one character; median of R runs each (goal: under 50 ms,
  the worst of them);
- filter in the panel: from the debounced filter firing to the rows being in the model
  (the query on the worker, the rows handed to the UI thread), median;
- insert: `HistoryStore.record(entry)` into that database, median of 200 (goal: under 2
  ms); and building the entry (`entry_from_send`: masking, diagnosis), which also runs on
  the worker, for information;
- first page: a new `HistoryStore` opening the file and reading the newest page (what the
  panel's first load costs on its worker), median; the panel's construction (no database
  work: it loads after the first paint) and its first page from show to rows, median.

Prints a table; exits 1 when a goal is missed, 0 otherwise. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from smstester.core import history  # noqa: E402
from smstester.core.client import SendResult, Timings  # noqa: E402
from smstester.core.envelope import parse_body  # noqa: E402
from smstester.core.history import HistoryEntry, HistoryStore, entry_from_send  # noqa: E402
from smstester.core.model import SmsTest  # noqa: E402

URL: Final = "https://protocol.jframework.io/api/v1/app-integrations/demo-twilio/sms/test"
MAGIC: Final = {
    "+15005550001": ("21211", "Invalid 'To' Phone Number"),
    "+15005550002": ("21612", "The 'To' phone number is not currently reachable"),
    "+15005550003": ("21408", "Permission to send an SMS has not been enabled for the region"),
    "+15005550004": ("21610", "Attempt to send to unsubscribed recipient"),
    "+15005550009": ("21614", "'To' number is not a valid mobile number"),
}
MESSAGES: Final = (
    "Hello from smstester",
    "Your verification code is 482913",
    "Test message for ticket {n}: the customer says SMS never arrive",
    "Olá! Mensagem de teste número {n} ✓",
    "Reminder: your appointment is tomorrow at 10:00. Reply STOP to opt out.",
)


def _answer(to: str, n: int) -> SendResult:
    cid = f"{n:08x}-7d2c-4b1a-9f3e-{n * 7919 % 16**12:012x}"
    timings = Timings(connect_ms=0.4, tls_ms=3.1, wait_ms=180.0 + n % 50, download_ms=0.2)
    if to in MAGIC:
        code, words = MAGIC[to]
        body = {
            "success": False,
            "statusCode": 400,
            "message": "The SMS could not be sent.",
            "errors": [{"code": int(code), "message": words, "correlationId": cid}],
        }
        status = 400
    else:
        body = {"success": True, "statusCode": 200, "message": "Sent.", "data": True}
        status = 200
    return SendResult(
        "POST",
        URL,
        185.0 + n % 50,
        http_status=status,
        reason_phrase="OK" if status == 200 else "Bad Request",
        body=parse_body(json.dumps(body).encode(), "application/json"),
        headers=(("X-Correlation-Id", cid),),
        timings=timings,
    )


def _entries(count: int) -> list[HistoryEntry]:
    """`count` entries, the oldest first, built from a few hundred real ones and varied."""
    numbers = [*MAGIC, "+14155552671", "+447700900123", "+33612345678", "+4915123456789"]
    templates = []
    for n in range(300):
        to = numbers[n % len(numbers)]
        test = SmsTest(
            base_url="https://protocol.jframework.io",
            brand_url=f"brand{n % 40}.example.com",
            integration_id=f"int-{n % 120:04d}",
            auth_key="ak-bench-SECRET-0001",
            username="AC" + f"{n % 40:032x}",
            password="tok-bench-SECRET-0001",
            phone_from="+15005550006",
            phone_to=to,
            message=MESSAGES[n % len(MESSAGES)].format(n=n),
        )
        templates.append(entry_from_send(test, _answer(to, n), profile=f"Customer {n % 40:02d}"))
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=80)
    step = datetime.timedelta(days=80) / count
    out = []
    for i in range(count):
        base = templates[i % len(templates)]
        to = base.phone_to if base.phone_to in MAGIC else f"+1415{i:07d}"
        out.append(
            dataclasses.replace(
                base,
                time=start + step * i,
                phone_to=to,
                message=base.message.replace("{n}", str(i)),
                profile=f"Customer {i % 400:03d}",
            )
        )
    return out


def _number_found_once(count: int) -> str:
    """A To number that only one entry (near the middle) has."""
    numbers = 9  # MAGIC's five, then four ordinary ones
    i = count // 2
    while (i % 300) % numbers < len(MAGIC):
        i += 1
    return f"+1415{i:07d}"


def build(path: Path, count: int) -> float:
    """A database of `count` entries at `path` (one transaction); seconds it took."""
    started = time.perf_counter()
    store = HistoryStore(path)
    conn = store._connection()
    assert conn is not None
    rows = _entries(count)
    conn.execute("BEGIN")
    for entry in rows:
        new_id = conn.execute(history._INSERT, entry._values()).lastrowid
        conn.execute(
            "INSERT INTO sends_text (id, text) VALUES (?, ?)", (new_id, entry.search_text())
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return time.perf_counter() - started


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str, bool | None]] = []
    with tempfile.TemporaryDirectory(prefix="smstester-bench-history-") as folder:
        os.environ["SMSTESTER_CONFIG_DIR"] = folder
        history.set_retention(history.Settings(), None)  # the generated times are kept
        path = Path(folder) / history.FILE_NAME
        built = build(path, args.count)
        size = path.stat().st_size / 1024 / 1024
        print(f"{args.count:,} entries built in {built:.1f} s: {size:.1f} MiB", file=sys.stderr)
        store = HistoryStore(path)
        assert store.count() == args.count
        page = 201
        once = _number_found_once(args.count)
        queries = {
            "a number found once": once,
            "found nowhere (every row read)": "no entry holds this",
            "a code found everywhere": "21610",
            "one character": "9",
        }
        worst = 0.0
        for name, text in queries.items():
            store.search(text, limit=page)  # warm: the file in the page cache
            ms = median_ms(lambda t=text: store.search(t, limit=page), args.runs)
            found = len(store.search(text, limit=page))
            worst = max(worst, ms)
            rows.append((f"filter, {name} ({found} rows)", f"{ms:.1f} ms", "< 50 ms", ms < 50))
        rows.append(("filter, the worst of these", f"{worst:.1f} ms", "< 50 ms", worst < 50))

        test = SmsTest(
            brand_url="brand.example.com",
            integration_id="int-0001",
            auth_key="ak-bench-SECRET-0001",
            username="AC" + "1" * 32,
            password="tok-bench-SECRET-0001",
            phone_from="+15005550006",
            phone_to="+15005550004",
            message="Bench insert",
        )
        answer = _answer("+15005550004", 1)
        entry = entry_from_send(test, answer, profile="Bench")
        store.record(entry)  # the first write prunes (retention) once: not a send's cost
        insert = median_ms(lambda: store.record(entry), 200)
        rows.append(("insert one send (record)", f"{insert:.2f} ms", "< 2 ms", insert < 2))
        building = median_ms(lambda: entry_from_send(test, answer, profile="Bench"), 200)
        rows.append(("build the entry (mask, diagnose)", f"{building:.2f} ms", "info", None))
        store.close()

        def first_page() -> None:
            with HistoryStore(path) as fresh:
                assert len(fresh.search(limit=page)) == page

        opened = median_ms(first_page, args.runs)
        rows.append(("first page: open the file + newest 200", f"{opened:.1f} ms", "info", None))
        rows += _panel_rows(path, args.runs)
        rows += _startup_rows(Path(folder), max(5, args.runs // 3))

    width = max(len(r[0]) for r in rows)
    print(f"{'row'.ljust(width)}  {'measured':>10}  {'goal':>8}  result")
    for name, measured, goal, ok in rows:
        mark = {True: "✓ pass", False: "✗ FAIL", None: "info"}[ok]
        print(f"{name.ljust(width)}  {measured:>10}  {goal:>8}  {mark}")
    return 1 if any(ok is False for *_, ok in rows) else 0


def _first_paint_ms(config: Path) -> float:
    """A whole `smstester --screenshot` process with `config` as its config folder: the
    milliseconds from its start to the window's first paint (tests/bench/first_paint.py)."""
    import subprocess

    painted = config.parent / f"{config.name}.painted"
    painted.unlink(missing_ok=True)
    env = dict(os.environ, SMSTESTER_CONFIG_DIR=str(config), QT_QPA_PLATFORM="offscreen")
    begun = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            str(HERE / "first_paint.py"),
            str(painted),
            "--",
            "--screenshot",
            str(config.parent / f"{config.name}.png"),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (float(painted.read_text()) - begun) * 1000


def _startup_rows(full: Path, runs: int) -> list[tuple[str, str, str, bool | None]]:
    """The window's start with the history of `full` (100,000 entries) and with none,
    interleaved: the panel loads after the first paint, so the two should not differ."""
    empty = full.parent / f"{full.name}-empty"
    empty.mkdir()
    _first_paint_ms(full), _first_paint_ms(empty)  # warm: bytecode, page cache
    times: dict[str, list[float]] = {"full": [], "empty": []}
    for i in range(runs):
        order = [("full", full), ("empty", empty)] if i % 2 else [("empty", empty), ("full", full)]
        for key, folder in order:
            times[key].append(_first_paint_ms(folder))
    with_them, without = statistics.median(times["full"]), statistics.median(times["empty"])
    ratio = with_them / without
    return [
        (
            "start-up to the first paint: 100,000 entries vs none",
            f"{ratio:.2f}× ({with_them:.0f} ms vs {without:.0f} ms, median of {runs})",
            "≤ 1.05×",
            ratio <= 1.05,
        )
    ]


def _panel_rows(path: Path, runs: int) -> list[tuple[str, str, str, bool | None]]:
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from smstester.ui.history import FILTER_DELAY_MS, PAGE, HistoryPanel

    app = QApplication.instance() or QApplication([])

    def wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise RuntimeError("the panel did not answer in time")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
            # A short sleep between looks: a busy loop would fight the worker for the GIL.
            time.sleep(0.0005)

    built, shown, filtered = [], [], []
    for _ in range(max(5, runs // 3)):
        started = time.perf_counter()
        panel = HistoryPanel(HistoryStore(path))
        built.append(time.perf_counter() - started)
        started = time.perf_counter()
        panel.show()
        wait(lambda p=panel: p.model.rowCount() >= PAGE)
        shown.append(time.perf_counter() - started)
        for text in (_number_found_once(100_000), "21610", "no entry holds this"):
            started = time.perf_counter()
            panel.model.reload(text)  # what the debounce timer does once typing pauses
            generation = panel.model.generation
            wait(lambda p=panel, g=generation: not p.model._loading and p.model.generation == g)
            filtered.append(time.perf_counter() - started)
        panel.shutdown()
        panel.deleteLater()
        QCoreApplication.processEvents()
    del app
    ms = statistics.median(filtered) * 1000
    return [
        (
            "panel: build (no database work)",
            f"{statistics.median(built) * 1000:.1f} ms",
            "info",
            None,
        ),
        (
            "panel: show to the first 200 rows",
            f"{statistics.median(shown) * 1000:.1f} ms",
            "info",
            None,
        ),
        (
            f"panel: filter to rows (after the {FILTER_DELAY_MS} ms pause)",
            f"{ms:.1f} ms",
            "< 50 ms",
            ms < 50,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())

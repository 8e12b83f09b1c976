"""smstester's benchmarks: one table, every row measured now, on this machine.

Run: ``bash .ci/dev bench`` or ``python tests/bench/run.py [--quick] [--markdown]``
(with ``QT_QPA_PLATFORM=offscreen`` where there is no display; the script sets it when
nothing is set). Not part of the test suite and not a pass/fail gate: it prints what it
measured next to the goal of each row (issue 7) and exits 0 unless a benchmark could not
run at all. ``--markdown`` prints the table as Markdown (what the README shows);
``--only big-answers`` runs the two big-answer rows alone; they use only what every
version of the window has, so a copy of this script measures an older checkout too (which
takes minutes there).

Rows:

- start-up: whole process ``smstester --screenshot FILE`` against ``bare_window.py`` (a bare
  PySide6 QMainWindow with as many widgets, screenshot taken the same way), interleaved,
  median of N runs each, after one discarded warm-up run of each (bytecode cached, files in
  the page cache: a second start, as a user sees it every day);
- peak memory: ru_maxrss of those same child processes (os.wait4), median; and the peak
  they had reached at their first paint (informational: smstester's screenshot is taken
  later, once the keyring check is done, with the HTTP client and the keyring loaded);
- warm send: ``SmsClient.send`` (build, send, read, parse) against the in-process sandbox,
  a warm client, median of 200, next to ``curl`` doing the same request (whole process);
- number check per keystroke: ``check_number`` on every prefix of typed numbers, median;
  and the window's whole reaction to a typed key in the To field (informational);
- segment recount of 1,600 characters (``bench_segments``), the worst flavour's median;
- longest stall of the UI event loop while a 3 s slow send (``fault-slow-3``) is in flight;
- Cancel to an idle window, median;
- longest stall of the UI event loop while the window receives and shows a 4 MiB `data`,
  and 100,000 error items, from a server on 127.0.0.1 (click to entry shown, then opening
  "Show raw answer" until the viewer holds the whole answer).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

#: Qt needs a platform; without a display the offscreen one renders all the same.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Row:
    name: str
    measured: str
    goal: str
    ok: bool | None  # None: informational, no goal
    note: str = ""

    @property
    def mark(self) -> str:
        return {True: "✓ pass", False: "✗ FAIL", None: "info"}[self.ok]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


# --- the machine ----------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpu = cpu or platform.processor() or platform.machine()
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion

    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Qt {qVersion()} (PySide6 {pyside}), "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '')}"
    )


# --- start-up and peak memory: whole processes ----------------------------------------


def _child_env(work: Path, source: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if source is not None:  # another checkout's smstester (before/after comparisons)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    env["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    env["SMSTESTER_CONFIG_DIR"] = str(work / "config")  # a first start: no profiles
    # Bytecode cached as after any install, but outside the source tree; the warm-up
    # run writes it, for both programs alike.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _run_child(
    argv: Sequence[str], env: dict[str, str], cwd: Path, painted: Path | None = None
) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one child process; with `painted`
    (a file the child writes `time.monotonic()` into at its first paint), the time from
    the start to that first paint instead."""
    if painted is not None:
        painted.unlink(missing_ok=True)
    begun = time.monotonic()
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}:\n{err}")
    if painted is not None:
        elapsed = float(painted.read_text()) - begun
    return elapsed, usage.ru_maxrss  # KiB on Linux


def _smstester_argv(source: Path | None = None) -> list[str]:
    script = Path(sys.executable).parent / "smstester"
    if script.exists() and source is None:
        return [str(script)]
    return [sys.executable, "-m", "smstester"]


def count_window_widgets(env: dict[str, str]) -> int:
    """len(findChildren(QWidget)) of smstester's window as --screenshot shows it, once it
    is up (what it makes right after its first paint included: the History panel)."""
    code = (
        "import time\n"
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([])\n"
        "from smstester.ui import build_window\n"
        "w = build_window([])\n"
        "w.show()\n"
        "end = time.monotonic() + 0.5\n"
        "while time.monotonic() < end:\n"
        "    app.processEvents()\n"
        "    time.sleep(0.005)\n"
        "print(len(w.findChildren(QWidget)))\n"
        "w.shutdown()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def bench_startup(runs: int, source: Path | None = None) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="smstester-bench-") as folder:
        work = Path(folder)
        env = _child_env(work, source)
        widgets = count_window_widgets(env)
        painted = {"app": work / "app.painted", "bare": work / "bare.painted"}
        app_argv = [
            sys.executable,
            str(HERE / "first_paint.py"),
            str(painted["app"]),
            "--",
            "--screenshot",
            str(work / "smstester.png"),
        ]
        bare_argv = [
            sys.executable,
            str(HERE / "bare_window.py"),
            "--widgets",
            str(widgets),
            "--screenshot",
            str(work / "bare.png"),
            "--painted",
            str(painted["bare"]),
        ]
        times: dict[str, list[float]] = {"app": [], "bare": []}
        memory: dict[str, list[int]] = {"app": [], "bare": []}
        _run_child(bare_argv, env, work)  # warm-up: bytecode, page cache, font cache
        _run_child(app_argv, env, work)
        at_paint: dict[str, list[int]] = {"app": [], "bare": []}
        for i in range(runs):
            order = [("bare", bare_argv), ("app", app_argv)]
            if i % 2:
                order.reverse()
            for key, argv in order:
                seconds, kib = _run_child(argv, env, work, painted[key])
                times[key].append(seconds)
                memory[key].append(kib)
                # the peak so far when the window first painted (first_paint.py and
                # bare_window.py write it next to the time)
                at_paint[key].append(int(Path(f"{painted[key]}.kib").read_text()))
        for png in ("smstester.png", "bare.png"):
            if (work / png).stat().st_size < 1000:
                raise RuntimeError(f"{png} is not a real screenshot")
    app_t, bare_t = statistics.median(times["app"]), statistics.median(times["bare"])
    app_m, bare_m = statistics.median(memory["app"]), statistics.median(memory["bare"])
    t_ratio, m_ratio = app_t / bare_t, app_m / bare_m
    app_p, bare_p = statistics.median(at_paint["app"]), statistics.median(at_paint["bare"])
    return [
        Row(
            "start-up: `smstester` to its first paint vs bare PySide6 window",
            f"{t_ratio:.2f}× ({app_t * 1000:.0f} ms vs {bare_t * 1000:.0f} ms)",
            "≤ 1.3×",
            t_ratio <= 1.3,
            f"process start to first paint, median of {runs} each, interleaved; {widgets} "
            "widgets each",
        ),
        Row(
            "peak memory of the same two processes",
            f"{m_ratio:.2f}× ({app_m / 1024:.0f} MiB vs {bare_m / 1024:.0f} MiB)",
            "≤ 1.3×",
            m_ratio <= 1.3,
            "ru_maxrss of each child, median",
        ),
        Row(
            "peak memory of the same two processes to their first paint",
            f"{app_p / bare_p:.2f}× ({app_p / 1024:.0f} MiB vs {bare_p / 1024:.0f} MiB)",
            "(info)",
            None,
            "ru_maxrss when the window first paints; the screenshot is taken later, once the "
            "keyring check (and a Brand-URL look-up) is done",
        ),
    ]


# --- a warm send next to curl ---------------------------------------------------------


def bench_send(sends: int, curl_runs: int) -> list[Row]:
    from smstester.core.client import SmsClient
    from smstester.core.request import (
        encode_body,
        endpoint_url,
        normalized,
        request_body,
        request_headers,
    )
    from smstester.sandbox import SandboxServer

    rows: list[Row] = []
    with SandboxServer() as server:
        demo = server.demo
        test = demo.as_test()
        times: list[float] = []
        with SmsClient() as client:
            for _ in range(20):  # warm: connection open, code paths hot
                assert client.send(test).success
            for _ in range(sends):
                start = time.perf_counter()
                result = client.send(test)
                times.append(time.perf_counter() - start)
                if not result.success:
                    raise RuntimeError(f"the sandbox refused the demo send: {result.error}")
        send = statistics.median(times)

        curl = shutil.which("curl")
        curl_time: float | None = None
        if curl:
            ready = normalized(test)
            argv = [curl, "-sS", "-X", "POST", endpoint_url(ready.base_url, ready.integration_id)]
            for name, value in request_headers(ready).items():
                argv += ["-H", f"{name}: {value}"]
            argv += ["--data-raw", encode_body(request_body(ready)).decode("utf-8")]
            curl_times: list[float] = []
            for i in range(curl_runs + 2):
                start = time.perf_counter()
                out = subprocess.run(argv, capture_output=True, check=True)
                if i >= 2:  # the first two warm the page cache
                    curl_times.append(time.perf_counter() - start)
                if b'"success":true' not in out.stdout.replace(b" ", b""):
                    raise RuntimeError(f"curl's request was refused: {out.stdout[:200]!r}")
            curl_time = statistics.median(curl_times)

    ok = send < 0.002 and (curl_time is None or send < curl_time)
    rows.append(
        Row(
            "warm send to the sandbox (SmsClient.send) vs curl",
            f"{_ms(send)} vs curl {_ms(curl_time) if curl_time else '(no curl)'}",
            "< curl, < 2 ms",
            ok,
            f"median of {sends} sends on one warm client (build, send, read, parse); "
            f"curl: whole process, median of {curl_runs}",
        )
    )
    return rows


# --- per keystroke: number check, segment recount -------------------------------------

#: Numbers as people type them, with the region the form would have.
TYPED_NUMBERS = [
    ("+1 415-555-2671", None),
    ("(415) 555-2671", "US"),
    ("+44 7911 123456", None),
    ("07911 123456", "GB"),
    ("+49 1512 3456789", None),
    ("+15005550006", None),
]


def bench_check_number(repeats: int) -> Row:
    from smstester.core.phone import check_number

    for text, region in TYPED_NUMBERS:  # load the metadata, as a running window has
        check_number(text, region)
    times: list[float] = []
    for _ in range(repeats):
        for text, region in TYPED_NUMBERS:
            for end in range(1, len(text) + 1):
                prefix = text[:end]
                start = time.perf_counter()
                check_number(prefix, region)
                times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return Row(
        "number check per keystroke (check_number)",
        f"{_us(median)} median, {_us(max(times))} max",
        "≤ 100 µs median",
        median <= 100e-6,
        f"every prefix of {len(TYPED_NUMBERS)} typed numbers, ×{repeats}",
    )


def bench_diagnosis(repeats: int) -> Row:
    """What an answer means: the slowest of four kinds of failure."""
    import json

    from smstester.core.client import Failure, SendResult
    from smstester.core.diagnosis import diagnose
    from smstester.core.envelope import parse_body

    def answered(status: int, body: object) -> SendResult:
        raw = json.dumps(body).encode()
        return SendResult("POST", "https://h/x", 1.0, http_status=status, body=parse_body(raw))

    items = [
        {"code": f"E{i}", "message": f"detail {i}", "correlationId": f"c{i}"} for i in range(50)
    ]
    results = [
        answered(400, {"success": False, "statusCode": 400, "errors": [*items, {"code": 21608}]}),
        answered(404, {"success": False, "errors": [{"code": "AppIntegrationNotFound"}]}),
        answered(502, {"success": False, "message": "see https://twilio.com/docs/errors/30007"}),
        SendResult("POST", "https://h/x", 1.0, failure=Failure.TLS, error="… not trusted …"),
    ]
    worst: list[float] = []
    for result in results:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            diagnose(result)
            times.append(time.perf_counter() - start)
        worst.append(statistics.median(times))
    return Row(
        "diagnosing a result (diagnose)",
        f"{_us(max(worst))} median for the slowest of 4 kinds (51 error items)",
        "< 1 ms",
        max(worst) < 1e-3,
    )


def bench_segments(runs: int) -> Row:
    import bench_segments as seg

    from smstester.core.segments import count_segments

    cases = {
        "GSM-7": seg._fill(seg._GSM_WORDS),
        "GSM-7 extension": seg._fill(seg._GSM_EXT),
        "UCS-2 Cyrillic": seg._fill(seg._CYRILLIC),
        "UCS-2 some emoji": seg._fill(seg._SOME_EMOJI),
        "UCS-2 emoji-dense": seg._fill(seg._EMOJI),
    }
    medians: dict[str, float] = {}
    for name, text in cases.items():
        count_segments(text)
        medians[name] = seg._median_ns(lambda text=text: count_segments(text), runs) / 1e9
    worst = max(medians, key=medians.__getitem__)
    budget = seg.BUDGET_NS / 1e9
    return Row(
        f"segment recount of {seg.LENGTH:,} characters",
        f"{_us(medians[worst])} ({worst}, the slowest); GSM-7 {_us(medians['GSM-7'])}",
        f"≤ {budget * 1000:.0f} ms",
        medians[worst] <= budget,
        f"count_segments, median of {runs} per flavour (bench_segments.py has the detail)",
    )


# --- the window: typing, a slow send, cancel ------------------------------------------


def _wait(app: object, condition: Callable[[], bool], timeout: float) -> bool:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        app.processEvents()  # type: ignore[attr-defined]
        if condition():
            return True
        time.sleep(0.001)
    return condition()


def _run_loop(condition: Callable[[], bool], timeout: float) -> bool:
    """Run the real Qt event loop (QEventLoop.exec) until `condition()` or `timeout` s."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    end = time.perf_counter() + timeout

    def check() -> None:
        if condition() or time.perf_counter() > end:
            loop.quit()

    checker = QTimer()
    checker.setInterval(5)
    checker.timeout.connect(check)
    checker.start()
    loop.exec()
    checker.stop()
    return condition()


def bench_window(cancel_runs: int) -> list[Row]:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

    from smstester.ui import build_window
    from smstester.ui.window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = build_window(["--sandbox"])
    assert isinstance(window, MainWindow)
    window.show()
    rows: list[Row] = []
    try:
        # Steady state: profiles read, keyring looked for, HTTP client warmed up.
        if not _wait(app, lambda: window.profiles.store is not None, 10):
            raise RuntimeError("the profiles never loaded")
        _wait(app, lambda: False, 1.0)
        if not _wait(app, lambda: not window.tasks.busy and not window.profiles.tasks.busy, 10):
            raise RuntimeError("the window's start-up work never finished")
        send_button = window.findChild(QPushButton, "sendButton")
        to_edit = window.findChild(QLineEdit, "toEdit")
        integration = window.findChild(QLineEdit, "integrationIdEdit")
        assert send_button is not None and to_edit is not None and integration is not None

        # Typing a number into To, key by key: the window's whole reaction to one key
        # (number check, status label, Send enabled or not, profile state).
        key_times: list[float] = []
        for _ in range(5):
            to_edit.clear()
            app.processEvents()
            for ch in "+14155552671":
                start = time.perf_counter()
                QTest.keyClick(to_edit, ch)
                key_times.append(time.perf_counter() - start)
            app.processEvents()
        key = statistics.median(key_times)
        rows.append(
            Row(
                "the window's reaction to a key typed in To",
                f"{_us(key)} median, {_ms(max(key_times))} max",
                "(info)",
                None,
                "QTest.keyClick: check, status label, Send button, profile state",
            )
        )

        # A key typed at the end of a 1,600-character message: recount, label, culprit
        # marks, look-alike check, Send state. Emoji-dense is the worst case.
        message = window.form.message
        typing: dict[str, list[float]] = {}
        for flavour, text in (("GSM-7", "a" * 1599), ("emoji-dense", "🎉x" * 533)):
            message.setPlainText(text)
            message.moveCursor(message.textCursor().MoveOperation.End)
            app.processEvents()
            times = typing[flavour] = []
            for _ in range(30):
                start = time.perf_counter()
                QTest.keyClick(message, "a")
                app.processEvents()
                times.append(time.perf_counter() - start)
                QTest.keyClick(message, Qt.Key.Key_Backspace)
                app.processEvents()
        worst = statistics.median(typing["emoji-dense"])
        plain = statistics.median(typing["GSM-7"])
        rows.append(
            Row(
                "a key typed in a 1,600-character message",
                f"{_ms(worst)} median (emoji-dense), GSM-7 {_ms(plain)}",
                "≤ 16 ms (a frame)",
                worst <= 0.016,
                "QTest.keyClick + events: recount, label, culprit marks, Send state",
            )
        )
        message.setPlainText(window.sandbox.demo.message if window.sandbox else "hi")

        # The longest stall of the event loop while a 3 s send is in flight.
        integration.setText("fault-slow-3")
        app.processEvents()
        interval_ms = 2
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(interval_ms)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        _run_loop(lambda: len(ticks) > 20, 2)
        entries = window.log.toPlainText().count("POST ")
        started = time.perf_counter()
        QTest.mouseClick(send_button, _left_button())
        if not window.in_flight:
            raise RuntimeError("the slow send did not start")
        if not _run_loop(lambda: not window.in_flight, 10):
            raise RuntimeError("the slow send never ended")
        took = time.perf_counter() - started
        _run_loop(lambda: False, 0.05)
        timer.stop()
        log = window.log.toPlainText()
        if log.count("POST ") <= entries or "statusCode 200" not in log:
            raise RuntimeError("the slow send did not succeed")
        if took < 2.9:
            raise RuntimeError(f"the slow send took {took:.1f} s, not 3 s")
        during = [t for t in ticks if t >= started - 0.05]
        gaps = [b - a for a, b in itertools.pairwise(during)]
        stall = max(gaps) - interval_ms / 1000
        rows.append(
            Row(
                "longest UI event-loop stall during a 3 s slow send",
                _ms(stall),
                "≤ 20 ms",
                stall <= 0.020,
                f"QTimer every {interval_ms} ms, max gap beyond it over the {took:.1f} s "
                f"send ({len(gaps)} ticks), click to answer",
            )
        )

        # Cancel to an idle window.
        cancel_times: list[float] = []
        for _ in range(cancel_runs):
            window.send()
            if not _wait(app, lambda: window.in_flight, 2):
                raise RuntimeError("the send to cancel did not start")
            _wait(app, lambda: False, 0.05)  # well in flight: connected, waiting
            start = time.perf_counter()
            window.cancel()
            idle = _wait(app, lambda: send_button.isEnabled() and not window.in_flight, 2)
            cancel_times.append(time.perf_counter() - start)
            if not idle:
                raise RuntimeError("the window did not come back to idle after Cancel")
            if not _wait(app, lambda: not window.tasks.busy, 5):
                raise RuntimeError("the cancelled send's worker did not end")
        cancel = statistics.median(cancel_times)
        rows.append(
            Row(
                "Cancel to an idle window",
                f"{_ms(cancel)} median, {_ms(max(cancel_times))} max",
                "≤ 50 ms",
                cancel <= 0.050,
                f"cancel() until Send is enabled again, events processed; {cancel_runs} runs",
            )
        )
    finally:
        window.close()
        window.shutdown()
    return rows


# --- the window: big answers ----------------------------------------------------------

#: What the big-answer server sends, by integration id (each a 400 failure envelope).
MIB = 1 << 20


def _big_bodies() -> dict[str, bytes]:
    import json

    def envelope(**fields: object) -> bytes:
        return json.dumps({"success": False, "statusCode": 400, "message": "m", **fields}).encode()

    items = [{"code": 20000 + i, "message": f"error item {i}"} for i in range(100_000)]
    return {
        "big-data": envelope(data="0123456789abcdef" * (4 * MIB // 16)),
        "many-errors": envelope(errors=items),
    }


def _big_answer_server(bodies: dict[str, bytes]) -> object:
    """A stdlib HTTP server on 127.0.0.1 answering POST .../{id}/sms/test with bodies[id]."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = bodies.get(self.path.split("/")[-3], b"{}")
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _stall_probe(interval_ms: int = 2) -> tuple[object, list[float]]:
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    return timer, ticks


def _longest_gap(ticks: list[float], interval_ms: int = 2) -> float:
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return max(gaps, default=0.0) - interval_ms / 1000


def _raw_viewer_loaded(window: object) -> bool:
    """True once a raw-answer dialog is up and its viewer holds the whole text (an older
    window's dialog, which has no such viewer, counts once it is up)."""
    from PySide6.QtWidgets import QDialog, QWidget

    for dialog in window.findChildren(QDialog):  # type: ignore[attr-defined]
        if dialog.isVisible():
            view = dialog.findChild(QWidget, "rawAnswerView")
            return view is None or bool(view.is_loaded())  # type: ignore[attr-defined]
    return False


def bench_big_answers() -> list[Row]:
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QApplication, QDialog

    from smstester.ui import build_window
    from smstester.ui.window import MainWindow

    app = QApplication.instance() or QApplication([])
    bodies = _big_bodies()
    server = _big_answer_server(bodies)
    window = build_window(["--sandbox"])
    assert isinstance(window, MainWindow)
    window.show()
    rows: list[Row] = []
    try:
        if not _wait(app, lambda: window.profiles.store is not None, 10):
            raise RuntimeError("the profiles never loaded")
        _wait(app, lambda: False, 1.0)
        port = server.server_address[1]  # type: ignore[attr-defined]
        window.form.base_url.setEditText(f"http://127.0.0.1:{port}")
        for key, name, what in (
            ("big-data", "a 4 MiB answer", "4 MiB `data`"),
            ("many-errors", "100,000 error items", "100,000 error items"),
        ):
            window.form.integration_id.setText(key)
            _run_loop(lambda: False, 0.2)
            timer, ticks = _stall_probe()
            before = window.log.toPlainText().count("POST ")
            timer.start()  # type: ignore[attr-defined]
            _run_loop(lambda: False, 0.05)
            started = time.perf_counter()
            window.send()
            if not _run_loop(
                lambda before=before: (
                    not window.in_flight and window.log.toPlainText().count("POST ") > before
                ),
                600,
            ):
                raise RuntimeError(f"the answer with {what} never showed")
            took = time.perf_counter() - started
            _run_loop(lambda: False, 0.3)
            shown = _longest_gap(ticks)
            ticks.clear()
            _run_loop(lambda: False, 0.05)
            opened_at = time.perf_counter()
            count = getattr(window.log, "entry_count", None) or getattr(window.log, "_count", 0)
            window.log._open_anchor(QUrl(f"raw:{count}"))
            if not _run_loop(lambda: _raw_viewer_loaded(window), 120):
                raise RuntimeError(f"the raw answer with {what} never showed")
            opened = time.perf_counter() - opened_at
            _run_loop(lambda: False, 0.3)
            timer.stop()  # type: ignore[attr-defined]
            raw = _longest_gap(ticks)
            for dialog in window.findChildren(QDialog):
                dialog.close()
            _run_loop(lambda: False, 0.1)
            worst = max(shown, raw)
            rows.append(
                Row(
                    f"longest UI stall for {name}",
                    f"{_ms(worst)} (answer {_ms(shown)}, raw answer {_ms(raw)})",
                    "≤ 50 ms",
                    worst <= 0.050,
                    f"QTimer every 2 ms; {len(bodies[key]) / MIB:.1f} MiB body from 127.0.0.1: "
                    f"click to entry in {took:.1f} s, Show raw answer to the whole text in "
                    f"{opened:.1f} s",
                )
            )
    finally:
        window.close()
        window.shutdown()
        server.shutdown()  # type: ignore[attr-defined]
        server.server_close()  # type: ignore[attr-defined]
    return rows


def _left_button() -> object:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


# --- the table ------------------------------------------------------------------------


def render(rows: list[Row], where: str, markdown: bool) -> str:
    header = ("Benchmark", "Measured", "Goal", "Result")
    cells = [(r.name, r.measured, r.goal, r.mark) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        lines += ["", f"Measured on: {where}."]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(4)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for row, cell in zip(rows, cells, strict=True):
        out.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
        if row.note:
            out.append(" " * (widths[0] + 2) + f"({row.note})")
    out += ["", f"Machine: {where}"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a rough table)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--runs", type=int, default=None, help="start-up runs per program")
    parser.add_argument(
        "--startup-only",
        metavar="CHECKOUT",
        type=Path,
        nargs="?",
        const=ROOT,
        help="only the start-up and memory rows, for the smstester in CHECKOUT (default: "
        "this one), e.g. a `git worktree` of an older commit for a before/after comparison",
    )
    parser.add_argument(
        "--only",
        choices=["big-answers", "diagnosis"],
        help="only these rows (the big answers take a while on an older checkout)",
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    runs = args.runs or (3 if quick else 7)

    started = time.perf_counter()
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("start-up and memory", lambda: bench_startup(runs)),
        ("warm send and curl", lambda: bench_send(50 if quick else 200, 10 if quick else 30)),
        ("number check", lambda: [bench_check_number(3 if quick else 20)]),
        ("segment recount", lambda: [bench_segments(50 if quick else 300)]),
        ("diagnosis", lambda: [bench_diagnosis(200 if quick else 2000)]),
        ("window", lambda: bench_window(3 if quick else 7)),
        ("big answers", bench_big_answers),
    ]
    if args.startup_only is not None:
        checkout: Path = args.startup_only.resolve()
        source = None if checkout == ROOT else checkout
        steps = [("start-up and memory", lambda: bench_startup(runs, source))]
    if args.only is not None:
        steps = [(title, step) for title, step in steps if title == args.only.replace("-", " ")]
    rows: list[Row] = []
    for title, step in steps:
        print(f"… {title}", file=sys.stderr, flush=True)
        rows += step()
    where = machine()
    print(render(rows, where, args.markdown))
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The history written by two processes at once (a real SQLite file, real processes):
nothing is lost. Out of tests/core: it starts subprocesses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from smstester.core.history import HistoryStore

ROOT = Path(__file__).resolve().parents[2]


_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from support import GOOD
    from smstester.core.client import SendResult
    from smstester.core.history import HistoryStore, entry_from_send

    store = HistoryStore(Path(sys.argv[1]))
    failed = 0
    for i in range(500):
        result = SendResult("POST", "http://h/", 1.0, http_status=200)
        test = GOOD.with_changes(message=f"{{sys.argv[2]}} {{i}}")
        if store.record(entry_from_send(test, result)).id is None:
            failed += 1
    print(failed)
    """
)


def test_two_processes_writing_500_each_lose_none(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    script = _WRITER.format(tests=str(ROOT / "tests"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        for name in ("one", "two")
    ]
    outs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert out.decode().strip() == "0"
    store = HistoryStore(path)
    assert store.count() == 1000
    assert store.count("one ") == 500
    assert store.count("two ") == 500
    messages = {e.message for e in store.search(limit=2000)}
    assert messages == {f"{name} {i}" for name in ("one", "two") for i in range(500)}

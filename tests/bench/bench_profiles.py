"""How the profile store copes with many profiles: import, re-import, load and list, save.

Run: ``python tests/bench/bench_profiles.py [--count N] [--root CHECKOUT]``. Builds an export
file of N profiles (default 10,000) in a temporary folder and measures, on real files:

- import of the N profiles into an empty store (goal: under 3 s);
- a re-import of the same N, every name taken so every one is renamed (goal: under 3 s);
- opening the store of N profiles and listing it (goal: under 1 s);
- saving one changed profile into that store (a whole read-modify-write of the file);
- looking one profile up by name;
- the whole ``smstester profiles list`` process on that store (goal: under 1 s; no keyring).

``--root`` measures another checkout of smstester (for before/after numbers); ``--runs``
passes are made (default 3) and the median of each row is shown. Prints a small table;
exits 1 when a goal is missed, 0 otherwise. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

_T = TypeVar("_T")


def _export_file(folder: Path, count: int) -> Path:
    """An export of `count` distinct profiles, as `profiles export` writes it."""
    profiles = [
        {
            "name": f"Customer {i:05d}",
            "base_url": "https://protocol.jframework.io",
            "brand_url": f"brand{i}.example.com",
            "integration_id": f"int-{i:05d}",
            "username": "AC" + f"{i:032x}",
            "phone_from": "+15005550006",
            "phone_to": "+14155552671",
            "message": f"Test message number {i}",
            "region": "US",
            "connect_timeout": 10.0,
            "read_timeout": 30.0,
            "ca_bundle": "",
            "verify_tls": True,
        }
        for i in range(count)
    ]
    path = folder / "export.json"
    path.write_text(json.dumps({"version": 1, "profiles": profiles}, indent=2), "utf-8")
    return path


def _timed(work: Callable[[], _T]) -> tuple[float, _T]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def _measure(folder: Path, source: Path, count: int, root: Path) -> list[tuple[str, float, str]]:
    """One pass over every row, in `folder`: (row, seconds, note) each."""
    from smstester.core.profiles import ProfileStore

    rows: list[tuple[str, float, str]] = []
    path = folder / "one" / "profiles.json"
    store = ProfileStore(path)
    seconds, report = _timed(lambda: store.import_profiles(source))
    rows.append((f"import {count:,} profiles", seconds, f"{len(report.imported):,} added"))

    # A copy of the store of N profiles for the rows that read it.
    single = folder / "single" / "profiles.json"
    single.parent.mkdir()
    shutil.copy(path, single)

    seconds, report = _timed(lambda: store.import_profiles(source))
    renamed = f"{len(report.renamed):,} renamed"
    rows.append((f"re-import the same {count:,} (all renamed)", seconds, renamed))

    def load_and_list() -> list[Any]:
        return ProfileStore(single).list()

    load_and_list()  # one warm-up: the file in the page cache, as on a second command
    seconds, listed = _timed(load_and_list)
    rows.append((f"open the store of {count:,} and list it", seconds, f"{len(listed):,}"))

    seconds, listed = _timed(lambda: ProfileStore(path).list())
    rows.append((f"open the store of {2 * count:,} and list it", seconds, f"{len(listed):,}"))

    opened = ProfileStore(single)
    middle = opened.list()[count // 2]
    changed = middle.with_changes(message="changed")
    seconds, _saved = _timed(lambda: opened.save(changed))
    rows.append((f"save one profile in a store of {count:,}", seconds, ""))

    names = [p.name.upper() for p in opened.list()[:: max(1, count // 1000)]]
    seconds, found = _timed(lambda: [opened.find(n) for n in names])
    per = seconds / max(1, len(names))
    hits = sum(1 for f in found if f is not None)
    rows.append(("find one profile by name", per, f"{hits:,} of {len(names):,} found"))

    env = {
        **os.environ,
        "SMSTESTER_CONFIG_DIR": str(single.parent),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONPATH": str(root),
    }
    command = [sys.executable, "-m", "smstester", "profiles", "list"]

    def cli_list() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(command, env=env, cwd=root, capture_output=True, check=False)

    cli_list()  # warm-up: bytecode cached
    seconds, done = _timed(cli_list)
    newlines = done.stdout.count(b"\n")
    lines = f"{newlines:,} lines" if done.returncode == 0 else f"exit {done.returncode}"
    rows.append((f"`smstester profiles list` of {count:,} (no keyring)", seconds, lines))
    return rows


#: Row -> goal in seconds (None: informational). Rows are matched by their first word(s).
_GOALS: Final = {
    "import": 3.0,
    "re-import": 3.0,
    "open the store of {n}": 1.0,
    "save": 1.0,
    "find": 0.001,
    "`smstester profiles list`": 1.0,
}


def _goal(row: str, count: int) -> float | None:
    for start, goal in _GOALS.items():
        if row.startswith(start.format(n=f"{count:,}") + " "):
            return goal
    return None


def _duration(seconds: float, *, exact: bool = False) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:g} µs" if exact else f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1000:g} ms" if exact else f"{seconds * 1000:.1f} ms"
    return f"{seconds:g} s" if exact else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="profiles (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="passes; the median is shown")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    count: int = args.count
    sys.path.insert(0, str(root))

    passes: list[list[tuple[str, float, str]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-profiles-") as temp:
        source = _export_file(Path(temp), count)
        for run in range(max(1, args.runs)):
            folder = Path(temp) / f"run{run}"
            folder.mkdir()
            passes.append(_measure(folder, source, count, root))

    failed = False
    print(f"profile store, {count:,} profiles, median of {len(passes)} run(s) ({root}):")
    print(f"  {'what':52} {'measured':>10} {'goal':>8}  result")
    for index, (name, _seconds, note) in enumerate(passes[0]):
        seconds = statistics.median(p[index][1] for p in passes)
        shown = _duration(seconds)
        goal = _goal(name, count)
        if goal is None:
            verdict, wanted = "info", ""
        else:
            ok = seconds <= goal
            failed |= not ok
            verdict = "pass" if ok else "FAIL"
            wanted = _duration(goal, exact=True)
        print(f"  {name:52} {shown:>10} {wanted:>8}  {verdict}  {note}".rstrip())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

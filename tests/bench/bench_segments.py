"""How long recounting SMS segments takes: the window recounts on every keystroke.

Run: ``python tests/bench/bench_segments.py [--runs N]``. Prints the median time to count a
1,600-character message in several flavours, and the median time per keystroke while typing
one character at a time up to 1,600. The budget is 1 ms per recount; the exit status is 1
when a median goes over it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from smstester.core.segments import count_segments, graphemes, replace_lookalikes

LENGTH = 1600
BUDGET_NS = 1_000_000

_GSM_WORDS = "Your code is 482913. It expires in 10 minutes; don't share it with anyone! "
_GSM_EXT = "Total: 12,50 € [ref {A-7}] paid ~ thanks | "
_CYRILLIC = "Ваш код подтверждения 482913. Никому его не сообщайте, пожалуйста! "
_SOME_EMOJI = "Your table for 4 is ready 🎉 see you at 8, don’t be late! Café Zoë 👋🏽 "
_EMOJI = "Hi 👋🏽 it’s “done” 🇩🇪🇫🇷 👩‍👩‍👧 café ✔️ "


def _fill(pattern: str, length: int = LENGTH) -> str:
    """*pattern* repeated up to *length* UTF-16 code units, cut between graphemes."""
    out: list[str] = []
    units = 0
    for grapheme in graphemes(pattern * (length // len(pattern) + 1)):
        units += len(grapheme.encode("utf-16-le")) // 2
        if units > length:
            break
        out.append(grapheme)
    return "".join(out)


def _median_ns(work: Callable[[], object], runs: int) -> float:
    times: list[int] = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        work()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times)


def _typing_ns(text: str) -> list[int]:
    times: list[int] = []
    for end in range(1, len(text) + 1):
        prefix = text[:end]
        start = time.perf_counter_ns()
        count_segments(prefix)
        times.append(time.perf_counter_ns() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=500, help="repetitions per case")
    args = parser.parse_args(argv)
    runs: int = args.runs

    cases = {
        "GSM-7, plain": _fill(_GSM_WORDS),
        "GSM-7, with € { } [ ] ~ |": _fill(_GSM_EXT),
        "UCS-2, one curly quote": _fill(_GSM_WORDS)[:-1] + "’",
        "UCS-2, Cyrillic": _fill(_CYRILLIC),
        "UCS-2, some emoji": _fill(_SOME_EMOJI),
        "UCS-2, emoji-dense (worst case)": _fill(_EMOJI),
    }
    worst = 0.0
    print(f"count_segments() on a {LENGTH}-character message, median of {runs} runs:")
    for name, text in cases.items():
        count_segments(text)  # warm the property cache, as a running window has
        median = _median_ns(partial(count_segments, text), runs)
        worst = max(worst, median)
        info = count_segments(text)
        print(f"  {name:32} {median / 1000:8.1f} µs   {info.summary()}")

    print(f"typing one character at a time up to {LENGTH} (recount per keystroke):")
    for name in ("GSM-7, plain", "UCS-2, some emoji", "UCS-2, emoji-dense (worst case)"):
        times = _typing_ns(cases[name])
        median = statistics.median(times)
        worst = max(worst, median)
        print(
            f"  {name:32} {median / 1000:8.1f} µs median, {max(times) / 1000:.1f} µs max, "
            f"{sum(times) / 1e6:.1f} ms for all {len(times)} keystrokes"
        )

    text = cases["UCS-2, some emoji"]
    median = _median_ns(partial(replace_lookalikes, text), runs)
    print(f'replace_lookalikes() on the "some emoji" message: {median / 1000:.1f} µs')

    verdict = "within" if worst <= BUDGET_NS else "OVER"
    print(f"worst median {worst / 1000:.1f} µs: {verdict} the {BUDGET_NS / 1000:.0f} µs budget")
    return 0 if worst <= BUDGET_NS else 1


if __name__ == "__main__":
    sys.exit(main())

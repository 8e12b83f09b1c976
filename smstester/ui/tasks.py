"""The one task runner: background work as `Task(QRunnable)` with a `Channel` carrying its result.

Every slow thing (network, keyring, disk) runs through `TaskRunner.start`, never on the UI
thread. A Channel lives on the UI thread and its signals are connected to its own slots, so
the delivery is queued and callbacks always run on the UI thread (a signal connected to a
plain function would run it on the worker).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_log = logging.getLogger("smstester")


class Channel(QObject):
    """Carries a task's outcome from the worker thread back to the UI thread."""

    result = Signal(object)
    #: The exception the task raised (the object itself, with its traceback).
    failed = Signal(object)

    def __init__(
        self,
        on_result: Callable[[Any], None] | None,
        on_failed: Callable[[BaseException], None] | None,
        on_done: Callable[[], bool],
    ) -> None:
        super().__init__()
        self._on_result, self._on_failed, self._on_done = on_result, on_failed, on_done
        self.result.connect(self._deliver_result)
        self.failed.connect(self._deliver_failure)

    @Slot(object)
    def _deliver_result(self, value: Any) -> None:
        if self._on_done() and self._on_result is not None:
            self._on_result(value)

    @Slot(object)
    def _deliver_failure(self, error: BaseException) -> None:
        if self._on_done() and self._on_failed is not None:
            self._on_failed(error)


class Task(QRunnable):
    """Runs `fn()` on the thread pool and reports its return value or its exception."""

    def __init__(self, fn: Callable[[], Any], channel: Channel) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.channel = channel

    def run(self) -> None:
        try:
            value = self.fn()
        except Exception as exc:  # a worker must never die silently
            self.channel.failed.emit(exc)
            return
        self.channel.result.emit(value)


def describe(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """`error` in words for the user. An error the core raises for the user — a
    `ValueError` (`ProfileError`, `InvalidInput` and the checks' own) or an `OSError` (a
    file that cannot be read or written) — is its message; anything else is a bug: it is
    "unexpected error: …", and its traceback goes to the `smstester` logger. Both are
    masked: no secret in `secrets` reaches the words or the log."""
    from smstester.core.report import masked

    if isinstance(error, (ValueError, OSError)):
        return masked(str(error) or type(error).__name__, secrets)
    trace = "".join(traceback.format_exception(error))
    _log.error("unexpected error in a background task:\n%s", masked(trace, secrets))
    detail = "".join(traceback.format_exception_only(error)).strip()
    return "unexpected error: " + masked(detail, secrets)


class TaskRunner(QObject):
    """Starts tasks on a thread pool and keeps them alive until they report."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._tasks: set[Task] = set()
        self._closed = False

    def start(
        self,
        fn: Callable[[], Any],
        *,
        result: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Run `fn` in the background; `result(value)` or `failed(exception)` runs on this
        thread (`describe` puts the exception in words)."""
        holder: list[Task] = []

        def done() -> bool:
            self._tasks.discard(holder[0])
            return not self._closed  # after close(), results are dropped

        channel = Channel(result, failed, done)
        task = Task(fn, channel)
        holder.append(task)
        self._tasks.add(task)
        self.pool.start(task)
        return task

    @property
    def busy(self) -> bool:
        """True while any task started here has not reported yet."""
        return bool(self._tasks)

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for every task to finish (only at shutdown); True when all did."""
        return self.pool.waitForDone(msecs)

    def close(self, msecs: int = 5000) -> bool:
        """At shutdown: wait for the tasks, and drop every result still on its way."""
        self._closed = True
        return self.wait(msecs)


class _GcPause:
    """Counts the blocks that hold the cycle collector off (see `gc_paused`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = True


_pause = _GcPause()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold Python's cycle collector off while the block runs (on a worker).

    A full collection walks every live object with the GIL held, and the UI thread waits
    for the GIL: a send that parses 100,000 error items set off several of 60-90 ms each.
    What a send allocates has no cycles (reference counting frees it), so nothing is lost
    by collecting once it is done. Nested and concurrent blocks are counted; the last one
    out puts the collector back as the first one found it."""
    with _pause.lock:
        if _pause.holders == 0:
            _pause.was_enabled = gc.isenabled()
            gc.disable()
        _pause.holders += 1
    try:
        yield
    finally:
        with _pause.lock:
            _pause.holders -= 1
            if _pause.holders == 0 and _pause.was_enabled:
                gc.enable()

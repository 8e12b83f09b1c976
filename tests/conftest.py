"""Shared fixtures. Every test runs offscreen with its own config folder and keyring."""

from __future__ import annotations

import itertools
import os
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from support import MemoryKeyring

from smstester.core.keystore import SecretStore
from smstester.core.profiles import ProfileStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def config_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test ever reads or writes the real user's profiles or settings."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("SMSTESTER_CONFIG_DIR", str(folder))
    for name in ("SMSTESTER_AUTH_KEY", "SMSTESTER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    # Subprocesses get no keyring unless a test gives them one (the real-keyring tests do).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return folder


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """In this process, the keyring is an in-memory one."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# -- a profile store and a secret store in a test's own folder ---------------------------


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "profiles.json"


@pytest.fixture
def store(path: Path) -> ProfileStore:
    return ProfileStore(path)


@pytest.fixture
def backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keys(backend: MemoryKeyring) -> SecretStore:
    return SecretStore(backend)


def _caller() -> str:
    """file:line of the code that called the patched Qt method (past the patch itself)."""
    frame = sys._getframe(2)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


@pytest.fixture(autouse=True)
def _no_leftover_qt_work(request: pytest.FixtureRequest) -> Iterator[None]:
    """As napari's leak fixture: a Qt test (one that uses qtbot) fails when it leaves a thread
    pool job, a QThread, a running QTimer, a pending single-shot timer or a Python thread
    behind, and the failure names where each was started."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QThread, QThreadPool, QTimer

    qtbot = request.getfixturevalue("qtbot")
    monkeypatch = request.getfixturevalue("monkeypatch")
    timers: weakref.WeakKeyDictionary[QTimer, str] = weakref.WeakKeyDictionary()
    threads: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    pools: dict[int, tuple[QThreadPool, list[str]]] = {}
    pending: dict[int, str] = {}  # single shots not fired yet -> where they were started
    counter = itertools.count()
    original_timer_start = QTimer.start
    original_single_shot = QTimer.singleShot
    original_pool_start = QThreadPool.start
    original_thread_start = QThread.start

    def timer_start(self: QTimer, *args: Any) -> None:
        timers[self] = _caller()
        original_timer_start(self, *args)

    def single_shot(msec: int, *args: Any) -> None:
        *receiver, slot = args
        key = next(counter)
        pending[key] = _caller()

        def fire() -> None:
            pending.pop(key, None)
            slot()

        original_single_shot(msec, *receiver, fire)

    def pool_start(self: QThreadPool, *args: Any) -> None:
        pools.setdefault(id(self), (self, []))[1].append(_caller())
        original_pool_start(self, *args)

    def thread_start(self: QThread, *args: Any) -> None:
        threads[self] = _caller()
        original_thread_start(self, *args)

    monkeypatch.setattr(QTimer, "start", timer_start)
    monkeypatch.setattr(QTimer, "singleShot", staticmethod(single_shot))
    monkeypatch.setattr(QThreadPool, "start", pool_start)
    monkeypatch.setattr(QThread, "start", thread_start)
    before = set(threading.enumerate())
    yield

    def idle(pool: QThreadPool) -> bool:
        try:
            return pool.activeThreadCount() == 0
        except RuntimeError:  # the pool is gone, and a pool waits for its jobs when it goes
            return True

    for pool, sites in pools.values():
        try:
            qtbot.waitUntil(lambda p=pool: idle(p), timeout=5000)
        except qtbot.TimeoutError:
            pytest.fail(f"thread pool jobs still running after the test, started at {sites}")
    try:
        qtbot.waitUntil(
            lambda: not {t for t in threading.enumerate() if t.is_alive()} - before, timeout=5000
        )
    except qtbot.TimeoutError:
        left = {t for t in threading.enumerate() if t.is_alive()} - before
        pytest.fail(f"Python thread(s) still running after the test: {sorted(map(str, left))}")
    running = []
    for timer, site in list(timers.items()):
        try:
            if timer.isActive():
                running.append(site)
        except RuntimeError:  # the C++ object is gone: not running
            continue
    assert not running, f"QTimer(s) still running after the test, started at {running}"
    assert not pending, f"single-shot timers still pending: {sorted(pending.values())}"
    alive = []
    for thread, site in list(threads.items()):
        try:
            if thread.isRunning():
                alive.append(site)
        except RuntimeError:
            continue
    assert not alive, f"QThread(s) still running after the test, started at {alive}"

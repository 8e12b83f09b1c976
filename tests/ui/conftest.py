"""Window fixtures: the window exactly as `smstester --sandbox` builds it (the leak check that
every Qt test gets is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from smstester.ui import build_window
from smstester.ui.window import MainWindow


class Dialogs:
    """Stand-ins for every question the window asks; tests set the answers."""

    def __init__(self) -> None:
        self.answer = True
        #: What `choose` answers: a button's index, or None for Cancel.
        self.choice: int | None = 1
        self.text: str | None = None
        self.path: str | None = None
        self.asked: list[str] = []
        #: For each question asked, whether Cancel was its default button.
        self.cancel_default: list[bool] = []
        self.informed: list[str] = []

    def ask(
        self,
        _parent: object,
        title: str,
        text: str,
        yes: str = "Yes",
        *,
        cancel_default: bool = False,
    ) -> bool:
        self.asked.append(f"{title}: {text}")
        self.cancel_default.append(cancel_default)
        return self.answer

    def choose(
        self, _parent: object, title: str, text: str, choices: tuple[str, ...]
    ) -> int | None:
        self.asked.append(f"{title}: {text} {choices}")
        return self.choice

    def ask_text(
        self, _parent: object, title: str, label: str, text: str = "", *, secret: bool = False
    ) -> str | None:
        self.asked.append(f"{title}: {label}" + (" (not shown as typed)" if secret else ""))
        return self.text

    def inform(self, _parent: object, title: str, text: str) -> None:
        self.informed.append(f"{title}: {text}")

    def file(self, *_args: object) -> str | None:
        return self.path


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """No test ever blocks on a real dialog."""
    stand_in = Dialogs()
    for name in ("ask", "choose", "ask_text", "inform"):
        monkeypatch.setattr(f"smstester.ui.dialogs.{name}", getattr(stand_in, name))
    monkeypatch.setattr("smstester.ui.dialogs.open_file", stand_in.file)
    monkeypatch.setattr("smstester.ui.dialogs.save_file", stand_in.file)
    return stand_in


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    """`smstester --sandbox`: every field filled in against an in-process sandbox."""
    win = build_window(["--sandbox"])
    assert isinstance(win, MainWindow)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.profiles.store is not None, timeout=5000)
    yield win
    win.close()

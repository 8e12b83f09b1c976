"""Profiles hardening through the CLI and a child process: `profiles save` refuses bad
timeouts, broken text and base URLs with a password; the store loads no HTTP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import acme

from smstester import cli
from smstester.core.profiles import (
    ProfileStore,
)

PASSWORD = "pw-Zq81-SECRET"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def test_the_store_does_not_load_the_http_client(path: Path) -> None:
    # Checking timeouts must not cost the window's start-up the import of httpx.
    ProfileStore(path).create(acme())
    code = (
        "import sys; from pathlib import Path; from smstester.core.profiles import ProfileStore;"
        f"store = ProfileStore(Path({str(path)!r})); store.list();"
        "print(sorted(m for m in ('httpx', 'smstester.core.client') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e308", "4000"])
def test_cli_save_refuses_a_bad_timeout_and_saves_nothing(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "profiles", "save", "Acme", f"--read-timeout={value}")
    assert code == 2
    assert "read timeout" in err and "Traceback" not in err
    assert ProfileStore().names() == []
    code, _, err = run(capsys, "profiles", "save", "Acme", f"--connect-timeout={value}")
    assert code == 2 and "connect timeout" in err


def test_cli_save_refuses_broken_text(capsys: pytest.CaptureFixture[str]) -> None:
    # An argument that is not UTF-8 reaches Python as a lone surrogate.
    code, _, err = run(capsys, "profiles", "save", "Acme", "--message", "bad \udcff byte")
    assert code == 2 and "broken character" in err and "Traceback" not in err
    assert ProfileStore().names() == []


def test_cli_save_refuses_a_base_url_with_a_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"https://u:{PASSWORD}@protocol.jframework.io"
    code, out, err = run(capsys, "profiles", "save", "Acme", "--base-url", url)
    assert code == 2 and "user name or password" in err
    assert PASSWORD not in out + err
    assert ProfileStore().names() == []
    assert not any(
        PASSWORD.encode() in f.read_bytes() for f in ProfileStore().path.parent.iterdir()
    )

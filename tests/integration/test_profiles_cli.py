"""The profiles CLI in this process, and a save killed in a child process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from support import AUTH_KEY, TOKEN, MemoryKeyring, acme

from smstester import cli
from smstester.cli.send import resolve_test
from smstester.core.profiles import (
    ProfileStore,
)
from smstester.core.storage import atomic_write_json

_SAVE_LOOP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from smstester.core.profiles import ProfileStore

    store = ProfileStore(Path(sys.argv[1]))
    profiles = store.list()
    i = 0
    while True:
        i += 1
        p = profiles[i % len(profiles)]
        store.save(p.with_changes(message=f"{i} " + "x" * (1000 + i % 5000)))
        print(i, flush=True)
    """
)


def test_kill_during_save_never_leaves_a_broken_file(path: Path) -> None:
    profiles = [acme(name=f"Customer {n}", message="m" * 2000).to_json() for n in range(300)]
    atomic_write_json(path, {"version": 1, "profiles": profiles})
    for saves_before_kill in (1, 4, 2, 9, 3, 6):
        child = subprocess.Popen(
            [sys.executable, "-c", _SAVE_LOOP, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            for _ in range(saves_before_kill):
                line = child.stdout.readline()
                assert line, child.stderr.read() if child.stderr else "the save loop ended"
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
            for stream in (child.stdout, child.stderr):
                if stream:
                    stream.close()
        assert child.returncode == -signal.SIGKILL
        data = json.loads(path.read_bytes())
        assert len(data["profiles"]) == 300
        after = ProfileStore(path)
        assert after.warnings == [] and len(after) == 300


# -- the profiles CLI ------------------------------------------------------------------------


@pytest.fixture
def os_keyring() -> Iterator[MemoryKeyring]:
    """The keyring `keyring` itself hands out (what the CLI uses), in memory."""
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_save_list_and_send_options(
    os_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", AUTH_KEY)
    monkeypatch.setenv("SMSTESTER_PASSWORD", TOKEN)
    code, out, err = run(
        capsys, "profiles", "save", "Acme", "--brand-url", "acme.example", "--integration-id",
        "int-1", "--username", "AC" + "2" * 32, "--from", "+15005550006", "--region", "US",
    )  # fmt: skip
    assert code == 0, err
    assert 'Created profile "Acme"' in out
    monkeypatch.delenv("SMSTESTER_AUTH_KEY")
    monkeypatch.delenv("SMSTESTER_PASSWORD")
    code, out, err = run(capsys, "profiles", "save", "acme", "--message", "hi")
    assert code == 0 and "Updated" in out
    code, out, _ = run(capsys, "profiles", "list", "--json")
    (row,) = json.loads(out)
    assert row["name"] == "Acme" and row["message"] == "hi" and row["brandUrl"] == "acme.example"
    assert row["secrets"] == {"authKey": True, "password": True}
    assert len(os_keyring.entries) == 2
    code, out, _ = run(capsys, "profiles", "list")
    assert "Acme" in out and "Auth-Key, Auth Token" in out
    assert AUTH_KEY not in out and TOKEN not in out

    # --profile: the profile's values, flags over them, secrets env over keyring.
    args = cli.build_parser().parse_args(["send", "--profile", "ACME", "--to", "+14155552671"])
    test = resolve_test(args).test
    assert (test.brand_url, test.message, test.region) == ("acme.example", "hi", "US")
    assert (test.auth_key, test.password) == (AUTH_KEY, TOKEN)
    monkeypatch.setenv("SMSTESTER_PASSWORD", "from-env")
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "from-env-key")  # never a flag (ps shows flags)
    args = cli.build_parser().parse_args(
        ["send", "--profile", "Acme", "--brand-url", "flag.example"]
    )
    test = resolve_test(args).test
    assert (test.brand_url, test.auth_key, test.password) == (
        "flag.example",
        "from-env-key",
        "from-env",
    )


def test_cli_send_with_missing_profile_is_bad_input(
    os_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "send", "--profile", "Nobody", "--json", "--to", "+14155552671")
    assert code == 2
    assert 'no profile is called "Nobody"' in err
    assert "no profile" in json.loads(out)["error"]


def test_cli_save_without_keyring_saves_nothing(
    no_keyring: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", AUTH_KEY)
    code, _, err = run(capsys, "profiles", "save", "Acme", "--brand-url", "b")
    assert code == 2
    assert "cannot store the secrets: no keyring was found" in err
    assert "Nothing was saved" in err
    assert len(ProfileStore()) == 0
    # Without secrets a profile can be saved all the same.
    monkeypatch.delenv("SMSTESTER_AUTH_KEY")
    code, _, err = run(capsys, "profiles", "save", "Acme", "--brand-url", "b")
    assert code == 0 and "no secrets given" in err
    code, out, err = run(capsys, "profiles", "list", "--json")
    assert json.loads(out)[0]["secrets"] == {"authKey": None, "password": None}
    assert "no keyring" in err


def test_cli_delete_export_import(
    os_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", AUTH_KEY)
    monkeypatch.setenv("SMSTESTER_PASSWORD", TOKEN)
    assert run(capsys, "profiles", "save", "Acme", "--brand-url", "b")[0] == 0
    out_file = tmp_path / "share.json"
    code, out, _ = run(capsys, "profiles", "export", str(out_file))
    assert code == 0 and "Exported 1 profile" in out
    assert AUTH_KEY.encode() not in out_file.read_bytes()
    code, out, _ = run(capsys, "profiles", "export", "-")
    assert json.loads(out)["profiles"][0]["name"] == "Acme"
    code, out, _ = run(capsys, "profiles", "import", str(out_file))
    assert code == 0 and '"Acme" is already there: not imported again.' in out
    assert ProfileStore().names() == ["Acme"]
    assert run(capsys, "profiles", "save", "Acme", "--brand-url", "changed")[0] == 0
    code, out, _ = run(capsys, "profiles", "import", str(out_file))
    assert code == 0 and '"Acme" already exists: imported as "Acme (2)"' in out
    code, out, _ = run(capsys, "profiles", "delete", "acme")
    assert code == 0 and 'Deleted profile "Acme"' in out
    assert os_keyring.entries == {}
    assert ProfileStore().names() == ["Acme (2)"]
    code, _, err = run(capsys, "profiles", "delete", "acme")
    assert code == 2 and 'no profile is called "acme"' in err
    code, _, err = run(capsys, "profiles", "import", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err


def test_cli_tells_about_a_damaged_file(
    os_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ProfileStore().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00garbage")
    code, _, err = run(capsys, "profiles", "list")
    assert code == 0
    (backup,) = path.parent.glob("profiles.json.corrupt-*")
    assert str(backup) in err and "Traceback" not in err
    code, _, err = run(capsys, "send", "--profile", "Acme")
    assert code == 2 and str(backup) in err


def test_cli_refuses_a_bad_name_and_a_bare_profiles(
    os_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "profiles", "save", "  ")
    assert code == 2 and "needs a name" in err
    code, _, err = run(capsys, "profiles", "save", "A", "--profile", "B")
    assert code == 2 and "leave out --profile" in err
    code, _, err = run(capsys, "profiles")
    assert code == 2 and "list, save, delete, export or import" in err

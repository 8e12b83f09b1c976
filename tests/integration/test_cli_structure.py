"""The command line's structure: one package, one module per command, every field option and
JSON key from the field table, the window's options declared once, saving through the core.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import shlex
import signal
import subprocess
import sys
import threading
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

import pytest
from support import MemoryKeyring

import smstester.cli as cli
from smstester.cli.window import WindowOptions, read_window_argv, window_options
from smstester.core.fields import FIELDS, SECRET_FIELDS
from smstester.core.keystore import SERVICE, entry_name
from smstester.sandbox import DemoConnection

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def subparser(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    """The parser of `smstester PATH…` (`"profiles", "save"`)."""
    for name in path:
        (actions,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = actions.choices[name]
    return parser


def test_the_cli_is_a_package_with_one_module_per_command() -> None:
    modules = {info.name for info in pkgutil.iter_modules(cli.__path__)}
    assert {"send", "sandbox", "profiles", "window", "options", "common"} <= modules
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["smstester"].partition(":")
    assert getattr(importlib.import_module(module), name) is cli.main
    done = subprocess.run(
        [sys.executable, "-m", "smstester", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith("smstester ")


@pytest.mark.parametrize("command", [("send",), ("curl",), ("profiles", "save")])
def test_the_connection_options_are_the_field_table(command: tuple[str, ...]) -> None:
    parser = subparser(cli.build_parser(), *command)
    (group,) = (g for g in parser._action_groups if g.title == "connection")
    options = [a for a in group._group_actions if a.option_strings != ["--profile"]]
    flagged = [f for f in FIELDS if f.flag]
    assert [a.option_strings for a in options] == [[f.flag, *f.aliases] for f in flagged]
    for action, field in zip(options, flagged, strict=True):
        assert action.dest == field.name
        assert action.help is not None
        assert action.help.startswith(field.short_label)
        assert action.help.endswith(field.help)
    # No option holds a secret's value: the secrets have file flags only.
    assert not {a.dest for a in parser._actions} & set(SECRET_FIELDS)
    files = [a.dest for a in parser._actions if a.dest.endswith("_file")]
    assert files == [f"{name}_file" for name in SECRET_FIELDS]


def test_profiles_list_json_keeps_its_keys_in_their_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "ak-structure-1")
    code, _, err = run(capsys, "profiles", "save", "Acme", "--brand-url", "acme.example")
    assert code == 0, err
    code, out, _ = run(capsys, "profiles", "list", "--json")
    (row,) = json.loads(out)
    assert list(row) == [
        "name",
        "id",
        "baseUrl",
        "brandUrl",
        "integrationId",
        "username",
        "phoneNumberFrom",
        "phoneNumberTo",
        "message",
        "region",
        "connectTimeout",
        "readTimeout",
        "caBundle",
        "verifyTls",
        "secrets",
        "authKeyExpires",
        "authKeyExpired",
    ]
    assert (row["authKeyExpires"], row["authKeyExpired"]) == (None, None)  # never signed in
    assert row["secrets"] == {"authKey": True, "password": False}
    assert (row["brandUrl"], row["connectTimeout"], row["verifyTls"]) == ("acme.example", 10, True)
    code, out, _ = run(capsys, "profiles", "list")
    assert out.splitlines()[0].split() == [
        "NAME",
        "BASE",
        "URL",
        "BRAND-URL",
        "INTEGRATION",
        "ID",
        "USERNAME",
        "SECRETS",
        "IN",
        "KEYRING",
    ]
    assert out.splitlines()[1].endswith("  Auth-Key")


def test_the_window_options_are_declared_once() -> None:
    parser = cli.build_parser()
    for option in fields(WindowOptions):
        (action,) = (a for a in parser._actions if a.option_strings == [f"--{option.name}"])
        assert action.help == option.metadata["help"]
    for argv in (
        [],
        ["--sandbox"],
        ["--send", "--screenshot", "shot.png"],
        ["--screenshot=-odd.png", "--sandbox"],
        ["--screenshot", "send"],
        ["--screenshot="],
    ):
        fast = window_options(argv)
        assert fast is not None, argv
        assert fast == WindowOptions.from_args(parser.parse_args(argv))
        assert window_options(fast.argv()) == fast
    for argv in (["--sand"], ["--screenshot"], ["--sandbox=yes"], ["send"], ["-h"]):
        assert window_options(argv) is None, argv


def test_build_window_argv_reads_the_same_options_abbreviated_or_among_others() -> None:
    parser = cli.build_parser()
    for argv in (["--sand"], ["--scr", "a.png", "--se"], ["--sandbox", "--screenshot=b.png"]):
        assert read_window_argv(argv) == WindowOptions.from_args(parser.parse_args(argv))
    assert read_window_argv(["--bogus", "--send", "extra"]) == WindowOptions(send=True)
    assert read_window_argv([]) == WindowOptions()


def test_the_window_alone_builds_no_parser_and_anything_else_goes_through_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[WindowOptions] = []

    def window(options: WindowOptions) -> int:
        started.append(options)
        return 0

    build = cli.build_parser

    def no_parser() -> argparse.ArgumentParser:
        raise AssertionError("the window alone must not build the commands' parser")

    monkeypatch.setattr(cli, "cmd_window", window)
    monkeypatch.setattr(cli, "build_parser", no_parser)
    assert cli.main(["--screenshot", "shot.png", "--sandbox"]) == 0
    assert started == [WindowOptions(sandbox=True, screenshot="shot.png")]
    monkeypatch.setattr(cli, "build_parser", build)
    assert cli.main(["--sand", "--send"]) == 0  # an abbreviation: the full parser reads it
    assert started[-1] == WindowOptions(sandbox=True, send=True)


def test_importing_the_cli_loads_no_parser_code() -> None:
    code = "import sys, smstester.cli; print('argparse' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr


def test_nothing_in_the_cli_is_collected_as_a_test() -> None:
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"smstester.cli.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("test") and callable(value):
                assert getattr(value, "__test__", True) is False, f"{info.name}.{name}"


def test_the_demo_connection_as_a_test_follows_the_field_table() -> None:
    @dataclass(frozen=True)
    class WithRegion(DemoConnection):
        region: str = "GB"

    demo = WithRegion(url="http://127.0.0.1:9")
    test = demo.as_test()
    assert test.base_url == demo.url and test.region == "GB"
    for field in FIELDS:
        if hasattr(demo, field.name):
            assert getattr(test, field.name) == getattr(demo, field.name), field.name


def test_a_failed_save_leaves_an_existing_profile_its_old_secrets(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "old-key")
    monkeypatch.setenv("SMSTESTER_PASSWORD", "old-token")
    assert run(capsys, "profiles", "save", "Acme")[0] == 0
    code, out, _ = run(capsys, "profiles", "list", "--json")
    profile_id = json.loads(out)[0]["id"]
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "new-key")
    monkeypatch.setenv("SMSTESTER_PASSWORD", "new-token")
    # A lone surrogate cannot be written to the file: the save fails after the secrets.
    code, out, err = run(capsys, "profiles", "save", "Acme", "--brand-url", "bad\ud800")
    assert code == 2 and "broken character" in err
    kept = {
        name: memory_keyring.entries.get((SERVICE, entry_name(profile_id, name)))
        for name in SECRET_FIELDS
    }
    assert kept == {"auth_key": "old-key", "password": "old-token"}
    code, _, err = run(capsys, "profiles", "save", "New", "--brand-url", "bad\ud800")
    assert code == 2
    assert len(memory_keyring.entries) == 2  # the new profile's entries were removed again


def test_the_cli_modules_are_importable_one_by_one() -> None:
    for info in pkgutil.iter_modules(cli.__path__):
        code = f"import smstester.cli.{info.name}"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT)
        assert done.returncode == 0, (info.name, done.stderr)


def start_sandbox() -> tuple[subprocess.Popen[str], list[str]]:
    """`smstester sandbox` in text mode, and its lines up to the one after "Try:"."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester", "sandbox"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    box: list[list[str]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if len(lines) > 1 and lines[-2] == "Try:":
                break
        box.append(lines)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if not box:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"the sandbox printed no Try: line in time: {lines}")
    return proc, lines


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_sandbox_shows_a_send_that_works_and_stops_cleanly(stop: signal.Signals) -> None:
    proc, lines = start_sandbox()
    try:
        words = shlex.split(lines[-1])
        env_words = [w for w in words if "=" in w and not w.startswith("-")][:2]
        env = dict(os.environ, **dict(w.split("=", 1) for w in env_words))
        command = words[len(env_words) :]
        assert command[:2] == ["smstester", "send"]
        for field in FIELDS:
            if field.flag and field.required and field.single_line:
                assert field.flag in command
        done = subprocess.run(
            [sys.executable, "-m", "smstester", *command[1:]],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "success" in done.stdout.lower()
    finally:
        proc.send_signal(stop)
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.communicate()
            raise
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_account_sid_is_another_name_of_username_and_help_says_both_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSTESTER_AUTH_KEY", "ak-structure-2")
    sid = "AC" + "4" * 32
    code, _, err = run(capsys, "profiles", "save", "Alias", "--account-sid", sid)
    assert code == 0, err
    code, out, _ = run(capsys, "profiles", "list", "--json")
    assert json.loads(out)[0]["username"] == sid
    with pytest.raises(SystemExit):
        run(capsys, "send", "--help")
    shown = " ".join(capsys.readouterr().out.split())
    assert "--username USERNAME, --account-sid USERNAME" in shown
    assert "Account SID — the body's username." in shown
    assert "Brand-URL — the Brand-URL header." in shown

"""Profiles against a real Secret Service: gnome-keyring on a private D-Bus session bus.

Each test gets its own bus (a config that activates nothing, so no stray daemon is started on
our behalf), a throwaway HOME and XDG folders, and its own gnome-keyring-daemon. The CLI runs
in fresh processes with that environment, exactly as an IT script would run it. The daemons
are killed in teardown.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.keyring_real

AUTH_KEY = "AK-live-7f3a9c51-SECRET"
TOKEN = "TOK-live-e2b1d844-SECRET"
REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 15.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class Session:
    """A private desktop session: its environment and the folders it writes to."""

    env: dict[str, str]
    root: Path
    config: Path

    def run(
        self, *args: str, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`python -m smstester ARGS…` in a fresh process of this session."""
        return self.python("-m", "smstester", *args, extra=extra)

    def python(
        self, *args: str, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env={**self.env, **(extra or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def keyring_get(self, username: str) -> str | None:
        """Read one entry straight through `keyring`, in a fresh process."""
        code = (
            "import json, keyring; "
            f"print(json.dumps(keyring.get_password('smstester', {username!r})))"
        )
        done = self.python("-c", code)
        assert done.returncode == 0, done.stderr
        value = json.loads(done.stdout)
        assert value is None or isinstance(value, str)
        return value

    def profiles(self) -> list[dict[str, object]]:
        done = self.run("profiles", "list", "--json")
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert isinstance(rows, list)
        return rows


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(
            f"{tool} is not installed: the real-keyring tests need dbus and gnome-keyring "
            "(`bash .ci/dev test` installs them when it runs as root)"
        )
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _wait_for_secret_service(
    address: str, daemon: subprocess.Popen[bytes], *, unlocked: bool
) -> None:
    """Poll the bus until the Secret Service is there (and, if `unlocked`, has a default
    collection)."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import DBusErrorResponse

    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    service = DBusAddress(
        "/org/freedesktop/secrets",
        bus_name="org.freedesktop.secrets",
        interface="org.freedesktop.Secret.Service",
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with open_dbus_connection(bus=address) as conn:
        while True:
            if daemon.poll() is not None:
                err = daemon.stderr.read().decode(errors="replace") if daemon.stderr else ""
                pytest.fail(f"gnome-keyring-daemon exited early ({daemon.returncode}): {err}")
            owned = conn.send_and_get_reply(
                new_method_call(bus, "NameHasOwner", "s", ("org.freedesktop.secrets",))
            ).body[0]
            if owned and not unlocked:
                return
            if owned:
                try:
                    reply = conn.send_and_get_reply(
                        new_method_call(service, "ReadAlias", "s", ("default",))
                    )
                except DBusErrorResponse:
                    reply = None
                if reply is not None and reply.body[0] != "/":
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"the Secret Service did not come up within {STARTUP_TIMEOUT:g} s")
            time.sleep(0.02)  # poll interval, bounded by the deadline above


StartSession = Callable[..., Session]


@pytest.fixture
def start_session(tmp_path: Path) -> Iterator[StartSession]:
    """Start a private session bus and, unless told otherwise, an unlocked gnome-keyring."""
    dbus_daemon = _require("dbus-daemon")
    keyring_daemon = _require("gnome-keyring-daemon")
    pytest.importorskip("jeepney", reason="jeepney (a keyring dependency on Linux) is missing")
    processes: list[subprocess.Popen[bytes]] = []

    def start(*, keyring: str = "unlocked") -> Session:
        root = tmp_path / "session"
        folders = {name: root / name for name in ("home", "run", "data", "config", "cache")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        folders["run"].chmod(0o700)
        conf = root / "bus.conf"
        conf.write_text(_BUS_CONFIG.format(socket=folders["run"] / "bus"), "utf-8")
        bus = subprocess.Popen(
            [dbus_daemon, f"--config-file={conf}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        processes.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()  # printed once it listens
        assert address, "dbus-daemon did not start"
        config = root / "smstester-config"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DBUS_", "XDG_", "SMSTESTER_", "PYTHON_KEYRING", "GNOME_"))
        }
        env.update(
            HOME=str(folders["home"]),
            XDG_RUNTIME_DIR=str(folders["run"]),
            XDG_DATA_HOME=str(folders["data"]),
            XDG_CONFIG_HOME=str(folders["config"]),
            XDG_CACHE_HOME=str(folders["cache"]),
            DBUS_SESSION_BUS_ADDRESS=address,
            SMSTESTER_CONFIG_DIR=str(config),
        )
        if keyring != "none":
            command = [keyring_daemon, "--components=secrets", "--foreground"]
            if keyring == "unlocked":
                command.insert(1, "--unlock")
            daemon = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(daemon)
            assert daemon.stdin is not None
            if keyring == "unlocked":
                daemon.stdin.write(b"throwaway-login-password")
            daemon.stdin.close()
            _wait_for_secret_service(address, daemon, unlocked=keyring == "unlocked")
        return Session(env=env, root=root, config=config)

    yield start
    for process in reversed(processes):
        _stop(process)
    assert all(p.poll() is not None for p in processes)


@pytest.fixture
def session(start_session: StartSession) -> Session:
    return start_session()


def _refused_url() -> str:
    """A local URL where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _save_acme(session: Session, name: str = "Acme") -> str:
    done = session.run(
        "profiles", "save", name, "--brand-url", "acme.example.com", "--integration-id",
        "int-42", "--username", "AC" + "3" * 32, "--from", "+15005550006",
        extra={"SMSTESTER_AUTH_KEY": AUTH_KEY, "SMSTESTER_PASSWORD": TOKEN},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Secret Service" in done.stdout
    (row,) = [r for r in session.profiles() if r["name"] == name]
    profile_id = row["id"]
    assert isinstance(profile_id, str)
    return profile_id


def _send(session: Session, name: str, *extra_args: str) -> subprocess.CompletedProcess[str]:
    return session.run(
        "send", "--profile", name, "--base-url", _refused_url(), "--to", "+14155552671",
        "--json", "--timeout", "5", *extra_args,
    )  # fmt: skip


def test_saved_secrets_are_read_back_by_fresh_processes(session: Session) -> None:
    profile_id = _save_acme(session)
    assert session.keyring_get(f"{profile_id}/auth_key") == AUTH_KEY
    assert session.keyring_get(f"{profile_id}/password") == TOKEN
    (row,) = session.profiles()
    assert row["secrets"] == {"authKey": True, "password": True}
    # The secrets reach the request: without them this would be bad input (2), not 3.
    sent = _send(session, "acme")
    assert sent.returncode == 3, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["httpStatus"] is None
    assert AUTH_KEY not in sent.stdout + sent.stderr and TOKEN not in sent.stdout + sent.stderr
    # And without the keyring entries, the same send is bad input.
    cleared = session.python(
        "-c",
        "import keyring; "
        f"keyring.delete_password('smstester', '{profile_id}/auth_key'); "
        f"keyring.delete_password('smstester', '{profile_id}/password')",
    )
    assert cleared.returncode == 0, cleared.stderr
    assert _send(session, "Acme").returncode == 2


def test_save_updates_secrets_in_place(session: Session) -> None:
    profile_id = _save_acme(session)
    done = session.run("profiles", "save", "Acme", extra={"SMSTESTER_PASSWORD": "rotated"})
    assert done.returncode == 0, done.stderr
    assert session.keyring_get(f"{profile_id}/password") == "rotated"
    assert session.keyring_get(f"{profile_id}/auth_key") == AUTH_KEY
    assert [r["id"] for r in session.profiles()] == [profile_id]


def test_rename_keeps_secrets_and_delete_removes_them(session: Session) -> None:
    profile_id = _save_acme(session)
    renamed = session.python(
        "-c",
        "from smstester.core.profiles import ProfileStore; "
        "print(ProfileStore().rename('Acme', 'Acme Ltd').id)",
    )
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stdout.strip() == profile_id
    (row,) = session.profiles()
    assert row["name"] == "Acme Ltd" and row["secrets"] == {"authKey": True, "password": True}
    assert _send(session, "Acme Ltd").returncode == 3

    deleted = session.run("profiles", "delete", "Acme Ltd")
    assert deleted.returncode == 0, deleted.stderr
    assert "could not" not in deleted.stderr
    assert session.keyring_get(f"{profile_id}/auth_key") is None
    assert session.keyring_get(f"{profile_id}/password") is None
    assert session.profiles() == []


def test_no_secret_at_rest_in_any_file(session: Session) -> None:
    profile_id = _save_acme(session)
    assert session.python(
        "-c",
        "from smstester.core.profiles import Profile, ProfileStore; "
        "s = ProfileStore(); p = s.rename('Acme', 'Acme Ltd'); s.set_last_used(p); "
        "s.create(Profile.from_test('Acme Ltd (2)', p.to_test()))",
    ).returncode == 0  # fmt: skip
    export = session.root / "export" / "profiles-for-colleagues.json"
    exported = session.run("profiles", "export", str(export))
    assert exported.returncode == 0, exported.stderr
    stdout_export = session.run("profiles", "export", "-")
    assert _send(session, "Acme Ltd").returncode == 3
    # Secrets typed as flags are refused (never echoed); from environment variables they work.
    flags = _send(session, "Acme Ltd", "--auth-key", AUTH_KEY, "--password", TOKEN)
    assert flags.returncode == 2
    env = session.run(
        "send", "--profile", "Acme Ltd (2)", "--base-url", _refused_url(), "--to",
        "+14155552671", extra={"SMSTESTER_AUTH_KEY": AUTH_KEY, "SMSTESTER_PASSWORD": TOKEN},
    )  # fmt: skip
    assert env.returncode == 3, env.stdout + env.stderr

    assert session.keyring_get(f"{profile_id}/auth_key") == AUTH_KEY  # they do exist...
    files = [f for f in session.config.rglob("*") if f.is_file()] + [export]
    assert {f.name for f in files} >= {"profiles.json", "settings.json", export.name}
    # ...but in no file smstester wrote, nor anywhere else in the session (the keyring's
    # own file is encrypted), nor in anything printed.
    everything = [f for f in session.root.rglob("*") if f.is_file() and not f.is_socket()]
    for secret in (AUTH_KEY, TOKEN):
        for form in {secret.encode(), json.dumps(secret).encode()}:
            hits = [str(f) for f in everything if form in f.read_bytes()]
            assert hits == [], f"a secret is at rest in {hits}"
        for done in (exported, stdout_export, flags, env):
            assert secret not in done.stdout and secret not in done.stderr


def test_locked_keyring_refuses_and_saves_nothing(start_session: StartSession) -> None:
    session = start_session(keyring="locked")
    done = session.run(
        "profiles", "save", "Acme", "--brand-url", "b",
        extra={"SMSTESTER_AUTH_KEY": AUTH_KEY, "SMSTESTER_PASSWORD": TOKEN},
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot store the secrets" in done.stderr and "Nothing was saved" in done.stderr
    # gnome-keyring has no unlocked collection and no prompter to ask for a password.
    assert "could not be opened" in done.stderr or "locked" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert session.profiles() == []
    for f in session.root.rglob("*"):
        if f.is_file():
            assert AUTH_KEY.encode() not in f.read_bytes()


def test_no_secret_service_running(start_session: StartSession) -> None:
    session = start_session(keyring="none")
    done = session.run(
        "profiles", "save", "Acme", extra={"SMSTESTER_AUTH_KEY": AUTH_KEY}
    )  # fmt: skip
    assert done.returncode == 2
    assert "no keyring was found" in done.stderr
    assert session.profiles() == []
    # A profile without secrets still works; its send says why the secrets are missing.
    assert session.run("profiles", "save", "Acme", "--brand-url", "b").returncode == 0
    sent = _send(session, "Acme")
    assert sent.returncode == 2
    assert "cannot read the secrets" in sent.stderr

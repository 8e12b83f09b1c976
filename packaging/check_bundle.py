"""The bundle really works: `python packaging/check_bundle.py dist/smstester-…tar.gz`.

Run by `bash .ci/dev package` (not by the test command: building the bundle takes minutes).
It unpacks the archive into an empty folder and runs the program there as a user would, in
a bare environment (PATH of the system only: no venv, no PYTHONPATH, a throwaway HOME):

1. `smstester --version`: the version, Qt, PySide6 and the licence;
2. `smstester --screenshot x.png` (offscreen): a real PNG of the window;
3. `smstester sandbox --json`, then `smstester send` against it: exit 0;
4. the keyring: (Linux) on a private D-Bus session with an unlocked gnome-keyring,
   `profiles save` says the secrets went to the Secret Service, and a `send --profile` in
   a new process, with no secret in its environment, reads them back (exit 0). A frozen app
   that lost keyring's entry points has no backend and fails here;
5. `--install-desktop-entry` into a throwaway XDG_DATA_HOME, Exec pointing at the bundle;
6. start-up: `--screenshot` of the bundle against the venv's, median of --runs runs each.

With `--wheel UV`, the archive is the wheel: installed with `uv tool install` into throwaway
tool folders, its program runs checks 1 to 3.

Each check prints one line; the first failure ends it with exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
TO = "+14155552671"
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


class CheckFailed(Exception):
    pass


def ok(text: str) -> None:
    print(f"  ✓ {text}", flush=True)


def unpack(archive: Path, into: Path) -> Path:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as source:
            source.extractall(into)  # noqa: S202 (the archive build.py has just made)
    else:
        with tarfile.open(archive) as source:
            source.extractall(into, filter="data")
    (top,) = into.iterdir()
    name = "smstester.exe" if sys.platform == "win32" else "smstester"
    program = top / name
    if not program.is_file():
        raise CheckFailed(f"{archive.name} has no {top.name}/{name}")
    return program


def bare_environment(root: Path) -> dict[str, str]:
    """What a new user's session has: the system's PATH, a HOME of its own, no Python."""
    folders = {n: root / n for n in ("home", "data", "config", "cache", "run", "smstester")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    folders["run"].chmod(0o700)
    # No folder that holds a Python (the venv's, pyenv's, /usr/bin's): the bundle must not
    # need one.
    pythons = ("python", "python3", "python.exe", "python3.exe")
    system_path = os.pathsep.join(
        p
        for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and ".venv" not in p and not any(Path(p, name).exists() for name in pythons)
    )
    env = {
        "PATH": system_path or str(root / "empty-path"),
        "HOME": str(folders["home"]),
        "XDG_DATA_HOME": str(folders["data"]),
        "XDG_CONFIG_HOME": str(folders["config"]),
        "XDG_CACHE_HOME": str(folders["cache"]),
        "XDG_RUNTIME_DIR": str(folders["run"]),
        "SMSTESTER_CONFIG_DIR": str(folders["smstester"]),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    for key in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "USERPROFILE", "APPDATA", "LOCALAPPDATA"):
        if key in os.environ:  # Windows cannot start a process without some of them
            env[key] = os.environ[key]
    return env


def run(
    program: Path, *args: str, env: dict[str, str], cwd: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args],
        env={**env, **(extra or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def expect(done: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if done.returncode != code:
        raise CheckFailed(
            f"{what}: exit {done.returncode}, wanted {code}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        raise CheckFailed(f"{path.name} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@contextmanager
def sandbox(program: Path, env: dict[str, str], cwd: Path) -> Iterator[dict[str, str]]:
    process = subprocess.Popen(
        [str(program), "sandbox", "--json"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once it listens
        if not line:
            raise CheckFailed(
                f"sandbox --json printed nothing: {process.stderr.read() if process.stderr else ''}"
            )
        yield json.loads(line)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def connection_flags(demo: dict[str, str]) -> list[str]:
    return [
        "--base-url",
        demo["url"],
        "--brand-url",
        demo["brandUrl"],
        "--integration-id",
        demo["integrationId"],
        "--username",
        demo["username"],
        "--from",
        demo["phoneNumberFrom"],
        "--to",
        TO,
    ]


def secrets_of(demo: dict[str, str]) -> dict[str, str]:
    return {"SMSTESTER_AUTH_KEY": demo["authKey"], "SMSTESTER_PASSWORD": demo["password"]}


@contextmanager
def secret_service(env: dict[str, str], root: Path) -> Iterator[dict[str, str] | None]:
    """A private session bus with an unlocked gnome-keyring on it, or None where there is
    none to be had (not Linux, or dbus-daemon / gnome-keyring-daemon missing)."""
    dbus, daemon = shutil.which("dbus-daemon"), shutil.which("gnome-keyring-daemon")
    if sys.platform != "linux" or dbus is None or daemon is None:
        yield None
        return
    from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
    from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

    conf = root / "bus.conf"
    conf.write_text(_BUS_CONFIG.format(socket=Path(env["XDG_RUNTIME_DIR"]) / "bus"), "utf-8")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        bus = subprocess.Popen(
            [dbus, f"--config-file={conf}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        processes.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        session = {**env, "DBUS_SESSION_BUS_ADDRESS": address}
        keyring = subprocess.Popen(
            [daemon, "--unlock", "--components=secrets", "--foreground"],
            env=session,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(keyring)
        assert keyring.stdin is not None
        keyring.stdin.write(b"throwaway-login-password")
        keyring.stdin.close()
        names = DBusAddress(
            "/org/freedesktop/DBus",
            bus_name="org.freedesktop.DBus",
            interface="org.freedesktop.DBus",
        )
        secrets = DBusAddress(
            "/org/freedesktop/secrets",
            bus_name="org.freedesktop.secrets",
            interface="org.freedesktop.Secret.Service",
        )
        deadline = time.monotonic() + 20
        with open_dbus_connection(bus=address) as conn:
            while True:
                owned = conn.send_and_get_reply(
                    new_method_call(names, "NameHasOwner", "s", ("org.freedesktop.secrets",))
                ).body[0]
                if owned:
                    try:
                        alias = conn.send_and_get_reply(
                            new_method_call(secrets, "ReadAlias", "s", ("default",))
                        ).body[0]
                    except DBusErrorResponse:
                        alias = "/"
                    if alias != "/":
                        break
                if keyring.poll() is not None or time.monotonic() > deadline:
                    raise CheckFailed("gnome-keyring did not come up on the private bus")
                time.sleep(0.05)  # poll interval, bounded by the deadline
        yield session
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def wall_time(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, timeout=TIMEOUT, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise CheckFailed(f"{' '.join(command)}: exit {done.returncode}: {done.stderr[-2000:]!r}")
    return took


def first_runs(program: Path, env: dict[str, str], work: Path) -> None:
    """`--version` and `--screenshot`, as a new user's first two tries."""
    done = run(program, "--version", env=env, cwd=work)
    expect(done, 0, "smstester --version")
    first = done.stdout.splitlines()[0] if done.stdout else ""
    for word in ("smstester ", "Qt ", "PySide6 ", "MIT"):
        if word not in done.stdout:
            raise CheckFailed(f"smstester --version does not say {word.strip()!r}: {done.stdout!r}")
    ok(f"smstester --version: {first}")

    done = run(program, "--screenshot", "x.png", env=env, cwd=work)
    expect(done, 0, "smstester --screenshot x.png")
    width, height = png_size(work / "x.png")
    if width < 400 or height < 300:
        raise CheckFailed(f"the screenshot is only {width}×{height}")
    ok(f"smstester --screenshot x.png: a {width}×{height} PNG")


def send_to(demo: dict[str, str], program: Path, env: dict[str, str], work: Path) -> None:
    ok(f"smstester sandbox --json: listening at {demo['url']}")
    done = run(program, "send", *connection_flags(demo), env=env, cwd=work, extra=secrets_of(demo))
    expect(done, 0, "smstester send (to the sandbox)")
    ok("smstester send to the sandbox: exit 0")


def check_wheel(wheel: Path, uv: str) -> None:
    """The wheel as the README installs it: `uv tool install` (the locked versions, by
    `-c packaging/requirements-test.txt`) into throwaway tool folders, then the program it
    puts on PATH is run as a new user would."""
    with tempfile.TemporaryDirectory(prefix="smstester-wheel-") as temp:
        root = Path(temp)
        env = bare_environment(root / "session")
        tools = {"UV_TOOL_DIR": str(root / "tools"), "UV_TOOL_BIN_DIR": str(root / "bin")}
        done = subprocess.run(
            [
                uv,
                "tool",
                "install",
                "--python",
                sys.executable,
                "-c",
                str(ROOT / "packaging" / "requirements-test.txt"),
                str(wheel),
            ],
            env={**os.environ, **tools, "UV_PYTHON_DOWNLOADS": "never"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        expect(done, 0, f"uv tool install {wheel.name}")
        program = root / "bin" / ("smstester.exe" if sys.platform == "win32" else "smstester")
        if not program.is_file():
            raise CheckFailed(f"uv tool install put no {program.name} in UV_TOOL_BIN_DIR")
        ok(f"uv tool install {wheel.name}: {program.name} on the tool PATH")
        work = root / "work"
        work.mkdir()
        first_runs(program, env, work)
        with sandbox(program, env, work) as demo:
            send_to(demo, program, env, work)


def check(archive: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="smstester-bundle-") as temp:
        root = Path(temp)
        program = unpack(archive, root / "unpacked")
        ok(f"unpacked {archive.name} into an empty folder: {program.relative_to(root)}")
        env = bare_environment(root / "session")
        work = root / "work"
        work.mkdir()

        first_runs(program, env, work)
        with sandbox(program, env, work) as demo:
            send_to(demo, program, env, work)
            with secret_service(env, root / "session") as session:
                if session is None:
                    print(
                        "  - keyring: no gnome-keyring and dbus-daemon here, not checked",
                        flush=True,
                    )
                else:
                    done = run(
                        program,
                        "profiles",
                        "save",
                        "Bundle",
                        *connection_flags(demo),
                        env=session,
                        cwd=work,
                        extra=secrets_of(demo),
                    )
                    expect(done, 0, "smstester profiles save (secrets from the environment)")
                    if "Secret Service" not in done.stdout:
                        raise CheckFailed(
                            f"the bundle found no keyring backend: {done.stdout!r} {done.stderr!r}"
                        )
                    ok(f"keyring: {done.stdout.strip().splitlines()[-1]}")
                    done = run(program, "send", "--profile", "Bundle", env=session, cwd=work)
                    expect(done, 0, "smstester send --profile (secrets from the keyring)")
                    ok("keyring: send --profile read both secrets back in a new process: exit 0")

        if sys.platform == "linux":
            done = run(program, "--install-desktop-entry", env=env, cwd=work)
            expect(done, 0, "smstester --install-desktop-entry")
            entry = Path(env["XDG_DATA_HOME"]) / "applications" / "smstester.desktop"
            text = entry.read_text(encoding="utf-8")
            if f"Exec={program}" not in text:
                raise CheckFailed(f"the installed entry does not run the bundle: {text!r}")
            ok(f"--install-desktop-entry: {entry.name} runs {program.name} from the bundle")

        if runs:
            venv_program = (
                ROOT
                / ".venv"
                / ("Scripts/smstester.exe" if sys.platform == "win32" else "bin/smstester")
            )
            times: dict[str, list[float]] = {"bundle": [], "venv": []}
            commands = {"bundle": [str(program)], "venv": [str(venv_program)]}
            venv_env = {**env, "PATH": f"{venv_program.parent}{os.pathsep}{env['PATH']}"}
            for _ in range(runs + 1):  # one discarded run each: warm caches
                for name, command in commands.items():
                    took = wall_time(
                        [*command, "--screenshot", "s.png"],
                        venv_env if name == "venv" else env,
                        work,
                    )
                    times[name].append(took)
            bundle, venv = (statistics.median(times[n][1:]) for n in ("bundle", "venv"))
            ok(
                f"start-up to the first paint (--screenshot, median of {runs}): bundle "
                f"{bundle * 1000:.0f} ms, venv {venv * 1000:.0f} ms ({bundle / venv:.2f}×)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", type=Path, help="the bundle, or with --wheel the wheel")
    parser.add_argument("--runs", type=int, default=5, help="start-up runs each (0: skip)")
    parser.add_argument("--wheel", metavar="UV", help="check the wheel, installed with this uv")
    args = parser.parse_args()
    try:
        if args.wheel:
            check_wheel(args.archive.resolve(), args.wheel)
        else:
            check(args.archive.resolve(), args.runs)
    except (CheckFailed, subprocess.TimeoutExpired) as exc:
        print(f"bundle check failed: {exc}", file=sys.stderr)
        return 1
    print(f"{'wheel' if args.wheel else 'bundle'} check: all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

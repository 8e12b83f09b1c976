"""The command line under hostile use: secrets never on it, no core dump, bad flags, a closed
standard output, a crash, a server that sends terminal escapes or NaN, plain http://.

Every test runs the real CLI in a subprocess (`python -m smstester …`) against servers on
127.0.0.1 only, each bounded in time.
"""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faulty_servers import LoopbackServer, read_request
from support import MemoryKeyring, demo_flags

from smstester.cli import main
from smstester.sandbox import DemoConnection, SandboxServer

ROOT = Path(__file__).resolve().parents[2]
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"}
ARGV_SECRET = "s3cret-on-argv-7d1f"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment (its own config folder, no keyring) without proxies or secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in PROXY_VARS and not k.startswith("SMSTESTER_")
    }
    env["SMSTESTER_CONFIG_DIR"] = os.environ["SMSTESTER_CONFIG_DIR"]
    return env | extra


def demo_env(demo: DemoConnection, **extra: str) -> dict[str, str]:
    return cli_env(SMSTESTER_AUTH_KEY=demo.auth_key, SMSTESTER_PASSWORD=demo.password, **extra)


def smstester(
    *args: str,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    cwd: Path = ROOT,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "smstester", *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        env=env if env is not None else cli_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def end(proc: subprocess.Popen[bytes], *, terminate: bool = False) -> None:
    """Stop a process this test started (by its own handle), and close its pipes."""
    if terminate:
        proc.terminate()
    else:
        proc.kill()
    proc.wait(timeout=10)
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def text(done: subprocess.CompletedProcess[bytes]) -> str:
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def assert_no_traceback(done: subprocess.CompletedProcess[bytes]) -> None:
    assert "Traceback" not in text(done)
    assert "Exception ignored" not in text(done)


def saved_profiles() -> list[dict[str, object]]:
    done = smstester("profiles", "list", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


# --- 3. no secret on the command line --------------------------------------------------------

SECRET_FLAG_FORMS = [
    pytest.param(["--auth-key", ARGV_SECRET], id="auth-key"),
    pytest.param([f"--auth-key={ARGV_SECRET}"], id="auth-key="),
    pytest.param(["--password", ARGV_SECRET], id="password"),
    pytest.param([f"--password={ARGV_SECRET}"], id="password="),
    # Abbreviations argparse would otherwise accept or echo back in its own error.
    pytest.param(["--auth", ARGV_SECRET], id="auth"),
    pytest.param([f"--auth-k={ARGV_SECRET}"], id="auth-k="),
    pytest.param([f"--pass={ARGV_SECRET}"], id="pass="),
    pytest.param(["--passw", ARGV_SECRET], id="passw"),
    pytest.param([f"--a={ARGV_SECRET}"], id="a="),
]
COMMANDS = [
    pytest.param(["send"], id="send"),
    pytest.param(["send", "--json"], id="send-json"),
    pytest.param(["curl", "--with-secrets"], id="curl"),
    pytest.param(["profiles", "save", "Acme"], id="profiles-save"),
]


@pytest.mark.parametrize("form", SECRET_FLAG_FORMS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_secret_on_the_command_line_is_refused_and_never_shown(
    sandbox: SandboxServer, tmp_path: Path, command: list[str], form: list[str]
) -> None:
    # A file named like the value: `--auth-key X` must not be read as `--auth-key-file X`.
    (tmp_path / ARGV_SECRET).write_text(sandbox.demo.auth_key + "\n")
    before = sandbox.request_count
    done = smstester(*command, *demo_flags(sandbox.demo), *form, cwd=tmp_path)
    assert done.returncode == 2, text(done)
    err = done.stderr.decode()
    assert "never taken from the command line" in err
    assert "SMSTESTER_AUTH_KEY" in err and "SMSTESTER_PASSWORD" in err
    assert "--auth-key-file" in err and "--password-file" in err
    assert ARGV_SECRET.encode() not in done.stdout + done.stderr
    assert_no_traceback(done)
    assert sandbox.request_count == before  # nothing was sent
    assert saved_profiles() == []  # nothing was saved


@pytest.mark.parametrize("command", [["send"], ["curl"], ["profiles", "save"]])
def test_help_says_where_secrets_come_from(command: list[str]) -> None:
    done = smstester(*command, "--help")
    assert done.returncode == 0
    out = " ".join(done.stdout.decode().split())
    assert "never taken from the command line" in out
    assert "SMSTESTER_AUTH_KEY" in out and "SMSTESTER_PASSWORD" in out
    assert "--auth-key-file FILE" in out and "--password-file FILE" in out
    assert "--auth-key AUTH_KEY" not in out and "--password PASSWORD" not in out
    if command == ["send"]:
        assert "prompt" in out


@pytest.mark.parametrize(
    ("auth_line", "password_line"),
    [
        pytest.param("{key}\n", "{token}\n", id="newline"),
        pytest.param("{key}", "{token}", id="no-newline"),
        pytest.param("{key}\r\n", "{token}\r\n", id="crlf"),
    ],
)
def test_secrets_from_files_reach_the_server(
    sandbox: SandboxServer, tmp_path: Path, auth_line: str, password_line: str
) -> None:
    demo = sandbox.demo
    key_file, token_file = tmp_path / "key", tmp_path / "token"
    key_file.write_bytes(auth_line.format(key=demo.auth_key).encode())
    token_file.write_bytes(password_line.format(token=demo.password).encode())
    # Wrong values in the environment: a file given on purpose wins.
    env = cli_env(SMSTESTER_AUTH_KEY="wrong", SMSTESTER_PASSWORD="wrong")
    done = smstester(
        "send",
        *demo_flags(demo),
        "--auth-key-file",
        str(key_file),
        "--password-file",
        str(token_file),
        env=env,
    )
    assert done.returncode == 0, text(done)
    assert "✔ success" in done.stdout.decode()
    assert demo.auth_key not in text(done) and demo.password not in text(done)


def test_secrets_from_standard_input(sandbox: SandboxServer, tmp_path: Path) -> None:
    demo = sandbox.demo
    key_file = tmp_path / "key"
    key_file.write_text(demo.auth_key)
    one = smstester(
        "send",
        *demo_flags(demo),
        "--auth-key-file",
        str(key_file),
        "--password-file",
        "-",
        input=f"{demo.password}\nignored\n".encode(),
    )
    assert one.returncode == 0, text(one)
    # Both from standard input: the Auth-Key on the first line, the Auth Token on the second.
    both = smstester(
        "send",
        "--json",
        *demo_flags(demo),
        "--password-file",
        "-",
        "--auth-key-file",
        "-",
        input=f"{demo.auth_key}\n{demo.password}\n".encode(),
    )
    assert both.returncode == 0, text(both)
    assert json.loads(both.stdout)["envelope"]["success"] is True


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(lambda d: d / "missing", "No such file or directory", id="missing"),
        pytest.param(lambda d: d, "Is a directory", id="directory"),
        pytest.param(lambda d: _write(d / "empty", b""), "is empty", id="empty"),
        pytest.param(lambda d: _write(d / "blank", b"\n"), "is empty", id="blank-line"),
        pytest.param(
            lambda d: _write(d / "two", b"first-line-7c\nsecond-line-7c\n"),
            "more than one line",
            id="two-lines",
        ),
        pytest.param(lambda d: _write(d / "big", b"k" * 200_000), "larger than", id="too-large"),
        pytest.param(lambda d: Path("/dev/zero"), "larger than", id="dev-zero"),
    ],
)
@pytest.mark.parametrize("flag", ["--auth-key-file", "--password-file"])
@pytest.mark.parametrize("command", [["send"], ["send", "--json"], ["profiles", "save", "Acme"]])
def test_an_unusable_secret_file_is_bad_input_in_words(
    sandbox: SandboxServer,
    tmp_path: Path,
    command: list[str],
    flag: str,
    make: Callable[[Path], Path],
    words: str,
) -> None:
    path = make(tmp_path)
    before = sandbox.request_count
    done = smstester(
        *command, *demo_flags(sandbox.demo), flag, str(path), env=demo_env(sandbox.demo)
    )
    assert done.returncode == 2, text(done)
    err = done.stderr.decode()
    assert words in err and flag in err and str(path) in err
    assert "line-7c" not in text(done)  # what the file holds is never shown
    assert_no_traceback(done)
    if "--json" in command:
        assert words in json.loads(done.stdout)["error"]
    assert sandbox.request_count == before
    assert saved_profiles() == []


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_profiles_save_reads_secret_files(
    tmp_path: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "key").write_text("file-key-1234\n")
    (tmp_path / "token").write_text("file-token-5678\n")
    code = main(
        [
            "profiles",
            "save",
            "Acme",
            "--brand-url",
            "acme.example",
            "--auth-key-file",
            str(tmp_path / "key"),
            "--password-file",
            str(tmp_path / "token"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Auth-Key and Auth Token stored" in out
    values = set(memory_keyring.entries.values())
    assert values == {"file-key-1234", "file-token-5678"}
    assert "file-key" not in out + err and "file-token" not in out + err


def _read_until(fd: int, wanted: bytes, deadline: float) -> bytes:
    """What `fd` gives until `wanted` shows up (or the deadline passes)."""
    seen = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while wanted not in seen and time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                try:
                    chunk = os.read(fd, 4096)
                except OSError as exc:  # EIO: the pty's other side closed
                    if exc.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                seen += chunk
    return seen


def test_send_asks_for_missing_secrets_at_a_prompt_that_does_not_echo(
    sandbox: SandboxServer,
) -> None:
    demo = sandbox.demo
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester", "send", *demo_flags(demo)],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    try:
        assert proc.stderr is not None and proc.stdout is not None
        deadline = time.monotonic() + 30
        err = _read_until(proc.stderr.fileno(), b"Auth-Key", deadline)
        assert b"Auth-Key" in err, err
        os.write(master, demo.auth_key.encode() + b"\n")
        err += _read_until(proc.stderr.fileno(), b"Auth Token", deadline)
        assert b"Auth Token" in err, err
        os.write(master, demo.password.encode() + b"\n")
        out, rest = proc.communicate(timeout=30)
        err += rest
        echoed = _read_until(master, b"\0never", time.monotonic() + 0.5)
    finally:
        end(proc)
        os.close(master)
    assert proc.returncode == 0, err
    assert "✔ success" in out.decode()
    for secret in (demo.auth_key, demo.password):
        assert secret.encode() not in out + err + echoed  # not echoed, not printed


# --- 6. core dumps off ---------------------------------------------------------------------


def core_limit(pid: int) -> str:
    limits = Path(f"/proc/{pid}/limits").read_text()
    (line,) = [row for row in limits.splitlines() if row.startswith("Max core file size")]
    return " ".join(line.split()[4:6])


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc")
def test_core_dumps_are_off_in_a_long_lived_command() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester", "sandbox", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=cli_env(),
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = _read_until(proc.stdout.fileno(), b"\n", time.monotonic() + 30)
        assert json.loads(line)["url"].startswith("http://127.0.0.1:")
        assert core_limit(proc.pid) == "0 0"
    finally:
        end(proc, terminate=True)


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc")
def test_core_dumps_are_off_during_a_send() -> None:
    arrived = threading.Event()

    def hold_the_request(conn: socket.socket, server: LoopbackServer) -> None:
        if read_request(conn) is not None:
            arrived.set()
            conn.recv(1)  # until the client goes

    with LoopbackServer(hold_the_request) as server:
        demo = DemoConnection(url=server.url)
        proc = subprocess.Popen(
            [sys.executable, "-m", "smstester", "send", "--timeout", "20", *demo_flags(demo)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=demo_env(demo),
            cwd=ROOT,
        )
        try:
            assert arrived.wait(30)  # the send is under way
            assert core_limit(proc.pid) == "0 0"
        finally:
            end(proc)


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc")
def test_core_dumps_are_off_in_the_window(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "smstester"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=cli_env(QT_QPA_PLATFORM="offscreen"),
        cwd=ROOT,
    )
    try:
        # The limit is set first thing in main(): wait (bounded) until the process is there.
        deadline = time.monotonic() + 30
        limit = core_limit(proc.pid)
        while limit != "0 0" and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            limit = core_limit(proc.pid)
        assert limit == "0 0"
    finally:
        end(proc)


# --- 11. bad numbers, a closed standard output, a crash --------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "1e308", "abc", ""])
def test_a_bad_timeout_is_bad_input_in_words(sandbox: SandboxServer, value: str) -> None:
    before = sandbox.request_count
    done = smstester(
        "send", *demo_flags(sandbox.demo), f"--timeout={value}", env=demo_env(sandbox.demo)
    )
    assert done.returncode == 2, text(done)
    assert "--timeout" in done.stderr.decode()
    assert "timeout must be" in done.stderr.decode()
    assert_no_traceback(done)
    assert sandbox.request_count == before


@pytest.mark.parametrize("flag", ["--read-timeout", "--connect-timeout"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e308", "x"])
def test_a_bad_profile_timeout_is_bad_input_and_nothing_is_saved(flag: str, value: str) -> None:
    done = smstester("profiles", "save", "Acme", "--brand-url", "acme.example", flag, value)
    assert done.returncode == 2, text(done)
    assert flag in done.stderr.decode() and "timeout must be" in done.stderr.decode()
    assert_no_traceback(done)
    assert saved_profiles() == []


@pytest.mark.parametrize("value", ["70000", "65536", "-1", "abc", "1.5", ""])
def test_a_bad_sandbox_port_is_bad_input_in_words(value: str) -> None:
    done = smstester("sandbox", "--port", value, timeout=30)
    assert done.returncode == 2, text(done)
    err = done.stderr.decode()
    assert "--port" in err and "0 to 65535" in err and "0 picks a free port" in err
    assert_no_traceback(done)


def _trickle_headers(conn: socket.socket, server: LoopbackServer) -> None:
    """A status line, then one header line every 0.2 s, forever (each read is quick)."""
    if read_request(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    for line in range(1000):
        time.sleep(0.2)
        try:
            conn.sendall(f"X-Line-{line}: still coming\r\n".encode())
        except OSError:
            return


def test_timeout_bounds_the_whole_send() -> None:
    with LoopbackServer(_trickle_headers) as server:
        demo = DemoConnection(url=server.url)
        start = time.monotonic()
        done = smstester(
            "send", "--json", "--timeout", "2", *demo_flags(demo), env=demo_env(demo), timeout=30
        )
        took = time.monotonic() - start
    assert done.returncode == 3, text(done)
    assert json.loads(done.stdout)["httpStatus"] is None
    assert took < 2 + 5, took  # 2 s for the send, the rest for Python's start-up


def _nan_envelope(conn: socket.socket, server: LoopbackServer) -> None:
    if read_request(conn) is None:
        return
    body = (
        b'{"success": false, "statusCode": 400, "message": "NaN inside", '
        b'"data": {"a": NaN, "b": [Infinity, -Infinity, 1.5], "c": {"d": [NaN]}}, '
        b'"errors": [{"code": NaN, "message": "m", "details": Infinity}]}'
    )
    conn.sendall(
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_a_servers_nan_comes_out_as_strict_json() -> None:
    with LoopbackServer(_nan_envelope) as server:
        demo = DemoConnection(url=server.url)
        done = smstester("send", "--json", *demo_flags(demo), env=demo_env(demo))
        human = smstester("send", *demo_flags(demo), env=demo_env(demo))
    assert done.returncode == 1, text(done)
    out = _strict(done.stdout.decode())
    assert isinstance(out, dict)
    assert out["envelope"]["data"] == {"a": None, "b": [None, None, 1.5], "c": {"d": [None]}}
    assert out["httpStatus"] == 400
    assert human.returncode == 1
    assert_no_traceback(human)


def _closed_pipe() -> tuple[int, Callable[[], None]]:
    """A pipe whose reading end is already closed: the first write to it fails (EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end, lambda: os.close(write_end)


CLOSED_STDOUT_COMMANDS = [
    pytest.param(["sandbox"], 141, id="sandbox-text"),
    pytest.param(["sandbox", "--json"], 141, id="sandbox-json"),
    pytest.param(["profiles", "list"], 141, id="profiles-list"),
    pytest.param(["profiles", "export", "-"], 141, id="profiles-export"),
    pytest.param(["curl", "--message", "hi"], 141, id="curl"),
    # argparse prints these and exits itself: quietly too (exit 0).
    pytest.param(["--version"], 0, id="version"),
    pytest.param(["send", "--help"], 0, id="help"),
    pytest.param(["send", "{demo}"], 0, id="send"),
    pytest.param(["send", "--json", "{demo}"], 0, id="send-json"),
    pytest.param(["send", "--json", "{bad}"], 2, id="send-bad-input-json"),
]


@pytest.mark.parametrize(("command", "code"), CLOSED_STDOUT_COMMANDS)
def test_a_closed_standard_output_ends_the_command_quietly(
    sandbox: SandboxServer, command: list[str], code: int
) -> None:
    flags = {"{demo}": demo_flags(sandbox.demo), "{bad}": demo_flags(sandbox.demo, to="bad")}
    argv = [part for arg in command for part in flags.get(arg, [arg])]
    stdout, close = _closed_pipe()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "smstester", *argv],
            stdout=stdout,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=demo_env(sandbox.demo),
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    finally:
        close()
    assert done.returncode == code, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"Exception ignored" not in done.stderr
    assert b"BrokenPipe" not in done.stderr


def test_head_minus_one_through_a_real_pipe(tmp_path: Path) -> None:
    # A command far larger than a pipe holds (64 KiB): `head` leaves after the first line.
    message = "x" * 120_000  # one argument holds at most 128 KiB
    script = f"{sys.executable} -m smstester curl --message {message} | head -1; "
    script += 'echo "status ${PIPESTATUS[0]}"'
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("(case ${SMSTESTER_AUTH_KEY-}")
    assert lines[-1] == "status 141"
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr


CRASH = """
import os, sys
import smstester.cli as cli
import smstester.cli.send as send

def crash(args):
    test = send.resolve_test(args).test
    raise RuntimeError(f"kaboom near {test.password}")

send.cmd_curl = crash
sys.exit(cli.main(sys.argv[1:]))
"""


def test_an_unexpected_error_is_one_plain_line_and_debug_shows_where() -> None:
    env = cli_env(SMSTESTER_PASSWORD="crash-token-4242", SMSTESTER_AUTH_KEY="crash-key-4242")
    done = subprocess.run(
        [sys.executable, "-c", CRASH, "curl"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 70, done.stderr
    err = done.stderr.decode()
    assert err.count("\n") == 1
    assert err.startswith("smstester: internal error: RuntimeError: kaboom near ")
    assert "SMSTESTER_DEBUG=1" in err
    assert "crash-token-4242" not in err
    assert "Traceback" not in err

    debug = subprocess.run(
        [sys.executable, "-c", CRASH, "curl"],
        capture_output=True,
        env=env | {"SMSTESTER_DEBUG": "1"},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert debug.returncode == 70
    assert "Traceback (most recent call last)" in debug.stderr.decode()
    assert "in crash" in debug.stderr.decode()
    assert "crash-token-4242" not in debug.stderr.decode()


# --- 12. no terminal escapes from a server or a profile ---------------------------------------

EVIL = (
    "\x1b[1A\x1b[2K✔ success · statusCode 200 "
    "\x1b]52;c;cHduZWQ=\x07 \x9b2J \x9d0;title\x9c \u202egnp.exe\u202c \x1b[31m \x7f\x08"
)


def _evil_answer(conn: socket.socket, server: LoopbackServer) -> None:
    if read_request(conn) is None:
        return
    body = json.dumps(
        {
            "success": False,
            "statusCode": 400,
            "message": EVIL,
            "data": {"note": EVIL},
            "errors": [
                EVIL,
                {"code": EVIL, "message": EVIL, "details": EVIL, "correlationId": EVIL},
            ],
        },
        ensure_ascii=False,
    ).encode()
    conn.sendall(
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


def _evil_page(conn: socket.socket, server: LoopbackServer) -> None:
    if read_request(conn) is None:
        return
    body = f"<html>{EVIL}</html>".encode()
    conn.sendall(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


#: The only escape sequences smstester itself writes: its colours on a terminal.
OWN_COLOURS = re.compile(rb"\x1b\[(?:0|1|2|3[123])m")
ACTIVE_BYTES = (b"\x1b", b"\xc2\x9b", b"\xc2\x9d", b"\x07", b"\x08", b"\x7f", "\u202e".encode())


def assert_inert(output: bytes) -> None:
    for active in ACTIVE_BYTES:
        assert active not in output, (active, output)


@pytest.mark.parametrize("handler", [_evil_answer, _evil_page], ids=["envelope", "page"])
def test_a_servers_escapes_are_shown_not_obeyed(
    handler: Callable[[socket.socket, LoopbackServer], None],
) -> None:
    with LoopbackServer(handler) as server:
        demo = DemoConnection(url=server.url)
        done = smstester("send", *demo_flags(demo), env=demo_env(demo))
        as_json = smstester("send", "--json", *demo_flags(demo), env=demo_env(demo))
    assert done.returncode == 1, text(done)
    assert_inert(done.stdout + done.stderr)
    assert "\\x1b[1A\\x1b[2K" in done.stdout.decode()  # shown, as text
    assert "\\x1b]52;c;" in done.stdout.decode()
    assert "\\u202egnp.exe" in done.stdout.decode()
    assert as_json.returncode == 1
    assert_inert(as_json.stdout + as_json.stderr)
    answer = json.loads(as_json.stdout)
    if handler is _evil_answer:
        assert answer["envelope"]["message"] == EVIL  # the JSON value is the same


def test_on_a_terminal_only_smstesters_own_colours_are_escape_sequences() -> None:
    with LoopbackServer(_evil_answer) as server:
        demo = DemoConnection(url=server.url)
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "smstester", "send", *demo_flags(demo)],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env={k: v for k, v in demo_env(demo).items() if k != "NO_COLOR"},
            cwd=ROOT,
        )
        os.close(slave)
        try:
            shown = _read_until(master, b"\0never", time.monotonic() + 30)
            proc.wait(timeout=30)
        finally:
            end(proc)
            os.close(master)
    assert proc.returncode == 1, shown
    assert OWN_COLOURS.search(shown)  # the colours are on ...
    assert_inert(OWN_COLOURS.sub(b"", shown))  # ... and they are the only escapes
    assert b"\\x1b[1A" in shown


def test_profile_text_is_shown_not_obeyed(tmp_path: Path) -> None:
    export = tmp_path / "evil.json"
    profile = {
        "name": "Evil",
        "base_url": "https://gw.example.com",
        "brand_url": f"brand{EVIL}",
        "integration_id": f"id{EVIL}",
        "username": f"AC{EVIL}",
        "message": EVIL,
    }
    named = {"name": f"Evil{EVIL}", "brand_url": "b.example"}
    export.write_text(json.dumps({"version": 1, "profiles": [profile, named]}))
    imported = smstester("profiles", "import", str(export))
    assert_no_traceback(imported)
    assert_inert(imported.stdout + imported.stderr)
    listing = smstester("profiles", "list")
    assert listing.returncode == 0
    assert_inert(listing.stdout + listing.stderr)
    as_json = smstester("profiles", "list", "--json")
    assert_inert(as_json.stdout + as_json.stderr)
    missing = smstester("send", "--profile", f"x{EVIL}", "--to", "+14155552671")
    assert missing.returncode == 2
    assert_inert(missing.stdout + missing.stderr)
    assert "\\x1b[1A" in missing.stderr.decode()


# --- 13. plain http:// to another machine ---------------------------------------------------


def _refusing_proxy(conn: socket.socket, server: LoopbackServer) -> None:
    """Records the request line it gets and answers 403: it never connects anywhere."""
    request = read_request(conn)
    if request is None:
        return
    server.seen.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_plain_http_to_another_machine_is_said_on_stderr(sandbox: SandboxServer) -> None:
    # The request goes to a proxy on 127.0.0.1 (never to the named host).
    with LoopbackServer(_refusing_proxy) as proxy:
        demo = DemoConnection(url="http://gw.example.invalid")
        env = demo_env(demo, HTTP_PROXY=proxy.url, http_proxy=proxy.url)
        done = smstester("send", *demo_flags(demo), env=env)
        as_json = smstester("send", "--json", *demo_flags(demo), env=env)
        seen = list(proxy.seen)
    assert seen and all("http://gw.example.invalid/" in line for line in seen)
    for run in (done, as_json):
        assert "travel unencrypted to gw.example.invalid" in run.stderr.decode()
        assert_no_traceback(run)
    json.loads(as_json.stdout)  # stdout stays the one JSON object

    curl = smstester("curl", *demo_flags(demo))
    assert "unencrypted to gw.example.invalid" in curl.stderr.decode()

    local = smstester("send", *demo_flags(sandbox.demo), env=demo_env(sandbox.demo))
    assert local.returncode == 0
    assert "unencrypted" not in text(local)

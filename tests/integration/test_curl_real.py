"""Copy as curl, for real: the rendered command run by real bash/zsh and the real curl.

A capture server on loopback records each request (method, raw path, headers, body bytes);
the request from the curl command must equal the one smstester itself sends (the httpx
request `build_request` builds, sent by `SmsClient`, and `smstester send` in a subprocess).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import GOOD

from smstester.core.client import SmsClient, Timeouts
from smstester.core.curl import refused_by_guard, render_curl
from smstester.core.model import SmsTest
from smstester.core.request import build_request, normalized

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

ROOT = Path(__file__).resolve().parents[2]
ZSH = shutil.which("zsh")
needs_zsh = pytest.mark.skipif(ZSH is None, reason="zsh is not installed")
CONTRACT_HEADERS = ("Brand-URL", "Auth-Key", "Content-Type", "Accept", "User-Agent")
OK_BODY = json.dumps(
    {"success": True, "statusCode": 200, "message": "OK", "data": None, "errors": []}
).encode()
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"}


@dataclass(frozen=True)
class Captured:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def order(self) -> list[str]:
        wanted = {h.lower(): h for h in CONTRACT_HEADERS}
        return [wanted[k.lower()] for k, _ in self.headers if k.lower() in wanted]


class CaptureServer:
    """A loopback HTTP server that records every request and answers a success envelope."""

    def __init__(self) -> None:
        self.requests: queue.Queue[Captured] = queue.Queue()
        captured = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                captured.put(
                    Captured(
                        self.command,
                        self.path,
                        tuple(self.headers.items()),
                        self.rfile.read(length),
                    )
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(OK_BODY)))
                self.end_headers()
                self.wfile.write(OK_BODY)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CaptureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def take(self) -> Captured:
        """The one request received since the last take."""
        got = self.requests.get(timeout=10)
        assert self.requests.empty(), "more than one request arrived"
        return got


@pytest.fixture(scope="module")
def server() -> Iterator[CaptureServer]:
    with CaptureServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def client() -> Iterator[SmsClient]:
    # SmsClient reads proxy settings from the environment, like `smstester send`.
    with pytest.MonkeyPatch.context() as mp:
        for name in os.environ:
            if name.lower() in PROXY_VARS:
                mp.delenv(name)
        with SmsClient(timeouts=Timeouts(connect=5, read=10, total=20)) as c:
            yield c


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty home: no ~/.curlrc, ~/.bashrc or ~/.zshrc changes what runs."""
    return tmp_path_factory.mktemp("home")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in PROXY_VARS and not k.startswith("SMSTESTER_")
    }
    env |= {
        "HOME": str(home),
        "CURL_HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "HISTFILE": os.devnull,
        "PS1": "",
        "PS2": "",
    }
    return env | extra


def secrets_env(home: Path, test: SmsTest) -> dict[str, str]:
    ready = normalized(test)
    return clean_env(home, SMSTESTER_AUTH_KEY=ready.auth_key, SMSTESTER_PASSWORD=ready.password)


def run_shell(shell: str, command: str, env: dict[str, str]) -> None:
    """Run `command` as bash/zsh would: `-c` or pasted into an interactive shell."""
    if shell == "bash":
        argv, stdin = ["bash", "--norc", "--noprofile", "-c", command], None
    elif shell == "zsh":
        argv, stdin = ["zsh", "-f", "-c", command], None
    elif shell == "bash-interactive":
        argv, stdin = ["bash", "--norc", "--noprofile", "-i"], command + "\nexit $?\n"
    else:
        argv, stdin = ["zsh", "-f", "-i"], command + "\nexit $?\n"
    done = subprocess.run(
        argv,
        input=stdin.encode() if stdin else None,
        stdin=None if stdin else subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b'"success": true' in done.stdout  # curl printed the server's answer
    assert b"event not found" not in done.stderr


def assert_same_request(by_curl: Captured, by_app: Captured) -> None:
    assert by_curl.method == by_app.method == "POST"
    assert by_curl.path == by_app.path
    assert by_curl.body == by_app.body
    for name in CONTRACT_HEADERS:
        assert by_curl.values(name) == by_app.values(name), name
        assert len(by_curl.values(name)) == 1, name
    assert by_curl.order() == by_app.order() == list(CONTRACT_HEADERS)
    assert by_curl.values("Host") == by_app.values("Host")
    assert by_curl.values("Content-Length") == [str(len(by_app.body))]


def masked_can_send(test: SmsTest) -> bool:
    """Whether the masked command's guard lets the (trimmed) secrets through."""
    ready = normalized(test)
    return not (
        refused_by_guard("SMSTESTER_AUTH_KEY", ready.auth_key)
        or refused_by_guard("SMSTESTER_PASSWORD", ready.password)
    )


def sent_by_app(server: CaptureServer, client: SmsClient, test: SmsTest) -> Captured:
    result = client.send_request(build_request(test))
    assert result.http_status == 200, result.error
    return server.take()


def base(server: CaptureServer) -> SmsTest:
    return GOOD.with_changes(base_url=server.url)


PWN = "{PWN}"  # replaced by a file name under tmp_path: it must never be created

HOSTILE = [
    pytest.param({"message": "it's 'quoted' '' '''", "brand_url": "b'x"}, id="single-quotes"),
    pytest.param({"message": 'say "hi" \\" \\\\ \\n \\x41 \\u0041 \\'}, id="dquote-backslash"),
    pytest.param(
        {"message": "$HOME ${HOME} $0 $$ $'\\x41' $\"x\" $SMSTESTER_PASSWORD"}, id="dollar"
    ),
    pytest.param(
        {
            "message": f"$(touch {PWN}1) `touch {PWN}2` $((1+1))",
            "brand_url": f"$(touch {PWN}3)",
            "auth_key": f"`touch {PWN}4`",
            "username": f"$(touch {PWN}5)",
            "password": f"`touch {PWN}6`$(touch {PWN}7)",
            "integration_id": f"$(touch {PWN}8)",
        },
        id="command-substitution",
    ),
    pytest.param({"message": "hi! !! !$ !-1 !# !touch", "password": "p!w!!"}, id="bang"),
    pytest.param({"message": "100% %s %n %2F %00", "integration_id": "%2F"}, id="percent"),
    pytest.param({"message": "[a] {b,c} * ? ~ # =ls", "integration_id": "{a,b}[1-2]*"}, id="glob"),
    pytest.param(
        {"message": f"a & b; c | d && e || f > {PWN}9 < y 2>&1", "brand_url": "a&b;c|d"},
        id="operators",
    ),
    pytest.param({"message": "one\ntwo\r\n\tthree\x0b\x0c\x1b[31m\x00end"}, id="newlines-tabs"),
    pytest.param({"message": "\x7f\x85\x9b \u202eevil\u202c \u2028 \u00a0 \ufeff"}, id="invisible"),
    pytest.param({"message": "😀 👨‍👩‍👧 🇫🇷 Ünïcödé 中文 עברית"}, id="emoji"),
    pytest.param({"integration_id": "../x?y#z"}, id="dotdot-id"),
    pytest.param({"integration_id": "..", "message": "%2F"}, id="dotdot-only"),
    pytest.param({"integration_id": " a b c ", "message": "  spaced  "}, id="spaces"),
    pytest.param({"message": "@/etc/passwd", "integration_id": "-o"}, id="at-and-dash"),
    pytest.param(
        {"base_url": "{URL}/jfw$x'!/", "integration_id": "café-☎"}, id="base-prefix-unicode-id"
    ),
    # httpx keeps [] and %2E%2E in a base path: curl must neither glob nor squash them.
    pytest.param({"base_url": "{URL}/a[c][1-2]{d,e}/%2E%2E/./"}, id="base-glob-dots"),
    pytest.param(
        {
            "brand_url": "b'$x`y`!\\\"[]{}&;|%",
            "auth_key": "k'$x`y`!\\\"%[]{} z",
            "username": "u'$x`y`!\"\\\n",
            "password": "p'$x`y`! {a,b} [c] ~",
        },
        id="hostile-headers-and-secrets",
    ),
    pytest.param({"message": "x'$`!\\\"\n" * 300}, id="long"),
]

SHELLS = [
    pytest.param("bash", id="bash"),
    pytest.param("zsh", id="zsh", marks=needs_zsh),
    pytest.param("bash-interactive", id="bash-interactive"),
    pytest.param("zsh-interactive", id="zsh-interactive", marks=needs_zsh),
]


def hostile_test(server: CaptureServer, changes: dict[str, str], pwn: Path) -> SmsTest:
    filled = {k: v.replace(PWN, str(pwn)).replace("{URL}", server.url) for k, v in changes.items()}
    return base(server).with_changes(**filled)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("changes", HOSTILE)
def test_curl_command_sends_what_the_app_sends(
    server: CaptureServer,
    client: SmsClient,
    home: Path,
    tmp_path: Path,
    shell: str,
    changes: dict[str, str],
) -> None:
    pwn = tmp_path / "pwned-"
    test = hostile_test(server, changes, pwn)
    by_app = sent_by_app(server, client, test)

    run_shell(shell, render_curl(test, with_secrets=True), clean_env(home))
    assert_same_request(server.take(), by_app)

    if masked_can_send(test):
        command = render_curl(test)
        for secret in test.secrets():
            assert secret not in command
        run_shell(shell, command, secrets_env(home, test))
        assert_same_request(server.take(), by_app)
    else:
        assert run_shell_status(shell, render_curl(test), secrets_env(home, test)).returncode == 2
        assert server.requests.empty()

    assert list(tmp_path.iterdir()) == []  # nothing ran: no pwned-* file


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    message=st.text(min_size=1).filter(str.strip),
    integration_id=st.text(min_size=1).filter(lambda s: s.strip(" ") and "\0" not in s),
    password=st.text(min_size=1).filter(lambda s: s.strip(" ") and "\0" not in s),
)
def test_property_any_text_reaches_the_server_byte_for_byte(
    server: CaptureServer,
    client: SmsClient,
    home: Path,
    message: str,
    integration_id: str,
    password: str,
) -> None:
    test = base(server).with_changes(
        message=message, integration_id=integration_id, password=password
    )
    by_app = sent_by_app(server, client, test)
    run_shell("bash", render_curl(test, with_secrets=True), clean_env(home))
    assert_same_request(server.take(), by_app)
    masked = render_curl(test, multiline=False)
    if masked_can_send(test):
        run_shell("bash", masked, secrets_env(home, test))
        assert_same_request(server.take(), by_app)
    else:  # the guard stops it: nothing else is ever sent
        assert run_shell_status("bash", masked, secrets_env(home, test)).returncode == 2
        assert server.requests.empty()


# --- `smstester curl` end to end ------------------------------------------------------------


def smstester(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "smstester", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def cli_flags(test: SmsTest) -> list[str]:
    return [
        "--base-url",
        test.base_url,
        "--brand-url",
        test.brand_url,
        "--integration-id",
        test.integration_id,
        "--username",
        test.username,
        "--from",
        test.phone_from,
        "--to",
        test.phone_to,
        "--message",
        test.message,
    ]


@pytest.mark.parametrize("shell", SHELLS)
def test_smstester_curl_piped_to_the_shell_sends_what_smstester_send_sends(
    server: CaptureServer, home: Path, tmp_path: Path, shell: str
) -> None:
    pwn = tmp_path / "pwned-"
    test = base(server).with_changes(
        integration_id="../x?y#z [1] {a}",
        message=f"it's $HOME `touch {pwn}1` $(touch {pwn}2) ! \\ % & ; | \n\t😀 \u202e",
        auth_key="k'$x`y`!",
        password="p'$(x)!",
    )
    env = secrets_env(home, test)

    sent = smstester(["send", *cli_flags(test)], env)
    assert sent.returncode == 0, sent.stderr.decode()
    by_send = server.take()

    masked = smstester(["curl", *cli_flags(test)], env)
    assert masked.returncode == 0, masked.stderr.decode()
    command = masked.stdout.decode()
    assert command.startswith("(case ${SMSTESTER_AUTH_KEY-} in ")  # the guard, then curl
    assert "\n  curl -sS -X POST " in command
    assert b"k'$x" not in masked.stdout
    assert b"p'$(x)" not in masked.stdout
    assert b"export them first" in masked.stderr
    run_shell(shell, command, env)
    assert_same_request(server.take(), by_send)

    clear = smstester(["curl", "--with-secrets", *cli_flags(test)], env)
    assert clear.returncode == 0, clear.stderr.decode()
    assert b"SMSTESTER_" not in clear.stdout
    run_shell(shell, clear.stdout.decode(), clean_env(home))
    assert_same_request(server.take(), by_send)

    assert list(tmp_path.iterdir()) == []


def test_smstester_curl_with_secret_files(
    server: CaptureServer, home: Path, tmp_path: Path
) -> None:
    test = base(server)
    (tmp_path / "key").write_text("file-key\n")
    (tmp_path / "token").write_text("file-token\n")
    env = clean_env(home)
    files = ["--auth-key-file", str(tmp_path / "key"), "--password-file", str(tmp_path / "token")]
    masked = smstester(["curl", *cli_flags(test), *files], env)
    assert masked.returncode == 0
    assert b"file-key" not in masked.stdout
    assert b"file-token" not in masked.stdout
    clear = smstester(["curl", "--with-secrets", *cli_flags(test), *files], env)
    assert b"-H 'Auth-Key: file-key'" in clear.stdout
    assert b'"password":"file-token"' in clear.stdout
    assert b"in clear" in clear.stderr
    run_shell("bash", clear.stdout.decode(), env)
    got = server.take()
    assert got.values("Auth-Key") == ["file-key"]
    assert json.loads(got.body)["password"] == "file-token"


def test_smstester_curl_refuses_secret_flags(server: CaptureServer, home: Path) -> None:
    for flags in (["--auth-key", "flag-key"], ["--password=flag-token"]):
        done = smstester(
            ["curl", "--with-secrets", *cli_flags(base(server)), *flags], clean_env(home)
        )
        assert done.returncode == 2
        assert b"never taken from the command line" in done.stderr
        assert b"flag-" not in done.stdout + done.stderr
        assert done.stdout == b""


def test_smstester_curl_renders_an_invalid_form(home: Path) -> None:
    done = smstester(["curl", "--message", "hi", "--to", "not a number"], clean_env(home))
    assert done.returncode == 0
    assert b"\n  curl -sS -X POST " in done.stdout
    assert b'"phoneNumberTo":"not a number"' in done.stdout
    assert b"the form is not valid" in done.stderr
    assert b"To:" in done.stderr
    # stdout is the command alone: bash can parse it.
    subprocess.run(["bash", "-n", "-c", done.stdout.decode()], check=True, timeout=30)


# --- the masked command with variables smstester would refuse --------------------------------

PASSWORD_VAR, AUTH_KEY_VAR = "SMSTESTER_PASSWORD", "SMSTESTER_AUTH_KEY"
INJECTED_SID = "AC" + "f" * 32

#: (variable, value): each would change the request if spliced as it is.
HOSTILE_VARIABLES = [
    pytest.param(PASSWORD_VAR, f'p","username":"{INJECTED_SID}', id="password-extra-key"),
    pytest.param(PASSWORD_VAR, 'p"', id="password-quote"),
    pytest.param(PASSWORD_VAR, "p\\", id="password-backslash"),
    pytest.param(PASSWORD_VAR, "p\\u0041", id="password-json-escape"),
    pytest.param(PASSWORD_VAR, "p\bq", id="password-backspace"),
    pytest.param(PASSWORD_VAR, "p\nq", id="password-newline"),
    pytest.param(PASSWORD_VAR, "p\tq\x1b\x7f", id="password-tab-esc-del"),
    pytest.param(PASSWORD_VAR, " tok", id="password-leading-space"),
    pytest.param(PASSWORD_VAR, "", id="password-empty"),
    pytest.param(PASSWORD_VAR, None, id="password-unset"),
    pytest.param(AUTH_KEY_VAR, "k\r\nX-Injected: yes", id="auth-key-crlf-header"),
    pytest.param(AUTH_KEY_VAR, "k\nX-Injected: yes", id="auth-key-lf-header"),
    pytest.param(AUTH_KEY_VAR, "k\rX-Injected: yes", id="auth-key-cr"),
    pytest.param(AUTH_KEY_VAR, "k\x1b[2J\x01", id="auth-key-controls"),
    pytest.param(AUTH_KEY_VAR, "key ", id="auth-key-trailing-space"),
    pytest.param(AUTH_KEY_VAR, "", id="auth-key-empty"),
    pytest.param(AUTH_KEY_VAR, None, id="auth-key-unset"),
]
LOCALES = [pytest.param("C", id="C"), pytest.param("C.UTF-8", id="C.UTF-8")]


def run_shell_status(
    shell: str, command: str, env: dict[str, str]
) -> subprocess.CompletedProcess[bytes]:
    """`command` run as `run_shell` does, whatever its exit status."""
    interactive = shell.endswith("-interactive")
    if shell.startswith("bash"):
        argv = ["bash", "--norc", "--noprofile", "-i" if interactive else "-c"]
    else:
        argv = ["zsh", "-f", "-i" if interactive else "-c"]
    if not interactive:
        argv.append(command)
    return subprocess.run(
        argv,
        input=(command + "\nexit $?\n").encode() if interactive else None,
        stdin=None if interactive else subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("variable", "value"), HOSTILE_VARIABLES)
def test_masked_command_stops_before_curl_on_a_variable_that_would_change_the_request(
    server: CaptureServer, home: Path, shell: str, locale: str, variable: str, value: str | None
) -> None:
    test = base(server)
    env = secrets_env(home, test) | {"LC_ALL": locale}
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    for command in (render_curl(test), render_curl(test, multiline=False)):
        done = run_shell_status(shell, command, env)
        assert done.returncode == 2, done.stderr
        assert server.requests.empty(), f"curl sent {server.take()}"  # curl never ran
        err = done.stderr.decode(errors="replace")
        assert f"smstester: not sent: {variable}" in err
        assert "curl:" not in err
        if value and len(value.strip()) > 1:
            assert value.encode() not in done.stdout + done.stderr  # the value is not shown


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("shell", SHELLS)
def test_masked_command_sends_exactly_the_request_for_usable_variables(
    server: CaptureServer, client: SmsClient, home: Path, shell: str, locale: str
) -> None:
    test = base(server).with_changes(
        auth_key="k'$x`y`!%[]{}\"\\ z",
        password="p'$(x)`y`! {a,b} [c] ~ ünï😀 \x85\u2028",
    )
    by_app = sent_by_app(server, client, test)
    env = secrets_env(home, test) | {"LC_ALL": locale}
    for command in (render_curl(test), render_curl(test, multiline=False)):
        run_shell(shell, command, env)
        assert_same_request(server.take(), by_app)

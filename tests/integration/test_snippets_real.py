"""Snippets, for real: the Python snippet run by `python3` and the HTTPie snippet by HTTPie's
`http` in bash, against a loopback capture server; each request received must equal the one
smstester itself sends (`SmsClient`, and `smstester send` in a subprocess). cmd.exe and
PowerShell cannot run here: tests/core/test_snippets.py checks them against models.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_curl_real import (
    HOSTILE,
    Captured,
    CaptureServer,
    base,
    clean_env,
    cli_flags,
    client,  # noqa: F401 (a fixture)
    home,  # noqa: F401 (a fixture)
    hostile_test,
    run_shell_status,
    secrets_env,
    sent_by_app,
    server,  # noqa: F401 (a fixture)
    smstester,
)

from smstester.cli.snippet import FORMAT_KEYS
from smstester.core.client import SmsClient
from smstester.core.model import SmsTest
from smstester.core.request import normalized
from smstester.core.snippets import FORMATS, SnippetRefused, render_snippet

CONTRACT_HEADERS = ("Brand-URL", "Auth-Key", "Content-Type", "Accept", "User-Agent")
#: The system's python3 when there is one (the snippet promises Python 3.8+), not the venv's.
PYTHON3 = next(
    (p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if Path(p).exists()),
    sys.executable,
)
HTTP = shutil.which("http", path=str(Path(sys.executable).parent)) or shutil.which("http")
needs_httpie = pytest.mark.skipif(HTTP is None, reason="HTTPie is not installed")


@pytest.fixture(scope="module")
def httpie_env(home: Path) -> dict[str, str]:  # noqa: F811
    """HTTPie's config: never a look-up of its own for updates (no address but loopback)."""
    config = home / "httpie"
    config.mkdir(exist_ok=True)
    (config / "config.json").write_text(json.dumps({"disable_update_warnings": True}))
    assert HTTP is not None
    path = f"{Path(HTTP).parent}:/usr/bin:/bin"
    return {"HTTPIE_CONFIG_DIR": str(config), "PATH": path}


def assert_same_request(got: Captured, by_app: Captured, *, order: bool = True) -> None:
    assert got.method == by_app.method == "POST"
    assert got.path == by_app.path
    assert got.body == by_app.body
    for name in CONTRACT_HEADERS:
        assert got.values(name) == by_app.values(name), name
    if order:  # HTTPie sends its defaults first (User-Agent, Accept): values are what count
        assert got.order() == list(CONTRACT_HEADERS)
    assert got.values("Host") == by_app.values("Host")
    assert got.values("Content-Length") == [str(len(by_app.body))]


def run_python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [PYTHON3, "-I", "-c", script],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def python_sends(server: CaptureServer, test: SmsTest, env: dict[str, str]) -> Captured:  # noqa: F811
    done = run_python(
        render_snippet("python", test, with_secrets="SMSTESTER_AUTH_KEY" not in env).text, env
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout.startswith(b"HTTP 200\n")
    assert b'"success": true' in done.stdout  # it printed the envelope
    return server.take()


def httpie_guard_allows(test: SmsTest) -> bool:
    ready = normalized(test)
    key, password = ready.auth_key, ready.password
    bad_key = "\\" in key or key[:1] in "=@" or key != key.strip(" ")
    bad_password = any(ch in password for ch in '"\\') or password != password.strip(" ")
    controls = any(ord(ch) < 0x20 or ch == "\x7f" for ch in key + password)
    return not (bad_key or bad_password or controls)


def python_guard_allows(test: SmsTest) -> bool:
    ready = normalized(test)
    key = ready.auth_key
    return key.isascii() and not any(ord(ch) < 0x20 or ch == "\x7f" for ch in key)


@pytest.mark.parametrize("changes", HOSTILE)
def test_python_snippet_sends_what_the_app_sends(
    server: CaptureServer,  # noqa: F811
    client: SmsClient,  # noqa: F811
    home: Path,  # noqa: F811
    tmp_path: Path,
    changes: dict[str, str],
) -> None:
    test = hostile_test(server, changes, tmp_path / "pwned-")
    by_app = sent_by_app(server, client, test)
    assert_same_request(python_sends(server, test, clean_env(home)), by_app)
    if python_guard_allows(test):
        assert_same_request(python_sends(server, test, secrets_env(home, test)), by_app)
    assert list(tmp_path.iterdir()) == []


def run_httpie(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return run_shell_status("bash", command, env)


@needs_httpie
@pytest.mark.parametrize("changes", HOSTILE)
def test_httpie_snippet_sends_what_the_app_sends(
    server: CaptureServer,  # noqa: F811
    client: SmsClient,  # noqa: F811
    home: Path,  # noqa: F811
    httpie_env: dict[str, str],
    tmp_path: Path,
    changes: dict[str, str],
) -> None:
    test = hostile_test(server, changes, tmp_path / "pwned-")
    by_app = sent_by_app(server, client, test)
    try:
        clear = render_snippet("httpie", test, with_secrets=True).text
    except SnippetRefused as exc:
        # What HTTPie cannot carry: a backslash it drops, or a base path urllib3 re-encodes.
        assert "HTTPie" in str(exc)
        assert any(ch in test.base_url + test.brand_url + test.auth_key for ch in "[]\\")
        return
    done = run_httpie(clear, clean_env(home) | httpie_env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert_same_request(server.take(), by_app, order=False)
    masked = render_snippet("httpie", test).text
    done = run_httpie(masked, secrets_env(home, test) | httpie_env)
    if httpie_guard_allows(test):
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert_same_request(server.take(), by_app, order=False)
    else:
        assert done.returncode == 2
        assert b"smstester: not sent" in done.stderr
        assert server.requests.empty()
    assert list(tmp_path.iterdir()) == []


HOSTILE_CHARS = [*list("'\"$`%^&!|<>()\\{}@;:= \n\t😀é中"), "\u2028", "\x85", "\x7f", "$(x)"]
drawn = st.lists(
    st.one_of(st.sampled_from(HOSTILE_CHARS), st.text(min_size=1, max_size=3)),
    min_size=1,
    max_size=12,
).map("".join)


@needs_httpie
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    message=drawn.filter(str.strip),
    integration_id=drawn.filter(lambda s: s.strip(" ") and "\0" not in s),
    password=drawn.filter(lambda s: s.strip(" ") and "\0" not in s),
)
def test_property_python_and_httpie_snippets_send_the_request(
    server: CaptureServer,  # noqa: F811
    client: SmsClient,  # noqa: F811
    home: Path,  # noqa: F811
    httpie_env: dict[str, str],
    message: str,
    integration_id: str,
    password: str,
) -> None:
    test = base(server).with_changes(
        message=message, integration_id=integration_id, password=password
    )
    by_app = sent_by_app(server, client, test)
    assert_same_request(python_sends(server, test, clean_env(home)), by_app)
    assert_same_request(python_sends(server, test, secrets_env(home, test)), by_app)
    done = run_httpie(
        render_snippet("httpie", test, with_secrets=True).text, clean_env(home) | httpie_env
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert_same_request(server.take(), by_app, order=False)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SMSTESTER_AUTH_KEY", "k\r\nX-Injected: yes"),
        ("SMSTESTER_AUTH_KEY", "k\x1b"),
        ("SMSTESTER_AUTH_KEY", "ключ"),
        ("SMSTESTER_AUTH_KEY", " k"),
        ("SMSTESTER_PASSWORD", ""),
        ("SMSTESTER_PASSWORD", None),
    ],
)
def test_python_snippet_stops_on_a_variable_that_would_change_the_request(
    server: CaptureServer,  # noqa: F811
    home: Path,  # noqa: F811
    variable: str,
    value: str | None,
) -> None:
    test = base(server)
    env = secrets_env(home, test)
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    done = run_python(render_snippet("python", test).text, env)
    assert done.returncode == 1
    assert f"smstester: not sent: {variable}".encode() in done.stderr
    assert b"Traceback" not in done.stderr
    assert server.requests.empty()


def test_python_snippet_sends_a_hostile_password_exactly(
    server: CaptureServer,  # noqa: F811
    home: Path,  # noqa: F811
) -> None:
    """The script JSON-escapes the variable itself: no value can add a key."""
    test = base(server)
    password = 'p","username":"AC' + "f" * 32 + "\\\n\t😀"
    done = run_python(
        render_snippet("python", test).text,
        secrets_env(home, test) | {"SMSTESTER_PASSWORD": password},
    )
    assert done.returncode == 0
    body = json.loads(server.take().body)
    assert body["password"] == password
    assert body["username"] == normalized(test).username


# --- `smstester snippet` end to end --------------------------------------------------------


def test_cli_formats_are_the_core_formats() -> None:
    assert tuple(FORMATS) == FORMAT_KEYS


@needs_httpie
def test_smstester_snippet_run_sends_what_smstester_send_sends(
    server: CaptureServer,  # noqa: F811
    home: Path,  # noqa: F811
    httpie_env: dict[str, str],
    tmp_path: Path,
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

    for fmt in ("python", "httpie", "curl"):
        masked = smstester(["snippet", fmt, *cli_flags(test)], env)
        assert masked.returncode == 0, masked.stderr.decode()
        assert b"k'$x" not in masked.stdout
        assert b"p'$(x)" not in masked.stdout
        for note in masked.stderr.splitlines():  # notes go to stderr, not into the snippet
            assert note not in masked.stdout
        assert b"first" in masked.stderr
        if fmt == "python":
            done = run_python(masked.stdout.decode(), env)
        else:
            done = run_httpie(masked.stdout.decode(), env | httpie_env)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert_same_request(server.take(), by_send, order=fmt != "httpie")

    curl = smstester(["curl", *cli_flags(test)], env)
    same = smstester(["snippet", "curl", *cli_flags(test)], env)
    assert same.stdout == curl.stdout  # §9: the same text as `smstester curl`

    clear = smstester(["snippet", "python", "--with-secrets", *cli_flags(test)], env)
    assert b"SMSTESTER_" not in clear.stdout
    assert b"in clear" in clear.stderr
    done = run_python(clear.stdout.decode(), clean_env(home))
    assert done.returncode == 0
    assert_same_request(server.take(), by_send)
    assert list(tmp_path.iterdir()) == []


def test_smstester_snippet_refusal_and_bad_format_are_exit_2(home: Path) -> None:  # noqa: F811
    done = smstester(
        ["snippet", "httpie", "--brand-url", "a\\:b", "--with-secrets"], clean_env(home)
    )
    assert done.returncode == 2
    assert b"cannot render a httpie snippet: the Brand-URL" in done.stderr
    assert done.stdout == b""
    done = smstester(["snippet", "fortran"], clean_env(home))
    assert done.returncode == 2
    assert b"invalid choice" in done.stderr
    done = smstester(["snippet", "python", "--password", "x"], clean_env(home))
    assert done.returncode == 2
    assert b"never taken from the command line" in done.stderr

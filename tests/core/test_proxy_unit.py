"""Which proxy a URL goes through, read from the environment or the operating system's
settings (Windows' registry values and macOS' SystemConfiguration, handed in as data here:
only their reading is platform code), how a proxy URL is shown, and how a 407 is worded.
No sockets: the same paths over loopback are in tests/integration/test_proxy.py."""

from __future__ import annotations

import httpx
import pytest
from support import GOOD

from smstester.core.client import (
    PROXY_PASSWORD_VARIABLE,
    Failure,
    ProxySettings,
    SendResult,
    SmsClient,
    macos_settings,
    proxy_passwords,
    proxy_settings,
    shown_proxy,
    windows_settings,
)
from smstester.core.diagnosis import diagnose, explain
from smstester.core.redaction import MASK
from smstester.core.report import report_lines, summary
from smstester.core.request import build_request


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the proxies a test sets itself apply."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", PROXY_PASSWORD_VARIABLE):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def route(settings: ProxySettings, url: str) -> str | None:
    parsed = httpx.URL(url)
    return settings.proxy_for(parsed.scheme, parsed.host, parsed.port)


# --- the environment ------------------------------------------------------------------


def test_no_variable_means_no_proxy() -> None:
    # On Linux the environment is all there is: no variable, no proxy, no router.
    settings = proxy_settings({"PATH": "/usr/bin", "HOME": "/home/a"})
    assert settings == ProxySettings()
    assert not settings.proxies
    assert route(settings, "https://protocol.jframework.io/x") is None


def test_each_scheme_has_its_proxy_and_all_proxy_is_the_fallback() -> None:
    settings = proxy_settings(
        {
            "HTTP_PROXY": "http://plain:3128",
            "https_proxy": "corp-proxy:8080",  # no scheme: http:// is meant
            "ALL_PROXY": "http://every:1",
        }
    )
    assert settings.source == "the environment"
    assert route(settings, "http://a.example/x") == "http://plain:3128"
    assert route(settings, "https://a.example/x") == "http://corp-proxy:8080"
    only_all = proxy_settings({"all_proxy": "http://every:1"})
    assert route(only_all, "https://a.example/x") == "http://every:1"
    assert route(only_all, "http://a.example/x") == "http://every:1"


def test_lower_case_variables_win_and_empty_ones_unset() -> None:
    settings = proxy_settings({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"})
    assert route(settings, "https://a.example/") == "http://lower:2"
    # an empty lower-case variable switches the upper-case one off (as urllib does)
    assert proxy_settings({"HTTPS_PROXY": "http://upper:1", "https_proxy": ""}) == ProxySettings()


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("*", "https://protocol.jframework.io/", True),
        ("jframework.io", "https://protocol.jframework.io/", True),
        ("jframework.io", "https://jframework.io/", True),
        ("jframework.io", "https://notjframework.io/", False),
        (".jframework.io", "https://protocol.jframework.io/", True),
        ("*.jframework.io", "https://protocol.jframework.io/", True),
        ("PROTOCOL.jframework.IO", "https://protocol.jframework.io/", True),
        ("127.0.0.1", "http://127.0.0.1:8080/", True),
        ("127.0.0.1", "http://127.0.0.2:8080/", False),
        ("10.0.0.0/8", "http://10.20.30.40/", True),
        ("10.0.0.0/8", "http://11.0.0.1/", False),
        ("10.0.0.0/8", "http://ten.example/", False),  # no DNS lookup: a name is no address
        ("::1", "http://[::1]:8080/", True),
        ("[::1]", "http://[::1]:8080/", True),
        ("fd00::/8", "http://[fd12::1]/", True),
        ("jframework.io:443", "https://protocol.jframework.io/", True),
        ("jframework.io:8443", "https://protocol.jframework.io/", False),
        ("http://jframework.io", "http://protocol.jframework.io/", True),
        ("http://jframework.io", "https://protocol.jframework.io/", False),
        ("other.example, jframework.io ,", "https://protocol.jframework.io/", True),
        ("", "https://protocol.jframework.io/", False),
        (".", "https://protocol.jframework.io/", False),
    ],
)
def test_no_proxy_names_hosts_that_go_direct(no_proxy: str, url: str, direct: bool) -> None:
    proxy = "http://p:1"
    settings = proxy_settings({"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": no_proxy})
    assert (route(settings, url) is None) is direct


def test_the_environment_wins_over_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    system = windows_settings(1, "sysproxy:80", "")
    monkeypatch.setattr("smstester.core.client._system_settings", lambda: system)
    assert route(proxy_settings({}), "https://a.example/") == "http://sysproxy:80"
    env = proxy_settings({"HTTPS_PROXY": "http://envproxy:1"})
    assert route(env, "https://a.example/") == "http://envproxy:1"
    # NO_PROXY alone keeps the system's proxy, and adds its hosts to the system's bypass list
    with_no = proxy_settings({"NO_PROXY": "a.example"})
    assert with_no.source == "the Windows proxy settings"
    assert route(with_no, "https://a.example/") is None
    assert route(with_no, "https://b.example/") == "http://sysproxy:80"


# --- Windows (Internet Settings: ProxyEnable, ProxyServer, ProxyOverride) ----------------


def test_windows_one_server_for_every_scheme() -> None:
    settings = windows_settings(1, "proxy.corp:8080", "")
    assert settings.source == "the Windows proxy settings"
    assert route(settings, "http://a.example/") == "http://proxy.corp:8080"
    assert route(settings, "https://a.example/") == "http://proxy.corp:8080"


def test_windows_per_scheme_servers() -> None:
    settings = windows_settings(1, "http=web:80;https=secure:443;ftp=files:21", "")
    assert route(settings, "http://a.example/") == "http://web:80"
    assert route(settings, "https://a.example/") == "http://secure:443"
    socks = windows_settings(1, "socks=sock:1080", "")
    # Windows' default SOCKS is SOCKS4 (as urllib reads it): named, to be refused in words
    assert route(socks, "https://a.example/") == "socks4://sock:1080"


@pytest.mark.parametrize(
    ("enable", "server"), [(0, "proxy:80"), (None, "proxy:80"), (1, ""), (1, None), (1, 42)]
)
def test_windows_proxy_off_or_unreadable(enable: object, server: object) -> None:
    assert windows_settings(enable, server, "") == ProxySettings()


@pytest.mark.parametrize(
    ("override", "url", "direct"),
    [
        ("*.corp.local", "https://sms.corp.local/", True),
        ("*.corp.local", "https://corp.local.example/", False),
        ("10.*", "http://10.1.2.3/", True),
        ("10.*", "http://110.1.2.3/", False),
        ("<local>", "http://intranet/", True),
        ("<local>", "http://intranet.corp/", False),
        ("", "http://intranet/", False),
        ("SMS.Corp.Local", "https://sms.corp.local/", True),
        ("sms.corp.local:8443", "https://sms.corp.local:8443/", True),
        ("sms.corp.local:8443", "https://sms.corp.local/", False),
        ("https://sms.corp.local", "https://sms.corp.local/", True),
        ("a.example; *.corp.local ;", "https://sms.corp.local/", True),
        ("sms.corp.loca?", "https://sms.corp.local/", True),
        ("[ab]c", "https://ac/", False),  # a literal bracket, not a character class
        # loopback goes direct whatever the list says, unless <-loopback> takes that away
        ("", "http://127.0.0.1:8000/", True),
        ("", "http://localhost:8000/", True),
        ("", "http://[::1]:8000/", True),
        ("<-loopback>", "http://127.0.0.1:8000/", False),
    ],
)
def test_windows_override_list(override: str, url: str, direct: bool) -> None:
    settings = windows_settings(1, "proxy.corp:8080", override)
    assert (route(settings, url) is None) is direct


# --- macOS (SystemConfiguration, as _scproxy hands it) ---------------------------------


def test_macos_proxies_and_exceptions() -> None:
    settings = macos_settings(
        {"http": "http://web:80", "https": "http://secure:443", "ftp": "http://files:21"},
        {"exclude_simple": True, "exceptions": ["*.local", "169.254/16", "", "10.1.2.3"]},
    )
    assert settings.source == "the macOS proxy settings"
    assert route(settings, "http://a.example/") == "http://web:80"
    assert route(settings, "https://a.example/") == "http://secure:443"
    assert route(settings, "https://printer.local/") is None
    assert route(settings, "https://intranet/") is None  # a simple name, excluded
    assert route(settings, "http://169.254.10.20/") is None
    assert route(settings, "http://169.255.0.1/") == "http://web:80"
    assert route(settings, "http://10.1.2.3/") is None
    assert route(settings, "http://127.0.0.1:8000/") is None
    simple_kept = macos_settings({"https": "http://secure:443"}, {"exclude_simple": False})
    assert route(simple_kept, "https://intranet/") == "http://secure:443"
    assert macos_settings({}, {}) == ProxySettings()


# --- showing a proxy, its password ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://proxy:3128", "http://proxy:3128"),
        ("http://alice@proxy:3128", "http://alice@proxy:3128"),
        ("http://alice:s3cr%40t@proxy:3128", f"http://alice:{MASK}@proxy:3128"),
        ("http://alice:p@ss@proxy:3128/", f"http://alice:{MASK}@proxy:3128"),
        ("http://:only-pw@proxy:3128", f"http://:{MASK}@proxy:3128"),
        ("http://proxy:3128/some/path?q=1", "http://proxy:3128"),
    ],
)
def test_a_proxy_is_shown_without_its_password(url: str, shown: str) -> None:
    assert shown_proxy(url) == shown


def test_proxy_passwords_are_known_for_masking() -> None:
    env = {
        "HTTPS_PROXY": "http://alice:s3cr%40t@proxy:3128",
        "http_proxy": "http://bob:pw-of-bob@proxy:3128",
        PROXY_PASSWORD_VARIABLE: "from-the-variable",
        "NO_PROXY": "x:y@z",  # not a proxy URL
    }
    assert set(proxy_passwords(env)) == {"s3cr@t", "s3cr%40t", "pw-of-bob", "from-the-variable"}
    assert proxy_passwords({"HTTPS_PROXY": "http://proxy:3128"}) == []


# --- the client: what the router decides, what a result says ----------------------------


def test_client_routes_and_names_the_proxy_on_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:hunter2-pw@127.0.0.1:9")
    with SmsClient() as client:
        assert client.proxies.source == "the environment"
        result = client.send_request(build_request(GOOD))
    # nothing listens on port 9 of the loopback: refused, and said to be the proxy
    assert result.failure is Failure.REFUSED
    assert result.proxy == f"http://alice:{MASK}@127.0.0.1:9"
    assert "the proxy 127.0.0.1:9" in (result.error or "")
    assert "hunter2" not in repr(result)
    text = "\n".join(line.text for line in report_lines(result))
    assert f"via proxy http://alice:{MASK}@127.0.0.1:9" in text
    assert "hunter2" not in text


def test_an_unusable_proxy_is_said_and_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    for url, words in (
        ("socks4://sock:1080", "socks4"),
        ("socks5://sock:1080", "socksio"),
        ("ftp://files:21", "ftp"),
        ("http://pro xy:3128", "not a valid URL"),
        ("http://:3128", "not a valid URL"),
        ("http://proxy:99999", "not a valid URL"),
        ("http://[bad:1", "not a valid URL"),
    ):
        monkeypatch.setenv("HTTPS_PROXY", url)
        with SmsClient() as client:
            result = client.send_request(build_request(GOOD))
        assert result.failure is Failure.PROXY
        assert result.http_status is None
        assert f"The proxy {url} cannot be used" in (result.error or "")
        assert words in (result.error or "")
        assert "nothing was sent" in (result.error or "")
        assert result.timings is None


def test_a_test_transport_means_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": True, "statusCode": 200})

    with SmsClient(transport=httpx.MockTransport(handler)) as client:
        result = client.send_request(build_request(GOOD))
    assert result.success
    assert result.proxy is None


# --- 407: the words and the diagnosis ---------------------------------------------------


def connect_407(error: str) -> SendResult:
    return SendResult("POST", "https://h/x", 5.0, failure=Failure.PROXY, error=error)


def test_407_words_through_the_mock_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError("407 Proxy Authentication Required", request=request)

    with SmsClient(transport=httpx.MockTransport(handler)) as client:
        result = client.send_request(build_request(GOOD))
    error = result.error or ""
    assert "The proxy failed: 407 Proxy Authentication Required." in error
    assert "the proxy wants a user name and password" in error.lower()
    assert "http://USER@" in error
    assert PROXY_PASSWORD_VARIABLE in error
    assert "never in a file" in error
    found = diagnose(result)
    assert found is not None
    # the code stays one of CONTRACT §3a's; the words are the 407 entry's
    assert found.code == "proxy"
    assert found.title == "The proxy wants a user name and password"
    assert any(PROXY_PASSWORD_VARIABLE in step for step in found.steps)


def test_a_407_answer_is_http_407_with_the_proxy_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            407,
            headers={"Proxy-Authenticate": 'Basic realm="corp"'},
            text="<html>Proxy Authentication Required</html>",
        )

    with SmsClient(transport=httpx.MockTransport(handler)) as client:
        result = client.send_request(build_request(GOOD))
    assert result.http_status == 407
    assert result.exit_code == 1
    assert "the proxy wants a user name and password" in (result.error or "").lower()
    found = diagnose(result)
    assert found is not None
    assert (found.code, found.title) == ("http-407", "The proxy wants a user name and password")
    lines = [line.text for line in report_lines(result)]
    assert any("wants a user name and password" in line for line in lines)
    assert "wants a user name and password" in summary(result)


def test_a_407_for_windows_sign_in_only_says_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            407, headers=[("Proxy-Authenticate", "Negotiate"), ("Proxy-Authenticate", "NTLM")]
        )

    with SmsClient(transport=httpx.MockTransport(handler)) as client:
        result = client.send_request(build_request(GOOD))
    error = result.error or ""
    assert "Negotiate, NTLM" in error
    assert "NO_PROXY" in error


def test_proxy_auth_is_explained() -> None:
    for code in ("proxy-auth", "http-407"):
        found = explain(code)
        assert found is not None
        assert found.title == "The proxy wants a user name and password"
        assert found.side == "network"
    # another proxy failure keeps its old words
    other = diagnose(connect_407("The proxy failed: 403 Forbidden."))
    assert other is not None
    assert (other.code, other.title) == ("proxy", "The proxy failed")


def test_the_pool_follows_the_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from smstester.core.clients import ClientPool

    pool = ClientPool()
    try:
        direct = pool.get(None, True)
        assert pool.get(None, True) is direct
        assert direct.proxies == ProxySettings()
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
        proxied = pool.get(None, True)
        assert proxied is not direct
        assert route(proxied.proxies, "https://a.example/") == "http://127.0.0.1:9"
        monkeypatch.delenv("HTTPS_PROXY")
        assert pool.get(None, True) is direct
    finally:
        pool.close()

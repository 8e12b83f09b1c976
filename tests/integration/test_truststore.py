"""The operating system's trust store (CONTRACT §6): a company root installed there is
trusted with no set-up, and a profile's CA bundle is added to it, not put in its place.

The "system store" is a throwaway copy: OpenSSL's store on Linux (which truststore uses there)
honours SSL_CERT_FILE and SSL_CERT_DIR, so each test points them at a copy of the machine's
bundle, plus or minus a `trustme` root; the real store is never touched.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import trustme
from faulty_servers import LoopbackServer, forward_to, server_tls
from test_tls_proxy import (
    ca,  # noqa: F401 (a fixture)
    connection,
    https_sandbox,  # noqa: F401 (a fixture)
    no_proxy_from_outside,  # noqa: F401 (an autouse fixture)
    sandbox,  # noqa: F401 (a fixture)
    save_profile,
    secrets_in_env,  # noqa: F401 (a fixture)
    send_json,
)

from smstester.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]


def machine_bundle() -> str:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text()
    return ""


class SystemStore:
    """A copy of this machine's trust store, used instead of it by OpenSSL."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        folder.mkdir()
        (folder / "hashed").mkdir()  # an empty SSL_CERT_DIR: nothing from the real store
        self.file = folder / "ca-certificates.crt"
        self.base = machine_bundle()
        self.file.write_text(self.base)
        self.env = {"SSL_CERT_FILE": str(self.file), "SSL_CERT_DIR": str(folder / "hashed")}
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)

    def install(self, root: trustme.CA) -> None:
        self.file.write_text(self.base + "\n" + root.cert_pem.bytes().decode())

    def remove(self) -> None:
        self.file.write_text(self.base)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SystemStore:
    return SystemStore(tmp_path / "store", monkeypatch)


@pytest.mark.usefixtures("secrets_in_env")
def test_a_profile_ca_bundle_is_added_to_the_system_store_not_put_in_its_place(
    sandbox: SandboxServer,  # noqa: F811
    https_sandbox: LoopbackServer,  # noqa: F811
    ca: trustme.CA,  # noqa: F811
    store: SystemStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The company root is in the system store; the profile names another CA's bundle
    (a second, private server's): both servers are trusted."""
    store.install(ca)
    other = trustme.CA()
    bundle = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(bundle))
    save_profile(capsys, sandbox, https_sandbox.url, "--ca-bundle", str(bundle))
    code, answer, _ = send_json(capsys, "--profile", "Corp")
    assert code == 0, answer["error"]  # the system's root still counts

    with LoopbackServer(forward_to(sandbox.port), tls=server_tls(other)) as private:
        code, answer, _ = send_json(capsys, "--profile", "Corp", "--base-url", private.url)
        assert code == 0, answer["error"]  # and so does the bundle's

        store.remove()
        code, answer, _ = send_json(capsys, "--profile", "Corp")
        assert code == 3  # the bundle alone does not vouch for the company server


SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
can_bind_mount = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None or not SYSTEM_BUNDLE.is_file(),
    reason="needs root, unshare and a Debian-style system bundle",
)


@can_bind_mount
def test_a_root_installed_in_the_system_store_is_trusted_with_no_ca_bundle(
    sandbox: SandboxServer,  # noqa: F811
    https_sandbox: LoopbackServer,  # noqa: F811
    ca: trustme.CA,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The root goes into the machine's own store file, /etc/ssl/certs/ca-certificates.crt,
    as IT would install it, but in a throwaway copy that only the one `smstester send`
    process sees (a private mount namespace, `unshare --mount`, binds the copy over the
    file): no SSL_CERT_FILE, no CA bundle. certifi's list (what httpx trusts by itself)
    does not have the root, so only the system store can make the send succeed."""
    with_root = tmp_path / "with-root.crt"
    with_root.write_text(SYSTEM_BUNDLE.read_text() + "\n" + ca.cert_pem.bytes().decode())
    without_root = tmp_path / "without-root.crt"
    shutil.copyfile(SYSTEM_BUNDLE, without_root)
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower()
        and not k.startswith(("SMSTESTER_", "SSL_CERT_", "REQUESTS_CA", "CURL_CA"))
    }
    env |= {
        "SMSTESTER_CONFIG_DIR": str(tmp_path / "config"),
        "SMSTESTER_AUTH_KEY": sandbox.demo.auth_key,
        "SMSTESTER_PASSWORD": sandbox.demo.password,
    }
    send = [sys.executable, "-m", "smstester", "send", *connection(sandbox, https_sandbox.url)]

    def send_with_store(store: Path) -> subprocess.CompletedProcess[bytes]:
        script = f'mount --bind "$1" {SYSTEM_BUNDLE} && shift && exec "$@"'
        argv = ["unshare", "--mount", "sh", "-c", script, "sh", str(store), *send]
        return subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, timeout=60, check=False)

    done = send_with_store(with_root)
    assert done.returncode == 0, done.stderr.decode()
    done = send_with_store(without_root)
    assert done.returncode == 3
    assert b"certificate is not trusted" in done.stdout + done.stderr
    assert SYSTEM_BUNDLE.read_text() == without_root.read_text()  # the real store untouched


def test_truststore_is_imported_on_the_first_client_not_before() -> None:
    """The window imports the core at start-up; the trust store is set up on the first send
    (ClientPool.get on the worker), not then."""
    code = (
        "import sys, smstester.core.client, smstester.core.clients, smstester.ui.window\n"
        "assert 'truststore' not in sys.modules, 'imported at start-up'\n"
        "from smstester.core.client import SmsClient\n"
        "SmsClient().close()\n"
        "assert 'truststore' in sys.modules\n"
    )
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()

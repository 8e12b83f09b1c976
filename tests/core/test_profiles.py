"""Profiles: the JSON store and its safety on disk, secrets in a keyring, the profiles CLI.

Fast: the keyring here is an in-memory backend (the real Secret Service is tested in
tests/integration/test_keyring_real.py).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked
from support import MemoryKeyring

from smstester import cli
from smstester.cli.send import resolve_test
from smstester.core import storage
from smstester.core.keystore import SERVICE, SecretStore, entry_name
from smstester.core.model import SmsTest
from smstester.core.profiles import (
    LAST_PROFILE_KEY,
    NameTaken,
    Profile,
    ProfileError,
    ProfileNotFound,
    ProfileStore,
    StoreReadOnly,
    unique_name,
)
from smstester.core.storage import Settings, atomic_write_json, config_dir

AUTH_KEY = "ak-5e1f-SECRET-value"
TOKEN = "tok-9c2d-SECRET-value"


class LockedKeyring(MemoryKeyring):
    """Looks fine until it is used; then it is locked (a collection nobody unlocked)."""

    locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        super().set_password(service, username, password)


class WeakKeyring(MemoryKeyring):
    priority = 0.5


class AltPlaintext(MemoryKeyring):
    __module__ = "keyrings.alt.file"
    priority = 5


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "profiles.json"


@pytest.fixture
def store(path: Path) -> ProfileStore:
    return ProfileStore(path)


@pytest.fixture
def backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keys(backend: MemoryKeyring) -> SecretStore:
    return SecretStore(backend)


def acme(**changes: object) -> Profile:
    values: dict[str, object] = {
        "name": "Acme",
        "brand_url": "acme.example.com",
        "integration_id": "int-1",
        "username": "AC" + "1" * 32,
        "phone_from": "+15005550006",
        "phone_to": "+14155552671",
        "message": "hello",
        "region": "US",
    }
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


# -- the profile itself ----------------------------------------------------------------------


def test_profile_to_test_and_back() -> None:
    profile = acme()
    test = profile.to_test(AUTH_KEY, TOKEN)
    assert (test.auth_key, test.password, test.region) == (AUTH_KEY, TOKEN, "US")
    assert test.brand_url == "acme.example.com"
    back = Profile.from_test("Acme", test, id=profile.id)
    assert back == profile
    assert AUTH_KEY not in repr(back.to_json()) and TOKEN not in repr(back.to_json())
    assert Profile.from_test("x", SmsTest(region=None)).region == ""


def test_profile_merged_into_keeps_given_secrets_and_defaults() -> None:
    base = SmsTest(message="default text", auth_key="from-env")
    merged = acme(message="", region="").merged_into(base)
    assert merged.message == "default text"  # an empty profile field does not blank it
    assert merged.auth_key == "from-env"
    assert merged.region is None
    assert merged.brand_url == "acme.example.com"


def test_profile_ids_are_stable_uuid_hex() -> None:
    a, b = Profile(name="a"), Profile(name="b")
    assert a.id != b.id and len(a.id) == 32 and int(a.id, 16) >= 0


def test_unique_name_numbers() -> None:
    assert unique_name("Acme", []) == "Acme"
    assert unique_name("Acme", ["acme"]) == "Acme (2)"
    assert unique_name("Acme", ["Acme", "Acme (2)"]) == "Acme (3)"
    assert unique_name("Acme (2)", ["Acme", "Acme (2)"]) == "Acme (3)"


# -- CRUD ------------------------------------------------------------------------------------


def test_create_list_get_and_reload(store: ProfileStore, path: Path) -> None:
    store.create(acme(name="beta"))
    created = store.create(acme(name="  Acme  "))
    store.create(acme(name="Zulu"))
    assert created.name == "Acme"
    assert store.names() == ["Acme", "beta", "Zulu"]
    assert store.get(" acme ") == created
    assert store.get_by_id(created.id) == created
    assert store.find("nobody") is None
    assert "ACME" in store
    fresh = ProfileStore(path)
    assert fresh.list() == store.list()
    assert fresh.warnings == []
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["version"] == 1
    assert {p["name"] for p in on_disk["profiles"]} == {"Acme", "beta", "Zulu"}


def test_names_are_unique_trimmed_and_not_empty(store: ProfileStore) -> None:
    store.create(acme())
    with pytest.raises(NameTaken, match="already exists"):
        store.create(acme(name=" ACME"))
    for bad in ("", "   ", "two\nlines", "x" * 101):
        with pytest.raises(ProfileError):
            store.create(acme(name=bad))
    assert store.names() == ["Acme"]


def test_get_missing_names_what_exists(store: ProfileStore) -> None:
    store.create(acme())
    with pytest.raises(ProfileNotFound, match=r'no profile is called "Nope".*"Acme"'):
        store.get("Nope")


def test_save_updates_by_id(store: ProfileStore, path: Path) -> None:
    profile = store.create(acme())
    store.create(acme(name="Other"))
    store.save(profile.with_changes(brand_url="new.example.com"))
    assert ProfileStore(path).get("Acme").brand_url == "new.example.com"
    with pytest.raises(NameTaken):
        store.save(profile.with_changes(name="other"))
    with pytest.raises(ProfileNotFound):
        store.save(acme(name="Ghost"))
    assert store.get("Acme").brand_url == "new.example.com"


def test_rename_keeps_id_secrets_and_last_used(
    store: ProfileStore, keys: SecretStore, path: Path
) -> None:
    profile = store.create(acme())
    store.create(acme(name="Other"))
    keys.set_all(profile.id, {"auth_key": AUTH_KEY, "password": TOKEN})
    store.set_last_used(profile)
    renamed = store.rename("acme", "Acme Ltd")
    assert renamed.id == profile.id
    assert keys.get_all(renamed.id) == {"auth_key": AUTH_KEY, "password": TOKEN}
    assert ProfileStore(path).last_used() == renamed
    assert store.rename("Acme Ltd", "ACME LTD").name == "ACME LTD"  # a change of case is fine
    with pytest.raises(NameTaken):
        store.rename("ACME LTD", " other ")
    with pytest.raises(ProfileNotFound):
        store.rename("Nobody", "Somebody")


def test_delete_removes_profile_and_its_secrets(
    store: ProfileStore, keys: SecretStore, backend: MemoryKeyring
) -> None:
    keep = store.create(acme(name="Keep"))
    gone = store.create(acme())
    keys.set_all(keep.id, {"auth_key": "k1", "password": "t1"})
    keys.set_all(gone.id, {"auth_key": AUTH_KEY, "password": TOKEN})
    store.set_last_used(gone)
    deleted = store.delete("ACME")
    assert deleted.id == gone.id
    assert keys.delete_all(deleted.id)
    assert store.names() == ["Keep"]
    assert store.last_used() is None
    assert set(backend.entries) == {
        (SERVICE, f"{keep.id}/auth_key"),
        (SERVICE, f"{keep.id}/password"),
    }
    with pytest.raises(ProfileNotFound):
        store.delete("Acme")
    assert keys.delete_all(deleted.id)  # deleting again finds nothing and is fine


def test_two_stores_on_one_file_do_not_undo_each_other(path: Path) -> None:
    window, script = ProfileStore(path), ProfileStore(path)
    window.create(acme(name="From window"))
    script.create(acme(name="From script"))
    window.create(acme(name="Again"))
    assert ProfileStore(path).names() == ["Again", "From script", "From window"]


def test_files_are_private(store: ProfileStore, path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    store.create(acme())
    store.set_last_used(store.get("Acme"))
    for written in (path, path.with_name("settings.json")):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_unknown_keys_in_a_profile_are_kept(path: Path) -> None:
    entry = acme().to_json() | {"colour": "teal", "password": TOKEN, "authKey": AUTH_KEY}
    atomic_write_json(path, {"version": 1, "profiles": [entry]})
    store = ProfileStore(path)
    assert store.warnings == []
    store.create(acme(name="Other"))
    saved = {p["name"]: p for p in json.loads(path.read_text("utf-8"))["profiles"]}
    assert saved["Acme"]["colour"] == "teal"
    # A secret someone typed into the file by hand is dropped, never written back.
    assert TOKEN.encode() not in path.read_bytes() and AUTH_KEY.encode() not in path.read_bytes()


# -- damaged and newer files -----------------------------------------------------------------


def test_corrupt_file_is_kept_aside_and_reported(path: Path) -> None:
    original = b'{"version": 1, "profiles": [{"name": "Acme", "brand_url": "x"'
    path.write_bytes(original)
    store = ProfileStore(path)
    assert len(store) == 0
    assert store.warning is not None and "damaged" in store.warning
    backups = list(path.parent.glob("profiles.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    assert str(backups[0]) in store.warning
    # Loading it again does not pile up copies of the same bytes.
    ProfileStore(path)
    assert len(list(path.parent.glob("profiles.json.corrupt-*"))) == 1
    # The next save replaces the damaged file; the backup stays.
    store.create(acme())
    assert ProfileStore(path).names() == ["Acme"]
    assert backups[0].read_bytes() == original


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe not utf-8", b"[1, 2, 3]", b'{"version": "one"}', b"null"],
)
def test_other_damage_is_reported_not_raised(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    store = ProfileStore(path)
    assert store.warning is not None
    assert [b.read_bytes() for b in path.parent.glob("profiles.json.corrupt-*")] == [content]


def test_one_bad_entry_keeps_the_others_and_the_original(path: Path) -> None:
    good = acme().to_json()
    data = {"version": 1, "profiles": [good, {"brand_url": "no name"}, acme(name=7).to_json()]}
    path.write_text(json.dumps(data), "utf-8")
    original = path.read_bytes()
    store = ProfileStore(path)
    assert store.names() == ["Acme"]
    assert store.warning is not None and "entry 2" in store.warning
    (backup,) = path.parent.glob("profiles.json.corrupt-*")
    assert backup.read_bytes() == original


def test_duplicate_names_in_the_file_are_told_apart(path: Path) -> None:
    data = {"version": 1, "profiles": [acme().to_json(), acme(name="ACME").to_json()]}
    path.write_text(json.dumps(data), "utf-8")
    store = ProfileStore(path)
    assert store.names() == ["Acme", "ACME (2)"]
    assert store.warning is not None


def test_newer_version_is_read_only_and_never_overwritten(path: Path) -> None:
    data = {"version": 2, "profiles": [acme().to_json() | {"new_thing": [1]}], "more": {}}
    path.write_text(json.dumps(data), "utf-8")
    original = path.read_bytes()
    store = ProfileStore(path)
    assert store.names() == ["Acme"]  # still shown
    assert store.read_only
    assert store.warning is not None and "newer smstester" in store.warning
    for change in (
        lambda: store.create(acme(name="New")),
        lambda: store.rename("Acme", "B"),
        lambda: store.delete("Acme"),
    ):
        with pytest.raises(StoreReadOnly, match="newer smstester"):
            change()
    assert path.read_bytes() == original
    (backup,) = path.parent.glob("profiles.json.newer-*")
    assert backup.read_bytes() == original
    ProfileStore(path)
    assert len(list(path.parent.glob("profiles.json.newer-*"))) == 1


# -- atomic writes ---------------------------------------------------------------------------


def _leftover_temps(folder: Path) -> list[Path]:
    return list(folder.glob(".*.tmp"))


def test_crash_at_replace_leaves_the_old_file(
    store: ProfileStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create(acme())
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(ProfileError, match="No space left"):
        store.create(acme(name="Second"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftover_temps(path.parent) == []
    assert store.names() == ["Acme"]  # the store shows what the file holds


def test_crash_while_encoding_leaves_the_old_file(
    store: ProfileStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create(acme())
    before = path.read_bytes()

    def crash(data: object, **options: object) -> bytes:
        raise RuntimeError("killed while encoding")

    monkeypatch.setattr(storage, "encode_json", crash)
    with pytest.raises(RuntimeError):
        store.rename("Acme", "Renamed")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert store.names() == ["Acme"]


def test_crash_while_writing_leaves_the_old_file(
    store: ProfileStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create(acme())
    before = path.read_bytes()

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", crash)
    with pytest.raises(ProfileError, match="Input/output error"):
        store.delete("Acme")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftover_temps(path.parent) == []


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


# -- last used, settings, config folder ------------------------------------------------------


def test_last_used_lives_in_settings_by_id(store: ProfileStore, path: Path) -> None:
    assert store.last_used() is None
    profile = store.create(acme())
    store.set_last_used(profile)
    settings = json.loads(path.with_name("settings.json").read_text("utf-8"))
    assert settings["values"][LAST_PROFILE_KEY] == profile.id
    store.set_last_used(None)
    assert ProfileStore(path).last_used() is None


def test_settings_round_trip_and_merge(tmp_path: Path) -> None:
    file = tmp_path / "settings.json"
    one, two = Settings(file), Settings(file)
    one.set("window_geometry", "AdnQywADAAAAAA==")
    two.set("default_region", "GB")
    again = Settings(file)
    assert again.get("window_geometry") == "AdnQywADAAAAAA=="
    assert again.get("default_region") == "GB"
    one.set("window_geometry", None)
    assert Settings(file).get("window_geometry", "none") == "none"
    assert Settings(file).get("default_region") == "GB"


def test_settings_damaged_or_newer(tmp_path: Path) -> None:
    file = tmp_path / "settings.json"
    file.write_bytes(b"{oops")
    damaged = Settings(file)
    assert damaged.warning is not None and "damaged" in damaged.warning
    damaged.set("default_region", "US")
    assert Settings(file).get("default_region") == "US"
    (backup,) = tmp_path.glob("settings.json.corrupt-*")
    assert backup.read_bytes() == b"{oops"

    newer = b'{"version": 9, "values": {"default_region": "DE"}}'
    file.write_bytes(newer)
    settings = Settings(file)
    assert settings.get("default_region") == "DE"
    settings.set("default_region", "FR")
    assert settings.get("default_region") == "FR"  # for this session
    assert file.read_bytes() == newer


def test_config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMSTESTER_CONFIG_DIR", str(tmp_path / "here"))
    assert config_dir() == tmp_path / "here"
    assert ProfileStore().path == tmp_path / "here" / "profiles.json"
    monkeypatch.delenv("SMSTESTER_CONFIG_DIR")
    assert config_dir().name == "smstester"


# -- import and export -----------------------------------------------------------------------


def test_export_has_no_secrets_and_no_ids(
    store: ProfileStore, keys: SecretStore, tmp_path: Path
) -> None:
    for name in ("Acme", "Beta"):
        profile = store.create(acme(name=name))
        keys.set_all(profile.id, {"auth_key": AUTH_KEY, "password": TOKEN})
    out = tmp_path / "shared" / "export.json"
    assert store.export_profiles(out) == ["Acme", "Beta"]
    raw = out.read_bytes()
    assert AUTH_KEY.encode() not in raw and TOKEN.encode() not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    assert all(
        "id" not in p and "password" not in p and "auth_key" not in p for p in data["profiles"]
    )
    assert store.export_profiles(out, ["beta"]) == ["Beta"]
    with pytest.raises(ProfileNotFound):
        store.export_profiles(out, ["Nobody"])


def test_import_renames_clashes_and_gives_new_ids(store: ProfileStore, tmp_path: Path) -> None:
    mine = store.create(acme())
    out = tmp_path / "export.json"
    store.export_profiles(out)
    other = ProfileStore(tmp_path / "colleague" / "profiles.json")
    first = other.import_profiles(out)
    assert (first.imported, first.renamed) == (["Acme"], [])
    report = store.import_profiles(out)
    assert report.imported == ["Acme (2)"]
    assert report.renamed == [("Acme", "Acme (2)")]
    assert any("Acme (2)" in line for line in report.lines())
    assert store.get("Acme") == mine  # never overwritten
    assert store.get("Acme (2)").id != mine.id
    assert other.get("Acme").id != mine.id


def test_import_skip_and_error(store: ProfileStore, tmp_path: Path, path: Path) -> None:
    store.create(acme())
    out = tmp_path / "in.json"
    atomic_write_json(
        out, {"version": 1, "profiles": [acme().to_json(), acme(name="New").to_json()]}
    )
    before = path.read_bytes()
    with pytest.raises(NameTaken, match="nothing was imported"):
        store.import_profiles(out, on_clash="error")
    assert path.read_bytes() == before
    report = store.import_profiles(out, on_clash="skip")
    assert (report.imported, report.skipped) == (["New"], ["Acme"])
    assert store.names() == ["Acme", "New"]


def test_import_drops_secrets_and_reports_bad_entries(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    out = tmp_path / "in.json"
    entries = [
        acme().to_json(with_id=False) | {"password": TOKEN, "auth_key": AUTH_KEY, "x": 1},
        {"name": ""},
        acme(name="Acme").to_json(),  # a clash inside the file itself
    ]
    out.write_text(json.dumps({"version": 1, "profiles": entries}), "utf-8")
    report = store.import_profiles(out)
    assert report.imported == ["Acme", "Acme (2)"]
    assert len(report.problems) == 1
    raw = path.read_bytes()
    assert TOKEN.encode() not in raw and AUTH_KEY.encode() not in raw and b'"x"' not in raw


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not json", "not valid JSON"),
        (b'{"profiles": 3}', 'no "profiles" list'),
        (b'{"version": 5, "profiles": []}', "newer smstester"),
    ],
)
def test_import_refuses_what_it_cannot_read(
    store: ProfileStore, tmp_path: Path, content: bytes, match: str
) -> None:
    out = tmp_path / "in.json"
    out.write_bytes(content)
    with pytest.raises(ProfileError, match=match):
        store.import_profiles(out)
    with pytest.raises(ProfileError, match="cannot read"):
        store.import_profiles(tmp_path / "missing.json")


# -- the secret store ------------------------------------------------------------------------


def test_secret_store_keys_by_profile_id_and_field(
    keys: SecretStore, backend: MemoryKeyring
) -> None:
    status = keys.status()
    assert status.available and status.backend
    assert keys.set("abc", "auth_key", AUTH_KEY) is True
    assert keys.set("abc", "password", TOKEN) is True
    assert backend.entries == {
        (SERVICE, "abc/auth_key"): AUTH_KEY,
        (SERVICE, "abc/password"): TOKEN,
    }
    assert entry_name("abc", "auth_key") == "abc/auth_key"
    assert keys.get("abc", "auth_key") == AUTH_KEY
    assert keys.stored_fields("abc") == ("auth_key", "password")
    assert keys.set("abc", "password", "")  # empty deletes
    assert keys.stored_fields("abc") == ("auth_key",)
    with pytest.raises(ValueError, match="not a secret field"):
        keys.get("abc", "username")


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (fail.Keyring(), "no keyring was found"),
        (WeakKeyring(), "not recommended"),
        (AltPlaintext(), "in a file"),
    ],
)
def test_no_usable_keyring_means_memory_only(
    backend: KeyringBackend, words: str, tmp_path: Path
) -> None:
    keys = SecretStore(backend)
    status = keys.status()
    assert not status.available
    assert words in status.reason
    assert "never written to a file" in status.message
    assert keys.set("abc", "auth_key", AUTH_KEY) is False
    assert keys.get("abc", "auth_key") == AUTH_KEY  # for this session
    assert keys.stored_fields("abc") is None
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {}
    assert not any(AUTH_KEY.encode() in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())


def test_chain_uses_only_its_secure_member() -> None:
    weak, good = WeakKeyring(), MemoryKeyring()

    class Chain(ChainerBackend):
        viable = False
        backends = [weak, good]  # noqa: RUF012

    keys = SecretStore(Chain())
    assert keys.set("abc", "auth_key", AUTH_KEY)
    assert good.entries and not weak.entries

    class EmptyChain(ChainerBackend):
        viable = False
        backends = [weak]  # noqa: RUF012

    assert not SecretStore(EmptyChain()).status().available


def test_keyring_that_fails_at_call_time_falls_back_to_memory() -> None:
    backend = LockedKeyring()
    keys = SecretStore(backend)
    assert keys.status().available
    backend.locked = True
    assert keys.set("abc", "auth_key", AUTH_KEY) is False
    status = keys.status()
    assert not status.available and "locked" in status.reason
    assert keys.get("abc", "auth_key") == AUTH_KEY
    assert backend.entries == {}


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

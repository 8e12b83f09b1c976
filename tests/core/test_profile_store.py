"""The profile store: create, save, rename, delete; damaged and newer files; atomic
writes; the last used profile, settings and the config folder."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from support import AUTH_KEY, TOKEN, MemoryKeyring, acme

from smstester.core import storage
from smstester.core.keystore import SERVICE, SecretStore
from smstester.core.profiles import (
    LAST_PROFILE_KEY,
    NameTaken,
    ProfileError,
    ProfileNotFound,
    ProfileStore,
    StoreReadOnly,
)
from smstester.core.storage import Settings, atomic_write_json, config_dir

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

"""The domain operations both front ends call (`core.connection`): which test a send uses,
saving a profile with its secrets (one order, one rollback), save as, deleting one.

Fast: the profiles file is in a temporary folder and the keyring is in memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.errors import KeyringError
from support import MemoryKeyring

from smstester.core import connection
from smstester.core.connection import (
    delete_profile,
    given_secrets,
    profile_settings,
    resolve_test,
    save_as,
    save_profile,
    secrets_of,
)
from smstester.core.fields import FIELDS, SECRET_ENV, SECRET_FIELDS
from smstester.core.keystore import SERVICE, SecretStore, entry_name
from smstester.core.model import SmsTest
from smstester.core.profiles import (
    NameTaken,
    Profile,
    ProfileError,
    ProfileNotFound,
    ProfileStore,
    StoreReadOnly,
)
from smstester.core.storage import atomic_write_json

BOTH = {"auth_key": "ak-connection-1", "password": "tok-connection-1"}


class FlakyKeyring(MemoryKeyring):
    """A keyring that works until told to fail at writing or at deleting."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_set = False
        self.fail_delete = False
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_set:
            raise KeyringError("the collection is locked")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        if self.fail_delete:
            raise KeyringError("the bus went away")
        super().delete_password(service, username)


@pytest.fixture
def backend() -> FlakyKeyring:
    return FlakyKeyring()


@pytest.fixture
def keys(backend: FlakyKeyring) -> SecretStore:
    return SecretStore(backend)


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    return ProfileStore(tmp_path / "profiles.json")


def stored(backend: MemoryKeyring, profile_id: str) -> dict[str, str]:
    """The secrets the keyring backend itself holds for a profile."""
    found = {name: backend.entries.get((SERVICE, entry_name(profile_id, name))) for name in BOTH}
    return {name: value for name, value in found.items() if value}


def on_disk(store: ProfileStore) -> list[str]:
    """The profile names the file holds, read by another store (as another process)."""
    return ProfileStore(store.path).names()


# --- which test a send uses ---------------------------------------------------------------


def test_flags_lie_over_the_profile_and_given_secrets_over_the_environment() -> None:
    profile = Profile(name="Acme", brand_url="acme.example", message="from profile", region="US")
    env = {SECRET_ENV["auth_key"]: "env-key", SECRET_ENV["password"]: ""}
    resolved = resolve_test(
        profile,
        flags={"brand_url": "flag.example", "phone_to": "+14155552671", "message": None},
        secrets={"password": "file-token"},
        environ=env,
        base=SmsTest(message="default message"),
    )
    test = resolved.test
    assert (test.brand_url, test.phone_to, test.message) == (
        "flag.example",
        "+14155552671",
        "from profile",
    )
    assert test.region == "US"
    assert (test.auth_key, test.password) == ("env-key", "file-token")
    assert resolved.profile is profile
    assert resolved.warnings == ()


def test_without_a_profile_the_base_is_kept_and_an_empty_variable_is_no_secret() -> None:
    env = {SECRET_ENV["auth_key"]: "", SECRET_ENV["password"]: "tok"}
    resolved = resolve_test(flags={"username": "AC1"}, environ=env, base=SmsTest(message="m"))
    assert (resolved.test.username, resolved.test.message) == ("AC1", "m")
    assert (resolved.test.auth_key, resolved.test.password) == ("", "tok")
    assert resolved.profile is None


def test_the_keyring_gives_only_what_is_still_missing_and_only_when_asked(
    keys: SecretStore, backend: FlakyKeyring
) -> None:
    profile = Profile(name="Acme")
    keys.set_all(profile.id, {"auth_key": "ring-key", "password": "ring-token"})
    opened: list[int] = []

    def open_keys() -> SecretStore:
        opened.append(1)
        return keys

    resolved = resolve_test(profile, secrets={"password": "file-token"}, keys=open_keys)
    assert (resolved.test.auth_key, resolved.test.password) == ("ring-key", "file-token")
    assert opened == [1]
    reads = backend.reads
    both = resolve_test(profile, secrets=BOTH, keys=open_keys)
    assert both.test.secrets() == tuple(BOTH.values())
    assert opened == [1] and backend.reads == reads  # nothing missing: the keyring is not opened
    assert resolve_test(None, keys=open_keys).test.secrets() == ()
    assert opened == [1]  # no profile, no keyring entries to read


def test_a_keyring_that_cannot_be_read_is_a_warning_in_words(
    keys: SecretStore, backend: FlakyKeyring
) -> None:
    backend.get_password = lambda service, username: (_ for _ in ()).throw(  # type: ignore[method-assign]
        KeyringError("locked")
    )
    resolved = resolve_test(Profile(name="Acme"), keys=keys)
    (warning,) = resolved.warnings
    assert warning.startswith('cannot read the secrets of profile "Acme": ')
    assert "locked" in warning
    assert SECRET_ENV["auth_key"] in warning and SECRET_ENV["password"] in warning


def test_the_prompt_is_asked_for_what_is_missing_and_an_empty_answer_stays_missing() -> None:
    asked: list[tuple[str, ...]] = []

    def prompt(names: tuple[str, ...]) -> dict[str, str]:
        asked.append(names)
        return {"auth_key": "typed-key", "password": ""}

    resolved = resolve_test(environ={SECRET_ENV["password"]: "env-tok"}, prompt=prompt)
    assert asked == [("auth_key",)]
    assert (resolved.test.auth_key, resolved.test.password) == ("typed-key", "env-tok")
    resolve_test(secrets=BOTH, prompt=prompt)
    assert len(asked) == 1  # nothing missing: no question


def test_a_secret_never_comes_from_a_flag_and_an_unknown_flag_is_a_bug() -> None:
    with pytest.raises(ValueError, match="secret"):
        resolve_test(flags={"auth_key": "x"})
    with pytest.raises(ValueError, match="bogus"):
        resolve_test(flags={"bogus": "x"})


def test_given_secrets_and_secrets_of() -> None:
    env = {SECRET_ENV["auth_key"]: "env-key", SECRET_ENV["password"]: "env-tok"}
    assert given_secrets({"auth_key": "file-key", "password": ""}, env) == {
        "auth_key": "file-key",
        "password": "env-tok",
    }
    assert given_secrets(None, {}) == {}
    assert list(given_secrets(None, env)) == list(SECRET_FIELDS)
    assert secrets_of(SmsTest(auth_key="k")) == {"auth_key": "k"}


def test_profile_settings_are_what_a_profile_keeps_besides_the_fields() -> None:
    profile = Profile(
        name="Acme", connect_timeout=3.0, read_timeout=4.0, ca_bundle="/ca.pem", verify_tls=False
    )
    settings = profile_settings(profile)
    assert settings == {
        "connect_timeout": 3.0,
        "read_timeout": 4.0,
        "ca_bundle": "/ca.pem",
        "verify_tls": False,
    }
    assert not set(settings) & {f.name for f in FIELDS}
    assert set(connection.PROFILE_SETTINGS) == set(settings)
    assert profile_settings(None) == {}


# --- saving ---------------------------------------------------------------------------------


def test_saving_a_new_profile_stores_it_and_its_secrets(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    saved = save_profile(store, keys, Profile(name="Acme", brand_url="acme.example"), BOTH)
    assert saved.created and saved.in_keyring
    assert saved.secrets == tuple(BOTH)
    assert on_disk(store) == ["Acme"]
    assert stored(backend, saved.profile.id) == BOTH


def test_updating_changes_only_the_secrets_given_unless_told_they_are_all(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    first = save_profile(store, keys, Profile(name="Acme"), BOTH).profile
    again = save_profile(store, keys, first.with_changes(message="hi"), {"auth_key": "new-key"})
    assert not again.created
    assert stored(backend, first.id) == {"auth_key": "new-key", "password": BOTH["password"]}
    # The window's form holds every secret: one it no longer holds is removed.
    save_profile(store, keys, first, {"auth_key": "newer"}, remove_missing=True)
    assert stored(backend, first.id) == {"auth_key": "newer"}
    assert ProfileStore(store.path).get("Acme").message == ""


def test_a_new_profile_that_cannot_be_written_leaves_no_keyring_entry(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    save_profile(store, keys, Profile(name="Acme"), {})
    clash = Profile(name="ACME")
    with pytest.raises(NameTaken):
        save_profile(store, keys, clash, BOTH, new=True)
    assert stored(backend, clash.id) == {}
    broken = Profile(name="Broken", brand_url="bad\ud800")  # a lone surrogate: not storable
    with pytest.raises(ProfileError):
        save_profile(store, keys, broken, BOTH)
    assert stored(backend, broken.id) == {}
    assert on_disk(store) == ["Acme"]


def test_an_existing_profile_that_cannot_be_written_keeps_its_old_secrets(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    acme = save_profile(store, keys, Profile(name="Acme"), BOTH).profile
    save_profile(store, keys, Profile(name="Other"), {})
    renamed = acme.with_changes(name="Other")  # taken: the write fails
    with pytest.raises(NameTaken):
        save_profile(store, keys, renamed, {"auth_key": "new-key"}, remove_missing=True)
    assert stored(backend, acme.id) == BOTH
    assert on_disk(store) == ["Acme", "Other"]


def test_secrets_go_first_so_a_refused_secret_writes_no_file(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    backend.fail_set = True
    with pytest.raises(ProfileError, match=r"cannot store the secrets: .*Nothing was saved"):
        save_profile(store, keys, Profile(name="Acme"), BOTH, require_keyring=True)
    assert on_disk(store) == []
    # The window saves anyway: the secrets stay in memory for this session, and it says so.
    fresh = SecretStore(backend)
    saved = save_profile(store, fresh, Profile(name="Acme"), BOTH)
    assert saved.created and not saved.in_keyring
    assert on_disk(store) == ["Acme"]
    assert fresh.get_all(saved.profile.id) == BOTH  # in memory


def test_no_keyring_refuses_before_anything_is_written_when_it_is_required(
    store: ProfileStore, backend: FlakyKeyring
) -> None:
    from keyring.backends import fail

    keys = SecretStore(fail.Keyring())
    with pytest.raises(ProfileError, match="cannot store the secrets: no keyring was found"):
        save_profile(store, keys, Profile(name="Acme"), BOTH, require_keyring=True)
    assert on_disk(store) == []
    # Without secrets no keyring is needed.
    assert save_profile(store, keys, Profile(name="Acme"), {}, require_keyring=True).created


def test_a_read_only_file_is_refused_before_the_keyring_is_touched(
    tmp_path: Path, keys: SecretStore, backend: FlakyKeyring
) -> None:
    path = tmp_path / "profiles.json"
    atomic_write_json(path, {"version": 99, "profiles": []})
    store = ProfileStore(path)
    assert store.read_only
    with pytest.raises(StoreReadOnly):
        save_profile(store, keys, Profile(name="Acme"), BOTH)
    assert backend.entries == {}
    with pytest.raises(ProfileNotFound):
        delete_profile(store, keys, "Acme")


def test_save_as_makes_a_new_profile_with_the_form_its_settings_and_secrets(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    like = save_profile(
        store, keys, Profile(name="Acme", read_timeout=5.0, verify_tls=False), BOTH
    ).profile
    test = SmsTest(brand_url="copy.example", auth_key="copy-key", message="copied")
    copy = save_as(store, keys, "  Acme copy ", test, like=like)
    assert copy.created and copy.profile.name == "Acme copy"
    assert copy.profile.id != like.id
    assert (copy.profile.brand_url, copy.profile.message) == ("copy.example", "copied")
    assert (copy.profile.read_timeout, copy.profile.verify_tls) == (5.0, False)
    assert stored(backend, copy.profile.id) == {"auth_key": "copy-key"}
    assert stored(backend, like.id) == BOTH  # the original keeps its own
    with pytest.raises(NameTaken):
        save_as(store, keys, "acme", test)
    assert on_disk(store) == ["Acme", "Acme copy"]
    assert len(backend.entries) == 3


# --- deleting -------------------------------------------------------------------------------


def test_delete_removes_the_profile_then_its_keyring_entries(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    acme = save_profile(store, keys, Profile(name="Acme"), BOTH).profile
    deleted = delete_profile(store, keys, "acme")
    assert deleted.profile.id == acme.id and deleted.warnings == ()
    assert on_disk(store) == [] and backend.entries == {}
    with pytest.raises(ProfileNotFound, match='no profile is called "acme"'):
        delete_profile(store, keys, "acme")


def test_a_keyring_that_fails_at_delete_is_a_warning_and_the_profile_is_gone(
    store: ProfileStore, keys: SecretStore, backend: FlakyKeyring
) -> None:
    acme = save_profile(store, keys, Profile(name="Acme"), BOTH).profile
    backend.fail_delete = True
    deleted = delete_profile(store, keys, "Acme")
    (warning,) = deleted.warnings
    assert f"(smstester, {acme.id}/…) could not be checked or removed" in warning
    assert "the bus went away" in warning
    assert on_disk(store) == []

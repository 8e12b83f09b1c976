"""The operations on a connection that both front ends need, each in one place.

- `resolve_test`: the test a send uses — a profile's fields, flags over them, and each
  secret from where it was given, else the environment, else the profile's keyring
  entries, else a prompt;
- `save_profile`: a profile and its secrets, in one order with one rollback;
- `save_as`: the form as a new profile under a new name, with its secrets;
- `delete_profile`: a profile, then its keyring entries.

Order and rollback of a save: the secrets go first, so that a keyring that refuses them
(when the keyring is required) leaves the profile as it was; then the file. If the file
cannot be written, the keyring is put back as it was: a new profile's entries are removed,
an existing profile gets its old secrets back. A delete goes the other way: the profile
first (what the user asked for), then its keyring entries, whose failure is a warning.

Every function may block on the keyring (D-Bus, a keychain prompt) and touches the
profiles file: the window calls them on its worker, never on the UI thread. Messages are
in words for the user; a `ProfileError` (and its kinds) is an operation that cannot be
done, never a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Final

from smstester.core.fields import BY_NAME, SECRET_ENV, SECRET_FIELDS
from smstester.core.keystore import SecretStore
from smstester.core.model import SmsTest
from smstester.core.profiles import Profile, ProfileError, ProfileStore, StoreReadOnly, check_name

#: What a profile keeps besides the fields of the test, its name and its id (the timeouts,
#: the CA bundle, TLS verification): a new profile made from a form takes them from the one
#: it was made like. (Not the Auth-Key's expiry: it goes with the key, see `remember_sign_in`.)
PROFILE_SETTINGS: Final[tuple[str, ...]] = tuple(
    f.name
    for f in fields(Profile)
    if f.name not in BY_NAME and f.name not in ("name", "id", "auth_key_expires")
)

#: A prompt for secrets: given the names of the fields still missing, what was typed for
#: each (an empty answer: still missing).
Prompt = Callable[[tuple[str, ...]], Mapping[str, str]]
#: A keyring, or how to open one when it is needed (opening it may be slow).
Keys = SecretStore | Callable[[], SecretStore]


@dataclass(frozen=True, slots=True)
class ResolvedTest:
    """What `resolve_test` found."""

    test: SmsTest
    #: The profile it started from (None: none).
    profile: Profile | None
    #: Sentences for the user (a keyring that could not be read), without a prefix.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SavedProfile:
    """What `save_profile` (or `save_as`) did."""

    #: The profile as stored.
    profile: Profile
    #: True when it was added, False when an existing one was updated.
    created: bool
    #: The secrets written, by field name, in the table's order.
    secrets: tuple[str, ...]
    #: True when every secret written reached the OS keyring; False when some are kept in
    #: memory for this session only (no usable keyring; see `SecretStore.status`).
    in_keyring: bool


@dataclass(frozen=True, slots=True)
class DeletedProfile:
    """What `delete_profile` did."""

    profile: Profile
    #: Sentences for the user (entries the keyring could not remove), without a prefix.
    warnings: tuple[str, ...] = ()


def _open(keys: Keys) -> SecretStore:
    return keys if isinstance(keys, SecretStore) else keys()


def given_secrets(
    given: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The secrets `given` (non-empty ones), else from their environment variables
    (`fields.SECRET_ENV`) in `environ`, by field name in the table's order."""
    given = given or {}
    environ = environ or {}
    found = {name: given.get(name) or environ.get(SECRET_ENV[name]) or "" for name in SECRET_FIELDS}
    return {name: value for name, value in found.items() if value}


def secrets_of(test: SmsTest) -> dict[str, str]:
    """The secrets `test` carries (non-empty ones), by field name."""
    found = {name: getattr(test, name) for name in SECRET_FIELDS}
    return {name: value for name, value in found.items() if value}


def profile_settings(profile: Profile | None) -> dict[str, Any]:
    """`PROFILE_SETTINGS` of `profile`, by name (none without one): for `Profile.from_test`."""
    if profile is None:
        return {}
    return {name: getattr(profile, name) for name in PROFILE_SETTINGS}


def resolve_test(
    profile: Profile | None = None,
    *,
    flags: Mapping[str, str | None] | None = None,
    secrets: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    keys: Keys | None = None,
    prompt: Prompt | None = None,
    base: SmsTest | None = None,
) -> ResolvedTest:
    """The test a send uses.

    `base` (default: `SmsTest()`), with `profile`'s non-empty fields laid over it, then
    `flags` (field name -> value; None: not given). Each secret comes from `secrets` (given
    on purpose, say from a file), else its environment variable in `environ`, else — with a
    profile — its keyring entry in `keys` (opened only when a secret is still missing),
    else `prompt`. A keyring that cannot be read is a warning, not an error.

    ValueError (a bug of the caller) for a flag that is no field or is a secret.
    """
    for name in flags or {}:
        field = BY_NAME.get(name)
        if field is None:
            raise ValueError(f"{name!r} is not a field of the test")
        if field.secret:
            raise ValueError(f"{name!r} is a secret: it never comes from a flag")
    test = base if base is not None else SmsTest()
    if profile is not None:
        test = profile.merged_into(test)
    test = test.with_changes(**(flags or {}))
    found = given_secrets(secrets, environ)
    warnings: list[str] = []
    missing = tuple(name for name in SECRET_FIELDS if name not in found)
    if profile is not None and keys is not None and missing:
        store = _open(keys)
        for name in missing:
            value = store.get(profile.id, name)
            if value:
                found[name] = value
        status = store.status()
        if not status.available:
            warnings.append(
                f'cannot read the secrets of profile "{profile.name}": {status.reason}. Set '
                f"{SECRET_ENV['auth_key']} and {SECRET_ENV['password']} instead."
            )
        missing = tuple(name for name in SECRET_FIELDS if name not in found)
    if prompt is not None and missing:
        typed = prompt(missing)
        found.update({name: typed[name] for name in missing if typed.get(name)})
    return ResolvedTest(test.with_changes(**found), profile, tuple(warnings))


def check_writable(store: ProfileStore) -> None:
    """StoreReadOnly, in words, when `store`'s file cannot be changed (a newer or unreadable
    file): before anything else is asked for or touched."""
    if store.read_only:
        raise StoreReadOnly(store.warning or f"the profiles file {store.path} cannot be changed")


def _not_kept(keys: SecretStore) -> ProfileError:
    return ProfileError(
        f"cannot store the secrets: {keys.status().reason}. Nothing was saved (a secret is "
        "never written to a file)."
    )


def save_profile(
    store: ProfileStore,
    keys: Keys,
    profile: Profile,
    secrets: Mapping[str, str],
    *,
    new: bool | None = None,
    remove_missing: bool = False,
    require_keyring: bool = False,
) -> SavedProfile:
    """Store `profile` (added when `new`, else the one with its id updated; by default, new
    when `store` has no profile with its id) and its `secrets` (field name -> value) in the
    keyring under its id — secrets first, then the file (see the module docstring).

    `remove_missing`: `secrets` are all of them (a form's), so a secret not in it is removed
    from the keyring; otherwise the ones not given are left as they are. `require_keyring`:
    secrets that cannot reach the OS keyring are a ProfileError and nothing is saved;
    otherwise they are kept in memory for this session and `in_keyring` says so.

    ProfileError (StoreReadOnly, NameTaken, ProfileNotFound among them) in words when the
    profile cannot be saved; then the file and the keyring are as they were.
    """
    check_writable(store)
    if new is None:
        new = store.get_by_id(profile.id) is None
    values = {name: secrets[name] for name in SECRET_FIELDS if secrets.get(name)}
    changed = [name for name in SECRET_FIELDS if name in values or (remove_missing and not new)]
    ring = _open(keys) if changed else None
    old: dict[str, str | None] = {}
    if ring is not None:
        if require_keyring and values and not ring.status().available:
            raise _not_kept(ring)
        old = {} if new else {name: ring.get(profile.id, name) for name in changed}
    try:
        in_keyring = True
        if ring is not None:
            for name in changed:
                if name in values:
                    in_keyring = ring.set(profile.id, name, values[name]) and in_keyring
                else:
                    ring.delete(profile.id, name)
            if require_keyring and not in_keyring:
                raise _not_kept(ring)
        saved = store.create(profile) if new else store.save(profile)
    except BaseException:
        if ring is not None:
            _put_back(ring, profile.id, old, new=new)
        raise
    return SavedProfile(saved, new, tuple(values), in_keyring)


def _put_back(
    keys: SecretStore, profile_id: str, old: Mapping[str, str | None], *, new: bool
) -> None:
    """The keyring as it was before a save that failed (as far as the keyring allows)."""
    if new:
        keys.delete_all(profile_id)
        return
    for name, value in old.items():
        if value:
            keys.set(profile_id, name, value)
        else:
            keys.delete(profile_id, name)


def save_as(
    store: ProfileStore,
    keys: Keys,
    name: str,
    test: SmsTest,
    *,
    like: Profile | None = None,
    require_keyring: bool = False,
) -> SavedProfile:
    """A new profile called `name` (trimmed) holding `test`'s fields, with `like`'s
    settings (timeouts, CA bundle, TLS verification; the defaults without one) and a new
    id, and `test`'s secrets in the keyring. See `save_profile`; NameTaken when the name
    is taken."""
    profile = Profile.from_test(check_name(name), test, **profile_settings(like))
    return save_profile(
        store, keys, profile, secrets_of(test), new=True, require_keyring=require_keyring
    )


def delete_profile(store: ProfileStore, keys: Keys, name: str) -> DeletedProfile:
    """Delete the profile called `name`, then its keyring entries.

    ProfileNotFound or StoreReadOnly (both ProfileError) in words when it cannot be
    deleted; then nothing is changed. Entries the keyring cannot remove are a warning: the
    profile is deleted all the same."""
    profile = store.get(name)
    check_writable(store)
    deleted = store.delete(profile.name)
    ring = _open(keys)
    warnings: tuple[str, ...] = ()
    if not ring.delete_all(deleted.id):
        # It follows the sentence that says the profile is deleted.
        warnings = (
            f"its keyring entries (smstester, {deleted.id}/…) could not be checked or "
            f"removed: {ring.status().reason}.",
        )
    return DeletedProfile(deleted, warnings)


def sign_in_keeping_problem(store: ProfileStore, keys: Keys, name: str) -> str | None:
    """Why `remember_sign_in(…, name, …)` would fail, in words (the profiles file cannot be
    changed, no profile can have that name, no usable keyring), or None: asked before the
    password is, so that a key is never fetched only to be lost."""
    try:
        check_writable(store)
        if store.find(name) is None:
            check_name(name)
    except ProfileError as exc:
        return str(exc)
    ring = _open(keys)
    if not ring.status().available:
        return f"there is no keyring to keep the Auth-Key in ({ring.status().reason})"
    return None


def remember_sign_in(
    store: ProfileStore,
    keys: Keys,
    name: str,
    *,
    auth_key: str,
    expires_at: str,
    base_url: str,
    brand_url: str,
) -> SavedProfile:
    """A sign-in's Auth-Key into the keyring entry of the profile called `name`, and its
    expiry (ISO-8601 UTC, "" = not known) into the profile; the profile is created, with
    `base_url` and `brand_url`, when there is none. The keyring is required: a key that
    cannot be kept there is a ProfileError and nothing is saved. See `save_profile`."""
    check_writable(store)
    existing = store.find(name)
    if existing is None:
        profile = Profile(name=check_name(name), base_url=base_url, brand_url=brand_url)
    else:
        profile = existing
    profile = replace(profile, auth_key_expires=expires_at)
    return save_profile(
        store, keys, profile, {"auth_key": auth_key}, new=existing is None, require_keyring=True
    )

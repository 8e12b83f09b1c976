"""Saved connection profiles: one versioned JSON file, never a secret in it.

The file is ``profiles.json`` in the config folder (`storage.config_dir`)::

    {"version": 1, "profiles": [{"id": "…", "name": "Acme", "base_url": "…", …}, …]}

Writes are atomic and serialised between processes (`storage.file_lock`); every change
re-reads the file first, so a CLI run and an open window never undo each other's saves. A
damaged file or one from a newer smstester is copied aside and reported in `warning`, never
overwritten silently; a newer one is read-only. Keys this version does not know are kept.

The secrets of a profile live in the OS keyring under its stable `id` (see `keystore`). This
module never touches them: after `delete`, call `SecretStore.delete_all(profile.id)`; after
`duplicate` or `save_as`, `SecretStore.copy(old.id, new.id)` when the copy should have them.

The last used profile is remembered in `Settings` (key ``last_profile_id``) by id, so a
rename keeps it. Store operations touch one small file: fine on the UI thread.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from smstester.core.fields import SECRET_FIELDS
from smstester.core.request import DEFAULT_BASE_URL, SmsTest
from smstester.core.storage import (
    Settings,
    atomic_write_json,
    config_dir,
    file_lock,
    read_versioned_json,
    remove_stale_temps,
)

#: The format version this smstester reads and writes.
VERSION: Final = 1
#: Settings key of the last used profile's id.
LAST_PROFILE_KEY: Final = "last_profile_id"
MAX_NAME_LENGTH: Final = 100

#: Keys that must never be written to a profile file, whatever an import file holds.
_SECRET_KEYS: Final = frozenset(
    {*SECRET_FIELDS, "authKey", "auth-key", "Auth-Key", "authToken", "auth_token", "token"}
)

OnClash = Literal["rename", "skip", "error"]
_T = TypeVar("_T")


class ProfileError(ValueError):
    """A profile operation cannot be done; the message says why in plain words."""


class NameTaken(ProfileError):
    """Another profile already has this name."""


class ProfileNotFound(ProfileError, KeyError):
    """No profile has this name or id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such profile"


class StoreReadOnly(ProfileError):
    """The profiles file cannot be changed (newer format, unreadable); see `warning`."""


def _new_id() -> str:
    import uuid  # here: importing it costs ~2 ms of the window's start-up

    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Profile:
    """One saved connection: everything a send needs except the two secrets."""

    name: str
    base_url: str = DEFAULT_BASE_URL
    brand_url: str = ""
    integration_id: str = ""
    #: Twilio Account SID.
    username: str = ""
    phone_from: str = ""
    phone_to: str = ""
    message: str = ""
    #: Region for numbers typed without +country code ("US", "GB"); "" = none.
    region: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: A CA bundle file to trust; "" = the system's trust store.
    ca_bundle: str = ""
    verify_tls: bool = True
    #: Stable for the profile's whole life (rename keeps it); keys its keyring entries.
    id: str = field(default_factory=_new_id)

    @property
    def verify(self) -> bool | str:
        """TLS verification for sends: the CA bundle to trust, True (system), or False (off)."""
        return self.ca_bundle or self.verify_tls

    def to_test(self, auth_key: str = "", password: str = "") -> SmsTest:
        """The SmsTest this profile describes, with the given secrets."""
        return SmsTest(
            base_url=self.base_url,
            brand_url=self.brand_url,
            integration_id=self.integration_id,
            auth_key=auth_key,
            username=self.username,
            password=password,
            phone_from=self.phone_from,
            phone_to=self.phone_to,
            message=self.message,
            region=self.region or None,
        )

    def merged_into(self, test: SmsTest) -> SmsTest:
        """`test` with every non-empty field of this profile laid over it (secrets kept)."""
        mine = self.to_test()
        changes = {
            name: getattr(mine, name) or None
            for name in SmsTest.field_names()
            if name not in SECRET_FIELDS
        }
        return test.with_changes(**changes)

    @classmethod
    def from_test(cls, name: str, test: SmsTest, *, id: str | None = None, **other: Any) -> Profile:
        """A profile holding the non-secret fields of `test`; `other` sets timeouts, TLS."""
        values: dict[str, Any] = {
            "name": name,
            "base_url": test.base_url,
            "brand_url": test.brand_url,
            "integration_id": test.integration_id,
            "username": test.username,
            "phone_from": test.phone_from,
            "phone_to": test.phone_to,
            "message": test.message,
            "region": test.region or "",
            **other,
        }
        if id is not None:
            values["id"] = id
        return cls(**values)

    def with_changes(self, **changes: Any) -> Profile:
        """A copy with some fields changed (`None` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def same_settings(self, other: Profile) -> bool:
        """True when both hold the same connection (ignoring id and name)."""
        mine, theirs = asdict(self), asdict(other)
        for key in ("id", "name"):
            mine.pop(key)
            theirs.pop(key)
        return mine == theirs

    def to_json(self, *, with_id: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_id:
            del data["id"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> tuple[Profile, dict[str, Any]]:
        """The profile in `data` and the keys this version does not know (secrets dropped).

        Raises ProfileError when `data` is not a usable profile.
        """
        if not isinstance(data, Mapping):
            raise ProfileError("an entry is not a JSON object")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, f in known.items():
            if key not in data:
                continue
            value = data[key]
            wanted = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
            if wanted == "str":
                if not isinstance(value, str):
                    raise ProfileError(f"{key!r} is not text")
            elif wanted == "float":
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise ProfileError(f"{key!r} is not a positive number of seconds")
                value = float(value)
            elif wanted == "bool" and not isinstance(value, bool):
                raise ProfileError(f"{key!r} is not true or false")
            values[key] = value
        if "name" not in values:
            raise ProfileError("an entry has no name")
        values["name"] = check_name(values["name"])
        if not values.get("id"):
            values.pop("id", None)
        extra = {k: v for k, v in data.items() if k not in known and k not in _SECRET_KEYS}
        return cls(**values), extra


def check_name(name: str) -> str:
    """`name` trimmed, or ProfileError saying why it cannot name a profile."""
    if not isinstance(name, str):
        raise ProfileError("a profile name must be text")
    trimmed = name.strip()
    if not trimmed:
        raise ProfileError("a profile needs a name")
    if len(trimmed) > MAX_NAME_LENGTH:
        raise ProfileError(f"a profile name may have at most {MAX_NAME_LENGTH} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in trimmed):
        raise ProfileError("a profile name cannot contain line breaks or control characters")
    return trimmed


def name_key(name: str) -> str:
    """How names are compared: trimmed, case-insensitive."""
    return name.strip().casefold()


_NUMBERED = re.compile(r"^(?P<base>.*?) \((?P<n>\d+)\)$")


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted (2)`, `wanted (3)`, … — the first one not in `taken`."""
    keys = {name_key(t) for t in taken}
    if name_key(wanted) not in keys:
        return wanted
    match = _NUMBERED.match(wanted)
    base, n = (match["base"], int(match["n"]) + 1) if match else (wanted, 2)
    while True:
        candidate = f"{base} ({n})"
        if name_key(candidate) not in keys:
            return candidate
        n += 1


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What `import_profiles` did."""

    #: Names of the profiles added, as they are now called.
    imported: list[str]
    #: (name in the file, name given) for each profile renamed because the name was taken.
    renamed: list[tuple[str, str]]
    #: Names left out because they were taken (on_clash="skip").
    skipped: list[str]
    #: Entries of the file that could not be read, in plain words.
    problems: list[str]

    def lines(self) -> list[str]:
        """The report in sentences, for a log or a terminal."""
        out = [f"Imported {len(self.imported)} profile(s)."]
        out += [f'"{old}" already exists: imported as "{new}".' for old, new in self.renamed]
        out += [f'"{name}" already exists: skipped.' for name in self.skipped]
        out += [f"Not imported: {problem}" for problem in self.problems]
        return out


def _parse_profiles(
    data: Mapping[str, Any],
) -> tuple[list[tuple[Profile, dict[str, Any]]], list[str]]:
    entries = data.get("profiles", [])
    if not isinstance(entries, list):
        return [], ['"profiles" is not a list']
    parsed: list[tuple[Profile, dict[str, Any]]] = []
    problems: list[str] = []
    for index, entry in enumerate(entries, 1):
        try:
            parsed.append(Profile.from_json(entry))
        except (ProfileError, TypeError) as exc:
            label = entry.get("name") if isinstance(entry, Mapping) else None
            where = f'"{label}"' if isinstance(label, str) else f"entry {index}"
            problems.append(f"{where}: {exc}")
    return parsed, problems


class ProfileStore:
    """The saved profiles, kept in one JSON file (see the module docstring)."""

    def __init__(self, path: Path | None = None, settings: Settings | None = None) -> None:
        self.path = path if path is not None else config_dir() / "profiles.json"
        self._settings = settings
        self._profiles: dict[str, Profile] = {}
        self._extra: dict[str, dict[str, Any]] = {}
        self._writable = True
        #: What went wrong reading the file, in sentences for the user; empty when all is well.
        self.warnings: list[str] = []
        self.reload()

    # -- reading ------------------------------------------------------------------------

    @property
    def warning(self) -> str | None:
        """All warnings in one paragraph, or None."""
        return " ".join(self.warnings) or None

    @property
    def read_only(self) -> bool:
        """True when changes cannot be saved (a newer or unreadable file)."""
        return not self._writable

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings(self.path.with_name("settings.json"))
        return self._settings

    def reload(self) -> None:
        """Read the file again (another process may have changed it)."""
        remove_stale_temps(self.path)
        result = read_versioned_json(self.path, supported=VERSION, what="profiles")
        self._writable = result.writable
        if result.warning and result.warning not in self.warnings:
            self.warnings.append(result.warning)
        profiles: dict[str, Profile] = {}
        extra: dict[str, dict[str, Any]] = {}
        if result.data is not None:
            parsed, problems = _parse_profiles(result.data)
            taken: list[str] = []
            renamed: list[str] = []
            for profile, unknown in parsed:
                if profile.id in profiles:
                    profile = replace(profile, id=_new_id())
                name = unique_name(profile.name, taken)
                if name != profile.name:
                    renamed.append(f'"{profile.name}" is shown as "{name}"')
                    profile = replace(profile, name=name)
                taken.append(name)
                profiles[profile.id] = profile
                if unknown:
                    extra[profile.id] = unknown
            if (problems or renamed) and result.status == "ok":
                self._note_damage(problems, renamed)
        self._profiles = profiles
        self._extra = extra

    def _note_damage(self, problems: list[str], renamed: list[str]) -> None:
        from smstester.core.storage import keep_aside

        try:
            backup: Path | None = keep_aside(self.path, "corrupt")
        except OSError:
            backup = None
            self._writable = False
        what = "; ".join([*problems, *renamed])
        kept = f"the original is kept at {backup}" if backup else "the file is left untouched"
        warning = f"Some profiles in {self.path} could not be read as they are ({what}); {kept}."
        if warning not in self.warnings:
            self.warnings.append(warning)

    def list(self) -> builtins.list[Profile]:
        """Every profile, sorted by name (case-insensitive)."""
        return sorted(self._profiles.values(), key=lambda p: (name_key(p.name), p.name))

    def names(self) -> builtins.list[str]:
        """Every profile name, sorted."""
        return [p.name for p in self.list()]

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> Profile | None:
        """The profile called `name` (trimmed, case-insensitive), or None."""
        key = name_key(name)
        return next((p for p in self._profiles.values() if name_key(p.name) == key), None)

    def get(self, name: str) -> Profile:
        """The profile called `name`; ProfileNotFound when there is none."""
        profile = self.find(name)
        if profile is None:
            raise ProfileNotFound(self._not_found(name))
        return profile

    def get_by_id(self, profile_id: str) -> Profile | None:
        """The profile with this id, or None."""
        return self._profiles.get(profile_id)

    def _not_found(self, name: str) -> str:
        known = ", ".join(f'"{n}"' for n in self.names()) or "none yet"
        return f'no profile is called "{name.strip()}" (saved profiles: {known})'

    # -- changing -----------------------------------------------------------------------

    def _change(self, change: Callable[[], _T]) -> _T:
        """Re-read the file, apply `change` to the profiles, write the file; all under lock.

        On any error the file is untouched and this store shows what the file holds.
        """
        try:
            with file_lock(self.path):
                self.reload()
                if not self._writable:
                    raise StoreReadOnly(
                        self.warning or f"The profiles file {self.path} cannot be changed."
                    )
                try:
                    out = change()
                    self._write()
                except BaseException:
                    self.reload()
                    raise
                return out
        except OSError as exc:
            raise ProfileError(
                f"cannot save the profiles to {self.path}: {exc.strerror or exc}"
            ) from exc

    def _write(self) -> None:
        entries = []
        for profile in sorted(self._profiles.values(), key=lambda p: name_key(p.name)):
            entry = {**self._extra.get(profile.id, {}), **profile.to_json()}
            entries.append(entry)
        atomic_write_json(self.path, {"version": VERSION, "profiles": entries})

    def _check_free(self, name: str, except_id: str | None = None) -> str:
        name = check_name(name)
        other = self.find(name)
        if other is not None and other.id != except_id:
            raise NameTaken(f'a profile called "{other.name}" already exists')
        return name

    def create(self, profile: Profile) -> Profile:
        """Add a new profile (its name must be free). Returns it as stored."""

        def change() -> Profile:
            name = self._check_free(profile.name)
            if profile.id in self._profiles:
                raise ProfileError(f"a profile with id {profile.id} already exists")
            stored = replace(profile, name=name)
            self._profiles[stored.id] = stored
            return stored

        return self._change(change)

    def save(self, profile: Profile) -> Profile:
        """Update the stored profile with the same id (its name may change too)."""

        def change() -> Profile:
            if profile.id not in self._profiles:
                raise ProfileNotFound(f'the profile "{profile.name}" no longer exists')
            stored = replace(profile, name=self._check_free(profile.name, profile.id))
            self._profiles[stored.id] = stored
            return stored

        return self._change(change)

    def save_as(self, profile: Profile, name: str) -> Profile:
        """Store a copy of `profile` under a new name and a new id. Returns the copy."""
        return self.create(replace(profile, name=name, id=_new_id()))

    def rename(self, old_name: str, new_name: str) -> Profile:
        """Give a profile another name; its id (and so its secrets) stays."""

        def change() -> Profile:
            profile = self.get(old_name)
            stored = replace(profile, name=self._check_free(new_name, profile.id))
            self._profiles[stored.id] = stored
            return stored

        return self._change(change)

    def duplicate(self, name: str, new_name: str | None = None) -> Profile:
        """A copy of a profile with a new id, called `new_name` or "NAME (2)"."""

        def change() -> Profile:
            source = self.get(name)
            wanted = new_name if new_name is not None else unique_name(source.name, self.names())
            copy = replace(source, name=self._check_free(wanted), id=_new_id())
            self._profiles[copy.id] = copy
            if source.id in self._extra:
                self._extra[copy.id] = dict(self._extra[source.id])
            return copy

        return self._change(change)

    def delete(self, name: str) -> Profile:
        """Remove a profile; returns it (its id keys the keyring entries to remove)."""

        def change() -> Profile:
            profile = self.get(name)
            del self._profiles[profile.id]
            self._extra.pop(profile.id, None)
            return profile

        return self._change(change)

    # -- last used ----------------------------------------------------------------------

    def last_used(self) -> Profile | None:
        """The profile used last (remembered in Settings by id), if it still exists."""
        profile_id = self.settings.get(LAST_PROFILE_KEY)
        return self._profiles.get(profile_id) if isinstance(profile_id, str) else None

    def set_last_used(self, profile: Profile | None) -> None:
        """Remember `profile` as the one to open next time (None forgets)."""
        self.settings.set(LAST_PROFILE_KEY, profile.id if profile else None)

    # -- sharing ------------------------------------------------------------------------

    def export_profiles(self, path: Path, names: Iterable[str] | None = None) -> builtins.list[str]:
        """Write profiles (all, or those named) to `path` for a colleague: no ids, no
        secrets. Returns the names written. ProfileNotFound for an unknown name."""
        data = self.export_data(names)
        try:
            atomic_write_json(Path(path), data)
        except OSError as exc:
            raise ProfileError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return [entry["name"] for entry in data["profiles"]]

    def export_data(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """What `export_profiles` writes: ``{"version": 1, "profiles": [...]}``, no secrets."""
        chosen = self.list() if names is None else [self.get(n) for n in names]
        return {"version": VERSION, "profiles": [p.to_json(with_id=False) for p in chosen]}

    def import_profiles(self, path: Path, on_clash: OnClash = "rename") -> ImportReport:
        """Add the profiles of an exported file, each with a new id.

        A name that is taken is renamed ("Acme (2)"), skipped, or (on_clash="error") makes
        the whole import fail with NameTaken before anything is added. Nothing is ever
        overwritten. ProfileError when the file cannot be read.
        """
        if on_clash not in ("rename", "skip", "error"):
            raise ValueError(f"on_clash must be rename, skip or error, not {on_clash!r}")
        incoming, problems = self._read_import(Path(path))

        def change() -> ImportReport:
            imported: builtins.list[str] = []
            renamed: builtins.list[tuple[str, str]] = []
            skipped: builtins.list[str] = []
            taken = self.names()
            if on_clash == "error":
                seen: builtins.list[str] = []
                for profile in incoming:
                    if name_key(profile.name) in {name_key(n) for n in taken + seen}:
                        raise NameTaken(
                            f'a profile called "{profile.name}" already exists; nothing '
                            "was imported"
                        )
                    seen.append(profile.name)
            for profile in incoming:
                name = profile.name
                if name_key(name) in {name_key(n) for n in taken}:
                    if on_clash == "skip":
                        skipped.append(name)
                        continue
                    name = unique_name(name, taken)
                    renamed.append((profile.name, name))
                added = replace(profile, name=name, id=_new_id())
                self._profiles[added.id] = added
                taken.append(name)
                imported.append(name)
            return ImportReport(imported, renamed, skipped, problems)

        return self._change(change)

    def _read_import(self, path: Path) -> tuple[builtins.list[Profile], builtins.list[str]]:
        try:
            import json

            data = json.loads(path.read_bytes().decode("utf-8"))
        except OSError as exc:
            raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProfileError(f"{path} is not a profiles file (not valid JSON: {exc})") from exc
        if isinstance(data, list):
            data = {"version": VERSION, "profiles": data}
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
            raise ProfileError(f'{path} is not a profiles file (no "profiles" list)')
        version = data.get("version", VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise ProfileError(
                f"{path} was written by a newer smstester (format version {version}); "
                "update smstester to import it"
            )
        parsed, problems = _parse_profiles(data)
        # Unknown keys of an import are not kept: they may be anything, secrets included.
        return [profile for profile, _unknown in parsed], problems

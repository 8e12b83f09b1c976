"""Saved connection profiles: one versioned JSON file, never a secret in it.

The file is ``profiles.json`` in the config folder (`storage.config_dir`)::

    {"version": 1, "profiles": [{"id": "…", "name": "Acme", "base_url": "…", …}, …]}

Writes are atomic and serialised between processes (`storage.file_lock`); every change
re-reads the file first, so a CLI run and an open window never undo each other's saves. A
damaged file or one from a newer smstester is copied aside and reported in `warning`, never
overwritten silently; a newer one is read-only. Keys this version does not know are kept.

What comes in is checked where it comes in, and said in words (`ProfileError`):

- a name is trimmed text of at most 100 characters, without control characters (C0, C1,
  DEL), invisible formatting characters (direction marks, overrides and isolates, zero-width
  characters: Unicode's Cf, and line or paragraph separators) or broken ones (a lone UTF-16
  surrogate) — a name is printed in terminals and lists, where those hide or fake text;
- a timeout follows `model.check_seconds` (finite, above 0, at most an hour) the moment a
  `Profile` is made, so no profile can hold another;
- a base URL that holds a user name or password (``https://user:pw@host``) or a backslash
  is never stored, so no password reaches the file or an export.

Reading is lenient instead, so that nothing is lost: in this store's own file a bad timeout
becomes the default, a broken character becomes U+FFFD, a name is cleaned (and numbered when
taken), the user name and password of a base URL are dropped, and every such change is said
in `warnings`. An import refuses a profile it cannot take as it is, by name, and imports the
rest; its report also names each profile that turns TLS verification off or trusts a CA
bundle. Names in messages are shown with those characters escaped (``\\u202e``).

The store keeps an index by name, so a lookup is one dictionary access, and an import or a
re-read of N profiles does O(N) work (`_Names` hands out "NAME (n)" without rescanning): on
a 2-core machine 10,000 profiles import in under a second and are read and listed in about
a third of one (`tests/bench/bench_profiles.py`).

The secrets of a profile live in the OS keyring under its stable `id` (see `keystore`). This
module never touches them: `connection` saves, saves as and deletes a profile together with
its secrets.

The last used profile is remembered in `Settings` (key ``last_profile_id``) by id, so a
rename keeps it. Store operations touch one small file: fine on the UI thread.
"""

from __future__ import annotations

import builtins
import json
import math
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from smstester.core.fields import LABELS, PROFILE_FIELDS, SECRET_FIELDS
from smstester.core.model import DEFAULT_BASE_URL, MAX_SECONDS, SmsTest, check_seconds
from smstester.core.storage import (
    JsonTooDeep,
    Settings,
    atomic_write_json,
    config_dir,
    decode_json,
    file_lock,
    read_versioned_json,
    remove_stale_temps,
    writable_json,
)

#: The format version this smstester reads and writes.
VERSION: Final = 1
#: Settings key of the last used profile's id.
LAST_PROFILE_KEY: Final = "last_profile_id"
MAX_NAME_LENGTH: Final = 100
#: An import file larger than this is refused before it is read (10,000 profiles take ~5 MB).
MAX_IMPORT_BYTES: Final = 10_000_000
#: The name given to a profile whose stored name is empty once cleaned.
UNNAMED: Final = "Unnamed profile"

#: Keys that must never be written to a profile file, whatever an import file holds.
_SECRET_KEYS: Final = frozenset(
    {*SECRET_FIELDS, "authKey", "auth-key", "Auth-Key", "authToken", "auth_token", "token"}
)

#: At most this many items of a long list go into one message ("… and 9,995 more").
_LISTED: Final = 20

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
    """A random UUID (version 4) as 32 hex digits: `uuid.uuid4().hex`, without the cost of
    a `UUID` object (an import of 10,000 profiles makes 10,000) or of importing `uuid`."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


# -- characters ------------------------------------------------------------------------------

_Refused = Literal["control", "invisible", "broken"]


def _refused(ch: str) -> _Refused | None:
    """Why `ch` cannot be in a name (or must be escaped in a message), or None."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "broken"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "control"
    if category in ("Cf", "Zl", "Zp"):
        return "invisible"
    return None


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _shown(text: str, limit: int = 2 * MAX_NAME_LENGTH) -> str:
    """`text` for one line of a message: every character `check_name` refuses escaped
    (``\\x1b``, ``\\x0a`` for a line break, ``\\u202e``), at most `limit` characters. Stricter than
    `terminal.printable`, which keeps line breaks and zero-width characters: a name from a
    file must not fake a line of a report, nor hide in one."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():  # the usual case, at C speed
        return text
    return "".join(_escaped(ch) if _refused(ch) else ch for ch in text)


def _broken(text: str) -> bool:
    """True when `text` holds a lone UTF-16 surrogate (it has no UTF-8 form)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _mended(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


_NAME_REASONS: Final[dict[_Refused, str]] = {
    "control": "a profile name cannot contain line breaks or control characters",
    "invisible": "a profile name cannot contain invisible formatting characters (direction "
    "marks, overrides or isolates, zero-width characters)",
    "broken": "a profile name contains a broken character (a lone UTF-16 surrogate)",
}


def check_name(name: str) -> str:
    """`name` trimmed, or ProfileError saying why it cannot name a profile."""
    if not isinstance(name, str):
        raise ProfileError("a profile name must be text")
    trimmed = name.strip()
    if not trimmed:
        raise ProfileError("a profile needs a name")
    if not trimmed.isprintable():  # false for more than is refused (a no-break space): look
        for ch in trimmed:
            why = _refused(ch)
            if why is not None:
                raise ProfileError(f"{_NAME_REASONS[why]} (U+{ord(ch):04X})")
    if len(trimmed) > MAX_NAME_LENGTH:
        raise ProfileError(f"a profile name may have at most {MAX_NAME_LENGTH} characters")
    return trimmed


def _cleaned_name(name: str) -> str:
    """A stored name made valid: controls become spaces, invisible characters go, broken
    ones become U+FFFD; cut to the longest name allowed; `UNNAMED` when nothing is left."""
    if not name.isprintable():
        out = []
        for ch in name:
            why = _refused(ch)
            out.append(
                ch if why is None else {"control": " ", "invisible": "", "broken": "\ufffd"}[why]
            )
        name = "".join(out)
    name = name.strip()[:MAX_NAME_LENGTH].strip()
    return name or UNNAMED


def name_key(name: str) -> str:
    """How names are compared: trimmed, case-insensitive."""
    return name.strip().casefold()


# -- timeouts and base URLs ------------------------------------------------------------------

#: The timeouts of a profile and how messages name them.
_SECONDS: Final = {"connect_timeout": "connect timeout", "read_timeout": "read timeout"}


def _seconds(value: object, label: str) -> float:
    """`value` as a number of seconds, by `model.check_seconds`' rule; else ProfileError
    naming `label` ("read timeout")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"the {label} must be a number of seconds (got {_json_shown(value)})")
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    try:
        return check_seconds(seconds, f"the {label}")
    except ValueError as exc:
        raise ProfileError(str(exc)) from None


def _json_shown(value: object) -> str:
    """A value read from JSON, shown as JSON in a message: short, nothing unprintable."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        value = value[:40]
    return json.dumps(value, ensure_ascii=True)


_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?=//)")
_AUTHORITY_END: Final = re.compile(r"[/?#]")


def _authority(url: str) -> tuple[str, str, str]:
    """`url` as (start, authority, rest), the authority split off as RFC 3986 reads it;
    without "//" the text up to the first "/" counts (``user:pw@host`` is caught too)."""
    match = _SCHEME.match(url)
    start = match.end() if match else 0
    if url.startswith("//", start):
        start += 2
    found = _AUTHORITY_END.search(url, start)
    end = found.start() if found else len(url)
    return url[:start], url[start:end], url[end:]


def _base_url_refusal(url: str) -> str | None:
    """Why `url` cannot be stored as a base URL (`request.base_url_problem`'s rule for a
    password or a backslash), without repeating it; None when it may be stored."""
    if "\\" in url:
        return "the base URL must not contain a backslash (\\)"
    if "@" in url and "@" in _authority(url.strip())[1]:
        return "the base URL must not hold a user name or password (user:password@host)"
    return None


def _without_userinfo(url: str) -> str:
    """`url` (trimmed) without the user name and password before its host."""
    start, authority, rest = _authority(url.strip())
    return start + authority.rpartition("@")[2] + rest


# -- the profile -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """One saved connection: everything a send needs except the two secrets.

    Making one with a timeout that `model.check_seconds` refuses raises ProfileError.
    """

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
    #: Until when the Auth-Key in the keyring is valid, ISO-8601 UTC ("" = not known): set
    #: by a sign-in, so that "expired" is known without a call. Not a secret.
    auth_key_expires: str = ""
    #: Stable for the profile's whole life (rename keeps it); keys its keyring entries.
    id: str = field(default_factory=_new_id)

    def __post_init__(self) -> None:
        for key, label in _SECONDS.items():
            value = getattr(self, key)
            if type(value) is not float or not 0.0 < value <= MAX_SECONDS:
                object.__setattr__(self, key, _seconds(value, label))

    @property
    def verify(self) -> bool | str:
        """TLS verification for sends: the CA bundle to trust, True (system), or False (off)."""
        return self.ca_bundle or self.verify_tls

    def to_test(self, auth_key: str = "", password: str = "") -> SmsTest:
        """The SmsTest this profile describes, with the given secrets."""
        values: dict[str, Any] = {name: getattr(self, name) for name in PROFILE_FIELDS}
        values["region"] = self.region or None
        return SmsTest(**values, auth_key=auth_key, password=password)

    def merged_into(self, test: SmsTest) -> SmsTest:
        """`test` with every non-empty field of this profile laid over it (secrets kept)."""
        mine = self.to_test()
        return test.with_changes(**{name: getattr(mine, name) or None for name in PROFILE_FIELDS})

    @classmethod
    def from_test(cls, name: str, test: SmsTest, *, id: str | None = None, **other: Any) -> Profile:
        """A profile holding the non-secret fields of `test`; `other` sets timeouts, TLS."""
        values: dict[str, Any] = {n: getattr(test, n) for n in PROFILE_FIELDS} | {"name": name}
        values["region"] = test.region or ""
        values |= other
        if id is not None:
            values["id"] = id
        return cls(**values)

    def with_changes(self, **changes: Any) -> Profile:
        """A copy with some fields changed (`None` values are ignored). ProfileError for
        a timeout that is not a usable number of seconds."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def same_settings(self, other: Profile) -> bool:
        """True when both hold the same connection (ignoring id and name)."""
        return all(
            getattr(self, key) == getattr(other, key)
            for key in _FIELD_NAMES
            if key not in ("id", "name")
        )

    def to_json(self, *, with_id: bool = True) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in _FIELD_NAMES}
        if not with_id:
            del data["id"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> tuple[Profile, dict[str, Any]]:
        """The profile in `data` and the keys this version does not know (secrets dropped).

        Raises ProfileError when `data` is not a usable profile, or one that could not be
        stored (a bad timeout, a broken character, a password in the base URL).
        """
        read = _read_entry(data, "strict")
        return read.profile, read.extra


_FIELD_NAMES: Final = tuple(f.name for f in fields(Profile))
_FIELD_SET: Final = frozenset(_FIELD_NAMES)
#: Text fields: every field but the timeouts, verify_tls and the id.
_TEXT_FIELDS: Final = tuple(
    f.name for f in fields(Profile) if f.name not in (*_SECONDS, "verify_tls", "id")
)
_TEXT_SET: Final = frozenset(_TEXT_FIELDS)
_texts_of: Final = operator.itemgetter(*_TEXT_FIELDS)
_FIELD_LABELS: Final = {
    **LABELS,
    "name": "Name",
    "region": "Region",
    "ca_bundle": "CA bundle",
    "auth_key_expires": "Auth-Key valid until",
    "id": "Id",
}
_BROKEN: Final = "contains a broken character (a lone UTF-16 surrogate)"
_DEFAULT_SECONDS: Final = {key: getattr(Profile(name="x", id=""), key) for key in _SECONDS}


def _check_storable(profile: Profile) -> None:
    """ProfileError when `profile` must not be written: a broken character in any field,
    a password or a backslash in its base URL. (Names: `check_name`; timeouts: `Profile`.)"""
    for key in _TEXT_FIELDS:
        if _broken(getattr(profile, key)):
            raise ProfileError(f"{_FIELD_LABELS[key]}: {_BROKEN}")
    refusal = _base_url_refusal(profile.base_url)
    if refusal:
        raise ProfileError(refusal)


@dataclass(slots=True)
class _Entry:
    """One entry of a file as read: the profile, its unknown keys, and what was changed."""

    profile: Profile
    #: The name as the file holds it.
    name: str
    extra: dict[str, Any]
    #: Sentences (without the profile's name) on what was changed to make it usable.
    notes: list[str]
    #: True when a user name or password was dropped from the base URL.
    scrubbed: bool = False


#: "strict": `Profile.from_json`. "import": a bad timeout becomes the default, the rest is
#: refused. "file": this store's own file; everything that can be mended is mended.
_Mode = Literal["strict", "import", "file"]


def _read_entry(data: object, mode: _Mode) -> _Entry:
    """The profile of one entry of a file (see `_Mode`); ProfileError when it is unusable.

    Written for 10,000 entries a read: the usual entry passes a few checks that each look
    at all its fields at once, at C speed; only a suspect one is looked at field by field.
    """
    if not isinstance(data, Mapping):
        raise ProfileError("an entry is not a JSON object")
    values: dict[str, Any] = dict(data)
    unknown = values.keys() - _FIELD_SET
    for key in unknown:
        del values[key]
    if values.keys() >= _TEXT_SET:
        texts: tuple[Any, ...] = _texts_of(values)
    else:
        texts = tuple(values[key] for key in _TEXT_FIELDS if key in values)
    if "id" in values:
        texts += (values["id"],)
    if not set(map(type, texts)) <= {str}:
        wrong = next(k for k in (*_TEXT_FIELDS, "id") if not isinstance(values.get(k, ""), str))
        raise ProfileError(f"{wrong!r} is not text")
    notes: list[str] = []
    if _broken("".join(texts)):
        for key in (*_TEXT_FIELDS, "id"):
            if key not in values or not _broken(values[key]):
                continue
            if mode != "file":
                raise ProfileError(f"{_FIELD_LABELS[key]}: {_BROKEN}")
            values[key] = _mended(values[key])
            if key != "name":  # a name's change is told as "shown as"
                notes.append(f"{_FIELD_LABELS[key]}: a broken character is shown as \ufffd")
    for key, label in _SECONDS.items():
        if key not in values:
            continue
        value = values[key]
        if type(value) is float and 0.0 < value <= MAX_SECONDS:
            continue  # the usual case; `Profile` checks it again, in the same way
        try:
            values[key] = _seconds(value, label)
        except ProfileError:
            if mode == "strict":
                raise
            del values[key]
            notes.append(
                f"its {label} ({_json_shown(value)}) cannot be used, so the default "
                f"{_DEFAULT_SECONDS[key]:g} s is used"
            )
    if "verify_tls" in values and not isinstance(values["verify_tls"], bool):
        raise ProfileError("'verify_tls' is not true or false")
    if "name" not in values:
        raise ProfileError("an entry has no name")
    original = values["name"]
    values["name"] = _cleaned_name(original) if mode == "file" else check_name(original)
    scrubbed = False
    base_url = values.get("base_url", "")
    refusal = _base_url_refusal(base_url)
    if refusal and mode != "file":
        raise ProfileError(refusal)
    if refusal and "@" in _authority(base_url.strip())[1]:
        # The password must not stay in memory, an export or the next save. (A stored
        # backslash alone is no secret: it stays, and a send refuses it by name.)
        values["base_url"] = _without_userinfo(base_url)
        scrubbed = True
    if mode == "import" or not values.get("id"):
        values.pop("id", None)  # an imported profile always gets an id of its own
    extra: dict[str, Any] = {}
    # Unknown keys of an import may be anything, secrets included: they are not kept.
    for key in () if mode == "import" else unknown - _SECRET_KEYS:
        value = data[key]
        if mode == "file" and not writable_json({key: value}):
            notes.append(
                f'its setting "{_shown(key)}" holds what cannot be written back (NaN, '
                "Infinity, a broken character, or lists nested too deep) and is left out"
            )
            continue
        extra[key] = value
    return _Entry(Profile(**values), original, extra, notes, scrubbed)


def _where(data: object, index: int) -> str:
    """How a message names an entry that could not be read."""
    label = data.get("name") if isinstance(data, Mapping) else None
    return f'"{_shown(label)}"' if isinstance(label, str) else f"entry {index}"


def _listed(items: builtins.list[str], limit: int = _LISTED, sep: str = "; ") -> str:
    """`items` joined by `sep`: the first `limit` of them and how many more."""
    if len(items) <= limit:
        return sep.join(items)
    return sep.join(items[:limit]) + f"{sep}and {len(items) - limit:,} more"


# -- names -----------------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(?P<base>.*?) \((?P<n>\d{1,9})\)$")


class _Names:
    """Names in use (by `name_key`), handing out "NAME (n)" without rescanning.

    Names are only ever added, so a number found taken stays taken: for each base name the
    numbers already passed point ahead to where the search went on (a "next free" forest
    with path compression), and N clashes cost about O(N) in all, not O(N²).
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._keys = {name_key(n) for n in names}
        #: name_key(base) -> {n: a larger number; every number from n up to it is taken}.
        self._ahead: dict[str, dict[int, int]] = {}

    def __contains__(self, name: str) -> bool:
        return name_key(name) in self._keys

    def add(self, name: str) -> None:
        self._keys.add(name_key(name))

    def take(self, wanted: str) -> tuple[str, str]:
        """`free(wanted)`, now in use, and its `name_key`."""
        key = name_key(wanted)
        if key not in self._keys:
            self._keys.add(key)
            return wanted, key
        name = self.free(wanted)
        key = name_key(name)
        self._keys.add(key)
        return name, key

    def free(self, wanted: str) -> str:
        """`wanted`, or `wanted (2)`, `wanted (3)`, … — the first one not in use."""
        if name_key(wanted) not in self._keys:
            return wanted
        match = _NUMBERED.match(wanted)
        base, n = (match["base"], int(match["n"]) + 1) if match else (wanted, 2)
        ahead = self._ahead.setdefault(name_key(base), {})
        passed: builtins.list[int] = []
        while True:
            if n in ahead:
                passed.append(n)
                n = ahead[n]
                continue
            suffix = f" ({n})"
            candidate = base[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix
            if name_key(candidate) not in self._keys:
                break
            passed.append(n)
            n += 1
        for number in passed:
            ahead[number] = n
        return candidate


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted (2)`, `wanted (3)`, … — the first one not in `taken`."""
    return _Names(taken).free(wanted)


# -- import ----------------------------------------------------------------------------------


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
    #: What imported profiles do that the user should notice, one sentence each: TLS
    #: verification off, a CA bundle trusted, a timeout replaced by its default.
    notices: list[str] = field(default_factory=list)
    #: (name in the file, name in the store) for each profile left out because the store
    #: held it already: the same settings (`Profile.same_settings`) under its name or a
    #: numbered copy of it ("Acme (2)"), so importing one export twice adds nothing.
    already: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in sentences, for a log or a terminal (nothing unprintable in them)."""
        out = [f"Imported {len(self.imported)} profile(s)."]
        out += [
            f'"{_shown(old)}" is already there: not imported again.'
            if name_key(old) == name_key(there)
            else f'"{_shown(old)}" is already there as "{there}": not imported again.'
            for old, there in self.already
        ]
        out += [
            f'"{_shown(old)}" already exists: imported as "{new}".' for old, new in self.renamed
        ]
        out += [f'"{_shown(name)}" already exists: skipped.' for name in self.skipped]
        out += self.notices
        out += [f"Not imported: {problem}" for problem in self.problems]
        return out


def _settings_of(profile: Profile) -> tuple[Any, ...]:
    """What `Profile.same_settings` compares, as one hashable value."""
    return tuple(getattr(profile, key) for key in _FIELD_NAMES if key not in ("id", "name"))


def _family(name: str) -> str:
    """The `name_key` of the name `name` is a numbered copy of ("Acme" for "Acme (3)"),
    or of `name` itself."""
    match = _NUMBERED.match(name.strip())
    return name_key(match["base"] if match else name)


def _tls_notice(profile: Profile) -> str | None:
    verify = profile.verify
    if verify is False:
        return "TLS certificate verification is OFF."
    if isinstance(verify, str):
        return f"trusts the CA bundle {_shown(verify, 4 * MAX_NAME_LENGTH)}."
    return None


def _too_large(path: Path, size: int | None) -> ProfileError:
    how = f" ({size / 1e6:,.1f} MB)" if size is not None else ""
    return ProfileError(
        f"{path} is larger than 10 MB{how}: too large for a profiles export, so it was not "
        "read and nothing was imported"
    )


class ProfileStore:
    """The saved profiles, kept in one JSON file (see the module docstring)."""

    def __init__(self, path: Path | None = None, settings: Settings | None = None) -> None:
        self.path = path if path is not None else config_dir() / "profiles.json"
        self._settings = settings
        self._profiles: dict[str, Profile] = {}
        #: name_key(name) -> id: every lookup by name is one dictionary access.
        self._ids: dict[str, str] = {}
        #: `list()`, kept until the next change.
        self._sorted: builtins.list[Profile] | None = None
        self._extra: dict[str, dict[str, Any]] = {}
        self._writable = True
        #: What went wrong reading the file, in sentences for the user; empty when all is well.
        self.warnings: builtins.list[str] = []
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

    def _warn(self, warning: str) -> None:
        if warning not in self.warnings:
            self.warnings.append(warning)

    def reload(self) -> None:
        """Read the file again (another process may have changed it)."""
        remove_stale_temps(self.path)
        result = read_versioned_json(self.path, supported=VERSION, what="profiles")
        self._writable = result.writable
        if result.warning:
            self._warn(result.warning)
        self._profiles, self._ids, self._extra, self._sorted = {}, {}, {}, None
        if result.data is None:
            return
        entries = result.data.get("profiles", [])
        if not isinstance(entries, builtins.list):
            entries, problems = [], ['"profiles" is not a list']
        else:
            problems = []
        names = _Names()
        changed: builtins.list[str] = []
        scrubbed: builtins.list[str] = []
        for index, data in enumerate(entries, 1):
            try:
                read = _read_entry(data, "file")
            except ProfileError as exc:
                problems.append(f"{_where(data, index)}: {exc}")
                continue
            profile = read.profile
            if profile.id in self._profiles:
                profile = replace(profile, id=_new_id())
            name, key = names.take(profile.name)
            if name != read.name.strip():  # trimming alone is no change worth a word
                changed.append(f'"{_shown(read.name)}" is shown as "{name}"')
            if name != profile.name:
                profile = replace(profile, name=name)
            changed += [f'"{name}": {note}' for note in read.notes]
            if read.scrubbed:
                scrubbed.append(f'"{name}"')
            self._profiles[profile.id] = profile
            self._ids[key] = profile.id
            if read.extra:
                self._extra[profile.id] = read.extra
        if (problems or changed) and result.status == "ok":
            self._note_damage(problems, changed)
        if scrubbed:
            # Told apart from the damage above: no backup copy is made for this, since it
            # would keep the password in one more file.
            self._warn(
                f"The base URL of profile {_listed(scrubbed)} in {self.path} held a user name "
                "or password, which smstester never sends or keeps: it is shown without "
                "them, and the next save removes them from the file."
            )

    def _note_damage(self, problems: builtins.list[str], changed: builtins.list[str]) -> None:
        from smstester.core.storage import keep_aside

        try:
            backup: Path | None = keep_aside(self.path, "corrupt")
        except OSError:
            backup = None
            self._writable = False
        what = _listed([*problems, *changed], 5)
        kept = f"the original is kept at {backup}" if backup else "the file is left untouched"
        self._warn(f"Some profiles in {self.path} could not be read as they are ({what}); {kept}.")

    def list(self) -> builtins.list[Profile]:
        """Every profile, sorted by name (case-insensitive)."""
        if self._sorted is None:
            self._sorted = sorted(self._profiles.values(), key=lambda p: (name_key(p.name), p.name))
        return builtins.list(self._sorted)

    def names(self) -> builtins.list[str]:
        """Every profile name, sorted."""
        return [p.name for p in self.list()]

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> Profile | None:
        """The profile called `name` (trimmed, case-insensitive), or None."""
        profile_id = self._ids.get(name_key(name))
        return self._profiles.get(profile_id) if profile_id is not None else None

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
        known = _listed([f'"{n}"' for n in self.names()], sep=", ") or "none yet"
        return f'no profile is called "{_shown(name.strip())}" (saved profiles: {known})'

    # -- changing -----------------------------------------------------------------------

    def _put(self, profile: Profile) -> None:
        """Add `profile`, or replace the one with its id (its name may have changed)."""
        old = self._profiles.get(profile.id)
        if old is not None:
            self._ids.pop(name_key(old.name), None)
        self._profiles[profile.id] = profile
        self._ids[name_key(profile.name)] = profile.id
        self._sorted = None

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
        entries = [
            {**self._extra.get(profile.id, {}), **profile.to_json()} for profile in self.list()
        ]
        try:
            data = {"version": VERSION, "profiles": entries}
            atomic_write_json(self.path, data, rows="profiles")
        except (ValueError, RecursionError) as exc:
            # Every way in is checked, so this is a last line: say it; the file is untouched
            # (the JSON is built before the file is opened).
            raise ProfileError(f"cannot save the profiles to {self.path}: {exc}") from None

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
            _check_storable(profile)
            if profile.id in self._profiles:
                raise ProfileError(f"a profile with id {profile.id} already exists")
            stored = replace(profile, name=name)
            self._put(stored)
            return stored

        return self._change(change)

    def save(self, profile: Profile) -> Profile:
        """Update the stored profile with the same id (its name may change too)."""

        def change() -> Profile:
            if profile.id not in self._profiles:
                raise ProfileNotFound(f'the profile "{_shown(profile.name)}" no longer exists')
            stored = replace(profile, name=self._check_free(profile.name, profile.id))
            _check_storable(stored)
            self._put(stored)
            return stored

        return self._change(change)

    def rename(self, old_name: str, new_name: str) -> Profile:
        """Give a profile another name; its id (and so its secrets) stays."""

        def change() -> Profile:
            profile = self.get(old_name)
            stored = replace(profile, name=self._check_free(new_name, profile.id))
            self._put(stored)
            return stored

        return self._change(change)

    def delete(self, name: str) -> Profile:
        """Remove a profile; returns it (its id keys the keyring entries to remove)."""

        def change() -> Profile:
            profile = self.get(name)
            del self._profiles[profile.id]
            self._ids.pop(name_key(profile.name), None)
            self._sorted = None
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
            atomic_write_json(Path(path), data, rows="profiles")
        except OSError as exc:
            raise ProfileError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return [entry["name"] for entry in data["profiles"]]

    def export_data(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """What `export_profiles` writes: ``{"version": 1, "profiles": [...]}``, no secrets."""
        chosen = self.list() if names is None else [self.get(n) for n in names]
        return {"version": VERSION, "profiles": [p.to_json(with_id=False) for p in chosen]}

    def import_profiles(self, path: Path, on_clash: OnClash = "rename") -> ImportReport:
        """Add the profiles of an exported file, each with a new id.

        A profile the store holds already (the same settings under its name or a numbered
        copy of it) is left out and named in `already`, whatever `on_clash` says. Of the
        others, a name that is taken is renamed ("Acme (2)"), skipped, or
        (on_clash="error") makes the whole import fail with NameTaken before anything is
        added. Nothing is ever
        overwritten. A profile that cannot be taken as it is (a bad name, a broken
        character, a password in its base URL) is left out and named in `problems`; the
        others are imported. ProfileError when the file cannot be read, is larger than
        `MAX_IMPORT_BYTES` or is not a profiles export.
        """
        if on_clash not in ("rename", "skip", "error"):
            raise ValueError(f"on_clash must be rename, skip or error, not {on_clash!r}")
        incoming, problems = self._read_import(Path(path))

        def change() -> ImportReport:
            imported: builtins.list[str] = []
            renamed: builtins.list[tuple[str, str]] = []
            skipped: builtins.list[str] = []
            notices: builtins.list[str] = []
            names = _Names(self._ids)
            # What the store held before this import, by name family and settings: one
            # dictionary access per incoming profile, however many copies there are.
            held: dict[tuple[str, tuple[Any, ...]], str] = {}
            for profile in self.list():
                held.setdefault((_family(profile.name), _settings_of(profile)), profile.name)
            already: builtins.list[tuple[str, str]] = []
            fresh: builtins.list[_Entry] = []
            for read in incoming:
                there = held.get((_family(read.profile.name), _settings_of(read.profile)))
                if there is None:
                    fresh.append(read)
                else:
                    already.append((read.profile.name, there))
            if on_clash == "error":
                seen = _Names()
                for read in fresh:
                    if read.profile.name in names or read.profile.name in seen:
                        raise NameTaken(
                            f'a profile called "{read.profile.name}" already exists; nothing '
                            "was imported"
                        )
                    seen.add(read.profile.name)
            for read in fresh:
                name = read.profile.name
                if name in names:
                    if on_clash == "skip":
                        skipped.append(name)
                        continue
                    name = names.free(name)
                    renamed.append((read.profile.name, name))
                # `_read_entry` gave it a new id already.
                added = (
                    read.profile if name == read.profile.name else replace(read.profile, name=name)
                )
                self._put(added)
                names.add(name)
                imported.append(name)
                tls = _tls_notice(added)
                notes = [*read.notes, tls] if tls else read.notes
                notices += [f'Profile "{name}": {note}' for note in notes]
            return ImportReport(imported, renamed, skipped, problems, notices, already)

        return self._change(change)

    def _read_import(self, path: Path) -> tuple[builtins.list[_Entry], builtins.list[str]]:
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_IMPORT_BYTES:
                    raise _too_large(path, size)
                # Read one byte more than allowed: a pipe or a growing file has no size.
                raw = handle.read(MAX_IMPORT_BYTES + 1)
        except OSError as exc:
            raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if len(raw) > MAX_IMPORT_BYTES:
            raise _too_large(path, None)
        try:
            data = decode_json(raw)
        except JsonTooDeep:
            raise ProfileError(
                f"{path} is not a profiles export: the file is nested too deep to be read "
                "(lists or objects inside each other, thousands of levels deep)"
            ) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError among them
            raise ProfileError(f"{path} is not a profiles file (not valid JSON: {exc})") from None
        if isinstance(data, builtins.list):
            data = {"version": VERSION, "profiles": data}
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), builtins.list):
            raise ProfileError(f'{path} is not a profiles file (no "profiles" list)')
        version = data.get("version", VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise ProfileError(
                f"{path} was written by a newer smstester (format version "
                f"{_json_shown(version)}); update smstester to import it"
            )
        incoming: builtins.list[_Entry] = []
        problems: builtins.list[str] = []
        for index, entry in enumerate(data["profiles"], 1):
            try:
                incoming.append(_read_entry(entry, "import"))
            except ProfileError as exc:
                problems.append(f"{_where(entry, index)}: {exc}")
        return incoming, problems

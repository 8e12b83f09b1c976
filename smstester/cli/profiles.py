"""`smstester profiles list|save|delete|export|import` (CONTRACT §3).

Saving and deleting go through `core.connection`, as the window's do: one order, one
rollback, the same words.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smstester.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    eprint,
    print_json,
    profile_store,
    say,
    secret_store,
)
from smstester.cli.options import (
    FILE_FLAGS,
    Parser,
    add_connection_options,
    field_flags,
    field_words,
    seconds,
    secret_files,
    secrets_rule,
)
from smstester.core.fields import BY_NAME, FIELDS, SECRET_ENV, SECRET_FIELDS

if TYPE_CHECKING:
    from smstester.core.profiles import Profile


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    profiles = sub.add_parser("profiles", help="list, save, delete, export or import profiles")
    profiles.set_defaults(run=cmd_profiles)
    actions = profiles.add_subparsers(dest="profiles_command", metavar="ACTION")

    listing = actions.add_parser("list", help="the saved profiles (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print one JSON array")

    save = actions.add_parser(
        "save",
        help="create or update a profile",
        description="Create or update profile NAME from the connection options given; options "
        "left out keep their saved values. The secrets given go to the OS keyring, never to "
        "a file.",
        epilog=secrets_rule(keyring=False, prompt=False),
    )
    save.add_argument("name", metavar="NAME")
    add_connection_options(save)
    extra = save.add_argument_group("profile settings")
    extra.add_argument(
        "--connect-timeout",
        type=seconds("connect timeout"),
        metavar="SECONDS",
        help="0 < SECONDS <= 3600",
    )
    extra.add_argument(
        "--read-timeout",
        type=seconds("read timeout"),
        metavar="SECONDS",
        help="0 < SECONDS <= 3600",
    )
    extra.add_argument("--ca-bundle", metavar="FILE", help='CA bundle to trust ("" = the system)')
    extra.add_argument(
        "--verify-tls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="check the server's TLS certificate (default: yes)",
    )

    delete = actions.add_parser("delete", help="delete a profile and its keyring entries")
    delete.add_argument("name", metavar="NAME")

    export = actions.add_parser("export", help="write profiles to a JSON file, without secrets")
    export.add_argument("file", metavar="FILE", help='"-" writes to standard output')
    export.add_argument(
        "--name", dest="names", action="append", metavar="NAME", help="only this profile"
    )

    imp = actions.add_parser("import", help="add the profiles of an exported JSON file")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--on-clash",
        choices=("rename", "skip", "error"),
        default="rename",
        help='a name that is taken: import as "NAME (2)" (default), skip it, or import nothing',
    )


def cmd_profiles(args: argparse.Namespace) -> int:
    """`smstester profiles list|save|delete|export|import` (CONTRACT §3)."""
    from smstester.core.profiles import ProfileError

    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "list": profiles_list,
        "save": profiles_save,
        "delete": profiles_delete,
        "export": profiles_export,
        "import": profiles_import,
    }
    command = commands.get(args.profiles_command or "")
    if command is None:
        raise CommandError("say what to do: profiles list, save, delete, export or import")
    try:
        return command(args)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None


@functools.cache
def _json_key(name: str) -> str:
    """A profile attribute's key in `profiles list --json`: the field's JSON key, else the
    name in camelCase (connect_timeout: connectTimeout)."""
    field = BY_NAME.get(name)
    if field is not None:
        return field.json_key
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _row(profile: Profile, known: tuple[str, ...] | None) -> dict[str, Any]:
    """One profile as `profiles list --json` shows it: name, id, every setting, and which
    secrets the keyring holds (null: no keyring to ask)."""
    settings = {
        _json_key(key): value
        for key, value in profile.to_json().items()
        if key not in ("name", "id", "auth_key_expires")
    }
    secrets = {
        BY_NAME[name].json_key: None if known is None else name in known for name in SECRET_FIELDS
    }
    return {
        "name": profile.name,
        "id": profile.id,
        **settings,
        "secrets": secrets,
        # Added later than the keys above, so after them (their order stays as it was).
        "authKeyExpires": profile.auth_key_expires or None,
        "authKeyExpired": _key_expired(profile),
    }


def _key_expired(profile: Profile) -> bool | None:
    """Whether the profile's Auth-Key is known to have expired (None: not known)."""
    from smstester.core.jframework import parse_time

    if not profile.auth_key_expires:
        return None
    moment = parse_time(profile.auth_key_expires)
    return None if moment is None else moment <= _now()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_words(profile: Profile) -> str:
    """`; Auth-Key expired 2 h ago` or `; Auth-Key valid until …` when the profile knows."""
    from smstester.core.jframework import key_status, parse_time

    moment = parse_time(profile.auth_key_expires) if profile.auth_key_expires else None
    if moment is None:
        return ""
    return f"; Auth-Key {key_status(moment, _now()).words}"


def profiles_list(args: argparse.Namespace) -> int:
    store = profile_store()
    profiles = store.list()
    keys = secret_store() if profiles else None
    if keys is not None and not keys.status().available:
        eprint(f"smstester: cannot tell which secrets are stored: {keys.status().reason}.")
        keys = None  # no keyring: nothing to ask it, profile after profile
    stored = {p.id: keys.stored_fields(p.id) if keys else None for p in profiles}
    if args.json:
        print_json([_row(p, stored[p.id]) for p in profiles], rows=True)
        return EXIT_OK
    if not profiles:
        print("No saved profiles yet (smstester profiles save NAME --brand-url … adds one).")
        return EXIT_OK
    from smstester.core.terminal import printable

    columns = [field for field in FIELDS if field.column]
    table: list[tuple[str, ...]] = [
        ("NAME", *(field.column for field in columns), "SECRETS IN KEYRING")
    ]
    for p in profiles:
        cells = (p.name, *(getattr(p, field.name) for field in columns))
        known = stored[p.id]
        words = "unknown (no keyring)" if known is None else field_words(known) or "none"
        words += _key_words(p)
        # Escaped before the widths are measured: what is shown is what is aligned.
        table.append((*(printable(cell) for cell in cells), words))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*padded, row[-1]]).rstrip())
    return EXIT_OK


def profiles_save(args: argparse.Namespace) -> int:
    from smstester.core import connection
    from smstester.core.profiles import Profile, check_name, name_key

    name = check_name(args.name)
    if args.profile and name_key(args.profile) != name_key(name):
        raise CommandError("profiles save takes the profile's name as NAME; leave out --profile")
    store = profile_store()
    connection.check_writable(store)
    secrets = connection.given_secrets(secret_files(args), os.environ)
    existing = store.find(name)
    # An existing profile keeps its name as written (the match is case-insensitive).
    base = existing if existing is not None else Profile(name=name)
    settings = {key: getattr(args, key) for key in connection.PROFILE_SETTINGS}
    profile = base.with_changes(**field_flags(args), **settings)
    keys = secret_store()
    saved = connection.save_profile(
        store, keys, profile, secrets, new=existing is None, require_keyring=True
    )
    say(f'{"Created" if saved.created else "Updated"} profile "{saved.profile.name}".')
    if saved.secrets:
        print(f"{field_words(saved.secrets, ' and ')} stored in {keys.status().backend}.")
    elif saved.created:
        eprint(
            "smstester: no secrets given; set "
            f"{' and '.join(SECRET_ENV.values())} (or use {' and '.join(FILE_FLAGS.values())}) "
            "and save again to keep them in the keyring."
        )
    return EXIT_OK


def profiles_delete(args: argparse.Namespace) -> int:
    from smstester.core import connection

    deleted = connection.delete_profile(profile_store(), secret_store, args.name)
    say(f'Deleted profile "{deleted.profile.name}".')
    for warning in deleted.warnings:
        eprint(f"smstester: warning: {warning}")
    return EXIT_OK


def profiles_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    store = profile_store()
    if args.file == "-":
        print_json(store.export_data(args.names))
        return EXIT_OK
    names = store.export_profiles(Path(args.file), args.names)
    say(f"Exported {len(names)} profile(s) to {args.file} (without secrets).")
    return EXIT_OK


def profiles_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    report = profile_store().import_profiles(Path(args.file), on_clash=args.on_clash)
    for line in report.lines():
        say(line)
    return EXIT_OK if not report.problems else EXIT_FAILED

"""The command line (CONTRACT §3): the window, `send`, `curl`, `sandbox` and `profiles`.

Imports are deferred to the command that needs them, so `smstester --version` and the
window's first paint pay only for what they use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smstester import __version__
from smstester.core.fields import SECRET_ENV, SECRET_FIELDS

if TYPE_CHECKING:
    from smstester.core.client import Timeouts
    from smstester.core.keystore import SecretStore
    from smstester.core.profiles import Profile, ProfileStore
    from smstester.core.request import SmsTest

DEFAULT_MESSAGE = "Test message from smstester."

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--profile", metavar="NAME", help="a saved connection profile")
    group.add_argument("--base-url", help="API base URL (default: the live host)")
    group.add_argument("--brand-url", help="the Brand-URL header")
    group.add_argument("--integration-id", help="the appIntegrationId")
    group.add_argument("--username", help="Twilio Account SID")
    group.add_argument("--from", dest="phone_from", metavar="NUMBER", help="phoneNumberFrom")
    group.add_argument("--to", dest="phone_to", metavar="NUMBER", help="phoneNumberTo")
    group.add_argument("--message", help="the SMS text")
    group.add_argument(
        "--region", help="region for numbers typed without +country code (e.g. US, GB)"
    )
    group.add_argument(
        "--auth-key",
        help=f"Auth-Key (better: the {SECRET_ENV['auth_key']} environment variable)",
    )
    group.add_argument(
        "--password",
        help=f"Twilio Auth Token (better: the {SECRET_ENV['password']} environment variable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smstester",
        description="Check that an SMS app integration on jframework really works.",
    )
    parser.add_argument("--version", action="version", version=f"smstester {__version__}")
    parser.add_argument(
        "--sandbox", action="store_true", help="wire the window to an embedded sandbox server"
    )
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="save a PNG of the window after its first paint"
    )
    parser.add_argument(
        "--send", action="store_true", help="send the form's request once the window is up"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    send = sub.add_parser("send", help="send one test SMS request and show the answer")
    _connection_options(send)
    send.add_argument("--json", action="store_true", help="print one JSON object")
    send.add_argument(
        "--timeout",
        type=float,
        help="seconds to wait for the answer (default: the profile's read timeout, else 30)",
    )

    curl = sub.add_parser("curl", help="print the request as a curl command")
    _connection_options(curl)
    curl.add_argument(
        "--with-secrets", action="store_true", help="put the two secrets in the command itself"
    )

    sandbox = sub.add_parser("sandbox", help="run the local sandbox server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sandbox.add_argument("--json", action="store_true", help="print one JSON line when listening")

    _profiles_parser(sub)
    return parser


def _eprint(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def test_from_args(args: argparse.Namespace) -> SmsTest:
    """The SmsTest the connection options describe: the profile's values, then flags over them;
    secrets from flags, else the environment, else the profile's keyring entries.

    Raises CommandError (exit 2) when --profile names no saved profile.
    """
    return _test_and_profile(args)[0]


def _test_and_profile(args: argparse.Namespace) -> tuple[SmsTest, Profile | None]:
    """`test_from_args`, and the profile it used (None without --profile)."""
    from smstester.core.request import DEFAULT_BASE_URL, SmsTest

    test = SmsTest(base_url=DEFAULT_BASE_URL, message=DEFAULT_MESSAGE)
    profile = _load_profile(args.profile) if getattr(args, "profile", None) else None
    if profile is not None:
        test = profile.merged_into(test)
    test = test.with_changes(**_field_flags(args))
    secrets = _secrets_from_args(args)
    missing = [name for name in SECRET_FIELDS if name not in secrets]
    if profile is not None and missing:
        # Only now, and only for what is missing: the keyring may be slow (D-Bus).
        keys = _secret_store()
        for name in missing:
            value = keys.get(profile.id, name)
            if value:
                secrets[name] = value
        if not keys.status().available:
            _eprint(
                f'smstester: cannot read the secrets of profile "{profile.name}": '
                f"{keys.status().reason}. Set {SECRET_ENV['auth_key']} and "
                f"{SECRET_ENV['password']} instead."
            )
    return test.with_changes(**secrets), profile


def _field_flags(args: argparse.Namespace) -> dict[str, str | None]:
    """The non-secret connection flags, by field name (None: not given)."""
    return {
        "base_url": args.base_url,
        "brand_url": args.brand_url,
        "integration_id": args.integration_id,
        "username": args.username,
        "phone_from": args.phone_from,
        "phone_to": args.phone_to,
        "message": args.message,
        "region": args.region,
    }


def _send_settings(
    args: argparse.Namespace, profile: Profile | None
) -> tuple[Timeouts, bool | str]:
    """The timeouts and TLS verification of a send: the profile's, with --timeout over them."""
    from smstester.core.client import Timeouts

    connect = profile.connect_timeout if profile is not None else 10.0
    read = profile.read_timeout if profile is not None else 30.0
    if args.timeout is not None:
        connect, read = min(connect, args.timeout), args.timeout
    # Switching verification off is per profile only: no flag does it.
    verify: bool | str = True if profile is None else profile.verify
    return Timeouts.for_read(connect, read), verify


def cmd_send(args: argparse.Namespace) -> int:
    from smstester.core.client import SendResult, SmsClient
    from smstester.core.report import Line, report_lines
    from smstester.core.request import InvalidInput, build_request

    test, profile = _test_and_profile(args)
    try:
        request = build_request(test)
    except InvalidInput as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "httpStatus": None,
                        "elapsedMs": 0.0,
                        "envelope": None,
                        "error": f"bad input, nothing was sent: {exc}",
                    }
                )
            )
        _eprint("smstester: bad input, nothing was sent:")
        for problem in exc.problems:
            _eprint(f"  {problem}")
        return EXIT_BAD_INPUT
    timeouts, verify = _send_settings(args, profile)
    tls_off = ""
    if verify is False and profile is not None:
        tls_off = (
            f'TLS certificate verification is OFF (profile "{profile.name}"): anyone on the '
            "network path could read the secrets or forge the answer."
        )
        _eprint(f"smstester: warning: {tls_off}")
    with SmsClient(timeouts=timeouts, verify=verify) as client:
        result: SendResult = client.send_request(request)
    secrets = test.secrets()
    if args.json:
        from smstester.core.secrets import redact

        print(redact(json.dumps(result.as_json(), ensure_ascii=False), secrets))
    else:
        tty = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        colors = {
            "ok": "\x1b[32m",
            "fail": "\x1b[31m",
            "warn": "\x1b[33m",
            "dim": "\x1b[2m",
            "head": "\x1b[1m",
        }
        lines = report_lines(result, secrets)
        if tls_off:
            lines.append(Line(f"Warning: {tls_off}", "warn"))
        for line in lines:
            start = colors.get(line.tone, "") if tty else ""
            print(f"{start}{line.text}{chr(27) + '[0m' if start else ''}")
    return result.exit_code


def cmd_sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading

    from smstester.core.request import is_loopback_host
    from smstester.sandbox import SandboxServer

    server = SandboxServer(args.host, args.port)
    try:
        server.start()
    except OSError as exc:
        _eprint(f"smstester: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    # Before anything is printed: a caller that reads the first line may stop it at once.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # What the operating system says the socket is bound to, not what was asked for.
    bound = server.listen_host
    listening = f"[{bound}]:{server.port}" if ":" in bound else f"{bound}:{server.port}"
    everywhere = server.listens_on_every_interface
    if not is_loopback_host(bound):
        where = "every network interface of this machine" if everywhere else "a network address"
        _eprint(
            f"smstester: warning: the sandbox listens on {listening} ({where}): anyone on "
            "that network can reach it and use the demo credentials, which are public. Use "
            "--host 127.0.0.1 to keep it on this machine."
        )
    demo = server.demo
    if args.json:
        print(json.dumps(demo.as_contract_json()), flush=True)
    else:
        if everywhere:
            # http://0.0.0.0:PORT is not a URL a browser or another machine can use; say where
            # it listens, and the URL that works from here.
            print(
                f"Sandbox listening on {listening}, every network interface (from this "
                f"machine: {server.url})  (Ctrl+C stops it)"
            )
        else:
            print(f"Sandbox listening on {server.url}  (Ctrl+C stops it)")
        print("Demo connection:")
        for key, value in demo.as_contract_json().items():
            print(f"  {key:16} {value}")
        print("Try:")
        print(
            f"  {SECRET_ENV['auth_key']}={demo.auth_key} {SECRET_ENV['password']}="
            f"{demo.password} smstester send --base-url {demo.url} --brand-url "
            f"{demo.brand_url} --integration-id {demo.integration_id} --username "
            f"{demo.username} --from {demo.phone_from} --to +14155552671",
            flush=True,
        )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


class CommandError(Exception):
    """A command cannot go on; the message says why, for the user (exit code 2 by default)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _report_command_error(args: argparse.Namespace, exc: CommandError) -> int:
    if args.command == "send" and getattr(args, "json", False):
        print(
            json.dumps({"httpStatus": None, "elapsedMs": 0.0, "envelope": None, "error": str(exc)})
        )
    _eprint(f"smstester: {exc}")
    return exc.exit_code


def _profile_store() -> ProfileStore:
    """The user's profiles; what went wrong reading them is said on stderr, never raised."""
    from smstester.core.profiles import ProfileStore

    store = ProfileStore()
    for warning in store.warnings:
        _eprint(f"smstester: warning: {warning}")
    return store


def _secret_store() -> SecretStore:
    from smstester.core.keystore import SecretStore

    return SecretStore()


def _load_profile(name: str) -> Profile:
    from smstester.core.profiles import ProfileNotFound

    try:
        return _profile_store().get(name)
    except ProfileNotFound as exc:
        raise CommandError(str(exc)) from None


def _secrets_from_args(args: argparse.Namespace) -> dict[str, str]:
    """The secrets given by flag or environment variable (flags win), non-empty only."""
    found: dict[str, str] = {}
    for name in SECRET_FIELDS:
        value = getattr(args, name, None) or os.environ.get(SECRET_ENV[name]) or ""
        if value:
            found[name] = value
    return found


def _profiles_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = sub.add_parser("profiles", help="list, save, delete, export or import profiles")
    actions = profiles.add_subparsers(dest="profiles_command", metavar="ACTION")

    listing = actions.add_parser("list", help="the saved profiles (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print one JSON array")

    save = actions.add_parser(
        "save",
        help="create or update a profile",
        description="Create or update profile NAME from the connection options given; options "
        "left out keep their saved values. Secrets come from "
        f"{SECRET_ENV['auth_key']} and {SECRET_ENV['password']} (or --auth-key and "
        "--password) and go to the OS keyring, never to a file.",
    )
    save.add_argument("name", metavar="NAME")
    _connection_options(save)
    extra = save.add_argument_group("profile settings")
    extra.add_argument("--connect-timeout", type=float, metavar="SECONDS")
    extra.add_argument("--read-timeout", type=float, metavar="SECONDS")
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

    commands = {
        "list": _profiles_list,
        "save": _profiles_save,
        "delete": _profiles_delete,
        "export": _profiles_export,
        "import": _profiles_import,
    }
    command = commands.get(args.profiles_command or "")
    if command is None:
        raise CommandError("say what to do: profiles list, save, delete, export or import")
    try:
        return command(args)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None


def _secrets_words(stored: tuple[str, ...] | None) -> str:
    if stored is None:
        return "unknown (no keyring)"
    words = {"auth_key": "Auth-Key", "password": "Auth Token"}
    return ", ".join(words[name] for name in stored) or "none"


def _profiles_list(args: argparse.Namespace) -> int:
    store = _profile_store()
    profiles = store.list()
    keys = _secret_store() if profiles else None
    stored = {p.id: keys.stored_fields(p.id) if keys else None for p in profiles}
    if keys is not None and not keys.status().available:
        _eprint(f"smstester: cannot tell which secrets are stored: {keys.status().reason}.")
    if args.json:
        rows = []
        for p in profiles:
            known = stored[p.id]
            rows.append(
                {
                    "name": p.name,
                    "id": p.id,
                    "baseUrl": p.base_url,
                    "brandUrl": p.brand_url,
                    "integrationId": p.integration_id,
                    "username": p.username,
                    "phoneNumberFrom": p.phone_from,
                    "phoneNumberTo": p.phone_to,
                    "message": p.message,
                    "region": p.region,
                    "connectTimeout": p.connect_timeout,
                    "readTimeout": p.read_timeout,
                    "caBundle": p.ca_bundle,
                    "verifyTls": p.verify_tls,
                    "secrets": {
                        "authKey": None if known is None else "auth_key" in known,
                        "password": None if known is None else "password" in known,
                    },
                }
            )
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not profiles:
        print("No saved profiles yet (smstester profiles save NAME --brand-url … adds one).")
        return EXIT_OK
    table = [("NAME", "BASE URL", "BRAND-URL", "INTEGRATION ID", "USERNAME", "SECRETS IN KEYRING")]
    for p in profiles:
        table.append(
            (
                p.name,
                p.base_url,
                p.brand_url,
                p.integration_id,
                p.username,
                _secrets_words(stored[p.id]),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return EXIT_OK


_NOTHING_SAVED = "Nothing was saved (a secret is never written to a file)."


def _profiles_save(args: argparse.Namespace) -> int:
    from smstester.core.profiles import Profile, check_name, name_key

    name = check_name(args.name)
    if args.profile and name_key(args.profile) != name_key(name):
        raise CommandError("profiles save takes the profile's name as NAME; leave out --profile")
    store = _profile_store()
    if store.read_only:
        raise CommandError(store.warning or f"the profiles file {store.path} cannot be changed")
    secrets = _secrets_from_args(args)
    keys = None
    if secrets:
        keys = _secret_store()
        status = keys.status()
        if not status.available:
            raise CommandError(f"cannot store the secrets: {status.reason}. {_NOTHING_SAVED}")
    existing = store.find(name)
    # An existing profile keeps its name as written (the match is case-insensitive).
    base = existing if existing is not None else Profile(name=name)
    profile = base.with_changes(
        **_field_flags(args),
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
        ca_bundle=args.ca_bundle,
        verify_tls=args.verify_tls,
    )
    # Secrets first: if the keyring refuses them, the profile is left as it was.
    if keys is not None and not keys.set_all(profile.id, secrets):
        raise CommandError(f"cannot store the secrets: {keys.status().reason}. {_NOTHING_SAVED}")
    try:
        saved = store.save(profile) if existing is not None else store.create(profile)
    except Exception:
        if keys is not None and existing is None:
            keys.delete_all(profile.id)
        raise
    print(f'{"Updated" if existing is not None else "Created"} profile "{saved.name}".')
    if keys is not None:
        words = " and ".join({"auth_key": "Auth-Key", "password": "Auth Token"}[k] for k in secrets)
        print(f"{words} stored in {keys.status().backend}.")
    elif existing is None:
        _eprint(
            f"smstester: no secrets given; set {SECRET_ENV['auth_key']} and "
            f"{SECRET_ENV['password']} and save again to keep them in the keyring."
        )
    return EXIT_OK


def _profiles_delete(args: argparse.Namespace) -> int:
    store = _profile_store()
    profile = store.get(args.name)
    if store.read_only:
        raise CommandError(store.warning or f"the profiles file {store.path} cannot be changed")
    store.delete(profile.name)
    print(f'Deleted profile "{profile.name}".')
    keys = _secret_store()
    if not keys.delete_all(profile.id):
        _eprint(
            f"smstester: warning: its keyring entries (smstester, {profile.id}/…) could not be "
            f"checked or removed: {keys.status().reason}."
        )
    return EXIT_OK


def _profiles_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    store = _profile_store()
    if args.file == "-":
        print(json.dumps(store.export_data(args.names), ensure_ascii=False, indent=2))
        return EXIT_OK
    names = store.export_profiles(Path(args.file), args.names)
    print(f"Exported {len(names)} profile(s) to {args.file} (without secrets).")
    return EXIT_OK


def _profiles_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    report = _profile_store().import_profiles(Path(args.file), on_clash=args.on_clash)
    for line in report.lines():
        print(line)
    return EXIT_FAILED if report.problems else EXIT_OK


def cmd_window(argv: Sequence[str]) -> int:
    import gc

    # Importing Qt and the window makes some 40,000 objects that live as long as the program.
    # The garbage collector would walk them again and again while they are made, and at
    # every full collection after: collect nothing while importing, then set them aside
    # (gc.freeze) so that later collections, and the one at exit, skip them.
    gc.disable()
    try:
        # The Qt-free modules the window needs at once (and its profile worker) first:
        # once imported, PySide6 reads the source of every module imported after it (its
        # __feature__ import hook).
        import smstester.core.keystore
        import smstester.core.profiles
        import smstester.core.request
        import smstester.core.segments
        import smstester.core.storage  # noqa: F401
        from smstester.ui.app import run
    finally:
        gc.freeze()
        gc.enable()
    return run(list(argv))


#: The window's own options (CONTRACT §3) that take no value.
_WINDOW_FLAGS = frozenset({"--sandbox", "--send"})


def _only_window_options(argv: list[str]) -> bool:
    """True when `argv` holds nothing but the window's own options, spelled out in full.
    The window then starts without building every command's parser (~3 ms); anything
    else (a command, --help, an abbreviation, a mistake) goes through the full parser."""
    rest = iter(argv)
    for arg in rest:
        if arg in _WINDOW_FLAGS or arg.startswith("--screenshot="):
            continue
        if arg == "--screenshot":
            value = next(rest, None)
            if value is not None and not value.startswith("-"):
                continue
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _only_window_options(argv):
        try:
            return cmd_window(argv)
        except KeyboardInterrupt:
            return 130
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return cmd_window(argv)
        if args.command == "send":
            return cmd_send(args)
        if args.command == "sandbox":
            return cmd_sandbox(args)
        if args.command == "curl":
            return cmd_curl(args)
        if args.command == "profiles":
            return cmd_profiles(args)
    except CommandError as exc:
        return _report_command_error(args, exc)
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


def cmd_curl(args: argparse.Namespace) -> int:
    """The request as a curl command alone on stdout (for `bash -c`), notes on stderr."""
    from smstester.core.curl import curl_notes, render_curl

    test = test_from_args(args)
    try:
        command = render_curl(test, with_secrets=args.with_secrets)
    except ValueError as exc:
        _eprint(f"smstester: cannot render a curl command: {exc}")
        return EXIT_BAD_INPUT
    for note in curl_notes(test, with_secrets=args.with_secrets):
        _eprint(f"smstester: {note}")
    # UTF-8 whatever the locale: those are the bytes the shell must hand to curl.
    data = (command + "\n").encode("utf-8")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(command + "\n")
    else:
        buffer.write(data)
        buffer.flush()
    return EXIT_OK

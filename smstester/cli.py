"""The command line (CONTRACT §3): the window, `send`, `curl`, `sandbox` and `profiles`.

Imports are deferred to the command that needs them, so `smstester --version` and the
window's first paint pay only for what they use.

Rules every command follows (CONTRACT §3a):
- Secrets are never taken from the command line (`ps` and `/proc/PID/cmdline` show it to
  every user of the machine, and the shell keeps it in its history): they come from a file
  (`--auth-key-file`, `--password-file`, `-` for standard input), the environment, a
  profile's keyring entries, or for `send` a prompt that does not echo. `--auth-key VALUE`
  and `--password VALUE` (and their abbreviations) are refused without showing the value.
- The process never writes a core file (it would hold both secrets).
- Bad input is exit 2 with a message in words; a closed standard output (`| head -1`) ends
  the command quietly; any other failure is one line, "smstester: internal error: …"
  (SMSTESTER_DEBUG=1 adds the traceback), exit 70.
- Every line of text that can carry a server's or a profile's text goes through
  `printable` (terminal escapes shown, never obeyed); JSON output through `printable_json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from smstester import __version__
from smstester.core.fields import SECRET_ENV, SECRET_FIELDS

if TYPE_CHECKING:
    from smstester.core.client import SendResult, Timeouts
    from smstester.core.keystore import SecretStore
    from smstester.core.profiles import Profile, ProfileStore
    from smstester.core.request import SmsTest

DEFAULT_MESSAGE = "Test message from smstester."

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3
#: Standard output closed early (`| head -1`): what a shell shows for a process that SIGPIPE
#: ended, 128 + 13. `send` keeps its own exit code.
EXIT_STDOUT_CLOSED = 141
#: A bug in smstester (sysexits' EX_SOFTWARE), never one of the codes above.
EXIT_INTERNAL_ERROR = 70

#: The flags that would put a secret on the command line, and the file flags that replace them.
_SECRET_FLAGS = {"--auth-key": "auth_key", "--password": "password"}
_FILE_FLAGS = {"auth_key": "--auth-key-file", "password": "--password-file"}
_SECRET_WORDS = {"auth_key": "Auth-Key", "password": "Auth Token"}
#: A secret file larger than this is not a secret file (and /dev/zero never ends).
_MAX_SECRET_FILE = 64 * 1024

#: Every secret this process has read, so that an internal error's words never show one.
_SECRETS_SEEN: list[str] = []


def _secrets_rule(*, keyring: bool, prompt: bool) -> str:
    """The rule `--help` states for the commands that take secrets."""
    rule = (
        "Secrets are never taken from the command line: every user of this machine can see "
        "a command line, and the shell keeps it in its history. The Auth-Key and the Twilio "
        "Auth Token come from --auth-key-file FILE and --password-file FILE (one line; - reads "
        "standard input, the Auth-Key's line first when both do), else from the environment "
        f"variables {SECRET_ENV['auth_key']} and {SECRET_ENV['password']}"
    )
    if keyring:
        rule += ", else from the profile's keyring entries (--profile)"
    if prompt:
        rule += ", else from a prompt that does not echo (when standard input is a terminal)"
    return rule + "."


def _secret_flag_refusal(flag: str) -> str:
    """The words for a secret given as a flag's value (which they never repeat)."""
    name = _SECRET_FLAGS[flag]
    return (
        f"{flag} is refused: secrets are never taken from the command line (every user of "
        "this machine can see it, and the shell keeps it in its history). Give the "
        f"{_SECRET_WORDS[name]} in the environment variable {SECRET_ENV[name]}, with "
        f"{_FILE_FLAGS[name]} FILE (- reads standard input), from a saved profile's keyring "
        "entries, or at the prompt `smstester send` shows on a terminal. (The other flag is "
        f"{_FILE_FLAGS['password' if name == 'auth_key' else 'auth_key']}, the other variable "
        f"{SECRET_ENV['password' if name == 'auth_key' else 'auth_key']}.)"
    )


def _secret_flag_in(argv: Sequence[str]) -> str | None:
    """The secret flag `argv` holds, in full, abbreviated or with `=VALUE`, else None.

    Checked before argparse, whose own errors would repeat `--pass=VALUE` as typed."""
    for arg in argv:
        if arg == "--":
            break
        name = arg.split("=", 1)[0]
        # `--p` could as well be --profile or --port (argparse calls it ambiguous).
        if len(name) < 3 or not name.startswith("--") or name == "--p":
            continue
        for flag in _SECRET_FLAGS:
            if flag.startswith(name):
                return flag
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, exiting 2 with its messages shown safely (a value may hold anything)."""

    def error(self, message: str) -> NoReturn:
        from smstester.core.terminal import printable

        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {printable(message)}\n")


class _RefuseSecretFlag(argparse.Action):
    """`--auth-key`/`--password`: always an error, which never repeats the value."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(_secret_flag_refusal(option_string or self.option_strings[0]))


def _seconds(what: str) -> Callable[[str], float]:
    """An argparse `type=` for a number of seconds (`check_seconds`), with words on error."""

    def parse(text: str) -> float:
        from smstester.core.client import check_seconds

        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a number of seconds greater than 0 (got {text!r})"
            ) from None
        try:
            return check_seconds(value, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _port(text: str) -> int:
    """An argparse `type=` for a TCP port: 0 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"the port must be a whole number from 0 to 65535 (0 picks a free port), not {text!r}"
        )
    return port


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
    secrets = parser.add_argument_group("secrets (never on the command line)")
    secrets.add_argument(
        "--auth-key-file",
        metavar="FILE",
        help="read the Auth-Key from FILE, one line (- reads standard input)",
    )
    secrets.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the Twilio Auth Token from FILE, one line (- reads standard input)",
    )
    # Refused with words (and, spelt out, never mistaken for an abbreviation of --*-file).
    for flag, name in _SECRET_FLAGS.items():
        secrets.add_argument(
            flag,
            nargs="?",
            action=_RefuseSecretFlag,
            dest=f"refused_{name}",
            help=argparse.SUPPRESS,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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

    send = sub.add_parser(
        "send",
        help="send one test SMS request and show the answer",
        description="Send one test SMS request and show the answer. Exit code 0: the "
        "envelope says success; 1: the server answered with a failure; 2: bad input, "
        "nothing was sent; 3: no answer.",
        epilog=_secrets_rule(keyring=True, prompt=True),
    )
    _connection_options(send)
    send.add_argument("--json", action="store_true", help="print one JSON object")
    send.add_argument(
        "--timeout",
        type=_seconds("timeout"),
        metavar="S",
        help="the whole send (connecting, waiting, the status line, the headers and the "
        "body) takes at most S seconds; 0 < S <= 3600 (default: the profile's timeouts, "
        "else 10 s to connect, 30 s for each read, 60 s in all)",
    )

    curl = sub.add_parser(
        "curl",
        help="print the request as a curl command",
        description="Print the request as one curl command for bash and zsh, alone on "
        "standard output (notes go to standard error). Without --with-secrets the command "
        f"refers to ${SECRET_ENV['auth_key']} and ${SECRET_ENV['password']}, and checks them "
        "before curl runs: it stops with a message when one is empty or not set or would "
        "change the request.",
        epilog=_secrets_rule(keyring=True, prompt=False),
    )
    _connection_options(curl)
    curl.add_argument(
        "--with-secrets", action="store_true", help="put the two secrets in the command itself"
    )

    sandbox = sub.add_parser("sandbox", help="run the local sandbox server")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument(
        "--port", type=_port, default=0, metavar="N", help="0 to 65535; 0 picks a free port"
    )
    sandbox.add_argument("--json", action="store_true", help="print one JSON line when listening")

    _profiles_parser(sub)
    return parser


def _eprint(*args: object) -> None:
    """A message on stderr, terminal escapes in it shown (it may quote a value)."""
    from smstester.core.terminal import printable

    print(printable(" ".join(map(str, args))), file=sys.stderr, flush=True)


def _say(text: str) -> None:
    """A line on stdout that may carry a server's or a profile's text."""
    from smstester.core.terminal import printable

    print(printable(text))


def _print_json(value: Any, **options: Any) -> None:
    """`value` as strict JSON on stdout (NaN and Infinity become null; see `_finite`)."""
    from smstester.core.terminal import printable_json

    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, **options)
    print(printable_json(text))


def _finite(value: Any) -> Any:
    """`value` with every NaN and ±Infinity float as None: strict JSON has no such number
    (a server's body is read leniently, and Python's json reads them). Walked without
    recursion: a body may nest deeply."""
    import math

    root = [value]
    todo: list[tuple[Any, Any]] = [(root, 0)]
    while todo:
        container, key = todo.pop()
        item = container[key]
        if isinstance(item, float) and not math.isfinite(item):
            container[key] = None
        elif isinstance(item, dict):
            container[key] = item = dict(item)
            todo.extend((item, k) for k in item)
        elif isinstance(item, list | tuple):
            container[key] = item = list(item)
            todo.extend((item, i) for i in range(len(item)))
    return root[0]


def test_from_args(args: argparse.Namespace) -> SmsTest:
    """The SmsTest the connection options describe: the profile's values, then flags over them;
    secrets from --auth-key-file/--password-file, else the environment, else the profile's
    keyring entries.

    Raises CommandError (exit 2) when --profile names no saved profile or a secret file
    cannot be used.
    """
    return _test_and_profile(args)[0]


def _test_and_profile(
    args: argparse.Namespace, *, prompt: bool = False
) -> tuple[SmsTest, Profile | None]:
    """`test_from_args`, and the profile it used (None without --profile). With `prompt`,
    a secret still missing is asked for without echo when standard input is a terminal."""
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
    missing = [name for name in SECRET_FIELDS if name not in secrets]
    if prompt and missing and sys.stdin is not None and sys.stdin.isatty():
        secrets |= _ask_secrets(missing)
    _SECRETS_SEEN.extend(secrets.values())
    return test.with_changes(**secrets), profile


def _ask_secrets(names: Sequence[str]) -> dict[str, str]:
    """The secrets typed at a prompt that does not echo (an empty answer: still missing)."""
    import getpass

    found: dict[str, str] = {}
    for name in names:
        try:
            value = getpass.getpass(f"{_SECRET_WORDS[name]} (typing is not shown): ")
        except EOFError:
            continue
        if value:
            found[name] = value
    return found


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
    """The timeouts and TLS verification of a send: the profile's; --timeout S bounds the
    whole send to S seconds (and no single wait is longer)."""
    from smstester.core.client import Timeouts

    connect = profile.connect_timeout if profile is not None else 10.0
    read = profile.read_timeout if profile is not None else 30.0
    if args.timeout is not None:
        limit = args.timeout
        timeouts = Timeouts(connect=min(connect, limit), read=min(read, limit), total=limit)
    else:
        timeouts = Timeouts.for_read(connect, read)
    # Switching verification off is per profile only: no flag does it.
    verify: bool | str = True if profile is None else profile.verify
    return timeouts, verify


def cmd_send(args: argparse.Namespace) -> int:
    from smstester.core.client import SmsClient
    from smstester.core.request import InvalidInput, build_request, insecure_transport_warning

    test, profile = _test_and_profile(args, prompt=True)
    try:
        request = build_request(test)
    except InvalidInput as exc:
        if args.json:
            with _stdout_may_close():
                _print_json(
                    {
                        "httpStatus": None,
                        "elapsedMs": 0.0,
                        "envelope": None,
                        "error": f"bad input, nothing was sent: {exc}",
                    }
                )
        _eprint("smstester: bad input, nothing was sent:")
        for problem in exc.problems:
            _eprint(f"  {problem}")
        return EXIT_BAD_INPUT
    insecure = insecure_transport_warning(test.base_url)
    if insecure:
        _eprint(f"smstester: warning: {insecure}")
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
    with _stdout_may_close():  # the answer came: its exit code stays the command's
        _print_result(args, result, test.secrets(), tls_off)
    return result.exit_code


def _print_result(
    args: argparse.Namespace, result: SendResult, secrets: Sequence[str], tls_off: str
) -> None:
    from smstester.core.report import Line, report_lines
    from smstester.core.secrets import redact
    from smstester.core.terminal import printable, printable_json

    if args.json:
        text = json.dumps(_finite(result.as_json()), ensure_ascii=False, allow_nan=False)
        # Masked first, then escaped: the masking sees the text the server sent.
        print(printable_json(redact(text, secrets)))
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
            # Only smstester's own colour codes reach the terminal; the server's are shown.
            print(f"{start}{printable(line.text)}{chr(27) + '[0m' if start else ''}")


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
        with _stdout_may_close():
            _print_json({"httpStatus": None, "elapsedMs": 0.0, "envelope": None, "error": str(exc)})
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
    """The secrets given by --auth-key-file/--password-file or by environment variable
    (a file wins: it was named on purpose), non-empty only. CommandError (exit 2) when a
    file cannot be used."""
    found: dict[str, str] = {}
    for name in SECRET_FIELDS:
        path = getattr(args, name + "_file", None)
        value = _read_secret_file(name, path) if path is not None else ""
        value = value or os.environ.get(SECRET_ENV[name]) or ""
        if value:
            found[name] = value
    _SECRETS_SEEN.extend(found.values())
    return found


def _read_secret_file(name: str, path: str) -> str:
    """The one line of `path` (`-`: the next line of standard input), its line end
    stripped. CommandError in words when it cannot be read or is not one line; what the
    file holds is never repeated."""
    what = f"the {_SECRET_WORDS[name]} file {path!r} ({_FILE_FLAGS[name]})"
    if path == "-":
        what = f"standard input ({_FILE_FLAGS[name]} -)"
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise CommandError(f"cannot read the {_SECRET_WORDS[name]}: {what} is closed")
        if sys.stdin.isatty():  # typed, then: not echoed
            return _ask_secrets([name]).get(name, "")
    try:
        if path == "-":
            data: bytes = stdin.readline(_MAX_SECRET_FILE + 1)
        else:
            with open(path, "rb") as file:
                data = file.read(_MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > _MAX_SECRET_FILE:
        raise CommandError(f"{what} is larger than {_MAX_SECRET_FILE // 1024} KiB: not a secret")
    # Undecodable bytes are kept as such, as in an environment variable; the request
    # check then names the field.
    value = data.decode("utf-8", "surrogateescape")
    value = value.removesuffix("\n").removesuffix("\r")
    if "\n" in value or "\r" in value:
        raise CommandError(
            f"{what} holds more than one line: put the {_SECRET_WORDS[name]} alone on one line"
        )
    if not value.strip():
        raise CommandError(f"{what} is empty")
    return value


def _profiles_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = sub.add_parser("profiles", help="list, save, delete, export or import profiles")
    actions = profiles.add_subparsers(dest="profiles_command", metavar="ACTION")

    listing = actions.add_parser("list", help="the saved profiles (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print one JSON array")

    save = actions.add_parser(
        "save",
        help="create or update a profile",
        description="Create or update profile NAME from the connection options given; options "
        "left out keep their saved values. The secrets given go to the OS keyring, never to "
        "a file.",
        epilog=_secrets_rule(keyring=False, prompt=False),
    )
    save.add_argument("name", metavar="NAME")
    _connection_options(save)
    extra = save.add_argument_group("profile settings")
    extra.add_argument(
        "--connect-timeout",
        type=_seconds("connect timeout"),
        metavar="SECONDS",
        help="0 < SECONDS <= 3600",
    )
    extra.add_argument(
        "--read-timeout",
        type=_seconds("read timeout"),
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
        _print_json(rows, indent=2)
        return EXIT_OK
    if not profiles:
        print("No saved profiles yet (smstester profiles save NAME --brand-url … adds one).")
        return EXIT_OK
    from smstester.core.terminal import printable

    table = [("NAME", "BASE URL", "BRAND-URL", "INTEGRATION ID", "USERNAME", "SECRETS IN KEYRING")]
    for p in profiles:
        cells = (p.name, p.base_url, p.brand_url, p.integration_id, p.username)
        # Escaped before the widths are measured: what is shown is what is aligned.
        table.append((*(printable(cell) for cell in cells), _secrets_words(stored[p.id])))
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
    _say(f'{"Updated" if existing is not None else "Created"} profile "{saved.name}".')
    if keys is not None:
        words = " and ".join({"auth_key": "Auth-Key", "password": "Auth Token"}[k] for k in secrets)
        print(f"{words} stored in {keys.status().backend}.")
    elif existing is None:
        _eprint(
            f"smstester: no secrets given; set {SECRET_ENV['auth_key']} and "
            f"{SECRET_ENV['password']} (or use --auth-key-file and --password-file) and save "
            "again to keep them in the keyring."
        )
    return EXIT_OK


def _profiles_delete(args: argparse.Namespace) -> int:
    store = _profile_store()
    profile = store.get(args.name)
    if store.read_only:
        raise CommandError(store.warning or f"the profiles file {store.path} cannot be changed")
    store.delete(profile.name)
    _say(f'Deleted profile "{profile.name}".')
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
        _print_json(store.export_data(args.names), indent=2)
        return EXIT_OK
    names = store.export_profiles(Path(args.file), args.names)
    _say(f"Exported {len(names)} profile(s) to {args.file} (without secrets).")
    return EXIT_OK


def _profiles_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    report = _profile_store().import_profiles(Path(args.file), on_clash=args.on_clash)
    for line in report.lines():
        _say(line)
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


def _no_core_dumps() -> None:
    """No core file, ever: a dump of this process would hold both secrets."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@contextlib.contextmanager
def _stdout_may_close() -> Iterator[None]:
    """Output whose loss must not change the exit code (`send`'s): if standard output is
    closed (`| head -1`), the output ends there, quietly."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()


def _stdout_gone() -> None:
    """Standard output's reader has left (`| head -1`): point it at /dev/null, so that
    what is still buffered, and the flush at exit, go nowhere instead of raising again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def _report_internal_error(exc: BaseException) -> int:
    """One plain line for a bug (the traceback with SMSTESTER_DEBUG=1), secrets masked."""
    from smstester.core.secrets import redact
    from smstester.core.terminal import printable

    if os.environ.get("SMSTESTER_DEBUG", "0") not in ("", "0"):
        import traceback

        details = "".join(traceback.format_exception(exc))
        print(printable(redact(details, _SECRETS_SEEN)), file=sys.stderr, end="")
    words = redact(f"{type(exc).__name__}: {exc}", _SECRETS_SEEN)
    _eprint(
        f"smstester: internal error: {' '.join(words.split())} (this is a bug in smstester; "
        "SMSTESTER_DEBUG=1 shows where it happened)"
    )
    return EXIT_INTERNAL_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    _no_core_dumps()
    try:
        code = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe shows here, not in the flush at exit
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_STDOUT_CLOSED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one plain line, not a traceback
        return _report_internal_error(exc)
    return code


def _run(argv: list[str]) -> int:
    if _only_window_options(argv):
        return cmd_window(argv)
    flag = _secret_flag_in(argv)
    if flag is not None:
        _eprint(f"smstester: {_secret_flag_refusal(flag)}")
        return EXIT_BAD_INPUT
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return cmd_window(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "send": cmd_send,
        "sandbox": cmd_sandbox,
        "curl": cmd_curl,
        "profiles": cmd_profiles,
    }
    command = commands.get(args.command)
    if command is None:
        parser.error(f"unknown command {args.command}")
    try:
        return command(args)
    except CommandError as exc:
        return _report_command_error(args, exc)


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
        written = buffer.write(data)
        buffer.flush()
        # A reader that leaves part-way (`| head -1`) can end in a short write, not an error.
        if written is not None and written < len(data):
            raise BrokenPipeError("standard output was closed")
    return EXIT_OK

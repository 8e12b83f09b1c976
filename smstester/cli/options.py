"""The options the commands share, declared from the field table (`core.fields.FIELDS`).

- The connection options: one per field that has a flag, its help the field's own.
- Secrets are never taken from the command line (`ps` and `/proc/PID/cmdline` show it to
  every user of the machine, and the shell keeps it in its history): each comes from a file
  (`--auth-key-file`, `--password-file`, `-` for standard input), the environment, a
  profile's keyring entries, or for `send` a prompt that does not echo. `--auth-key VALUE`
  and `--password VALUE` (and their abbreviations) are refused without showing the value.
- A number of seconds and a port are bad input in words, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

from smstester.cli.common import EXIT_BAD_INPUT, SECRETS_SEEN, CommandError
from smstester.core.fields import BY_NAME, FIELDS, SECRET_ENV, SECRET_FIELDS, Field

DEFAULT_MESSAGE = "Test message from smstester."

#: A secret file larger than this is not a secret file (and /dev/zero never ends).
MAX_SECRET_FILE = 64 * 1024


def _spelt(name: str) -> str:
    return "--" + name.replace("_", "-")


#: The flags that would put a secret on the command line (`--auth-key`), by flag.
SECRET_FLAGS: dict[str, str] = {_spelt(name): name for name in SECRET_FIELDS}
#: The flags that name a file holding a secret (`--auth-key-file`), by field name.
FILE_FLAGS: dict[str, str] = {name: _spelt(name) + "-file" for name in SECRET_FIELDS}


def field_words(names: Iterable[str], sep: str = ", ") -> str:
    """The fields `names` as a sentence names them ("Auth-Key, Auth Token")."""
    return sep.join(BY_NAME[name].short_label for name in names)


def secrets_rule(*, keyring: bool, prompt: bool) -> str:
    """The rule `--help` states for the commands that take secrets."""
    rule = (
        "Secrets are never taken from the command line: every user of this machine can see "
        "a command line, and the shell keeps it in its history. The "
        f"{field_words(SECRET_FIELDS, ' and the ')} come from "
        f"{' and '.join(flag + ' FILE' for flag in FILE_FLAGS.values())} (one line; - reads "
        f"standard input, the {field_words(SECRET_FIELDS[:1])}'s line first when both do), "
        f"else from the environment variables {' and '.join(SECRET_ENV.values())}"
    )
    if keyring:
        rule += ", else from the profile's keyring entries (--profile)"
    if prompt:
        rule += ", else from a prompt that does not echo (when standard input is a terminal)"
    return rule + "."


def secret_flag_refusal(flag: str, command: str | None = None) -> str:
    """The words for a secret given as a flag's value (which they never repeat); `login`'s
    password is the sign-in's, not the Auth Token."""
    if command == "login":
        return (
            f"{flag} is refused: secrets are never taken from the command line (every user "
            "of this machine can see it, and the shell keeps it in its history). Give the "
            "sign-in password in the environment variable SMSTESTER_LOGIN_PASSWORD, or type "
            "it at the prompt smstester login shows on a terminal."
        )
    name = SECRET_FLAGS[flag]
    others = [other for other in SECRET_FIELDS if other != name]
    return (
        f"{flag} is refused: secrets are never taken from the command line (every user of "
        "this machine can see it, and the shell keeps it in its history). Give the "
        f"{field_words([name])} in the environment variable {SECRET_ENV[name]}, with "
        f"{FILE_FLAGS[name]} FILE (- reads standard input), from a saved profile's keyring "
        "entries, or at the prompt `smstester send` shows on a terminal. (The other flag is "
        f"{' and '.join(FILE_FLAGS[o] for o in others)}, the other variable "
        f"{' and '.join(SECRET_ENV[o] for o in others)}.)"
    )


def secret_flag_in(argv: Sequence[str]) -> str | None:
    """The secret flag `argv` holds, in full, abbreviated or with `=VALUE`, else None.

    Checked before argparse, whose own errors would repeat `--pass=VALUE` as typed."""
    for arg in argv:
        if arg == "--":
            break
        name = arg.split("=", 1)[0]
        # `--p` could as well be --profile or --port (argparse calls it ambiguous).
        if len(name) < 3 or not name.startswith("--") or name == "--p":
            continue
        for flag in SECRET_FLAGS:
            if flag.startswith(name):
                return flag
    return None


class Parser(argparse.ArgumentParser):
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
        parser.error(secret_flag_refusal(option_string or self.option_strings[0]))


def seconds(what: str) -> Callable[[str], float]:
    """An argparse `type=` for a number of seconds (`check_seconds`), with words on error."""

    def parse(text: str) -> float:
        from smstester.core.model import check_seconds

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


def port(text: str) -> int:
    """An argparse `type=` for a TCP port: 0 to 65535."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(
            f"the port must be a whole number from 0 to 65535 (0 picks a free port), not {text!r}"
        )
    return number


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """`--profile`, one option per field with a flag, and the secrets' file flags."""
    group = parser.add_argument_group("connection")
    group.add_argument("--profile", metavar="NAME", help="a saved connection profile")
    for field in FIELDS:
        if field.flag is not None:
            group.add_argument(
                field.flag,
                *field.aliases,
                dest=field.name,
                metavar=field.metavar or None,
                help=flag_help(field).replace("%", "%%"),
            )
    secrets = parser.add_argument_group("secrets (never on the command line)")
    for name, flag in FILE_FLAGS.items():
        secrets.add_argument(
            flag,
            dest=f"{name}_file",
            metavar="FILE",
            help=f"read the {field_words([name])} from FILE, one line (- reads standard input)",
        )
    # Refused with words (and, spelt out, never mistaken for an abbreviation of --*-file).
    for flag, name in SECRET_FLAGS.items():
        secrets.add_argument(
            flag,
            nargs="?",
            action=_RefuseSecretFlag,
            dest=f"refused_{name}",
            help=argparse.SUPPRESS,
        )


def flag_help(field: Field) -> str:
    """A connection flag's help: the window's name for the field, where the API takes it,
    then what it is ("Account SID — the body's username. The username or …")."""
    where = f" — {field.api}" if field.api else ""
    return f"{field.short_label}{where}. {field.help}"


def field_flags(args: argparse.Namespace) -> dict[str, str | None]:
    """The connection flags, by field name (None: not given)."""
    return {field.name: getattr(args, field.name, None) for field in FIELDS if field.flag}


def secret_files(args: argparse.Namespace) -> dict[str, str]:
    """The secrets read from the files named by --auth-key-file/--password-file, by field
    name (in the table's order: standard input gives the first one's line first).
    CommandError (exit 2) when a file cannot be used."""
    found: dict[str, str] = {}
    for name in SECRET_FIELDS:
        path = getattr(args, name + "_file", None)
        value = read_secret_file(name, path) if path is not None else ""
        if value:
            found[name] = value
    SECRETS_SEEN.extend(found.values())
    return found


def read_secret_file(name: str, path: str) -> str:
    """The one line of `path` (`-`: the next line of standard input), its line end
    stripped. CommandError in words when it cannot be read or is not one line; what the
    file holds is never repeated."""
    word = field_words([name])
    what = f"the {word} file {path!r} ({FILE_FLAGS[name]})"
    stdin = getattr(sys.stdin, "buffer", None) if path == "-" else None
    if path == "-":
        what = f"standard input ({FILE_FLAGS[name]} -)"
        if stdin is None:
            raise CommandError(f"cannot read the {word}: {what} is closed")
        if sys.stdin.isatty():  # typed, then: not echoed
            return ask_secrets([name]).get(name, "")
    try:
        if stdin is not None:
            data: bytes = stdin.readline(MAX_SECRET_FILE + 1)
        else:
            with open(path, "rb") as file:
                data = file.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > MAX_SECRET_FILE:
        raise CommandError(f"{what} is larger than {MAX_SECRET_FILE // 1024} KiB: not a secret")
    # Undecodable bytes are kept as such, as in an environment variable; the request
    # check then names the field.
    value = data.decode("utf-8", "surrogateescape")
    value = value.removesuffix("\n").removesuffix("\r")
    if "\n" in value or "\r" in value:
        raise CommandError(f"{what} holds more than one line: put the {word} alone on one line")
    if not value.strip():
        raise CommandError(f"{what} is empty")
    return value


def ask_secrets(names: Sequence[str]) -> dict[str, str]:
    """The secrets typed at a prompt that does not echo (an empty answer: still missing)."""
    import getpass

    found: dict[str, str] = {}
    for name in names:
        try:
            value = getpass.getpass(f"{field_words([name])} (typing is not shown): ")
        except EOFError:
            continue
        if value:
            found[name] = value
    return found

"""What every command shares: exit codes, `CommandError`, safe output, the stores.

No argparse here: the window's fast path (`smstester`, `smstester --sandbox`) imports this
module and builds no parser.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from smstester.core.fields import SECRET_ENV

if TYPE_CHECKING:
    import argparse

    from smstester.core.keystore import SecretStore
    from smstester.core.profiles import Profile, ProfileStore

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3
#: Standard output closed early (`| head -1`): what a shell shows for a process that SIGPIPE
#: ended, 128 + 13. `send` keeps its own exit code.
EXIT_STDOUT_CLOSED = 141
#: A bug in smstester (sysexits' EX_SOFTWARE), never one of the codes above.
EXIT_INTERNAL_ERROR = 70

#: Every secret this process has read from a file, the keyring or a prompt, so that an
#: internal error's words never show one (the environment's are added when one is shown).
SECRETS_SEEN: list[str] = []


class CommandError(Exception):
    """A command cannot go on; the message says why, for the user (exit code 2 by default)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def eprint(*args: object) -> None:
    """A message on stderr, terminal escapes in it shown (it may quote a value)."""
    from smstester.core.terminal import printable

    print(printable(" ".join(map(str, args))), file=sys.stderr, flush=True)


def say(text: str) -> None:
    """A line on stdout that may carry a server's or a profile's text."""
    from smstester.core.terminal import printable

    print(printable(text))


def print_json(value: Any, *, rows: bool = False) -> None:
    """`value` as strict JSON on stdout (NaN and Infinity become null; see `finite`); with
    `rows`, a list is printed one item a line (json's C encoder: `indent` would take its
    pure-Python one, 1 s for 10,000 profiles)."""
    from smstester.core.terminal import printable_json

    value = finite(value)
    if rows and isinstance(value, list):
        items = (json.dumps(item, ensure_ascii=False, allow_nan=False) for item in value)
        text = "[\n  " + ",\n  ".join(items) + "\n]" if value else "[]"
    else:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    print(printable_json(text))


def finite(value: Any) -> Any:
    """`value` with every NaN and ±Infinity float as None: strict JSON has no such number
    (a server's body is read leniently, and Python's json reads them). Walked without
    recursion: a body may nest deeply."""
    import math

    try:  # the common case, at the C encoder's speed: nothing to change
        json.dumps(value, allow_nan=False)
    except ValueError:
        pass
    else:
        return value
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


def not_sent_json(error: str) -> dict[str, Any]:
    """`send --json` when nothing was sent (bad input): every key of CONTRACT §3 and §3a,
    the error in words, the rest null."""
    return {
        "httpStatus": None,
        "elapsedMs": 0.0,
        "envelope": None,
        "error": error,
        "diagnosis": None,
        "timings": None,
        "historyId": None,
        "proxy": None,
    }


def ask_proxy_password() -> None:
    """A proxy that names a user but no password (HTTPS_PROXY=http://alice@proxy:3128):
    on a terminal, its password is asked for without echo and kept in this process's
    SMSTESTER_PROXY_PASSWORD (never in a file); elsewhere the proxy's 407 says what to do."""
    if sys.stdin is None or not sys.stdin.isatty():
        return
    from smstester.core.client import PROXY_PASSWORD_VARIABLE, proxies_wanting_a_password

    wanting = proxies_wanting_a_password()
    if not wanting:
        return
    import getpass

    try:
        typed = getpass.getpass(f"Password for the proxy {wanting[0]} (typing is not shown): ")
    except EOFError:
        return
    if typed:
        SECRETS_SEEN.append(typed)
        os.environ[PROXY_PASSWORD_VARIABLE] = typed


def report_command_error(args: argparse.Namespace, exc: CommandError) -> int:
    if args.command == "send" and getattr(args, "json", False):
        with stdout_may_close():
            print_json(not_sent_json(str(exc)))
    eprint(f"smstester: {exc}")
    return exc.exit_code


def profile_store() -> ProfileStore:
    """The user's profiles; what went wrong reading them is said on stderr, never raised."""
    from smstester.core.profiles import ProfileStore

    store = ProfileStore()
    for warning in store.warnings:
        eprint(f"smstester: warning: {warning}")
    return store


def secret_store() -> SecretStore:
    from smstester.core.keystore import SecretStore

    return SecretStore()


def load_profile(name: str) -> Profile:
    """The profile called `name`; CommandError (exit 2) when there is none."""
    from smstester.core.profiles import ProfileNotFound

    try:
        return profile_store().get(name)
    except ProfileNotFound as exc:
        raise CommandError(str(exc)) from None


def no_core_dumps() -> None:
    """No core file, ever: a dump of this process would hold both secrets."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@contextlib.contextmanager
def stdout_may_close() -> Iterator[None]:
    """Output whose loss must not change the exit code (`send`'s): if standard output is
    closed (`| head -1`), the output ends there, quietly."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_gone()


def stdout_gone() -> None:
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


def report_internal_error(exc: BaseException) -> int:
    """One plain line for a bug (the traceback with SMSTESTER_DEBUG=1), secrets masked."""
    from smstester.core.redaction import redact
    from smstester.core.terminal import printable

    seen = [*SECRETS_SEEN, *filter(None, (os.environ.get(env) for env in SECRET_ENV.values()))]
    if os.environ.get("SMSTESTER_DEBUG", "0") not in ("", "0"):
        import traceback

        details = "".join(traceback.format_exception(exc))
        print(printable(redact(details, seen)), file=sys.stderr, end="")
    words = redact(f"{type(exc).__name__}: {exc}", seen)
    eprint(
        f"smstester: internal error: {' '.join(words.split())} (this is a bug in smstester; "
        "SMSTESTER_DEBUG=1 shows where it happened)"
    )
    return EXIT_INTERNAL_ERROR

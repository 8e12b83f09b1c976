"""`smstester login`, `smstester integrations` and `smstester check` (CONTRACT §3a): sign in
to jframework, list the brand's SMS integrations, and check a connection before any SMS is
sent. The calls themselves are `core.jframework`'s, shared with the window."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, Any

from smstester.cli.common import (
    EXIT_OK,
    SECRETS_SEEN,
    CommandError,
    ask_proxy_password,
    eprint,
    print_json,
    profile_store,
    say,
    secret_store,
    stdout_may_close,
)
from smstester.cli.options import Parser, add_connection_options, seconds, secrets_rule

if TYPE_CHECKING:
    from smstester.core.client import SmsClient
    from smstester.core.jframework import Answer, Site
    from smstester.core.profiles import Profile

#: Where `login` takes the password from (never a flag, never stored).
LOGIN_PASSWORD_ENV = "SMSTESTER_LOGIN_PASSWORD"  # noqa: S105 (a variable name)


def _timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=seconds("timeout"),
        metavar="S",
        help="each call (connecting, waiting, the status line, the headers and the body) "
        "takes at most S seconds; 0 < S <= 3600 (default 60)",
    )


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    login = sub.add_parser(
        "login",
        help="sign in to jframework and keep the Auth-Key",
        description="Sign in to jframework with a user name (or e-mail address) and password, "
        "and print until when the new Auth-Key is valid. With --profile NAME the Auth-Key goes "
        "to that profile's keyring entry (the profile is created when missing). Exit code 0: "
        "signed in; 1: the server refused; 2: bad input; 3: no answer.",
        epilog=f"The password comes from the environment variable {LOGIN_PASSWORD_ENV}, else "
        "from a prompt that does not echo; it is never stored anywhere, and never taken "
        "from the command line.",
    )
    login.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: the profile's, else https://protocol.jframework.io)",
    )
    login.add_argument("--brand-url", metavar="BRAND", help="Brand-URL (default: the profile's)")
    login.add_argument(
        "--username", required=True, metavar="NAME", help="the user name or e-mail address"
    )
    login.add_argument("--profile", metavar="NAME", help="keep the Auth-Key in this profile")
    login.add_argument("--json", action="store_true", help="print one JSON object")
    login.add_argument(
        "--print-auth-key",
        action="store_true",
        help="print the Auth-Key itself (alone on one line; with --json, as authKey), for a "
        "script that pipes it on",
    )
    _timeout(login)
    login.set_defaults(run=cmd_login)

    listing = sub.add_parser(
        "integrations",
        help="the brand's SMS integrations",
        description="List the brand's SMS integrations and SMS settings: id, name, status, "
        "whether it is the default, its From number and Account SID (never its password). "
        "Needs the Brand-URL and an Auth-Key. Exit codes as send.",
        epilog=secrets_rule(keyring=True, prompt=False),
    )
    add_connection_options(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    _timeout(listing)
    listing.set_defaults(run=cmd_integrations)

    check = sub.add_parser(
        "check",
        help="check the connection without sending an SMS",
        description="Without sending an SMS, check in order that the server answers, that the "
        "Brand-URL names a brand, that the Auth-Key is valid (and for how long), and that "
        "the integration id is one of the brand's active SMS integrations. One line per "
        "step. Exit code 0: all good; 1: a step failed; 2: bad input; 3: no answer.",
        epilog=secrets_rule(keyring=True, prompt=False),
    )
    add_connection_options(check)
    check.add_argument("--json", action="store_true", help="print one JSON object")
    _timeout(check)
    check.set_defaults(run=cmd_check)


def _client(args: argparse.Namespace, profile: Profile | None) -> SmsClient:
    from smstester.cli.send import send_settings
    from smstester.core.client import SmsClient
    from smstester.core.jframework import MAX_ANSWER

    timeouts, verify = send_settings(args, profile)
    ask_proxy_password()
    return SmsClient(timeouts=timeouts, verify=verify, max_body=MAX_ANSWER)


def _refused_input(exc: ValueError) -> CommandError:
    from smstester.core.model import InvalidInput

    if isinstance(exc, InvalidInput):
        words = "; ".join(str(problem) for problem in exc.problems)
        return CommandError(f"bad input, nothing was sent: {words}")
    return CommandError(str(exc))


def _masked_lines(lines: list[str], secrets: tuple[str, ...]) -> list[str]:
    from smstester.core.redaction import redact

    return [redact(line, secrets) if secrets else line for line in lines]


# --- login ---------------------------------------------------------------------------------


def _login_password() -> str:
    password = os.environ.get(LOGIN_PASSWORD_ENV, "")
    if password:
        return password
    if sys.stdin is None or not sys.stdin.isatty():
        raise CommandError(
            f"no password: set the environment variable {LOGIN_PASSWORD_ENV}, or run "
            "smstester login on a terminal to type it (it is not shown)"
        )
    import getpass

    try:
        password = getpass.getpass("jframework password (typing is not shown): ")
    except EOFError:
        password = ""
    if not password:
        raise CommandError("no password typed: nothing was sent")
    return password


def cmd_login(args: argparse.Namespace) -> int:
    from smstester.core import jframework as jf
    from smstester.core.model import DEFAULT_BASE_URL, InvalidInput

    store = profile_store()
    profile = store.find(args.profile) if args.profile else None
    base = args.base_url or (profile.base_url if profile else "") or DEFAULT_BASE_URL
    brand = args.brand_url or (profile.brand_url if profile else "")
    if not brand.strip():
        raise CommandError("give the Brand-URL (--brand-url, or a --profile that has one)")
    site = jf.Site(base, brand)
    try:
        jf.sign_in_request(site, args.username, "-")  # the input, checked before any prompt
    except InvalidInput as exc:
        raise _refused_input(exc) from None
    if args.profile:
        from smstester.core import connection
        from smstester.core.terminal import printable

        problem = connection.sign_in_keeping_problem(store, secret_store, args.profile)
        if problem is not None:
            raise CommandError(
                f"--profile {printable(args.profile)}: {problem}; nothing was sent "
                "(--print-auth-key prints the key instead, for a script to pass on)"
            )
    password = _login_password()
    SECRETS_SEEN.append(password)
    with _client(args, profile) as client:
        answer = jf.Jframework(client).sign_in(site, args.username, password)
    signed = answer.value
    if signed is None:
        eprint(f"smstester: sign-in failed: {answer.problem}")
        return answer.exit_code
    SECRETS_SEEN.extend(answer.secrets)
    expires = jf.iso(signed.expires_at)
    kept = None
    if args.profile:
        kept = _keep_key(args.profile, signed.auth_key, expires or "", base, brand)
    now = dt.datetime.now(dt.UTC)
    with stdout_may_close():
        if args.json:
            out: dict[str, Any] = {"username": signed.who, "expiresAt": expires, "profile": kept}
            if args.print_auth_key:
                out["authKey"] = signed.auth_key
            print_json(out)
            return EXIT_OK
        status = jf.key_status(signed.expires_at, now, valid=True)
        lines = [f"Signed in as {signed.who}; the Auth-Key is {status.words}."]
        if kept:
            lines.append(f'The Auth-Key is kept in the keyring entry of profile "{kept}".')
        elif not args.print_auth_key:
            lines.append(
                "The Auth-Key was not kept: give --profile NAME to keep it in a profile, or "
                "--print-auth-key to print it."
            )
        text = _masked_lines(lines, answer.secrets)
        if args.print_auth_key:
            for line in text:
                eprint(f"smstester: {line}")
            print(signed.auth_key)
        else:
            for line in text:
                say(line)
    return EXIT_OK


def _keep_key(name: str, key: str, expires: str, base: str, brand: str) -> str:
    from smstester.core import connection
    from smstester.core.profiles import ProfileError

    try:
        saved = connection.remember_sign_in(
            profile_store(),
            secret_store,
            name,
            auth_key=key,
            expires_at=expires,
            base_url=base,
            brand_url=brand,
        )
    except ProfileError as exc:
        raise CommandError(f"signed in, but the Auth-Key cannot be kept: {exc}", 1) from None
    return saved.profile.name


# --- integrations and check ----------------------------------------------------------------


def _site(args: argparse.Namespace) -> tuple[Site, Profile | None, dt.datetime | None]:
    """The site the connection options name, the profile, and the expiry it remembers for
    its Auth-Key (None when the key came from elsewhere)."""
    from smstester.cli.send import resolve_test
    from smstester.core import jframework as jf
    from smstester.core.fields import SECRET_ENV

    resolved = resolve_test(args)
    test, profile = resolved.test, resolved.profile
    from_keyring = not (
        os.environ.get(SECRET_ENV["auth_key"]) or getattr(args, "auth_key_file", None)
    )
    expires = None
    if profile is not None and from_keyring:
        expires = jf.parse_time(profile.auth_key_expires)
    return jf.Site(test.base_url, test.brand_url, test.auth_key), profile, expires


def _no_key(command: str) -> CommandError:
    from smstester.core.fields import SECRET_ENV

    return CommandError(
        f"{command} needs an Auth-Key: sign in (smstester login --profile NAME), or set "
        f"{SECRET_ENV['auth_key']}, or use --auth-key-file FILE"
    )


def cmd_integrations(args: argparse.Namespace) -> int:
    from smstester.core import jframework as jf

    site, profile, _expires = _site(args)
    if not site.auth_key.strip():
        raise _no_key("integrations")
    with _client(args, profile) as client:
        try:
            answer: Answer[list[jf.SmsIntegration]] = jf.Jframework(client).sms_integrations(site)
        except ValueError as exc:
            raise _refused_input(exc) from None
    if answer.value is None:
        eprint(f"smstester: cannot list the integrations: {answer.problem}")
        return answer.exit_code
    rows = answer.value
    from smstester.core.redaction import redact

    with stdout_may_close():
        if args.json:
            import json

            text = json.dumps([row.as_json() for row in rows], ensure_ascii=False)
            from smstester.core.terminal import printable_json

            # Each row is masked over its own password already (`SmsIntegration.displayed`):
            # masking the whole list over every password would cost minutes for a big one.
            print(printable_json(redact(text, [site.auth_key])))
            return EXIT_OK
        if not rows:
            say("The brand has no SMS integrations.")
            return EXIT_OK
        table = [("ID", "NAME", "STATUS", "DEFAULT", "FROM", "ACCOUNT SID")]
        for row in rows:
            default = "yes" if row.is_default else ""
            table.append(
                (row.integration_id, row.name, row.status, default, row.phone_number, row.username)
            )
        from smstester.core.terminal import printable

        shown = [tuple(printable(cell) for cell in line) for line in table]
        widths = [max(len(line[i]) for line in shown) for i in range(len(table[0]))]
        for line in shown:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from smstester.core import jframework as jf

    site, profile, expires = _site(args)
    integration_id = getattr(args, "integration_id", None) or (
        profile.integration_id if profile else ""
    )
    with _client(args, profile) as client:
        try:
            report = jf.check(jf.Jframework(client), site, integration_id, expires)
        except ValueError as exc:
            raise _refused_input(exc) from None
    with stdout_may_close():
        if args.json:
            import json

            from smstester.core.redaction import redact
            from smstester.core.terminal import printable_json

            text = json.dumps({"steps": [s.as_json() for s in report.steps]}, ensure_ascii=False)
            print(printable_json(redact(text, report.secrets)))
            return report.exit_code
        tty = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        for step in report.steps:
            mark = "✓" if step.ok else "✗"
            colour = ("\x1b[32m" if step.ok else "\x1b[31m") if tty else ""
            end = "\x1b[0m" if tty else ""
            from smstester.core.redaction import redact
            from smstester.core.terminal import printable

            line = printable(redact(f"{step.name}: {step.detail}", report.secrets))
            print(f"{colour}{mark}{end} {line}")
        if report.ok:
            say("All good: a test SMS can be sent (smstester send).")
    return report.exit_code

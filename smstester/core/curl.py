"""Copy as curl: the request smstester sends (CONTRACT §1) as one command for bash and zsh.

The command sends what `build_request` builds, byte for byte: the same URL, the same five
headers with the same values in the same order, the same body bytes.

    curl -sS -X POST --globoff --path-as-is \\
      --url 'https://protocol.jframework.io/api/v1/app-integrations/0f3c2a/sms/test' \\
      -H 'Brand-URL: brand.example.com' \\
      -H 'Auth-Key: '"$SMSTESTER_AUTH_KEY" \\
      -H 'Content-Type: application/json' \\
      -H 'Accept: application/json' \\
      -H 'User-Agent: smstester/…' \\
      --data-raw '{"username":"AC…","password":"'"$SMSTESTER_PASSWORD"'",…}'

Quoting (`shell_quote`): every value is one shell word made of adjacent pieces —
- runs of printable characters (emoji and other printable Unicode included) in single quotes,
  inside which bash and zsh expand nothing: no `$`, backticks, `\\`, globs, `!` history
  expansion (bash and zsh both honour single quotes for it);
- each `'` as `\\'` outside the quotes (so two single-quoted runs are never adjacent: zsh's
  RC_QUOTES option, which reads `''` inside quotes as a quote, cannot change the meaning);
- runs of characters that are not printable (control characters, line breaks, tabs, DEL,
  C1 controls, bidi overrides and other invisible format characters; U+200D, the emoji
  joiner, stays literal) in ANSI-C quotes `$'…'` as `\\n`, `\\t`, `\\r` or one octal escape
  `\\ooo` per UTF-8 byte, which bash and zsh decode the same way in any locale. So the
  command has no literal line break except the ` \\` continuations, and no tab that an
  interactive shell would take for completion when pasted.
A NUL cannot be part of a command-line argument and is left out; only an invalid header
value can hold one (the URL percent-encodes it and the JSON body escapes it).

curl itself interprets nothing: `--url` (a URL that starts with `-` is not an option),
`--globoff` (`[]` and `{}` are not URL globs), `--path-as-is` (no dot-segment squashing),
`--data-raw` (a leading `@` is not a file name), and a header with an empty value is written
`Name;` (curl would drop `Name:`).

Secrets: by default the Auth-Key and the password are never in the command. The Auth-Key
header is `'Auth-Key: '"$SMSTESTER_AUTH_KEY"` and the password is spliced into the JSON
body as `"'"$SMSTESTER_PASSWORD"'"`, so the command works after `export`ing the two
variables. A double-quoted expansion is never re-read by the shell, so `$`, `'`, `` ` ``,
`!`, spaces inside and non-ASCII reach the server exactly. But the shell cannot JSON-escape
nor check a header value, so a variable holding `p","username":"AC…` would add a JSON key,
and one holding `\r\nX-Injected: yes` a header. So the masked command is a subshell that
checks both variables first (a guard), and stops with a plain message on standard error and
exit status 2, before curl runs, when
- either variable is unset or empty, begins or ends with a space (smstester sends them
  trimmed), or holds a control character (U+0001–U+001F, line breaks and tabs included, or
  DEL): a header would break or the password would need a JSON escape;
- the password holds `"` or `\\` (the other characters `json.dumps` escapes).
Every other value is sent exactly as smstester sends it. The guard is a `case` whose
bracket pattern lists each control character as an ANSI-C escape (no range and no
`[[:cntrl:]]`, which depend on the locale), so it means the same in bash and zsh, in the C
and UTF-8 locales, with zsh's RC_QUOTES or bash's extglob; `exit` leaves only the subshell,
so a pasted command never closes the terminal. Twilio Auth Tokens are 32 hex digits, so a
real one is never refused; `curl_notes` says when the known password would be, and points
to the with-secrets variant (which quotes the real, JSON-escaped value). No attempt is made
to escape in the shell: `${var//…}` replacement rules differ between bash versions and zsh,
and a command substitution would run more than curl. `with_secrets=True` puts both real
values in, quoted like any other, and has no guard.

An invalid form still renders (support staff share broken requests too): values are trimmed
as `normalized` would, numbers are in E.164 where they are valid and as typed where not;
`curl_problems` lists what is wrong.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

import httpx

from smstester.core.fields import SECRET_ENV, SINGLE_LINE_FIELDS
from smstester.core.model import InvalidInput, SmsTest
from smstester.core.phone import check_number
from smstester.core.request import (
    encode_body,
    endpoint_url,
    insecure_transport_warning,
    normalized,
    request_body,
    request_headers,
)

AUTH_KEY_VAR: Final = SECRET_ENV["auth_key"]
PASSWORD_VAR: Final = SECRET_ENV["password"]

#: The shell word pieces that stand for the secrets in the masked command.
AUTH_KEY_REF: Final = f'"${AUTH_KEY_VAR}"'
PASSWORD_REF: Final = f'"${PASSWORD_VAR}"'

#: Characters `json.dumps` escapes inside a string: a spliced password must not hold any.
_JSON_SPECIAL: Final = re.compile(r'["\\\x00-\x1f]')
#: What the masked command's guard refuses in each variable (besides unset or empty).
_GUARD_REFUSES: Final = {
    AUTH_KEY_VAR: re.compile(r"\A | \Z|[\x00-\x1f\x7f]"),
    PASSWORD_VAR: re.compile(r'\A | \Z|[\x00-\x1f\x7f"\\]'),
}
_GUARD_WORDS: Final = {
    AUTH_KEY_VAR: "a line break, a tab or another control character, or a space at either "
    "end: it would change the request",
    PASSWORD_VAR: "a double quote, a backslash, a line break, a tab or another control "
    "character, or a space at either end: this command cannot put it in JSON exactly "
    "(smstester curl --with-secrets can)",
}
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")
_NAMED_ESCAPES: Final = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_CONTINUATION: Final = " \\\n  "

#: What the masked command checks before curl runs (shown with every masked command).
GUARD_NOTE: Final = (
    "before curl runs, the command checks both variables: it stops with a message (exit "
    "status 2) when one is empty or not set, has a space at either end or a control "
    'character (line breaks and tabs included), or when the password has " or \\ (values '
    "that would change the request)"
)


def _is_plain(ch: str) -> bool:
    """Printable characters go in single quotes as they are (U+200D joins emoji)."""
    return ch.isprintable() or ch == "\u200d"


def _char_bytes(ch: str) -> bytes:
    """The bytes `ch` stands for; lone surrogates from undecodable argv bytes map back."""
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return bytes([code - 0xDC00])
    return ch.encode("utf-8", "surrogatepass")


def _ansi_c(run: str) -> str:
    escaped = "".join(
        _NAMED_ESCAPES.get(ch) or "".join(f"\\{b:03o}" for b in _char_bytes(ch)) for ch in run
    )
    return f"$'{escaped}'"


def shell_quote(value: str) -> str:
    """`value` as one bash/zsh word that expands to exactly its UTF-8 bytes (NUL left out)."""
    value = value.replace("\x00", "")
    if not value:
        return "''"
    pieces: list[str] = []
    run: list[str] = []
    run_kind = ""

    def flush() -> None:
        if not run:
            return
        text = "".join(run)
        if run_kind == "plain":
            pieces.append(f"'{text}'")
        elif run_kind == "quote":
            pieces.append("\\'" * len(text))
        else:
            pieces.append(_ansi_c(text))
        run.clear()

    for ch in value:
        kind = "quote" if ch == "'" else "plain" if _is_plain(ch) else "special"
        if kind != run_kind:
            flush()
            run_kind = kind
        run.append(ch)
    flush()
    return "".join(pieces)


def _best_effort(test: SmsTest) -> tuple[SmsTest, list[str]]:
    """The normalized test, or for an invalid form the closest thing and what is wrong."""
    try:
        return normalized(test), []
    except InvalidInput as exc:
        problems = [str(p) for p in exc.problems]
    trimmed = {name: getattr(test, name).strip(" ") for name in SINGLE_LINE_FIELDS}
    for name in ("phone_from", "phone_to"):
        e164 = check_number(trimmed[name], test.region).e164
        if e164:
            trimmed[name] = e164
    return replace(test, **trimmed), problems


def _segment(value: str) -> str:
    encoded = urllib.parse.quote(b"".join(_char_bytes(ch) for ch in value), safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _endpoint(base_url: str, integration_id: str) -> str:
    try:
        return endpoint_url(base_url, integration_id)
    except (ValueError, httpx.InvalidURL):
        pass
    try:
        template = endpoint_url(base_url, "-")
    except (ValueError, httpx.InvalidURL):
        template = base_url.rstrip("/") + "/api/v1/app-integrations/-/sms/test"
    head = template.rpartition("/-/sms/test")[0]
    return f"{head}/{_segment(integration_id)}/sms/test"


def _body_text(body: dict[str, str]) -> str:
    try:
        return encode_body(body).decode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only in an invalid message
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _masked_body(body: dict[str, str]) -> str:
    """The body word with the password spliced in as a reference to the variable."""
    slot = "SMSTESTERPASSWORDSLOT"
    while True:
        text = _body_text(body | {"password": slot})
        if text.count(slot) == 1:
            break
        slot += "X"
    before, after = text.split(slot)
    return shell_quote(before) + PASSWORD_REF + shell_quote(after)


def _guard(
    variable: str,
    *,
    extra: Sequence[str] = (),
    words: str | None = None,
    command: str = "curl",
) -> str:
    """A `case` that stops the masked command when `$variable` is unusable (docstring above).

    `extra`: more `case` patterns to refuse (other programs read more of a value: HTTPie),
    with `words` saying what they refuse; `command`: the smstester command whose
    --with-secrets variant can carry what is refused."""
    controls = _ansi_c("".join(map(chr, range(1, 0x20))) + "\x7f")
    refused = ["' '*", "*' '", f"*[{controls}]*", *extra]
    if variable == PASSWORD_VAR:
        refused += ["*'\"'*", "*'\\'*"]
    said = words or _GUARD_WORDS[variable].replace("smstester curl", f"smstester {command}")

    def stop(words: str) -> str:
        message = shell_quote(f"smstester: not sent: {variable} {words}")
        return f"printf '%s\\n' {message} >&2; exit 2;;"

    return (
        f"case ${{{variable}-}} in '') {stop('is empty or not set: export it first')} "
        f"{'|'.join(refused)}) {stop('holds ' + said)} esac;"
    )


def refused_by_guard(variable: str, value: str) -> bool:
    """True when the masked command's guard stops on `$variable` holding `value`."""
    return not value or _GUARD_REFUSES[variable].search(value) is not None


def _header_word(name: str, value: str) -> str:
    # `Name:` with nothing after it makes curl drop the header; `Name;` sends it empty.
    return shell_quote(f"{name}: {value}" if value else f"{name};")


def render_curl(test: SmsTest, *, with_secrets: bool = False, multiline: bool = True) -> str:
    """The request `build_request(test)` makes, as one curl command for bash and zsh.

    Without `with_secrets` the Auth-Key and the password are `$SMSTESTER_AUTH_KEY` and
    `$SMSTESTER_PASSWORD` references, checked first by a guard that stops the command
    before curl runs when a value would change the request (see the module docstring).
    An invalid form renders too; `curl_problems(test)` says what is wrong with it.
    `multiline` puts each option on its own line with ` \\` continuations.
    """
    ready, _ = _best_effort(test)
    lines = [
        "curl -sS -X POST --globoff --path-as-is",
        f"--url {shell_quote(_endpoint(ready.base_url, ready.integration_id))}",
    ]
    for name, value in request_headers(ready).items():
        if name == "Auth-Key" and not with_secrets:
            lines.append(f"-H {shell_quote(f'{name}: ')}{AUTH_KEY_REF}")
        else:
            lines.append(f"-H {_header_word(name, value)}")
    body = request_body(ready)
    if with_secrets:
        lines.append(f"--data-raw {shell_quote(_body_text(body))}")
    else:
        # A subshell: the guard's `exit` never closes an interactive shell it is pasted in.
        lines[0] = "(" + _guard(AUTH_KEY_VAR)
        lines[1:1] = [_guard(PASSWORD_VAR), "curl -sS -X POST --globoff --path-as-is"]
        lines.append(f"--data-raw {_masked_body(body)})")
    return (_CONTINUATION if multiline else " ").join(lines)


def curl_problems(test: SmsTest) -> list[str]:
    """What makes the form invalid (empty when `build_request` would accept it)."""
    return _best_effort(test)[1]


def password_needs_json_escape(password: str) -> bool:
    """True when `password` has `"`, `\\` or a control character: it cannot be spliced."""
    return _JSON_SPECIAL.search(password) is not None


def curl_notes(test: SmsTest, *, with_secrets: bool = False) -> list[str]:
    """Short notes to show beside the command (never a secret value)."""
    ready, problems = _best_effort(test)
    notes: list[str] = []
    if problems:
        notes.append("the form is not valid: " + "; ".join(problems))
    insecure = insecure_transport_warning(ready.base_url)
    if insecure:
        notes.append(insecure)
    if with_secrets:
        notes.append("the command holds the Auth-Key and the password in clear: share it with care")
        return notes
    if ready.password and refused_by_guard(PASSWORD_VAR, ready.password):
        notes.append(
            'the password has ", \\ or a control character: the shell cannot put it in JSON '
            f"exactly, so this command stops before curl runs when ${PASSWORD_VAR} holds it; "
            "use the with-secrets variant instead"
        )
    notes.append(
        f"secrets are references to ${AUTH_KEY_VAR} and ${PASSWORD_VAR}: export them first"
    )
    notes.append(GUARD_NOTE)
    return notes

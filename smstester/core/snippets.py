"""Copy as …: the request smstester sends (CONTRACT §1, §9) as a command or a script for
each shell and language support staff use, all rendered from the same request.

`FORMATS` lists them, in menu order; each `SnippetFormat` has the `key` that
`smstester snippet KEY` takes, a `label` for a menu, the `action` objectName of the
window's QAction (CONTRACT §4a) and a `render(test, with_secrets)`. `render_snippet(key,
test)` returns a `Snippet`: the text, and notes to show beside it (never a secret value).
A value that a format cannot carry exactly raises `SnippetRefused` naming the field; no
value is ever silently changed.

The request is the one `build_request` makes: the same URL, the five headers of §1 with the
same values, the same body (an invalid form still renders, as for `render_curl`: values
trimmed, numbers in E.164 where valid; a note says what is wrong). Without `with_secrets`
the Auth-Key and the password are the format's references to `SMSTESTER_AUTH_KEY` and
`SMSTESTER_PASSWORD` (§9), and the snippet refuses at run time, before anything is sent,
a value that would change the request.

- `curl`: `render_curl`, unchanged (bash and zsh).
- `curl-cmd`: Windows `cmd.exe` running `curl.exe`. Each argument is written for the MSVC
  argument rules curl.exe reads its command line with (double quotes, `\\"` for a quote,
  backslashes doubled only before a quote), then for cmd.exe, which toggles its own quote
  state at every `"`: wherever cmd.exe is outside quotes, `^` goes before `^ & | < > ( )`
  and a `"` that must not toggle it is `^"`; lines end in ` ^` (outside quotes). cmd.exe
  expands `%name%` everywhere, quotes or not (at the prompt an undefined name stays as it
  is): the JSON body writes `%`, `!` (delayed expansion), DEL and every non-ASCII character
  as a JSON `\\uXXXX` escape (the server reads the same text; non-ASCII text would also be
  at the mercy of the console's code page), and a URL or header value holding `%` is
  written wholly outside cmd's quotes with a `^` after each `%`, so no `%name%` can name a
  variable. The masked command is what CONTRACT §9 names, `%SMSTESTER_AUTH_KEY%` and
  `%SMSTESTER_PASSWORD%` expanded by cmd.exe inside its quotes, so it runs with any
  curl.exe Windows ships. cmd.exe expands a variable before it parses the line, so a `"`
  in a value could end its quotes: lines before the command (`_cmd_checks`, each safe
  whatever a value holds) clear a variable that holds a `"`, a `\\` or a space at either
  end, and the command then sends nothing and says which. A control character cannot be
  tested for in cmd.exe and is sent as it is (the note says so).
- `powershell`: `Invoke-RestMethod` (never the `curl` alias of Windows PowerShell 5.1),
  headers in an `[ordered]` hashtable, the body in single-quoted here-strings (no
  expansion at all; it ends only at a line starting with `'@`, and the body is one line
  starting with `{`) sent as UTF-8 bytes whatever the console's code page. The whole
  script is one `& { … }` block, so a `throw` ends it, never the PowerShell window.
- `python`: a script for Python 3.8+ and its standard library (`urllib.request`), ASCII
  source (every string a Python literal with escapes), redirects not followed (the
  Auth-Key is never sent on elsewhere); it prints the HTTP status and the envelope.
- `httpie`: HTTPie's `http` in bash or zsh, quoted with `shell_quote` as curl is, with
  HTTPie's own request-item rules: a `\\` before `:`, `;`, `@` or `=` in a header value is
  dropped by HTTPie, so such a value is refused; `Name;` sends an empty header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from smstester.core.curl import (
    AUTH_KEY_REF,
    AUTH_KEY_VAR,
    PASSWORD_REF,
    PASSWORD_VAR,
    _best_effort,
    _body_text,
    _endpoint,
    _guard,
    curl_notes,
    render_curl,
    shell_quote,
)
from smstester.core.fields import LABELS
from smstester.core.formats import SNIPPET_FORMATS, FormatInfo
from smstester.core.model import SmsTest
from smstester.core.request import insecure_transport_warning, request_body, request_headers


@dataclass(frozen=True, slots=True)
class Snippet:
    """A rendered snippet and the notes to show beside it."""

    text: str
    notes: tuple[str, ...] = ()


class SnippetRefused(ValueError):
    """A field value that this format cannot carry exactly (the message names the field)."""


@dataclass(frozen=True, slots=True)
class SnippetFormat(FormatInfo):
    """One entry of the *Copy as* menu and of `smstester snippet FORMAT`, with its renderer."""

    render: Callable[[SmsTest, bool], Snippet]


@dataclass(frozen=True, slots=True)
class _Request:
    url: str
    headers: tuple[tuple[str, str], ...]  # §1's order; Auth-Key's real value
    body: dict[str, str]
    notes: tuple[str, ...]


#: The header names of §1 and the fields they come from.
_HEADER_FIELDS: Final = {"Brand-URL": "brand_url", "Auth-Key": "auth_key"}
_BODY_FIELDS: Final = {
    "username": "username",
    "password": "password",
    "phoneNumberFrom": "phone_from",
    "phoneNumberTo": "phone_to",
    "message": "message",
}
_PRINTABLE_ASCII: Final = re.compile(r"[\x20-\x7e]*")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def _request(test: SmsTest, with_secrets: bool, fmt: str) -> _Request:
    """The request of `test` as every format but curl needs it, checked for what no format
    here can carry: a lone surrogate anywhere, a URL or header that is not printable ASCII
    (each only in a form smstester itself would refuse to send)."""
    ready, problems = _best_effort(test)
    url = _endpoint(ready.base_url, ready.integration_id)
    headers = tuple(request_headers(ready).items())
    body = request_body(ready)
    for name, value in headers:
        if name == "Auth-Key" and not with_secrets:
            continue
        if not _PRINTABLE_ASCII.fullmatch(value):
            raise SnippetRefused(
                f"the {LABELS.get(_HEADER_FIELDS.get(name, ''), name)} holds a line break, "
                f"a control character or a character that is not ASCII: a {fmt} snippet "
                "cannot send it as a header"
            )
    if not _PRINTABLE_ASCII.fullmatch(url) or " " in url:
        raise SnippetRefused(
            f"the URL holds a character a {fmt} snippet cannot carry: check the Base URL"
        )
    for key, value in body.items():
        if key == "password" and not with_secrets:
            continue
        if _SURROGATE.search(value):
            raise SnippetRefused(
                f"the {LABELS[_BODY_FIELDS[key]]} holds a broken character (a lone UTF-16 "
                f"surrogate): a {fmt} snippet cannot carry it"
            )
    notes: list[str] = []
    if problems:
        notes.append("the form is not valid: " + "; ".join(problems))
    insecure = insecure_transport_warning(ready.base_url)
    if insecure:
        notes.append(insecure)
    if with_secrets:
        notes.append("the snippet holds the Auth-Key and the password in clear: share it with care")
    return _Request(url, headers, body, tuple(notes))


def _json_string(value: str, escape: str = "") -> str:
    """`value` as a JSON string, ASCII only, with each character of `escape` as `\\uXXXX`."""
    text = json.dumps(value, ensure_ascii=True)
    for ch in escape:
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


# --- curl (bash, zsh) ---------------------------------------------------------------------


def _render_curl(test: SmsTest, with_secrets: bool) -> Snippet:
    return Snippet(
        render_curl(test, with_secrets=with_secrets),
        tuple(curl_notes(test, with_secrets=with_secrets)),
    )


# --- curl-cmd (cmd.exe + curl.exe) --------------------------------------------------------

#: Characters cmd.exe acts on outside double quotes (each then takes a `^` before it).
_CMD_SPECIAL: Final = frozenset("^&|<>()")
#: Characters the cmd.exe body writes as JSON escapes (besides every non-ASCII one).
_CMD_JSON_ESCAPES: Final = "%!\x7f"


def _msvc_quoted(value: str) -> list[tuple[str, bool]]:
    """`value` as one MSVC-quoted argument: (character, is a `"`) pairs. Backslashes are
    literal unless before a `"`: n of them before a literal quote become 2n+1, before the
    closing quote 2n."""
    out: list[tuple[str, bool]] = [('"', True)]
    backslashes = 0
    for ch in value:
        if ch == "\\":
            backslashes += 1
            continue
        if ch == '"':
            out += [("\\", False)] * (2 * backslashes + 1) + [('"', True)]
        else:
            out += [("\\", False)] * backslashes + [(ch, False)]
        backslashes = 0
    out += [("\\", False)] * (2 * backslashes) + [('"', True)]
    return out


def cmd_word(value: str) -> str:
    """`value` as one argument on a cmd.exe command line, for a program that parses its
    command line with the MSVC rules (curl.exe). `value` is printable ASCII (callers check).

    cmd.exe toggles its quote state at every `"` it sees, unless it is outside quotes and
    the `"` has a `^` before it; outside quotes it takes `^x` as x for its special
    characters. The argument starts inside cmd's quotes when it holds no `%` (the readable
    form) and always ends outside them (so a ` ^` continuation or a space follows). With a
    `%`, the whole argument stays outside cmd's quotes and every `%` has a `^` after it:
    a `%…%` pair then names `^…`, which is no variable."""
    chars = _msvc_quoted(value)
    percent = "%" in value
    inside = False
    out: list[str] = []
    caret_next = False
    last = len(chars) - 1
    for i, (ch, is_quote) in enumerate(chars):
        if is_quote:
            if inside:
                out.append('"')
                inside = False
            elif percent or i == last:
                out.append('^"')
            else:
                out.append('"')
                inside = True
            caret_next = False
            continue
        if not inside and (caret_next or ch in _CMD_SPECIAL):
            out.append("^")
        caret_next = False
        out.append(ch)
        if ch == "%":
            caret_next = True
    return "".join(out)


def _cmd_members(body: dict[str, str]) -> dict[str, str]:
    """Each body member as JSON for cmd.exe: ASCII, no `%` nor `!` (each a JSON escape)."""
    return {
        key: f"{_json_string(key)}:{_json_string(value, _CMD_JSON_ESCAPES)}"
        for key, value in body.items()
    }


def _cmd_body(body: dict[str, str]) -> str:
    return "{" + ",".join(_cmd_members(body).values()) + "}"


def _cmd_ref(variable: str) -> str:
    return f"%{variable}%"


def cmd_word_with_reference(before: str, variable: str, after: str) -> str:
    """One argument for cmd.exe and the MSVC rules: `before`, then the value cmd.exe puts
    in for `%variable%`, then `after`. The value must hold no `"` nor `\\` (the masked
    command checks it first): it is the only part inside cmd's quotes, which the quote
    before it opens and the quote after it closes (`before` ends with a `"`, `after`
    starts with one, both literal quotes of the argument); everything else is outside them,
    a `^` before each special character and each other `"`."""
    reference = _cmd_ref(variable)
    marker = "\x00"  # a character no caller's text holds; the argument is ASCII
    chars = _msvc_quoted(before + marker + after)
    at = next(i for i, (ch, _q) in enumerate(chars) if ch == marker)
    opens = max(i for i in range(at) if chars[i][1])
    closes = min(i for i in range(at + 1, len(chars)) if chars[i][1])
    out: list[str] = []
    for i, (ch, is_quote) in enumerate(chars):
        if i == at:
            out.append(reference)
        elif is_quote:
            out.append('"' if i in (opens, closes) else '^"')
        elif ch in _CMD_SPECIAL:
            out.append("^" + ch)
        elif ch == "%":
            out.append("%^")
        else:
            out.append(ch)
    return "".join(out)


#: The copies the masked cmd.exe command checks each variable with (then removes).
_CMD_COPIES: Final = {AUTH_KEY_VAR: "SMSTESTER_K", PASSWORD_VAR: "SMSTESTER_P"}
_CMD_CLEAR: Final = "& ".join(
    f"set {copy}{suffix}=" for copy in _CMD_COPIES.values() for suffix in ("", "Q", "E")
)


def _cmd_checks(variable: str) -> list[str]:
    """cmd.exe lines that remove `variable` unless its value holds no `"`, no `\\`, no line
    feed and no space or carriage return at either end, so that a `%variable%` written
    inside cmd's quotes on a later line can change nothing but that value. Each line is
    safe whatever the value holds: the value is only ever put in with its quotes taken out
    (`%V:"=%`, inside quotes) or doubled (`%V:"=""%`, inside quotes, so every character
    stays inside them), or once it is known to hold no quote; an undefined name is left as
    it is and holds no `&`, `|`, `<`, `>`, `(`, `)` or `^`. A line feed ends cmd's parse
    of a line where it stands, inside quotes too: the first line then never reaches its
    `& set …E=1`, and the value is cleared before any other line reads it. cmd.exe drops
    every carriage return after the expansion: one at either end leaves a first or last
    character of nothing."""
    bare, doubled = _CMD_COPIES[variable], _CMD_COPIES[variable] + "Q"
    whole = _CMD_COPIES[variable] + "E"
    return [
        f'if defined {variable} set "{bare}=%{variable}:"=%"& set {whole}=1',
        f"if not defined {whole} set {variable}=",
        f'if defined {variable} set "{doubled}=%{variable}:"=""%"',
        f'if not "%{bare}:\\=%"=="%{doubled}%" set {variable}=',
        f'if "%{bare}:~0,1%"==" " set {variable}=',
        f'if "%{bare}:~-1%"==" " set {variable}=',
        f'if "%{variable}:~0,1%"=="" set {variable}=',
        f'if "%{variable}:~-1%"=="" set {variable}=',
    ]


def _cmd_refusal(variable: str) -> str:
    return (
        f"(echo smstester: not sent: {variable} is not set, or it held a double quote, a "
        "backslash, a line break, or a space or carriage return at either end and was "
        "cleared)"
    )


def _render_curl_cmd(test: SmsTest, with_secrets: bool) -> Snippet:
    req = _request(test, with_secrets, "cmd.exe")
    lines = ["curl.exe -sS -X POST --globoff --path-as-is", f"--url {cmd_word(req.url)}"]
    for name, value in req.headers:
        if name == "Auth-Key" and not with_secrets:
            lines.append(f'-H "{name}: {_cmd_ref(AUTH_KEY_VAR)}"')
        else:
            lines.append(f"-H {cmd_word(f'{name}: {value}' if value else f'{name};')}")
    if with_secrets:
        lines.append(f"--data-raw {cmd_word(_cmd_body(req.body))}")
    else:
        members = list(_cmd_members(req.body).items())
        at = [key for key, _ in members].index("password")
        head = ",".join(text for _, text in members[:at])
        tail = ",".join(text for _, text in members[at + 1 :])
        before = "{" + head + ("," if head else "") + _json_string("password") + ':"'
        after = '"' + ("," + tail if tail else "") + "}"
        word = cmd_word_with_reference(before, PASSWORD_VAR, after)
        lines.append(f"--data-raw {word}")
    command = " ^\n  ".join(lines)
    notes = list(req.notes)
    plain = json.dumps(req.body, ensure_ascii=False, separators=(",", ":"))
    if with_secrets and _cmd_body(req.body) != plain:
        notes.append(
            "cmd.exe: the body writes %, ! and characters that are not ASCII as JSON \\u "
            "escapes (the server reads the same text)"
        )
    if any("!" in value for value in (req.url, *(v for _, v in req.headers))):
        notes.append("cmd.exe: a value holds !: run it with delayed expansion off (the default)")
    paste = "paste it into a cmd.exe window (in a .bat file, write each % as %%)"
    if with_secrets:
        return Snippet(command, (*notes, paste))
    notes.append(
        f'set {AUTH_KEY_VAR} and {PASSWORD_VAR} first (set "{AUTH_KEY_VAR}=…"), then '
        f"{paste}, with delayed expansion off (cmd.exe's default): it checks them and sends "
        "nothing when one is not set or holds a double quote, a backslash, a line break, or a "
        "space or carriage return at either end; other values are sent as they are (cmd.exe "
        "drops a carriage return inside a value, cannot test for another control character, "
        "and passes a character that is not ASCII in the console's code page)"
    )
    checks = [
        "rem smstester: SMSTESTER_AUTH_KEY and SMSTESTER_PASSWORD are checked, then sent",
        _CMD_CLEAR,
        *_cmd_checks(AUTH_KEY_VAR),
        *_cmd_checks(PASSWORD_VAR),
        _CMD_CLEAR,
        f"if not defined {AUTH_KEY_VAR} {_cmd_refusal(AUTH_KEY_VAR)} else if not defined "
        f"{PASSWORD_VAR} {_cmd_refusal(PASSWORD_VAR)} else {command}",
    ]
    return Snippet("\n".join(checks), tuple(notes))


# --- PowerShell ---------------------------------------------------------------------------

#: Line terminators PowerShell may read inside a here-string: the body writes them escaped.
_PS_JSON_ESCAPES: Final = "\x85\u2028\u2029"


def ps_quote(value: str) -> str:
    """`value` (printable ASCII) as a PowerShell single-quoted string: `'` doubled."""
    return "'" + value.replace("'", "''") + "'"


def _ps_here(text: str) -> str:
    """`text` (one line, not starting with `'@`) as a single-quoted here-string."""
    return f"@'\n{text}\n'@"


def _ps_body(body: dict[str, str], masked: bool) -> tuple[str, list[str]]:
    pieces = []
    escaped = False
    for key, value in body.items():
        if key == "password" and masked:
            pieces.append(f'{json.dumps(key)}:"\0"')
            continue
        text = json.dumps(value, ensure_ascii=False)
        for ch in _PS_JSON_ESCAPES:
            if ch in text:
                escaped = True
                text = text.replace(ch, f"\\u{ord(ch):04x}")
        pieces.append(f"{json.dumps(key)}:{text}")
    whole = "{" + ",".join(pieces) + "}"
    parts = [_ps_here(part) for part in whole.split("\0")]
    notes = []
    if escaped:
        notes.append(
            "PowerShell: U+0085, U+2028 and U+2029 in the message are written as JSON \\u "
            "escapes (the server reads the same text)"
        )
    return " + $password + ".join(parts), notes


def _ps_guard(variable: str, local: str, refused: str, words: str) -> list[str]:
    stop = f"smstester: not sent: {variable}"
    return [
        f"${local} = $env:{variable}",
        f"if (-not ${local}) {{ throw {ps_quote(stop + ' is empty or not set: set $env:' + variable + ' first')} }}",  # noqa: E501
        f"if (${local} -cmatch {ps_quote(refused)}) {{ throw {ps_quote(stop + ' holds ' + words)} }}",  # noqa: E501
    ]


def _render_powershell(test: SmsTest, with_secrets: bool) -> Snippet:
    req = _request(test, with_secrets, "PowerShell")
    lines = ["& {", "$ErrorActionPreference = 'Stop'"]
    if not with_secrets:
        lines += _ps_guard(
            AUTH_KEY_VAR,
            "key",
            r"^ | $|[\x00-\x1f\x7f]",
            "a line break, a tab or another control character, or a space at either end",
        )
        lines += _ps_guard(
            PASSWORD_VAR,
            "password",
            r'^ | $|[\x00-\x1f\x7f"\\]',
            "a double quote, a backslash, a control character, or a space at either end: "
            "this script cannot put it in JSON exactly (smstester snippet powershell "
            "--with-secrets can)",
        )
    lines.append(
        "[Net.ServicePointManager]::SecurityProtocol = "
        "[Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12"
    )
    lines.append("$headers = [ordered]@{")
    user_agent = content_type = ""
    for name, value in req.headers:
        if name == "User-Agent":
            user_agent = value
        elif name == "Content-Type":
            content_type = value
        elif name == "Auth-Key" and not with_secrets:
            lines.append(f"  {ps_quote(name)} = $key")
        else:
            lines.append(f"  {ps_quote(name)} = {ps_quote(value)}")
    lines.append("}")
    body, notes = _ps_body(req.body, masked=not with_secrets)
    lines.append(f"$body = {body}")
    lines += [
        "try {",
        f"  $answer = Invoke-RestMethod -Method Post -Uri {ps_quote(req.url)} "
        f"-Headers $headers -ContentType {ps_quote(content_type)} "
        f"-UserAgent {ps_quote(user_agent)} -MaximumRedirection 0 "
        "-Body ([Text.Encoding]::UTF8.GetBytes($body))",
        "  $answer | ConvertTo-Json -Depth 20",
        "} catch {",
        "  if ($_.ErrorDetails.Message) { $_.Exception.Message; $_.ErrorDetails.Message }"
        " else { throw }",
        "}",
        "}",
    ]
    all_notes = list(req.notes) + notes
    if not all(value.isascii() for value in req.body.values()):
        all_notes.append(
            "PowerShell: paste it into the window as it is; saved as a .ps1 file for Windows "
            "PowerShell 5.1, save it as UTF-8 with BOM"
        )
    if not with_secrets:
        all_notes.append(f"secrets are $env:{AUTH_KEY_VAR} and $env:{PASSWORD_VAR}: set them first")
    return Snippet("\n".join(lines), tuple(all_notes))


# --- Python -------------------------------------------------------------------------------

_PY_READ_ENV = """
def secret(name, refused, words):
    value = os.environ.get(name, "")
    if not value:
        sys.exit("smstester: not sent: " + name + " is empty or not set: set it first")
    try:
        value.encode("utf-8")
    except UnicodeError:
        sys.exit("smstester: not sent: " + name + " is not valid text")
    if value != value.strip(" ") or any(ch in refused for ch in value):
        sys.exit("smstester: not sent: " + name + " holds " + words)
    return value

"""

_PY_SEND = """
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is shown, never followed with the Auth-Key


request = urllib.request.Request(URL, data=BODY, headers=HEADERS, method="POST")
try:
    with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
        status, answer = response.status, response.read()
except urllib.error.HTTPError as error:
    status, answer = error.code, error.read()
if hasattr(sys.stdout, "reconfigure"):
    sys.stdout.reconfigure(errors="backslashreplace")
print("HTTP", status)
try:
    envelope = json.loads(answer)
except ValueError:
    envelope = None
    print(answer.decode("utf-8", "replace"))
else:
    print(json.dumps(envelope, indent=2, ensure_ascii=False))
ok = isinstance(envelope, dict) and envelope.get("success") is True and status < 300
sys.exit(0 if ok else 1)
"""


def _render_python(test: SmsTest, with_secrets: bool) -> Snippet:
    req = _request(test, with_secrets, "Python")
    lines = [
        "#!/usr/bin/env python3",
        "# The smstester SMS test request: Python 3.8+ and its standard library alone.",
        "import json",
        "import os",
        "import sys",
        "import urllib.error",
        "import urllib.request",
    ]
    if not with_secrets:
        lines.append(_PY_READ_ENV.rstrip("\n"))
        controls = "".join(map(chr, range(0x20))) + "\x7f"
        lines.append(
            f"AUTH_KEY = secret({AUTH_KEY_VAR!r}, {controls!a}, 'a control character "
            "or a space at either end')"
        )
        lines.append(f"PASSWORD = secret({PASSWORD_VAR!r}, '', 'a space at either end')")
        lines.append("if not AUTH_KEY.isascii():")
        lines.append(
            f"    sys.exit('smstester: not sent: {AUTH_KEY_VAR} holds a character that is "
            "not ASCII')"
        )
    lines.append("")
    lines.append(f"URL = {req.url!a}")
    lines.append("HEADERS = {")
    for name, value in req.headers:
        shown = "AUTH_KEY" if name == "Auth-Key" and not with_secrets else ascii(value)
        lines.append(f"    {name!a}: {shown},")
    lines.append("}")
    lines.append("BODY = json.dumps(")
    lines.append("    {")
    for key, value in req.body.items():
        shown = "PASSWORD" if key == "password" and not with_secrets else ascii(value)
        lines.append(f"    {key!a}: {shown},")
    lines.append("    },")
    lines.append('    ensure_ascii=False,\n    separators=(",", ":"),\n).encode("utf-8")')
    lines.append(_PY_SEND.rstrip("\n"))
    notes = list(req.notes)
    if not with_secrets:
        notes.append(
            f'secrets are os.environ["{AUTH_KEY_VAR}"] and os.environ["{PASSWORD_VAR}"]: '
            "set them first"
        )
    return Snippet("\n".join(lines) + "\n", tuple(notes))


# --- HTTPie (bash, zsh) -------------------------------------------------------------------

#: HTTPie's request-item separators' characters: a `\\` before one is dropped by HTTPie.
_HTTPIE_SPECIAL: Final = re.compile(r"\\[:;@=]")
#: What urllib3 (under HTTPie) re-encodes in a URL: `[`, `]`, a lower-case %-escape.
_HTTPIE_URL_CHANGES: Final = re.compile(r"[\[\]]|%(?=[0-9A-Fa-f]{2})(?![0-9A-F]{2})")
_HTTPIE_KEY_WORDS: Final = (
    "a backslash, an = or @ at its start, a line break, a tab or another control "
    "character, or a space at either end: HTTPie would read it as another request item "
    "or change it"
)


def _httpie_item(name: str, value: str) -> str:
    r"""A header request item: `Name:value`, or `Name;` for an empty value. HTTPie drops
    the `\` of `\:`, `\;`, `\@` and `\=`, and reads `\\` as two backslashes: every other
    value, specials included, is taken as it is after the first `:`."""
    if not value:
        return f"{name};"
    escaped = "".join(f"\\{ch}" if ch in ":;@=" else ch for ch in value)
    # Escaping every separator character keeps `:=`, `:@` and the like from matching.
    return f"{name}:{escaped}"


def _render_httpie(test: SmsTest, with_secrets: bool) -> Snippet:
    req = _request(test, with_secrets, "HTTPie")
    if _HTTPIE_URL_CHANGES.search(req.url):
        raise SnippetRefused(
            "the Base URL's path holds [ or ] or a lower-case %-escape, which HTTPie (urllib3) "
            "would send changed (%5B, %5D, upper case)"
        )
    lines = [f"http --ignore-stdin --path-as-is POST {shell_quote(req.url)}"]
    for name, value in req.headers:
        if name == "Auth-Key" and not with_secrets:
            lines.append(f"{shell_quote(name + ':')}{AUTH_KEY_REF}")
            continue
        if _HTTPIE_SPECIAL.search(value):
            field = LABELS.get(_HEADER_FIELDS.get(name, ""), name)
            raise SnippetRefused(
                f"the {field} holds a backslash before :, ;, @ or =, which HTTPie cannot send "
                "as it is"
            )
        lines.append(shell_quote(_httpie_item(name, value)))
    body = req.body
    if with_secrets:
        lines.append(f"--raw {shell_quote(_body_text(body))}")
    else:
        slot = "SMSTESTERPASSWORDSLOT"
        while True:
            text = _body_text(body | {"password": slot})
            if text.count(slot) == 1:
                break
            slot += "X"
        before, after = text.split(slot)
        lines.append(f"--raw {shell_quote(before)}{PASSWORD_REF}{shell_quote(after)})")
        guards = [
            _guard(AUTH_KEY_VAR, extra=["*'\\'*", "'='*", "'@'*"], words=_HTTPIE_KEY_WORDS),
            _guard(PASSWORD_VAR, command="snippet httpie"),
        ]
        lines[0] = "(" + guards[0]
        lines[1:1] = [guards[1], f"http --ignore-stdin --path-as-is POST {shell_quote(req.url)}"]
    notes = list(req.notes)
    if not with_secrets:
        notes.append(
            f"secrets are references to ${AUTH_KEY_VAR} and ${PASSWORD_VAR}: export them first"
        )
        notes.append(
            "before http runs, the command checks both variables and stops (exit status 2) "
            "on a value that would change the request"
        )
    return Snippet(" \\\n  ".join(lines), tuple(notes))


#: Each format's renderer, by key (`core.formats` holds the rest of the table).
_RENDERERS: Final[dict[str, Callable[[SmsTest, bool], Snippet]]] = {
    "curl": _render_curl,
    "curl-cmd": _render_curl_cmd,
    "powershell": _render_powershell,
    "python": _render_python,
    "httpie": _render_httpie,
}

FORMATS: Final[dict[str, SnippetFormat]] = {
    info.key: SnippetFormat(
        info.key, info.label, info.action, info.runs_in, info.masked_as, _RENDERERS[info.key]
    )
    for info in SNIPPET_FORMATS
}


def render_snippet(key: str, test: SmsTest, *, with_secrets: bool = False) -> Snippet:
    """The snippet of format `key` (a key of `FORMATS`) for `test`.

    Raises KeyError for an unknown format, SnippetRefused when a field value cannot be
    carried exactly by this format (its message names the field)."""
    return FORMATS[key].render(test, with_secrets)

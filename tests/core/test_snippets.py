"""Snippets for every shell (CONTRACT §9), and the two that cannot run here, cmd.exe with
curl.exe and PowerShell, checked against models of their parsing written from Microsoft's
documentation: each snippet is parsed back by the model and must give exactly the request
smstester sends. The Python and HTTPie snippets run for real in
tests/integration/test_snippets_real.py (and curl in test_curl_real.py).

The cmd.exe model (`cmd_line`), rule by rule:
- [cmd-percent] `cmd /?` and `set /?`: `%name%` is replaced by the variable's value; at the
  prompt (not in a batch file) a name that is not defined is left as it is, and the scan goes
  on from the character after that `%` (the documented example `set b=a`, then
  `echo %a %b% c%` prints `%a a c%`). This happens before quotes are looked at: inside quotes
  too. Each line read is expanded on its own.
- [cmd-caret] `cmd /?`, "Command shell overview": the special characters `& | ( ) < > ^`
  need quotes or a `^` before them; outside double quotes `^x` is x (the `^` is removed), and a
  `^` at the end of a line continues the command on the next line ("More?").
- [cmd-quote] A `"` toggles the quoted state (outside it only when it has no `^` before it);
  inside quotes nothing is special and `^` is kept.
- [cmd-pass] For a program (not a built-in command), cmd.exe passes the rest of the line, the
  carets taken out and quotes kept, as the program's command line.
The MSVC rules (`msvc_argv`), from "Parsing C++ command-line arguments" (learn.microsoft.com,
which curl.exe's C runtime follows):
- [msvc-space] arguments are delimited by a space or a tab;
- [msvc-quote] a string in double quotes is one argument, whatever white space it holds; a
  quoted string can be embedded in an argument;
- [msvc-bs-quote] `\\"` is a literal `"`;
- [msvc-bs] backslashes are literal unless they immediately precede a `"`;
- [msvc-even] 2n backslashes and a `"`: n backslashes, and the `"` is a delimiter;
- [msvc-odd] 2n+1 backslashes and a `"`: n backslashes and a literal `"`;
- [msvc-dq] inside quotes, `""` is a literal `"`; whether the quoted state goes on after it
  changed between C runtimes (the page's table of examples said `a"b"" c d` -> `ab" c d`
  until 2023, now `ab"`, `c`, `d`): the model refuses it, and no snippet writes it.
curl (`curl_request`): `-H "Name: value"`, `-H "Name;"` (an empty header), `--data-raw`,
`--url`; with no URL it sends nothing.

The masked cmd.exe snippet is several lines, run by `cmd_session` as pasted at the prompt:
- [cmd-edit] `set /?`: `%name:str1=str2%` is the value with every str1 replaced by str2
  (str2 may be empty; str1 is matched whatever its case), `%name:~start,length%` a part of
  it (a negative start counts from the end).
- [cmd-cr] carriage returns are taken out of a line after the expansion (so a value that
  holds one loses it: `set` at the prompt cannot make one; the property leaves them out).
- [cmd-caret-next] a line that a final `^` continues starts with an escaped character.
- [cmd-lf] jeb's answer (Stack Overflow 4094699, phase 1): "Line is truncated at first <LF>
  not within %var% expansion", so a line feed a value brings in stays; phase 2: "<LF> stops
  the parsing immediatly, but not with a caret in front" (quotes do not protect it: the
  quote flag stops only `^ & | < > ( )`). The rest of that line is dropped, its final `^`
  too, so the next line is a new command.
- [cmd-amp] `cmd /?`: `&` outside quotes separates two commands on one line.
- [cmd-set] `set /?`: `set name=value` sets the value to the end of the command (`set
  name=` removes it); `set "name=value"` takes what lies between the first and the last
  quote (SS64's `set` page; the form the Windows commands reference writes in examples), and
  all after the first quote when there is no other one.
- [cmd-if] `if /?`: `if [not] defined name command`, `if [not] string1==string2 command`
  (compared as written, quotes and all), and `if … (command) else command` on one line.
- [cmd-echo] `echo text` prints the text.
Anything else the model meets (a command it does not know, a live `&`, `|`, `<`, `>` or
parenthesis where the snippet puts none) is a value that broke out of its quotes: an error.

The PowerShell model (`ps_program`), from about_Quoting_Rules and the language
specification (§2.3.5.2 string literals):
- [ps-single] a single-quoted string is verbatim: no substitution; a quote character inside
  is written twice; the single-quote characters are `'` and U+2018-U+201B.
- [ps-here] a single-quoted here-string begins with `@'` and a line break, ends with a line
  break and `'@` at the start of a line, and holds every line between verbatim (the line
  breaks next to the marks are not part of it).
- [ps-env] `$env:NAME` is the environment variable NAME (case-insensitive on Windows).
- [ps-match] `-cmatch` is a case-sensitive .NET regular expression match; the patterns used
  (`^`, `$`, character classes with `\\xHH`) mean the same in Python's `re`.
- [ps-double] a double-quoted string or a backtick outside a string would expand or escape:
  the model refuses any.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import GOOD

from smstester.core.curl import render_curl
from smstester.core.model import InvalidInput, SmsTest
from smstester.core.request import (
    encode_body,
    endpoint_url,
    normalized,
    request_body,
    request_headers,
)
from smstester.core.snippets import (
    FORMATS,
    SnippetRefused,
    cmd_word,
    render_snippet,
)

AUTH_KEY_VAR, PASSWORD_VAR = "SMSTESTER_AUTH_KEY", "SMSTESTER_PASSWORD"


@dataclass(frozen=True)
class Sent:
    """What a snippet sends, as the model of its shell and program reads it."""

    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def expected(test: SmsTest) -> Sent:
    ready = normalized(test)
    return Sent(
        endpoint_url(ready.base_url, ready.integration_id),
        tuple(request_headers(ready).items()),
        encode_body(request_body(ready)),
    )


def secrets_env(test: SmsTest) -> dict[str, str]:
    ready = normalized(test)
    return {AUTH_KEY_VAR: ready.auth_key, PASSWORD_VAR: ready.password}


# --- cmd.exe + curl.exe --------------------------------------------------------------------


class CmdError(Exception):
    pass


def percent_expand(line: str, env: dict[str, str]) -> str:
    """[cmd-percent] at the prompt, names matched whatever their case."""
    return expand_session_line(line, {name.upper(): value for name, value in env.items()})


def cmd_line(text: str, env: dict[str, str]) -> str:
    """The command line cmd.exe hands to the program for pasted `text` ([cmd-*])."""
    lines = [percent_expand(line, env) for line in text.split("\n")]
    out: list[str] = []
    quoted = False
    for n, line in enumerate(lines):
        i = 0
        continued = False
        while i < len(line):
            ch = line[i]
            if quoted:
                if ch == '"':
                    quoted = False
                out.append(ch)
            elif ch == "^":
                if i + 1 == len(line):  # [cmd-caret] continuation
                    continued = True
                else:
                    i += 1
                    out.append(line[i])  # ^" is a quote that does not toggle
            elif ch == '"':
                quoted = True
                out.append(ch)
            elif ch in "&|<>()":
                raise CmdError(f"unescaped {ch!r} outside quotes in line {n}: {line!r}")
            else:
                out.append(ch)
            i += 1
        if quoted:
            raise CmdError(f"line {n} ends inside quotes: the ^ would not continue it")
        if not continued and n != len(lines) - 1:
            raise CmdError(f"line {n} does not continue: the command would end there")
    return "".join(out)


def msvc_argv(line: str) -> list[str]:
    """[msvc-*] the arguments a C runtime program reads from its command line."""
    args: list[str] = []
    current: list[str] = []
    have = False
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            n = 0
            while i < len(line) and line[i] == "\\":
                n += 1
                i += 1
            if i < len(line) and line[i] == '"':
                current.append("\\" * (n // 2))  # [msvc-even], [msvc-odd]
                if n % 2:
                    current.append('"')
                    i += 1
            else:
                current.append("\\" * n)  # [msvc-bs]
            have = True
            continue
        if ch == '"':
            if quoted and i + 1 < len(line) and line[i + 1] == '"':
                # [msvc-dq] runtimes differ on whether the quoted state goes on after it
                raise CmdError(f'"" inside quotes: {line!r}')
            quoted = not quoted
            have = True
        elif ch in " \t" and not quoted:  # [msvc-space]
            if have:
                args.append("".join(current))
                current, have = [], False
        else:
            current.append(ch)
            have = True
        i += 1
    if have:
        args.append("".join(current))
    return args


def curl_request(argv: list[str]) -> Sent:
    """What curl.exe sends for `argv` (the options the snippet uses, nothing else): with
    no `--url` it sends nothing."""
    assert argv[0] == "curl.exe"
    url = ""
    headers: list[tuple[str, str]] = []
    body = None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-sS", "--globoff", "--path-as-is"):
            continue
        value = next(args)
        if arg == "-X":
            assert value == "POST"
        elif arg == "--url":
            url = value
        elif arg == "-H":
            if value.endswith(";") and ":" not in value:
                headers.append((value[:-1], ""))
            else:
                name, _, rest = value.partition(": ")
                headers.append((name, rest))
        elif arg == "--data-raw":
            body = value
        else:
            raise AssertionError(f"unexpected curl option {arg}")
    if not url:
        raise CmdError("curl: no URL specified")
    assert body is not None
    return Sent(url, tuple(headers), body.encode("utf-8"))


def expand_session_line(line: str, env: dict[str, str]) -> str:
    """[cmd-percent] and [cmd-edit] at the prompt, for one line as cmd.exe reads it."""
    out: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "%":
            end = line.find("%", i + 1)
            if end != -1:
                name, colon, edit = line[i + 1 : end].partition(":")
                value = env.get(name.upper()) if name else None
                if value is not None:
                    out.append(edited(value, edit) if colon else value)
                    i = end + 1
                    continue
        out.append(ch)
        i += 1
    # [cmd-cr] carriage returns are taken out after the expansion
    return "".join(out).replace("\r", "")


def edited(value: str, edit: str) -> str:
    """[cmd-edit] `%name:str1=str2%` and `%name:~start[,length]%` (`set /?`)."""
    if edit.startswith("~"):
        start, _, length = edit[1:].partition(",")
        begin = int(start) if int(start) >= 0 else max(0, len(value) + int(start))
        part = value[begin:]
        return part[: int(length)] if length else part
    old, sep, new = edit.partition("=")
    assert sep and old, edit
    return re.sub(re.escape(old), lambda _m: new, value, flags=re.IGNORECASE)


@dataclass
class Char:
    """A character of a command as cmd.exe's parser sees it: `live` when it is outside
    quotes and has no `^` before it (only then can it end or join a command)."""

    ch: str
    live: bool


def parse_phase(lines: list[str]) -> list[Char]:
    """[cmd-caret] and [cmd-quote] over one logical line (continued by a final `^`)."""
    out: list[Char] = []
    quoted = False
    for n, line in enumerate(lines):
        i = 0
        escape_first = n > 0  # [cmd-caret-next] the line a ^ continues starts escaped
        while i < len(line):
            ch = line[i]
            if escape_first:
                out.append(Char(ch, False))
                escape_first = False
            elif quoted:
                if ch == '"':
                    quoted = False
                out.append(Char(ch, ch == '"'))
            elif ch == "^":
                if i + 1 == len(line):
                    raise AssertionError("a continuation is joined before this")
                i += 1
                out.append(Char(line[i], False))
            else:
                if ch == '"':
                    quoted = True
                out.append(Char(ch, True))
            i += 1
    return out


def text_of(chars: list[Char]) -> str:
    return "".join(c.ch for c in chars)


def strip_live_spaces(chars: list[Char]) -> list[Char]:
    while chars and chars[0].live and chars[0].ch in " \t":
        chars = chars[1:]
    return chars


def first_word(chars: list[Char]) -> tuple[str, list[Char]]:
    chars = strip_live_spaces(chars)
    n = 0
    while n < len(chars) and not (chars[n].live and chars[n].ch in " \t"):
        n += 1
    return text_of(chars[:n]), chars[n + 1 :] if n < len(chars) else []


@dataclass
class Session:
    """What the pasted lines did: the environment after them, what `echo` printed, and
    each command line handed to curl.exe."""

    env: dict[str, str]
    printed: list[str]
    curl_lines: list[str]


def run_command(chars: list[Char], session: Session) -> None:
    """[cmd-if], [cmd-set], [cmd-echo], [cmd-pass]: only the commands the snippet uses;
    anything else (a value that broke out of its quotes) is an error."""
    for c in chars:
        if c.live and c.ch in "|<>":
            raise CmdError(f"a live {c.ch!r} in {text_of(chars)!r}")
    word, rest = first_word(chars)
    verb = word.lower()
    if verb == "rem":
        if any(c.live and c.ch in "&()" for c in rest):
            raise CmdError(f"a live & or parenthesis after rem: {text_of(rest)!r}")
        return
    if any(c.live and c.ch == "&" for c in rest):
        raise CmdError(f"a live & inside {verb}: {text_of(chars)!r}")
    if verb == "set":
        run_set(rest, session)
    elif verb == "echo":
        session.printed.append(text_of(rest))
    elif verb == "if":
        run_if(rest, session)
    elif verb == "curl.exe":
        if any(c.live and c.ch in "()" for c in rest):
            raise CmdError(f"a live parenthesis in curl.exe's line: {text_of(rest)!r}")
        session.curl_lines.append("curl.exe " + text_of(rest))
    else:
        raise CmdError(f"cmd.exe would run {word!r}: {text_of(chars)!r}")


def run_set(rest: list[Char], session: Session) -> None:
    """[cmd-set] `set name=value` (the value to the end of the command) and `set
    "name=value"` (between the first and the last quote); an empty value removes it."""
    text = text_of(strip_live_spaces(rest))
    if text.startswith('"'):
        last = text.rindex('"')
        text = text[1:last] if last > 0 else text[1:]
    name, sep, value = text.partition("=")
    assert sep and name, text
    if value:
        session.env[name.upper()] = value
    else:
        session.env.pop(name.upper(), None)


def if_operand(chars: list[Char]) -> tuple[str, list[Char]]:
    """[cmd-if] an operand of `==` ends at a live space, tab, comma, semicolon or `=`."""
    n = 0
    while n < len(chars) and not (chars[n].live and chars[n].ch in " \t,;="):
        n += 1
    return text_of(chars[:n]), chars[n:]


def run_if(rest: list[Char], session: Session) -> None:
    """[cmd-if] `if [not] defined NAME command`, `if [not] "a"=="b" command`, each with
    `(command) else command` or a plain command."""
    word, after = first_word(rest)
    negate = word.lower() == "not"
    condition = after if negate else strip_live_spaces(rest)
    word, after = first_word(condition)
    if word.lower() == "defined":
        name, after = first_word(after)
        holds = name.upper() in session.env
    else:
        left, after = if_operand(condition)
        if len(after) < 2 or not all(c.live and c.ch == "=" for c in after[:2]):
            raise CmdError(f"not an if comparison: {text_of(rest)!r}")
        right, after = if_operand(after[2:])
        holds = left == right
    if negate:
        holds = not holds
    after = strip_live_spaces(after)
    if after and after[0].live and after[0].ch == "(":
        depth, close = 0, -1
        for n, c in enumerate(after):
            if c.live and c.ch in "()":
                depth += 1 if c.ch == "(" else -1
                if depth == 0:
                    close = n
                    break
        if close < 0:
            raise CmdError(f"an if block that does not close: {text_of(after)!r}")
        block, tail = after[1:close], strip_live_spaces(after[close + 1 :])
        other = None
        if tail:
            word, other_chars = first_word(tail)
            if word.lower() != "else":
                raise CmdError(f"text after an if block: {text_of(tail)!r}")
            other = other_chars
        if holds:
            run_command(block, session)
        elif other is not None:
            run_command(other, session)
    elif holds:
        run_command(after, session)


def cmd_session(text: str, env: dict[str, str]) -> Session:
    """Pasted `text`, line by line: each line expanded as it is read ([cmd-percent]), a
    line ending in a live `^` continued by the next one, each command run in turn."""
    session = Session({k.upper(): v for k, v in env.items()}, [], [])
    physical = text.split("\n")
    i = 0
    while i < len(physical):
        lines = [expand_session_line(physical[i], session.env)]
        while not cut_at_line_feed(lines) and parse_ends_continued(lines):
            i += 1
            if i == len(physical):
                raise CmdError("the last line asks for more (More?)")
            lines[-1] = lines[-1][:-1]
            lines.append(expand_session_line(physical[i], session.env))
        i += 1
        chars = parse_phase(lines)
        if any(c.ch == "\n" for c in chars):
            raise CmdError("a line break inside a command")
        command: list[Char] = []
        for c in chars:
            if c.live and c.ch == "&":
                run_command(command, session)
                command = []
            else:
                command.append(c)
        if strip_live_spaces(command):
            run_command(command, session)
    return session


def cut_at_line_feed(lines: list[str]) -> bool:
    """[cmd-lf] Cut the logical line so far at the first line feed (which only a value can
    bring in): inside quotes or out, it ends the parse there. True when it did."""
    quoted = False
    for n, line in enumerate(lines):
        i = 1 if n > 0 else 0  # the first character of a continued line is escaped
        while i < len(line):
            ch = line[i]
            if ch == "\n":
                lines[n] = line[:i]
                del lines[n + 1 :]
                return True
            if quoted:
                quoted = ch != '"'
            elif ch == '"':
                quoted = True
            elif ch == "^" and i + 1 < len(line):
                if line[i + 1] == "\n":
                    raise CmdError("^ before a line feed: not modelled")
                i += 1
            i += 1
    return False


def parse_ends_continued(lines: list[str]) -> bool:
    """Whether the logical line so far ends with a live `^` (outside quotes, not itself
    escaped): then cmd.exe reads the next line into the same command."""
    quoted = False
    for n, line in enumerate(lines):
        i = 1 if n > 0 else 0  # the first character of a continued line is escaped
        while i < len(line):
            ch = line[i]
            if quoted:
                quoted = ch != '"'
            elif ch == '"':
                quoted = True
            elif ch == "^":
                if i + 1 == len(line):
                    return n == len(lines) - 1
                i += 1
            i += 1
    return False


def run_cmd(text: str, env: dict[str, str]) -> Sent:
    """What pasting `text` into cmd.exe sends: exactly one curl.exe run, else CmdError
    with what it printed."""
    session = cmd_session(text, env)
    if len(session.curl_lines) != 1:
        raise CmdError("not sent: " + " / ".join(session.printed))
    return curl_request(msvc_argv(session.curl_lines[0]))


def same_json(a: bytes, b: bytes) -> bool:
    """Equal JSON: the same keys in the same order with the same string values."""
    return list(json.loads(a).items()) == list(json.loads(b).items())


def assert_sends(got: Sent, want: Sent) -> None:
    assert got.url == want.url
    assert got.headers == want.headers
    assert same_json(got.body, want.body)


# --- PowerShell ----------------------------------------------------------------------------

_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


class PsError(Exception):
    pass


def ps_literals(text: str) -> tuple[str, list[str]]:
    """`text` with each string literal replaced by `\\x00N\\x00` ([ps-single], [ps-here])."""
    out: list[str] = []
    values: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "@" and text[i + 1 : i + 2] in _PS_QUOTES and text[i + 2 : i + 3] == "\n":
            start = i + 3
            m = re.compile(rf"\n[{_PS_QUOTES}]@").search(text, start - 1)
            if m is None:
                raise PsError("here-string never ends")
            values.append(text[start : m.start()] if m.start() >= start else "")
            i = m.end()
        elif ch in _PS_QUOTES:
            j = i + 1
            chars: list[str] = []
            while True:
                if j >= len(text):
                    raise PsError("string never ends")
                if text[j] in _PS_QUOTES:
                    if j + 1 < len(text) and text[j + 1] in _PS_QUOTES:
                        chars.append(text[j + 1])
                        j += 2
                        continue
                    break
                chars.append(text[j])
                j += 1
            values.append("".join(chars))
            i = j + 1
        elif ch in '"`':
            raise PsError(f"{ch!r} outside a single-quoted string")  # [ps-double]
        else:
            out.append(ch)
            i += 1
            continue
        out.append(f"\0{len(values) - 1}\0")
    return "".join(out), values


def ps_program(text: str, env: dict[str, str]) -> Sent:
    """What the PowerShell snippet sends (the statements it uses, nothing else)."""
    code, lits = ps_literals(text)
    lines = [line.strip() for line in code.split("\n")]
    assert lines[0] == "& {" and lines[-1] == "}"
    lit = re.compile(r"\x00(\d+)\x00")
    variables: dict[str, str | None] = {}
    headers: list[tuple[str, str]] = []
    body = None

    def value(expr: str) -> str | None:
        expr = expr.strip()
        if m := lit.fullmatch(expr):
            return lits[int(m[1])]
        if m := re.fullmatch(r"\$env:(\w+)", expr):  # [ps-env]
            return next((v for k, v in env.items() if k.upper() == m[1].upper()), None)
        if m := re.fullmatch(r"\$(\w+)", expr):
            return variables[m[1]]
        raise PsError(f"unexpected expression {expr!r}")

    in_headers = False
    for line in lines[1:-1]:
        if in_headers:
            if line == "}":
                in_headers = False
                continue
            m = re.fullmatch(r"(\x00\d+\x00) = (.+)", line)
            assert m, line
            name, got = value(m[1]), value(m[2])
            assert name is not None and got is not None
            headers.append((name, got))
            continue
        if line == "$headers = [ordered]@{":
            in_headers = True
        elif (m := re.fullmatch(r"\$(\w+) = (.+)", line)) and m[1] != "answer":
            if m[1] == "ErrorActionPreference":
                assert value(m[2]) == "Stop"
            elif m[1] == "body":
                parts = [value(p) for p in m[2].split(" + ")]
                assert all(p is not None for p in parts)
                body = "".join(p for p in parts if p is not None)
            else:
                variables[m[1]] = value(m[2])
        elif m := re.fullmatch(r"if \(-not \$(\w+)\) \{ throw (\x00\d+\x00) \}", line):
            if not variables[m[1]]:
                raise PsError(value(m[2]))
        elif m := re.fullmatch(
            r"if \(\$(\w+) -cmatch (\x00\d+\x00)\) \{ throw (\x00\d+\x00) \}", line
        ):
            pattern = value(m[2])
            assert pattern is not None
            if re.search(pattern, variables[m[1]] or ""):  # [ps-match]
                raise PsError(value(m[3]))
        elif line == "try {" or line.startswith("[Net.ServicePointManager]::SecurityProtocol = "):
            continue
        elif line.startswith("$answer = Invoke-RestMethod "):
            m = re.fullmatch(
                r"\$answer = Invoke-RestMethod -Method Post -Uri (\x00\d+\x00) -Headers \$headers"
                r" -ContentType (\x00\d+\x00) -UserAgent (\x00\d+\x00) -MaximumRedirection 0"
                r" -Body \(\[Text\.Encoding\]::UTF8\.GetBytes\(\$body\)\)",
                line,
            )
            assert m, line
            assert body is not None
            url, content_type, agent = value(m[1]), value(m[2]), value(m[3])
            assert url is not None and content_type is not None and agent is not None
            order = ("Brand-URL", "Auth-Key", "Content-Type", "Accept", "User-Agent")
            given_headers = dict(headers) | {"Content-Type": content_type, "User-Agent": agent}
            return Sent(
                url,
                tuple((name, given_headers[name]) for name in order),
                body.encode("utf-8"),
            )
        else:
            raise PsError(f"unexpected statement {line!r}")
    raise PsError("Invoke-RestMethod never runs")


# --- the tests -----------------------------------------------------------------------------

HOSTILE = [
    {"message": "it's 'quoted' '' ''' ‘smart’ ‚low‛"},
    {"message": 'say "hi" \\" \\\\ \\n \\x41 \\u0041 \\'},
    {"message": "$HOME $env:PATH ${x} $(calc) `calc` @'\n'@ \"@"},
    {"message": "100% %PATH% %OS% %% %1 %~dp0 !PATH! ^ ^^ & && | || < > ( ) ;,="},
    {"message": "one\ntwo\r\n\tthree\x0b\x0c\x1b[31m\x00end \x7f\x85 \u2028 \u2029"},
    {"message": "😀 👨‍👩‍👧 Ünïcödé 中文 \u202eevil"},
    {"message": "{{SMSTESTER_PASSWORD}} \\{{x}} {{x:json}}"},
    {"brand_url": 'b%OS%"x^&|<>()!', "integration_id": "../x?y#z %2F"},
    {"auth_key": "k'\"%PATH%^&!\\", "password": "p'\"%OS%^&!\\ {{x}}"},
    {"auth_key": 'k"', "brand_url": 'a"b"c"', "password": '"'},
    {"auth_key": "k\\", "brand_url": "b\\\\", "password": "p\\"},
    {"base_url": "https://gw.example.com/jfw$x'!%41/", "integration_id": "café-☎"},
]


@pytest.mark.parametrize("changes", HOSTILE)
def test_cmd_model_reads_back_exactly_the_request(changes: dict[str, str]) -> None:
    test = GOOD.with_changes(**changes)
    want = expected(test)
    # With secrets: no variable at all is needed; and a defined variable whose name appears
    # between two % signs of a value must not be expanded.
    tricky_env = {"OS": "Windows_NT", "PATH": "C:\\Windows", "x": "X"}
    snippet = render_snippet("curl-cmd", test, with_secrets=True)
    assert_sends(run_cmd(snippet.text, tricky_env), want)
    masked = render_snippet("curl-cmd", test)
    for secret in test.secrets():
        if len(secret) > 2:  # a one-character secret is in any text
            assert secret not in masked.text.replace("SMSTESTER_", "")
    assert_cmd_masked(test, tricky_env | secrets_env(test))


def cmd_refuses(value: str) -> bool:
    """What the masked cmd.exe command stops on (CONTRACT §9: a value it cannot send
    exactly): a double quote, a backslash, a space at either end."""
    return '"' in value or "\\" in value or value != value.strip(" ")


def assert_cmd_masked(test: SmsTest, env: dict[str, str]) -> None:
    """The masked command, with `env`'s secrets, sends exactly `test`'s request, or sends
    nothing and says which variable it cleared; it never runs anything else."""
    text = render_snippet("curl-cmd", test).text
    plain = expected(test)  # with the secrets the variables hold: exactly those values
    body = json.loads(plain.body) | {"password": env.get(PASSWORD_VAR, "")}
    want = Sent(
        plain.url,
        tuple((n, env.get(AUTH_KEY_VAR, "") if n == "Auth-Key" else v) for n, v in plain.headers),
        json.dumps(body).encode(),
    )
    refused = [
        name
        for name in (AUTH_KEY_VAR, PASSWORD_VAR)  # the order the command checks them in
        if not env.get(name) or cmd_refuses(env[name])
    ]
    session = cmd_session(text, env)
    if not refused:
        assert len(session.curl_lines) == 1, session.printed
        assert_sends(curl_request(msvc_argv(session.curl_lines[0])), want)
        return
    assert session.curl_lines == []
    assert len(session.printed) == 1 and refused[0] in session.printed[0], session.printed
    for name in refused:
        assert name not in session.env  # cleared, so the next paste cannot send it


def test_cmd_masked_stops_when_a_variable_is_not_set() -> None:
    masked = render_snippet("curl-cmd", GOOD).text
    with pytest.raises(CmdError, match=f"not sent: {PASSWORD_VAR} is not set"):
        run_cmd(masked, {AUTH_KEY_VAR: "k"})
    with pytest.raises(CmdError, match=f"not sent: {AUTH_KEY_VAR} is not set"):
        run_cmd(masked, {PASSWORD_VAR: "p"})


#: Values that try to leave their quotes, name another variable or add a field.
CMD_HOSTILE = [
    'p","username":"ACffff',
    'x" & calc & "',
    'x")&calc&("',
    'x" ) else calc & rem "',
    '"',
    'a""b',
    "p\\",
    "\\",
    "p\\u0041",
    " p",
    "p ",
    "p&q|r<s>t(u)v^w",
    "(p)",
    ")",
    "%OS%",
    "%SMSTESTER_K%",
    "!OS!",
    "==",
    "p q",
    "é☎",
]


@pytest.mark.parametrize("value", CMD_HOSTILE)
def test_cmd_masked_sends_either_exactly_or_nothing(value: str) -> None:
    """Each value as the password, as the Auth-Key, as both, and with the other variable
    unset (an unset name is left as written, quotes and all, on the lines that read it)."""
    good = secrets_env(GOOD)
    tricky = {"OS": "Windows_NT", "calc": "x"}
    for env in (
        good | {PASSWORD_VAR: value},
        good | {AUTH_KEY_VAR: value},
        {AUTH_KEY_VAR: value, PASSWORD_VAR: value},
        {PASSWORD_VAR: value},
        {AUTH_KEY_VAR: value},
    ):
        assert_cmd_masked(GOOD, tricky | env)


def test_cmd_masked_sends_an_awkward_password_exactly() -> None:
    password = "p&q|r<s>t(u)v^w%OS%!x"
    env = secrets_env(GOOD) | {PASSWORD_VAR: password, "OS": "Windows_NT"}
    got = run_cmd(render_snippet("curl-cmd", GOOD).text, env)
    body = json.loads(got.body)
    assert list(body) == ["username", "password", "phoneNumberFrom", "phoneNumberTo", "message"]
    assert body["password"] == password
    assert dict(got.headers)["Auth-Key"] == GOOD.auth_key


def test_cmd_masked_uses_the_contracts_references() -> None:
    """CONTRACT §9: `%SMSTESTER_AUTH_KEY%` and `%SMSTESTER_PASSWORD%`; no secret."""
    text = render_snippet("curl-cmd", GOOD).text
    assert f"%{AUTH_KEY_VAR}%" in text and f"%{PASSWORD_VAR}%" in text
    assert GOOD.auth_key not in text and GOOD.password not in text


def test_cmd_word_examples_from_the_rules() -> None:
    # Readable when there is nothing to fear: plain double quotes.
    assert cmd_word("Accept: application/json") == '"Accept: application/json"'
    # A quote toggles cmd.exe's state: the & after it is outside quotes and gets a caret.
    assert cmd_word('a"&b') == '"a\\"^&b^"'
    assert msvc_argv(cmd_line(cmd_word('a"&b'), {})) == ['a"&b']
    # Backslashes double only before a quote.
    assert cmd_word("a\\b\\") == '"a\\b\\\\"'
    # A % puts the whole word outside quotes, a caret after each %.
    assert cmd_word("%OS%") == '^"%^OS%^"'
    assert msvc_argv(cmd_line(cmd_word("%OS%"), {"OS": "Windows_NT"})) == ["%OS%"]


def test_cmd_model_catches_the_known_generator_bug() -> None:
    """The model is not a rubber stamp: the naive form peers generate (httpsnippet #115)
    breaks at the & that cmd.exe sees outside its quotes."""
    naive = 'curl.exe --data-raw "{\\"message\\":\\"a & b\\"}"'
    with pytest.raises(CmdError, match="&"):
        cmd_line(naive, {})


@pytest.mark.parametrize("changes", HOSTILE)
def test_powershell_model_reads_back_exactly_the_request(changes: dict[str, str]) -> None:
    test = GOOD.with_changes(**changes)
    want = expected(test)
    got = ps_program(render_snippet("powershell", test, with_secrets=True).text, {})
    assert (got.url, got.headers) == (want.url, want.headers)
    if not any(ch in test.message for ch in "\x85\u2028\u2029"):
        assert got.body == want.body  # the very bytes
    assert same_json(got.body, want.body)
    masked = render_snippet("powershell", test)
    env = secrets_env(test)
    if re.search(r'^ | $|[\x00-\x1f\x7f"\\]', env[PASSWORD_VAR]) or re.search(
        r"^ | $|[\x00-\x1f\x7f]", env[AUTH_KEY_VAR]
    ):
        with pytest.raises(PsError, match="smstester: not sent"):
            ps_program(masked.text, env)
    else:
        assert_sends(ps_program(masked.text, env), want)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        (PASSWORD_VAR, 'p","username":"ACffff'),
        (PASSWORD_VAR, "p\\"),
        (PASSWORD_VAR, "p\nq"),
        (PASSWORD_VAR, " p"),
        (PASSWORD_VAR, ""),
        (AUTH_KEY_VAR, "k\r\nX-Injected: yes"),
        (AUTH_KEY_VAR, "k "),
        (AUTH_KEY_VAR, None),
    ],
)
def test_powershell_masked_stops_on_a_value_that_would_change_the_request(
    variable: str, value: str | None
) -> None:
    env = secrets_env(GOOD)
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    with pytest.raises(PsError, match=f"smstester: not sent: {variable}"):
        ps_program(render_snippet("powershell", GOOD).text, env)


def test_powershell_model_catches_a_double_quoted_string() -> None:
    with pytest.raises(PsError):
        ps_literals('& {\n$x = "$env:PATH"\n}')


hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("'\"$`%^&!|<>()\\{}@;:= \n\r\t\x00\x7f\x85\u2028‘’😀é中")),
        st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=40,
)
ascii_header = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message=hostile_text,
    integration_id=hostile_text,
    password=hostile_text,
    brand_url=ascii_header,
    auth_key=ascii_header,
)
def test_property_cmd_and_powershell_models_send_the_request(
    message: str, integration_id: str, password: str, brand_url: str, auth_key: str
) -> None:
    test = GOOD.with_changes(
        message=message,
        integration_id=integration_id,
        password=password,
        brand_url=brand_url,
        auth_key=auth_key,
    )
    try:
        want = expected(test)
    except InvalidInput:
        assume(False)
        return
    env = {"OS": "Windows_NT", "PATH": "C:\\Windows"}
    assert_sends(run_cmd(render_snippet("curl-cmd", test, with_secrets=True).text, env), want)
    secrets = secrets_env(test)
    # cmd.exe cannot test a value for a control character (the snippet's note says it is
    # sent as it is); `set` at the prompt cannot make a line break ([cmd-cr])
    assume(not any(ch < " " or ch == "\x7f" for value in secrets.values() for ch in value))
    assert_cmd_masked(test, env | secrets)
    got = ps_program(render_snippet("powershell", test, with_secrets=True).text, {})
    assert_sends(got, want)


def test_formats_table_is_what_the_window_and_the_cli_build_from() -> None:
    assert list(FORMATS) == ["curl", "curl-cmd", "powershell", "python", "httpie"]
    assert [f.action for f in FORMATS.values()] == [
        "copyAsCurlAction",
        "copyAsCurlCmdAction",
        "copyAsPowerShellAction",
        "copyAsPythonAction",
        "copyAsHttpieAction",
    ]
    # §9: each masks the secrets with its own environment-variable syntax.
    for fmt in FORMATS.values():
        masked = render_snippet(fmt.key, GOOD).text
        assert GOOD.auth_key not in masked
        assert f'"{GOOD.password}"' not in masked
        for reference in fmt.masked_as:
            if fmt.key != "python":
                assert reference in masked or reference.strip("%") in masked, fmt.key
        clear = render_snippet(fmt.key, GOOD, with_secrets=True)
        assert GOOD.auth_key in clear.text
        assert any("in clear" in note for note in clear.notes)


def test_curl_format_is_exactly_render_curl() -> None:
    for with_secrets in (False, True):
        test = GOOD.with_changes(message="it's $x")
        snippet = render_snippet("curl", test, with_secrets=with_secrets)
        assert snippet.text == render_curl(test, with_secrets=with_secrets)


@pytest.mark.parametrize("fmt", ["curl-cmd", "powershell", "python", "httpie"])
def test_a_header_the_format_cannot_carry_is_refused_naming_the_field(fmt: str) -> None:
    test = GOOD.with_changes(brand_url="brand\nX-Injected: yes")
    with pytest.raises(SnippetRefused, match="Brand-URL"):
        render_snippet(fmt, test)


def test_httpie_refuses_a_backslash_it_would_drop() -> None:
    with pytest.raises(SnippetRefused, match="Brand-URL"):
        render_snippet("httpie", GOOD.with_changes(brand_url="a\\:b"))


def test_an_invalid_form_renders_with_a_note() -> None:
    test = GOOD.with_changes(phone_to="not a number")
    for fmt in FORMATS:
        snippet = render_snippet(fmt, test)
        assert "not a number" in snippet.text
        assert any("not valid" in note for note in snippet.notes)

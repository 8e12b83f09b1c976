"""A result laid out for reading: the CLI prints it, the log pane shows the same lines."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from smstester.core.envelope import SHOW_LIMIT, STATUS_MEANINGS
from smstester.core.redaction import Masker, redact

if TYPE_CHECKING:
    from smstester.core.client import SendResult
    from smstester.core.diagnosis import Diagnosis
    from smstester.core.model import SmsTest

#: "link": the line's last word is a URL of smstester's own knowledge (never a server's).
Tone = Literal["plain", "ok", "fail", "warn", "dim", "head", "link"]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a report and how it should look."""

    text: str
    tone: Tone = "plain"


def _data_text(data: object) -> str:
    if isinstance(data, str):
        return data
    return json.dumps(data, ensure_ascii=False, default=str)


#: Error items listed one by one; past this many the rest are counted.
MAX_ITEMS: Final = 50


def report_lines(
    result: SendResult, secrets: Iterable[str] = (), *, preview: int = SHOW_LIMIT
) -> list[Line]:
    """The lines that describe `result`, every secret masked, each line at most about
    `preview` characters (the whole stays in the raw answer), at most MAX_ITEMS error
    items listed."""
    lines: list[Line] = [Line(f"{result.method} {result.url}", "head")]
    if result.proxy is not None:
        lines.append(Line(f"via proxy {result.proxy}", "dim"))
    elapsed = f"{result.elapsed_ms:.1f} ms"
    if result.http_status is None:
        lines.append(Line(f"No answer after {elapsed}: {result.error}", "fail"))
        return _masked(lines, secrets, preview)
    meaning = STATUS_MEANINGS.get(result.http_status, result.reason_phrase)
    spent = result.timings.describe() if result.timings else ""
    lines.append(Line(f"HTTP {result.http_status} {meaning} in {elapsed}", "dim"))
    if spent:
        lines.append(Line(f"  {spent}", "dim"))
    if result.location is not None:
        loop = ": the very URL that was asked for, a redirect loop" if _loops(result) else ""
        lines.append(
            Line(f"Redirect to {result.location}{loop} (not followed: check the base URL)", "warn")
        )
    if result.failure is not None:
        lines.append(Line(f"Incomplete answer: {result.error}", "fail"))
    proxy_auth = result.http_status == 407 and result.failure is None and bool(result.error)
    if proxy_auth:
        lines.append(Line(str(result.error), "fail"))
    body = result.body
    env = body.envelope if body else None
    if env is None and (result.failure is not None or result.location is not None or proxy_auth):
        # A cut-short body, a redirect's page or a proxy's 407 page: that it is not an
        # envelope says nothing more.
        return _masked(lines, secrets, preview)
    if env is None:
        note = body.note if body else "no body"
        lines.append(Line(f"Not a jframework envelope: {note}", "fail"))
        if body and body.text.strip():
            lines.append(Line(body.text, "dim"))
        return _masked(lines, secrets, preview)
    verdict = {True: "success", False: "failure", None: "no success flag"}[env.success]
    tone: Tone = "ok" if result.success else "fail"
    status = f" · statusCode {env.status_code}" if env.status_code is not None else ""
    message = f" · {env.message}" if env.message else ""
    mark = "✔" if result.success else "✘"
    lines.append(Line(f"{mark} {verdict}{status}{message}", tone))
    if result.status_mismatch:
        lines.append(Line(f"Note: {result.status_mismatch}", "warn"))
    if env.has_data and env.data is not None:
        lines.append(Line(f"data: {_data_text(env.data)}", "plain"))
    for item in env.errors[:MAX_ITEMS]:
        lines.append(Line(f"  • {item.describe()}", "fail"))
    if len(env.errors) > MAX_ITEMS:
        more = len(env.errors) - MAX_ITEMS
        lines.append(Line(f"  … and {more:,} more error items (see the raw answer)", "fail"))
    return _masked(lines, secrets, preview)


def describe_sent(profile: str | None, test: SmsTest) -> str:
    """One line naming what was sent: the profile, From, To, the message's start and its
    segments (nine magic-number sends in a row must not look alike)."""
    from smstester.core.phone import check_number
    from smstester.core.segments import count_segments

    numbers = [
        check_number(value, test.region).e164 or value.strip()
        for value in (test.phone_from, test.phone_to)
    ]
    start = " ".join(test.message.split())
    start = start if len(start) <= 40 else start[:39] + "…"
    segments = count_segments(test.message).segments
    parts = [f'profile "{profile}"'] if profile else []
    parts += [f"From {numbers[0]}", f"To {numbers[1]}", f"“{start}” ({segments} segment"]
    return "Sent: " + " · ".join(parts) + ("s)" if segments != 1 else ")")


def diagnosis_lines(found: Diagnosis) -> list[Line]:
    """What an answer means and what to do, as report lines (the CLI after its report, the
    window in its log entry): the title, whose side, the cause, numbered steps, the link."""
    from smstester.core.diagnosis import SIDE_WORDS

    side = SIDE_WORDS[found.side]
    lines = [
        Line(f"What it means [{found.code}] · {side}: {found.title}", "head"),
        Line(f"  {found.cause}", "plain"),
        Line("What to do:", "head"),
    ]
    lines += [Line(f"  {n}. {step}", "plain") for n, step in enumerate(found.steps, 1)]
    if found.link:
        lines.append(Line(f"  More: {found.link}", "link"))
    return lines


def _loops(result: SendResult) -> bool:
    """True when the redirect points back at the URL that was requested."""
    try:
        return urllib.parse.urljoin(result.url, result.location or "") == result.url
    except ValueError:  # a Location that is not a URL at all
        return False


def _masked(lines: list[Line], secrets: Iterable[str], preview: int = SHOW_LIMIT) -> list[Line]:
    """Every line masked, then cut to `preview` characters (masking first: a cut must never
    leave half a secret showing)."""
    masker = Masker(_with_proxy_passwords(secrets))
    return [Line(_cut(masker.mask(line.text), preview), line.tone) for line in lines]


def _cut(text: str, preview: int) -> str:
    if len(text) <= preview:
        return text
    return text[:preview] + f" … ({len(text):,} characters in all; the raw answer has the rest)"


def raw_answer_text(result: SendResult, secrets: Iterable[str] = ()) -> str | None:
    """The whole answer as it came — status line, headers, blank line, body — with every
    secret masked; None when the answer has no body text."""
    body = result.body
    if body is None or not body.text:
        return None
    headers = "\n".join(f"{name}: {value}" for name, value in result.headers)
    status = f"HTTP {result.http_status} {result.reason_phrase}"
    return redact(f"{status}\n{headers}\n\n{body.text}", _with_proxy_passwords(secrets))


def summary(result: SendResult, secrets: Iterable[str] = (), *, limit: int = 300) -> str:
    """ "Success", else what went wrong in at most `limit` characters, secrets masked
    (masked before the cut: a cut never leaves half a secret showing)."""
    if result.success:
        return "Success"
    said = result.error or "The server answered: failure"
    if len(said) > 20 * limit:
        said = said[: 20 * limit] + "…"
    shown = masked(said, _with_proxy_passwords(secrets))
    return shown if len(shown) <= limit else shown[:limit] + "…"


def masked(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret masked (for a message about an error)."""
    return redact(text, secrets)


def _with_proxy_passwords(secrets: Iterable[str]) -> list[str]:
    """`secrets` and every proxy password this process knows (a proxy URL's `user:pw@`,
    SMSTESTER_PROXY_PASSWORD): a hostile proxy may echo them back in its answer."""
    from smstester.core.client import proxy_passwords  # loaded already: a result exists

    return [*secrets, *proxy_passwords()]

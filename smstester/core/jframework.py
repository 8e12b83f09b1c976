"""jframework's account API (CONTRACT §5a): sign in, check a Brand-URL and an Auth-Key,
list the brand's SMS integrations — what lets an agent test a customer's SMS without
typing a key or an id.

Requests are built here (pure, like `request.build_request`) and sent by
`SmsClient.send_request`: the same whole-call deadline, TLS and proxy settings, body limit
and plain-words failures as a send. Answers are read leniently: any field may be missing
or of another type, unknown ones are ignored. Every text that leaves here for a person is
masked (`Answer.secrets`): the sign-in password, the Auth-Key, a sign-in's `authKey` and
`refreshAuthKey`, and the `password` of every SMS setting the server listed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from smstester.core.envelope import Envelope
from smstester.core.model import USER_AGENT, InvalidInput, Problem
from smstester.core.request import base_url_problem, header_problem

if TYPE_CHECKING:
    import httpx

    from smstester.core.client import CancelToken, SendResult, SmsClient

T = TypeVar("T")

#: The largest answer an account call reads (a sign-in is a few hundred bytes; 1 MiB holds
#: the SMS settings of ~28,000 integrations): past it, "the answer is too large", unread.
MAX_ANSWER: Final = 1024 * 1024

#: The paths below a base URL (and its path prefix).
SIGN_IN_PATH: Final = "/api/v1/users/auth"
KEY_CHECK_PATH: Final = "/api/v1/users/check-auth-key-available"
ME_PATH: Final = "/api/v1/users/me"
BRAND_PATH: Final = "/api/v1/brands/by-url"
INTEGRATIONS_PATH: Final = "/api/v1/app-integrations"
SMS_SETTINGS_PATH: Final = "/api/v1/app-integrations/sms"


@dataclass(frozen=True, slots=True)
class Site:
    """Where a call goes: the API base URL, the brand, and (for most calls) an Auth-Key."""

    base_url: str
    brand_url: str
    auth_key: str = ""

    def trimmed(self) -> Site:
        return Site(self.base_url.strip(" "), self.brand_url.strip(" "), self.auth_key.strip(" "))


def site_problems(site: Site, *, need_key: bool) -> list[Problem]:
    """What a call to `site` would refuse (the same rules as a send's fields)."""
    site = site.trimmed()
    found = [base_url_problem(site.base_url), header_problem("brand_url", site.brand_url)]
    if need_key:
        found.append(header_problem("auth_key", site.auth_key))
    return [problem for problem in found if problem is not None]


def _checked(site: Site, *, need_key: bool) -> Site:
    found = site_problems(site, need_key=need_key)
    if found:
        raise InvalidInput(found)
    return site.trimmed()


def api_url(base_url: str, path: str, query: dict[str, str] | None = None) -> str:
    """`path` below `base_url`, its path prefix kept, no `//`."""
    import httpx

    url = httpx.URL(base_url.strip())
    prefix = url.raw_path.decode("ascii").split("?", 1)[0].rstrip("/")
    joined = url.copy_with(raw_path=(prefix + path).encode("ascii"))
    return str(joined.copy_merge_params(query) if query else joined)


def _request(
    site: Site, method: str, path: str, *, key: bool, body: Any = None, query: Any = None
) -> httpx.Request:
    import httpx

    headers = {"Brand-URL": site.brand_url}
    if key:
        headers["Auth-Key"] = site.auth_key
    headers |= {"Accept": "application/json", "User-Agent": USER_AGENT}
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return httpx.Request(
        method, api_url(site.base_url, path, query), headers=headers, content=content
    )


def sign_in_request(site: Site, login: str, password: str) -> httpx.Request:
    """`POST users/auth`: `login` is a username, or an e-mail address when it holds `@`."""
    found = site_problems(site, need_key=False)
    login = login.strip()
    if not login:
        found.append(Problem("login", "the username or e-mail address is required"))
    if not password:
        found.append(Problem("login_password", "the password is required"))
    if found:
        raise InvalidInput(found)
    site = site.trimmed()
    kind = "emailAddress" if "@" in login else "username"
    return _request(site, "POST", SIGN_IN_PATH, key=False, body={kind: login, "password": password})


def key_check_request(site: Site) -> httpx.Request:
    """`POST users/check-auth-key-available {authKey}`: true while the key is usable."""
    site = _checked(site, need_key=True)
    return _request(site, "POST", KEY_CHECK_PATH, key=False, body={"authKey": site.auth_key})


def me_request(site: Site) -> httpx.Request:
    return _request(_checked(site, need_key=True), "GET", ME_PATH, key=True)


def brand_request(site: Site) -> httpx.Request:
    """`GET brands/by-url`: needs no Auth-Key."""
    return _request(_checked(site, need_key=False), "GET", BRAND_PATH, key=False)


def integrations_request(site: Site, keywords: str = "") -> httpx.Request:
    """`GET app-integrations?type=SMS`, every status (the picker marks inactive ones)."""
    query = {"type": "SMS"} | ({"keywords": keywords} if keywords else {})
    return _request(_checked(site, need_key=True), "GET", INTEGRATIONS_PATH, key=True, query=query)


def sms_settings_request(site: Site) -> httpx.Request:
    """`GET app-integrations/sms`: the brand's SMS settings, passwords included."""
    return _request(_checked(site, need_key=True), "GET", SMS_SETTINGS_PATH, key=True)


# --- what the answers hold ------------------------------------------------------------


def _text(obj: dict[str, Any], *names: str) -> str:
    """The first of `names` in `obj` (any case) as text; "" when missing or not a scalar."""
    lowered = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}
    for name in names:
        value = obj.get(name, lowered.get(name.lower()))
        if isinstance(value, bool):
            continue
        if isinstance(value, str):
            return value
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            return str(value)
    return ""


def _flag(obj: dict[str, Any], name: str) -> bool:
    value = obj.get(name)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def parse_time(value: Any, now: dt.datetime | None = None) -> dt.datetime | None:
    """An `expiresIn`: an ISO-8601 time (UTC when it names no zone); leniently, a number of
    seconds from `now`. None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value < 10**9:
        return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=float(value))
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        # In UTC, and far from the calendar's ends: shown in any time zone, it still is a
        # date (9999-12-31 in Tokyo is not).
        parsed = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if 1970 <= parsed.year <= 9000 else None


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in's answer. `auth_key` and `refresh_key` are secrets."""

    auth_key: str
    refresh_key: str = field(default="", repr=False)
    user_id: str = ""
    username: str = ""
    email: str = ""
    expires_at: dt.datetime | None = None

    def __repr__(self) -> str:
        return f"SignIn(username={self.username!r}, expires_at={self.expires_at!r})"

    @property
    def who(self) -> str:
        return self.username or self.email or self.user_id or "(no name given)"


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class SmsIntegration:
    """One SMS integration of a brand: an SMS setting (with its Twilio credentials), or an
    app integration the server listed without one. `password` is a secret."""

    id: str
    name: str
    status: str = ""
    app_integration_id: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    phone_number: str = ""
    description: str = ""
    is_default: bool | None = None
    #: True for an SMS setting, False for an app integration listed without one.
    is_setting: bool = True

    def __repr__(self) -> str:
        return f"SmsIntegration(id={self.id!r}, name={self.name!r}, status={self.status!r})"

    @property
    def integration_id(self) -> str:
        """The id a send puts in its path."""
        return self.app_integration_id or self.id

    @property
    def active(self) -> bool:
        return self.status.strip().lower() == "active"

    def as_json(self) -> dict[str, Any]:
        """CONTRACT §3a `integrations --json`: never the password."""
        found: dict[str, Any] = {"id": self.id, "name": self.name, "status": self.status}
        for key, value in (
            ("appIntegrationId", self.app_integration_id),
            ("username", self.username),
            ("phoneNumber", self.phone_number),
            ("description", self.description),
        ):
            if value:
                found[key] = value
        if self.is_default is not None:
            found["isDefault"] = self.is_default
        found["hasPassword"] = bool(self.password)
        return found

    def displayed(self, hidden: Sequence[str] = ()) -> SmsIntegration:
        """This row with its name, description, status, Account SID and number masked over
        its own password and `hidden` (a server may echo a password anywhere); the ids and
        the password itself are kept (they fill the form). One masking pass a row: a list
        of 28,000 settings takes about a second, on a worker."""
        secrets = [s for s in (self.password, *hidden) if s]
        if not secrets:
            return self
        from smstester.core.redaction import Masker

        texts = (self.name, self.description, self.status, self.username, self.phone_number)
        masked = Masker(secrets).mask("\x1f".join(texts)).split("\x1f")
        if len(masked) != len(texts):  # a secret holding the separator: mask one by one
            masker = Masker(secrets)
            masked = [masker.mask(text) for text in texts]
        name, description, status, username, phone = masked
        return replace(
            self,
            name=name,
            description=description,
            status=status,
            username=username,
            phone_number=phone,
        )

    def search_text(self) -> str:
        """What a filter box looks in: the name, ids, From, SID, description and status."""
        parts = (self.name, self.integration_id, self.id, self.phone_number, self.username)
        return " ".join((*parts, self.description, self.status)).casefold()

    def matches(self, words: str) -> bool:
        """For a filter box: every word is in the name, id, From, SID or description."""
        haystack = self.search_text()
        return all(word in haystack for word in words.casefold().split())


def parse_sign_in(data: Any, now: dt.datetime | None = None) -> SignIn | None:
    if not isinstance(data, dict):
        return None
    key = _text(data, "authKey", "auth_key", "token")
    if not key:
        return None
    return SignIn(
        auth_key=key,
        refresh_key=_text(data, "refreshAuthKey", "refreshToken"),
        user_id=_text(data, "id", "userId"),
        username=_text(data, "username", "userName"),
        email=_text(data, "emailAddress", "email"),
        expires_at=parse_time(data.get("expiresIn", data.get("expiresAt")), now),
    )


#: The longest Auth-Key taken from a sign-in: a header line that long is refused by most
#: servers already (and a form field holds 32,767 characters).
MAX_KEY: Final = 8192


def key_problem(key: str) -> str | None:
    """Why an Auth-Key a server sent cannot be used (it could never be sent back, or would
    change what is printed), in words that never show it; None when it can."""
    if len(key) > MAX_KEY:
        return (
            f"the server sent an Auth-Key of {len(key):,} characters: too long for a header "
            f"(at most {MAX_KEY:,}), so it cannot be used"
        )
    if not key.isascii() or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in key):
        return (
            "the server sent an Auth-Key holding spaces, control characters or other "
            "characters a header cannot carry, so it cannot be used"
        )
    return None


def parse_brand(data: Any) -> Brand | None:
    if not isinstance(data, dict):
        return None
    brand = Brand(_text(data, "id"), _text(data, "name", "title"), _text(data, "url", "brandURL"))
    return brand if brand.id or brand.name else None


def _rows(data: Any) -> list[dict[str, Any]]:
    """A list's objects; a page object's `items`/`data`/`results` list too."""
    if isinstance(data, dict):
        for key in ("items", "data", "results", "records"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        return []
    return [row for row in data if isinstance(row, dict)]


def parse_sms_settings(data: Any) -> list[SmsIntegration]:
    found = []
    for row in _rows(data):
        item = SmsIntegration(
            id=_text(row, "id"),
            name=_text(row, "name"),
            status=_text(row, "status"),
            app_integration_id=_text(row, "appIntegrationId"),
            username=_text(row, "username"),
            password=_text(row, "password"),
            phone_number=_text(row, "phoneNumber", "phoneNumberFrom", "from"),
            description=_text(row, "description"),
            is_default=_flag(row, "isDefault") if "isDefault" in row else None,
        )
        if item.id or item.app_integration_id:
            found.append(item)
    return found


def parse_integrations(data: Any) -> list[SmsIntegration]:
    found = []
    for row in _rows(data):
        kind = _text(row, "type")
        if kind and kind.upper() != "SMS":
            continue
        item = SmsIntegration(
            id=_text(row, "id"),
            name=_text(row, "name"),
            status=_text(row, "status"),
            description=_text(row, "description", "domain"),
            is_setting=False,
        )
        if item.id:
            found.append(item)
    return found


def merged(
    settings: Sequence[SmsIntegration], integrations: Sequence[SmsIntegration]
) -> list[SmsIntegration]:
    """The picker's rows: the SMS settings (default first, then active, then by name),
    then the integrations no setting points at."""
    used = {s.integration_id for s in settings}
    rows = sorted(settings, key=lambda s: (not s.is_default, not s.active, s.name.casefold()))
    rows += sorted(
        (i for i in integrations if i.id not in used),
        key=lambda i: (not i.active, i.name.casefold()),
    )
    return rows


# --- calls --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A call's outcome: `value` when it worked, else `problem` in plain words (masked)."""

    value: T | None
    problem: str | None
    result: SendResult | None
    #: Everything a person must never see from this call.
    secrets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def exit_code(self) -> int:
        """CONTRACT §3a: 0 it worked, 1 the server answered with a refusal, 3 no answer."""
        if self.ok:
            return 0
        return 1 if self.result is not None and self.result.responded else 3


def _envelope(result: SendResult) -> Envelope | None:
    return result.body.envelope if result.body is not None else None


def _codes(env: Envelope | None) -> list[str]:
    return [item.code for item in env.errors if item.code] if env else []


def _retry_after(result: SendResult) -> str:
    for name, value in result.headers:
        if name.lower() == "retry-after" and value.strip().isdigit():
            return f" (the server says to wait {int(value.strip())} s)"
    return ""


#: The longest text of a server's that a refusal's words quote.
_WORDS_LIMIT: Final = 300


def refusal_words(result: SendResult, what: str) -> str:
    """Why `what` did not work, in words, from an answer that is no success."""
    if not result.responded:
        return result.error or "no answer"
    if result.failure is not None:
        return result.error or result.failure.value
    env = _envelope(result)
    status = result.http_status
    said = (env.message or "").strip()[:_WORDS_LIMIT] if env else ""
    # A few items say it; 100,000 of them would only cost time (and the UI thread the GIL).
    items = [item.describe()[:_WORDS_LIMIT] for item in env.errors[:3]] if env else []
    more = len(env.errors) - 3 if env and len(env.errors) > 3 else 0
    detail = said or "; ".join(items) + (f" (and {more:,} more)" if more else "")
    if status == 429:
        return f"too many tries{_retry_after(result)}: wait a minute, then try again"
    if env is None:
        kind = result.body.note if result.body and result.body.note else "not JSON"
        return f"the server answered HTTP {status}, but not as jframework ({kind})"
    if status == 401:
        return detail or "refused (401): the Auth-Key is not valid"
    if status == 404 and "BrandNotFound" in _codes(env):
        return "no brand at this URL"
    if status is not None and status >= 500:
        return f"the server failed (HTTP {status}){': ' + detail if detail else ''}"
    return detail or f"{what} was refused (HTTP {status})"


def _not_offered(result: SendResult | None) -> bool:
    """The server answered, in an envelope, that this list is not offered to this user
    (403, 404, 405): the other list may still say which integrations there are."""
    if result is None or not result.answered or _envelope(result) is None:
        return False
    return result.http_status in (403, 404, 405)


def _mask(text: str, secrets: Iterable[str]) -> str:
    from smstester.core.redaction import redact

    return redact(text, [s for s in secrets if s])


class Jframework:
    """jframework's account calls over one `SmsClient` (build it off the UI thread)."""

    def __init__(self, client: SmsClient, cancel: CancelToken | None = None) -> None:
        self.client = client
        self.cancel = cancel
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def _call(
        self,
        request: httpx.Request,
        what: str,
        read: Callable[[Any], T | None],
        secrets: Sequence[str],
        found: Callable[[T], Sequence[str]] = lambda _value: (),
    ) -> Answer[T]:
        result = self.client.send_request(request, self.cancel)
        env = _envelope(result)
        if result.answered and env is not None and env.success is not False:
            status = result.http_status or 0
            if status < 300:
                value = read(env.data)
                if value is not None:
                    hidden = (*secrets, *found(value))
                    return Answer(value, None, result, tuple(s for s in hidden if s))
                if not env.has_data and env.success is None:
                    words = "the server answered, but not as jframework (no envelope)"
                else:
                    words = f"the server's answer to {what} holds no usable data"
                return Answer(None, _mask(words, secrets), result, tuple(secrets))
        words = refusal_words(result, what)
        return Answer(None, _mask(words, secrets), result, tuple(s for s in secrets if s))

    def sign_in(self, site: Site, login: str, password: str) -> Answer[SignIn]:
        """Raises InvalidInput (nothing sent) for a bad base URL, Brand-URL or empty field."""
        request = sign_in_request(site, login, password)
        now = self.now()
        answer = self._call(
            request,
            "the sign-in",
            lambda data: parse_sign_in(data, now),
            (password, site.auth_key),
            lambda signed: (signed.auth_key, signed.refresh_key),
        )
        why = key_problem(answer.value.auth_key) if answer.value is not None else None
        if why is not None:
            return Answer(None, why, answer.result, answer.secrets)
        return answer

    def brand(self, site: Site) -> Answer[Brand]:
        return self._call(brand_request(site), "the brand look-up", parse_brand, (site.auth_key,))

    def key_valid(self, site: Site) -> Answer[bool]:
        """True or False as the server says; a problem when it cannot tell."""

        def read(data: Any) -> bool | None:
            if isinstance(data, bool):
                return data
            if isinstance(data, str) and data.strip().lower() in ("true", "false"):
                return data.strip().lower() == "true"
            return None

        return self._call(key_check_request(site), "the Auth-Key check", read, (site.auth_key,))

    def sms_integrations(self, site: Site) -> Answer[list[SmsIntegration]]:
        """The brand's SMS settings and SMS app integrations (`merged`); either list alone
        when the other call fails; a problem when both do (the settings' words)."""
        settings = self._call(
            sms_settings_request(site),
            "the SMS settings list",
            parse_sms_settings,
            (site.auth_key,),
            lambda rows: [row.password for row in rows],
        )
        if settings.value is None and not _not_offered(settings.result):
            # no answer, or one that cannot be read (HTML, too large, cut short): said, not
            # hidden behind a shorter list (and a second call would wait as long again)
            return settings
        listed = self._call(
            integrations_request(site), "the integrations list", parse_integrations, ()
        )
        if settings.value is None and listed.value is None:
            return settings
        rows = [
            row.displayed((site.auth_key,))
            for row in merged(settings.value or [], listed.value or [])
        ]
        return Answer(rows, None, settings.result or listed.result, settings.secrets)


# --- the Auth-Key's lifetime in words -------------------------------------------------------


def span_words(seconds: float) -> str:
    """`3 h`, `25 min`, `40 s`, `2 days`: a duration as a person says it, rounded down."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    if seconds < 2 * 365 * 86400:
        return f"{int(seconds // 86400)} days"
    return f"{int(seconds // (365.25 * 86400))} years"


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """What is known of an Auth-Key: `usable` None when nothing is known yet."""

    usable: bool | None
    words: str


def key_status(
    expires_at: dt.datetime | None,
    now: dt.datetime,
    *,
    valid: bool | None = None,
    tz: dt.tzinfo | None = None,
) -> KeyStatus:
    """`valid until 16 Jul 09:34 (in 3 h)`, `expired 2 h ago — sign in again`, `not valid
    for this brand`; `valid` is what the server said (None: not asked). The time is shown
    in `tz` (default: this machine's zone)."""
    if expires_at is not None and expires_at <= now:
        return KeyStatus(
            False, f"expired {span_words((now - expires_at).total_seconds())} ago — sign in again"
        )
    if valid is False:
        return KeyStatus(False, "not valid for this brand — sign in again")
    if expires_at is not None:
        try:
            local = expires_at.astimezone(tz)
        except (OverflowError, ValueError):  # a time at the calendar's end: shown in UTC
            local = expires_at.astimezone(dt.UTC)
        left = span_words((expires_at - now).total_seconds())
        shown = f"{local:%d %b %H:%M}" if local.year == now.year else f"{local:%d %b %Y %H:%M}"
        return KeyStatus(True if valid is None else valid, f"valid until {shown} (in {left})")
    if valid is True:
        return KeyStatus(True, "valid (the server gives no end time)")
    return KeyStatus(None, "")


def expired(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    return expires_at is not None and expires_at <= now


def iso(moment: dt.datetime | None) -> str | None:
    """A time as ISO-8601 UTC with `Z`, to the second."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- `check`: is this connection right, before an SMS is sent? -----------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a check (CONTRACT §3a `check --json`)."""

    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class CheckReport:
    steps: tuple[Step, ...]
    #: 0 every step passed, 1 a step failed, 3 the server did not answer.
    exit_code: int
    #: The integration the id names, when the brand has it.
    integration: SmsIntegration | None = None
    secrets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def describe_integration(row: SmsIntegration) -> str:
    """`"Main" (default), Active, From +15005550006, Account SID AC12…`"""
    parts = [f'"{row.name}"' if row.name else row.integration_id]
    if row.is_default and "(default)" not in parts[0]:
        parts[0] += " (default)"
    parts.append(row.status or "status not given")
    if row.phone_number:
        parts.append(f"From {row.phone_number}")
    if row.username:
        parts.append(f"Account SID {row.username}")
    return ", ".join(parts)


def check(
    calls: Jframework, site: Site, integration_id: str, expires_at: dt.datetime | None = None
) -> CheckReport:
    """In order: the server answers, the Brand-URL names a brand, the Auth-Key is valid
    (and for how long; `expires_at` is what a profile remembers), the integration id is one
    of the brand's active SMS integrations. Stops at the first step that fails (each needs
    the one before). Raises InvalidInput for a base URL or Brand-URL that cannot be sent."""
    steps: list[Step] = []
    hidden: list[str] = [site.auth_key]

    def done(code: int, row: SmsIntegration | None = None) -> CheckReport:
        return CheckReport(tuple(steps), code, row, tuple(s for s in hidden if s))

    brand = calls.brand(site)
    result = brand.result
    if result is None or not result.responded:
        steps.append(Step("server", False, brand.problem or "no answer"))
        return done(3)
    env = _envelope(result)
    if env is None or result.failure is not None or (result.http_status or 0) >= 500:
        steps.append(Step("server", False, brand.problem or "the answer cannot be read"))
        return done(1)
    steps.append(
        Step("server", True, f"answered HTTP {result.http_status} in {result.elapsed_ms:.0f} ms")
    )
    if brand.value is None:
        steps.append(Step("brand", False, brand.problem or "no brand at this URL"))
        return done(1)
    named = brand.value.name or brand.value.id
    steps.append(Step("brand", True, named))

    now = calls.now()
    if not site.auth_key.strip():
        steps.append(Step("auth-key", False, "no Auth-Key given: sign in (smstester login)"))
        return done(1)
    if expired(expires_at, now):
        steps.append(Step("auth-key", False, key_status(expires_at, now).words))
        return done(1)
    valid = calls.key_valid(site)
    if valid.value is None:
        steps.append(Step("auth-key", False, valid.problem or "the server did not say"))
        return done(valid.exit_code)
    status = key_status(expires_at, now, valid=valid.value)
    steps.append(Step("auth-key", bool(status.usable), status.words))
    if not status.usable:
        return done(1)

    wanted = integration_id.strip()
    if not wanted:
        steps.append(
            Step("integration", False, "no integration id given: smstester integrations lists them")
        )
        return done(1)
    listed = calls.sms_integrations(site)
    hidden.extend(listed.secrets)
    if listed.value is None:
        steps.append(Step("integration", False, listed.problem or "the list cannot be read"))
        return done(listed.exit_code)
    rows = [row for row in listed.value if wanted in (row.integration_id, row.id)]
    row = next((r for r in rows if r.active), rows[0] if rows else None)
    if row is None:
        known = ", ".join(sorted({r.integration_id for r in listed.value})[:8]) or "none"
        steps.append(
            Step(
                "integration",
                False,
                f"{wanted} is not one of the brand's SMS integrations (it has: {known})",
            )
        )
        return done(1)
    if not row.active:
        steps.append(Step("integration", False, f"{describe_integration(row)}: not active"))
        return done(1, row)
    steps.append(Step("integration", True, describe_integration(row)))
    return done(0, row)

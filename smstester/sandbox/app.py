"""The sandbox's request logic, without any HTTP plumbing: a `Request` in, a `Response` out.

It stands in for `POST {base}/api/v1/app-integrations/{appIntegrationId}/sms/test` and checks,
in this order (the first failing check answers):

1. the route (unknown path: 404) and the method (only POST: 405; fault modes answer any
   method, so that a client that turns a redirected POST into a GET still sees the fault);
2. the rate limit per Auth-Key value (429 with `Retry-After`; `RateLimiter` keeps a hash
   of each key, never the key, and a bounded number of them);
3. the Auth-Key header (missing or wrong: 401);
4. the Brand-URL header (missing: 400; unknown brand: 404 `BrandNotFound`);
5. the app integration id, percent-decoded once (unknown: 404 `AppIntegrationNotFound`);
   ids starting with `fault-` are fault modes instead (see `faults.FAULTS`);
6. the Content-Type and the body (a JSON object, arrays and objects nested at most
   `MAX_JSON_DEPTH` deep: otherwise 400);
7. the five fields (400, one error item per field that is missing, empty, not a string,
   not E.164, or not an Account SID);
8. the Twilio credentials (wrong: 401 with Twilio's 20003), the message length (21617);
9. Twilio's test-credential magic numbers (`twilio.magic_number_error`).

An Auth-Key is the demo one (never expires) or one `POST users/auth` issued, until
`auth_key_ttl` seconds after the sign-in; an expired key is refused as an unknown one. An
integration of the demo brand that is not an active SMS one is refused at step 5 with
409 `AppIntegrationInactive` or 400 `AppIntegrationUnsupported` (see `accounts`).

Besides it, the account endpoints of CONTRACT §5a (`ACCOUNT_ROUTES`, data in `accounts`)
check in the same order: the method (405); for those that need an Auth-Key
(`KEYED_ROUTES`) its rate limit and the key (429, 401); the Brand-URL (400, 404
`BrandNotFound`); then their body (JSON, the same limits; 400 per field) or query.
`users/auth` answers a wrong sign-in 401 "The username or password incorrect." and, after
`sign_in_failures` of them in `sign_in_window` seconds for one user, 429 with `Retry-After`.
"""

from __future__ import annotations

import bisect
import collections
import functools
import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

from smstester.core import model as demo  # the demo values live with the model
from smstester.sandbox import accounts, twilio
from smstester.sandbox.faults import FAULT_PREFIX, FAULTS, HUGE_DATA_BYTES, parse_fault

JSON_TYPE: Final = "application/json; charset=utf-8"
HTML_TYPE: Final = "text/html; charset=utf-8"

#: The five body fields, in the order their errors are listed.
FIELDS: Final = ("username", "password", "phoneNumberFrom", "phoneNumberTo", "message")

#: E.164: `+`, then 2 to 15 ASCII digits, the first not 0.
E164_RE: Final = re.compile(r"\+[1-9][0-9]{1,14}")

#: A Twilio Account SID: `AC` then 32 hexadecimal digits.
ACCOUNT_SID_RE: Final = re.compile(r"AC[0-9a-fA-F]{32}")

#: Where `fault-redirect` points (below the path prefix).
REDIRECT_TARGET_PATH: Final = "/sandbox/redirected"

#: The envelope `message` for each status code the sandbox answers with.
STATUS_MESSAGES: Final[dict[int, str]] = {
    200: "The request was successful.",
    302: "The resource has moved.",
    400: "The request is not valid.",
    401: "The request is not authenticated.",
    403: "The request is forbidden.",
    404: "The requested resource was not found.",
    405: "The method is not allowed for the requested resource.",
    408: "The request did not arrive in time.",
    409: "The request conflicts with the state of the resource.",
    413: "The request body is too large.",
    414: "The request line is too long.",
    429: "Too many requests.",
    431: "The request headers are too large.",
    500: "An internal server error occurred.",
    501: "The method is not supported.",
    502: "Bad gateway.",
    503: "The server is too busy to answer.",
}

#: The envelope `message` when Twilio refused the test message.
TWILIO_FAILED_MESSAGE: Final = "The test SMS could not be sent: the SMS provider refused it."

_JSON_TYPES: Final = ("application/json", "text/json")

#: jframework's account endpoints (CONTRACT §5a), by path (compared lower-cased): the one
#: method each answers (a GET one answers HEAD as well).
ACCOUNT_ROUTES: Final[dict[str, str]] = {
    "/api/v1/users/auth": "POST",
    "/api/v1/users/check-auth-key-available": "POST",
    "/api/v1/users/me": "GET",
    "/api/v1/brands/by-url": "GET",
    "/api/v1/app-integrations": "GET",
    "/api/v1/app-integrations/sms": "GET",
}

#: The account endpoints that need an Auth-Key header (the others ignore one).
KEYED_ROUTES: Final = frozenset(
    {"/api/v1/users/me", "/api/v1/app-integrations", "/api/v1/app-integrations/sms"}
)

_VALIDATION_FAILED: Final = "One or more validation errors occurred."

#: Auth-Keys the rate limiter tracks at most (each as a 16-byte hash and its timestamps).
MAX_TRACKED_KEYS: Final = 4096

#: A request body nested deeper than this (arrays and objects) is refused with 400.
MAX_JSON_DEPTH: Final = 64


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the sandbox sees it."""

    method: str
    #: The raw request target: path (still percent-encoded) and query.
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    #: `scheme://host[:port]` this request reached (for absolute redirect URLs).
    origin: str

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive name), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Response:
    """What to answer. `delay` seconds are waited first; `drop` closes without answering."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    drop: bool = False
    close: bool = False


# --- envelopes ---------------------------------------------------------------------------


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def error_item(
    code: str | int,
    message: str,
    correlation_id: str,
    *,
    details: str | None = None,
    field_name: str | None = None,
) -> dict[str, Any]:
    """One `errors` entry, as jframework writes them."""
    item: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        item["details"] = details
    if field_name is not None:
        item["field"] = field_name
    item["correlationId"] = correlation_id
    return item


def _field_error(name: str, message: str, correlation_id: str) -> dict[str, Any]:
    return error_item("ValidationError", message, correlation_id, field_name=name)


def envelope_bytes(
    status: int,
    *,
    data: Any = None,
    errors: Sequence[Any] = (),
    message: str | None = None,
    success: bool | None = None,
) -> bytes:
    """A jframework envelope, serialized."""
    body = {
        "success": (200 <= status < 300) if success is None else success,
        "statusCode": status,
        "message": message if message is not None else STATUS_MESSAGES.get(status, ""),
        "data": data,
        "errors": list(errors),
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def envelope_response(
    status: int,
    *,
    data: Any = None,
    errors: Sequence[Any] = (),
    message: str | None = None,
    correlation_id: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    close: bool = False,
) -> Response:
    extra = headers
    if correlation_id is not None:
        extra = (("X-Correlation-Id", correlation_id), *extra)
    return Response(
        status,
        envelope_bytes(status, data=data, errors=errors, message=message),
        headers=extra,
        close=close,
    )


def error_response(
    status: int,
    code: str | int,
    message: str,
    *,
    details: str | None = None,
    correlation_id: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    close: bool = False,
) -> Response:
    """A failure envelope with a single error item."""
    cid = correlation_id or new_correlation_id()
    item = error_item(code, message, cid, details=details)
    return envelope_response(
        status, errors=[item], correlation_id=cid, headers=headers, close=close
    )


def success_response(correlation_id: str) -> Response:
    return envelope_response(200, data=True, correlation_id=correlation_id)


@functools.cache
def huge_body() -> bytes:
    """The `fault-huge` answer: a valid success envelope whose data is a 12 MiB string."""
    return envelope_bytes(200, data="x" * HUGE_DATA_BYTES)


# --- JSON bodies -------------------------------------------------------------------------


class JsonTooDeep(ValueError):
    """The JSON text nests arrays and objects deeper than `MAX_JSON_DEPTH`."""


# A JSON string (escapes included, even unterminated); anything but a bracket.
_JSON_STRING_RE: Final = re.compile(r'"(?:[^"\\]+|\\.)*"?')
_NOT_BRACKET_RE: Final = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if `text` opens more than `limit` arrays or objects inside one another.

    A scan, not a parse: it never recurses (a body nested 100,000 deep is no RecursionError)
    and runs at C speed: the strings are cut out, then the brackets left are summed.
    """
    brackets = _NOT_BRACKET_RE.sub("", _JSON_STRING_RE.sub("", text))
    if len(brackets) <= limit:
        return False
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets))) > limit


def parse_json(text: str) -> Any:
    """`json.loads`, but a text nested deeper than `MAX_JSON_DEPTH` raises `JsonTooDeep`
    (a ValueError) before any parsing."""
    if json_too_deep(text):
        raise JsonTooDeep(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover (the scan above refuses such a text first)
        raise JsonTooDeep(f"nested more than {MAX_JSON_DEPTH} levels deep") from None


# --- the rate limit ----------------------------------------------------------------------


class RateLimiter:
    """At most `limit` requests per `window` seconds per key (a sliding window); 0 = no limit.

    Memory stays bounded whatever clients send: a key is kept as a 16-byte hash, never as
    sent (a client may send megabytes of distinct Auth-Keys), and at most `max_keys` keys
    are tracked; past that, the least recently seen key is forgotten (its count starts
    afresh if it comes back). Each key holds at most `limit` timestamps.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = MAX_TRACKED_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max(1, max_keys)
        #: Seconds from any start (a test hands in its own clock instead of sleeping).
        self.clock = clock
        # Least recently seen first.
        self._hits: collections.OrderedDict[bytes, list[float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many keys are tracked now."""
        with self._lock:
            return len(self._hits)

    def check(self, key: str) -> float | None:
        """Count one request; None if it is allowed, else the seconds until one would be."""
        return self._hit(key, count=True)

    def peek(self, key: str) -> float | None:
        """What `check` would answer, without counting a request."""
        return self._hit(key, count=False)

    def forget(self, key: str) -> None:
        """Start `key`'s count afresh (a sign-in that worked clears its failures)."""
        with self._lock:
            self._hits.pop(self._digest(key), None)

    @staticmethod
    def _digest(key: str) -> bytes:
        return hashlib.blake2b(
            key.encode("utf-8", "surrogatepass"), digest_size=16, person=b"sms-rate"
        ).digest()

    def _hit(self, key: str, *, count: bool) -> float | None:
        if self.limit <= 0:
            return None
        digest = self._digest(key)
        now = self.clock()
        with self._lock:
            self._forget_idle(now)
            hits = self._hits.get(digest)
            if hits is None:
                if not count:
                    return None
                hits = self._hits[digest] = []
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            live = bisect.bisect_right(hits, now - self.window)  # the first hit that counts
            if count:
                self._hits.move_to_end(digest)
                del hits[:live]
                live = 0
            if len(hits) - live >= self.limit:
                return max(hits[live] + self.window - now, 0.0)
            if count:
                hits.append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        # The least recently seen keys come first: drop them while their window is over.
        while self._hits:
            hits = next(iter(self._hits.values()))
            if hits and hits[-1] > now - self.window:
                return
            self._hits.popitem(last=False)


# --- the application ---------------------------------------------------------------------


def _normalize_brand(value: str) -> str:
    text = value.strip().lower()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    return text.rstrip("/")


def _normalize_prefix(prefix: str) -> str:
    stripped = prefix.strip("/")
    return f"/{stripped}" if stripped else ""


@dataclass
class SandboxApp:
    """The endpoint's behaviour. Thread-safe: one instance serves every connection."""

    auth_key: str = demo.DEMO_AUTH_KEY
    brand_urls: Iterable[str] = (demo.DEMO_BRAND_URL,)
    integration_ids: Iterable[str] = (demo.DEMO_INTEGRATION_ID,)
    account_sid: str = demo.DEMO_ACCOUNT_SID
    auth_token: str = demo.DEMO_AUTH_TOKEN
    rate_limit: int = 300
    rate_window: float = 60.0
    slow_seconds: float = 3.0
    path_prefix: str = ""
    #: Seconds an Auth-Key issued by `users/auth` works (the demo Auth-Key never expires).
    auth_key_ttl: float = demo.DEMO_AUTH_KEY_TTL
    #: Seconds since 1970, now: when issued keys expire (a test hands in its own clock).
    clock: Callable[[], float] = time.time
    max_issued_keys: int = accounts.MAX_ISSUED_KEYS
    #: Wrong sign-ins per user (or unknown name) within `sign_in_window` seconds; then 429.
    sign_in_failures: int = accounts.MAX_SIGN_IN_FAILURES
    sign_in_window: float = accounts.SIGN_IN_WINDOW
    #: The Auth-Keys sign-ins issued (hashes and expiries; bounded).
    issued_keys: accounts.IssuedKeys = field(init=False, repr=False)
    _brands: frozenset[str] = field(init=False, repr=False)
    _integrations: frozenset[str] = field(init=False, repr=False)
    _listed: dict[str, accounts.Integration] = field(init=False, repr=False)
    _limiter: RateLimiter = field(init=False, repr=False)
    _sign_in_limiter: RateLimiter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.auth_key_ttl = accounts.check_ttl(self.auth_key_ttl)
        self._brands = frozenset(_normalize_brand(b) for b in self.brand_urls)
        self._integrations = frozenset(self.integration_ids)
        self._listed = {i.id: i for i in accounts.DEMO_INTEGRATIONS}
        self._limiter = RateLimiter(self.rate_limit, self.rate_window)
        self._sign_in_limiter = RateLimiter(
            self.sign_in_failures, self.sign_in_window, clock=self.clock
        )
        self.issued_keys = accounts.IssuedKeys(self.max_issued_keys)
        self.path_prefix = _normalize_prefix(self.path_prefix)

    # The route ---------------------------------------------------------------------------

    def _route(self, target: str) -> tuple[str, str | None]:
        """('sms', raw id) for the SMS test, ('account', its path) for an account endpoint,
        ('redirected', None), or ('none', None)."""
        path = target.split("?", 1)[0].split("#", 1)[0]
        prefix = self.path_prefix
        if prefix:
            if not path.startswith(prefix + "/"):
                return "none", None
            path = path[len(prefix) :]
        if path == REDIRECT_TARGET_PATH:
            return "redirected", None
        if path.lower() in ACCOUNT_ROUTES:
            return "account", path.lower()
        parts = path.split("/")
        if (
            len(parts) == 7
            and parts[0] == ""
            and [p.lower() for p in (parts[1], parts[2], parts[3], parts[5], parts[6])]
            == ["api", "v1", "app-integrations", "sms", "test"]
            and parts[4]
        ):
            return "sms", parts[4]
        return "none", None

    def handle(self, request: Request) -> Response:
        cid = new_correlation_id()
        kind, raw_id = self._route(request.target)
        if kind == "redirected":
            return error_response(
                400,
                "Redirected",
                "This URL is where the fault-redirect fault mode points; a client should "
                "report a redirect instead of following it.",
                correlation_id=cid,
            )
        if kind == "account" and raw_id is not None:
            return self._account(raw_id, request, cid)
        if kind == "none" or raw_id is None:
            endpoints = [
                f"{method} {self.path_prefix}{path}" for path, method in ACCOUNT_ROUTES.items()
            ]
            endpoints.append(
                f"POST {self.path_prefix}/api/v1/app-integrations/{{appIntegrationId}}/sms/test"
            )
            return error_response(
                404,
                "NotFound",
                f"No endpoint matches {request.method} {request.target.split('?', 1)[0]}.",
                details="The endpoints are: " + ", ".join(endpoints) + ".",
                correlation_id=cid,
            )
        integration_id = unquote(raw_id)
        if request.method != "POST" and not integration_id.startswith(FAULT_PREFIX):
            return error_response(
                405,
                "MethodNotAllowed",
                f"The method {request.method} is not allowed; use POST.",
                correlation_id=cid,
                headers=(("Allow", "POST"),),
            )

        auth_key = request.header("Auth-Key")
        refused = self._rate_limited(auth_key, cid) or self._key_refusal(auth_key, cid)[1]
        if refused is not None:
            return refused
        refused = self._brand_refusal(request, cid)
        if refused is not None:
            return refused

        if integration_id.startswith(FAULT_PREFIX):
            return self._fault(request, integration_id, cid)
        if integration_id not in self._integrations:
            return self._not_sendable(integration_id, cid)

        payload = self._payload(request, cid)
        if isinstance(payload, Response):
            return payload
        errors = self._validate(payload, cid)
        if errors:
            return envelope_response(
                400,
                errors=errors,
                message=_VALIDATION_FAILED,
                correlation_id=cid,
            )
        return self._send_sms(payload, cid)

    # The checks every endpoint shares ----------------------------------------------------

    def _rate_limited(self, auth_key: str | None, cid: str) -> Response | None:
        """429 when `auth_key` (as sent) made too many requests; None otherwise."""
        if not auth_key:
            return None
        wait = self._limiter.check(auth_key)
        if wait is None:
            return None
        retry_after = max(1, math.ceil(wait))
        return error_response(
            429,
            "TooManyRequests",
            f"Rate limit exceeded: at most {self.rate_limit} requests per "
            f"{self.rate_window:g} seconds for one Auth-Key. "
            f"Try again in {retry_after} seconds.",
            correlation_id=cid,
            headers=(("Retry-After", str(retry_after)),),
        )

    def _user_of(self, auth_key: str) -> str | None:
        """The id of the user whose Auth-Key this is, while it works; else None."""
        if hmac.compare_digest(
            auth_key.encode("utf-8", "surrogatepass"), self.auth_key.encode("utf-8")
        ):
            return accounts.DEMO_USER_ID
        return self.issued_keys.user(auth_key, self.clock())

    def _key_refusal(self, auth_key: str | None, cid: str) -> tuple[str | None, Response | None]:
        """(the key's user id, None), or (None, the 401): missing, unknown or expired."""
        if not auth_key or not auth_key.strip():
            return None, error_response(
                401, "Unauthorized", "The Auth-Key header is required.", correlation_id=cid
            )
        user_id = self._user_of(auth_key)
        if user_id is None:
            # An expired key is told apart from an unknown one by nothing (as jframework).
            return None, error_response(
                401, "Unauthorized", "The Auth-Key is not valid.", correlation_id=cid
            )
        return user_id, None

    def _brand_refusal(self, request: Request, cid: str) -> Response | None:
        """400 without a Brand-URL, 404 `BrandNotFound` for one of no brand; else None."""
        brand = request.header("Brand-URL")
        if not brand or not brand.strip():
            return error_response(
                400, "BrandUrlRequired", "The Brand-URL header is required.", correlation_id=cid
            )
        if _normalize_brand(brand) not in self._brands:
            return error_response(
                404,
                "BrandNotFound",
                f"No brand is registered for the Brand-URL '{brand}'.",
                correlation_id=cid,
            )
        return None

    def _not_sendable(self, integration_id: str, cid: str) -> Response:
        """Why the SMS test does not send with an id it has no active SMS integration for."""
        listed = self._listed.get(integration_id)
        if listed is not None and listed.type.upper() != "SMS":
            return error_response(
                400,
                "AppIntegrationUnsupported",
                f"The app integration '{integration_id}' is not an SMS integration "
                f"(its type is {listed.type}).",
                details="Pick one of the brand's SMS integrations "
                "(GET /api/v1/app-integrations?type=SMS).",
                correlation_id=cid,
            )
        if listed is not None and listed.status.lower() != "active":
            return error_response(
                409,
                "AppIntegrationInactive",
                f"The app integration '{integration_id}' is inactive: it cannot send a test SMS.",
                details="Activate it in jframework, or pick an active SMS setting of the "
                "brand (GET /api/v1/app-integrations/sms).",
                correlation_id=cid,
            )
        return error_response(
            404,
            "AppIntegrationNotFound",
            f"The app integration '{integration_id}' was not found.",
            correlation_id=cid,
        )

    # The account endpoints (CONTRACT §5a) -------------------------------------------------

    def _account(self, route: str, request: Request, cid: str) -> Response:
        """Method, then (where one is needed) the Auth-Key's rate limit and the key, then
        the Brand-URL, then the endpoint's own body or query: the SMS test's order."""
        method = ACCOUNT_ROUTES[route]
        allowed = (method, "HEAD") if method == "GET" else (method,)
        if request.method not in allowed:
            return error_response(
                405,
                "MethodNotAllowed",
                f"The method {request.method} is not allowed; use {method}.",
                correlation_id=cid,
                headers=(("Allow", ", ".join(allowed)),),
            )
        user_id: str | None = None
        if route in KEYED_ROUTES:
            auth_key = request.header("Auth-Key")
            refused = self._rate_limited(auth_key, cid)
            if refused is None:
                user_id, refused = self._key_refusal(auth_key, cid)
            if refused is not None:
                return refused
        refused = self._brand_refusal(request, cid)
        if refused is not None:
            return refused
        brand = _normalize_brand(request.header("Brand-URL") or "")

        data: Any
        if route == "/api/v1/users/auth":
            return self._sign_in(request, cid)
        if route == "/api/v1/users/check-auth-key-available":
            return self._key_check(request, cid)
        if route == "/api/v1/users/me":
            user = accounts.user_by_id(user_id or "")
            data = None if user is None else user.as_json()
        elif route == "/api/v1/brands/by-url":
            data = {"id": accounts.DEMO_BRAND_ID, "name": accounts.DEMO_BRAND_NAME, "url": brand}
        elif route == "/api/v1/app-integrations":
            data = self._integration_list(request.target)
        else:
            data = [setting.as_json() for setting in accounts.DEMO_SMS_SETTINGS]
        return envelope_response(200, data=data, correlation_id=cid)

    def _sign_in(self, request: Request, cid: str) -> Response:
        payload = self._payload(request, cid)
        if isinstance(payload, Response):
            return payload
        errors: list[dict[str, Any]] = []
        login_field, login = "username", ""
        for name in ("username", "emailAddress"):
            value = payload.get(name)
            if value is not None and not isinstance(value, str):
                login_field = name
                errors.append(_field_error(name, f"The {name} field must be a string.", cid))
                break
            if isinstance(value, str) and value.strip():
                login_field, login = name, value.strip()
                break
        else:
            errors.append(
                _field_error("username", "The username or emailAddress field is required.", cid)
            )
        password = payload.get("password")
        if password is not None and not isinstance(password, str):
            errors.append(_field_error("password", "The password field must be a string.", cid))
        elif not password:
            errors.append(_field_error("password", "The password field is required.", cid))
        if errors or not isinstance(password, str):
            return envelope_response(
                400, errors=errors, message=_VALIDATION_FAILED, correlation_id=cid
            )

        user = accounts.find_user(login_field, login)
        # Failures are counted per user, whichever name it signed in with (else per name).
        counted = f"user {user.id}" if user is not None else f"name {login.casefold()}"
        wait = self._sign_in_limiter.peek(counted)
        if wait is not None:
            retry_after = max(1, math.ceil(wait))
            return error_response(
                429,
                "TooManyRequests",
                f"Too many failed sign-ins: at most {self.sign_in_failures} in "
                f"{self.sign_in_window:g} seconds for one user. "
                f"Try again in {retry_after} seconds.",
                correlation_id=cid,
                headers=(("Retry-After", str(retry_after)),),
            )
        if user is None or not hmac.compare_digest(
            password.encode("utf-8", "surrogatepass"), user.password.encode("utf-8")
        ):
            self._sign_in_limiter.check(counted)
            item = error_item("InvalidCredentials", accounts.INCORRECT_SIGN_IN, cid)
            return envelope_response(
                401, errors=[item], message=accounts.INCORRECT_SIGN_IN, correlation_id=cid
            )
        self._sign_in_limiter.forget(counted)
        now = self.clock()
        expires_at = now + self.auth_key_ttl
        data = {
            **user.as_json(),
            "authKey": self.issued_keys.issue(user.id, now=now, expires_at=expires_at),
            "refreshAuthKey": secrets.token_urlsafe(32),
            "expiresIn": accounts.iso_utc(expires_at),
        }
        return envelope_response(200, data=data, correlation_id=cid)

    def _key_check(self, request: Request, cid: str) -> Response:
        payload = self._payload(request, cid)
        if isinstance(payload, Response):
            return payload
        key = payload.get("authKey")
        if key is not None and not isinstance(key, str):
            problem = "The authKey field must be a string."
        elif not key or not key.strip():
            problem = "The authKey field is required."
        else:
            refused = self._rate_limited(key, cid)
            if refused is not None:
                return refused
            return envelope_response(200, data=self._user_of(key) is not None, correlation_id=cid)
        return envelope_response(
            400,
            errors=[_field_error("authKey", problem, cid)],
            message=_VALIDATION_FAILED,
            correlation_id=cid,
        )

    def _integration_list(self, target: str) -> list[dict[str, Any]]:
        """`app-integrations?type=&status=&keywords=` (names case-blind; the last wins)."""
        query = target.split("#", 1)[0].partition("?")[2]
        params = {name.lower(): value for name, value in parse_qsl(query, keep_blank_values=True)}
        return [
            integration.as_json()
            for integration in accounts.DEMO_INTEGRATIONS
            if integration.matches(
                kind=params.get("type", "").strip(),
                status=params.get("status", "").strip(),
                keywords=params.get("keywords", "").strip(),
            )
        ]

    # The body ----------------------------------------------------------------------------

    def _payload(self, request: Request, cid: str) -> dict[str, Any] | Response:
        content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
        if not (content_type in _JSON_TYPES or content_type.endswith("+json")):
            shown = content_type or "none"
            return error_response(
                400,
                "InvalidContentType",
                f"The Content-Type must be application/json (got {shown}).",
                correlation_id=cid,
            )
        if not request.body.strip():
            return error_response(
                400, "InvalidBody", "A request body is required.", correlation_id=cid
            )
        try:
            payload = parse_json(request.body.decode("utf-8-sig"))
        except JsonTooDeep:
            return error_response(
                400,
                "InvalidBody",
                f"The request body is nested too deeply: arrays and objects may be nested "
                f"at most {MAX_JSON_DEPTH} levels deep.",
                correlation_id=cid,
            )
        except (UnicodeDecodeError, ValueError) as exc:
            return error_response(
                400,
                "InvalidJson",
                "The request body is not valid JSON.",
                details=str(exc),
                correlation_id=cid,
            )
        if not isinstance(payload, dict):
            return error_response(
                400,
                "InvalidBody",
                "The request body must be a JSON object.",
                correlation_id=cid,
            )
        return payload

    def _validate(self, payload: dict[str, Any], cid: str) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = []

        def fail(name: str, message: str, details: str | None = None) -> None:
            errors.append(
                error_item("ValidationError", message, cid, details=details, field_name=name)
            )

        for name in FIELDS:
            value = payload.get(name)
            if value is None:
                fail(name, f"The {name} field is required.")
            elif not isinstance(value, str):
                fail(name, f"The {name} field must be a string.")
            elif not value.strip():
                fail(name, f"The {name} field is required.")
            elif name in ("phoneNumberFrom", "phoneNumberTo") and not E164_RE.fullmatch(value):
                fail(
                    name,
                    f"The {name} field must be a phone number in E.164 format.",
                    "E.164 is '+' then the country code and number, at most 15 digits in all, "
                    "no spaces or punctuation: e.g. +14155552671.",
                )
            elif name == "username" and not ACCOUNT_SID_RE.fullmatch(value):
                fail(
                    name,
                    "The username field must be a Twilio Account SID.",
                    "An Account SID is 'AC' followed by 32 hexadecimal digits.",
                )
        return errors

    # Twilio ------------------------------------------------------------------------------

    def _send_sms(self, payload: dict[str, Any], cid: str) -> Response:
        username: str = payload["username"]
        password: str = payload["password"]
        sid_ok = hmac.compare_digest(username.encode("utf-8"), self.account_sid.encode("utf-8"))
        token_ok = hmac.compare_digest(password.encode("utf-8"), self.auth_token.encode("utf-8"))
        problem: twilio.TwilioError | None
        if not (sid_ok and token_ok):
            problem = twilio.authenticate_error()
        elif len(payload["message"]) > twilio.MAX_BODY_CHARS:
            problem = twilio.body_too_long_error()
        else:
            problem = twilio.magic_number_error(
                payload["phoneNumberFrom"], payload["phoneNumberTo"]
            )
        if problem is None:
            return success_response(cid)
        item = error_item(problem.code, problem.message, cid, details=problem.more_info)
        return envelope_response(
            problem.http_status,
            errors=[item],
            message=TWILIO_FAILED_MESSAGE,
            correlation_id=cid,
        )

    # Fault modes -------------------------------------------------------------------------

    def _fault(self, request: Request, integration_id: str, cid: str) -> Response:
        fault = parse_fault(integration_id, self.slow_seconds)
        if fault is None:
            return error_response(
                404,
                "AppIntegrationNotFound",
                f"The app integration '{integration_id}' was not found: "
                "it is not a known fault mode.",
                details="Fault modes: " + ", ".join(FAULTS),
                correlation_id=cid,
            )
        name = fault.name
        if name == "slow":
            ok = success_response(cid)
            return Response(ok.status, ok.body, headers=ok.headers, delay=fault.seconds)
        if name == "500":
            return error_response(
                500,
                "InternalServerError",
                "An unexpected error occurred while sending the test SMS (fault-500).",
                correlation_id=cid,
            )
        if name == "502":
            return Response(502, _BAD_GATEWAY_PAGE, content_type=HTML_TYPE)
        if name == "html":
            return Response(200, _HTML_PAGE, content_type=HTML_TYPE)
        if name == "notjson":
            return Response(200, _NOT_JSON)
        if name == "drop":
            return Response(0, drop=True, close=True)
        if name == "huge":
            return Response(200, huge_body(), headers=(("X-Correlation-Id", cid),))
        if name in ("redirect", "redirect-loop"):
            if name == "redirect":
                location = request.origin + self.path_prefix + REDIRECT_TARGET_PATH
            else:
                location = request.origin + request.target
            return envelope_response(
                302,
                message=f"Moved to {location}.",
                correlation_id=cid,
                headers=(("Location", location),),
            )
        if name == "echo":
            return self._echo(request, cid)
        if name == "empty":
            return Response(200, b"")
        if name == "wrong-status":
            body = envelope_bytes(
                500,
                errors=[
                    error_item(
                        "InternalServerError",
                        "The HTTP status said 200 but this envelope says 500 (fault-wrong-status).",
                        cid,
                    )
                ],
                success=False,
            )
            return Response(200, body, headers=(("X-Correlation-Id", cid),))
        raise AssertionError(f"unhandled fault mode {name!r}")  # pragma: no cover

    def _echo(self, request: Request, cid: str) -> Response:
        text = request.body.decode("utf-8", errors="replace")
        try:
            parsed: Any = parse_json(text) if text.strip() else None
        except ValueError:
            parsed = None
        headers: dict[str, str] = {}
        for key, value in request.headers:
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        data = {
            "method": request.method,
            "target": request.target,
            "headers": headers,
            "body": text,
            "json": parsed,
        }
        secrets = [f"Auth-Key {request.header('Auth-Key')!r}"]
        if isinstance(parsed, dict):
            secrets.append(f"password {parsed.get('password')!r}")
            secrets.append(f"username {parsed.get('username')!r}")
        item = error_item(
            "Echo",
            "fault-echo: the request as received, with " + ", ".join(secrets) + ".",
            cid,
            details=text,
        )
        return envelope_response(
            400,
            data=data,
            errors=[item],
            message="fault-echo: the request is echoed back, secrets included.",
            correlation_id=cid,
        )


_BAD_GATEWAY_PAGE: Final = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)

_HTML_PAGE: Final = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
    b"<title>Sign in</title></head>\n<body>\n<h1>Sign in to continue</h1>\n"
    b"<p>This network requires you to sign in before you can use it.</p>\n"
    b'<form method="post" action="/login"><input name="user"><input name="pass" '
    b'type="password"><button>Sign in</button></form>\n</body>\n</html>\n'
)

_NOT_JSON: Final = b'{"success": true, "statusCode": 200, "message": "The request was succ'

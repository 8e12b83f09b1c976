"""Reading the answer (CONTRACT §2): a lenient parse of jframework's envelope.

Anything may be missing or of another type, and a body may not be JSON at all
(an HTML page from a proxy): nothing here ever raises on what a server sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

#: Bodies shown past this size are cut (the full size is still reported).
SHOW_LIMIT: Final = 64 * 1024

#: jframework's documented status codes by name (what to do about one is the diagnosis's).
STATUS_MEANINGS: Final[dict[int, str]] = {
    200: "OK",
    201: "Created",
    204: "No Content",
    209: "Feature usage limit reached",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One `errors` entry: a string, or an object with code, message, details, correlationId."""

    code: str | None = None
    message: str | None = None
    details: str | None = None
    correlation_id: str | None = None

    def describe(self) -> str:
        parts = [f"[{self.code}]" if self.code else "", self.message or "", self.details or ""]
        text = " ".join(p for p in parts if p) or "(empty error)"
        if self.correlation_id:
            text += f" (correlationId {self.correlation_id})"
        return text


@dataclass(frozen=True, slots=True)
class Envelope:
    """`{success, statusCode, message, data, errors}`, each part `None` when absent or unusable."""

    success: bool | None
    status_code: int | None
    message: str | None
    data: Any
    errors: tuple[ErrorItem, ...]
    has_data: bool = True


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _get(obj: dict[str, Any], *names: str) -> Any:
    """The first of `names` present in `obj`, matched without regard to case."""
    for name in names:
        if name in obj:
            return obj[name]
    lowered = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def parse_error_item(item: Any) -> ErrorItem:
    """One error entry, whatever its shape."""
    if isinstance(item, dict):
        return ErrorItem(
            code=_text(_get(item, "code", "errorCode")),
            message=_text(_get(item, "message", "description", "error")),
            details=_text(_get(item, "details", "detail", "moreInfo")),
            correlation_id=_text(_get(item, "correlationId", "correlation_id", "traceId")),
        )
    return ErrorItem(message=_text(item))


def _status(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _success(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def envelope_from(obj: Any) -> Envelope | None:
    """The envelope in a decoded JSON value, or None when it is not an object at all."""
    if not isinstance(obj, dict):
        return None
    raw_errors = _get(obj, "errors")
    if raw_errors is None:
        items: list[Any] = []
    elif isinstance(raw_errors, list):
        items = raw_errors
    elif isinstance(raw_errors, dict):
        # ASP.NET-style validation errors: {"field": ["reason", ...]}
        items = [
            {"code": key, "message": "; ".join(map(str, val)) if isinstance(val, list) else val}
            for key, val in raw_errors.items()
        ]
    else:
        items = [raw_errors]
    message = _get(obj, "message", "title")
    return Envelope(
        success=_success(_get(obj, "success")),
        status_code=_status(_get(obj, "statusCode", "status")),
        message=_text(message),
        data=_get(obj, "data"),
        errors=tuple(parse_error_item(i) for i in items),
        has_data="data" in obj,
    )


@dataclass(frozen=True, slots=True)
class Body:
    """A response body as read: the envelope when there is one, the text always."""

    envelope: Envelope | None
    text: str
    size: int
    content_type: str
    is_json: bool
    note: str = ""

    @property
    def shown_text(self) -> str:
        """The text cut to SHOW_LIMIT, saying how much was left out."""
        if len(self.text) <= SHOW_LIMIT:
            return self.text
        return (
            self.text[:SHOW_LIMIT]
            + f"\n… (cut: showing {SHOW_LIMIT:,} of {len(self.text):,} characters)"
        )


def _same(obj: dict[str, Any]) -> dict[str, Any]:
    return obj


def parse_body(content: bytes, content_type: str = "") -> Body:
    """Read `content` leniently; never raises."""
    text = content.decode("utf-8", errors="replace")
    if not content.strip():
        return Body(None, text, len(content), content_type, False, "the body is empty")
    try:
        # The hook (which changes nothing) makes the C parser call back into Python for each
        # object, so other threads get the GIL: one json.loads of 100,000 error items would
        # hold it ~100 ms and stall the window's UI thread, though parsing runs on a worker.
        decoded = json.loads(text, object_hook=_same)
    except (ValueError, RecursionError):
        kind = content_type.split(";", 1)[0].strip() or "no content type"
        return Body(None, text, len(content), content_type, False, f"the body is not JSON ({kind})")
    envelope = envelope_from(decoded)
    note = "" if envelope is not None else "the JSON is not an envelope object"
    return Body(envelope, text, len(content), content_type, True, note)

"""What an answer means and what the support agent does next (CONTRACT §3a `diagnosis`).

One table of knowledge, `KNOWLEDGE`: each entry names its codes, whose side the problem is on,
a one-line title, the cause in plain words, one to four concrete steps, and the source the
entry was written from. `diagnose(result)` finds the most specific code an answer carries —

1. Twilio's error code, wherever the answer holds it: an error item's `code` (a number or a
   string), a `twilio.com/docs/errors/NNNNN` link, or "error 21608" / "code 21608" in any text;
2. else jframework's own error code (`AppIntegrationNotFound`, …);
3. else, when no complete answer came, the kind of failure (`refused`, `dns`, `tls`, …);
4. else `redirect`, `not-envelope` or `http-NNN`

— and returns that entry's words, with the details of this answer (the Retry-After wait, the
correlation id, a status that disagrees with the envelope) filled in. An unknown Twilio code
still gets Twilio's page and side "twilio". Nothing here raises on what a server sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from smstester.core.client import SendResult
    from smstester.core.envelope import Envelope

Side = Literal["input", "network", "tls", "jframework", "twilio", "carrier", "server", "unknown"]

#: Whose side each is, in words (the report, the log entry and the ticket note say it so).
SIDE_WORDS: Final[dict[str, str]] = {
    "input": "the form",
    "network": "the network",
    "tls": "the secure connection",
    "jframework": "jframework",
    "twilio": "Twilio",
    "carrier": "the carrier or the recipient",
    "server": "the server",
    "unknown": "unknown",
}

_TWILIO_DOCS: Final = "https://www.twilio.com/docs/errors/"
_JFW_DOCS: Final = "https://developers.jframework.io"
_API_PAGE: Final = "the jframework API page of the SMS test endpoint (shared/seed)"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What one outcome means: whose side, why, what to do, and where to read more."""

    code: str
    side: Side
    title: str
    cause: str
    steps: tuple[str, ...]
    link: str | None = None

    def as_json(self) -> dict[str, Any]:
        """CONTRACT §3a: {"code", "side", "title", "cause", "steps", "link"}."""
        return {
            "code": self.code,
            "side": self.side,
            "title": self.title,
            "cause": self.cause,
            "steps": list(self.steps),
            "link": self.link,
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of knowledge: the codes it explains and what it says about them."""

    codes: tuple[str, ...]
    side: Side
    title: str
    cause: str
    steps: tuple[str, ...]
    source: str
    link: str | None = None

    def diagnosis(self, code: str) -> Diagnosis:
        return Diagnosis(code, self.side, self.title, self.cause, self.steps, self.link)


def _twilio(code: int, title: str, cause: str, *steps: str, side: Side = "twilio") -> Entry:
    link = f"{_TWILIO_DOCS}{code}"
    return Entry((str(code),), side, title, cause, steps, link, link)


def _jfw(
    codes: tuple[str, ...], title: str, cause: str, *steps: str, side: Side = "jframework"
) -> Entry:
    return Entry(codes, side, title, cause, steps, _API_PAGE, _JFW_DOCS)


def _local(codes: tuple[str, ...], side: Side, title: str, cause: str, *steps: str) -> Entry:
    return Entry(codes, side, title, cause, steps, "how httpx and OpenSSL report this failure")


_CHECK_CREDENTIALS = (
    "Compare the Account SID and the Auth Token with the Twilio Console (Account → API keys & "
    "tokens): they must belong to the same account"
)

KNOWLEDGE: Final[tuple[Entry, ...]] = (
    # --- Twilio (https://www.twilio.com/docs/api/errors) ------------------------------------
    _twilio(
        20003,
        "Twilio refused the Account SID / Auth Token pair",
        "Twilio could not authenticate the username (Account SID) and password (Auth Token) "
        "of the integration. The jframework Auth-Key is fine: this is the Twilio pair.",
        _CHECK_CREDENTIALS + "; test credentials only work with test credentials, live with live.",
        "A subaccount's SID needs the subaccount's own token, not the parent's.",
        "If the token was rotated recently, paste the current primary token.",
        "Look for stray spaces or a missing character in the pasted values.",
    ),
    _twilio(
        20404,
        "Twilio does not know a resource of this request",
        "Twilio answered 'not found': usually an Account SID that does not exist or belongs to "
        "another region or account.",
        "Check the Account SID (AC + 32 hex digits) in the Twilio Console.",
        "Make sure the Auth Token is of the same account as the SID.",
    ),
    _twilio(
        21211,
        "Twilio says the To number is not valid",
        "The recipient number is not a valid phone number for Twilio.",
        "Check the To number digit by digit, with its country code (E.164, e.g. +14155552671).",
        "Ask the customer for the number in international form.",
    ),
    _twilio(
        21212,
        "Twilio says the From number is not valid",
        "The sender (From) is not a valid phone number, short code or alphanumeric sender ID.",
        "Check the integration's From number in the Twilio Console → Phone Numbers.",
        "It must be written in E.164 (+ and country code).",
    ),
    _twilio(
        21408,
        "SMS to the To number's country is not enabled (Geo Permissions)",
        "The Twilio account has not allowed SMS to the region of the To number.",
        "In the Twilio Console → Messaging → Settings → Geo permissions, enable the country of "
        "the To number.",
        "Send again once the change is saved (it can take a few minutes).",
    ),
    _twilio(
        21603,
        "Twilio got no From number",
        "The request reached Twilio without a sender.",
        "Fill in the From number of the integration (E.164).",
    ),
    _twilio(
        21606,
        "The From number cannot send SMS for this account",
        "The From number is not an SMS-capable Twilio number of the account whose credentials "
        "were used (with test credentials only +15005550006 works).",
        "In the Twilio Console → Phone Numbers, check that the From number is listed and has "
        "the SMS capability.",
        "Check that the Account SID is of the account that owns that number.",
    ),
    _twilio(
        21608,
        "Trial account: the To number is not verified",
        "A Twilio trial account can only send to numbers verified on it.",
        "Verify the recipient in the Twilio Console → Phone Numbers → Verified Caller IDs.",
        "Or upgrade the Twilio account to send to any number.",
    ),
    _twilio(
        21610,
        "The recipient has unsubscribed (replied STOP)",
        "The To number replied STOP to this sender; Twilio blocks further messages to it.",
        "Ask the recipient to reply START (or UNSTOP) to the From number.",
        "Test with another recipient meanwhile.",
        side="carrier",
    ),
    _twilio(
        21611,
        "The From number's queue is full",
        "Too many messages are waiting to go out from this From number.",
        "Wait a few minutes and send again.",
        "If it persists, check the account's sending volume in the Twilio Console.",
    ),
    _twilio(
        21612,
        "Twilio cannot reach the To number from this From number",
        "The combination of From and To is not routable (for example a short code to another "
        "country, or a carrier that does not accept this sender).",
        "Try another From number of the account, or a To number in the same country.",
        "Check the number's capabilities in the Twilio Console.",
        side="carrier",
    ),
    _twilio(
        21614,
        "The To number is not a mobile number",
        "The recipient is a landline or another number that cannot receive SMS.",
        "Ask the customer for a mobile number.",
        side="carrier",
    ),
    _twilio(
        21617,
        "The message is longer than Twilio's 1,600 characters",
        "The concatenated message body exceeds 1,600 characters.",
        "Shorten the message to 1,600 characters or fewer (smstester counts them under the "
        "message).",
        side="input",
    ),
    _twilio(
        21659,
        "The From number is not a Twilio number",
        "SMS can only be sent from a number, short code or sender ID that is on Twilio (ported "
        "or bought), and a short code only to its own country.",
        "Check the From number in the Twilio Console → Phone Numbers.",
        "If the number is being ported or hosted, wait for that to complete.",
    ),
    _twilio(
        21660,
        "The From number belongs to another Twilio account",
        "The From number is not owned by the account (or subaccount) whose Account SID was used.",
        "Use the Account SID and Auth Token of the account that owns the From number.",
        "For a subaccount, use the subaccount's SID and token.",
    ),
    _twilio(
        21705,
        "The Messaging Service is not valid",
        "The Messaging Service SID configured for the integration does not match a valid "
        "service (MG…).",
        "Check the Messaging Service SID in the Twilio Console → Messaging → Services.",
    ),
    _twilio(
        30003,
        "The recipient's phone is unreachable",
        "The carrier could not deliver: the handset is off, out of coverage or not in service.",
        "Ask the recipient to check that the phone is on and has signal, then send again.",
        side="carrier",
    ),
    _twilio(
        30004,
        "The message was blocked",
        "The carrier or the recipient blocked the message (a block list, or the recipient "
        "blocks this sender).",
        "Ask the recipient whether they block messages from unknown or short-code senders.",
        "Try another From number.",
        side="carrier",
    ),
    _twilio(
        30005,
        "The recipient's number is unknown",
        "The To number does not exist or is no longer in service.",
        "Check the To number with the customer.",
        side="carrier",
    ),
    _twilio(
        30006,
        "Landline or unreachable carrier",
        "The To number is a landline, or its carrier cannot receive SMS.",
        "Ask the customer for a mobile number.",
        side="carrier",
    ),
    _twilio(
        30007,
        "The carrier filtered the message",
        "The carrier flagged the message as spam or against its rules.",
        "Send a plainer text (no link shorteners, no all-caps), and check the sender's "
        "registration (A2P 10DLC or toll-free verification in the US).",
        side="carrier",
    ),
    _twilio(
        30008,
        "Delivery failed for an unknown reason",
        "The carrier reported an error without saying which.",
        "Send again; if it repeats, give Twilio support the message SID from the Twilio logs.",
        side="carrier",
    ),
    _twilio(
        30032,
        "The toll-free number is not verified",
        "US and Canadian carriers block SMS from toll-free numbers that have not completed "
        "toll-free verification.",
        "Submit (or follow up) the toll-free verification in the Twilio Console → Messaging → "
        "Regulatory compliance.",
    ),
    _twilio(
        30034,
        "The US number is not registered for A2P 10DLC",
        "US carriers block SMS from 10-digit long codes that are not in a registered A2P 10DLC "
        "campaign.",
        "Register the brand and campaign (Twilio Console → Messaging → Regulatory compliance) "
        "and add the From number to it.",
    ),
    # --- jframework -----------------------------------------------------------------------
    _jfw(
        ("http-401", "Unauthorized"),
        "jframework refused the Auth-Key",
        "The Auth-Key header is missing, wrong or expired, so jframework did not run the test.",
        "Sign in again to get a fresh Auth-Key.",
        "Check that the Auth-Key belongs to a user of this brand (the Brand-URL).",
    ),
    _jfw(
        ("http-403", "Forbidden"),
        "The signed-in user may not use this integration",
        "jframework knows the Auth-Key but its user has no right to test this app integration.",
        "Sign in with a user that administers this brand's integrations.",
        "Check that the Brand-URL is the customer's brand.",
    ),
    _jfw(
        ("AppIntegrationNotFound",),
        "jframework has no app integration with this id",
        "No app integration with this id exists in the brand named by the Brand-URL.",
        "Check the app integration id (pick it from the brand's SMS integrations).",
        "Check that the Brand-URL is the brand the integration belongs to.",
    ),
    _jfw(
        ("AppIntegrationInactive",),
        "The app integration is not active",
        "The integration exists in the brand, but it is switched off (its status is not Active): "
        "jframework does not send through it.",
        "Pick the brand's active SMS integration (Choose… in the window, smstester "
        "integrations on the command line): the default one is usually right.",
        "Or ask the customer to activate this integration in jframework.",
    ),
    _jfw(
        ("InvalidCredentials",),
        "jframework refused the sign-in",
        "The user name (or e-mail address) and password do not match a jframework user of "
        "this brand.",
        "Check the user name or e-mail address and the password, and the Brand-URL.",
        "After several wrong tries jframework locks the sign-in for a while (429): wait, "
        "then try again.",
    ),
    _jfw(
        ("BrandNotFound", "BrandUrlRequired"),
        "jframework has no brand at this Brand-URL",
        "The Brand-URL header does not name a brand jframework knows.",
        "Check the Brand-URL (the customer's brand domain, without https://).",
    ),
    _jfw(
        ("AppIntegrationAuthenticationNotFound",),
        "The integration has no SMS credentials in jframework",
        "The app integration exists but no authentication (Twilio settings) is configured for it.",
        "Configure the integration's SMS settings in jframework, or pick another integration.",
        "Check the Account SID (username) sent with the test.",
    ),
    _jfw(
        ("AppIntegrationUnsupported",),
        "This integration cannot send SMS",
        "The app integration is not of a type or provider that supports the SMS test.",
        "Pick the brand's SMS integration (type SMS).",
    ),
    _jfw(
        ("AppIntegrationConflictSetting",),
        "The integration's settings conflict",
        "jframework found settings of this integration that contradict each other.",
        "Review the integration's SMS settings in jframework (one default, one active).",
    ),
    _jfw(
        ("BrandNotConfiguredApp",),
        "The brand has not configured this app",
        "The brand has no configuration for the app this integration belongs to.",
        "Configure the app for the brand in jframework, then test again.",
    ),
    _jfw(
        ("http-404", "NotFound"),
        "jframework answered 'not found'",
        "The path, the Brand-URL or the app integration id names nothing jframework has.",
        "Check the base URL (live: https://protocol.jframework.io).",
        "Check the Brand-URL and the app integration id.",
    ),
    _jfw(
        ("http-405", "MethodNotAllowed"),
        "The server does not accept this request here",
        "The URL answered 'method not allowed': the base URL probably points at another "
        "server or a proxy that rewrites the path.",
        "Check the base URL (live: https://protocol.jframework.io).",
    ),
    _jfw(
        ("http-409",),
        "jframework reports a conflict",
        "The integration's configuration conflicts with this request.",
        "Read the error items above and review the integration in jframework.",
    ),
    _jfw(
        ("http-400", "ValidationError", "InvalidBody", "InvalidJson", "InvalidContentType"),
        "jframework refused the request as not valid",
        "A field is missing or not valid for jframework.",
        "Read the error items above: each names the field.",
    ),
    _jfw(
        ("http-209",),
        "The feature's usage limit is reached",
        "jframework answered that the brand has used up this feature's quota.",
        "Check the brand's plan and usage in jframework.",
    ),
    _jfw(
        ("http-429", "TooManyRequests"),
        "Too many requests: jframework asks to slow down",
        "More requests were sent than jframework allows in a short time.",
        "Wait before sending again.",
    ),
    _jfw(
        ("http-5xx", "InternalServerError"),
        "jframework failed on its side",
        "The server had an error of its own; nothing in the form is known to be wrong.",
        "Send once more in a minute.",
        "If it repeats, hand the correlation id to jframework's engineering.",
        side="server",
    ),
    _jfw(
        ("success-false",),
        "jframework answered but says the test failed",
        "The HTTP status says success, the envelope says failure.",
        "Read the envelope's message and error items above.",
    ),
    # --- no (complete) answer ---------------------------------------------------------------
    _local(
        ("refused",),
        "network",
        "Nothing answers at the base URL",
        "The connection was refused: no server listens at that host and port.",
        "Check the base URL (host and port).",
        "If it is right, the server is down: try again later or ask its operators.",
    ),
    _local(
        ("dns",),
        "network",
        "The host name of the base URL does not exist",
        "The name could not be resolved (DNS): a typo, or no network / VPN.",
        "Check the spelling of the base URL's host.",
        "Check that this computer is online (and on the VPN if the host is internal).",
    ),
    _local(
        ("timeout",),
        "network",
        "The server did not answer in time",
        "The wait ran out before a complete answer came.",
        "Send again: a slow moment passes.",
        "If it repeats, the server or the network path is overloaded; raise the profile's "
        "timeouts only if slow answers are expected.",
    ),
    _local(
        ("dropped",),
        "network",
        "The connection closed before the answer was complete",
        "The server or something between (a proxy, a firewall) cut the connection.",
        "Send again.",
        "If it repeats, check proxies and firewalls between this computer and the server.",
    ),
    _local(
        ("too-large",),
        "server",
        "The answer is far too large",
        "The server sent more than smstester reads (5 MiB); a real envelope is a few KB.",
        "Check the base URL: it may point at something that is not the jframework API.",
    ),
    _local(
        ("encoding",),
        "server",
        "The answer is compressed in a way smstester does not read",
        "smstester asks for an uncompressed answer; this server (or a proxy) compressed it "
        "anyway, with an encoding that is unknown or broken.",
        "Check the base URL and any proxy in between: the jframework API answers plain JSON.",
    ),
    _local(
        ("proxy",),
        "network",
        "The proxy failed",
        "The HTTP(S) proxy refused or failed the connection.",
        "Check the HTTP_PROXY / HTTPS_PROXY settings, or ask IT about the proxy.",
    ),
    _local(
        ("proxy-auth", "http-407"),
        "network",
        "The proxy wants a user name and password",
        "The proxy between this computer and the server answered 407 Proxy Authentication "
        "Required: it lets only signed-in users through.",
        "Put your proxy user name in the proxy's URL: HTTPS_PROXY=http://USER@proxy:port (and "
        "HTTP_PROXY the same); this overrides the system's proxy settings.",
        "Put the password in the environment variable SMSTESTER_PROXY_PASSWORD before starting "
        "smstester — never in a file, never on the command line.",
        "If the proxy signs in with Windows (Negotiate, NTLM), ask IT for a way round it for "
        "this server (NO_PROXY).",
    ),
    _local(
        ("network",),
        "network",
        "A network error stopped the send",
        "The connection failed in a way that is not a refusal, DNS or a timeout.",
        "Check this computer's network, then send again.",
    ),
    _local(
        ("cancelled",),
        "input",
        "The send was cancelled",
        "The wait was stopped before an answer came: the SMS may still be sent.",
        "Check the recipient's phone before sending again.",
    ),
    _local(
        ("tls",),
        "tls",
        "The secure connection (TLS) failed",
        "The server's certificate was not accepted, or the server does not speak TLS.",
        "Read the reason above.",
        "Ask IT for the company's CA certificate and give it to the profile as its CA bundle.",
    ),
    _local(
        ("tls-untrusted",),
        "tls",
        "The server's certificate is not trusted",
        "It is self-signed or signed by a certificate authority this computer does not know "
        "(often a company proxy that inspects HTTPS).",
        "Ask IT for the company's root CA certificate (a .pem file).",
        "Give it to the profile as its CA bundle (profiles save NAME --ca-bundle FILE).",
    ),
    _local(
        ("tls-expired",),
        "tls",
        "The server's certificate has expired (or is not valid yet)",
        "The certificate's validity dates do not include now.",
        "Check this computer's date and time.",
        "If they are right, tell the server's operators their certificate has expired.",
    ),
    _local(
        ("tls-host",),
        "tls",
        "The server's certificate is for another name",
        "The certificate does not name the host of the base URL.",
        "Check the base URL's host (live: protocol.jframework.io).",
    ),
    _local(
        ("tls-plain",),
        "tls",
        "The server does not speak TLS",
        "An https:// base URL points at a plain-http server.",
        "Use http:// for that server, or the https port it serves TLS on.",
    ),
    _local(
        ("not-envelope",),
        "server",
        "The answer is not a jframework envelope",
        "Something other than the jframework API answered: a proxy's error page, a captive "
        "portal, a firewall login page, or a wrong base URL.",
        "Open the raw answer to see who answered.",
        "Check the base URL, and whether this network needs a login in the browser first.",
    ),
    _local(
        ("redirect",),
        "server",
        "The server redirected the request",
        "smstester does not follow redirects: the secrets would go to another address.",
        "Check the base URL: use the address the redirect names if it is the same service "
        "(often http:// → https://).",
    ),
    _local(
        ("unknown",),
        "unknown",
        "The outcome could not be explained",
        "The answer does not match anything smstester knows.",
        "Read the answer above and the raw answer.",
    ),
)

#: Every code the table knows -> its entry.
BY_CODE: Final[dict[str, Entry]] = {code.lower(): e for e in KNOWLEDGE for code in e.codes}

_TWILIO_LINK: Final = re.compile(r"twilio\.com/(?:[a-z-]+/)?docs/(?:api/)?errors/(\d{5})")
_CODE_IN_TEXT: Final = re.compile(r"\b(?:error|code)[\s:#=]*(\d{5})\b", re.IGNORECASE)
_TWILIO_CODE: Final = re.compile(r"\d{5}")


def _envelope(result: SendResult) -> Envelope | None:
    return result.body.envelope if result.body else None


def _texts(result: SendResult) -> Iterator[str]:
    env = _envelope(result)
    if env is None:
        return
    if env.message:
        yield env.message
    for item in env.errors:
        for text in (item.message, item.details):
            if text:
                yield text


def twilio_code(result: SendResult) -> str | None:
    """Twilio's error code in the answer, wherever it is (see the module docstring)."""
    env = _envelope(result)
    if env is None:
        return None
    for item in env.errors:
        code = (item.code or "").strip()
        if _TWILIO_CODE.fullmatch(code):
            return code
    for text in _texts(result):
        found = _TWILIO_LINK.search(text) or _CODE_IN_TEXT.search(text)
        if found:
            return found[1]
    return None


def jframework_code(result: SendResult) -> str | None:
    """The first error code in the answer that the table knows (AppIntegrationNotFound, …)."""
    env = _envelope(result)
    if env is None:
        return None
    for item in env.errors:
        if item.code and item.code.strip().lower() in BY_CODE:
            return item.code.strip()
    return None


def _failure_code(result: SendResult) -> str:
    from smstester.core.client import Failure

    names = {
        Failure.REFUSED: "refused",
        Failure.DNS: "dns",
        Failure.TLS: "tls",
        Failure.CONNECT_TIMEOUT: "timeout",
        Failure.READ_TIMEOUT: "timeout",
        Failure.DROPPED: "dropped",
        Failure.TOO_LARGE: "too-large",
        Failure.PROTOCOL: "network",
        Failure.CANCELLED: "cancelled",
        Failure.NETWORK: "network",
        Failure.PROXY: "proxy",
        Failure.ENCODING: "encoding",
    }
    return names.get(result.failure, "network") if result.failure else "network"


def _tls_entry(error: str) -> Entry:
    lowered = error.lower()
    for words, code in (
        ("not trusted", "tls-untrusted"),
        ("expired", "tls-expired"),
        ("not valid yet", "tls-expired"),
        ("another host", "tls-host"),
        ("another address", "tls-host"),
        ("did not answer in tls", "tls-plain"),
    ):
        if words in lowered:
            return BY_CODE[code]
    return BY_CODE["tls"]


def _retry_after(result: SendResult) -> str | None:
    for name, value in result.headers:
        if name.lower() == "retry-after":
            return value.strip()[:40] or None
    return None


def _correlation_ids(result: SendResult) -> list[str]:
    env = _envelope(result)
    if env is None:
        return []
    return list(dict.fromkeys(i.correlation_id for i in env.errors if i.correlation_id))


def _entry_for(result: SendResult) -> tuple[str, Entry]:
    code = twilio_code(result)
    if code is not None:
        entry = BY_CODE.get(code)
        if entry is None:
            link = f"{_TWILIO_DOCS}{code}"
            entry = Entry(
                (code,),
                "twilio",
                f"Twilio refused the message (error {code})",
                "Twilio answered with an error code smstester has no notes on.",
                ("Read Twilio's page for this code.",),
                link,
                link,
            )
        return code, entry
    code = jframework_code(result)
    if code is not None:
        return code, BY_CODE[code.lower()]
    if result.http_status is None or result.failure is not None:
        code = _failure_code(result)
        entry = _tls_entry(result.error or "") if code == "tls" else BY_CODE[code]
        if code == "proxy" and (result.error or "").startswith("The proxy failed: 407"):
            entry = BY_CODE["proxy-auth"]  # CONNECT answered 407: the code stays `proxy`
        return code, entry
    if result.location is not None:
        return "redirect", BY_CODE["redirect"]
    if result.http_status == 407:  # a proxy's answer, whatever page it came with
        return "http-407", BY_CODE["http-407"]
    env = _envelope(result)
    if env is None:
        return "not-envelope", BY_CODE["not-envelope"]
    status = result.http_status
    code = f"http-{status}"
    if code.lower() in BY_CODE:
        return code, BY_CODE[code.lower()]
    if status >= 500:
        return code, BY_CODE["http-5xx"]
    if status < 300:
        return code, BY_CODE["success-false"]
    return code, BY_CODE["unknown"]


def diagnose(result: SendResult) -> Diagnosis | None:
    """What `result` means and what to do; None when the envelope says success."""
    if result.success:
        return None
    code, entry = _entry_for(result)
    found = entry.diagnosis(code)
    steps = list(found.steps)
    cause = found.cause
    wait = _retry_after(result)
    if wait is not None and result.http_status == 429:
        steps.insert(0, f"Wait {wait} s before sending again (the server's Retry-After).")
    ids = _correlation_ids(result)
    if ids and found.side in ("server", "jframework", "unknown"):
        steps.append(f"Quote the correlation id {', '.join(ids[:3])} to jframework's support.")
    if result.status_mismatch:
        cause = f"{cause} ({result.status_mismatch}.)"
    spent = result.timings.describe() if result.timings else ""
    if code == "timeout" and spent:
        cause = f"{cause} Where the time went: {spent}."
    return replace(found, cause=cause, steps=tuple(steps[:4]))


def explain(code: str) -> Diagnosis | None:
    """What smstester knows of a Twilio or jframework code (`21608`, `AppIntegrationNotFound`,
    `http-401`, `tls`, …); None when it knows nothing of it (and it is not a Twilio code)."""
    key = code.strip()
    entry = BY_CODE.get(key.lower())
    if entry is not None:
        return entry.diagnosis(key)
    if _TWILIO_CODE.fullmatch(key):
        link = f"{_TWILIO_DOCS}{key}"
        return Diagnosis(
            key,
            "twilio",
            f"Twilio error {key}",
            "smstester has no notes on this Twilio code.",
            ("Read Twilio's page for this code.",),
            link,
        )
    return None


def known_codes() -> Iterable[str]:
    """Every code of the table, in its order (for `explain` and tests)."""
    return [code for entry in KNOWLEDGE for code in entry.codes]

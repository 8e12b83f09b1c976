"""What the sandbox plays of Twilio: its test credentials' magic numbers (CONTRACT §5).

https://www.twilio.com/docs/iam/test-credentials lists the numbers; the messages below are
the texts Twilio's API returns for those error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The only From number that Twilio's test credentials accept.
VALID_FROM: Final = "+15005550006"

#: Twilio error codes the sandbox can answer with -> HTTP status it uses for them.
TWILIO_HTTP_STATUS: Final[dict[int, int]] = {
    20003: 401,  # Authenticate (wrong Account SID / Auth Token)
    21211: 400,  # invalid 'To' number
    21212: 400,  # invalid 'From' number
    21408: 403,  # region not enabled for the 'To' number
    21606: 400,  # 'From' is not a message-capable number of this account
    21610: 403,  # 'To' has unsubscribed (STOP) from this 'From'
    21611: 429,  # 'From' has too many queued messages
    21612: 400,  # 'To' not reachable from this 'From'
    21614: 400,  # 'To' is not a mobile number
    21617: 400,  # body longer than 1600 characters
}

#: Twilio's limit on a message body (after concatenation), in characters.
MAX_BODY_CHARS: Final = 1600


@dataclass(frozen=True, slots=True)
class TwilioError:
    """One Twilio failure: its numeric code and the message text Twilio returns."""

    code: int
    message: str

    @property
    def more_info(self) -> str:
        return f"https://www.twilio.com/docs/errors/{self.code}"

    @property
    def http_status(self) -> int:
        return TWILIO_HTTP_STATUS.get(self.code, 400)


def authenticate_error() -> TwilioError:
    return TwilioError(20003, "Authenticate")


def body_too_long_error() -> TwilioError:
    return TwilioError(21617, "The concatenated message body exceeds the 1600 character limit.")


def magic_number_error(phone_from: str, phone_to: str) -> TwilioError | None:
    """Twilio's answer for this From/To pair under test credentials; None if it is accepted.

    From is checked first; the To numbers only matter when From is the valid test sender.
    """
    if phone_from == "+15005550001":
        return TwilioError(
            21212,
            f"The 'From' number {phone_from} is not a valid phone number, shortcode, "
            "or alphanumeric sender ID.",
        )
    if phone_from == "+15005550008":
        return TwilioError(
            21611, "This 'From' number has exceeded the maximum number of queued messages."
        )
    if phone_from != VALID_FROM:
        return TwilioError(
            21606,
            "The 'From' phone number provided is not a valid message-capable Twilio phone "
            "number for this destination/account.",
        )
    if phone_to == "+15005550001":
        return TwilioError(21211, f"The 'To' number {phone_to} is not a valid phone number.")
    if phone_to == "+15005550002":
        return TwilioError(
            21612,
            f"The 'To' phone number: {phone_to}, is not currently reachable using the "
            f"'From' phone number: {phone_from} via SMS.",
        )
    if phone_to == "+15005550003":
        return TwilioError(
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by "
            f"the 'To' number: {phone_to}.",
        )
    if phone_to == "+15005550004":
        return TwilioError(21610, "Attempt to send to unsubscribed recipient")
    if phone_to == "+15005550009":
        return TwilioError(21614, "'To' number is not a valid mobile number")
    return None

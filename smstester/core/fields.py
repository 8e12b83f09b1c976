"""The one place that knows the form's fields: names, labels, help texts and which are secret."""

from __future__ import annotations

from typing import Final

#: Field name -> label a support agent reads (used in every error message that names a field).
LABELS: Final[dict[str, str]] = {
    "base_url": "Base URL",
    "brand_url": "Brand-URL",
    "integration_id": "App integration id",
    "auth_key": "Auth-Key",
    "username": "Username (Account SID)",
    "password": "Password (Auth Token)",
    "phone_from": "From",
    "phone_to": "To",
    "message": "Message",
}

#: Help texts, taken from the API's own field descriptions.
HELP: Final[dict[str, str]] = {
    "base_url": "The jframework API host. Live: https://protocol.jframework.io, "
    "development: https://protocol.jframework.dev.",
    "brand_url": "The brand URL of the request. This is used to identify the brand.",
    "integration_id": "The id of the app integration.",
    "auth_key": "This is used to authenticate the request. If the request is not "
    "authenticated, the server will return a 401 Unauthorized response.",
    "username": "The username or identifier for the SMS integration. For Twilio, this is "
    "the Account SID (String Identifier).",
    "password": "The password or authentication token for the SMS integration. For Twilio, "
    "this is the Auth Token.",
    "phone_from": "The sender's phone number used by the SMS integration. "
    "Must be in E.164 format (e.g., +1234567890).",
    "phone_to": "The recipient's phone number to which the test SMS will be sent. "
    "Must be in E.164 format (e.g., +1234567890).",
    "message": "The content of the SMS message to be sent during the test.",
}

#: Fields typed on one line: surrounding spaces are trimmed before a send.
SINGLE_LINE_FIELDS: Final[tuple[str, ...]] = (
    "base_url",
    "brand_url",
    "integration_id",
    "auth_key",
    "username",
    "password",
    "phone_from",
    "phone_to",
)

#: The two secrets. They live only in the OS keyring and in memory.
SECRET_FIELDS: Final[tuple[str, str]] = ("auth_key", "password")

#: Environment variables that carry the secrets to the CLI and to a masked curl command.
SECRET_ENV: Final[dict[str, str]] = {
    "auth_key": "SMSTESTER_AUTH_KEY",
    "password": "SMSTESTER_PASSWORD",
}

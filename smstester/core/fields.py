"""The one table of the form's fields: `FIELDS`, one row per field of `SmsTest`.

Everything that lists fields derives from it — the form's rows, labels, tab chain and
tooltips, the command line's connection options, the secrets' environment variables, the
JSON keys of `profiles list --json`, the profile ↔ test conversion and the words that name a
field in an error. Adding a field is one row here plus its widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the test request and everything each front end needs to know of it."""

    #: The attribute of `SmsTest` (and of `Profile`).
    name: str
    #: The words that name it for a support agent (in every error message).
    label: str
    #: The form's label, with `&` before its Alt+ letter.
    mnemonic: str
    #: Help text, from the API's own field descriptions.
    help: str
    #: The form widget's objectName (CONTRACT §4).
    object_name: str
    #: What the empty widget shows.
    placeholder: str = ""
    #: Lives only in the OS keyring and in memory; never in a file, a log or a flag.
    secret: bool = False
    #: Typed on one line: surrounding spaces are trimmed before a send.
    single_line: bool = True
    #: A send needs it.
    required: bool = True
    #: The command-line flag (None for the secrets: they never come from a flag).
    flag: str | None = None
    #: The environment variable that carries it (the secrets only).
    env: str | None = None
    #: Its key in JSON output (`profiles list --json`) and the API's body where it is sent.
    json_key: str = ""
    #: What `--help` shows for the flag's value ("" = the flag's name in capitals).
    metavar: str = ""
    #: Its column's heading in `smstester profiles list` ("" = not a column there).
    column: str = ""
    #: Where the API takes it (CONTRACT §1): a header, the path, a body key ("" = nowhere).
    api: str = ""
    #: Other names of its flag (`--account-sid` for `--username`).
    aliases: tuple[str, ...] = ()

    @property
    def short_label(self) -> str:
        """The form's label without its `&`: the field's name in a sentence ("Auth Token")."""
        return self.mnemonic.replace("&&", "\0").replace("&", "").replace("\0", "&")


FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "base_url",
        "Base URL",
        "Base &URL",
        "The jframework API host. Live: https://protocol.jframework.io, "
        "development: https://protocol.jframework.dev.",
        "baseUrlEdit",
        flag="--base-url",
        json_key="baseUrl",
        api="the host (and path prefix) the API is called on",
        column="BASE URL",
    ),
    Field(
        "brand_url",
        "Brand-URL",
        "&Brand-URL",
        "The brand URL of the request. This is used to identify the brand.",
        "brandUrlEdit",
        placeholder="brand.example.com",
        flag="--brand-url",
        json_key="brandUrl",
        api="the Brand-URL header",
        column="BRAND-URL",
    ),
    Field(
        "integration_id",
        "App integration id",
        "&Integration id",
        "The id of the app integration.",
        "integrationIdEdit",
        placeholder="the app integration's id",
        flag="--integration-id",
        json_key="integrationId",
        api="{appIntegrationId} in the path",
        column="INTEGRATION ID",
    ),
    Field(
        "auth_key",
        "Auth-Key",
        "Auth-&Key",
        "This is used to authenticate the request. If the request is not authenticated, the "
        "server will return a 401 Unauthorized response.",
        "authKeyEdit",
        placeholder="the integration's Auth-Key",
        secret=True,
        env="SMSTESTER_AUTH_KEY",
        json_key="authKey",
        api="the Auth-Key header",
    ),
    Field(
        "username",
        "Username (Account SID)",
        "Account SI&D",
        "The username or identifier for the SMS integration. For Twilio, this is the Account "
        "SID (String Identifier).",
        "usernameEdit",
        placeholder="AC followed by 32 hex digits",
        flag="--username",
        json_key="username",
        api="the body's username",
        aliases=("--account-sid",),
        column="USERNAME",
    ),
    Field(
        "password",
        "Password (Auth Token)",
        "&Auth Token",
        "The password or authentication token for the SMS integration. For Twilio, this is "
        "the Auth Token.",
        "passwordEdit",
        placeholder="Twilio Auth Token",
        secret=True,
        env="SMSTESTER_PASSWORD",
        json_key="password",
        api="the body's password",
    ),
    Field(
        "phone_from",
        "From",
        "Fr&om",
        "The sender's phone number used by the SMS integration. Must be in E.164 format "
        "(e.g., +1234567890).",
        "fromEdit",
        placeholder="+15005550006",
        flag="--from",
        json_key="phoneNumberFrom",
        api="the body's phoneNumberFrom",
        metavar="NUMBER",
    ),
    Field(
        "phone_to",
        "To",
        "&To",
        "The recipient's phone number to which the test SMS will be sent. Must be in E.164 "
        "format (e.g., +1234567890).",
        "toEdit",
        placeholder="+14155552671",
        flag="--to",
        json_key="phoneNumberTo",
        api="the body's phoneNumberTo",
        metavar="NUMBER",
    ),
    Field(
        "region",
        "Region",
        "Re&gion",
        "Country used for numbers typed without + and a country code.",
        "regionCombo",
        required=False,
        flag="--region",
        json_key="region",
    ),
    Field(
        "message",
        "Message",
        "&Message",
        "The content of the SMS message to be sent during the test.",
        "messageEdit",
        placeholder="The text of the test SMS",
        single_line=False,
        flag="--message",
        json_key="message",
        api="the body's message",
    ),
)

#: The reason given for a required field left empty (`Problem.missing` tells it apart).
REQUIRED: Final = "required"

#: Field name -> its row.
BY_NAME: Final[dict[str, Field]] = {f.name: f for f in FIELDS}

#: Field name -> label a support agent reads (used in every error message that names a field).
LABELS: Final[dict[str, str]] = {f.name: f.label for f in FIELDS}

#: Help texts, taken from the API's own field descriptions.
HELP: Final[dict[str, str]] = {f.name: f.help for f in FIELDS}

#: Fields typed on one line that a send carries: surrounding spaces are trimmed first.
SINGLE_LINE_FIELDS: Final[tuple[str, ...]] = tuple(
    f.name for f in FIELDS if f.single_line and f.required
)

#: The secrets. They live only in the OS keyring and in memory.
SECRET_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in FIELDS if f.secret)

#: Environment variables that carry the secrets to the CLI and to a masked curl command.
SECRET_ENV: Final[dict[str, str]] = {f.name: f.env for f in FIELDS if f.env}

#: The fields a profile keeps in its file (everything but the secrets).
PROFILE_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in FIELDS if not f.secret)

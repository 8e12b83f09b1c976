"""The snippet formats (CONTRACT §9): their names, menu labels and window actions, apart from
the renderers (`core.snippets`, which import the request and curl code: ~0.2 s) so that the
window's menu and the command line's parser are built without them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from smstester.core.fields import SECRET_ENV

_KEY: Final = SECRET_ENV["auth_key"]
_PASSWORD: Final = SECRET_ENV["password"]


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """One entry of the *Copy as* menu and of `smstester snippet FORMAT`."""

    key: str  # the FORMAT of `smstester snippet`
    label: str  # the menu's text
    action: str  # the objectName of the window's QAction (CONTRACT §4a)
    runs_in: str
    masked_as: tuple[str, str]  # how the Auth-Key and the password are referred to


SNIPPET_FORMATS: Final[tuple[FormatInfo, ...]] = (
    FormatInfo(
        "curl",
        "curl (bash, zsh)",
        "copyAsCurlAction",
        "bash and zsh",
        (f"${_KEY}", f"${_PASSWORD}"),
    ),
    FormatInfo(
        "curl-cmd",
        "curl (Windows cmd)",
        "copyAsCurlCmdAction",
        "Windows cmd.exe with curl.exe",
        (f"%{_KEY}%", f"%{_PASSWORD}%"),
    ),
    FormatInfo(
        "powershell",
        "PowerShell",
        "copyAsPowerShellAction",
        "Windows PowerShell 5.1 and PowerShell 7",
        (f"$env:{_KEY}", f"$env:{_PASSWORD}"),
    ),
    FormatInfo(
        "python",
        "Python",
        "copyAsPythonAction",
        "Python 3.8+ (standard library)",
        (f'os.environ["{_KEY}"]', f'os.environ["{_PASSWORD}"]'),
    ),
    FormatInfo(
        "httpie",
        "HTTPie",
        "copyAsHttpieAction",
        "bash and zsh with HTTPie's http",
        (f"${_KEY}", f"${_PASSWORD}"),
    ),
)

#: The formats' keys, in the menu's order.
FORMAT_KEYS: Final[tuple[str, ...]] = tuple(f.key for f in SNIPPET_FORMATS)

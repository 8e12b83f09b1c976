"""The client's limits, fast: exit codes that say whether the server answered (a status line
came) or not. The same over real sockets is in tests/integration/test_deadline_and_bombs.py.
"""

from __future__ import annotations

import json

import pytest

from smstester.core.client import Failure, SendResult
from smstester.core.envelope import parse_body

SUCCESS = json.dumps(
    {"success": True, "statusCode": 200, "message": "sent", "data": {"sid": "SM1"}, "errors": []}
).encode()


# --- exit codes say who answered ------------------------------------------------------


def result(status: int | None, failure: Failure | None, body: bytes = b"") -> SendResult:
    return SendResult(
        "POST",
        "http://127.0.0.1/x",
        1.0,
        http_status=status,
        body=parse_body(body, "application/json") if status is not None else None,
        failure=failure,
        error=failure.value if failure else None,
    )


@pytest.mark.parametrize(
    ("status", "failure", "body", "code"),
    [
        (200, None, SUCCESS, 0),
        (500, Failure.TOO_LARGE, b'{"data": "xxxx', 1),
        (500, None, b"", 1),
        (200, Failure.DROPPED, SUCCESS, 1),  # a success envelope cut short is no success
        (200, Failure.READ_TIMEOUT, SUCCESS, 1),
        (200, Failure.CANCELLED, SUCCESS, 1),
        (None, Failure.READ_TIMEOUT, b"", 3),
        (None, Failure.REFUSED, b"", 3),
        (None, Failure.DROPPED, b"", 3),
    ],
)
def test_exit_code_says_whether_the_server_answered(
    status: int | None, failure: Failure | None, body: bytes, code: int
) -> None:
    sent = result(status, failure, body)
    assert sent.exit_code == code
    assert sent.responded is (status is not None)
    assert sent.answered is (status is not None and failure is None)
    assert sent.success is (code == 0)

"""The sandbox's jframework account side in process (`SandboxApp.handle`, no sockets):
expiry on an injected clock, the bounded key store, the sign-in lock-out and its window."""

from __future__ import annotations

import json
import math
import tracemalloc
from typing import Any

import pytest

from smstester.core.model import DEMO_LOGIN_PASSWORD, DEMO_LOGIN_USERNAME
from smstester.sandbox import DEMO_AUTH_KEY, DEMO_BRAND_URL
from smstester.sandbox.accounts import (
    MAX_AUTH_KEY_TTL,
    MAX_ISSUED_KEYS,
    MAX_SIGN_IN_FAILURES,
    SIGN_IN_WINDOW,
    IssuedKeys,
    check_ttl,
    iso_utc,
)
from smstester.sandbox.app import Request, Response, SandboxApp


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def call(
    app: SandboxApp,
    method: str,
    path: str,
    *,
    auth_key: str | None = None,
    body: Any = None,
    brand: str | None = DEMO_BRAND_URL,
) -> Response:
    headers = [("Content-Type", "application/json")]
    if brand is not None:
        headers.append(("Brand-URL", brand))
    if auth_key is not None:
        headers.append(("Auth-Key", auth_key))
    payload = b"" if body is None else json.dumps(body).encode()
    return app.handle(Request(method, path, headers, payload, "http://127.0.0.1:1"))


def answer(response: Response) -> dict[str, Any]:
    env: dict[str, Any] = json.loads(response.body)
    assert env["statusCode"] == response.status
    return env


def sign_in(app: SandboxApp, password: str = DEMO_LOGIN_PASSWORD) -> Response:
    body = {"username": DEMO_LOGIN_USERNAME, "password": password}
    return call(app, "POST", "/api/v1/users/auth", body=body)


def new_key(app: SandboxApp) -> str:
    response = sign_in(app)
    assert response.status == 200, response.body
    key: str = answer(response)["data"]["authKey"]
    return key


def me_status(app: SandboxApp, key: str) -> int:
    return call(app, "GET", "/api/v1/users/me", auth_key=key).status


def key_available(app: SandboxApp, key: str) -> bool:
    response = call(app, "POST", "/api/v1/users/check-auth-key-available", body={"authKey": key})
    assert response.status == 200
    found: bool = answer(response)["data"]
    return found


# --- expiry ------------------------------------------------------------------------------


def test_a_key_lives_exactly_the_ttl() -> None:
    clock = Clock()
    app = SandboxApp(auth_key_ttl=3600, clock=clock)
    key = new_key(app)
    clock.now += 3599.999
    assert me_status(app, key) == 200
    assert key_available(app, key) is True
    clock.now += 0.001
    assert me_status(app, key) == 401
    assert key_available(app, key) is False
    assert me_status(app, DEMO_AUTH_KEY) == 200


def test_expiry_is_said_in_utc_seconds() -> None:
    clock = Clock(1_800_000_000.75)
    app = SandboxApp(auth_key_ttl=10, clock=clock)
    signed = answer(sign_in(app))["data"]
    # Never later than the key really stops: the fraction is cut, not rounded up.
    assert signed["expiresIn"] == iso_utc(1_800_000_010.75) == "2027-01-15T08:00:10Z"


def test_iso_utc() -> None:
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    assert iso_utc(59.999) == "1970-01-01T00:00:59Z"
    assert iso_utc(1e20) == "9999-12-31T23:59:59Z"  # past datetime's range: its last second


@pytest.mark.parametrize("ttl", [0, -1, math.nan, math.inf, -math.inf, MAX_AUTH_KEY_TTL * 2])
def test_check_ttl_refuses_in_words(ttl: float) -> None:
    with pytest.raises(ValueError, match="seconds"):
        check_ttl(ttl)
    with pytest.raises(ValueError, match="seconds"):
        SandboxApp(auth_key_ttl=ttl)


@pytest.mark.parametrize("ttl", [0.001, 1, 3600, MAX_AUTH_KEY_TTL])
def test_check_ttl_accepts(ttl: float) -> None:
    assert check_ttl(ttl) == ttl


def test_expired_keys_are_forgotten() -> None:
    clock = Clock()
    app = SandboxApp(auth_key_ttl=60, clock=clock)
    for _ in range(50):
        new_key(app)
    assert len(app.issued_keys) == 50
    clock.now += 61
    new_key(app)
    assert len(app.issued_keys) == 1


# --- the bounded store ---------------------------------------------------------------------


def test_the_store_keeps_at_most_max_keys_the_oldest_going_first() -> None:
    app = SandboxApp(max_issued_keys=100, clock=Clock())
    keys = [new_key(app) for _ in range(250)]
    assert len(app.issued_keys) == 100
    assert me_status(app, keys[-1]) == 200
    assert me_status(app, keys[-100]) == 200
    assert me_status(app, keys[-101]) == 401
    assert me_status(app, keys[0]) == 401


def test_the_store_holds_hashes_not_keys() -> None:
    store = IssuedKeys(10)
    key = store.issue("user", now=0.0, expires_at=100.0)
    assert store.user(key, now=0.0) == "user"
    assert key not in repr(vars(store))
    assert all(isinstance(digest, bytes) and len(digest) == 16 for digest in store._keys)


def test_a_flood_of_sign_ins_stays_small() -> None:
    """Once the store is full, more sign-ins cost no more memory (the oldest keys go)."""
    app = SandboxApp(rate_limit=0, max_issued_keys=500, clock=Clock())
    for _ in range(600):
        new_key(app)
    assert len(app.issued_keys) == 500
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(600):  # every key in the store replaced
            sign_in(app)
        first = tracemalloc.get_traced_memory()[0] - before
        for _ in range(1500):
            sign_in(app)
        then = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(app.issued_keys) == 500
    print(f"{first / 500:.0f} bytes a key; {then - first} bytes more after 1,500 more sign-ins")
    assert first < 500 * 512  # a hash, an expiry and a user id: well under 512 bytes a key
    assert then - first < 16 * 1024


def test_the_default_store_is_bounded() -> None:
    app = SandboxApp(clock=Clock())
    assert app.issued_keys.max_keys == MAX_ISSUED_KEYS
    for _ in range(MAX_ISSUED_KEYS + 50):
        sign_in(app)
    assert len(app.issued_keys) == MAX_ISSUED_KEYS


# --- the sign-in lock-out --------------------------------------------------------------------


def test_the_lock_out_ends_after_its_window() -> None:
    clock = Clock()
    app = SandboxApp(clock=clock)
    for _ in range(MAX_SIGN_IN_FAILURES):
        assert sign_in(app, "guess").status == 401
    locked = sign_in(app)
    assert locked.status == 429
    retry_after = int(dict(locked.headers)["Retry-After"])
    assert retry_after == math.ceil(SIGN_IN_WINDOW)
    clock.now += SIGN_IN_WINDOW - 1
    assert sign_in(app).status == 429
    clock.now += 1
    assert sign_in(app).status == 200


def test_a_successful_sign_in_clears_the_count() -> None:
    app = SandboxApp(clock=Clock())
    for _ in range(MAX_SIGN_IN_FAILURES - 1):
        assert sign_in(app, "guess").status == 401
    assert sign_in(app).status == 200
    for _ in range(MAX_SIGN_IN_FAILURES - 1):
        assert sign_in(app, "guess").status == 401
    assert sign_in(app).status == 200


def test_the_lock_out_is_per_name_and_case_blind() -> None:
    app = SandboxApp(clock=Clock())
    for _ in range(MAX_SIGN_IN_FAILURES):
        body = {"username": DEMO_LOGIN_USERNAME.upper(), "password": "guess"}
        assert call(app, "POST", "/api/v1/users/auth", body=body).status == 401
    assert sign_in(app).status == 429
    other = {"username": "someone", "password": "guess"}
    assert call(app, "POST", "/api/v1/users/auth", body=other).status == 401


def test_sign_in_failures_setting() -> None:
    app = SandboxApp(sign_in_failures=2, clock=Clock())
    assert [sign_in(app, "guess").status for _ in range(3)] == [401, 401, 429]

"""A profile: to and from a test, its id, unique names."""

from __future__ import annotations

from support import AUTH_KEY, TOKEN, acme

from smstester.core.model import SmsTest
from smstester.core.profiles import (
    Profile,
    unique_name,
)

# -- the profile itself ----------------------------------------------------------------------


def test_profile_to_test_and_back() -> None:
    profile = acme()
    test = profile.to_test(AUTH_KEY, TOKEN)
    assert (test.auth_key, test.password, test.region) == (AUTH_KEY, TOKEN, "US")
    assert test.brand_url == "acme.example.com"
    back = Profile.from_test("Acme", test, id=profile.id)
    assert back == profile
    assert AUTH_KEY not in repr(back.to_json()) and TOKEN not in repr(back.to_json())
    assert Profile.from_test("x", SmsTest(region=None)).region == ""


def test_profile_merged_into_keeps_given_secrets_and_defaults() -> None:
    base = SmsTest(message="default text", auth_key="from-env")
    merged = acme(message="", region="").merged_into(base)
    assert merged.message == "default text"  # an empty profile field does not blank it
    assert merged.auth_key == "from-env"
    assert merged.region is None
    assert merged.brand_url == "acme.example.com"


def test_profile_ids_are_stable_uuid_hex() -> None:
    a, b = Profile(name="a"), Profile(name="b")
    assert a.id != b.id and len(a.id) == 32 and int(a.id, 16) >= 0


def test_unique_name_numbers() -> None:
    assert unique_name("Acme", []) == "Acme"
    assert unique_name("Acme", ["acme"]) == "Acme (2)"
    assert unique_name("Acme", ["Acme", "Acme (2)"]) == "Acme (3)"
    assert unique_name("Acme (2)", ["Acme", "Acme (2)"]) == "Acme (3)"

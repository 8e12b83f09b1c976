"""The profile store against hostile or damaged input (issue 10, points 11-14).

Bad timeouts, JSON that Python cannot follow (nested 100,000 deep, NaN, a lone surrogate,
huge numbers), names with controls or bidi overrides, base URLs carrying a password, imports
that switch TLS verification off, and the store's cost with thousands of profiles (checked by
counting calls, not by timing).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from support import acme

from smstester.core.profiles import (
    MAX_IMPORT_BYTES,
    NameTaken,
    Profile,
    ProfileError,
    ProfileStore,
    check_name,
    unique_name,
)
from smstester.core.storage import encode_json, read_versioned_json

PASSWORD = "pw-Zq81-SECRET"


def entry(**changes: Any) -> dict[str, Any]:
    """A profile as an export file holds it."""
    return acme().to_json(with_id=False) | changes


def write_raw(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def export_file(folder: Path, entries: list[dict[str, Any]], name: str = "in.json") -> Path:
    out = folder / name
    out.write_text(json.dumps({"version": 1, "profiles": entries}), "utf-8")
    return out


def strict_json(raw: bytes) -> Any:
    """Parse `raw` as strict JSON: NaN and Infinity are refused."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} written to a JSON file")

    return json.loads(raw, parse_constant=refuse)


# -- 11. timeouts ----------------------------------------------------------------------------

BAD_SECONDS = [-1, -1.0, 0, 0.0, math.nan, math.inf, -math.inf, 1e308, 3601, "30", True, None]


@pytest.mark.parametrize("value", BAD_SECONDS)
@pytest.mark.parametrize(
    ("field", "words"), [("connect_timeout", "connect"), ("read_timeout", "read")]
)
def test_a_bad_timeout_cannot_make_a_profile(field: str, words: str, value: object) -> None:
    with pytest.raises(ProfileError, match=f"{words} timeout"):
        Profile(name="Acme", **{field: value})  # type: ignore[arg-type]
    if value is not None:  # with_changes ignores None: "leave it as it is"
        with pytest.raises(ProfileError, match=f"{words} timeout"):
            acme().with_changes(**{field: value})
    with pytest.raises(ProfileError, match=f"{words} timeout"):
        Profile.from_json(entry(**{field: value}))


def test_good_timeouts_are_kept_as_numbers_of_seconds() -> None:
    profile = acme(connect_timeout=2, read_timeout=3600)
    assert (profile.connect_timeout, profile.read_timeout) == (2.0, 3600.0)
    assert isinstance(profile.connect_timeout, float)
    assert acme().with_changes(read_timeout=0.5).read_timeout == 0.5


@pytest.mark.parametrize(
    "value",
    [5e-324, 1e-9, 0.5, 1, 59.9, 3599.999, 3600, 3600.000001, 1e4, -0.0, 0.0, -5e-324],
)
def test_timeouts_follow_the_clients_one_rule(value: float) -> None:
    from smstester.core.model import check_seconds

    try:
        check_seconds(float(value), "x")
    except ValueError:
        client_takes = False
    else:
        client_takes = True
    try:
        Profile(name="Acme", read_timeout=value)
    except ProfileError:
        profile_takes = False
    else:
        profile_takes = True
    assert profile_takes == client_takes


@pytest.mark.parametrize(
    ("raw_value", "shown"),
    [
        ("-1", "-1"),
        ("0", "0"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e400", "Infinity"),
        ("1e308", "1e+308"),
        ('"30"', '"30"'),
        ('"\\u001b[2K"', '"\\u001b[2K"'),
        ("true", "true"),
        ("null", "null"),
        ("[30]", "a list"),
        ("1" + "0" * 5000, "Infinity"),  # more digits than Python turns into an int
    ],
)
def test_a_stored_bad_timeout_keeps_the_profile_with_the_default(
    path: Path, raw_value: str, shown: str
) -> None:
    good = json.dumps(acme().to_json())[:-1]
    write_raw(path, f'{{"version": 1, "profiles": [{good}, "read_timeout": {raw_value}}}]}}')
    store = ProfileStore(path)
    assert store.names() == ["Acme"]
    assert store.get("Acme").read_timeout == 30.0
    warning = store.warning or ""
    assert '"Acme"' in warning and "read timeout" in warning and "30 s" in warning
    assert shown in warning
    # The next save writes strict JSON with the default, and the profile is still there.
    store.save(store.get("Acme").with_changes(message="changed"))
    data = strict_json(path.read_bytes())
    assert [(p["name"], p["read_timeout"]) for p in data["profiles"]] == [("Acme", 30.0)]


def test_nothing_writes_nan_or_infinity(path: Path, tmp_path: Path) -> None:
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            encode_json({"x": value})
    # A key this version does not know, holding NaN, must not end up in the file again.
    good = json.dumps(acme().to_json())[:-1]
    write_raw(path, f'{{"version": 1, "profiles": [{good}, "later": NaN, "kept": [1]}}]}}')
    store = ProfileStore(path)
    assert store.names() == ["Acme"]
    assert "later" in (store.warning or "")
    store.create(acme(name="Beta"))
    data = strict_json(path.read_bytes())
    (stored,) = [p for p in data["profiles"] if p["name"] == "Acme"]
    assert stored["kept"] == [1] and "later" not in stored
    out = tmp_path / "out.json"
    store.export_profiles(out)
    strict_json(out.read_bytes())


def test_profiles_are_written_one_per_line_as_strict_json(store: ProfileStore, path: Path) -> None:
    for name in ("Acme", "Beta", "Gamma"):
        store.create(acme(name=name, message='say "hi"\n\u00e9'))
    raw = path.read_bytes()
    data = strict_json(raw)
    assert [p["name"] for p in data["profiles"]] == ["Acme", "Beta", "Gamma"]
    assert data["version"] == 1 and raw.endswith(b"\n")
    lines = raw.decode("utf-8").splitlines()
    assert sum(1 for line in lines if '"name": ' in line) == 3  # one line per profile
    assert ProfileStore(path).list() == store.list()


def test_settings_forget_a_value_that_is_not_json(tmp_path: Path) -> None:
    from smstester.core.storage import Settings

    settings_path = write_raw(
        tmp_path / "settings.json", '{"version": 1, "values": {"bad": NaN, "good": 2}}'
    )
    settings = Settings(settings_path)
    assert (settings.get("bad", "gone"), settings.get("good")) == ("gone", 2)
    settings.set("other", "x")
    assert strict_json(settings_path.read_bytes())["values"] == {"good": 2, "other": "x"}
    settings.set("nan", math.nan)  # kept for this session, said, never written
    assert settings.warning and "nan" in settings.warning
    assert "NaN" not in settings_path.read_text("utf-8")


def deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_object(depth: int) -> str:
    inner = '{"a":' * depth + "1" + "}" * depth
    return '{"version": 1, "profiles": [{"name": "Deep", "a": ' + inner + "}]}"


@pytest.mark.parametrize("text", [deep_list(100_000), deep_object(100_000)])
def test_an_import_nested_too_deep_is_refused_in_words(
    store: ProfileStore, tmp_path: Path, text: str
) -> None:
    out = write_raw(tmp_path / "deep.json", text)
    with pytest.raises(ProfileError, match="nested too deep") as caught:
        store.import_profiles(out)
    assert "not a profiles export" in str(caught.value)
    assert not isinstance(caught.value.__cause__, RecursionError)
    assert store.names() == []


def test_an_import_nested_deep_but_readable_is_harmless(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    # Deep enough to hurt a recursive encoder later, shallow enough for the parser.
    out = write_raw(tmp_path / "deep.json", deep_object(500))
    report = store.import_profiles(out)
    assert report.imported == ["Deep"]
    assert b'"a"' not in path.read_bytes()  # unknown keys of an import are never kept


def test_a_profiles_file_nested_too_deep_is_set_aside(path: Path) -> None:
    write_raw(path, deep_object(100_000))
    result = read_versioned_json(path, supported=1, what="profiles")
    assert result.status == "corrupt" and "nested too deep" in (result.warning or "")
    store = ProfileStore(path)
    assert store.names() == [] and "nested too deep" in (store.warning or "")
    store.create(acme())  # the next save replaces it; the original is kept aside
    assert list(path.parent.glob("profiles.json.corrupt-*"))


def test_unknown_keys_nested_deep_are_dropped_from_the_file(path: Path) -> None:
    # The parser follows 500 levels; writing them back must not be tried.
    good = json.dumps(acme().to_json())[:-1]
    nested = '{"a":' * 500 + "1" + "}" * 500
    write_raw(path, f'{{"version": 1, "profiles": [{good}, "later": {nested}, "kept": 1}}]}}')
    store = ProfileStore(path)
    assert store.names() == ["Acme"] and "later" in (store.warning or "")
    store.create(acme(name="Beta"))
    (stored,) = [p for p in json.loads(path.read_bytes())["profiles"] if p["name"] == "Acme"]
    assert stored["kept"] == 1 and "later" not in stored


def test_a_lone_surrogate_in_a_name_is_refused_by_name(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    # The JSON escape, as a hand-made or hostile file holds it.
    text = json.dumps({"version": 1, "profiles": [entry(name="Good"), entry(name="Bad")]})
    out = write_raw(tmp_path / "in.json", text.replace('"Bad"', '"Bad\\ud800"'))
    report = store.import_profiles(out)
    assert report.imported == ["Good"]
    (problem,) = report.problems
    assert "Bad\\ud800" in problem and "broken character" in problem
    for line in report.lines():
        line.encode("utf-8")  # printable, no lone surrogate in the report
    strict_json(path.read_bytes())


def test_a_lone_surrogate_in_another_field_is_refused(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    bad = entry(name="Bad", message="BROKEN")
    text = json.dumps({"version": 1, "profiles": [entry(name="Good"), bad]})
    text = text.replace('"BROKEN"', '"x\\udfff"')
    out = write_raw(tmp_path / "in.json", text)
    report = store.import_profiles(out)
    assert report.imported == ["Good"]
    (problem,) = report.problems
    assert '"Bad"' in problem and "message" in problem.lower() and "broken character" in problem
    with pytest.raises(ProfileError, match="broken character"):
        store.create(acme(name="Other", message="x\udfff"))
    with pytest.raises(ProfileError, match="broken character"):
        store.create(acme(name="Other\udfff"))
    assert store.names() == ["Good"]


def test_a_stored_lone_surrogate_is_mended_not_lost(path: Path) -> None:
    text = json.dumps({"version": 1, "profiles": [acme(name="Bad").to_json()]})
    write_raw(path, text.replace('"hello"', '"he\\ud800llo"').replace('"Bad"', '"B\\udc00ad"'))
    store = ProfileStore(path)
    (profile,) = store.list()
    assert profile.message == "he\ufffdllo" and profile.name == "B\ufffdad"
    assert "broken character" in (store.warning or "")
    store.save(profile.with_changes(brand_url="b.example.com"))
    assert strict_json(path.read_bytes())["profiles"][0]["message"] == "he\ufffdllo"


def test_an_import_larger_than_10_mb_is_refused_before_it_is_parsed(
    store: ProfileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MAX_IMPORT_BYTES == 10_000_000
    out = tmp_path / "big.json"
    padding = " " * (MAX_IMPORT_BYTES + 1 - len('{"version": 1, "profiles": []}'))
    out.write_text('{"version": 1, ' + padding + '"profiles": []}', "utf-8")
    parsed: list[object] = []
    monkeypatch.setattr(json, "loads", lambda *a, **k: parsed.append(a))
    with pytest.raises(ProfileError, match="larger than 10 MB") as caught:
        store.import_profiles(out)
    assert str(out) in str(caught.value)
    assert parsed == []


# -- 12. names with controls and invisible characters ----------------------------------------

BAD_NAME_CHARACTERS = [
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",  # C1 next line
    "\x9b",  # C1 CSI
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",  # pop directional isolate
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\ufeff",  # byte-order mark
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
]


@pytest.mark.parametrize("character", BAD_NAME_CHARACTERS)
def test_names_with_controls_or_invisible_characters_are_refused(
    store: ProfileStore, character: str
) -> None:
    name = f"Ac{character}me"
    code = re.escape(f"U+{ord(character):04X}")
    with pytest.raises(ProfileError, match=code):
        check_name(name)
    with pytest.raises(ProfileError, match=code):
        store.create(acme(name=name))
    store.create(acme())
    with pytest.raises(ProfileError, match=code):
        store.save(store.get("Acme").with_changes(name=name))
    with pytest.raises(ProfileError, match=code):
        store.rename("Acme", name)
    assert store.names() == ["Acme"]


def test_ordinary_names_in_any_script_are_fine() -> None:
    for name in ("Acme GmbH", "Ünïcødé", "Ваш бренд", "شركة", "會社", "Café 🎉", "a-b_c.d (2)"):
        assert check_name(name) == name


def test_import_reports_each_bad_name_and_imports_the_rest(
    store: ProfileStore, tmp_path: Path
) -> None:
    names = ["Good", "Evil\u202etxt.exe", "Fake\x1b[2K\x1b[1A", "Also good", "Bell\x07"]
    names.append("Two\nImported 99 profile(s).")
    out = export_file(tmp_path, [entry(name=n) for n in names])
    report = store.import_profiles(out)
    assert report.imported == ["Good", "Also good"]
    assert len(report.problems) == 4
    assert not any("\n" in line for line in report.lines())  # no faked line
    text = "\n".join(report.lines())
    assert "Two\\x0aImported 99" in text
    assert "Evil\\u202etxt.exe" in text and "U+202E" in text
    assert "Fake\\x1b[2K\\x1b[1A" in text and "U+001B" in text
    for character in "\u202e\x1b\x07":
        assert character not in text  # the report itself never carries them


def test_a_stored_name_with_controls_is_shown_cleaned_not_lost(path: Path) -> None:
    bad = [acme(name="Ac\u202eme"), acme(name="Be\x1bta"), acme(name="\u200b")]
    path.write_text(json.dumps({"version": 1, "profiles": [p.to_json() for p in bad]}), "utf-8")
    store = ProfileStore(path)
    assert store.names() == ["Acme", "Be ta", "Unnamed profile"]
    warning = store.warning or ""
    assert "Ac\\u202eme" in warning and "\u202e" not in warning and "\x1b" not in warning


def test_a_stored_name_with_surrounding_spaces_is_trimmed_quietly(path: Path) -> None:
    path.write_text(json.dumps({"version": 1, "profiles": [acme(name="x").to_json()]}), "utf-8")
    path.write_text(path.read_text("utf-8").replace('"x"', '"  Acme  "'), "utf-8")
    store = ProfileStore(path)
    assert store.names() == ["Acme"] and store.warning is None
    assert not list(path.parent.glob("profiles.json.*-*"))


def test_an_unknown_name_is_echoed_escaped(store: ProfileStore) -> None:
    with pytest.raises(ProfileError) as caught:
        store.get("x\x1b]52;c;aGk=\x07")
    assert "\x1b" not in str(caught.value) and "\\x1b]52" in str(caught.value)


# -- 13. TLS settings and base URLs of an import ---------------------------------------------


def test_an_import_that_weakens_tls_says_so(store: ProfileStore, tmp_path: Path) -> None:
    store.create(acme(name="Off"))
    out = export_file(
        tmp_path,
        [
            entry(name="Off", verify_tls=False),
            entry(name="Own CA", ca_bundle="/etc/company/ca.pem"),
            entry(name="Plain"),
        ],
    )
    report = store.import_profiles(out)
    assert report.imported == ["Off (2)", "Own CA", "Plain"]
    lines = report.lines()
    assert 'Profile "Off (2)": TLS certificate verification is OFF.' in lines
    assert 'Profile "Own CA": trusts the CA bundle /etc/company/ca.pem.' in lines
    assert not any('"Plain"' in line for line in lines)
    assert report.problems == []
    assert store.get("Off (2)").verify_tls is False


def test_a_ca_bundle_path_with_controls_is_shown_escaped(
    store: ProfileStore, tmp_path: Path
) -> None:
    out = export_file(tmp_path, [entry(ca_bundle="/tmp/x\x1b[2Kca.pem")])
    text = "\n".join(store.import_profiles(out).lines())
    assert "\x1b" not in text and "/tmp/x\\x1b[2Kca.pem" in text


@pytest.mark.parametrize(
    "base_url",
    [
        f"https://user:{PASSWORD}@protocol.jframework.io",
        f"http://:{PASSWORD}@127.0.0.1:8080/jfw",
        f"https://support%40acme:{PASSWORD}@gw.example.com/",
        "https://justauser@protocol.jframework.io",
        f"user:{PASSWORD}@protocol.jframework.io",
        f"//user:{PASSWORD}@protocol.jframework.io",
    ],
)
def test_a_base_url_with_a_password_is_never_stored(
    store: ProfileStore, tmp_path: Path, path: Path, base_url: str
) -> None:
    with pytest.raises(ProfileError, match="user name or password") as caught:
        store.create(acme(base_url=base_url))
    assert PASSWORD not in str(caught.value)
    store.create(acme(name="Kept"))
    with pytest.raises(ProfileError, match="user name or password"):
        store.save(store.get("Kept").with_changes(base_url=base_url))
    out = export_file(tmp_path, [entry(name="Leaky", base_url=base_url), entry(name="Fine")])
    report = store.import_profiles(out)
    assert report.imported == ["Fine"]
    (problem,) = report.problems
    assert '"Leaky"' in problem and "user name or password" in problem
    assert PASSWORD not in "\n".join(report.lines())
    assert PASSWORD.encode() not in path.read_bytes()


@pytest.mark.parametrize(
    "base_url",
    [
        "https://protocol.jframework.io/a@b",  # an @ in the path is no user name
        "https://protocol.jframework.io/?x=a@b",
        "http://127.0.0.1:8080",
    ],
)
def test_an_at_sign_after_the_host_is_fine(store: ProfileStore, base_url: str) -> None:
    assert store.create(acme(base_url=base_url)).base_url == base_url


def test_a_base_url_with_a_backslash_is_refused(store: ProfileStore, tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="backslash"):
        store.create(acme(base_url="http://evil.example\\@127.0.0.1"))
    out = export_file(tmp_path, [entry(name="Slash", base_url="http://a\\b.example")])
    report = store.import_profiles(out)
    assert report.imported == [] and "backslash" in report.problems[0]


def test_a_stored_password_in_a_base_url_never_reaches_an_export(
    path: Path, tmp_path: Path
) -> None:
    leaky = acme(name="Old").to_json() | {"base_url": f"https://u:{PASSWORD}@h.example.com/p"}
    path.write_text(json.dumps({"version": 1, "profiles": [leaky]}), "utf-8")
    store = ProfileStore(path)
    assert store.get("Old").base_url == "https://h.example.com/p"
    warning = store.warning or ""
    assert '"Old"' in warning and "user name or password" in warning and PASSWORD not in warning
    assert not list(path.parent.glob("profiles.json.*-*"))  # no second copy of the password
    out = tmp_path / "out.json"
    store.export_profiles(out)
    assert PASSWORD.encode() not in out.read_bytes()
    assert PASSWORD not in json.dumps(store.export_data())
    store.create(acme(name="New"))  # any save rewrites the file without it
    assert PASSWORD.encode() not in path.read_bytes()
    assert store.get("Old").base_url == "https://h.example.com/p"


# -- 14. the store scales --------------------------------------------------------------------


def many(count: int, name: Callable[[int], str] = lambda i: f"Customer {i:05d}") -> list[Any]:
    return [entry(name=name(i), integration_id=f"int-{i}") for i in range(count)]


class CallCounter:
    """Counts every function call (Python and C) made in this thread while active."""

    def __init__(self) -> None:
        self.calls = 0

    def _hook(self, frame: FrameType, event: str, arg: object) -> None:
        if event in ("call", "c_call"):
            self.calls += 1

    def __enter__(self) -> CallCounter:
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def calls_for(work: Callable[[], object]) -> int:
    with CallCounter() as counter:
        work()
    return counter.calls


@pytest.fixture
def no_disk_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync is the same one call whatever the size; skip its wait in these tests."""
    monkeypatch.setattr("os.fsync", lambda fd: None)


def _costs(tmp_path: Path, count: int, name: Callable[[int], str]) -> dict[str, int]:
    folder = tmp_path / str(count)
    folder.mkdir()
    source = export_file(folder, many(count, name))
    store = ProfileStore(folder / "profiles.json")
    costs = {
        "import": calls_for(lambda: store.import_profiles(source)),
        "re-import": calls_for(lambda: store.import_profiles(source)),
        "load and list": calls_for(lambda: ProfileStore(folder / "profiles.json").list()),
    }
    first = store.list()[0]
    costs["save one"] = calls_for(lambda: store.save(first.with_changes(message="x")))
    costs["find 100"] = calls_for(lambda: [store.find("CUSTOMER 00001") for _ in range(100)])
    return costs


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(lambda i: f"Customer {i:05d}", id="distinct names"),
        pytest.param(lambda i: "Acme", id="all the same name"),
        pytest.param(lambda i: f"Acme ({i + 2})" if i % 2 else "Acme", id="numbered names"),
    ],
)
def test_the_store_does_linear_work(
    tmp_path: Path, no_disk_wait: None, name: Callable[[int], str]
) -> None:
    small, large = _costs(tmp_path, 250, name), _costs(tmp_path, 1000, name)
    for what in ("import", "re-import", "load and list", "save one"):
        # 4 times the profiles: linear (or n log n) work grows about 4 times, quadratic 16.
        assert large[what] < 6 * small[what], (what, small[what], large[what])
    # A lookup by name does not walk the profiles.
    assert large["find 100"] < 2 * small["find 100"] + 100


def test_unique_name_hands_out_numbers_in_order(tmp_path: Path, path: Path) -> None:
    store = ProfileStore(path)
    source = export_file(tmp_path, [entry(name=n) for n in ("Acme", "acme", "Acme (2)", "Acme")])
    report = store.import_profiles(source)
    assert report.imported == ["Acme", "acme (2)", "Acme (3)", "Acme (4)"]
    assert report.renamed == [("acme", "acme (2)"), ("Acme (2)", "Acme (3)"), ("Acme", "Acme (4)")]
    # The same names with other settings (the same ones would be "already there").
    names = ("Acme", "acme", "Acme (2)", "Acme")
    changed = export_file(tmp_path, [entry(name=n, message="v2") for n in names], "v2.json")
    report = store.import_profiles(changed)
    assert report.imported == ["Acme (5)", "acme (6)", "Acme (7)", "Acme (8)"]
    assert unique_name("Acme (7)", ["Acme", "Acme (8)"]) == "Acme (7)"
    assert unique_name("Acme (8)", ["Acme", "Acme (8)"]) == "Acme (9)"
    store.delete("Acme (3)")
    store.create(acme(name="Acme (3)"))
    assert len({n.casefold() for n in store.names()}) == 8


def test_names_stay_unique_and_findable_through_every_change(store: ProfileStore) -> None:
    store.create(acme(name="One"))
    two = store.create(acme(name="Two"))
    store.rename("one", "Uno")
    assert store.find("ONE") is None and store.get("uno").name == "Uno"
    store.save(two.with_changes(name="Dos"))
    assert store.find("two") is None and store.get("DOS").id == two.id
    copy = store.create(acme(name=unique_name("Dos", store.names())))
    assert copy.name == "Dos (2)" and store.get("dos (2)").id == copy.id
    with pytest.raises(NameTaken):
        store.rename("Uno", "dos")
    store.delete("Dos")
    assert store.find("dos") is None
    store.create(acme(name="dos"))
    assert store.names() == ["dos", "Dos (2)", "Uno"]


def test_a_missing_name_does_not_list_ten_thousand_others(
    tmp_path: Path, path: Path, no_disk_wait: None
) -> None:
    store = ProfileStore(path)
    store.import_profiles(export_file(tmp_path, many(200)))
    with pytest.raises(ProfileError) as caught:
        store.get("Nobody")
    message = str(caught.value)
    assert '"Customer 00000"' in message and "and 180 more" in message
    assert len(message) < 600


def test_many_duplicates_in_the_file_make_a_short_warning(path: Path) -> None:
    data = {"version": 1, "profiles": [acme().to_json() for _ in range(300)]}
    path.write_text(json.dumps(data), "utf-8")
    store = ProfileStore(path)
    assert len(store) == 300 and len(set(store.names())) == 300
    assert len(store.warning or "") < 1000 and "more" in (store.warning or "")


@pytest.fixture(autouse=True)
def _no_profile_hook_left() -> Iterator[None]:
    yield
    assert sys.getprofile() is None

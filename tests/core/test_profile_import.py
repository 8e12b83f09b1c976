"""Exporting and importing profiles: no secret and no id leaves; clashes and bad entries
are said in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import AUTH_KEY, TOKEN, acme

from smstester.core.keystore import SecretStore
from smstester.core.profiles import (
    NameTaken,
    ProfileError,
    ProfileNotFound,
    ProfileStore,
)
from smstester.core.storage import atomic_write_json

# -- import and export -----------------------------------------------------------------------


def test_export_has_no_secrets_and_no_ids(
    store: ProfileStore, keys: SecretStore, tmp_path: Path
) -> None:
    for name in ("Acme", "Beta"):
        profile = store.create(acme(name=name))
        keys.set_all(profile.id, {"auth_key": AUTH_KEY, "password": TOKEN})
    out = tmp_path / "shared" / "export.json"
    assert store.export_profiles(out) == ["Acme", "Beta"]
    raw = out.read_bytes()
    assert AUTH_KEY.encode() not in raw and TOKEN.encode() not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    assert all(
        "id" not in p and "password" not in p and "auth_key" not in p for p in data["profiles"]
    )
    assert store.export_profiles(out, ["beta"]) == ["Beta"]
    with pytest.raises(ProfileNotFound):
        store.export_profiles(out, ["Nobody"])


def test_import_renames_clashes_and_gives_new_ids(store: ProfileStore, tmp_path: Path) -> None:
    mine = store.create(acme())
    out = tmp_path / "export.json"
    store.export_profiles(out)
    other = ProfileStore(tmp_path / "colleague" / "profiles.json")
    first = other.import_profiles(out)
    assert (first.imported, first.renamed) == (["Acme"], [])
    # Changed since the export: the export's Acme is no longer the one held (an identical
    # one would be "already there").
    mine = store.save(mine.with_changes(message="changed since the export"))
    report = store.import_profiles(out)
    assert report.imported == ["Acme (2)"]
    assert report.renamed == [("Acme", "Acme (2)")]
    assert any("Acme (2)" in line for line in report.lines())
    assert store.get("Acme") == mine  # never overwritten
    assert store.get("Acme (2)").id != mine.id
    assert other.get("Acme").id != mine.id


def test_import_skip_and_error(store: ProfileStore, tmp_path: Path, path: Path) -> None:
    store.create(acme())
    out = tmp_path / "in.json"
    other_acme = acme(message="another Acme")  # the same name, not the same profile
    atomic_write_json(
        out, {"version": 1, "profiles": [other_acme.to_json(), acme(name="New").to_json()]}
    )
    before = path.read_bytes()
    with pytest.raises(NameTaken, match="nothing was imported"):
        store.import_profiles(out, on_clash="error")
    assert path.read_bytes() == before
    report = store.import_profiles(out, on_clash="skip")
    assert (report.imported, report.skipped) == (["New"], ["Acme"])
    assert store.names() == ["Acme", "New"]


def test_import_drops_secrets_and_reports_bad_entries(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    out = tmp_path / "in.json"
    entries = [
        acme().to_json(with_id=False) | {"password": TOKEN, "auth_key": AUTH_KEY, "x": 1},
        {"name": ""},
        acme(name="Acme").to_json(),  # a clash inside the file itself
    ]
    out.write_text(json.dumps({"version": 1, "profiles": entries}), "utf-8")
    report = store.import_profiles(out)
    assert report.imported == ["Acme", "Acme (2)"]
    assert len(report.problems) == 1
    raw = path.read_bytes()
    assert TOKEN.encode() not in raw and AUTH_KEY.encode() not in raw and b'"x"' not in raw


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not json", "not valid JSON"),
        (b'{"profiles": 3}', 'no "profiles" list'),
        (b'{"version": 5, "profiles": []}', "newer smstester"),
    ],
)
def test_import_refuses_what_it_cannot_read(
    store: ProfileStore, tmp_path: Path, content: bytes, match: str
) -> None:
    out = tmp_path / "in.json"
    out.write_bytes(content)
    with pytest.raises(ProfileError, match=match):
        store.import_profiles(out)
    with pytest.raises(ProfileError, match="cannot read"):
        store.import_profiles(tmp_path / "missing.json")


# -- importing what is already there ---------------------------------------------------------


def test_importing_the_same_export_twice_adds_nothing_the_second_time(
    store: ProfileStore, tmp_path: Path, path: Path
) -> None:
    out = tmp_path / "export.json"
    source = ProfileStore(tmp_path / "colleague" / "profiles.json")
    source.create(acme())
    source.create(acme(name="Beta", integration_id="int-2"))
    source.export_profiles(out)
    first = store.import_profiles(out)
    assert first.imported == ["Acme", "Beta"] and first.already == []
    written = path.read_bytes()
    for on_clash in ("rename", "skip", "error"):
        again = store.import_profiles(out, on_clash=on_clash)  # type: ignore[arg-type]
        assert again.imported == [] and again.renamed == [] and again.skipped == []
        assert again.already == [("Acme", "Acme"), ("Beta", "Beta")]
        assert '"Acme" is already there: not imported again.' in again.lines()
        assert store.names() == ["Acme", "Beta"]
    assert path.read_bytes() == written  # nothing new to write: the file is as it was


def test_a_renamed_copy_is_found_again_and_a_changed_one_is_still_imported(
    store: ProfileStore, tmp_path: Path
) -> None:
    mine = store.create(acme(message="my own Acme"))  # same name, other settings
    out = tmp_path / "export.json"
    atomic_write_json(
        out,
        {"version": 1, "profiles": [acme().to_json(with_id=False)]},
    )
    assert store.import_profiles(out).imported == ["Acme (2)"]
    again = store.import_profiles(out)
    assert again.imported == [] and again.already == [("Acme", "Acme (2)")]
    assert '"Acme" is already there as "Acme (2)": not imported again.' in again.lines()
    # One setting differs: not the same profile, so it comes in under a new name.
    atomic_write_json(
        out, {"version": 1, "profiles": [acme(read_timeout=12.0).to_json(with_id=False)]}
    )
    changed = store.import_profiles(out)
    assert changed.imported == ["Acme (3)"] and changed.already == []
    assert store.get("Acme") == mine


def test_identical_entries_of_one_file_are_still_each_imported(
    store: ProfileStore, tmp_path: Path
) -> None:
    # Only what the store held before the import counts as "already there".
    out = tmp_path / "in.json"
    atomic_write_json(out, {"version": 1, "profiles": [acme().to_json(with_id=False)] * 2})
    report = store.import_profiles(out)
    assert report.imported == ["Acme", "Acme (2)"] and report.already == []

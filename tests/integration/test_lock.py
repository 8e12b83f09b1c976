"""The installed set is the locked set: uv.lock, and the hashed pip files exported from it.

`bash .ci/dev` installs .venv from uv.lock (`uv sync --locked`) or, without uv, from
packaging/requirements-*.txt with `pip install --require-hashes`; `bash .ci/dev lock`
refreshes all of them. These tests read the files as text (no uv needed) and the installed
distributions through importlib.metadata.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "uv.lock"
EXPORTS = {
    "test": ROOT / "packaging" / "requirements-test.txt",
    "package": ROOT / "packaging" / "requirements-package.txt",
}
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]*))?"
)


def exported(path: Path) -> dict[str, tuple[str, set[str], str | None]]:
    """name -> (version, hashes, marker) of every pin in a requirements file from `uv export`."""
    pins: dict[str, tuple[str, set[str], str | None]] = {}
    current: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = set()
            marker = (match["marker"] or "").strip() or None
            key = f"{canonicalize_name(match['name'])} ; {marker}"
            pins[key] = (match["version"], current, marker)
        current.update(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return pins


def applies(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate()


def locked_here(extra: str) -> dict[str, str]:
    """name -> version that the export for `extra` installs on this Python and platform."""
    out: dict[str, str] = {}
    for key, (version, _, marker) in exported(EXPORTS[extra]).items():
        if applies(marker):
            out[key.partition(" ; ")[0]] = version
    return out


def installed() -> dict[str, str]:
    found: dict[str, str] = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in importlib.metadata.distributions()
        if d.metadata["Name"]
    }
    found.pop("smstester", None)  # the project itself, editable
    return found


def lock_packages() -> list[dict[str, Any]]:
    data = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    packages: list[dict[str, Any]] = data["package"]
    return packages


def test_the_installed_set_is_exactly_the_locked_set() -> None:
    have = installed()
    test_set = locked_here("test")
    wanted = [test_set, locked_here("package")]  # `bash .ci/dev package` adds PyInstaller
    if have not in wanted:
        closest = test_set if "pyinstaller" not in have else wanted[1]
        missing = {n: v for n, v in closest.items() if have.get(n) != v}
        extra = {n: v for n, v in have.items() if closest.get(n) != v}
        pytest.fail(
            f"not the locked set (run bash .ci/dev test to sync .venv):\n"
            f"  locked but not installed so: {missing}\n  installed but not locked so: {extra}"
        )
    assert {"pyside6-essentials", "httpx", "keyring", "pytest", "pytest-qt"} <= have.keys()


def test_every_pin_has_a_hash_and_the_exports_are_the_lock() -> None:
    by_version = {(str(p["name"]), str(p["version"])): p for p in lock_packages() if "version" in p}
    for extra, path in EXPORTS.items():
        pins = exported(path)
        assert pins, f"{path.name} names no package"
        for key, (version, hashes, _) in pins.items():
            name = key.partition(" ; ")[0]
            assert hashes, f"{path.name}: {name}=={version} has no hash"
            package = by_version.get((name, version))
            assert package is not None, f"{path.name}: {name}=={version} is not in uv.lock"
            files = [package.get("sdist", {}), *package.get("wheels", [])]
            lock_hashes = {str(f["hash"]).removeprefix("sha256:") for f in files if f}
            assert hashes == lock_hashes, f"{path.name}: {name}=={version}: other hashes"
        if extra == "package":
            assert {"pyinstaller", "pyinstaller-hooks-contrib"} <= {
                k.partition(" ; ")[0] for k in pins
            }


PYTHONS = ("3.11", "3.12", "3.13")


def _wants(name: str, specifier: str, marker: str | None, extra: str) -> set[tuple[str, ...]]:
    """(name, specifier, extra, python) for each Python that the requirement applies to."""
    out: set[tuple[str, ...]] = set()
    for python in PYTHONS:
        env = {"python_version": python, "python_full_version": f"{python}.0", "extra": extra}
        if marker is None or Marker(marker).evaluate(env):
            spec = ",".join(sorted(str(s) for s in Requirement(f"x{specifier}").specifier))
            out.add((canonicalize_name(name), spec, extra, python))
    return out


def test_the_lock_was_made_from_this_pyproject() -> None:
    """A dependency line changed without `bash .ci/dev lock` leaves uv.lock stale."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (me,) = (p for p in lock_packages() if p["name"] == "smstester")
    metadata = me["metadata"]
    assert isinstance(metadata, dict)
    sections = {"": project["dependencies"], **project["optional-dependencies"]}
    wanted: set[tuple[str, ...]] = set()
    for extra, lines in sections.items():
        for line in lines:
            req = Requirement(line)
            marker = str(req.marker) if req.marker else None
            wanted |= _wants(req.name, str(req.specifier), marker, extra)
    locked: set[tuple[str, ...]] = set()
    for entry in metadata["requires-dist"]:
        marker = entry.get("marker")
        extra = re.search(r"extra == '([^']+)'", marker or "")
        rest = re.sub(r"\s*(and\s+)?extra == '[^']+'(\s+and)?\s*", "", marker or "") or None
        locked |= _wants(entry["name"], entry.get("specifier", ""), rest, extra[1] if extra else "")
    assert locked == wanted, "uv.lock is stale: run bash .ci/dev lock"


def test_pyside6_6_12_0_is_never_locked_for_python_3_11() -> None:
    """6.12.0 aborts CPython 3.11 (none_dealloc): the lock keeps pyproject's rule."""
    for extra in EXPORTS:
        for key, (version, _, marker) in exported(EXPORTS[extra]).items():
            name = key.partition(" ; ")[0]
            if name not in {"pyside6-essentials", "shiboken6"} or marker is None:
                continue
            on_311 = Marker(marker).evaluate(
                {"python_full_version": "3.11.7", "python_version": "3.11"}
            )
            if on_311:
                assert version != "6.12.0", f"{EXPORTS[extra].name}: {name} 6.12.0 on 3.11"
    assert sys.version_info >= (3, 11)


def test_version_names_the_installed_qt_pyside6_and_the_licence() -> None:
    """`smstester --version`: the version, the Qt and PySide6 it runs on (the locked ones)
    and the licence."""
    import subprocess

    from PySide6.QtCore import qVersion

    from smstester import __version__

    done = subprocess.run(
        [sys.executable, "-m", "smstester", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"smstester {__version__}"
    pyside = importlib.metadata.version("pyside6-essentials")
    assert pyside == locked_here("test")["pyside6-essentials"]
    assert f"Qt {qVersion()}" in lines[1] and f"PySide6 {pyside}" in lines[1]
    assert f"Python {sys.version.split()[0]}" in lines[1]
    assert "MIT" in done.stdout and "LGPL-3.0" in done.stdout

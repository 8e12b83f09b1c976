"""`bash .ci/dev package`: everything a user installs, built into dist/ and checked.

1. The desktop entry and the AppStream metainfo pass their validators (Linux).
2. The wheel and the sdist (hatchling, at its locked version).
3. The one-folder bundle (PyInstaller, packaging/smstester.spec) with the licence texts of
   everything in it under LICENSES/, packed as smstester-VERSION-SYSTEM-MACHINE.tar.gz
   (.zip on Windows): one folder smstester-VERSION/ with the program `smstester` in it.
4. packaging/check_bundle.py unpacks that archive into an empty folder and runs it there.

Run by the venv's Python (.ci/dev sets up .venv with the package extra first). Each step
says what it does; a failure is one plain sentence and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build" / "pyinstaller"
DESKTOP = ROOT / "resources" / "smstester.desktop"
METAINFO = ROOT / "resources" / "io.jframework.smstester.metainfo.xml"
VENDORED_LICENSES = ROOT / "packaging" / "licenses"
#: Licence texts for distributions whose wheels carry none.
EXTRA_TEXTS = {
    "pyside6-essentials": ["LGPL-3.0.txt", "GPL-2.0.txt", "GPL-3.0.txt"],
    "shiboken6": ["LGPL-3.0.txt", "GPL-2.0.txt", "GPL-3.0.txt"],
}
_LICENSE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


class BuildError(Exception):
    """A step failed; the message says which and why, in words."""


def say(text: str) -> None:
    print(f"\033[1m==> {text}\033[0m", file=sys.stderr, flush=True)


def run(*args: str | Path, cwd: Path = ROOT) -> None:
    done = subprocess.run([str(a) for a in args], cwd=cwd, check=False)
    if done.returncode != 0:
        raise BuildError(
            f"{Path(str(args[0])).name} {args[1] if len(args) > 1 else ''} failed "
            f"(exit {done.returncode}); its output is above"
        )


def version() -> str:
    text = (ROOT / "smstester" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    if not found:
        raise BuildError("smstester/__init__.py holds no __version__")
    return found[1]


def system_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(
        sys.platform, sys.platform
    )
    return f"{system}-{platform.machine().lower()}"


def validate_metadata() -> None:
    """desktop-file-validate and appstreamcli validate --no-net (Linux: Debian's
    desktop-file-utils and appstream; .ci/dev installs them when it runs as root)."""
    if sys.platform != "linux":
        say("desktop entry and AppStream checks: Linux only, skipped here")
        return
    for tool, package in (
        ("desktop-file-validate", "desktop-file-utils"),
        ("appstreamcli", "appstream"),
    ):
        if shutil.which(tool) is None:
            raise BuildError(
                f"{tool} is missing: install Debian's {package} "
                "(bash .ci/dev package does, as root)"
            )
    say(f"validating {DESKTOP.relative_to(ROOT)} (desktop-file-validate)")
    run("desktop-file-validate", DESKTOP)
    # Our own file, not untrusted input.
    tree = ElementTree.parse(METAINFO)  # noqa: S314
    releases = [r.get("version") for r in tree.iter("release")]
    if version() not in releases:
        raise BuildError(
            f"{METAINFO.name} has no <release> for smstester {version()} (it lists "
            f"{', '.join(str(r) for r in releases) or 'none'}): add one, newest first"
        )
    say(f"validating {METAINFO.relative_to(ROOT)} (appstreamcli validate --no-net)")
    run("appstreamcli", "validate", "--no-net", "--explain", METAINFO)


def build_python_packages() -> list[Path]:
    say("building the wheel and the sdist into dist/ (hatchling)")
    before = set(DIST.glob("smstester-*"))
    run(sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-t", "sdist", "-d", DIST)
    made = sorted(set(DIST.glob("smstester-*")) - before)
    wheel = [p for p in made if p.suffix == ".whl"]
    if not wheel:
        raise BuildError("hatchling made no wheel")
    with zipfile.ZipFile(wheel[0]) as archive:
        names = archive.namelist()
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        raise BuildError(f"{wheel[0].name} does not ship the LICENSE text")
    return made


def runtime_distributions() -> list[importlib.metadata.Distribution]:
    """smstester's runtime dependencies, all the way down, as installed (no extras)."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = ["smstester"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = importlib.metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or Marker(str(req.marker)).evaluate({"extra": ""}):
                todo.append(req.name)
    del seen["smstester"]
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def write_licenses(folder: Path) -> None:
    """LICENSES/: smstester's, Python's, and every bundled distribution's licence texts,
    with an index (name, version, licence)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "LICENSE", folder / "smstester-LICENSE.txt")
    index = [
        "Licences of what this bundle holds",
        "",
        f"smstester {version()}: MIT (smstester-LICENSE.txt)",
    ]
    python_license = (
        Path(sys.base_prefix)
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "LICENSE.txt"
    )
    if not python_license.exists():
        python_license = Path(sys.base_prefix) / "LICENSE.txt"
    if python_license.exists():
        shutil.copy(python_license, folder / "Python-LICENSE.txt")
        index.append(f"Python {platform.python_version()}: PSF-2.0 (Python-LICENSE.txt)")
    else:
        index.append(
            f"Python {platform.python_version()}: PSF-2.0 (https://docs.python.org/3/license.html)"
        )
    for dist in runtime_distributions():
        name = canonicalize_name(dist.metadata["Name"])
        expression = next(
            (v for k in ("License-Expression", "License") for v in dist.metadata.get_all(k) or []),
            "",
        )
        if not expression or len(expression) > 80:
            expression = (
                "; ".join(
                    c.split("::")[-1].strip()
                    for c in dist.metadata.get_all("Classifier") or []
                    if c.startswith("License ::")
                )
                or "see the texts"
            )
        target = folder / f"{name}-{dist.version}"
        target.mkdir(exist_ok=True)
        texts = [
            Path(str(dist.locate_file(f)))
            for f in dist.files or []
            if ".dist-info" in str(f) and _LICENSE_NAME.search(Path(str(f)).name)
        ]
        for text in texts:
            shutil.copy(text, target / text.name)
        for vendored in EXTRA_TEXTS.get(name, []):
            shutil.copy(VENDORED_LICENSES / vendored, target / vendored)
        copied = sorted(p.name for p in target.iterdir())
        if not copied:
            raise BuildError(
                f"{name} {dist.version} ships no licence text: add one to "
                "packaging/licenses and EXTRA_TEXTS in packaging/build.py"
            )
        index.append(f"{name} {dist.version}: {expression} ({target.name}/: {', '.join(copied)})")
    (folder / "README.txt").write_text("\n".join(index) + "\n", encoding="utf-8")


def build_bundle() -> Path:
    say("building the one-folder bundle (PyInstaller, packaging/smstester.spec)")
    shutil.rmtree(BUILD, ignore_errors=True)
    run(
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        BUILD / "dist",
        "--workpath",
        BUILD / "work",
        ROOT / "packaging" / "smstester.spec",
    )
    folder = BUILD / "dist" / "smstester"
    write_licenses(folder / "LICENSES")
    (folder / "README.txt").write_text(
        f"smstester {version()}\n\n"
        "Run ./smstester (smstester.exe on Windows): the window. ./smstester --help lists the\n"
        "commands. ./smstester --install-desktop-entry adds it to the desktop's application\n"
        "menu (Linux; --uninstall-desktop-entry removes it). Licences: LICENSES/README.txt.\n",
        encoding="utf-8",
    )
    top = f"smstester-{version()}"
    name = f"smstester-{version()}-{system_tag()}"
    if sys.platform == "win32":
        archive = DIST / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(folder.rglob("*")):
                out.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    else:
        archive = DIST / f"{name}.tar.gz"
        with tarfile.open(archive, "w:gz") as out:
            out.add(folder, arcname=top)
    size = archive.stat().st_size / 2**20
    say(f"packed {archive.relative_to(ROOT)} ({size:.0f} MiB)")
    return archive


def check_wheel(made: list[Path]) -> None:
    """`uv tool install` of the wheel, run as a user would (check_bundle.py --wheel), with
    the uv `bash .ci/dev` found (SMSTESTER_UV); without one, said and skipped."""
    uv = os.environ.get("SMSTESTER_UV", "")
    (wheel,) = (p for p in made if p.suffix == ".whl")
    if not uv:
        say("no uv here (SMSTESTER_UV): the wheel's `uv tool install` is not checked")
        return
    say(f"checking the wheel: uv tool install {wheel.name} into throwaway tool folders")
    run(sys.executable, ROOT / "packaging" / "check_bundle.py", "--wheel", uv, wheel)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bash .ci/dev package", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--no-check", action="store_true", help="build only; do not run the bundle")
    args = parser.parse_args(argv)
    try:
        validate_metadata()
        DIST.mkdir(exist_ok=True)
        for old in DIST.glob("smstester-*"):
            old.unlink()
        made = build_python_packages()
        archive = build_bundle()
        for path in [*made, archive]:
            print(path.relative_to(ROOT))
        if not args.no_check:
            say(f"checking the bundle: {archive.name} unpacked into an empty folder")
            run(sys.executable, ROOT / "packaging" / "check_bundle.py", archive)
            check_wheel(made)
    except BuildError as exc:
        print(f"bash .ci/dev package: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

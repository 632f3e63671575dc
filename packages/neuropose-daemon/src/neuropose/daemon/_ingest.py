"""Turning a zip of videos into job folders under ``in/``, safely.

Everything is checked before anything is written: member paths, links, encryption, counts,
declared sizes, compression ratios, name collisions and free space. Videos are then extracted
into a staging folder inside the data directory, counting bytes (headers are not trusted), and
each job folder is renamed into ``in/``. Any failure undoes every rename and removes the
staging folder, so ``in/`` ends exactly as it was.
"""

from __future__ import annotations

import re
import shutil
import stat
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from neuropose.daemon._errors import (
    ArchiveTooLargeError,
    CorruptArchiveError,
    EmptyArchiveError,
    EncryptedMemberError,
    InsufficientSpaceError,
    JobCollisionError,
    SuspiciousCompressionError,
    TooManyMembersError,
    UnsafeMemberError,
)
from neuropose.schema import VIDEO_EXTENSIONS, DataDirectory

__all__ = ["IngestLimits", "IngestResult", "ingest_zip", "job_name_for"]


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Limits applied before extraction (see ``Settings.ingest_*``)."""

    max_members: int = 10_000
    max_total_bytes: int = 200 * 1024**3
    max_compression_ratio: float = 50.0


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What an ingest did.

    Attributes
    ----------
    jobs
        Job names created (or replaced) under ``in/``, with the member each came from.
    skipped
        Members left out and why (``__MACOSX/``, hidden files, non-video files, folders).
    replaced
        Existing jobs that ``force`` replaced.
    """

    jobs: dict[str, str]
    skipped: dict[str, str]
    replaced: tuple[str, ...] = ()


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 1 << 20


def job_name_for(member: str) -> str:
    """Name the job of a member path: folders and file stem joined by ``_``, unsafe characters replaced.

    ``patient_001/trial_01.mp4`` becomes ``patient_001_trial_01``.
    """
    path = PurePosixPath(member)
    parts = [*path.parent.parts, path.stem]
    name = "_".join(_SAFE.sub("_", part) for part in parts if part not in ("", "."))
    return name.strip("._") or "video"


def _problem_with_path(info: zipfile.ZipInfo) -> str | None:
    raw = info.orig_filename
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return "its name holds a NUL or control character"
    name = raw.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "its path is absolute"
    if ".." in name.split("/"):
        return "its path climbs out of the archive with '..'"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    return None


@dataclass(frozen=True, slots=True)
class _Plan:
    videos: dict[str, zipfile.ZipInfo]
    skipped: dict[str, str]
    total_bytes: int


def _plan(archive: zipfile.ZipFile, source: Path, limits: IngestLimits) -> _Plan:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise TooManyMembersError(
            f"{source} has {len(members)} entries; the limit is {limits.max_members}"
        )
    videos: dict[str, zipfile.ZipInfo] = {}
    skipped: dict[str, str] = {}
    for info in members:
        problem = _problem_with_path(info)
        if problem:
            raise UnsafeMemberError(
                f"{source}: member {info.orig_filename!r} is refused: {problem}"
            )
        if info.flag_bits & 0x1:
            raise EncryptedMemberError(
                f"{source}: member {info.filename!r} is encrypted; zip it again without a password"
            )
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.is_dir():
            continue
        if parts and parts[0] == "__MACOSX":
            skipped[info.filename] = "macOS metadata"
        elif any(part.startswith(".") for part in parts):
            skipped[info.filename] = "hidden file"
        elif PurePosixPath(info.filename).suffix.lower() not in VIDEO_EXTENSIONS:
            skipped[info.filename] = "not a video"
        else:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                msg = (
                    f"{source}: member {info.filename!r} expands {ratio:.0f}-fold "
                    f"({info.compress_size} to {info.file_size} bytes); video does not compress like "
                    f"that (limit {limits.max_compression_ratio:g}), so this looks like a zip bomb"
                )
                raise SuspiciousCompressionError(msg)
            videos[info.filename] = info
    if not videos:
        accepted = ", ".join(sorted(VIDEO_EXTENSIONS))
        raise EmptyArchiveError(
            f"{source} holds no video (accepted: {accepted}); skipped {len(skipped)} other entries"
        )
    total = sum(info.file_size for info in videos.values())
    if total > limits.max_total_bytes:
        raise ArchiveTooLargeError(
            f"{source} declares {total} bytes of video; the limit is {limits.max_total_bytes}"
        )
    return _Plan(videos, skipped, total)


def _names(plan: _Plan, layout: DataDirectory, force: bool) -> tuple[dict[str, str], list[str]]:
    by_name: dict[str, list[str]] = {}
    for member in plan.videos:
        by_name.setdefault(job_name_for(member), []).append(member)
    problems = [
        f"{name} (from {', '.join(sorted(members))})"
        for name, members in sorted(by_name.items())
        if len(members) > 1
    ]
    existing = sorted(name for name in by_name if layout.job_inbox(name).exists())
    finished = sorted(name for name in by_name if layout.results_path(name).exists())
    if not force:
        problems += [f"{name} (already waiting in {layout.inbox.name}/)" for name in existing]
    problems += [f"{name} (already completed in {layout.outbox.name}/)" for name in finished]
    if problems:
        advice = "rename the files in the archive" + (
            "" if force else ", or use force to replace waiting jobs"
        )
        raise JobCollisionError(f"job names collide: {'; '.join(problems)}; {advice}")
    return {name: members[0] for name, members in by_name.items()}, existing


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, source: Path) -> None:
    written = 0
    try:
        with archive.open(info) as reader, open(target, "xb") as writer:
            while chunk := reader.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    msg = f"{source}: member {info.filename!r} holds more than the {info.file_size} bytes its header declares"
                    raise CorruptArchiveError(msg)
                writer.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise CorruptArchiveError(
            f"{source}: member {info.filename!r} is damaged ({error})"
        ) from None
    if written != info.file_size:
        raise CorruptArchiveError(
            f"{source}: member {info.filename!r} holds {written} bytes, its header declares {info.file_size}"
        )


def ingest_zip(
    source: Path, data_dir: Path, *, force: bool = False, limits: IngestLimits | None = None
) -> IngestResult:
    """Stage every video of a zip as its own job folder under ``<data_dir>/in/``.

    Parameters
    ----------
    source
        The zip file.
    data_dir
        Daemon data directory.
    force
        Replace jobs of the same name waiting in ``in/`` (never completed ones).
    limits
        Member count, total size and compression-ratio limits.

    Returns
    -------
    IngestResult
        The jobs created and the members skipped.

    Raises
    ------
    IngestError
        A subclass naming the member and the rule it broke; ``in/`` is then unchanged.
    """
    source, data_dir = Path(source), Path(data_dir)
    limits = limits or IngestLimits()
    if not source.is_file():
        raise CorruptArchiveError(f"{source} does not exist or is not a file")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise CorruptArchiveError(f"{source} is not a readable zip archive ({error})") from None
    layout = DataDirectory(data_dir)
    inbox = layout.inbox
    with archive:
        plan = _plan(archive, source, limits)
        jobs, replaced = _names(plan, layout, force)
        data_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(data_dir).free
        if plan.total_bytes > free:
            raise InsufficientSpaceError(
                f"{source} needs {plan.total_bytes} bytes but {data_dir} has {free} free"
            )
        staging = layout.staging_path(uuid.uuid4().hex)
        created_inbox = not inbox.exists()
        placed: list[str] = []
        moved_aside: list[str] = []
        try:
            staging.mkdir()
            for name, member in jobs.items():
                folder = staging / "jobs" / name
                folder.mkdir(parents=True)
                _extract(archive, plan.videos[member], folder / PurePosixPath(member).name, source)
            inbox.mkdir(parents=True, exist_ok=True)
            aside = staging / "replaced"
            aside.mkdir()
            for name in replaced:
                layout.job_inbox(name).rename(aside / name)
                moved_aside.append(name)
            for name in jobs:
                (staging / "jobs" / name).rename(layout.job_inbox(name))
                placed.append(name)
        except BaseException:
            # Undo in reverse: take placed jobs back out, return replaced ones.
            for name in reversed(placed):
                layout.job_inbox(name).rename(staging / "jobs" / name)
            for name in reversed(moved_aside):
                (staging / "replaced" / name).rename(layout.job_inbox(name))
            if created_inbox and inbox.exists() and not any(inbox.iterdir()):
                inbox.rmdir()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return IngestResult(jobs=dict(jobs), skipped=plan.skipped, replaced=tuple(replaced))

"""The videos a ``batch`` run covers: video files, folders of videos, and manifests.

A manifest lists one video per row, with an optional output name and subject:

CSV
    A header row naming the columns ``video`` (required), ``output`` and ``subject``.
JSON
    A list of objects with those keys (or of plain strings, each a video), or an object whose
    ``videos`` key holds that list.

Relative paths in a manifest are taken from the manifest's folder, so a manifest travels with
its videos. An output name is a path inside the output folder (``p01/reach``); without a
``.npz`` or ``.json`` suffix the run's format is appended.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from neuropose.cli._errors import BatchInputError, ManifestError

__all__ = ["MANIFEST_COLUMNS", "MANIFEST_SUFFIXES", "BatchItem", "collect_items"]

MANIFEST_COLUMNS = ("video", "output", "subject")
"""Columns (CSV) or keys (JSON) a manifest row may have; ``video`` is required."""

MANIFEST_SUFFIXES = frozenset({".csv", ".json"})
"""File suffixes read as manifests rather than as videos."""

OUTPUT_SUFFIXES = frozenset({".npz", ".json"})
"""Suffixes an output name may carry to choose its own predictions format."""


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One video to process, as the inputs name it.

    Attributes
    ----------
    video
        The video file, absolute.
    output
        Output name relative to the output folder, from a manifest; ``None`` for the default
        name (the one ``process`` gives).
    subject
        Subject label from a manifest, copied into the summary.
    """

    video: Path
    output: str | None = None
    subject: str | None = None


def collect_items(arguments: Sequence[Path], video_suffixes: Iterable[str]) -> list[BatchItem]:
    """Expand ``batch`` arguments into videos, in argument order, each video once.

    Parameters
    ----------
    arguments
        Video files, folders (every video below them, recursively, hidden entries skipped) and
        manifests (``.csv`` or ``.json``).
    video_suffixes
        Lower-case suffixes that mark a file in a folder as a video.

    Raises
    ------
    BatchInputError
        A path does not exist, a folder holds no video, or two rows ask for one output name.
    ManifestError
        A manifest is malformed; the message names the file, the row and what to fix.
    """
    suffixes = frozenset(video_suffixes)
    missing = [str(path) for path in arguments if not path.exists()]
    if missing:
        raise BatchInputError(f"no such file or folder: {', '.join(missing)}; check the paths")
    items: list[BatchItem] = []
    for argument in arguments:
        if argument.is_dir():
            found = _videos_in(argument, suffixes)
            if not found:
                shown = ", ".join(sorted(suffixes))
                raise BatchInputError(f"folder {argument} holds no video (looked for {shown})")
            items += [BatchItem(video) for video in found]
        elif argument.suffix.lower() in MANIFEST_SUFFIXES:
            items += read_manifest(argument)
        else:
            # A file named on the command line is a video whatever its suffix, as for `process`.
            items.append(BatchItem(argument.resolve()))
    return _unique(items)


def _videos_in(folder: Path, suffixes: frozenset[str]) -> list[Path]:
    found = []
    for path in sorted(folder.resolve().rglob("*")):
        relative = path.relative_to(folder.resolve()).parts
        if any(part.startswith(".") for part in relative):
            continue
        if path.is_file() and path.suffix.lower() in suffixes:
            found.append(path)
    return found


def read_manifest(path: Path) -> list[BatchItem]:
    """Read a CSV or JSON manifest into items (paths resolved against its folder).

    Raises
    ------
    ManifestError
        Unreadable file, unknown or missing columns, an empty ``video``, a video that does not
        exist, or an output name that is absolute or leaves the output folder.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"manifest {path} cannot be read: {error}") from None
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _json_rows(path, text)
    if not rows:
        raise ManifestError(f"manifest {path} lists no video; add one row per video")
    items = [_item(path, number, row) for number, row in rows]
    absent = [str(item.video) for item in items if not item.video.is_file()]
    if absent:
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise ManifestError(f"manifest {path} names videos that do not exist: {shown}")
    return items


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    columns = [name.strip() for name in reader.fieldnames or []]
    _check_keys(path, "columns", columns, "its header row")
    rows = []
    # Row 1 is the header; data rows are numbered as a spreadsheet shows them.
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise ManifestError(f"manifest {path} row {number} has more cells than the header")
        cleaned = {key.strip(): (value or "").strip() for key, value in row.items()}
        if any(cleaned.values()):
            rows.append((number, cleaned))
    return rows


def _json_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        msg = f"manifest {path} is not valid JSON: {error.msg} at line {error.lineno}"
        raise ManifestError(msg) from None
    if isinstance(data, dict) and set(data) == {"videos"}:
        data = data["videos"]
    if not isinstance(data, list):
        msg = f'manifest {path} must hold a list of videos or {{"videos": [...]}}'
        raise ManifestError(msg)
    rows = []
    # JSON rows are numbered from 1, in list order.
    for number, entry in enumerate(data, start=1):
        row: Any = {"video": entry} if isinstance(entry, str) else entry
        if not isinstance(row, dict):
            msg = f"manifest {path} entry {number} is a {type(entry).__name__}; give an object or a path"
            raise ManifestError(msg)
        _check_keys(path, "keys", list(row), f"entry {number}")
        wrong = [
            key for key, value in row.items() if value is not None and not isinstance(value, str)
        ]
        if wrong:
            raise ManifestError(f"manifest {path} entry {number}: {', '.join(wrong)} must be text")
        rows.append((number, {key: (value or "").strip() for key, value in row.items()}))
    return rows


def _check_keys(path: Path, kind: str, keys: list[str], where: str) -> None:
    unknown = [key for key in keys if key not in MANIFEST_COLUMNS]
    if unknown:
        msg = (
            f"manifest {path}: {where} has unknown {kind} {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(MANIFEST_COLUMNS)}"
        )
        raise ManifestError(msg)
    if "video" not in keys:
        raise ManifestError(f"manifest {path}: {where} lacks the 'video' {kind[:-1]}")


def _item(manifest: Path, number: int, row: dict[str, str]) -> BatchItem:
    video = row.get("video", "")
    if not video:
        raise ManifestError(f"manifest {manifest} row {number} has an empty 'video'")
    output = row.get("output") or None
    if output is not None:
        output = _checked_output_name(output, f"manifest {manifest} row {number}")
    resolved = (manifest.parent / Path(video).expanduser()).resolve()
    return BatchItem(resolved, output, row.get("subject") or None)


def _checked_output_name(name: str, where: str) -> str:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.name or pure.name.startswith("."):
        msg = f"{where}: output name {name!r} must be a relative path inside the output folder"
        raise ManifestError(msg)
    return pure.as_posix()


def _unique(items: list[BatchItem]) -> list[BatchItem]:
    """Drop repeats of the same video and output; refuse one output name for two videos."""
    kept: dict[tuple[Path, str | None], BatchItem] = {}
    for item in items:
        kept.setdefault((item.video, item.output), item)
    named: dict[str, Path] = {}
    for item in kept.values():
        if item.output is None:
            continue
        other = named.setdefault(item.output, item.video)
        if other != item.video:
            msg = f"output name {item.output!r} is given to two videos: {other} and {item.video}"
            raise BatchInputError(msg)
    return list(kept.values())

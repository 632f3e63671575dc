"""Which files the status page may serve, and the byte range a request asks for.

The page serves only what the after-job hook recorded in a job's ``outputs``: the path comes
from ``status.json``, the URL only names it, so no URL can reach any other file.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from neuropose.schema import StatusFile

__all__ = ["FILE_TYPES", "REPORT_CSP", "byte_range", "content_type", "listed_output"]

FILE_TYPES = {".html": "text/html; charset=utf-8", ".mp4": "video/mp4", ".pdf": "application/pdf"}
"""Content-Type of the served files, by suffix; anything else is sent as bytes to download."""

REPORT_CSP = (
    "default-src 'none'; img-src data:; media-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
"""What a report page may load: its embedded images, its overlay video, its own styles."""

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def content_type(path: Path) -> str:
    """Return the Content-Type for ``path`` by its suffix (``application/octet-stream`` when unknown)."""
    return FILE_TYPES.get(path.suffix.lower(), "application/octet-stream")


def listed_output(status: StatusFile, root: Path, job: str, name: str) -> Path | None:
    """Return the file ``name`` of job ``job`` if its ``outputs`` list it, else ``None``.

    Parameters
    ----------
    status
        The status file just read.
    root
        The data directory the recorded paths are relative to.
    job, name
        Job name and the base name of one of its outputs, as the URL gave them.
    """
    entry = status.jobs.get(job)
    if entry is None or name in ("", ".", ".."):
        return None
    for recorded in entry.outputs:
        if PurePosixPath(recorded).name != name:
            continue
        path = (root / recorded).resolve()
        # status.json is the daemon's, but a hand-edited one must still not reach outside.
        if path.is_relative_to(root.resolve()) and path.is_file():
            return path
    return None


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the first and last byte (inclusive) a ``Range`` header asks for, or ``None``.

    Only one range is honoured (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); any other form
    is ignored and the whole file sent, as RFC 9110 allows.

    Raises
    ------
    ValueError
        If the range starts past the end of the file (answered with 416).
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last n bytes
        count = int(last)
        if count == 0:
            raise ValueError("empty suffix range")
        return max(size - count, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size:
        raise ValueError(f"range starts at byte {start} of a {size}-byte file")
    if end < start:
        return None
    return start, end

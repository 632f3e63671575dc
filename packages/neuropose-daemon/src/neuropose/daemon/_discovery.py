"""Finding job folders (and loose videos) in ``in/`` that are complete (no copy still in progress)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neuropose.schema import VIDEO_EXTENSIONS

__all__ = ["JobFolder", "JobScanner", "describe", "is_video"]


def is_video(path: Path) -> bool:
    """Tell whether ``path`` is a visible regular file with a video suffix (any letter case)."""
    return (
        path.is_file() and not path.name.startswith(".") and path.suffix.lower() in VIDEO_EXTENSIONS
    )


@dataclass(frozen=True, slots=True)
class JobFolder:
    """A job folder that has stopped changing.

    Attributes
    ----------
    name
        Folder name, which is the job name.
    path
        The folder.
    videos
        Video files directly inside it, sorted by name.
    ignored
        Everything else inside it (hidden files, other files, sub-folders), as relative paths.
    """

    name: str
    path: Path
    videos: tuple[Path, ...]
    ignored: tuple[str, ...]


Fingerprint = tuple[tuple[str, int, int], ...]


def _fingerprint(folder: Path) -> tuple[Fingerprint, float]:
    """Every file's relative path, size and mtime, and the newest mtime (seconds)."""
    entries = []
    newest = folder.stat().st_mtime
    for path in sorted(folder.rglob("*")):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed while we looked: the next scan sees it settle
            continue
        entries.append((path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns))
        newest = max(newest, stat.st_mtime)
    return tuple(entries), newest


class JobScanner:
    """Report job folders whose contents have been stable for ``settle_time_s``.

    A folder is ready when nothing in it (the folder itself included: adding a file touches it)
    was modified within the settle time and it has not changed since the previous scan, so a copy
    that is still writing, or that keeps files' original times, is left alone.

    Parameters
    ----------
    inbox
        The ``in/`` folder.
    settle_time_s
        Seconds without change before a folder counts as complete.
    clock
        Wall-clock source (seconds since the epoch), for tests.
    """

    def __init__(
        self, inbox: Path, settle_time_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.inbox = Path(inbox)
        self.settle_time_s = settle_time_s
        self._clock = clock
        self._seen: dict[str, Fingerprint] = {}
        self._seen_files: dict[str, tuple[int, int]] = {}

    def candidates(self) -> list[Path]:
        """Visible sub-folders of ``in/``, sorted by name."""
        if not self.inbox.is_dir():
            return []
        return sorted(p for p in self.inbox.iterdir() if p.is_dir() and not p.name.startswith("."))

    def ready(self) -> tuple[list[JobFolder], list[str]]:
        """Scan once.

        Returns
        -------
        ready, waiting
            Folders ready to run, and names of folders still settling.
        """
        ready, waiting = [], []
        now = self._clock()
        current = set()
        for folder in self.candidates():
            current.add(folder.name)
            try:
                fingerprint, newest = _fingerprint(folder)
            except FileNotFoundError:
                continue
            previous = self._seen.get(folder.name)
            self._seen[folder.name] = fingerprint
            quiet = now - newest >= self.settle_time_s
            changed = previous is not None and previous != fingerprint
            if not quiet or changed:
                waiting.append(folder.name)
                continue
            ready.append(describe(folder))
        for gone in set(self._seen) - current:
            del self._seen[gone]
        return ready, waiting

    def forget(self, name: str) -> None:
        """Drop what is remembered of a folder (after it has been moved away)."""
        self._seen.pop(name, None)

    def loose(self) -> tuple[list[Path], list[str]]:
        """Scan once for videos dropped directly in ``in/`` instead of in a job folder.

        The settle rule is the folders': unmodified for ``settle_time_s`` and unchanged since
        the previous scan.

        Returns
        -------
        ready, waiting
            Videos ready to become one-video jobs, and names of videos still settling.
        """
        if not self.inbox.is_dir():
            return [], []
        ready, waiting = [], []
        now = self._clock()
        current = set()
        for path in sorted(p for p in self.inbox.iterdir() if is_video(p)):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            current.add(path.name)
            fingerprint = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen_files.get(path.name)
            self._seen_files[path.name] = fingerprint
            quiet = now - stat.st_mtime >= self.settle_time_s
            if not quiet or (previous is not None and previous != fingerprint):
                waiting.append(path.name)
            else:
                ready.append(path)
        for gone in set(self._seen_files) - current:
            del self._seen_files[gone]
        return ready, waiting


def describe(folder: Path) -> JobFolder:
    """Describe a job folder as it is now: its videos and the files it ignores."""
    videos, ignored = [], []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.parent == folder and is_video(path):
            videos.append(path)
        elif path.is_file() or path.parent == folder:
            ignored.append(relative)
    return JobFolder(folder.name, folder, tuple(videos), tuple(ignored))

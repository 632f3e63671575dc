"""Crash-safe file replacement: readers see the old file or the new one, never a mix.

A write goes to a temporary file beside its target, named ``.<target>.<pid>-<token>.tmp``: the
writer's process id and 12 random hex digits. The name is the one shared fact about
temporaries: :func:`temporary_path` makes it, :func:`remove_stale_temporaries` recognises it
and removes those whose writer has died (a kill between creating and renaming one), and
nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "TemporaryFile",
    "atomic_write",
    "fsync_directory",
    "remove_stale_temporaries",
    "temporary_path",
]

_TOKEN_HEX = 12
# ".<target>.<pid>-<token>.tmp"; files written before the PID was part of the name lack it.
_TEMPORARY = re.compile(
    rf"^\.(?P<target>.+)\.(?:(?P<pid>\d+)-)?(?P<token>[0-9a-f]{{{_TOKEN_HEX}}})\.tmp(?P<suffix>\.[^.]+)?$"
)
_LEGACY_AGE_S = 3600.0


@dataclass(frozen=True, slots=True)
class TemporaryFile:
    """A file named like one of :func:`atomic_write`'s temporaries.

    Attributes
    ----------
    path
        The temporary file.
    target
        File name of the file it was going to replace.
    pid
        Process id of its writer; ``None`` for names from before the id was recorded.
    """

    path: Path
    target: str
    pid: int | None

    @classmethod
    def parse(cls, path: Path) -> TemporaryFile | None:
        """Return what ``path``'s name says, or ``None`` if it is not one of our temporaries."""
        match = _TEMPORARY.match(Path(path).name)
        if match is None:
            return None
        pid = match.group("pid")
        return cls(Path(path), match.group("target"), int(pid) if pid else None)


def temporary_path(path: Path, *, keep_suffix: bool = False) -> Path:
    """Return a fresh temporary name beside ``path``: ``.<name>.<pid>-<token>.tmp``.

    Parameters
    ----------
    path
        The file the temporary will replace.
    keep_suffix
        Append ``path``'s suffix (``.tmp.c3d``), for writers that pick a format by suffix.
    """
    path = Path(path)
    name = f".{path.name}.{os.getpid()}-{secrets.token_hex(_TOKEN_HEX // 2)}.tmp"
    return path.with_name(name + (path.suffix if keep_suffix else ""))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(
    directory: Path, *, legacy_age_s: float = _LEGACY_AGE_S, now: float | None = None
) -> list[Path]:
    """Delete the temporaries in ``directory`` (not below it) that no live writer owns.

    A temporary whose writer process is gone was left by a kill or a crash between its
    creation and its rename, and is removed. One whose PID is alive is kept (it may be
    written right now; a recycled PID only delays the clean-up). Names from before the PID was
    recorded are removed once untouched for ``legacy_age_s`` seconds. Files not named like our
    temporaries are never touched.

    Parameters
    ----------
    directory
        Folder to clean; a missing folder is nothing to do.
    legacy_age_s
        Age in seconds after which a temporary without a PID counts as abandoned.
    now
        Current time in seconds since the epoch (tests pass their own).

    Returns
    -------
    list of Path
        The files removed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    current = time.time() if now is None else now
    removed: list[Path] = []
    for path in sorted(directory.iterdir()):
        found = TemporaryFile.parse(path)
        if found is None or not path.is_file() or path.is_symlink():
            continue
        if found.pid is not None:
            if _alive(found.pid):
                continue
        else:
            try:
                if current - path.stat().st_mtime < legacy_age_s:
                    continue
            except FileNotFoundError:
                continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry change (a rename) to disk, where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories cannot be opened on some platforms
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - e.g. some network file systems
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, content: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``content`` to ``path`` so that a crash at any moment leaves a whole file.

    The data goes to a temporary file in the same directory (:func:`temporary_path`), is
    flushed and fsynced, then renamed over ``path``; finally the directory is fsynced so the
    rename itself survives a power cut.

    Parameters
    ----------
    path
        Destination file. Its directory must exist.
    content
        The bytes, or a function that writes them to the open binary file it is given.

    Raises
    ------
    OSError
        If the directory is not writable or the disk is full; ``path`` is then untouched and no
        temporary file is left behind.
    """
    path = Path(path)
    temporary = temporary_path(path)
    try:
        with open(temporary, "xb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                content(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    fsync_directory(path.parent)

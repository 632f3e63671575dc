"""Crash-safe file replacement: readers see the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "fsync_directory"]


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

    The data goes to a temporary file in the same directory, is flushed and fsynced, then renamed
    over ``path``; finally the directory is fsynced so the rename itself survives a power cut.

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
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
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

"""Output files: refuse to overwrite unless asked, and never leave half a file behind."""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from neuropose.analysis.export._errors import ExportValueError, MissingExtraError, OutputExistsError
from neuropose.schema.io import atomic_write

__all__ = ["check_target", "replace_from_temporary", "require", "write_atomically"]


def require(module: str, extra: str, detail: str = "") -> ModuleType:
    """Import an optional library or raise :class:`MissingExtraError` naming its extra."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(module.split(".", maxsplit=1)[0], extra, detail) from error


def check_target(path: Path | str, force: bool) -> Path:
    """Return ``path`` as a Path after checking it may be written.

    Raises
    ------
    OutputExistsError
        If the file exists and ``force`` is False.
    ExportValueError
        If the path is a directory or its directory does not exist.
    """
    target = Path(path)
    if target.is_dir():
        raise ExportValueError(f"{target} is a directory; give a file name to export to")
    if not target.parent.is_dir():
        raise ExportValueError(f"{target.parent} does not exist; create it or choose another -o")
    if target.exists() and not force:
        raise OutputExistsError(target)
    return target


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write through a binary handle into ``path`` atomically (temporary file, then rename)."""
    atomic_write(path, write)


@contextlib.contextmanager
def replace_from_temporary(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for libraries that write to a path, then move it.

    The temporary file keeps ``path``'s suffix (some writers insist on it). On success it is
    fsynced and renamed over ``path``; on failure it is removed and ``path`` is untouched.
    """
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # The rename itself must survive a power cut; some platforms cannot open directories.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform dependent
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)

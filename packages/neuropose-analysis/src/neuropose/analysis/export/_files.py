"""Output files: refuse to overwrite unless asked, and never leave half a file behind."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Generator
from pathlib import Path
from types import ModuleType

from neuropose.analysis.export._errors import ExportValueError, MissingExtraError, OutputExistsError
from neuropose.schema.io import fsync_directory, temporary_path

__all__ = ["check_target", "replace_from_temporary", "require"]


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


@contextlib.contextmanager
def replace_from_temporary(path: Path) -> Generator[Path, None, None]:
    """Yield a temporary path beside ``path`` for libraries that write to a path, then move it.

    The temporary file keeps ``path``'s suffix (some writers insist on it). On success it is
    fsynced and renamed over ``path``; on failure it is removed and ``path`` is untouched.
    """
    temporary = temporary_path(path, keep_suffix=True)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    fsync_directory(path.parent)

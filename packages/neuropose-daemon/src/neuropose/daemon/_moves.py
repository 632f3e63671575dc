"""Moving a job's folder between the parts of the data directory, one rename at a time."""

from __future__ import annotations

import os
from pathlib import Path

from neuropose.daemon._errors import NoFreeNameError
from neuropose.schema.io import fsync_directory

__all__ = ["move_to_unique"]

_MAX_SUFFIX = 10_000


def move_to_unique(source: Path, target: Path) -> Path:
    """Rename ``source`` to ``target``, or to ``target.1``, ``target.2`` ... if that is taken.

    One ``rename`` call on the same file system: the folder is, at every instant, in exactly one
    place. Both parent directories are fsynced so the move survives a power cut.

    Parameters
    ----------
    source
        The folder to move.
    target
        Where it should go; its parent is created if missing.

    Returns
    -------
    Path
        Where the folder now is.

    Raises
    ------
    NoFreeNameError
        If ``target`` and its first 9,999 numbered variants all exist.
    OSError
        If the rename itself fails (another file system, permissions).
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Only the lock-holding daemon writes into out/ and failed/, so nothing races the check.
    for suffix in range(_MAX_SUFFIX):
        candidate = target if suffix == 0 else target.with_name(f"{target.name}.{suffix}")
        if candidate.exists():
            continue
        os.rename(source, candidate)
        fsync_directory(parent)
        fsync_directory(source.parent)
        return candidate
    msg = (
        f"no free name for {target.name} in {parent}: {_MAX_SUFFIX} variants exist; clear some out"
    )
    raise NoFreeNameError(msg)

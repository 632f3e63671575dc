"""The data directory's layout and the moves between its parts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from neuropose.schema._atomic import fsync_directory

__all__ = ["DataDirectory", "move_to_unique"]


@dataclass(frozen=True, slots=True)
class DataDirectory:
    """Paths inside a daemon data directory.

    ``in/<job>/`` holds waiting jobs, ``out/<job>/`` results (and, once completed, the inputs in
    ``out/<job>/inputs/``), ``failed/<job>/`` the inputs of failed jobs, ``out/status.json`` the
    lifecycle of every job and ``.neuropose.lock`` the single-instance lock.
    """

    root: Path

    @property
    def inbox(self) -> Path:
        """``in/``: jobs waiting to run."""
        return self.root / "in"

    @property
    def outbox(self) -> Path:
        """``out/``: results, and the inputs of completed jobs."""
        return self.root / "out"

    @property
    def failed(self) -> Path:
        """``failed/``: the inputs of failed jobs, kept for a retry."""
        return self.root / "failed"

    @property
    def status_path(self) -> Path:
        """``out/status.json``."""
        return self.outbox / "status.json"

    @property
    def lock_path(self) -> Path:
        """``.neuropose.lock``."""
        return self.root / ".neuropose.lock"

    def results_path(self, job: str) -> Path:
        """``out/<job>/results.json``."""
        return self.outbox / job / "results.json"

    def completed_inputs(self, job: str) -> Path:
        """``out/<job>/inputs/``: where a completed job's inputs live."""
        return self.outbox / job / "inputs"

    def create(self) -> None:
        """Create the folders that do not exist yet."""
        for folder in (self.inbox, self.outbox, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def relative(self, path: Path) -> str:
        """``path`` relative to the data directory, as POSIX text."""
        return Path(path).relative_to(self.root).as_posix()


def move_to_unique(source: Path, parent: Path, name: str) -> Path:
    """Rename ``source`` into ``parent`` as ``name``, or ``name.1``, ``name.2`` ... if taken.

    One ``rename`` call on the same file system: the folder is, at every instant, in exactly one
    place. Returns the new path.
    """
    parent.mkdir(parents=True, exist_ok=True)
    # Only the lock-holding daemon writes into out/ and failed/, so nothing races the check.
    for suffix in range(10_000):
        target = parent / (name if suffix == 0 else f"{name}.{suffix}")
        if target.exists():
            continue
        os.rename(source, target)
        fsync_directory(parent)
        fsync_directory(source.parent)
        return target
    raise FileExistsError(f"no free name for {name} in {parent}")

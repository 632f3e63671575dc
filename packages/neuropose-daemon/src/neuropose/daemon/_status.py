"""Keeping ``out/status.json`` true: load, recover, update, save atomically."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from neuropose.schema import (
    DataDirectory,
    JobStatus,
    JobStatusEntry,
    NeuroPoseError,
    StatusFile,
    io,
)

__all__ = ["StatusKeeper", "utc_now"]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class StatusKeeper:
    """The daemon's in-memory view of ``status.json``, saved after every change.

    Parameters
    ----------
    layout
        The data directory.
    clock
        Source of UTC timestamps (tests pass their own).
    """

    def __init__(self, layout: DataDirectory, clock: Callable[[], datetime] = utc_now) -> None:
        self.layout = layout
        self._clock = clock
        self.jobs: dict[str, JobStatusEntry] = {}
        self.save_failures = 0

    def load(self) -> list[str]:
        """Read ``status.json``; if it is corrupt, set it aside and rebuild from the folders.

        Returns
        -------
        list of str
            What was done, for the log (empty when the file was fine or absent).
        """
        path = self.layout.status_path
        notes: list[str] = []
        if path.exists():
            try:
                self.jobs = dict(io.load_status(path).jobs)
                return notes
            except NeuroPoseError as error:
                stamp = self._clock().strftime("%Y%m%dT%H%M%S")
                aside = self.layout.corrupt_status_path(stamp)
                os.replace(path, aside)
                notes.append(
                    f"{path.name} was unreadable ({error}); kept it as {aside.name} and rebuilt it"
                )
        self.jobs = self._rebuild()
        if self.jobs:
            notes.append(f"rebuilt {len(self.jobs)} job entries from the data directory")
        self.save()
        return notes

    def _rebuild(self) -> dict[str, JobStatusEntry]:
        """Recreate entries from what is on disk: results mean completed, failed/ means failed."""
        jobs: dict[str, JobStatusEntry] = {}
        now = self._clock()
        if self.layout.outbox.is_dir():
            for folder in sorted(p for p in self.layout.outbox.iterdir() if p.is_dir()):
                results = self.layout.results_path(folder.name)
                if results.is_file():
                    jobs[folder.name] = JobStatusEntry(
                        name=folder.name,
                        status=JobStatus.COMPLETED,
                        percent_complete=100.0,
                        results_path=self.layout.relative(results),
                        inputs_path=self.layout.relative(self.layout.completed_inputs(folder.name)),
                        last_update=now,
                    )
        if self.layout.failed.is_dir():
            for folder in sorted(p for p in self.layout.failed.iterdir() if p.is_dir()):
                jobs.setdefault(
                    folder.name,
                    JobStatusEntry(
                        name=folder.name,
                        status=JobStatus.FAILED,
                        error=f"unknown: status was rebuilt after {self.layout.status_path.name} was lost",
                        inputs_path=self.layout.relative(folder),
                        last_update=now,
                    ),
                )
        return jobs

    def get(self, name: str) -> JobStatusEntry | None:
        """Return the entry of job ``name``, if any."""
        return self.jobs.get(name)

    def set(self, name: str, *, save: bool = True, **changes: Any) -> JobStatusEntry:
        """Create or update job ``name``'s entry (stamping ``last_update``) and save."""
        current = self.jobs.get(name) or JobStatusEntry(name=name, status=JobStatus.PENDING)
        entry = JobStatusEntry.model_validate(
            {**current.model_dump(), **changes, "last_update": self._clock()}
        )
        self.jobs[name] = entry
        if save:
            self.save()
        return entry

    def save(self) -> bool:
        """Write ``status.json`` atomically.

        A failed write (full disk, unwritable folder) leaves the previous file intact; it is
        logged and retried with the next change instead of stopping the daemon.
        """
        document = StatusFile(updated_at=self._clock(), daemon_pid=os.getpid(), jobs=self.jobs)
        try:
            self.layout.outbox.mkdir(parents=True, exist_ok=True)
            io.save(document, self.layout.status_path)
        except OSError as error:
            self.save_failures += 1
            log.error("could not write %s: %s", self.layout.status_path, error)
            return False
        return True

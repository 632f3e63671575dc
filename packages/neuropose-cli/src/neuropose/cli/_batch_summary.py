"""The ledger of a ``batch`` run, and its summary file in the output folder.

The ledger holds each video's state as the scheduler reports it and rewrites the summary
atomically when something changed (at most every ``interval_s``, and always at the end), so
the file can be watched while the run goes on and is never half written.

The summary is rebuilt by every run from what the workers report, and workers report from the
outputs themselves: a video whose output is already up to date is ``skipped`` with the frame
count read from that output. A run killed outright therefore loses nothing but its own summary,
which the next run writes again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from neuropose.cli._batch_jobs import VideoJob, VideoRecord, VideoStatus
from neuropose.schema import BatchModel, BatchSummary, BatchVideo, BatchVideoStatus

__all__ = ["SUMMARY_FILE", "BatchLedger"]

SUMMARY_FILE = BatchSummary.FILE_NAME
"""Name of the summary file, in the output folder."""

_STATUSES: tuple[VideoStatus, ...] = get_args(BatchVideoStatus)


@dataclass
class _Entry:
    job: VideoJob
    status: VideoStatus = "pending"
    worker: str | None = None
    attempts: int = 0
    record: VideoRecord | None = None
    retries: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> BatchVideo:
        record = self.record
        return BatchVideo(
            video=self.job.video,
            output=self.job.output,
            subject=self.job.subject,
            status=self.status,
            error=self.error,
            frames=record.frames if record else None,
            fps=record.fps if record else None,
            worker=self.worker,
            started_at=datetime.fromtimestamp(record.started_at, UTC) if record else None,
            seconds=record.seconds if record else None,
            cpu_seconds=record.cpu_seconds if record else None,
            attempts=self.attempts,
            retries=tuple(self.retries),
            note=record.note if record else None,
        )


class BatchLedger:
    """Each video's state during a run, saved as the summary file.

    Parameters
    ----------
    output_dir
        The run's output folder; the summary is ``output_dir / SUMMARY_FILE``.
    jobs
        Every video of the run, in order.
    engine, workers
        Recorded in the summary.
    on_change
        Called after each video finishes (for a progress bar).
    interval_s
        Least time between two writes of the summary while running, in seconds.
    """

    def __init__(
        self,
        output_dir: Path,
        jobs: Sequence[VideoJob],
        *,
        engine: str,
        workers: int,
        on_change: Callable[[BatchLedger], None] | None = None,
        interval_s: float = 0.5,
    ) -> None:
        self.path = output_dir / SUMMARY_FILE
        self.engine = engine
        self.workers = workers
        self.model: BatchModel | None = None
        self._entries = {job.index: _Entry(job) for job in jobs}
        self._on_change = on_change
        self._interval_s = interval_s
        self._started_at = datetime.now(UTC)
        self._finished = False
        self._dirty = True
        self._written_at = 0.0

    # ------------------------------------------------------------ reports from the scheduler
    def set_model(self, name: str, sha256: str) -> None:
        """Record the model the workers loaded."""
        if self.model is None:
            self.model = BatchModel(name=name, sha256=sha256)
            self._dirty = True

    def running(self, job: VideoJob, worker: str) -> None:
        """``job`` was handed to ``worker``; this is one more attempt at it."""
        entry = self._entries[job.index]
        entry.status, entry.worker = "running", worker
        entry.attempts += 1
        self._changed(finished=False)

    def finished(self, job: VideoJob, record: VideoRecord) -> None:
        """Record a worker's answer for ``job``."""
        entry = self._entries[job.index]
        entry.status, entry.worker, entry.record, entry.error = (
            record.status,
            record.worker,
            record,
            record.error,
        )
        self._changed(finished=True)

    def lost(self, job: VideoJob, worker: str, reason: str, *, retried: bool) -> None:
        """Record that the worker holding ``job`` died; the video is queued again or failed."""
        entry = self._entries[job.index]
        entry.retries.append(f"attempt {entry.attempts} on {worker} lost: {reason}")
        if retried:
            entry.status, entry.worker = "pending", None
            self._changed(finished=False)
            return
        entry.status = "failed"
        entry.error = f"WorkerLostError: the worker died on each of {entry.attempts} attempts"
        self._changed(finished=True)

    # --------------------------------------------------------------------------- reading
    def counts(self) -> dict[VideoStatus, int]:
        """Return the number of videos in each state."""
        tally: dict[VideoStatus, int] = dict.fromkeys(_STATUSES, 0)
        for entry in self._entries.values():
            tally[entry.status] += 1
        return tally

    def attempts(self, job: VideoJob) -> int:
        """Return the attempts made at ``job`` so far (the current one included)."""
        return self._entries[job.index].attempts

    @property
    def total(self) -> int:
        """Number of videos in the run."""
        return len(self._entries)

    @property
    def settled(self) -> int:
        """Videos done, skipped or failed."""
        counts = self.counts()
        return counts["done"] + counts["skipped"] + counts["failed"]

    def failures(self) -> list[tuple[str, str]]:
        """``(video, error)`` of every failed video."""
        return [
            (entry.job.video, entry.error or "")
            for entry in self._entries.values()
            if entry.status == "failed"
        ]

    def summary(self) -> BatchSummary:
        """Return the summary (:class:`~neuropose.schema.BatchSummary`, see docs/cli.md)."""
        entries = [self._entries[index] for index in sorted(self._entries)]
        return BatchSummary(
            engine=self.engine,
            workers=self.workers,
            model=self.model,
            started_at=self._started_at,
            updated_at=datetime.now(UTC),
            finished=self._finished,
            counts=self.counts(),
            videos=tuple(entry.summary() for entry in entries),
        )

    # --------------------------------------------------------------------------- writing
    def save(self, *, finished: bool = False, force: bool = False) -> None:
        """Write the summary if something changed and the interval passed (or ``force``)."""
        from neuropose.schema import io

        self._finished = self._finished or finished
        now = time.monotonic()
        if not (force or finished) and (
            not self._dirty or now - self._written_at < self._interval_s
        ):
            return
        io.save(self.summary(), self.path)
        self._dirty, self._written_at = False, now

    def _changed(self, *, finished: bool) -> None:
        self._dirty = True
        if finished and self._on_change is not None:
            self._on_change(self)
        self.save()

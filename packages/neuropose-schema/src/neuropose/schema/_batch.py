"""The summary of a ``neuropose batch`` run: ``batch-summary.json`` in its output folder."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal, get_args

from pydantic import Field, model_validator

from neuropose.schema._base import PersistedModel, ValueModel

__all__ = ["BatchModel", "BatchSummary", "BatchVideo", "BatchVideoStatus"]

BatchVideoStatus = Literal["pending", "running", "done", "skipped", "failed"]
"""Where one video of a batch run is: waiting, on a worker, finished with a new output, skipped
(its output was already up to date) or failed."""


class BatchModel(ValueModel):
    """The pose model the workers of a batch run loaded."""

    name: str
    sha256: str


class BatchVideo(ValueModel):
    """One video of a batch run.

    Attributes
    ----------
    video, output
        The video and its predictions file (absolute paths).
    subject
        The manifest's subject for this video, if it gave one.
    status
        Where the video is (:data:`BatchVideoStatus`).
    error
        ``"ErrorClass: message"`` when it failed.
    frames
        Frames in the predictions (read from the output when skipped).
    fps
        Processing speed, frames per second of wall time (``None`` unless done).
    worker
        ``host/pid`` of the worker that has or had it.
    started_at, seconds
        When the worker took it (UTC) and for how long, in seconds.
    cpu_seconds
        CPU time the worker used on it, all threads, in seconds.
    attempts
        Times it was handed to a worker.
    retries
        One line per lost attempt: which worker died and how.
    note
        Why an existing output was kept or redone.
    """

    video: str
    output: str
    subject: str | None = None
    status: BatchVideoStatus
    error: str | None = None
    frames: int | None = Field(default=None, ge=0)
    fps: float | None = Field(default=None, ge=0)
    worker: str | None = None
    started_at: datetime | None = None
    seconds: float | None = Field(default=None, ge=0)
    cpu_seconds: float | None = Field(default=None, ge=0)
    attempts: int = Field(default=0, ge=0)
    retries: tuple[str, ...] = ()
    note: str | None = None


class BatchSummary(PersistedModel):
    """``batch-summary.json``: every video of a batch run and where it is.

    Rewritten atomically while the run goes on and at its end; ``finished`` stays False for a
    run that was interrupted.

    Attributes
    ----------
    engine
        ``"local"`` (processes on this machine) or ``"ray"``.
    workers
        How many workers ran.
    model
        The model the workers loaded (``None`` before the first one did).
    started_at, updated_at
        UTC times.
    finished
        Whether the run reached its end.
    counts
        Videos per status (every status present); they add up to the number of videos.
    videos
        One entry per video, in input order.
    """

    KIND: ClassVar[str] = "batch_summary"
    CURRENT_VERSION: ClassVar[int] = 1
    FILE_NAME: ClassVar[str] = "batch-summary.json"
    """The summary's name in the run's output folder."""

    engine: str
    workers: int = Field(ge=1)
    model: BatchModel | None = None
    started_at: datetime
    updated_at: datetime
    finished: bool
    counts: dict[BatchVideoStatus, int]
    videos: tuple[BatchVideo, ...]

    @model_validator(mode="after")
    def _counts_match_videos(self) -> BatchSummary:
        expected = {status: 0 for status in get_args(BatchVideoStatus)}
        for video in self.videos:
            expected[video.status] += 1
        if self.counts != expected:
            msg = f"counts {self.counts} do not match the videos' statuses {expected}"
            raise ValueError(msg)
        return self

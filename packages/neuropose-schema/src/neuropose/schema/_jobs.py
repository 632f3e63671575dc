"""The daemon's job lifecycle files: ``out/status.json`` and ``out/<job>/results.json``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field, model_validator

from neuropose.schema._base import PersistedModel, ValueModel
from neuropose.schema._metrics import PerformanceMetrics

__all__ = ["JobResults", "JobStatus", "JobStatusEntry", "StatusFile", "VideoResult"]


class JobStatus(StrEnum):
    """Where a job is in its life."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class JobStatusEntry(ValueModel):
    """One job's line in ``status.json``.

    Attributes
    ----------
    name
        Job directory name.
    status
        Lifecycle state.
    videos_total, videos_done
        Videos in the job and videos finished.
    current_video
        File name of the video being processed.
    frames_total, frames_done
        Frames of the current video (``frames_total`` is ``None`` when the container does not
        say) and frames processed so far (for a failed job, the last count the estimator
        reported, which its error repeats).
    percent_complete
        Progress over the whole job, 0 to 100.
    started_at, last_update, finished_at
        UTC timestamps.
    error
        For failed jobs, ``"<ExceptionType>: <message>"``, then how far the video got and
        where the job's videos are now (paths in the message are the current ones).
    results_path
        Path of ``results.json``, relative to the data directory, once written.
    inputs_path
        Where the job's input videos now are, relative to the data directory.
    ignored_files
        Hidden or non-video files found in the job directory and left alone.
    attempts
        How many times the daemon has started this job.
    outputs
        Files the daemon's after-job hook wrote for a completed job (the session reports),
        relative to the data directory.
    hook_error
        ``"<ExceptionType>: <message>"`` when the after-job hook failed; the job is still
        completed and its results are intact.
    """

    name: str
    status: JobStatus
    videos_total: int = Field(default=0, ge=0)
    videos_done: int = Field(default=0, ge=0)
    current_video: str | None = None
    frames_total: int | None = Field(default=None, ge=0)
    frames_done: int = Field(default=0, ge=0)
    percent_complete: float = Field(default=0.0, ge=0, le=100)
    started_at: datetime | None = None
    last_update: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    results_path: str | None = None
    inputs_path: str | None = None
    ignored_files: tuple[str, ...] = ()
    attempts: int = Field(default=0, ge=0)
    outputs: tuple[str, ...] = ()
    hook_error: str | None = None


class StatusFile(PersistedModel):
    """``out/status.json``: every job the daemon knows, by name."""

    KIND: ClassVar[str] = "status_file"

    updated_at: datetime | None = None
    daemon_pid: int | None = None
    jobs: dict[str, JobStatusEntry] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _keys_match_names(self) -> StatusFile:
        for key, entry in self.jobs.items():
            if key != entry.name:
                raise ValueError(f"jobs['{key}'] holds the entry of job '{entry.name}'")
        return self


class VideoResult(ValueModel):
    """One video of a job: where its predictions were saved and how the run performed.

    Attributes
    ----------
    video
        File name of the input video.
    predictions_path
        Predictions file, relative to the job's output directory.
    frame_count
        Frames processed.
    metrics
        Performance of the run.
    """

    video: str
    predictions_path: str
    frame_count: int = Field(ge=0)
    metrics: PerformanceMetrics


class JobResults(PersistedModel):
    """``out/<job>/results.json``: the outcome of every video of a finished job."""

    KIND: ClassVar[str] = "job_results"

    job: str
    videos: tuple[VideoResult, ...]
    started_at: datetime
    finished_at: datetime

"""What travels between the ``batch`` driver and its workers, and what an engine must offer.

Every value here is a small frozen dataclass of plain fields, so it pickles the same way into a
local worker process and into a Ray actor on another machine.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from neuropose.schema import BatchVideoStatus

__all__ = [
    "VideoJob",
    "VideoRecord",
    "VideoStatus",
    "WorkerBackend",
    "WorkerInfo",
    "WorkerSetup",
]

VideoStatus = BatchVideoStatus
"""State of one video in a batch: waiting, on a worker, written, already up to date, failed."""


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """Everything a worker needs to load the model, identical for every worker of a run.

    Attributes
    ----------
    options
        The inference options as JSON-ready data (``InferenceOptions.model_dump(mode="json")``).
    model_dir
        The model cache; every worker must see it at this path (shared file system).
    threads
        TensorFlow threads (intra- and inter-op) for the worker, a count.
    force
        Redo videos whose output is already up to date.
    """

    options: dict[str, Any]
    model_dir: str
    threads: int
    force: bool = False


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A worker's answer to being started.

    Attributes
    ----------
    worker
        ``host/pid``, the label used in the summary.
    model_name, model_sha256
        The loaded model, as its predictions' provenance records it.
    load_time_s
        Seconds the worker spent loading the model.
    error
        Why the model did not load (``ErrorClass: message``); ``None`` when it did.
    """

    worker: str
    model_name: str = ""
    model_sha256: str = ""
    load_time_s: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class VideoJob:
    """One video to process.

    Attributes
    ----------
    index
        Position in the run's list of videos (the summary's order).
    video
        The video file, absolute.
    output
        The predictions file to write, absolute; its suffix chooses the format.
    subject
        Subject label from a manifest, or ``None``.
    """

    index: int
    video: str
    output: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class VideoRecord:
    """What a worker did with one video.

    Attributes
    ----------
    status
        ``"done"`` (output written), ``"skipped"`` (output already up to date) or
        ``"failed"``.
    worker
        ``host/pid`` of the worker.
    started_at
        When the worker took the video, seconds since the epoch (the worker's clock).
    seconds
        Wall time the worker spent on the video, including checks and the write, in seconds.
    cpu_seconds
        CPU time the worker's process used meanwhile, all threads, in seconds; well below
        ``seconds`` times the worker's threads means the worker waited (for the disk, or for
        cores taken by other work).
    frames
        Frames in the predictions (written or found); ``None`` when it failed.
    fps
        Processing speed, frames per second of wall time; ``None`` unless the video was done.
    error
        ``ErrorClass: message`` when it failed; ``None`` otherwise.
    note
        Why an existing output was redone or kept (``"output made by another model"``).
    """

    status: Literal["done", "skipped", "failed"]
    worker: str
    started_at: float
    seconds: float
    cpu_seconds: float
    frames: int | None = None
    fps: float | None = None
    error: str | None = None
    note: str | None = None


class WorkerBackend(Protocol):
    """How one engine runs workers: processes on this machine, or Ray actors on a cluster.

    Workers and calls are opaque handles for the scheduler; a call is either a start (answered
    with :class:`WorkerInfo`) or a video (answered with :class:`VideoRecord`). Only the
    scheduler decides what runs where and what is retried.
    """

    def spawn(self) -> Hashable:
        """Create a worker (it loads nothing until started)."""
        ...

    def call_start(self, worker: Any) -> Hashable:
        """Ask ``worker`` to load the model; the answer is a :class:`WorkerInfo`."""
        ...

    def call_run(self, worker: Any, job: VideoJob) -> Hashable:
        """Ask ``worker`` to process ``job``; the answer is a :class:`VideoRecord`."""
        ...

    def wait(self, calls: Sequence[Any], timeout_s: float) -> list[Any]:
        """Return the calls among ``calls`` that have an answer, waiting up to ``timeout_s``."""
        ...

    def outcome(self, call: Any) -> WorkerInfo | VideoRecord:
        """Return a finished call's answer.

        Raises
        ------
        WorkerLostError
            The worker ended before answering (killed, out of memory, its node lost).
        """
        ...

    def discard(self, worker: Any) -> None:
        """Stop ``worker``, dead or alive, killing it if it is busy."""
        ...

    def close(self) -> None:
        """Stop every worker and release the engine (no process is left behind)."""
        ...

"""The work of one ``batch`` worker, the same in a local process and in a Ray actor.

A worker is started once (:func:`start_worker` loads the model) and then handed videos one at
a time (:func:`run_video`). It never raises for a video: whatever goes wrong with one becomes a
``failed`` record naming the error, so one bad video fails alone.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from neuropose.cli._batch_jobs import VideoJob, VideoRecord, WorkerInfo, WorkerSetup

if TYPE_CHECKING:
    from neuropose.estimator import Estimator
    from neuropose.schema import InferenceOptions

__all__ = ["open_estimator", "run_video", "start_worker", "thread_environment"]

# Options that may differ between an output and a rerun without making the output stale: the
# model is compared by SHA-256, and the device changes speed, not meaning.
_IGNORED_OPTIONS = {"model", "device"}

# This process's loaded model: one per worker process, set by start_worker.
_state: dict[str, Any] = {}


def thread_environment(threads: int) -> dict[str, str]:
    """Environment that caps TensorFlow (and OpenMP) at ``threads`` threads per process.

    It must be in place before TensorFlow is imported in the process, which is why workers set
    it first thing and a Ray actor receives it as its runtime environment.
    """
    count = str(max(1, threads))
    return {
        "TF_NUM_INTRAOP_THREADS": count,
        "TF_NUM_INTEROP_THREADS": count,
        "OMP_NUM_THREADS": count,
    }


def open_estimator(options: InferenceOptions, model_dir: Path) -> tuple[Estimator, str, str]:
    """Load the model ``options`` name from the cache in ``model_dir``, never downloading.

    The batch driver has already fetched the model into the cache, so a worker only reads it.

    Returns
    -------
    estimator, model_name, model_sha256
        The estimator and the identity its predictions' provenance records.
    """
    from neuropose.cli._context import require

    estimator_package = require("neuropose.estimator")
    store = estimator_package.ModelStore(model_dir)
    estimator = estimator_package.load_estimator(options, store, allow_download=False)
    identity = estimator.backend.model
    return estimator, identity.name, identity.sha256


def _label() -> str:
    return f"{socket.gethostname()}/{os.getpid()}"


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def start_worker(setup: WorkerSetup) -> WorkerInfo:
    """Load the model into this process, once; later calls with the same setup reuse it.

    Returns
    -------
    WorkerInfo
        The worker's label and the model it loaded, or the error that stopped it (a worker
        never raises for a model that does not load: the driver reports it).
    """
    if "tensorflow" not in sys.modules:
        os.environ.update(thread_environment(setup.threads))
    from neuropose.schema import InferenceOptions, NeuroPoseError

    if _state.get("setup") == setup:
        return _state["info"]
    started = time.perf_counter()
    try:
        options = InferenceOptions.model_validate(setup.options)
        estimator, name, sha256 = open_estimator(options, Path(setup.model_dir))
    except NeuroPoseError as error:
        return WorkerInfo(_label(), error=_named(error))
    except Exception as error:  # e.g. out of memory in TensorFlow: reported, not pickled back
        return WorkerInfo(_label(), error=f"unexpected {_named(error)}")
    info = WorkerInfo(_label(), name, sha256, time.perf_counter() - started)
    _state.update(setup=setup, estimator=estimator, info=info)
    return info


def run_video(job: VideoJob) -> VideoRecord:
    """Process one video and write its predictions atomically, or find them up to date.

    An existing output is kept when it was made from a video with the same SHA-256, by a
    model with the same SHA-256, with the same inference options (device aside); otherwise,
    or with ``force``, the video is processed again and the output replaced.
    """
    from neuropose.cli._tracking import track_result
    from neuropose.schema import io

    started, started_at, cpu = time.perf_counter(), time.time(), time.process_time()
    estimator = _state["estimator"]
    setup: WorkerSetup = _state["setup"]
    info: WorkerInfo = _state["info"]
    video, output = Path(job.video), Path(job.output)

    def record(status: Literal["done", "skipped", "failed"], **fields: Any) -> VideoRecord:
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        return VideoRecord(status, info.worker, started_at, seconds, cpu_seconds, **fields)

    note = None
    try:
        if not setup.force:
            frames, note = _existing_output(video, output, estimator, info.model_sha256)
            if frames is not None:
                return record("skipped", frames=frames, note=note)
        result = track_result(estimator.process_video(video))  # as process writes it
        io.save_predictions(result.predictions, output)
    except Exception as error:  # one video's failure, whatever it is, must not stop the others
        return record("failed", error=_named(error), note=note)
    frames = result.metrics.frame_count
    seconds = time.perf_counter() - started
    return record("done", frames=frames, fps=frames / seconds if seconds > 0 else None, note=note)


def _existing_output(
    video: Path, output: Path, estimator: Estimator, model_sha256: str
) -> tuple[int | None, str | None]:
    """Return ``(frames, note)``: the output's frame count when it is up to date, else ``None``.

    The note says why an existing output is redone. The checks run cheapest first, so a stale
    output costs no hashing of the video.
    """
    from neuropose.estimator import sha256_file
    from neuropose.schema import NeuroPoseError, io

    if not output.is_file():
        return None, None
    try:
        existing = io.load_predictions(output)
    except NeuroPoseError as error:
        return None, f"existing output unreadable, redone ({type(error).__name__})"
    provenance = existing.provenance
    if provenance.model_sha256 != model_sha256:
        return None, "existing output made by another model, redone"
    recorded = provenance.parameters.model_dump(exclude=_IGNORED_OPTIONS)
    if recorded != estimator.options.model_dump(exclude=_IGNORED_OPTIONS):
        return None, "existing output made with other inference options, redone"
    if existing.metadata.sha256 != sha256_file(video):
        return None, "existing output made from another video, redone"
    return existing.metadata.frame_count, "output already up to date"

"""Handing videos to workers, one at a time each, and retrying the videos of workers that die.

The scheduler is the same for every engine: it sees workers only through a
:class:`~neuropose.cli._batch_jobs.WorkerBackend`. Each worker holds at most one video, so the
driver always knows which video a dead worker took with it; that video goes back to the front
of the queue (the next free worker takes it) and the dead worker is replaced by a fresh one,
which loads the model again. A video whose worker dies ``MAX_ATTEMPTS`` times fails, so a
video that crashes its decoder cannot loop forever.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neuropose.cli._batch_jobs import VideoJob, VideoRecord, WorkerBackend, WorkerInfo
from neuropose.cli._batch_summary import BatchLedger
from neuropose.cli._errors import BatchWorkerError, WorkerLostError

__all__ = ["MAX_ATTEMPTS", "MAX_START_FAILURES", "run_jobs"]

MAX_ATTEMPTS = 3
"""Attempts at one video before it fails, when its worker dies each time."""

MAX_START_FAILURES = 3
"""Workers of one slot that may die while loading the model before the run stops."""

log = logging.getLogger(__name__)


@dataclass
class _Slot:
    """One worker position: the current worker, and what it is doing."""

    worker: Any
    call: Any
    info: WorkerInfo | None = None
    job: VideoJob | None = None
    start_failures: int = 0

    @property
    def idle(self) -> bool:
        return self.info is not None and self.job is None


def run_jobs(
    jobs: Sequence[VideoJob],
    backend: WorkerBackend,
    workers: int,
    ledger: BatchLedger,
    *,
    poll_s: float = 0.5,
) -> None:
    """Run every job on ``workers`` workers of ``backend``, reporting to ``ledger``.

    The backend is closed on the way out, also on an error or Ctrl-C, so no worker outlives
    the run.

    Raises
    ------
    BatchWorkerError
        A worker could not load the model (the same would happen on every worker), or the
        workers of one slot kept dying while loading it.
    """
    pending = deque(jobs)
    try:
        slots = [_Slot(worker, backend.call_start(worker)) for worker in _spawn(backend, workers)]
        while pending or any(slot.job is not None for slot in slots):
            for slot in slots:
                if slot.idle and pending and slot.info is not None:
                    job = pending.popleft()
                    slot.job, slot.call = job, backend.call_run(slot.worker, job)
                    ledger.running(job, slot.info.worker)
            calls = {slot.call: slot for slot in slots if slot.call is not None}
            for call in backend.wait(list(calls), poll_s):
                _answer(calls[call], call, backend, pending, ledger)
            ledger.save()
    finally:
        backend.close()


def _spawn(backend: WorkerBackend, count: int) -> list[Any]:
    return [backend.spawn() for _ in range(count)]


def _answer(
    slot: _Slot, call: Any, backend: WorkerBackend, pending: deque[VideoJob], ledger: BatchLedger
) -> None:
    """Take a finished call's answer: a started worker, a video's record, or a lost worker."""
    slot.call = None
    try:
        answer = backend.outcome(call)
    except WorkerLostError as error:
        _replace(slot, backend, str(error), pending, ledger)
        return
    if isinstance(answer, WorkerInfo):
        if answer.error is not None:
            msg = f"worker {answer.worker} could not load the model: {answer.error}"
            raise BatchWorkerError(msg)
        slot.info, slot.start_failures = answer, 0
        ledger.set_model(answer.model_name, answer.model_sha256)
        log.info(
            "worker %s loaded %s in %.1f s", answer.worker, answer.model_name, answer.load_time_s
        )
        return
    assert isinstance(answer, VideoRecord)
    assert slot.job is not None
    ledger.finished(slot.job, answer)
    slot.job = None


def _replace(
    slot: _Slot, backend: WorkerBackend, reason: str, pending: deque[VideoJob], ledger: BatchLedger
) -> None:
    """Put the dead worker's video back in the queue (or fail it) and start a new worker."""
    job, label = slot.job, slot.info.worker if slot.info else "a starting worker"
    if job is None:
        slot.start_failures += 1
        if slot.start_failures >= MAX_START_FAILURES:
            msg = (
                f"{slot.start_failures} workers in a row died while loading the model "
                f"(last: {reason}); check memory and the model"
            )
            raise BatchWorkerError(msg)
    else:
        attempts = ledger.attempts(job)
        retried = attempts < MAX_ATTEMPTS
        ledger.lost(job, label, reason, retried=retried)
        if retried:
            pending.appendleft(job)
        log.warning("worker %s died while processing %s: %s", label, job.video, reason)
    backend.discard(slot.worker)
    slot.worker, slot.info, slot.job = backend.spawn(), None, None
    slot.call = backend.call_start(slot.worker)

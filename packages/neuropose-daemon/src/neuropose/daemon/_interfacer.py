"""The job lifecycle daemon."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType

from neuropose.daemon._discovery import JobFolder, JobScanner
from neuropose.daemon._errors import InterruptedJobError, JobNameConflictError, NoVideosError
from neuropose.daemon._lock import DaemonLock
from neuropose.daemon._moves import move_to_unique
from neuropose.daemon._status import StatusKeeper, utc_now
from neuropose.schema import (
    VIDEO_EXTENSIONS,
    DataDirectory,
    EstimatorProtocol,
    JobResults,
    JobStatus,
    NeuroPoseError,
    Settings,
    VideoResult,
    io,
)

__all__ = ["Interfacer"]

log = logging.getLogger(__name__)


class Interfacer:
    """Watch ``in/`` and run each job through an estimator, keeping ``status.json`` true.

    Parameters
    ----------
    settings
        Data directory, poll interval, settle time, checkpoint interval.
    estimator
        Any object satisfying :class:`neuropose.schema.EstimatorProtocol`; loaded once by the
        caller and used for the daemon's lifetime.
    clock
        Seconds since the epoch (tests pass their own).
    """

    def __init__(
        self,
        settings: Settings,
        estimator: EstimatorProtocol,
        *,
        clock: Callable[[], float] = time.time,
        utc_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.estimator = estimator
        self.layout = DataDirectory(Path(settings.data_dir))
        self.status = StatusKeeper(self.layout, utc_clock)
        self.scanner = JobScanner(self.layout.inbox, settings.settle_time_s, clock)
        self._stop = threading.Event()
        self._signals = 0
        self._stuck: set[str] = set()
        self.outcomes: dict[str, JobStatus] = {}
        """Outcome of each job run by this instance, by name."""

    # ------------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Finish the current job, then stop."""
        self._stop.set()

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals == 1:
            log.warning(
                "received %s: finishing the current job, then stopping", signal.Signals(number).name
            )
            self.request_stop()
            return
        raise InterruptedJobError(f"stopped at once by a second {signal.Signals(number).name}")

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM: the first stops after the current job, a second stops at once."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    # --------------------------------------------------------------------- loop
    def run(self, *, once: bool = False) -> int:
        """Hold the lock, recover from any earlier crash, then process jobs.

        Parameters
        ----------
        once
            Process what is waiting in ``in/`` (including folders still settling), then return.

        Returns
        -------
        int
            Number of jobs run (completed or failed).

        Raises
        ------
        DaemonAlreadyRunningError
            If another daemon uses the same data directory.
        """
        self.layout.create()
        with DaemonLock(self.layout.lock_path):
            for note in self.status.load():
                log.warning(note)
            self.recover()
            return self._loop(once)

    def _loop(self, once: bool) -> int:
        processed = 0
        while not self._stop.is_set():
            ready, waiting = self.scanner.ready()
            ready = [job for job in ready if job.name not in self._stuck]
            for name in waiting:
                if (
                    self.status.get(name) is None
                    or self.status.jobs[name].status != JobStatus.PENDING
                ):
                    self.status.set(name, status=JobStatus.PENDING)
            for job in ready:
                if self._stop.is_set():
                    break
                self.outcomes[job.name] = self.process_job(job)
                processed += 1
            if once and not waiting and not ready:
                break
            if not ready:
                self._stop.wait(self.settings.poll_interval_s)
        return processed

    def recover(self) -> None:
        """Resolve what a crash left behind.

        A job left ``processing`` whose results were fully written is completed (its inputs are
        moved beside the results if the crash came first); any other is marked failed as
        interrupted and its inputs are moved to ``failed/``.
        """
        for name, entry in list(self.status.jobs.items()):
            finished = self._results_complete(name)
            stranded = self.layout.job_inbox(name).is_dir()
            if finished and (entry.status == JobStatus.PROCESSING or stranded):
                self._finish_completed(name)
            elif entry.status == JobStatus.PROCESSING:
                msg = (
                    "the daemon stopped while this job was running (signal, crash, kill or power "
                    f"loss); move its folder from {self.layout.failed.name}/ back to "
                    f"{self.layout.inbox.name}/ to run it again"
                )
                self._fail(name, InterruptedJobError(msg))

    def _results_complete(self, name: str) -> bool:
        path = self.layout.results_path(name)
        if not path.is_file():
            return False
        try:
            io.load_job_results(path)
        except NeuroPoseError:
            return False
        return True

    # ---------------------------------------------------------------------- jobs
    def process_job(self, job: JobFolder) -> JobStatus:
        """Run one job to completion or failure; never raises for a job's own problems.

        Raises
        ------
        InterruptedJobError
            After recording it, when a second signal stopped the job at once.
        """
        name = job.name
        previous = self.status.get(name)
        attempts = (previous.attempts if previous else 0) + 1
        self.scanner.forget(name)
        try:
            self.status.set(
                name,
                status=JobStatus.PROCESSING,
                attempts=attempts,
                videos_total=len(job.videos),
                videos_done=0,
                frames_done=0,
                frames_total=None,
                percent_complete=0.0,
                current_video=None,
                started_at=utc_now(),
                finished_at=None,
                error=None,
                results_path=None,
                inputs_path=self.layout.relative(job.path),
                ignored_files=job.ignored,
            )
            if self._results_complete(name) or self.layout.completed_inputs(name).exists():
                msg = (
                    f"{self.layout.relative(self.layout.job_output(name))} already holds a finished "
                    f"job of that name; rename the folder and put it back in {self.layout.inbox.name}/"
                )
                raise JobNameConflictError(msg)
            if not job.videos:
                accepted = ", ".join(sorted(VIDEO_EXTENSIONS))
                raise NoVideosError(f"job folder {name} holds no video file (accepted: {accepted})")
            self._run_videos(job)
        except InterruptedJobError as error:
            self._fail(name, error)
            raise
        except Exception as error:
            log.exception("job %s failed", name)
            self._fail(name, error)
            return JobStatus.FAILED
        self._finish_completed(name)
        return JobStatus.COMPLETED

    def _run_videos(self, job: JobFolder) -> None:
        name = job.name
        self.layout.job_output(name).mkdir(parents=True, exist_ok=True)
        started = utc_now()
        results: list[VideoResult] = []
        total = len(job.videos)
        every = self.settings.status_checkpoint_every_frames
        for done_videos, video in enumerate(job.videos):
            self.status.set(
                name,
                current_video=video.name,
                videos_done=done_videos,
                frames_done=0,
                frames_total=None,
            )
            last_saved = 0

            def progress(frames_done: int, frames_total: int | None, k: int = done_videos) -> None:
                nonlocal last_saved
                if frames_done - last_saved < every and frames_done != frames_total:
                    return
                last_saved = frames_done
                fraction = min(frames_done / frames_total, 1.0) if frames_total else 0.0
                self.status.set(
                    name,
                    frames_done=frames_done,
                    frames_total=frames_total,
                    percent_complete=100.0 * (k + fraction) / total,
                )

            outcome = self.estimator.process_video(video, progress=progress)
            target = self.layout.predictions_path(name, video.name)
            io.save_predictions(outcome.predictions, target)
            results.append(
                VideoResult(
                    video=video.name,
                    predictions_path=target.name,
                    frame_count=outcome.predictions.frame_count,
                    metrics=outcome.metrics,
                )
            )
            self.status.set(
                name,
                videos_done=done_videos + 1,
                frames_done=outcome.predictions.frame_count,
                percent_complete=100.0 * (done_videos + 1) / total,
            )
        document = JobResults(
            job=name, videos=tuple(results), started_at=started, finished_at=utc_now()
        )
        io.save(document, self.layout.results_path(name))

    def _finish_completed(self, name: str) -> None:
        source = self.layout.job_inbox(name)
        inputs = self.layout.completed_inputs(name)
        if source.is_dir() and not inputs.exists():
            move_to_unique(source, inputs)
        self.status.set(
            name,
            status=JobStatus.COMPLETED,
            percent_complete=100.0,
            current_video=None,
            finished_at=utc_now(),
            results_path=self.layout.relative(self.layout.results_path(name)),
            inputs_path=self.layout.relative(inputs),
        )
        log.info("job %s completed", name)

    def _fail(self, name: str, error: BaseException) -> None:
        source = self.layout.job_inbox(name)
        inputs_path = None
        if source.is_dir():
            try:
                moved = move_to_unique(source, self.layout.failed_inputs(name))
                inputs_path = self.layout.relative(moved)
            except OSError as move_error:
                # The inputs stay where they are; do not pick the job up again in this run.
                log.error("could not move %s to %s: %s", source, self.layout.failed, move_error)
                self._stuck.add(name)
                inputs_path = self.layout.relative(source)
        self.status.set(
            name,
            status=JobStatus.FAILED,
            current_video=None,
            finished_at=utc_now(),
            error=f"{type(error).__name__}: {error}",
            inputs_path=inputs_path,
        )

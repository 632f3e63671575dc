"""The job lifecycle daemon."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from neuropose.daemon._adoption import adopt, finish_adoptions
from neuropose.daemon._discovery import JobFolder, JobScanner, describe
from neuropose.daemon._errors import InterruptedJobError, JobNameConflictError, NoVideosError
from neuropose.daemon._failure import Progress, failure_text
from neuropose.daemon._lock import DaemonLock
from neuropose.daemon._moves import move_to_unique
from neuropose.daemon._places import locate_inputs, remove_stale_temporaries, results_complete
from neuropose.daemon._status import StatusKeeper, utc_now
from neuropose.schema import (
    VIDEO_EXTENSIONS,
    DataDirectory,
    EstimatorProtocol,
    JobResults,
    JobStatus,
    NeuroPoseError,
    PerformanceMetrics,
    Settings,
    VideoResult,
    io,
)

__all__ = ["Interfacer"]

log = logging.getLogger(__name__)


class Interfacer:
    """Watch ``in/`` and run each job through an estimator, keeping ``status.json`` true.

    A job is a folder of videos in ``in/``. A video dropped directly in ``in/`` becomes a
    one-video job named after its stem (``in/trial.mp4`` becomes ``in/trial/trial.mp4``), after
    the same settle rule as folders, so nothing put in ``in/`` is ignored.

    Parameters
    ----------
    settings
        Data directory, poll interval, settle time, checkpoint interval.
    estimator
        Any object satisfying :class:`neuropose.schema.EstimatorProtocol`; loaded once by the
        caller and used for the daemon's lifetime.
    clock
        Seconds since the epoch (tests pass their own).
    on_job_completed
        Called as ``on_job_completed(job_name, results_path)`` after each job completed,
        returning the files it wrote (e.g. session reports, given by ``neuropose watch`` so
        the daemon needs no analysis code). They are recorded in the job's ``outputs``; if it
        raises, the error is logged and recorded in ``hook_error`` and the job stays completed.
    """

    def __init__(
        self,
        settings: Settings,
        estimator: EstimatorProtocol,
        *,
        clock: Callable[[], float] = time.time,
        utc_clock: Callable[[], datetime] = utc_now,
        on_job_completed: Callable[[str, Path], Sequence[Path]] | None = None,
    ) -> None:
        self.settings = settings
        self.on_job_completed = on_job_completed
        self.estimator = estimator
        self.layout = DataDirectory(Path(settings.data_dir))
        self.status = StatusKeeper(self.layout, utc_clock)
        self.scanner = JobScanner(self.layout.inbox, settings.settle_time_s, clock)
        self._stop = threading.Event()
        self._signals = 0
        self._stuck: set[str] = set()
        self._stuck_loose: set[str] = set()
        self._progress = Progress()
        self.model_load_time_s: float | None = None
        """Seconds the estimator reported for loading its model, once it has (per daemon)."""
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
            self.remove_stale_temporaries()
            for note in self.status.load():
                log.warning(note)
            self.recover()
            return self._loop(once)

    def _loop(self, once: bool) -> int:
        processed = 0
        while not self._stop.is_set():
            ready, waiting = self.scanner.ready()
            ready = [job for job in ready if job.name not in self._stuck]
            loose, loose_waiting = self.scanner.loose()
            for video in loose:
                if video.name not in self._stuck_loose:
                    adopted = self._adopt(video)
                    if adopted is not None:
                        ready.append(adopted)
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
            if once and not waiting and not ready and not loose_waiting:
                break
            if not ready:
                self._stop.wait(self.settings.poll_interval_s)
        return processed

    # ----------------------------------------------------------------- recovery
    def remove_stale_temporaries(self) -> list[Path]:
        """Delete temporary files our own atomic writes left in ``out/`` when killed.

        Only files named like :func:`neuropose.schema.io.temporary_path`'s whose writer process
        is gone, in ``out/`` and each job's output folder (never in a job's inputs).
        """
        removed = remove_stale_temporaries(self.layout)
        if removed:
            names = ", ".join(self.layout.relative(path) for path in removed)
            log.warning(
                "removed %d temporary file(s) left by an interrupted write: %s", len(removed), names
            )
        return removed

    def recover(self) -> None:
        """Resolve what a crash left behind; the folders are the truth.

        A loose video caught half-way into its job folder is put in the folder. A job left
        ``processing`` whose results were fully written is completed (its inputs are moved
        beside the results if the crash came first); any other is marked failed as interrupted
        and its inputs are moved to ``failed/``. Finally every entry's ``inputs_path`` is set
        to where its folder actually is, and finished jobs without an entry get one.
        """
        for name in finish_adoptions(self.layout, self.status.jobs):
            log.warning("job %s: a loose video's move into its job folder was finished", name)
        for name, entry in list(self.status.jobs.items()):
            finished = results_complete(self.layout, name)
            stranded = self.layout.job_inbox(name).is_dir()
            if finished and (entry.status == JobStatus.PROCESSING or stranded):
                self._finish_completed(name)
                log.warning("job %s had written its results before the daemon stopped", name)
            elif entry.status == JobStatus.PROCESSING:
                msg = (
                    "the daemon stopped while this job was running (signal, crash, kill or power "
                    "loss)"
                )
                self._fail(name, InterruptedJobError(msg))
        self._reconcile()

    def _reconcile(self) -> None:
        """Point every entry at its folder, and give finished jobs without an entry one."""
        changed = False
        for name, entry in list(self.status.jobs.items()):
            recorded = entry.inputs_path
            if recorded and (self.layout.root / recorded).is_dir():
                continue
            found = locate_inputs(self.layout, name, entry.status)
            where = None if found is None else self.layout.relative(found)
            if where != recorded:
                log.warning(
                    "job %s: its inputs are in %s, not %s as recorded; status corrected",
                    name,
                    where or "no folder of the data directory",
                    recorded,
                )
                self.status.set(name, save=False, inputs_path=where)
                changed = True
        if self.layout.outbox.is_dir():
            for folder in sorted(p for p in self.layout.outbox.iterdir() if p.is_dir()):
                if folder.name in self.status.jobs or not results_complete(
                    self.layout, folder.name
                ):
                    continue
                inputs = self.layout.completed_inputs(folder.name)
                self.status.set(
                    folder.name,
                    save=False,
                    status=JobStatus.COMPLETED,
                    percent_complete=100.0,
                    results_path=self.layout.relative(self.layout.results_path(folder.name)),
                    inputs_path=self.layout.relative(inputs) if inputs.is_dir() else None,
                )
                changed = True
        if changed:
            self.status.save()

    # ---------------------------------------------------------------- loose videos
    def _adopt(self, video: Path) -> JobFolder | None:
        """Make a video dropped loose in ``in/`` a job of its own, named after its stem."""
        try:
            name = adopt(self.layout, video, self.status.jobs)
        except (OSError, NeuroPoseError) as error:
            self._stuck_loose.add(video.name)
            log.error(
                "could not make %s a job of its own (%s); put it in a folder in %s/ yourself",
                self.layout.relative(video),
                error,
                self.layout.inbox.name,
            )
            return None
        log.info(
            "%s was not in a job folder: it is now job %s (%s)",
            video.name,
            name,
            self.layout.relative(self.layout.job_inbox(name)),
        )
        return describe(self.layout.job_inbox(name))

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
        self._progress = Progress()
        started = time.monotonic()
        log.info(
            "job %s started: %d video(s) in %s",
            name,
            len(job.videos),
            self.layout.relative(job.path),
        )
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
                outputs=(),
                hook_error=None,
            )
            if results_complete(self.layout, name) or self.layout.completed_inputs(name).exists():
                msg = (
                    f"{self.layout.relative(self.layout.job_output(name))} already holds a finished "
                    f"job of that name; rename the folder and put it back in {self.layout.inbox.name}/"
                )
                raise JobNameConflictError(msg)
            if not job.videos:
                accepted = ", ".join(sorted(VIDEO_EXTENSIONS))
                raise NoVideosError(f"job folder {name} holds no video file (accepted: {accepted})")
            results = self._run_videos(job)
        except InterruptedJobError as error:
            self._fail(name, error, started=started, old_path=job.path)
            raise
        except Exception as error:
            self._fail(name, error, started=started, old_path=job.path)
            return JobStatus.FAILED
        self._finish_completed(name)
        self._log_completed(name, results, time.monotonic() - started)
        self._after_job(name)
        return JobStatus.COMPLETED

    def _after_job(self, name: str) -> None:
        """Run the after-job hook; its failure is recorded, never turned into a failed job."""
        if self.on_job_completed is None:
            return
        try:
            written = self.on_job_completed(name, self.layout.results_path(name))
            # A path outside the data directory is the hook's bug: reported like its errors.
            outputs = tuple(self.layout.relative(Path(path)) for path in written)
        except InterruptedJobError:
            raise
        except Exception as error:
            text = f"{type(error).__name__}: {error}"
            log.warning("job %s: its after-job hook failed (results are intact): %s", name, text)
            log.debug("traceback of job %s's hook", name, exc_info=error)
            self.status.set(name, outputs=self._partial_outputs(error), hook_error=text)
            return
        self.status.set(name, outputs=outputs, hook_error=None)
        if outputs:
            log.info("job %s: wrote %s", name, ", ".join(outputs))

    def _partial_outputs(self, error: Exception) -> tuple[str, ...]:
        """Files a failed hook still wrote, when its error lists them in ``written``."""
        written = getattr(error, "written", ())
        try:
            return tuple(
                self.layout.relative(Path(path)) for path in written if isinstance(path, Path)
            )
        except (TypeError, ValueError):
            return ()

    def _log_completed(self, name: str, results: JobResults, seconds: float) -> None:
        frames = sum(video.frame_count for video in results.videos)
        loads = [v.metrics.model_load_time_s or 0.0 for v in results.videos]
        load = f", {sum(loads):.1f} s of it loading the model" if any(loads) else ""
        log.info(
            "job %s completed: %d video(s), %d frames in %.1f s (%.1f frames/s%s); results in %s",
            name,
            len(results.videos),
            frames,
            seconds,
            frames / seconds if seconds > 0 else 0.0,
            load,
            self.layout.relative(self.layout.results_path(name)),
        )

    def _run_videos(self, job: JobFolder) -> JobResults:
        name = job.name
        self.layout.job_output(name).mkdir(parents=True, exist_ok=True)
        started = utc_now()
        results: list[VideoResult] = []
        total = len(job.videos)
        every = self.settings.status_checkpoint_every_frames
        for done_videos, video in enumerate(job.videos):
            self._progress = Progress(video.name)
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
                # Remembered at every call, saved every `every` frames: a failure then records
                # the frame count the estimator really reached.
                self._progress.frames_done = frames_done
                self._progress.frames_total = frames_total
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
                    metrics=self._own_load_time(outcome.metrics, name, video.name),
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
        return document

    def _own_load_time(
        self, metrics: PerformanceMetrics, job: str, video: str
    ) -> PerformanceMetrics:
        """Charge the model's load to the video that paid for it, and 0 s to every later one.

        An estimator reports the load once, with the run that loaded the model, and ``None``
        afterwards; once a load was reported, ``None`` means the model was reused.
        """
        load = metrics.model_load_time_s
        if load is not None and load > 0 and self.model_load_time_s is None:
            self.model_load_time_s = load
            log.info("model loaded in %.1f s (once for this daemon; job %s, %s)", load, job, video)
        if load is None and self.model_load_time_s is not None:
            return metrics.model_copy(update={"model_load_time_s": 0.0})
        return metrics

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

    def _fail(
        self,
        name: str,
        error: BaseException,
        *,
        started: float | None = None,
        old_path: Path | None = None,
    ) -> None:
        source = self.layout.job_inbox(name)
        inputs: Path | None
        if source.is_dir():
            try:
                inputs = move_to_unique(source, self.layout.failed_inputs(name))
            except OSError as move_error:
                # The inputs stay where they are; do not pick the job up again in this run.
                log.error("could not move %s to %s: %s", source, self.layout.failed, move_error)
                self._stuck.add(name)
                inputs = source
        else:
            inputs = locate_inputs(self.layout, name, JobStatus.FAILED)
        # Only ever removes an empty folder: predictions of videos that did finish are kept.
        with contextlib.suppress(OSError):
            self.layout.job_output(name).rmdir()
        progress = self._progress if started is not None else Progress()
        text = failure_text(
            error, self.layout, old_folder=old_path or source, inputs=inputs, progress=progress
        )
        changes: dict[str, Any] = {}
        if progress.video is not None:
            changes = {"frames_done": progress.frames_done, "frames_total": progress.frames_total}
        self.status.set(
            name,
            status=JobStatus.FAILED,
            current_video=None,
            finished_at=utc_now(),
            error=text,
            inputs_path=None if inputs is None else self.layout.relative(inputs),
            **changes,
        )
        seconds = "" if started is None else f" after {time.monotonic() - started:.1f} s"
        log.error("job %s failed%s: %s", name, seconds, text)
        # Expected failures (a corrupt video) need no traceback; -v shows it for bug reports.
        log.debug("traceback of job %s", name, exc_info=error)

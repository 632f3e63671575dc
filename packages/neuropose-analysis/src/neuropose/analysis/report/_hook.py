"""Reports for the daemon: a function it calls after each job, writing one report per video.

The daemon never imports analysis. Whoever starts it (``neuropose watch``) builds the hook
here and hands it over; the daemon calls it with the job's name and its ``results.json`` once
the job completed, records the paths it returns and logs, but never fails the job for, an
error it raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from neuropose.analysis.report._errors import JobReportError
from neuropose.analysis.report._write import find_video, write_report

if TYPE_CHECKING:
    from neuropose.schema import Recipe

__all__ = ["JobHook", "job_report_hook", "report_name"]

log = logging.getLogger(__name__)

JobHook = Callable[[str, Path], list[Path]]
"""``hook(job_name, results_path) -> files written``, called by the daemon after a job."""


def report_name(video: str) -> str:
    """File name of a video's report in its job's output folder: ``<video>.report.html``."""
    return f"{video}.report.html"


def job_report_hook(
    data_dir: Path | str, *, recipe: Recipe | None = None, recipe_text: str | None = None
) -> JobHook:
    """Build the hook that writes a report (and overlay) for every video of a completed job.

    Parameters
    ----------
    data_dir
        The daemon's data directory (to find each job's input videos for the overlay).
    recipe, recipe_text
        The analysis every report runs, and its text to embed; the defaults when ``None``.

    Returns
    -------
    JobHook
        ``hook(job_name, results_path)``: writes ``<video>.report.html`` (and
        ``<video>.report.overlay.mp4`` when the input video is found, by name and SHA-256)
        beside ``results.json`` and returns the files written. If some videos' reports fail,
        it writes the others and raises :class:`JobReportError` listing the failures, with the
        files written in ``written``.
    """
    from neuropose.schema import DataDirectory

    layout = DataDirectory(Path(data_dir))

    def on_job_completed(job_name: str, results_path: Path) -> list[Path]:
        from neuropose.schema import io

        results = io.load_job_results(Path(results_path))
        folder = Path(results_path).parent
        inputs = [layout.completed_inputs(job_name), layout.job_inbox(job_name)]
        written: list[Path] = []
        failures: list[tuple[str, str]] = []
        for entry in results.videos:
            try:
                predictions_path = folder / entry.predictions_path
                predictions = io.load_predictions(predictions_path)
                files = write_report(
                    predictions,
                    folder / report_name(entry.video),
                    source_name=predictions_path.name,
                    video=find_video(predictions, inputs),
                    recipe=recipe,
                    recipe_text=recipe_text,
                )
            except Exception as error:  # one video's report must not stop the others
                log.warning("report of %s in job %s failed: %s", entry.video, job_name, error)
                failures.append((entry.video, f"{type(error).__name__}: {error}"))
                continue
            written += files.paths()
        if failures:
            raise JobReportError(failures, written)
        return written

    return on_job_completed

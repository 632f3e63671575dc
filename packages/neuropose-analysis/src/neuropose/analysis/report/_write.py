"""Writing a report: the HTML page, the overlay beside it, exports and the PDF, from files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from neuropose.analysis.report._content import ReportContent, build_report
from neuropose.analysis.report._errors import ReportInputError
from neuropose.analysis.report._extra import require_report_library
from neuropose.analysis.report._html import data_uri, render_page
from neuropose.analysis.report._overlay import (
    OverlayProgress,
    OverlayResult,
    check_video,
    render_overlay,
    video_facts,
)

if TYPE_CHECKING:
    from neuropose.schema import Recipe, VideoPredictions

__all__ = [
    "ReportFiles",
    "companion_path",
    "find_predictions",
    "find_video",
    "report_folder",
    "write_report",
]

_MB = 1024 * 1024


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote, with the content it showed.

    Attributes
    ----------
    html
        The report page.
    overlay
        The overlay video beside it, when a video was given.
    pdf
        The printed report, when asked for.
    exports
        Files of the recipe's exports.
    content
        The report's numbers and series.
    overlay_result
        Frames, size and speed of the overlay.
    timings_s
        Wall-clock seconds of each stage (``analysis``, ``overlay``, ``plots``, ``page``,
        ``pdf``).
    """

    html: Path
    overlay: Path | None
    pdf: Path | None
    exports: tuple[Path, ...]
    content: ReportContent
    overlay_result: OverlayResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict[str, float])

    def paths(self) -> list[Path]:
        """Every file written: the page first, then overlay, PDF and exports."""
        return [
            self.html,
            *([self.overlay] if self.overlay else []),
            *([self.pdf] if self.pdf else []),
            *self.exports,
        ]


def companion_path(html: Path, suffix: str) -> Path:
    """Name a file beside the report after it: ``report.html`` -> ``report.overlay.mp4``."""
    stem = html.name.removesuffix(".html").removesuffix(".htm")
    return html.with_name(f"{stem}{suffix}")


def _exports(
    predictions: VideoPredictions, content: ReportContent, html: Path
) -> list[dict[str, str]]:
    import numpy as np

    from neuropose.analysis.export import UnknownFormatError, export_data, get_format

    written: list[dict[str, str]] = []
    for name in content.recipe.exports.formats:
        try:
            spec = get_format(name)
        except UnknownFormatError as error:
            raise ReportInputError(f"recipe key exports.formats: {error}") from None
        target = companion_path(html, spec.suffix)
        if spec.takes == "series":
            series = export_data(predictions, track_ids=[content.subject.person])
            spec.writer(series, target, force=True)
        elif spec.takes == "angles":
            values = np.stack([a.values for a in content.angles], axis=1)
            names = [a.spec.name for a in content.angles]
            spec.writer(target, content.times_s, values, names, force=True)
        else:
            spec.writer(predictions, target, force=True)
        written.append({"format": spec.name, "file": target.name})
    return written


def write_report(
    predictions: VideoPredictions,
    output: Path | str,
    *,
    source_name: str | None = None,
    video: Path | str | None = None,
    recipe: Recipe | None = None,
    recipe_text: str | None = None,
    person: Literal["auto"] | int | None = None,
    task: str | None = None,
    reference: VideoPredictions | None = None,
    reference_name: str | None = None,
    pdf: bool = False,
    overlay: bool | None = None,
    progress: OverlayProgress | None = None,
) -> ReportFiles:
    """Analyse a session and write its report page (and overlay, exports, PDF) to ``output``.

    Parameters
    ----------
    predictions
        The session.
    output
        The HTML file to write (replaced atomically). The overlay is written beside it as
        ``<name>.overlay.mp4``, the PDF as ``<name>.pdf``, exports as ``<name>.<suffix>``; a missing
        folder is created.
    source_name
        The predictions file's name, shown in the report.
    video
        The session's video, for the overlay; it must be the video the predictions were made
        from (checked by SHA-256).
    recipe, recipe_text
        The analysis steps, and the recipe file's text to embed.
    person, task
        Override the recipe's subject and task.
    reference, reference_name
        A session to compare with, and its name.
    pdf
        Also print the page to PDF with headless Chromium.
    overlay
        Render the overlay when a video is given; ``None`` follows the recipe.
    progress
        Called with (frames written, frames expected) while the overlay is encoded.

    Returns
    -------
    ReportFiles
        The files written and the report's content.

    Raises
    ------
    MissingReportExtraError
        If matplotlib, Pillow or PyAV is not installed.
    VideoMismatchError
        If ``video`` is not the predictions' video.
    ChromiumNotFoundError
        If ``pdf`` and no Chromium is installed (the page is written first).
    """
    from neuropose.analysis.report._pdf import print_pdf
    from neuropose.analysis.report._plots import angle_figure, quality_figure, signal_figure
    from neuropose.schema.io import atomic_write

    require_report_library("matplotlib")
    html = Path(output)
    # The page's companions (overlay, exports, PDF) go beside it: make its folder, as -o does.
    html.parent.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    source = Path(video) if video is not None else None
    facts: dict[str, Any] = {}
    if source is not None:
        check_video(predictions, source)
        facts = video_facts(source)
    content = build_report(
        predictions,
        source_name=source_name,
        recipe=recipe,
        person=person,
        task=task,
        reference=reference,
        reference_name=reference_name,
        recipe_text=recipe_text,
        video_facts=facts,
    )
    timings["analysis"] = time.perf_counter() - started
    data = dict(content.data)
    settings = content.recipe.overlay
    drawn: OverlayResult | None = None
    video_source: str | None = None
    wants_overlay = settings.enabled if overlay is None else overlay
    if source is None:
        data["overlay_note"] = "no video was given (--video)"
    elif not wants_overlay:
        data["overlay_note"] = "the overlay is turned off"
    else:
        started = time.perf_counter()
        drawn = render_overlay(
            predictions,
            source,
            companion_path(html, ".overlay.mp4"),
            subject=content.subject,
            max_height=settings.max_height,
            verify=False,
            progress=progress,
        )
        timings["overlay"] = time.perf_counter() - started
        size_mb = drawn.size_bytes / _MB
        embedded = size_mb <= settings.embed_max_mb
        data["overlay"] = {
            "file": drawn.path.name,
            "frames": drawn.frames,
            "matched_frames": drawn.matched_frames,
            "duration_s": drawn.duration_s,
            "width": drawn.width,
            "height": drawn.height,
            "size_mb": size_mb,
            "embedded": embedded,
            "codec": "h264",
        }
        video_source = (
            data_uri("video/mp4", drawn.path.read_bytes()) if embedded else drawn.path.name
        )
    exports = _exports(predictions, content, html)
    data["exports"] = exports
    started = time.perf_counter()
    plots = {
        "angles": angle_figure(content.times_s, content.angles, content.repetitions)
        if content.angles
        else None,
        "signal": signal_figure(
            content.times_s,
            content.signal,
            content.signal_unit,
            content.signal_text,
            content.repetitions,
        )
        if content.signal is not None
        else None,
        "quality": quality_figure(content.times_s, content.quality.codes, content.joint_names),
    }
    timings["plots"] = time.perf_counter() - started
    started = time.perf_counter()
    page = render_page(data, plots=plots, video_source=video_source)
    atomic_write(html, page.encode("utf-8"))
    timings["page"] = time.perf_counter() - started
    printed = None
    if pdf:
        started = time.perf_counter()
        printed = print_pdf(html, companion_path(html, ".pdf"))
        timings["pdf"] = time.perf_counter() - started
    final = replace(content, data=data)
    return ReportFiles(
        html=html,
        overlay=drawn.path if drawn else None,
        pdf=printed,
        exports=tuple(html.with_name(e["file"]) for e in exports),
        content=final,
        overlay_result=drawn,
        timings_s=timings,
    )


def find_predictions(folder: Path | str) -> list[Path]:
    """Every predictions file (``.npz``, or ``.json`` that is not a job's results) under ``folder``.

    Sorted by path; hidden files and folders are skipped.
    """
    root = Path(folder)
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if any(part.startswith(".") for part in relative) or not path.is_file():
            continue
        if path.suffix == ".npz" or (path.suffix == ".json" and _is_predictions_json(path)):
            found.append(path)
    return found


def _is_predictions_json(path: Path) -> bool:
    # Predictions documents carry "metadata" near the top; job results and reports do not.
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return b'"metadata"' in head and b'"frames"' in head


def find_video(predictions: VideoPredictions, roots: list[Path]) -> Path | None:
    """Find the video the predictions were made from, by file name and SHA-256, under ``roots``.

    Returns ``None`` when no file of that name there has the recorded SHA-256.
    """
    from neuropose.analysis.report._errors import VideoMismatchError, VideoReadError

    name = predictions.metadata.file_name
    for root in roots:
        for candidate in sorted(root.rglob(name)) if root.is_dir() else []:
            if not candidate.is_file():
                continue
            try:
                check_video(predictions, candidate)
            except (VideoMismatchError, VideoReadError):
                continue
            return candidate
    return None


def report_folder(
    folder: Path | str,
    output_dir: Path | str,
    *,
    recipe: Recipe | None = None,
    recipe_text: str | None = None,
    videos: Path | str | None = None,
    person: Literal["auto"] | int | None = None,
    task: str | None = None,
    pdf: bool = False,
    on_report: Callable[[Path, ReportFiles | Exception], None] | None = None,
) -> dict[Path, ReportFiles | Exception]:
    """Write one report per predictions file found under ``folder`` (a recipe over many sessions).

    Each report is ``<output_dir>/<relative path>.report.html``. The video of a session is
    looked for by the file name the predictions record, under ``videos`` (default: ``folder``).
    A session whose report fails does not stop the others.

    Returns
    -------
    dict
        For every predictions file, the files written or the error that stopped its report.
    """
    from neuropose.schema import NeuroPoseError, io

    root, target = Path(folder), Path(output_dir)
    search = [Path(videos)] if videos is not None else [root]
    outcomes: dict[Path, ReportFiles | Exception] = {}
    for path in find_predictions(root):
        relative = path.relative_to(root)
        html = target / relative.parent / f"{relative.name}.report.html"
        try:
            predictions = io.load_predictions(path)
            outcome: ReportFiles | Exception = write_report(
                predictions,
                html,
                source_name=path.name,
                video=find_video(predictions, search),
                recipe=recipe,
                recipe_text=recipe_text,
                person=person,
                task=task,
                pdf=pdf,
            )
        except (NeuroPoseError, OSError) as error:
            outcome = error
        outcomes[path] = outcome
        if on_report is not None:
            on_report(path, outcome)
    return outcomes

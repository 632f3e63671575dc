"""Session reports a clinician opens: one self-contained HTML page, an overlay video, a PDF.

:func:`write_report` analyses one session as a :class:`~neuropose.schema.Recipe` describes
(who the subject is, optional cleaning, joint angles, repetitions, gait steps, a comparison
with a reference session, exports) and writes:

- ``report.html``: the session (video, dates, model and its SHA-256, skeleton, units), who the
  subject is and why, data quality (observed, interpolated and missing samples per joint, and
  the gaps), the overlay video, joint angles over time with repetitions shaded, the table of
  repetitions, gait steps for a walk and the comparison; every number of its tables is
  embedded as JSON (``<script type="application/json" id="report-data">``). It loads nothing
  from anywhere: a Content-Security-Policy forbids it.
- ``report.overlay.mp4``: the video with every skeleton and its track id drawn on it (H.264,
  ``yuv420p``, ``faststart``), embedded in the page as well when small.
- ``report.pdf`` with ``pdf=True``, printed by headless Chromium.

:func:`render_overlay` draws the overlay alone; :func:`report_folder` runs a recipe over a
folder of results; :func:`job_report_hook` builds the function the daemon calls after each job.

Needs the ``report`` extra (``pip install "neuropose-analysis[report]"``: PyAV, Pillow,
matplotlib), imported only when a report is drawn; the analysis itself
(:func:`build_report`) needs none of it.
"""

from neuropose.analysis.report._angles import NAMED_ANGLES, TASK_ANGLES, AngleSpec, angle_specs
from neuropose.analysis.report._content import (
    REPORT_FORMAT,
    MeasuredAngle,
    ReportContent,
    build_report,
    effective_recipe,
    json_ready,
)
from neuropose.analysis.report._errors import (
    ChromiumNotFoundError,
    JobReportError,
    MissingReportExtraError,
    PdfPrintError,
    ReportError,
    ReportInputError,
    VideoMismatchError,
    VideoReadError,
)
from neuropose.analysis.report._extra import REPORT_LIBRARIES, report_extra_installed
from neuropose.analysis.report._hook import JobHook, job_report_hook, report_name
from neuropose.analysis.report._html import CONTENT_SECURITY_POLICY, render_page
from neuropose.analysis.report._overlay import (
    OverlayProgress,
    OverlayResult,
    check_video,
    render_overlay,
    video_facts,
)
from neuropose.analysis.report._pdf import CHROMIUM_ENV, CHROMIUM_NAMES, find_chromium, print_pdf
from neuropose.analysis.report._subject import Subject, resolve_subject
from neuropose.analysis.report._write import (
    ReportFiles,
    companion_path,
    find_predictions,
    find_video,
    report_folder,
    write_report,
)

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "CONTENT_SECURITY_POLICY",
    "NAMED_ANGLES",
    "REPORT_FORMAT",
    "REPORT_LIBRARIES",
    "TASK_ANGLES",
    "AngleSpec",
    "ChromiumNotFoundError",
    "JobHook",
    "JobReportError",
    "MeasuredAngle",
    "MissingReportExtraError",
    "OverlayProgress",
    "OverlayResult",
    "PdfPrintError",
    "ReportContent",
    "ReportError",
    "ReportFiles",
    "ReportInputError",
    "Subject",
    "VideoMismatchError",
    "VideoReadError",
    "angle_specs",
    "build_report",
    "check_video",
    "companion_path",
    "effective_recipe",
    "find_chromium",
    "find_predictions",
    "find_video",
    "job_report_hook",
    "json_ready",
    "print_pdf",
    "render_overlay",
    "render_page",
    "report_extra_installed",
    "report_folder",
    "report_name",
    "resolve_subject",
    "video_facts",
    "write_report",
]

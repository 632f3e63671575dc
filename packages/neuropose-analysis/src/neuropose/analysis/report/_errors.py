"""Errors raised while building reports and overlays: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from neuropose.analysis._errors import AnalysisError

__all__ = [
    "ChromiumNotFoundError",
    "JobReportError",
    "MissingReportExtraError",
    "PdfPrintError",
    "ReportError",
    "ReportInputError",
    "VideoMismatchError",
    "VideoReadError",
]


class ReportError(AnalysisError):
    """Root of the errors raised while building a session report or an overlay video."""


class MissingReportExtraError(ReportError, ImportError):
    """A report needs a library of the ``report`` extra that is not installed.

    Parameters
    ----------
    library
        The import name that failed (``"av"``).
    """

    def __init__(self, library: str) -> None:
        self.library = library
        super().__init__(
            f"the session report needs {library}, which is not installed; install it with: "
            'pip install "neuropose-analysis[report]"'
        )


class ReportInputError(ReportError, ValueError):
    """An option or recipe value the report cannot use; the message names it and the choices."""


class VideoMismatchError(ReportError, ValueError):
    """The video given is not the one the predictions were made from (its SHA-256 differs)."""


class VideoReadError(ReportError):
    """The video cannot be opened or decoded."""


class ChromiumNotFoundError(ReportError):
    """``--pdf`` needs Chromium or Google Chrome and none is installed; the message says how."""


class PdfPrintError(ReportError):
    """Chromium ran but did not print the PDF; the message carries its output."""


class JobReportError(ReportError):
    """Reports of some videos of a job failed; the others were written.

    Parameters
    ----------
    failures
        ``(video, reason)`` for each video whose report failed.
    written
        Files written for the other videos.
    """

    def __init__(self, failures: Sequence[tuple[str, str]], written: Sequence[Path]) -> None:
        self.failures = tuple(failures)
        self.written = tuple(written)
        listed = "; ".join(f"{video}: {reason}" for video, reason in self.failures)
        super().__init__(f"{len(self.failures)} report(s) failed: {listed}")

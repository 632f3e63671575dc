"""Tracking by default: every predictions file ``process`` and ``watch`` write carries track ids.

The estimator package cannot import the analysis package, so the command line puts the two
together: :class:`TrackingEstimator` wraps whatever estimator a command uses (anything with
``process_video``) and gives each result's predictions track ids from
:func:`neuropose.analysis.track_predictions`, the tracker's configuration in their provenance
and quality flags (observed wherever a person was detected).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuropose.cli._context import require
from neuropose.cli._errors import MissingExtraError

if TYPE_CHECKING:
    from neuropose.schema import EstimatorProtocol, ProcessVideoResult, ProgressCallback

__all__ = ["TrackingEstimator", "track_result", "tracked"]


def track_result(result: ProcessVideoResult) -> ProcessVideoResult:
    """Return ``result`` with its predictions tracked (ids, provenance, quality flags).

    The tracker's configuration suits the file's 3D frame of reference
    (:func:`neuropose.analysis.tracking_config_for`: no 3D root distance for hip-centred
    poses such as BlazePose's). The metrics are kept as they are.
    """
    analysis = require("neuropose.analysis")
    predictions, _ = analysis.track_predictions(result.predictions)
    return replace(result, predictions=predictions)


class TrackingEstimator:
    """An estimator whose results carry track ids: wraps any ``EstimatorProtocol``.

    Parameters
    ----------
    inner
        The estimator doing the work (the model is loaded however it loads, e.g. lazily).
    """

    def __init__(self, inner: EstimatorProtocol) -> None:
        self.inner = inner

    def process_video(
        self, video: Path, *, progress: ProgressCallback | None = None
    ) -> ProcessVideoResult:
        """Estimate poses with the wrapped estimator, then track the people in them."""
        return track_result(self.inner.process_video(video, progress=progress))

    def __getattr__(self, name: str) -> Any:
        # Everything else (options, intrinsics ...) is the wrapped estimator's.
        return getattr(self.inner, name)


def tracked(estimator: Any, *, track: bool = True) -> Any:
    """Wrap ``estimator`` in a :class:`TrackingEstimator` unless ``track`` is False.

    The analysis package is imported here, before any model loads, so a missing install is
    reported at once (exit code 4, naming the extra) rather than after the first video.
    """
    if not track:
        return estimator
    try:
        require("neuropose.analysis")
    except MissingExtraError as error:
        msg = f"{error}; or pass --no-track to write predictions without track ids"
        raise MissingExtraError(msg) from None
    return TrackingEstimator(estimator)

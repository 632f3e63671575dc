"""The contract between the daemon (or any caller) and an estimator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from neuropose.schema._metrics import PerformanceMetrics
from neuropose.schema._predictions import VideoPredictions

__all__ = ["EstimatorProtocol", "ProcessVideoResult", "ProgressCallback"]

ProgressCallback = Callable[[int, int | None], None]
"""Called as ``progress(frames_done, frames_total)``; ``frames_total`` is ``None`` if unknown."""


@dataclass(frozen=True, slots=True)
class ProcessVideoResult:
    """What an estimator returns for one video: validated predictions and how the run went."""

    predictions: VideoPredictions
    metrics: PerformanceMetrics


@runtime_checkable
class EstimatorProtocol(Protocol):
    """Anything that turns a video file into predictions.

    The daemon accepts any object with this method, so it never has to import the estimator
    package (or TensorFlow).
    """

    def process_video(
        self, video: Path, *, progress: ProgressCallback | None = None
    ) -> ProcessVideoResult:
        """Estimate poses in every frame of ``video``.

        Parameters
        ----------
        video
            Path of the video file.
        progress
            Called from the calling thread as frames complete.

        Returns
        -------
        ProcessVideoResult
            Predictions and performance metrics.
        """
        ...

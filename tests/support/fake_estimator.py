"""A fast estimator satisfying the schema's protocol, for daemon tests.

A "video" is any file; its frame count is the number of bytes (capped), so tests choose it by
the file's size. A file whose content starts with ``FAIL`` raises mid-way, like a corrupt video.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from neuropose.schema import (
    PerformanceMetrics,
    ProcessVideoResult,
    ProgressCallback,
    VideoPredictions,
)
from support.predictions import make_predictions


class FakeVideoError(Exception):
    """The fake equivalent of a decode error."""


class FakeEstimator:
    """``load_time_s``: reported by the first call only, as the real estimator reports its load.

    ``full_paths``: errors name the video by its full path, as the real decoder's do.
    """

    def __init__(
        self,
        seconds_per_frame: float = 0.0,
        batch: int = 8,
        log: Path | None = None,
        *,
        load_time_s: float | None = None,
        full_paths: bool = False,
    ) -> None:
        self.seconds_per_frame = seconds_per_frame
        self.batch = batch
        self.log = log
        self.load_time_s = load_time_s
        self.full_paths = full_paths
        self.calls: list[Path] = []

    def process_video(
        self, video: Path, *, progress: ProgressCallback | None = None
    ) -> ProcessVideoResult:
        self.calls.append(video)
        data = Path(video).read_bytes()
        frames = max(1, min(len(data), 400))
        for done in range(self.batch, frames + self.batch, self.batch):
            time.sleep(self.seconds_per_frame * self.batch)
            if data.startswith(b"FAIL") and done >= frames // 2:
                named = video if self.full_paths else Path(video).name
                raise FakeVideoError(f"{named}: cannot decode frame {done}")
            if progress is not None:
                progress(min(done, frames), frames)
        predictions = make_predictions(frames, 1, 5, seed=len(data))
        fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
        fields["metadata"] = predictions.metadata.model_copy(update={"file_name": Path(video).name})
        predictions = VideoPredictions(**fields)
        metrics = PerformanceMetrics(
            frame_count=frames,
            wall_time_s=0.01,
            decode_time_s=0.0,
            inference_time_s=0.01,
            per_frame_latency_ms=tuple(np.zeros(frames).tolist()),
            throughput_fps=frames / 0.01,
            peak_rss_mb=1.0,
            model_load_time_s=self.load_time_s,
            device="/CPU:0",
            tensorflow_version="none",
        )
        self.load_time_s = None  # the model is loaded once
        if self.log is not None:
            with open(self.log, "a") as handle:
                handle.write(f"{Path(video).parent.name}/{Path(video).name}\n")
        return ProcessVideoResult(predictions=predictions, metrics=metrics)

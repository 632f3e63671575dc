"""Multi-pass benchmarking of ``process_video``, and the CPU cross-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from neuropose.estimator._errors import EstimatorError
from neuropose.estimator._inference import Estimator
from neuropose.estimator._video import FrameReader, VideoInfo
from neuropose.schema import (
    BenchmarkAggregate,
    BenchmarkResult,
    CameraIntrinsics,
    CpuComparison,
    InferenceOptions,
    PerformanceMetrics,
    VideoPredictions,
    io,
)

__all__ = [
    "aggregate",
    "compare_to_cpu",
    "model_only_fps",
    "poses3d_divergence_mm",
    "run_benchmark",
]


def aggregate(passes: Sequence[PerformanceMetrics]) -> BenchmarkAggregate:
    """Summarise measured passes: per-frame latency percentiles (ms), throughput, peak memory."""
    if not passes:
        raise ValueError("aggregate needs at least one measured pass")
    latencies = np.concatenate([np.asarray(p.per_frame_latency_ms, float) for p in passes])
    if latencies.size == 0:
        latencies = np.zeros(1)
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    return BenchmarkAggregate(
        passes=len(passes),
        frames_per_pass=passes[0].frame_count,
        mean_latency_ms=float(latencies.mean()),
        p50_latency_ms=float(p50),
        p95_latency_ms=float(p95),
        p99_latency_ms=float(p99),
        mean_throughput_fps=float(np.mean([p.throughput_fps for p in passes])),
        max_peak_rss_mb=float(max(p.peak_rss_mb for p in passes)),
    )


# Frames kept in memory for the model-only rounds: a 640x360 clip fits whole (about 750
# frames), a 1080p one is cut to its first 80 or so.
_DECODED_BUDGET_BYTES = 512 * 2**20


def _decoded_frames(video: Path) -> tuple[np.ndarray, list[float], VideoInfo]:
    """Decode up to the memory budget of frames of ``video`` into RGB, with their times."""
    frames: list[np.ndarray] = []
    times: list[float] = []
    with FrameReader(video) as reader:
        info = reader.info
        limit = max(1, _DECODED_BUDGET_BYTES // (info.width * info.height * 3))
        for frame in reader:
            frames.append(np.ascontiguousarray(frame.rgb))
            times.append(frame.time_s)
            if len(frames) == limit:
                break
    return np.stack(frames), times, info


def model_only_fps(
    estimator: Estimator, frames: np.ndarray, times_s: list[float], camera: CameraIntrinsics
) -> float:
    """Return the frames per second of the backend alone on frames decoded beforehand (one round)."""
    started = time.perf_counter()
    estimator.run_frames(frames, times_s, camera)
    return len(frames) / (time.perf_counter() - started)


def run_benchmark(
    estimator: Estimator, video: Path, *, repeats: int = 3
) -> tuple[BenchmarkResult, VideoPredictions]:
    """Measure the whole pipeline and the model alone on one video.

    A first ``process_video`` pass is run and discarded: it pays for graph tracing and caches.
    Then each of ``repeats`` rounds runs the backend alone over frames decoded beforehand (the
    whole video, or its first 512 MB of frames) and one measured ``process_video`` pass; the
    two alternate so that noise from other work on the machine hits both alike.

    Returns
    -------
    BenchmarkResult, VideoPredictions
        The statistics (``model_only_throughput_fps`` is the median of the model-only rounds),
        and the predictions of the last pass (for numeric comparisons).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    estimator.process_video(video)
    frames, times, info = _decoded_frames(video)
    camera = estimator.camera_for(info.width, info.height)
    passes = []
    bare = []
    predictions = None
    for _ in range(repeats):
        bare.append(model_only_fps(estimator, frames, times, camera))
        result = estimator.process_video(video)
        passes.append(result.metrics)
        predictions = result.predictions
    del frames
    assert predictions is not None
    benchmark = BenchmarkResult(
        video_file_name=Path(video).name,
        model_name=estimator.model_name,
        passes=tuple(passes),
        aggregate=aggregate(passes),
        model_only_throughput_fps=float(np.median(bare)),
    )
    return benchmark, predictions


def poses3d_divergence_mm(a: VideoPredictions, b: VideoPredictions) -> tuple[float | None, int]:
    """Largest element-wise ``poses3d`` difference (mm) over frames where both found as many people.

    Returns
    -------
    divergence, frames
        ``None`` and 0 when no frame has people in both with equal counts.
    """
    if a.frame_count != b.frame_count:
        raise ValueError(f"frame counts differ: {a.frame_count} and {b.frame_count}")
    same = (a.people_per_frame == b.people_per_frame) & (a.people_per_frame > 0)
    if not same.any():
        return None, 0
    slots = min(a.max_people, b.max_people)
    difference = np.abs(a.poses3d[same, :slots] - b.poses3d[same, :slots])
    return float(np.nanmax(difference)), int(same.sum())


def compare_to_cpu(
    model_source: str,
    model_dir: Path,
    options: InferenceOptions,
    video: Path,
    accelerated: BenchmarkResult,
    accelerated_predictions: VideoPredictions,
    *,
    intrinsics: CameraIntrinsics | None = None,
    repeats: int = 3,
) -> CpuComparison:
    """Benchmark the same video and options on the CPU in a subprocess and compare.

    The subprocess hides GPUs before TensorFlow starts (``CUDA_VISIBLE_DEVICES=-1`` and
    ``tf.config.set_visible_devices([], "GPU")``), so Metal and CUDA are both out of the way.

    Parameters
    ----------
    model_source
        The model the subprocess loads (a cached name or a path, as ``options.model`` takes);
        it is not downloaded there.
    model_dir
        Model cache directory.
    options
        The accelerated run's options; the CPU run uses them with ``device="/CPU:0"``.
    video
        The benchmarked video.
    accelerated, accelerated_predictions
        The accelerated run's result and predictions, to compare against.
    intrinsics
        The calibrated camera the accelerated run used, if any.
    repeats
        Measured passes of the CPU run.

    Raises
    ------
    EstimatorError
        If the CPU run fails; its error output is included.
    """
    with tempfile.TemporaryDirectory(prefix="neuropose-cpu-") as scratch:
        request = {
            "model": model_source,
            "model_dir": str(model_dir),
            "options": {**options.model_dump(mode="json"), "device": "/CPU:0"},
            "intrinsics": intrinsics.model_dump(mode="json") if intrinsics else None,
            "video": str(video),
            "repeats": repeats,
            "out": scratch,
        }
        environment = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1"}
        finished = subprocess.run(
            [sys.executable, "-m", "neuropose.estimator._cpu_worker", json.dumps(request)],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode != 0:
            tail = finished.stderr.strip().splitlines()[-5:]
            raise EstimatorError("the CPU comparison run failed:\n" + "\n".join(tail))
        cpu = io.load_benchmark(Path(scratch) / "benchmark.json")
        cpu_predictions = io.load_predictions(Path(scratch) / "predictions.npz")
    divergence, frames = poses3d_divergence_mm(accelerated_predictions, cpu_predictions)
    cpu_speed = cpu.aggregate.mean_throughput_fps
    return CpuComparison(
        cpu=cpu.aggregate,
        speedup=accelerated.aggregate.mean_throughput_fps / cpu_speed if cpu_speed else 0.0,
        max_poses3d_divergence_mm=divergence,
        frames_compared=frames,
    )

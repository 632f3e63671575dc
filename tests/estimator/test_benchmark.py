from __future__ import annotations

import numpy as np
import pytest

from neuropose.estimator import (
    compare_to_cpu,
    poses3d_divergence_mm,
    run_benchmark,
)
from neuropose.schema import BenchmarkResult, io
from support.predictions import make_predictions
from support.videos import write_video


def test_benchmark_discards_warmup_and_aggregates(tmp_path, make_estimator):
    video = write_video(tmp_path / "v.mp4", 10)
    result, predictions = run_benchmark(make_estimator(batch_size=4), video, repeats=2)
    assert result.aggregate.passes == 2
    assert len(result.passes) == 2
    assert result.aggregate.frames_per_pass == 10
    latencies = np.concatenate([p.per_frame_latency_ms for p in result.passes])
    assert result.aggregate.p50_latency_ms == pytest.approx(np.percentile(latencies, 50))
    assert (
        result.aggregate.p50_latency_ms
        <= result.aggregate.p95_latency_ms
        <= result.aggregate.p99_latency_ms
    )
    assert result.aggregate.max_peak_rss_mb == max(p.peak_rss_mb for p in result.passes)
    assert predictions.frame_count == 10
    # The first pass (which paid for tracing) carried the model load time; measured ones do not.
    assert all(p.model_load_time_s is None for p in result.passes)
    io.save(result, tmp_path / "b.json")
    assert io.load_benchmark(tmp_path / "b.json") == result


def test_divergence_counts_only_frames_with_the_same_people():
    a = make_predictions(4, [1, 1, 0, 2], 3)
    poses = np.array(a.poses3d)
    poses[0, 0, 0, 0] += 2.5
    fields = {name: getattr(a, name) for name in type(a).model_fields}
    b = type(a)(**{**fields, "poses3d": poses})
    assert poses3d_divergence_mm(a, b) == (pytest.approx(2.5, abs=1e-3), 3)
    c = make_predictions(4, 0, 3)
    assert poses3d_divergence_mm(a, c) == (None, 0)


def test_cpu_comparison_in_a_subprocess(tmp_path, standin_archive, make_estimator):
    from neuropose.estimator import ModelStore

    model_dir = tmp_path / "models"
    ModelStore(model_dir).import_path(standin_archive, name="standin")
    video = write_video(tmp_path / "v.mp4", 8)
    estimator = make_estimator(batch_size=4)
    result, predictions = run_benchmark(estimator, video, repeats=1)
    comparison = compare_to_cpu(
        "standin", model_dir, estimator.options, video, result, predictions, repeats=1
    )
    assert comparison.frames_compared == 7  # frame 4 is empty in both
    assert comparison.max_poses3d_divergence_mm == pytest.approx(0.0, abs=1e-3)
    assert comparison.speedup > 0
    full = BenchmarkResult(**{**result.model_dump(), "cpu_comparison": comparison})
    assert full.cpu_comparison is not None

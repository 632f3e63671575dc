from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.analysis import UnknownJointError
from neuropose.analysis.segment import segment_repetitions, segment_signal
from neuropose.schema import SegmentationConfig, VideoPredictions, io
from support.predictions import make_predictions


def _movement(
    periods_s: list[float], fps: float, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Raised-cosine repetitions of the given durations with rest-free valleys; returns valley frames."""
    rng = np.random.default_rng(seed)
    times, values, valleys = [], [], [0]
    t = 0.0
    for period in periods_s:
        frames = round(period * fps)
        phase = np.arange(frames) / frames
        values.extend(100.0 * (1 - np.cos(2 * np.pi * phase)) / 2)
        times.extend(t + np.arange(frames) / fps)
        t += frames / fps
        valleys.append(valleys[-1] + frames)
    values_array = np.asarray(values) + rng.normal(0, noise, len(values))
    return np.asarray(times), values_array, valleys


@settings(max_examples=40, deadline=None)
@given(
    periods=st.lists(st.floats(0.8, 2.0), min_size=2, max_size=8),
    noise=st.floats(0, 3),
    gaps=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_recovers_count_and_boundaries(periods, noise, gaps, seed):
    times, signal, valleys = _movement(periods, 30.0, noise, seed)
    rng = np.random.default_rng(seed)
    for _ in range(gaps):  # short tracking gaps of 1-3 frames
        start = int(rng.integers(1, len(signal) - 4))
        signal[start : start + int(rng.integers(1, 4))] = np.nan
    config = SegmentationConfig(
        extractor="joint_axis", joints=("j0",), axis="y", min_period_s=0.5, smoothing_s=0.1
    )
    repetitions = segment_signal(signal, times, config)
    assert len(repetitions) == len(periods)
    for k, repetition in enumerate(repetitions):
        assert abs(repetition.start - valleys[k]) <= 2 + (k == 0)
        if k + 1 < len(periods):
            assert abs(repetition.end - valleys[k + 1]) <= 2
        middle = (valleys[k] + valleys[k + 1]) / 2
        assert abs(repetition.peak - middle) <= 3


def _predictions_from_signal(signal: np.ndarray, fps: float = 30.0) -> VideoPredictions:
    base = make_predictions(len(signal), 1, 43, fps=fps)
    poses = np.array(base.poses3d)
    poses[:, 0, base.skeleton.index_of("rwri"), 1] = signal
    fields = {name: getattr(base, name) for name in type(base).model_fields}
    return VideoPredictions(**{**fields, "poses3d": poses})


def test_segmentation_of_predictions_is_self_describing(tmp_path):
    _, signal, _ = _movement([1.0, 1.2, 0.9], 30.0, 0.5, 0)
    predictions = _predictions_from_signal(signal)
    config = SegmentationConfig(extractor="joint_axis", joints=("rwri",), axis="y")
    segmentation = segment_repetitions(predictions, config, source="p.npz")
    assert len(segmentation.repetitions) == 3
    assert segmentation.signal_unit == "mm"
    assert segmentation.source_file_name == "p.npz"
    assert segmentation.repetitions[1].start_s == pytest.approx(
        predictions.times_s[segmentation.repetitions[1].start]
    )
    io.save(segmentation, tmp_path / "seg.json")
    assert io.load_segmentation(tmp_path / "seg.json") == segmentation


def test_other_extractors_and_unequal_repetitions_compare_by_dtw():
    from neuropose.analysis import dtw_all, person_trajectory

    _, signal, _ = _movement([1.0, 1.6], 30.0, 0.0, 1)
    predictions = _predictions_from_signal(signal)
    for extractor, joints in (
        ("joint_pair_distance", ("rwri", "head")),
        ("joint_speed", ("rwri",)),
        ("joint_angle", ("rsho1", "relb", "rwri")),
    ):
        config = SegmentationConfig.model_validate(
            {"extractor": extractor, "joints": joints, "min_period_s": 0.3}
        )
        segment_repetitions(predictions, config)  # runs and validates
    config = SegmentationConfig(extractor="joint_axis", joints=("rwri",), axis="y")
    first, second = segment_repetitions(predictions, config).repetitions
    poses = person_trajectory(predictions)
    a, b = poses[first.start : first.end], poses[second.start : second.end]
    assert len(a) != len(b)
    assert dtw_all(a, b).distance >= 0


def test_unknown_joint_in_config():
    predictions = make_predictions(30, 1, 43)
    config = SegmentationConfig(extractor="joint_axis", joints=("wrist",), axis="y")
    with pytest.raises(UnknownJointError, match="'wrist'"):
        segment_repetitions(predictions, config)

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from neuropose.analysis import UnknownJointError
from neuropose.analysis.segment import find_repetitions, segment_repetitions, segment_signal
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
# Method version 2 put the valleys next to the 2 s repetition 3 frames off (plain middle of an
# asymmetric bottom).
@example(periods=[1.5, 0.875, 0.875, 0.8125, 2.0, 0.875], noise=0.0, gaps=0, seed=0)
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
        # Noise moves the highest sample along a flat top in proportion to its width.
        assert abs(repetition.peak - middle) <= max(3, 0.1 * (valleys[k + 1] - valleys[k]))


@pytest.mark.parametrize("start_s", [0.0, 0.1, 1.7, 12.345, 100.0])
def test_a_noise_peak_one_min_period_away_never_drops_a_repetition(start_s):
    # Six 1 s repetitions with a small bump at every valley: each bump sits exactly
    # min_period_s (0.5 s) from the peaks either side, where floating-point rounding decides.
    fps, cycles = 30.0, 6
    frames = np.arange(int(cycles * fps) + 1)
    times = start_s + frames / fps
    signal = 50.0 * (1 - np.cos(2 * np.pi * frames / fps))
    signal[frames % 30 == 0] += 2.0
    config = SegmentationConfig(
        extractor="joint_axis",
        joints=("j0",),
        axis="y",
        min_period_s=0.5,
        smoothing_s=0.0,
        baseline_window_s=None,
    )
    repetitions = segment_signal(signal, times, config)
    assert [r.peak for r in repetitions] == [15 + 30 * k for k in range(cycles)]


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


# ------------------------------------------------------------------ time, not frames (defect 1)
def _raised_cosines(
    periods: list[float], times: np.ndarray, amplitude: float = 100.0
) -> np.ndarray:
    """Repetitions of the given durations (seconds), evaluated at arbitrary times."""
    edges = np.concatenate([[0.0], np.cumsum(periods)])
    k = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(periods) - 1)
    phase = (times - edges[k]) / np.asarray(periods)[k]
    return amplitude * (1 - np.cos(2 * np.pi * phase)) / 2


def _half_rate_times(total_s: float) -> np.ndarray:
    """A phone video: 30 fps for the first half, 15 fps for the second."""
    first = np.arange(0, total_s / 2, 1 / 30)
    return np.concatenate([first, np.arange(first[-1] + 1 / 15, total_s, 1 / 15)])


def test_a_frame_rate_that_halves_midway_loses_no_repetition():
    # Parameters in seconds used to become frames through the median frame interval (1/30 s
    # here): 0.5 s was 15 frames, a full second at 15 fps, and repetitions of 0.9 s were lost.
    periods = [0.9] * 10
    times = _half_rate_times(sum(periods))
    config = SegmentationConfig(
        extractor="joint_axis", joints=("j0",), axis="y", min_period_s=0.5, smoothing_s=0.2
    )
    repetitions = segment_signal(_raised_cosines(periods, times), times, config)
    assert len(repetitions) == 10
    for k, repetition in enumerate(repetitions):
        assert repetition.peak_s == pytest.approx(0.9 * k + 0.45, abs=1 / 15 + 1e-9)


def test_smoothing_covers_the_same_time_at_any_frame_rate():
    from neuropose.analysis.segment import smooth

    fast = np.arange(0, 2, 1 / 30)
    slow = np.arange(0, 2, 1 / 15)
    step = lambda t: (t >= 1.0).astype(float)  # noqa: E731
    smoothed_fast = smooth(step(fast), fast, 0.4)
    smoothed_slow = smooth(step(slow), slow, 0.4)
    # Both ramps span 0.8-1.2 s whatever the rate.
    for times, values in ((fast, smoothed_fast), (slow, smoothed_slow)):
        ramp = times[(values > 0) & (values < 1)]
        assert ramp.min() >= 0.8 - 1e-9
        assert ramp.max() <= 1.2 + 1e-9


def test_timestamps_that_never_advance_are_refused():
    from neuropose.analysis import TimestampError

    config = SegmentationConfig(extractor="joint_axis", joints=("j0",), axis="y")
    with pytest.raises(TimestampError, match="never advance"):
        segment_signal(np.sin(np.arange(40.0)), np.zeros(40), config)
    with pytest.raises(TimestampError, match="goes backwards at frame 3"):
        segment_signal(np.arange(5.0), np.array([0.0, 0.1, 0.2, 0.1, 0.3]), config)


def test_equal_consecutive_timestamps_give_finite_speeds():
    # A VFR artefact: two frames stamped with the same time. The speed was NaN/inf there.
    _, signal, _ = _movement([1.0, 1.2, 0.9], 30.0, 0.5, 0)
    predictions = _predictions_from_signal(signal)
    times = np.array(predictions.times_s)
    times[[20, 50, 51]] = times[[19, 49, 49]]
    fields = {name: getattr(predictions, name) for name in type(predictions).model_fields}
    repeated = VideoPredictions(**{**fields, "times_s": times})
    config = SegmentationConfig(extractor="joint_speed", joints=("rwri",), min_period_s=0.3)
    from neuropose.analysis.segment import extract_signal

    speed, unit = extract_signal(repeated, config)
    assert unit == "mm/s"
    assert np.isfinite(speed).all()
    # Frames sharing a time share their sample, so they share the speed too.
    assert speed[19] == speed[20]
    assert speed[49] == speed[50] == speed[51]
    assert segment_repetitions(repeated, config).repetitions


# ---------------------------------------------------------------------------- drift (defect 2)
@pytest.mark.parametrize(
    "drift",
    [
        lambda t: 300 * t / t[-1],
        lambda t: -300 * t / t[-1],
        lambda t: 150 * (1 - np.cos(np.pi * t / t[-1])),
        lambda t: 300 * (t / t[-1]) ** 2,
    ],
    ids=["rising", "falling", "s-curve", "accelerating"],
)
def test_slow_drift_under_ten_repetitions_is_removed(drift):
    rng = np.random.default_rng(5)
    periods = list(rng.uniform(1.0, 2.0, 10))
    times = np.arange(0, sum(periods), 1 / 30)
    signal = _raised_cosines(periods, times) + drift(times) + rng.normal(0, 1.0, len(times))
    config = SegmentationConfig(extractor="joint_axis", joints=("j0",), axis="y")
    repetitions = segment_signal(signal, times, config)
    assert len(repetitions) == 10
    peaks_s = np.cumsum(periods) - np.asarray(periods) / 2
    found = np.array([r.peak_s for r in repetitions])
    # The drift tilts each peak slightly; it stays within a tenth of a repetition.
    assert np.all(np.abs(found - peaks_s) < 0.1 * np.asarray(periods))


def test_without_baseline_removal_the_drift_hides_repetitions_and_the_result_says_why():
    periods = [1.5] * 10
    times = np.arange(0, 15, 1 / 30)
    signal = _raised_cosines(periods, times) + 300 * times / times[-1]
    config = SegmentationConfig(
        extractor="joint_axis", joints=("j0",), axis="y", baseline_window_s=None
    )
    found = find_repetitions(signal, times, config, unit="mm")
    assert found.repetitions == ()
    (note,) = found.notes
    assert "no repetition found" in note
    assert f"spans {found.signal_range:.4g} mm" in note
    assert f"threshold is {found.prominence_threshold:.4g} mm" in note
    assert "without baseline removal" in note
    assert found.prominence_threshold == pytest.approx(0.3 * found.signal_range)


def test_a_flat_signal_explains_itself_through_the_saved_segmentation(tmp_path):
    predictions = _predictions_from_signal(np.full(90, 5.0))
    config = SegmentationConfig(extractor="joint_axis", joints=("rwri",), axis="y")
    segmentation = segment_repetitions(predictions, config)
    assert segmentation.repetitions == ()
    assert "the signal has no peak at all" in segmentation.notes[0]
    io.save(segmentation, tmp_path / "seg.json")
    assert io.load_segmentation(tmp_path / "seg.json").notes == segmentation.notes


# ------------------------------------------------------------------ configuration (defect 8, 9)
@pytest.mark.parametrize(
    ("extractor", "joints"),
    [("joint_pair_distance", ("lwri", "lwri")), ("joint_angle", ("lsho1", "lelb", "lelb"))],
)
def test_repeated_joints_are_refused(extractor, joints):
    with pytest.raises(ValidationError, match="is repeated: the signal would be constant"):
        SegmentationConfig.model_validate({"extractor": extractor, "joints": joints})


def test_padding_and_minimum_height():
    periods = [1.0, 1.0, 1.0, 1.0]
    times = np.arange(0, 4, 1 / 30)
    heights = np.repeat([100.0, 40.0, 100.0, 100.0], 30)
    signal = _raised_cosines(periods, times) * heights / 100
    base = {"extractor": "joint_axis", "joints": ("j0",), "axis": "y", "baseline_window_s": None}
    plain = segment_signal(signal, times, SegmentationConfig.model_validate(base))
    assert len(plain) == 4
    tall = segment_signal(
        signal, times, SegmentationConfig.model_validate({**base, "min_height": 70.0})
    )
    assert [r.peak for r in tall] == [plain[0].peak, plain[2].peak, plain[3].peak]
    padded = segment_signal(
        signal, times, SegmentationConfig.model_validate({**base, "pad_s": 0.2})
    )
    for before, after in zip(plain, padded, strict=True):
        assert after.peak == before.peak
        assert after.start_s == pytest.approx(max(0.0, before.start_s - 0.2), abs=1e-9)
        assert after.end >= before.end
    assert padded[1].end_s == pytest.approx(plain[1].end_s + 0.2, abs=1e-9)
    assert padded[-1].end == len(times)  # clipped to the trial


def test_split_writes_one_predictions_per_repetition(tmp_path):
    from neuropose.analysis import split_repetitions

    _, signal, _ = _movement([1.0, 1.2, 0.9], 30.0, 0.5, 0)
    predictions = _predictions_from_signal(signal)
    config = SegmentationConfig(extractor="joint_axis", joints=("rwri",), axis="y")
    segmentation = segment_repetitions(predictions, config)
    parts = split_repetitions(predictions, segmentation.repetitions)
    assert len(parts) == 3
    for part, repetition in zip(parts, segmentation.repetitions, strict=True):
        assert part.frame_count == repetition.end - repetition.start
        np.testing.assert_array_equal(
            part.poses3d, predictions.poses3d[repetition.start : repetition.end]
        )
        assert part.times_s[0] == repetition.start_s
        assert part.metadata.sha256 == predictions.metadata.sha256
        io.save_predictions(part, tmp_path / "part.npz")
        assert io.load_predictions(tmp_path / "part.npz").same_as(part)


def test_method_version_is_stamped_and_version_1_files_migrate(tmp_path):
    from neuropose.analysis import AnalysisError
    from neuropose.schema import SEGMENTATION_METHOD_VERSION, Segmentation

    config = SegmentationConfig(extractor="joint_axis", joints=("rwri",), axis="y")
    assert (config.method, config.method_version) == ("peak_valley", SEGMENTATION_METHOD_VERSION)
    old = {
        "schema_version": 1,
        "config": {"extractor": "joint_axis", "joints": ["rwri"], "axis": "y"},
        "source_file_name": "p.npz",
        "source_video_sha256": "0" * 64,
        "signal_unit": "mm",
        "repetitions": [
            {"start": 0, "peak": 5, "end": 9, "start_s": 0.0, "peak_s": 0.2, "end_s": 0.3}
        ],
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    loaded = io.load_segmentation(tmp_path / "old.json")
    assert loaded.schema_version == Segmentation.CURRENT_VERSION == 2
    assert loaded.config.method_version == 1
    assert loaded.config.baseline_window_s is None
    assert loaded.prominence_threshold is None
    predictions = _predictions_from_signal(_movement([1.0, 1.0], 30.0, 0.0, 0)[1])
    with pytest.raises(AnalysisError, match="method version 1"):
        segment_repetitions(predictions, loaded.config)


# ------------------------------------------------------------------------- measures (item 6)
def test_each_repetition_is_measured_with_symmetry():
    from support.bodies import body_array, predictions_from_poses

    period, fps = 1.2, 30.0
    times = np.arange(0, 5 * period, 1 / fps)
    phase = 2 * np.pi * times / period
    left = 60.0 * (1 - np.cos(phase)) / 2
    right = 40.0 * (1 - np.cos(phase)) / 2
    rotation = np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])  # a side view
    poses = np.stack(
        [
            body_array(
                "smpl_24",
                {"knee_flexion_left": a, "knee_flexion_right": b, "hip_flexion_left": a / 2},
                rotation,
                np.array([0.0, 0.0, 3000.0]),
            )
            for a, b in zip(left, right, strict=True)
        ]
    )
    predictions = predictions_from_poses(poses, times, "smpl_24")
    config = SegmentationConfig(
        extractor="joint_angle", joints=("left_hip", "left_knee", "left_ankle"), invert=True
    )
    segmentation = segment_repetitions(predictions, config, angles=["knee_flexion"])
    assert len(segmentation.repetitions) == 5
    assert len(segmentation.measures) == 5
    for measures in segmentation.measures[1:-1]:  # inner repetitions: whole cycles
        assert measures.duration_s == pytest.approx(period, abs=1 / fps + 1e-9)
        by_name = {q.quantity: q for q in measures.quantities}
        knee = by_name["knee_flexion_left"]
        assert knee.unit == "deg"
        assert knee.velocity_unit == "deg/s"
        assert knee.plane == "sagittal"
        assert knee.range_of_motion == pytest.approx(60.0, abs=0.2)
        # d/dt of 30 (1 - cos(2 pi t / T)) peaks at 60 pi / T; central differences at 30 fps
        # read it about 0.5 % low.
        assert knee.peak_velocity == pytest.approx(60 * np.pi / period, rel=0.01)
        assert by_name["knee_flexion_right"].range_of_motion == pytest.approx(40.0, abs=0.2)
        assert knee.observed_fraction == 1.0
        assert by_name["signal"].range_of_motion == pytest.approx(60.0, abs=0.2)
        (symmetry,) = measures.symmetry
        assert symmetry.quantity == "knee_flexion"
        assert symmetry.symmetry_index_percent == pytest.approx(40.0, abs=0.5)


def test_observed_fraction_counts_missing_samples():
    from neuropose.analysis import MeasuredSeries, repetition_measures
    from neuropose.schema import Repetition

    times = np.arange(20) / 10
    values = np.sin(times)
    values[[3, 4]] = np.nan
    observed = np.isfinite(values)
    observed[5] = False  # e.g. interpolated by cleaning
    series = MeasuredSeries("signal", values, "mm", observed)
    span = Repetition(start=0, peak=5, end=10, start_s=0.0, peak_s=0.5, end_s=1.0)
    (measures,) = repetition_measures([series], times, [span])
    (quantity,) = measures.quantities
    assert quantity.observed_fraction == pytest.approx(0.7)
    assert quantity.range_of_motion == pytest.approx(np.sin(0.9) - np.sin(0.0))


def test_position_signals_of_a_hip_centred_file_are_taken_in_the_camera_frame():
    # Standing up and sitting down moves the whole body: relative to the hips nothing moves,
    # so a BlazePose (hip-centred) file must be segmented on camera-frame positions.
    from support.bodies import hip_centred

    _, signal, _ = _movement([2.0, 2.5, 2.2], 30.0, 0.5, 1)
    base = make_predictions(len(signal), 1, 43)
    poses = np.repeat(np.array(base.poses3d[:1]), len(signal), axis=0)  # one still body
    poses[..., 1] += signal[:, None, None]  # every joint rises and falls together
    fields = {name: getattr(base, name) for name in type(base).model_fields}
    camera_frame = VideoPredictions(**{**fields, "poses3d": poses})
    config = SegmentationConfig(extractor="joint_axis", joints=("lhipb",), axis="y")
    expected = segment_repetitions(camera_frame, config).repetitions
    assert len(expected) == 3
    assert segment_repetitions(hip_centred(camera_frame), config).repetitions == expected
    speed = config.model_copy(update={"extractor": "joint_speed", "axis": None})
    assert segment_repetitions(hip_centred(camera_frame), speed).repetitions == (
        segment_repetitions(camera_frame, speed).repetitions
    )

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

from neuropose.analysis import CutoffTooHighError, MostlyMissingError, ShapeMismatchError
from neuropose.analysis._cleaning_kernels import rolling_median
from neuropose.analysis._errors import TimestampError
from neuropose.analysis.cleaning import check_observed, clean_trajectory, quality_summary
from neuropose.schema import (
    TASK_CUTOFFS_HZ,
    CleaningConfig,
    QualityFlag,
    flags_from_presence,
)

OBSERVED = int(QualityFlag.OBSERVED)
INTERPOLATED = int(QualityFlag.INTERPOLATED)
MISSING = int(QualityFlag.MISSING)
OUTLIER = int(QualityFlag.OUTLIER_REPLACED)
LOW = int(QualityFlag.LOW_CONFIDENCE)


def _unfiltered(rate_hz: float | None = None, max_gap_s: float = 0.33) -> CleaningConfig:
    """Resampling and gap filling only: no outlier removal, no low-pass."""
    return CleaningConfig(
        hampel_window_s=None, cutoff_hz=None, rate_hz=rate_hz, max_gap_s=max_gap_s
    )


def _movement(times: np.ndarray, joints: int = 4, seed: int = 0) -> np.ndarray:
    """Slow analytic joint paths (0.2-0.9 Hz, up to 100 mm), ``(frames, joints, 3)`` mm."""
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(30, 100, (joints, 3))
    frequency = rng.uniform(0.2, 0.9, (joints, 3))
    phase = rng.uniform(0, 2 * np.pi, (joints, 3))
    offset = rng.uniform(-500, 500, (joints, 3)) + np.array([0, 0, 3000])
    wave = np.sin(2 * np.pi * frequency * times[:, None, None] + phase)
    return offset + amplitude * wave


# Interpolation ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), frames=st.integers(3, 120), rate=st.floats(20, 120))
def test_resampling_is_scipys_pchip(seed, frames, rate):
    rng = np.random.default_rng(seed)
    # Phone-like jitter that never looks like a dropped frame (> 1.5 median intervals).
    times = np.cumsum(rng.uniform(0.025, 0.04, frames))
    values = rng.normal(0, 50, (frames, 3, 3)).cumsum(axis=0)
    result = clean_trajectory(values, times, config=_unfiltered(rate, 1.0))
    expected = PchipInterpolator(times, values, axis=0)(result.times_s)
    assert np.allclose(result.poses, expected, rtol=1e-10, atol=1e-9)
    assert np.all(result.flags == OBSERVED)


def test_each_side_of_a_long_gap_is_its_own_pchip():
    times = np.arange(90) / 30
    values = _movement(times, 2, seed=1)
    values[30:50] = np.nan  # 20 frames: longer than max_gap_s
    result = clean_trajectory(values, times, config=_unfiltered())
    for segment in (slice(0, 30), slice(50, 90)):
        expected = PchipInterpolator(times[segment], values[segment], axis=0)(times[segment])
        assert np.allclose(result.poses[segment], expected)
    assert np.all(np.isnan(result.poses[30:50]))


# Flags ------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.tuples(st.integers(0, 280), st.integers(1, 25)), max_size=6),
    seed=st.integers(0, 1000),
)
def test_flags_mark_exactly_the_gaps_and_leave_long_ones_missing(gaps, seed):
    times = np.arange(300) / 30
    values = _movement(times, 3, seed)
    hidden = np.zeros((300, 3), bool)
    for start, length in gaps:
        hidden[start : start + length, seed % 3] = True
    values[hidden] = np.nan
    result = clean_trajectory(values, times, config=CleaningConfig())
    assert np.allclose(result.times_s, times, rtol=0, atol=1e-12)
    for joint in range(3):
        expected = np.full(300, OBSERVED)
        column = hidden[:, joint]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], column, [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            inner = start > 0 and stop < 300
            # At 30 fps, 0.33 s fills up to 9 missing frames; nothing is extrapolated.
            expected[start:stop] = INTERPOLATED if inner and stop - start <= 9 else MISSING
        assert np.array_equal(result.flags[:, joint], expected)
        assert np.array_equal(np.isnan(result.poses[:, joint]).any(axis=1), expected == MISSING)


def test_outliers_and_low_confidence_are_flagged_with_what_replaced_them():
    times = np.arange(240) / 30
    values = _movement(times, 3, seed=2)
    values[100, 1, 0] += 150.0
    values[101, 1, 2] -= 120.0
    confidence = np.full((240, 3), 0.9)
    confidence[50:53, 0] = 0.1  # three frames: refilled
    confidence[150:170, 2] = 0.2  # twenty frames: too long
    result = clean_trajectory(values, times, confidence=confidence)
    flags = result.flags
    assert set(np.flatnonzero(flags[:, 1] & OUTLIER).tolist()) == {100, 101}
    assert np.all(flags[100:102, 1] == OUTLIER | INTERPOLATED)
    assert np.all(flags[50:53, 0] == LOW | INTERPOLATED)
    assert np.all(flags[150:170, 2] == LOW | MISSING)
    untouched = np.ones_like(flags, bool)
    untouched[100:102, 1] = untouched[50:53, 0] = untouched[150:170, 2] = False
    assert np.all(flags[untouched] == OBSERVED)
    # Without per-joint confidence the gate is skipped.
    assert not np.any(clean_trajectory(values, times).flags & LOW)


def test_dropped_frames_are_a_gap_even_without_a_missing_sample():
    times = np.arange(200) / 30
    times[100:] += 0.2  # the phone dropped six frames
    times[150:] += 0.5  # ... and later fifteen
    values = _movement(times, 1)
    result = clean_trajectory(values, times, config=_unfiltered())
    grid = result.times_s
    in_short = (grid > times[99] + 1e-9) & (grid < times[100] - 1e-9)
    in_long = (grid > times[149] + 1e-9) & (grid < times[150] - 1e-9)
    assert in_short.sum() == 6
    assert in_long.sum() == 15
    assert np.all(result.flags[in_short, 0] == INTERPOLATED)
    assert np.all(result.flags[in_long, 0] == MISSING)
    assert np.all(result.flags[~in_short & ~in_long, 0] == OBSERVED)


# Recovery of a known signal ------------------------------------------------------------


def _corrupted(seed: int, fps: float, noise_mm: float, vfr: bool = False):
    """A known movement with noise, 25 isolated outliers, six short gaps and a long one.

    Returns the times, the truth, the corrupted values, the outliers as (frame, joint) and
    the short gaps as (first frame, joint), each 8 frames long; joint 4 is missing for one
    second from the middle frame.
    """
    rng = np.random.default_rng(seed)
    frames = round(20 * fps)
    times = np.arange(frames) / fps
    if vfr:
        times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.6, 1.4, frames - 1) / fps)])
    truth = _movement(times, 5, seed)
    values = truth + rng.normal(0, noise_mm, truth.shape)
    short = {(100 + 150 * k, k % 4) for k in range(6)}
    middle = frames // 2
    busy = np.zeros((frames, 5), bool)  # keep outliers a window away from every gap
    margin = round(0.3 * fps)
    for start, joint in short:
        busy[max(start - margin, 0) : start + 8 + margin, joint] = True
    busy[middle - margin : middle + round(fps) + margin, 4] = True
    busy[:margin] = busy[-margin:] = True
    free = np.argwhere(~busy)
    outliers = {tuple(map(int, cell)) for cell in free[rng.choice(len(free), 25, replace=False)]}
    for frame, joint in outliers:
        size = rng.choice([-1, 1]) * rng.uniform(60, 200)
        values[frame, joint, rng.integers(0, 3)] += size
    for start, joint in short:
        values[start : start + 8, joint] = np.nan  # 8 frames: always refilled
    values[middle : middle + round(fps), 4] = np.nan  # a second: left missing
    return times, truth, values, outliers, short


def test_recovers_the_signal_from_noise_outliers_and_gaps():
    fps, noise = 60.0, 3.0
    times, truth, values, outliers, short = _corrupted(11, fps, noise)
    original = values.copy()
    result = clean_trajectory(values, times, config=CleaningConfig(cutoff_hz=2.0))
    assert np.array_equal(values, original, equal_nan=True)  # the input is untouched
    flags = result.flags
    # Exactly the outliers are flagged...
    flagged = {(int(f), int(j)) for f, j in zip(*np.nonzero(flags & OUTLIER), strict=True)}
    assert flagged == outliers
    # ...exactly the short gaps refilled, the long one missing, all else observed.
    expected = np.full(flags.shape, OBSERVED)
    for start, joint in short:
        expected[start : start + 8, joint] = INTERPOLATED
    for frame, joint in outliers:
        expected[frame, joint] = INTERPOLATED | OUTLIER
    middle = len(times) // 2
    expected[middle : middle + round(fps), 4] = MISSING
    assert np.array_equal(flags, expected)
    present = ~np.isnan(result.poses).any(axis=-1)
    rmse = float(np.sqrt(np.mean((result.poses[present] - truth[present]) ** 2)))
    assert rmse < noise / 3


def test_vfr_input_resampled_matches_the_analytic_signal():
    rng = np.random.default_rng(5)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.6, 1.4, 599) / 30)])
    clean = clean_trajectory(_movement(times), times, config=_unfiltered())
    assert clean.rate_hz == pytest.approx(1 / np.median(np.diff(times)))
    assert np.allclose(np.diff(clean.times_s), 1 / clean.rate_hz)
    assert np.all(clean.flags == OBSERVED)
    error = clean.poses - _movement(clean.times_s)
    # PCHIP flattens at turning points: within 1 mm of paths up to 100 mm; 0.1 mm RMS.
    assert np.max(np.abs(error)) < 1.0
    assert np.sqrt(np.mean(error**2)) < 0.1
    # With noise, outliers and gaps too.
    times, _, values, _, _ = _corrupted(6, 60.0, 3.0, vfr=True)
    result = clean_trajectory(values, times, config=CleaningConfig(cutoff_hz=2.0))
    expected = _movement(result.times_s, 5, 6)
    present = ~np.isnan(result.poses).any(axis=-1)
    assert np.sqrt(np.mean((result.poses[present] - expected[present]) ** 2)) < 3.0 / 3


# Filtering --------------------------------------------------------------------------------


def test_lowpass_is_a_zero_lag_butterworth_within_each_run():
    times = np.arange(600) / 30
    rng = np.random.default_rng(3)
    values = _movement(times, 2) + rng.normal(0, 5, (600, 2, 3))
    whole = clean_trajectory(values, times, config=CleaningConfig(hampel_window_s=None))
    sos = butter(4, 6.0, fs=30.0, output="sos")
    assert np.allclose(whole.poses, sosfiltfilt(sos, values, axis=0), rtol=1e-12, atol=1e-9)
    # A long gap splits the runs: the first run is filtered as if the rest did not exist.
    cut = values.copy()
    cut[300:340] = np.nan
    parts = clean_trajectory(cut, times, config=CleaningConfig(hampel_window_s=None))
    assert np.allclose(
        parts.poses[:300], sosfiltfilt(sos, values[:300], axis=0), rtol=1e-12, atol=1e-9
    )
    assert np.all(np.isnan(parts.poses[300:340]))


def test_cutoffs_follow_the_task_unless_given():
    assert CleaningConfig().cutoff_hz == 6.0
    for task, cutoff in TASK_CUTOFFS_HZ.items():
        assert CleaningConfig.model_validate({"task": task}).cutoff_hz == cutoff
    assert CleaningConfig(task="tremor").cutoff_hz is None
    assert CleaningConfig(task="gait", cutoff_hz=4.0).cutoff_hz == 4.0
    assert CleaningConfig(task="gait", cutoff_hz=None).cutoff_hz is None
    config = CleaningConfig(task="tapping")
    assert CleaningConfig.model_validate_json(config.model_dump_json()) == config
    with pytest.raises(ValidationError):
        CleaningConfig(task="juggling")  # pyright: ignore[reportArgumentType]  # wrong on purpose: validation must reject it
    with pytest.raises(ValidationError):
        config.max_gap_s = 1.0


def test_a_cutoff_above_nyquist_is_refused():
    times = np.arange(50) / 24
    with pytest.raises(CutoffTooHighError, match="12 Hz"):
        clean_trajectory(np.zeros((50, 1, 3)), times, config=CleaningConfig(task="tapping"))


# Hampel kernel -----------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    data=st.lists(st.one_of(st.floats(-100, 100), st.just(float("nan"))), min_size=1, max_size=60),
    half_width=st.integers(1, 6),
)
def test_rolling_median_matches_a_direct_computation(data, half_width):
    series = np.array(data)
    expected = np.full(series.size, np.nan)
    for i in range(series.size):
        if np.isnan(series[i]):
            continue
        # Offsets valid on both sides, the sample itself left out.
        pairs = [
            (series[i - k], series[i + k])
            for k in range(1, half_width + 1)
            if i - k >= 0 and i + k < series.size
            and not np.isnan(series[i - k]) and not np.isnan(series[i + k])
        ]  # fmt: skip
        if len(pairs) >= 2:
            expected[i] = np.median(np.ravel(pairs))
    result = rolling_median(series[None, :], half_width)[0]
    assert np.allclose(result, expected, equal_nan=True)


# Inputs -----------------------------------------------------------------------------------


def test_bad_inputs_are_named():
    times = np.arange(10) / 30
    with pytest.raises(ShapeMismatchError, match="frames, joints"):
        clean_trajectory(np.zeros((10, 3)), times)
    with pytest.raises(ShapeMismatchError, match="times_s"):
        clean_trajectory(np.zeros((10, 2, 3)), times[:-1])
    with pytest.raises(ShapeMismatchError, match="confidence"):
        clean_trajectory(np.zeros((10, 2, 3)), times, confidence=np.ones((10, 3)))
    with pytest.raises(TimestampError, match="at least two"):
        clean_trajectory(np.zeros((1, 2, 3)), times[:1])
    repeated = times.copy()
    repeated[4] = repeated[3]
    with pytest.raises(TimestampError, match="frame 4"):
        clean_trajectory(np.zeros((10, 2, 3)), repeated)


def test_read_only_float32_input_is_fine():
    times = np.arange(60) / 30
    values = _movement(times).astype(np.float32)
    values.flags.writeable = False
    result = clean_trajectory(values, times)
    assert result.poses.dtype == np.float64
    assert result.poses.shape == (60, 4, 3)


# Reporting --------------------------------------------------------------------------------


def test_quality_summary_and_the_observed_check():
    times = np.arange(10) / 10
    flags = np.full((10, 2), OBSERVED, np.uint8)
    flags[2:4, 0] = INTERPOLATED
    flags[7:, 0] = MISSING | LOW
    flags[5:9, 1] = INTERPOLATED | OUTLIER
    summary = quality_summary(flags, times, joint_names=["lwri", "rwri"])
    assert summary.samples == 10
    assert summary.observed == pytest.approx(11 / 20)
    assert summary.joints[0].interpolated == pytest.approx(0.2)
    assert summary.joints[0].missing == pytest.approx(0.3)
    spans = [(g.name, g.start_s, g.end_s, g.filled) for g in summary.gaps]
    assert spans == [
        ("lwri", 0.2, 0.4, True),
        ("lwri", 0.7, pytest.approx(1.0), False),
        ("rwri", 0.5, 0.9, True),
    ]
    report = check_observed(flags, times, start_s=0.0, end_s=0.4, joint_names=["lwri", "rwri"])
    assert report[0].observed == pytest.approx(0.6)
    with pytest.raises(MostlyMissingError, match=r"'rwri'.*20% of 0\.50-0\.90 s") as error:
        check_observed(flags, times, start_s=0.5, end_s=0.9, joint_names=["lwri", "rwri"])
    assert error.value.joint == "rwri"  # the worst of the two
    assert error.value.interpolated == pytest.approx(0.8)
    allowed = check_observed(flags, times, start_s=0.5, end_s=0.9, allow_gaps=True, joints=[0])
    assert allowed[0].observed == pytest.approx(0.4)
    with pytest.raises(MostlyMissingError, match="#1"):
        check_observed(flags, times, start_s=0.5, end_s=0.8, joints=[1])


def test_flags_from_presence_migrates_old_files():
    present = np.array([[True, False], [False, True]])
    flags = flags_from_presence(present)
    assert flags.dtype == np.uint8
    assert flags.tolist() == [[OBSERVED, MISSING], [MISSING, OBSERVED]]
    assert [flag.value for flag in QualityFlag] == [1, 2, 4, 8, 16]

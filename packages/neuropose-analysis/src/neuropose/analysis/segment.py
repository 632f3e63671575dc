"""Repetition segmentation: cut a trial into repetitions of the same movement.

A 1-D signal is extracted from one person's poses (see :class:`~neuropose.schema.SegmentationConfig`),
gaps are interpolated over time, the signal is optionally smoothed, its slow baseline is removed
(a centred moving median, on by default, so drift of the body or the camera does not hide
repetitions), and peaks are found with a minimum spacing and a minimum prominence. Every
time-based parameter is applied with the frame timestamps, so a video whose frame rate changes
halfway is segmented as well as a constant-rate one. Each repetition runs from the lowest point
before its peak to the lowest point before the next repetition's peak (valley to valley), as
``[start, end)`` frame indices, optionally padded by a time margin.

When nothing is found, the result says why (the signal's range against the threshold).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import AnalysisError, ShapeMismatchError
from neuropose.analysis._peaks import PeakSearch, peaks_by_time
from neuropose.analysis._poses import FloatArray
from neuropose.analysis.angles import joint_angle
from neuropose.analysis.kinematics import check_times, speed
from neuropose.analysis.resample import interpolate_gaps
from neuropose.analysis.trajectories import (
    camera_frame_trajectory,
    joint_indices,
    person_trajectory,
)

if TYPE_CHECKING:
    from neuropose.schema import (
        Repetition,
        Segmentation,
        SegmentationConfig,
        Skeleton,
        VideoPredictions,
    )

__all__ = [
    "POSITION_EXTRACTORS",
    "SIGNAL_UNITS",
    "SignalSegmentation",
    "extract_signal",
    "find_repetitions",
    "remove_baseline",
    "segment_repetitions",
    "segment_signal",
    "smooth",
    "split_repetitions",
    "trajectory_signal",
]

_AXES = {"x": 0, "y": 1, "z": 2}
POSITION_EXTRACTORS = frozenset({"joint_axis", "joint_speed"})
"""Extractors whose signal depends on where a joint is (not only on the body's shape): they are
computed in the camera frame, so hip-centred (BlazePose) files give what MeTRAbs files give."""

SIGNAL_UNITS = {
    "joint_axis": "mm",
    "joint_pair_distance": "mm",
    "joint_speed": "mm/s",
    "joint_angle": "deg",
}
"""Unit of each segmentation extractor's signal."""
# The baseline is a slow curve: evaluating its median on a grid this many times finer than the
# window and interpolating is indistinguishable from a median at every frame, and much cheaper.
_BASELINE_GRID_PER_WINDOW = 20


def extract_signal(
    predictions: VideoPredictions, config: SegmentationConfig
) -> tuple[FloatArray, str]:
    """Build the 1-D signal a configuration describes, with NaN where the person is missing.

    Returns
    -------
    signal, unit
        One value per frame, and its unit (``"mm"``, ``"mm/s"`` or ``"deg"``). Speeds are
        derivatives over the timestamps (runs of equal timestamps are handled, see
        :func:`~neuropose.analysis.kinematics.time_derivative`).

    Raises
    ------
    UnknownJointError
        A joint name is not in the file's skeleton.
    MissingPersonError
        The person never appears.
    TimestampError
        ``joint_speed`` on timestamps that are broken or never advance.
    """
    if config.extractor in POSITION_EXTRACTORS:
        poses = camera_frame_trajectory(predictions, config.person)
    else:
        poses = person_trajectory(predictions, config.person)
    return trajectory_signal(poses, predictions.times_s, predictions.skeleton, config)


def trajectory_signal(
    poses: npt.ArrayLike, times_s: npt.ArrayLike, skeleton: Skeleton, config: SegmentationConfig
) -> tuple[FloatArray, str]:
    """Build the signal ``config`` describes from one person's ``(frames, joints, 3)`` poses (mm).

    Parameters
    ----------
    poses
        The person's joints; for ``joint_axis`` and ``joint_speed`` in the camera frame
        (:func:`~neuropose.analysis.camera_frame_trajectory`), as :func:`extract_signal` gives
        them, since those signals depend on where the joint is, not only on the body's shape.
    times_s
        One time per frame, seconds.
    skeleton
        The poses' skeleton (joints are found by name).
    config
        The signal's definition.

    Returns
    -------
    signal, unit
        One value per frame (NaN where the joints are missing) and its unit.

    Raises
    ------
    UnknownJointError
        A joint name is not in the skeleton.
    TimestampError
        ``joint_speed`` on timestamps that are broken or never advance.
    """
    array = np.asarray(poses, np.float64)
    joints = joint_indices(skeleton, config.joints)
    if config.extractor == "joint_axis":
        assert config.axis is not None  # the config validates this
        signal = array[:, joints[0], _AXES[config.axis]]
    elif config.extractor == "joint_pair_distance":
        signal = np.linalg.norm(array[:, joints[0]] - array[:, joints[1]], axis=-1)
    elif config.extractor == "joint_speed":
        signal = speed(array[:, joints[0]], times_s)
    else:
        signal = joint_angle(array, *joints)
    return np.asarray(signal, np.float64), SIGNAL_UNITS[config.extractor]


def _window_bounds(
    times: FloatArray, centres: FloatArray, width_s: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Index ranges ``[low, high)`` of the samples within ``width_s / 2`` of each centre."""
    half = width_s / 2
    low = np.searchsorted(times, centres - half, side="left")
    high = np.searchsorted(times, centres + half, side="right")
    return low.astype(np.intp), high.astype(np.intp)


def smooth(signal: npt.ArrayLike, times_s: npt.ArrayLike, window_s: float) -> FloatArray:
    """Centred moving average over ``window_s`` seconds of time (not frames).

    Each sample becomes the mean of the samples within ``window_s / 2`` of its time, so a
    stretch recorded at half the frame rate is smoothed over the same duration. Near the ends
    the window holds what exists. Input must be finite (interpolate gaps first).

    Parameters
    ----------
    signal
        1-D signal, any unit.
    times_s
        Sample times, seconds, non-decreasing.
    window_s
        Window width, seconds; ``<= 0`` returns a copy.
    """
    values = np.asarray(signal, np.float64)
    times = check_times(times_s, len(values))
    if window_s <= 0 or len(values) == 0:
        return values.copy()
    low, high = _window_bounds(times, times, window_s)
    sums = np.concatenate([[0.0], np.cumsum(values)])
    return (sums[high] - sums[low]) / (high - low)


def remove_baseline(signal: npt.ArrayLike, times_s: npt.ArrayLike, window_s: float) -> FloatArray:
    """Subtract a centred moving median over ``window_s`` seconds (the slow baseline).

    A movement repeated several times inside the window keeps its shape; a drift slower than
    the window (the body stepping back, the camera settling) is removed. The median is taken
    over the samples within ``window_s / 2`` of grid times ``window_s / 20`` apart (windows are
    cut short at the ends of the trial) and interpolated linearly to every sample.

    Parameters
    ----------
    signal
        1-D finite signal, any unit.
    times_s
        Sample times, seconds, non-decreasing.
    window_s
        Window width, seconds (several repetitions long).

    Returns
    -------
    ndarray
        ``signal - baseline``, same unit.
    """
    values = np.asarray(signal, np.float64)
    times = check_times(times_s, len(values))
    if len(values) == 0 or times[-1] == times[0]:
        return values - (np.median(values) if len(values) else 0.0)
    step = window_s / _BASELINE_GRID_PER_WINDOW
    grid = np.arange(times[0], times[-1] + step, step)
    low, high = _window_bounds(times, grid, window_s)
    baseline_grid = np.array(
        [np.median(values[a:b]) if b > a else np.nan for a, b in zip(low, high, strict=True)]
    )
    defined = np.isfinite(baseline_grid)
    baseline = np.interp(times, grid[defined], baseline_grid[defined])
    return values - baseline


def _valley(values: FloatArray, lo: int, hi: int) -> int:
    """Centre of the bottom between ``lo`` and ``hi``.

    The plain argmin wanders along a flat, noisy bottom. The bottom is the contiguous run of
    frames within 10 % of the local depth of the minimum, and its centre is weighted by how far
    each frame lies below that level: the run's plain middle would lean towards the slower of
    two unequal neighbouring movements (by up to 3 frames at 30 fps between a 2 s and a 0.9 s
    repetition), the weighted centre stays within 2 frames of the true turning point.
    """
    window = values[lo : hi + 1]
    lowest = int(np.argmin(window))
    depth = max(window[0], window[-1]) - window[lowest]
    if depth <= 0:
        return lo + lowest
    level = window[lowest] + 0.1 * depth
    low = window <= level
    start = lowest
    while start > 0 and low[start - 1]:
        start -= 1
    stop = lowest
    while stop < len(window) - 1 and low[stop + 1]:
        stop += 1
    below = level - window[start : stop + 1]
    offset = float(np.dot(below, np.arange(stop - start + 1)) / below.sum())
    return lo + start + round(offset)


@dataclass(frozen=True, slots=True)
class SignalSegmentation:
    """Repetitions of one signal, with the threshold used and, if none, the reason.

    Attributes
    ----------
    repetitions
        The repetitions in time order.
    prominence_threshold
        The minimum prominence applied, in the signal's unit.
    signal_range
        5th-95th percentile range of the signal peaks were sought in, in its unit.
    notes
        Why nothing was found, or other facts the reader needs; empty when all is well.
    """

    repetitions: tuple[Repetition, ...]
    prominence_threshold: float
    signal_range: float
    notes: tuple[str, ...] = ()


def _nothing_found(
    search: PeakSearch, threshold: float, spread: float, config: SegmentationConfig, unit: str
) -> str:
    how = (
        "--min-prominence"
        if config.min_prominence is not None
        else f"{config.relative_prominence:g} x the range"
    )
    baseline = (
        f"after removing a {config.baseline_window_s:g} s moving-median baseline"
        if config.baseline_window_s
        else "without baseline removal"
    )
    facts = (
        f"the signal ({baseline}{', inverted' if config.invert else ''}) spans "
        f"{spread:.4g} {unit} (5th-95th percentile) and the prominence threshold is "
        f"{threshold:.4g} {unit} ({how})"
    )
    if search.local_maxima == 0:
        return f"no repetition found: the signal has no peak at all; {facts}"
    if search.above_height == 0:
        return (
            f"no repetition found: none of the {search.local_maxima} peaks reaches the minimum "
            f"height {config.min_height:g} {unit}; {facts}"
        )
    return (
        f"no repetition found: the most prominent peak rises {search.largest_prominence:.4g} "
        f"{unit}, below the threshold; {facts}. Lower --min-prominence or "
        "--relative-prominence, check --invert, or choose a joint that moves more"
    )


def _padded(times: FloatArray, start: int, end: int, pad_s: float) -> tuple[int, int]:
    if pad_s <= 0:
        return start, end
    last = len(times) - 1
    first = int(np.searchsorted(times, float(times[start]) - pad_s, side="left"))
    stop = int(np.searchsorted(times, float(times[min(end, last)]) + pad_s, side="left"))
    return first, max(min(stop, len(times)), end)


def find_repetitions(
    signal: npt.ArrayLike, times_s: npt.ArrayLike, config: SegmentationConfig, *, unit: str = ""
) -> SignalSegmentation:
    """Find repetitions in a 1-D signal sampled at ``times_s`` (seconds), explaining an empty result.

    Parameters
    ----------
    signal
        One value per frame; NaN gaps are interpolated over time.
    times_s
        Frame times, seconds. Runs of equal timestamps are allowed; times that go backwards
        or never advance are refused.
    config
        Thresholds (seconds and the signal's unit).
    unit
        The signal's unit, for the notes.

    Raises
    ------
    AnalysisError
        If the signal has no valid value at all.
    ShapeMismatchError
        If the signal and the times differ in length.
    TimestampError
        If the times are not finite, go backwards, or never advance.
    """
    from neuropose.schema import Repetition

    values = np.asarray(signal, np.float64)
    if values.ndim != 1 or values.shape != np.shape(times_s):
        raise ShapeMismatchError(
            f"signal ({values.shape}) and times ({np.shape(times_s)}) must be 1-D and equal in length"
        )
    times = check_times(times_s, len(values), advancing=True)
    if not np.isfinite(values).any():
        raise AnalysisError(
            "the signal has no valid value (the person is missing or joints are degenerate)"
        )
    values = interpolate_gaps(values, times)
    if config.smoothing_s > 0:
        values = smooth(values, times, config.smoothing_s)
    if config.baseline_window_s:
        values = remove_baseline(values, times, config.baseline_window_s)
    if config.invert:
        values = -values
    low, high = np.percentile(values, [5, 95])
    spread = float(high - low)
    threshold = config.min_prominence
    if threshold is None:
        threshold = max(config.relative_prominence * spread, np.finfo(float).tiny)
    search = peaks_by_time(
        values,
        times,
        min_interval_s=config.min_period_s,
        prominence=threshold,
        min_height=config.min_height,
    )
    peaks = search.peaks
    if len(peaks) == 0:
        note = _nothing_found(search, threshold, spread, config, unit)
        return SignalSegmentation((), float(threshold), spread, (note,))
    # Valleys: the lowest stretch between consecutive peaks, and before the first / after the last.
    bounds = [0, *peaks.tolist(), len(values) - 1]
    valleys = [_valley(values, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    repetitions: list[Repetition] = []
    last = len(times) - 1
    for k, peak in enumerate(peaks.tolist()):
        start, end = valleys[k], max(valleys[k + 1], peak + 1)
        start, end = _padded(times, start, end, config.pad_s)
        repetitions.append(
            Repetition(
                start=start,
                peak=peak,
                end=end,
                start_s=float(times[start]),
                peak_s=float(times[peak]),
                end_s=float(times[min(end, last)]),
            )
        )
    return SignalSegmentation(tuple(repetitions), float(threshold), spread)


def segment_signal(
    signal: npt.ArrayLike, times_s: npt.ArrayLike, config: SegmentationConfig
) -> tuple[Repetition, ...]:
    """Find repetitions in a 1-D signal sampled at ``times_s`` (seconds).

    The repetitions of :func:`find_repetitions`, without the diagnostics.
    """
    return find_repetitions(signal, times_s, config).repetitions


def segment_repetitions(
    predictions: VideoPredictions,
    config: SegmentationConfig,
    *,
    source: Path | str | None = None,
    angles: Sequence[str] = (),
    observed: npt.ArrayLike | None = None,
) -> Segmentation:
    """Segment a trial into repetitions and measure each one; the result carries its configuration.

    Parameters
    ----------
    predictions
        The trial.
    config
        Which signal and which thresholds. Its ``method_version`` must be the current one.
    source
        The predictions file, recorded by name in the result.
    angles
        Clinical angles to measure per repetition, by registry name
        (:func:`~neuropose.analysis.clinical_angles.angle_definitions`); a name without a side
        (``knee_flexion``) measures both sides and their symmetry.
    observed
        ``(frames, joints)`` booleans: which samples were observed (for example
        ``flags & QualityFlag.OBSERVED``); default: the finite samples.

    Raises
    ------
    AnalysisError
        If the configuration asks for an older method version.
    UnknownJointError, UnknownAngleError, SkeletonSupportError, MissingPersonError, TimestampError
        As the signal and the angles need.
    """
    from neuropose.analysis.measures import repetition_measures, segmentation_series
    from neuropose.schema import SEGMENTATION_METHOD_VERSION, Segmentation

    if config.method_version != SEGMENTATION_METHOD_VERSION:
        raise AnalysisError(
            f"this configuration asks for segmentation method version {config.method_version}, "
            f"and this package implements version {SEGMENTATION_METHOD_VERSION}; set "
            f"method_version={SEGMENTATION_METHOD_VERSION} to segment with the current method"
        )
    signal, unit = extract_signal(predictions, config)
    found = find_repetitions(signal, predictions.times_s, config, unit=unit)
    series = segmentation_series(
        predictions, config, signal, unit, angles=angles, observed=observed
    )
    measures = repetition_measures(series, predictions.times_s, found.repetitions)
    return Segmentation(
        config=config,
        source_file_name=Path(source).name if source else predictions.metadata.file_name,
        source_video_sha256=predictions.metadata.sha256,
        signal_unit=unit,
        repetitions=found.repetitions,
        prominence_threshold=found.prominence_threshold,
        measures=measures,
        notes=found.notes,
    )


def split_repetitions(
    predictions: VideoPredictions, repetitions: Sequence[Repetition]
) -> list[VideoPredictions]:
    """One predictions object per repetition: every array cut to the repetition's frames.

    Frame times keep their values (seconds from the start of the original video), and the
    metadata keep the original video's name and SHA-256, so each part can be traced back; the
    frame count and duration are the part's.

    Raises
    ------
    ShapeMismatchError
        If a repetition's frames are not inside the predictions.
    """
    times = np.asarray(predictions.times_s, np.float64)
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    fields: dict[str, Any] = {
        name: getattr(predictions, name) for name in type(predictions).model_fields
    }
    parts: list[VideoPredictions] = []
    for k, repetition in enumerate(repetitions):
        start, end = repetition.start, min(repetition.end, len(times))
        if not 0 <= start < end <= len(times):
            raise ShapeMismatchError(
                f"repetition {k} spans frames [{repetition.start}, {repetition.end}), outside "
                f"the {len(times)} frames of {predictions.metadata.file_name}"
            )
        stop_s = times[end] if end < len(times) else times[-1] + step
        metadata = predictions.metadata.model_copy(
            update={
                "frame_count": end - start,
                "duration_s": max(0.0, float(stop_s - times[start])),
            }
        )
        arrays = {
            name: None if array is None else np.array(array[start:end])
            for name, array in predictions.arrays().items()
        }
        values: dict[str, Any] = {**fields, **arrays, "metadata": metadata}
        parts.append(type(predictions)(**values))
    return parts

"""Repetition segmentation: cut a trial into repetitions of the same movement.

A 1-D signal is extracted from one person's poses (see :class:`SegmentationConfig`), gaps are
interpolated, optionally smoothed, and peaks are found with a minimum spacing (seconds) and a
minimum prominence. Each repetition runs from the lowest point before its peak to the lowest
point before the next repetition's peak (valley to valley), as ``[start, end)`` frame indices.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import AnalysisError
from neuropose.analysis.angles import joint_angle
from neuropose.analysis.resample import interpolate_gaps
from neuropose.analysis.stats import find_peaks
from neuropose.analysis.trajectories import joint_indices, person_trajectory

if TYPE_CHECKING:
    from neuropose.schema import Repetition, Segmentation, SegmentationConfig, VideoPredictions

__all__ = ["extract_signal", "segment_repetitions", "segment_signal", "smooth"]

_AXES = {"x": 0, "y": 1, "z": 2}
_UNITS = {
    "joint_axis": "mm",
    "joint_pair_distance": "mm",
    "joint_speed": "mm/s",
    "joint_angle": "deg",
}


def extract_signal(
    predictions: VideoPredictions, config: SegmentationConfig
) -> tuple[npt.NDArray[np.float64], str]:
    """Build the 1-D signal a configuration describes, with NaN where the person is missing.

    Returns
    -------
    signal, unit
        One value per frame, and its unit (``"mm"``, ``"mm/s"`` or ``"deg"``).

    Raises
    ------
    UnknownJointError
        A joint name is not in the file's skeleton.
    MissingPersonError
        The person never appears.
    """
    poses = person_trajectory(predictions, config.person)
    joints = joint_indices(predictions.skeleton, config.joints)
    if config.extractor == "joint_axis":
        assert config.axis is not None  # the config validates this
        signal = poses[:, joints[0], _AXES[config.axis]]
    elif config.extractor == "joint_pair_distance":
        signal = np.linalg.norm(poses[:, joints[0]] - poses[:, joints[1]], axis=-1)
    elif config.extractor == "joint_speed":
        times = np.asarray(predictions.times_s, np.float64)
        if len(times) < 2:
            signal = np.zeros(len(times))
        else:
            position = poses[:, joints[0]]
            speed = np.linalg.norm(np.gradient(position, times, axis=0), axis=-1)
            signal = speed
    else:
        signal = joint_angle(poses, *joints)
    return np.asarray(signal, np.float64), _UNITS[config.extractor]


def smooth(signal: npt.ArrayLike, window_frames: int) -> npt.NDArray[np.float64]:
    """Centred moving average over ``window_frames`` (odd, edges averaged over what exists)."""
    values = np.asarray(signal, np.float64)
    if window_frames <= 1 or len(values) == 0:
        return values.copy()
    half = window_frames // 2
    kernel = np.ones(2 * half + 1)
    sums = np.convolve(values, kernel, mode="same")
    counts = np.convolve(np.ones_like(values), kernel, mode="same")
    return sums / counts


def _valley(values: npt.NDArray[np.float64], lo: int, hi: int) -> int:
    """Centre of the flat bottom between ``lo`` and ``hi``.

    The plain argmin wanders along a flat, noisy bottom; the middle of the contiguous run of
    frames within 10 % of the local depth of the minimum does not.
    """
    window = values[lo : hi + 1]
    lowest = int(np.argmin(window))
    depth = max(window[0], window[-1]) - window[lowest]
    if depth <= 0:
        return lo + lowest
    low = window <= window[lowest] + 0.1 * depth
    start = lowest
    while start > 0 and low[start - 1]:
        start -= 1
    stop = lowest
    while stop < len(window) - 1 and low[stop + 1]:
        stop += 1
    return lo + (start + stop) // 2


def segment_signal(
    signal: npt.ArrayLike, times_s: npt.ArrayLike, config: SegmentationConfig
) -> tuple[Repetition, ...]:
    """Find repetitions in a 1-D signal sampled at ``times_s`` (seconds).

    Parameters in seconds are converted to frames with the median frame interval.

    Raises
    ------
    AnalysisError
        If the signal has no valid value at all.
    """
    from neuropose.schema import Repetition

    values = np.asarray(signal, np.float64)
    times = np.asarray(times_s, np.float64)
    if values.shape != times.shape:
        raise AnalysisError(f"signal ({values.shape}) and times ({times.shape}) differ in length")
    if not np.isfinite(values).any():
        raise AnalysisError(
            "the signal has no valid value (the person is missing or joints are degenerate)"
        )
    values = interpolate_gaps(values, times)
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    step = step if step > 0 else 1.0
    if config.smoothing_s > 0:
        values = smooth(values, round(config.smoothing_s / step) | 1)
    if config.invert:
        values = -values
    prominence = config.min_prominence
    if prominence is None:
        low, high = np.percentile(values, [5, 95])
        prominence = max(config.relative_prominence * float(high - low), np.finfo(float).tiny)
    distance = max(1, round(config.min_period_s / step))
    peaks, _ = find_peaks(values, distance=distance, prominence=prominence)
    if len(peaks) == 0:
        return ()
    # Valleys: the lowest stretch between consecutive peaks, and before the first / after the last.
    bounds = [0, *peaks.tolist(), len(values) - 1]
    valleys = [_valley(values, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    repetitions = []
    for k, peak in enumerate(peaks.tolist()):
        start, end = valleys[k], valleys[k + 1]
        end = max(end, peak + 1)
        repetitions.append(
            Repetition(
                start=start,
                peak=peak,
                end=end,
                start_s=float(times[start]),
                peak_s=float(times[peak]),
                end_s=float(times[min(end, len(times) - 1)]),
            )
        )
    return tuple(repetitions)


def segment_repetitions(
    predictions: VideoPredictions, config: SegmentationConfig, *, source: Path | str | None = None
) -> Segmentation:
    """Segment a trial into repetitions; the result carries its configuration.

    Parameters
    ----------
    predictions
        The trial.
    config
        Which signal and which thresholds.
    source
        The predictions file, recorded by name in the result.
    """
    from neuropose.schema import Segmentation

    signal, unit = extract_signal(predictions, config)
    repetitions = segment_signal(signal, predictions.times_s, config)
    return Segmentation(
        config=config,
        source_file_name=Path(source).name if source else predictions.metadata.file_name,
        source_video_sha256=predictions.metadata.sha256,
        signal_unit=unit,
        repetitions=repetitions,
    )

"""Resampling along time: filling gaps, stretching to a fixed length, padding.

The first axis of every input is time; other axes are independent series.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import ShapeMismatchError
from neuropose.analysis._poses import FloatArray
from neuropose.analysis.kinematics import check_times, merge_repeated_times

__all__ = ["interpolate_gaps", "pad_to_length", "time_normalize"]


def interpolate_gaps(values: npt.ArrayLike, times_s: npt.ArrayLike | None = None) -> FloatArray:
    """Fill NaN frames by linear interpolation over time; ends take the nearest valid value.

    Parameters
    ----------
    values
        Array whose first axis is time; each other element is a separate series.
    times_s
        Frame times in seconds (default: frame indices).
    """
    array = np.asarray(values, dtype=np.float64)
    frames = array.shape[0]
    times = np.arange(frames, dtype=float) if times_s is None else np.asarray(times_s, float)
    flat = array.reshape(frames, -1).copy()
    for column in range(flat.shape[1]):
        series = flat[:, column]
        valid = np.isfinite(series)
        if valid.all() or not valid.any():
            continue
        series[~valid] = np.interp(times[~valid], times[valid], series[valid])
    return flat.reshape(array.shape)


def time_normalize(
    values: npt.ArrayLike, length: int, times_s: npt.ArrayLike | None = None
) -> FloatArray:
    """Resample a sequence to ``length`` samples evenly spaced in time (0 % to 100 % of the movement).

    Parameters
    ----------
    values
        Sequence whose first axis is time; other axes are independent series.
    length
        Samples wanted; sample ``k`` is at ``k / (length - 1)`` of the movement's duration.
    times_s
        Frame times in seconds. Give them whenever the frame rate may vary (phone videos): the
        percentages are then of elapsed time, as they must be. Without them, frames are taken
        as equally spaced. Runs of equal timestamps count as one sample (their mean).

    Returns
    -------
    ndarray
        ``(length, ...)``; NaN frames are interpolated over time first, so the result has NaN
        only where a series is NaN in every frame.

    Raises
    ------
    ShapeMismatchError
        If the sequence is empty, ``length < 1``, or ``times_s`` does not match it.
    TimestampError
        If ``times_s`` is not finite, goes backwards, or never advances over several frames.
    """
    array = np.asarray(values, dtype=np.float64)
    frames = array.shape[0] if array.ndim else 0
    if frames == 0 or length < 1:
        raise ShapeMismatchError(f"cannot resample {frames} frames to {length}")
    if times_s is None:
        times = np.linspace(0.0, 1.0, frames)
    else:
        check_times(times_s, frames, advancing=frames > 1)
        array, times, _ = merge_repeated_times(array, times_s)
        frames = len(times)
    array = interpolate_gaps(array, times)
    flat = array.reshape(frames, -1)
    if frames == 1:
        out = np.repeat(flat, length, axis=0)
    else:
        new = np.linspace(float(times[0]), float(times[-1]), length)
        out = np.stack([np.interp(new, times, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return out.reshape((length, *array.shape[1:]))


def pad_to_length(
    values: npt.ArrayLike, length: int, *, mode: Literal["nan", "edge"] = "nan"
) -> FloatArray:
    """Pad (or refuse to truncate) a sequence along time to ``length`` frames.

    Parameters
    ----------
    values
        Sequence whose first axis is time.
    length
        Frames wanted.
    mode
        ``"nan"`` appends NaN frames; ``"edge"`` repeats the last frame.

    Raises
    ------
    ShapeMismatchError
        If the sequence is already longer than ``length``.
    """
    array = np.asarray(values, dtype=np.float64)
    extra = length - array.shape[0]
    if extra < 0:
        raise ShapeMismatchError(f"sequence has {array.shape[0]} frames, more than {length}")
    if mode == "edge" and array.shape[0]:
        tail = np.repeat(array[-1:], extra, axis=0)
    else:
        tail = np.full((extra, *array.shape[1:]), np.nan)
    return np.concatenate([array, tail], axis=0)

"""Derivatives over time, taken from the frame timestamps (never from a frame rate).

Phone videos have a variable frame rate, and their timestamps sometimes repeat (two frames
stamped with the same time). Every derivative here uses ``times_s`` and treats a run of equal
timestamps explicitly: the frames of the run are one sample (their mean), the derivative is
taken over the distinct times, and each frame of the run gets its sample's derivative. No
division by a zero time step happens anywhere, so no NaN or infinity comes from repeated times.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import ShapeMismatchError, TimestampError
from neuropose.analysis._poses import FloatArray

__all__ = ["check_times", "merge_repeated_times", "speed", "time_derivative"]


def check_times(
    times_s: npt.ArrayLike, frames: int | None = None, *, advancing: bool = False
) -> FloatArray:
    """Return frame times as float64 seconds, or say what is wrong with them.

    Parameters
    ----------
    times_s
        One time per frame, seconds.
    frames
        The number of frames the times must describe, if known.
    advancing
        Also require at least two distinct times (anything measured per second needs them).

    Raises
    ------
    TimestampError
        If the times are not 1-D, not finite, go backwards, or (with ``advancing``) never
        advance; the message gives the first offending frame.
    ShapeMismatchError
        If there are not ``frames`` of them.
    """
    times = np.asarray(times_s, dtype=np.float64)
    if times.ndim != 1:
        raise TimestampError(f"times_s must be one time per frame (1-D), got shape {times.shape}")
    if frames is not None and len(times) != frames:
        raise ShapeMismatchError(f"{len(times)} frame times for {frames} frames")
    bad = np.flatnonzero(~np.isfinite(times))
    if bad.size:
        raise TimestampError(f"frame {bad[0]} has time {times[bad[0]]}; every time must be finite")
    back = np.flatnonzero(np.diff(times) < 0)
    if back.size:
        k = int(back[0])
        raise TimestampError(
            f"time goes backwards at frame {k + 1} ({times[k]:.6f} s then {times[k + 1]:.6f} s); "
            "sort the frames or repair the timestamps"
        )
    if advancing and (len(times) < 2 or times[-1] == times[0]):
        when = f"{times[0]:.6f} s" if len(times) else "no time at all"
        raise TimestampError(
            f"the {len(times)} frame time(s) never advance (all at {when}): rates and durations "
            "cannot be measured; the file's timestamps are broken (re-run inference, or rebuild "
            "times_s from the video)"
        )
    return times


def merge_repeated_times(
    values: npt.ArrayLike, times_s: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """Collapse runs of equal timestamps into one sample each (the NaN-aware mean of the run).

    Parameters
    ----------
    values
        Array whose first axis is time.
    times_s
        Non-decreasing frame times, seconds.

    Returns
    -------
    unique_values, unique_times, group
        The merged samples and their distinct times, and for every input frame the index of
        its merged sample (so ``unique_values[group]`` maps back to frames).
    """
    array = np.asarray(values, dtype=np.float64)
    times = check_times(times_s, array.shape[0])
    unique_times, group = np.unique(times, return_inverse=True)
    if len(unique_times) == len(times):
        return array.copy(), times.copy(), np.arange(len(times))
    flat = array.reshape(array.shape[0], -1)
    finite = np.isfinite(flat)
    sums = np.zeros((len(unique_times), flat.shape[1]))
    counts = np.zeros_like(sums)
    np.add.at(sums, group, np.where(finite, flat, 0.0))
    np.add.at(counts, group, finite)
    with np.errstate(invalid="ignore", divide="ignore"):
        merged = np.where(counts > 0, sums / counts, np.nan)
    return merged.reshape((len(unique_times), *array.shape[1:])), unique_times, group


def time_derivative(values: npt.ArrayLike, times_s: npt.ArrayLike) -> FloatArray:
    """Rate of change per second along the first axis, from the timestamps.

    Central differences for unevenly spaced samples (second order inside, first order at the
    ends, :func:`numpy.gradient`), after merging runs of equal timestamps
    (:func:`merge_repeated_times`). NaN samples give NaN rates next to them.

    Parameters
    ----------
    values
        Array whose first axis is time (any unit ``u``).
    times_s
        Frame times, seconds, non-decreasing.

    Returns
    -------
    ndarray
        Same shape as ``values``, in ``u`` per second.

    Raises
    ------
    TimestampError
        If the times are broken or never advance.
    """
    array = np.asarray(values, dtype=np.float64)
    check_times(times_s, array.shape[0], advancing=True)
    merged, unique_times, group = merge_repeated_times(array, times_s)
    if len(unique_times) < 2:  # pragma: no cover - check_times(advancing=True) refuses this
        raise TimestampError("a derivative needs two distinct times")
    rates = np.gradient(merged, unique_times, axis=0)
    return np.asarray(rates[group], dtype=np.float64)


def speed(positions: npt.ArrayLike, times_s: npt.ArrayLike) -> FloatArray:
    """Speed (norm of the velocity over the last axis), in position units per second.

    Parameters
    ----------
    positions
        ``(frames, ..., 3)`` positions, e.g. mm.
    times_s
        Frame times, seconds.
    """
    velocity = time_derivative(positions, times_s)
    return np.asarray(np.linalg.norm(velocity, axis=-1), dtype=np.float64)

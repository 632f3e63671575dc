"""Put series on a uniform time grid, for formats that store a rate instead of timestamps.

Phone videos are often variable frame rate; TRC, MOT and C3D record one sampling rate. Series
are linearly interpolated onto ``t0 + i / rate``; a grid sample whose interpolation would use a
missing neighbour is itself missing (no gap is filled here: that is the cleaning step's job).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis.export._data import (
    INTERPOLATED_FLAG,
    MISSING_FLAG,
    OBSERVED_FLAG,
    REASON_FLAGS,
    ExportData,
    PersonSeries,
)
from neuropose.analysis.export._errors import ExportValueError

__all__ = ["UNIFORM_TOLERANCE_S", "blend", "brackets", "to_uniform", "uniform_rate"]

UNIFORM_TOLERANCE_S = 1e-6
"""Largest distance, in seconds, between a frame time and the uniform grid for the frames to
count as uniformly sampled already (and be written without interpolation)."""


def uniform_rate(times_s: npt.ArrayLike) -> float:
    """Return the rate a uniform grid over ``times_s`` should have, in hertz.

    Uniformly sampled frames give their own rate; variable frame rate input gives the inverse
    of the median frame interval, so occasional dropped frames do not lower the rate.

    Raises
    ------
    ExportValueError
        If there are fewer than two frames, or the times do not increase.
    """
    times = np.asarray(times_s, np.float64)
    if times.shape[0] < 2:
        raise ExportValueError(
            f"a sampling rate needs at least two frames; the data have {times.shape[0]}"
        )
    span = float(times[-1] - times[0])
    if span <= 0:
        raise ExportValueError("frame times do not increase; no sampling rate can be derived")
    if _is_uniform(times):
        return (times.shape[0] - 1) / span
    steps = np.diff(times)
    median = float(np.median(steps[steps > 0]))
    return 1.0 / median


def to_uniform(data: ExportData, rate_hz: float | None = None) -> ExportData:
    """Return ``data`` on a uniform time grid starting at its first frame time.

    Parameters
    ----------
    data
        Series on the video's frame times (uniform or not).
    rate_hz
        Rate of the grid in hertz; ``None`` uses :func:`uniform_rate`.

    Returns
    -------
    ExportData
        The same object when the frames are already uniform at ``rate_hz`` (within
        :data:`UNIFORM_TOLERANCE_S`); otherwise series linearly interpolated onto the grid,
        with ``resampled_hz`` set. A grid sample between two frames is missing if it has no
        value, interpolated if either frame was, observed otherwise, and keeps both frames'
        reasons for discarded raw values (low confidence, outlier); ``frame_index`` holds the
        nearest source frame.

    Raises
    ------
    ExportValueError
        If ``rate_hz`` is not a positive finite number, or the data have under two frames.
    """
    times = data.times_s
    rate = uniform_rate(times) if rate_hz is None else float(rate_hz)
    if not np.isfinite(rate) or rate <= 0:
        raise ExportValueError(f"rate_hz must be a positive number of hertz, got {rate_hz!r}")
    span = float(times[-1] - times[0])
    count = int(np.floor(span * rate + 1e-9)) + 1
    grid = times[0] + np.arange(count, dtype=np.float64) / rate
    if count == times.shape[0] and np.max(np.abs(grid - times)) <= UNIFORM_TOLERANCE_S:
        return data
    left, weight = brackets(times, grid)
    right = np.minimum(left + 1, times.shape[0] - 1)
    nearest = np.where(weight < 0.5, left, right)
    identities = tuple(_resample_person(person, left, right, weight) for person in data.identities)
    grid.flags.writeable = False
    frame_index = data.frame_index[nearest].copy()
    frame_index.flags.writeable = False
    return dataclasses.replace(
        data,
        times_s=grid,
        frame_index=frame_index,
        identities=identities,
        resampled_hz=rate,
    )


def _is_uniform(times: npt.NDArray[np.float64]) -> bool:
    count = times.shape[0]
    grid = np.linspace(float(times[0]), float(times[-1]), count)
    return bool(np.max(np.abs(grid - times)) <= UNIFORM_TOLERANCE_S)


def brackets(
    times: npt.NDArray[np.float64], grid: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Index of the frame at or before each grid time, and the weight of the next frame."""
    last = times.shape[0] - 1
    left = np.clip(np.searchsorted(times, grid, side="right") - 1, 0, max(last - 1, 0))
    right = np.minimum(left + 1, last)
    span = times[right] - times[left]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(span > 0, (grid - times[left]) / np.where(span > 0, span, 1.0), 0.0)
    return left, np.clip(weight, 0.0, 1.0)


def blend(
    values: npt.NDArray[np.floating],
    left: npt.NDArray[np.intp],
    right: npt.NDArray[np.intp],
    weight: npt.NDArray[np.float64],
) -> npt.NDArray[Any]:
    """Linear interpolation along axis 0, in the input's dtype; exact where the weight is 0 or 1."""
    shape = (-1,) + (1,) * (values.ndim - 1)
    w = weight.reshape(shape)
    a = values[left].astype(np.float64)
    b = values[right].astype(np.float64)
    # An on-grid sample keeps its bits, and a missing neighbour with zero weight does not
    # poison it (0 * NaN is NaN).
    mixed = np.where(w <= 0.0, a, np.where(w >= 1.0, b, (1.0 - w) * a + w * b))
    return mixed.astype(values.dtype)


def _resample_person(
    person: PersonSeries,
    left: npt.NDArray[np.intp],
    right: npt.NDArray[np.intp],
    weight: npt.NDArray[np.float64],
) -> PersonSeries:
    poses3d = blend(person.poses3d, left, right, weight)
    poses2d = blend(person.poses2d, left, right, weight)
    confidence = None
    if person.confidence is not None:
        confidence = blend(person.confidence, left, right, weight)
    flags = None
    if person.flags is not None:
        w = weight[:, None]
        from_left = np.where(w < 1.0, person.flags[left], 0)
        from_right = np.where(w > 0.0, person.flags[right], 0)
        combined = from_left | from_right
        # One kind bit per sample (what the value is), plus the neighbours' reasons for any
        # discarded raw value: missing if the blend has no value, interpolated if it leans on
        # an interpolated frame, observed otherwise.
        missing = ~np.isfinite(poses3d).all(axis=-1)
        kind = np.where(
            missing,
            MISSING_FLAG,
            np.where(combined & INTERPOLATED_FLAG, INTERPOLATED_FLAG, combined & OBSERVED_FLAG),
        )
        flags = ((combined & REASON_FLAGS) | kind).astype(np.uint8)
    for array in (poses3d, poses2d, confidence, flags):
        if array is not None:
            array.flags.writeable = False
    return PersonSeries(
        track_id=person.track_id,
        poses3d=poses3d,
        poses2d=poses2d,
        confidence=confidence,
        flags=flags,
    )

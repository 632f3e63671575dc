"""Summaries of a signal: NaN-aware statistics and peaks."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import ShapeMismatchError
from neuropose.analysis.resample import interpolate_gaps

__all__ = ["find_peaks", "summary_statistics"]


def summary_statistics(values: npt.ArrayLike) -> dict[str, float | int | None]:
    """NaN-aware mean, standard deviation, minimum, maximum, range and count of valid values."""
    array = np.asarray(values, dtype=np.float64).ravel()
    valid = array[np.isfinite(array)]
    if valid.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "range": None, "valid": 0}
    return {
        "mean": float(valid.mean()),
        "std": float(valid.std(ddof=1)) if valid.size > 1 else 0.0,
        "min": float(valid.min()),
        "max": float(valid.max()),
        "range": float(valid.max() - valid.min()),
        "valid": int(valid.size),
    }


def find_peaks(signal: npt.ArrayLike, **kwargs: Any) -> tuple[npt.NDArray[np.intp], dict[str, Any]]:
    """:func:`scipy.signal.find_peaks` on a 1-D signal whose NaN gaps are interpolated first.

    Keyword arguments (``distance``, ``prominence``, ...) are passed through unchanged, in frames
    and in the signal's unit.
    """
    from scipy.signal import find_peaks as scipy_find_peaks

    array = np.asarray(signal, dtype=np.float64)
    if array.ndim != 1:
        raise ShapeMismatchError(f"find_peaks takes a 1-D signal, got shape {array.shape}")
    peaks, properties = scipy_find_peaks(interpolate_gaps(array), **kwargs)
    return peaks, dict(properties)

"""Peaks of a sampled signal with the minimum spacing in seconds, from the timestamps.

:func:`scipy.signal.find_peaks` takes its ``distance`` in samples, which is wrong as soon as the
frame rate varies. This follows scipy's order of selection with time instead: local maxima
(optionally above a height), then thinning by spacing (the highest peak first, every other
peak closer than ``min_interval_s`` to a kept one dropped), then the prominence threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from neuropose.analysis._poses import FloatArray

__all__ = ["PeakSearch", "peaks_by_time"]


@dataclass(frozen=True, slots=True)
class PeakSearch:
    """Peaks kept, and what the search saw (to explain an empty result).

    Attributes
    ----------
    peaks
        Sample indices of the peaks kept, in time order.
    local_maxima
        How many local maxima the signal has.
    above_height
        How many of those reach the minimum height.
    largest_prominence
        Largest prominence among the spaced candidates (NaN when there were none).
    """

    peaks: npt.NDArray[np.intp]
    local_maxima: int
    above_height: int
    largest_prominence: float


def _thin_by_time(
    candidates: npt.NDArray[np.intp], values: FloatArray, times: FloatArray, min_interval_s: float
) -> npt.NDArray[np.intp]:
    keep = np.ones(len(candidates), dtype=bool)
    kept = np.zeros(len(candidates), dtype=bool)
    peak_times: FloatArray = times[candidates]
    # Highest first; among equal heights the later one first, as scipy does.
    order = np.argsort(values[candidates], kind="stable")[::-1]
    for k in order:
        if not keep[k]:
            continue
        # A margin wider than the interval finds the neighbours; the exact test is on the time
        # difference, which is the same both ways round (t - u == -(u - t) in floating point),
        # so two peaks exactly one interval apart never drop each other.
        low = int(np.searchsorted(peak_times, peak_times[k] - 2 * min_interval_s, side="left"))
        high = int(np.searchsorted(peak_times, peak_times[k] + 2 * min_interval_s, side="right"))
        close = np.abs(peak_times[low:high] - peak_times[k]) < min_interval_s
        # A lower peak never drops one already kept.
        keep[low:high] &= ~close | kept[low:high]
        keep[k] = kept[k] = True
    return candidates[keep]


def peaks_by_time(
    values: FloatArray,
    times: FloatArray,
    *,
    min_interval_s: float,
    prominence: float,
    min_height: float | None = None,
) -> PeakSearch:
    """Find peaks at least ``min_interval_s`` apart with at least ``prominence``.

    Parameters
    ----------
    values
        Finite 1-D signal.
    times
        Non-decreasing sample times, seconds.
    min_interval_s
        Two kept peaks are at least this far apart in time (seconds).
    prominence
        Minimum prominence, in the signal's unit.
    min_height
        Minimum peak value, or ``None``.
    """
    from scipy.signal import find_peaks, peak_prominences

    candidates, _ = find_peaks(values)
    local_maxima = len(candidates)
    if min_height is not None:
        candidates = candidates[values[candidates] >= min_height]
    above_height = len(candidates)
    candidates = _thin_by_time(candidates.astype(np.intp), values, times, min_interval_s)
    if len(candidates) == 0:
        return PeakSearch(candidates, local_maxima, above_height, float("nan"))
    prominences = peak_prominences(values, candidates)[0]
    kept = candidates[prominences >= prominence]
    return PeakSearch(kept, local_maxima, above_height, float(prominences.max()))

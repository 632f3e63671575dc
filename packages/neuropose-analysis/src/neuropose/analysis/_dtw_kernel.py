"""Compiled DTW recurrences (numba), imported only when a DTW is computed.

``cache=True`` stores the machine code on disk after the first call (about a second or two to
compile), so later processes start at full speed.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["accumulate", "backtrack"]


@numba.njit(cache=True, nogil=True)
def accumulate(
    cost: npt.NDArray[np.float64], window: int
) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    """Accumulated cost, padded with a row and column of infinity.

    ``D[i, j] = cost[i-1, j-1] + min(D[i-1, j-1], D[i-1, j], D[i, j-1])``; with ``window >= 0``
    only cells with ``|i - j| <= window`` are reachable.
    """
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        low, high = 1, m
        if window >= 0:
            low, high = max(1, i - window), min(m, i + window)
        for j in range(low, high + 1):
            best = total[i - 1, j - 1]
            best = min(best, total[i - 1, j])
            best = min(best, total[i, j - 1])
            total[i, j] = cost[i - 1, j - 1] + best
    return total


@numba.njit(cache=True, nogil=True)
def backtrack(
    total: npt.NDArray[np.float64],
) -> npt.NDArray[np.intp]:  # pragma: no cover - compiled
    """Trace the optimal path from ``(0, 0)`` to ``(n-1, m-1)``; ties prefer diagonal, up, left."""
    i, j = total.shape[0] - 1, total.shape[1] - 1
    steps = np.empty((i + j, 2), np.intp)
    count = 0
    steps[count] = (i - 1, j - 1)
    count += 1
    while i != 1 or j != 1:
        diagonal, up, left = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
        if diagonal <= up and diagonal <= left:
            i, j = i - 1, j - 1
        elif up <= left:
            i = i - 1
        else:
            j = j - 1
        steps[count] = (i - 1, j - 1)
        count += 1
    return steps[:count][::-1].copy()

"""Compiled DTW (numba), imported only when a DTW is computed.

One kernel serves every case: the accumulated cost is stored only inside the allowed band,
row by row (row ``i`` holds columns ``lo(i) .. hi(i)``), so memory is ``n * width`` floats:
``O(n * w)`` with a Sakoe-Chiba window, ``n * m`` without one. Frame distances are computed in
the loop from exact differences (never the ``|a|^2 + |b|^2 - 2ab`` expansion, which cancels
catastrophically for nearby poses far from the origin), so no cost matrix is ever stored.

``cache=True`` stores the machine code on disk after the first call (about a second or two to
compile), so later processes start at full speed.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["banded_dtw"]

# Let LLVM reorder the sum of squared differences (so it vectorises): the sum is then exact to
# the last bits, not bit-identical to a left-to-right loop. No other fast-math flag: the kernel
# must still compare infinities correctly.
_REASSOCIATE = {"reassoc", "contract"}


@numba.njit(cache=True, nogil=True, inline="always")
def _cell(
    total: npt.NDArray[np.float64], row: int, column: int, lower: int, upper: int, m: int
) -> float:  # pragma: no cover - compiled
    """Accumulated cost at ``(row, column)``, or infinity outside the band or the table."""
    if row < 0 or column < 0:
        return np.inf
    low = max(0, row - lower)
    high = min(m - 1, row + upper)
    if column < low or column > high:
        return np.inf
    return total[row, column - low]


@numba.njit(cache=True, nogil=True, fastmath=_REASSOCIATE)
def banded_dtw(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], lower: int, upper: int
) -> tuple[float, npt.NDArray[np.intp]]:  # pragma: no cover - compiled
    """DTW distance and path between ``a`` (n, d) and ``b`` (m, d) inside a band.

    Cell ``(i, j)`` is allowed when ``-lower <= j - i <= upper``; the caller makes the band
    contain ``(n - 1, m - 1)``. ``D(i, j) = |a_i - b_j| + min(D(i-1, j-1), D(i-1, j),
    D(i, j-1))``; the path is traced back from the last cell, preferring diagonal, then up, then
    left on ties, and never leaves the table (it walks along an edge once it reaches one).
    """
    n, m, dims = a.shape[0], b.shape[0], a.shape[1]
    width = min(m, lower + upper + 1)
    total = np.full((n, width), np.inf)
    for i in range(n):
        low = max(0, i - lower)
        high = min(m - 1, i + upper)
        # The previous row's stretch of the band; rows only move right, so low >= its low.
        previous_low = max(0, i - 1 - lower)
        previous_high = min(m - 1, i - 1 + upper)
        for j in range(low, high + 1):
            squared = 0.0
            for k in range(dims):
                difference = a[i, k] - b[j, k]
                squared += difference * difference
            best = np.inf
            if i == 0 and j == 0:
                best = 0.0
            elif i > 0:
                if previous_low <= j - 1 <= previous_high:
                    best = total[i - 1, j - 1 - previous_low]
                if j <= previous_high:
                    best = min(best, total[i - 1, j - previous_low])
            if j > low:
                best = min(best, total[i, j - 1 - low])
            total[i, j - low] = np.sqrt(squared) + best
    distance = _cell(total, n - 1, m - 1, lower, upper, m)
    steps = np.empty((n + m - 1, 2), np.intp)
    i, j = n - 1, m - 1
    steps[0, 0], steps[0, 1] = i, j
    count = 1
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            diagonal = _cell(total, i - 1, j - 1, lower, upper, m)
            up = _cell(total, i - 1, j, lower, upper, m)
            left = _cell(total, i, j - 1, lower, upper, m)
            if diagonal <= up and diagonal <= left:
                i -= 1
                j -= 1
            elif up <= left:
                i -= 1
            else:
                j -= 1
        steps[count, 0], steps[count, 1] = i, j
        count += 1
    return distance, steps[:count][::-1].copy()

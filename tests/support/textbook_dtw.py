"""DTW written the slow, obvious way, to check the package's DTW against in tests."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt


def textbook_dtw(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Return the unconstrained DTW distance between two sequences, by the textbook recurrence.

    Frames are flattened; the cost of pairing two frames is their Euclidean distance, and
    ``D[i][j] = cost(i, j) + min(D[i-1][j-1], D[i-1][j], D[i][j-1])`` over plain Python lists.
    Shares no code with ``neuropose.analysis`` (no numba, no scipy), so agreement means
    something.
    """
    first = _frames(a)
    second = _frames(b)
    n, m = len(first), len(second)
    total = [[math.inf] * (m + 1) for _ in range(n + 1)]
    total[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = math.dist(first[i - 1], second[j - 1])
            total[i][j] = cost + min(total[i - 1][j - 1], total[i - 1][j], total[i][j - 1])
    return total[n][m]


def _frames(values: npt.ArrayLike) -> list[list[float]]:
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(array.shape[0], -1).tolist()

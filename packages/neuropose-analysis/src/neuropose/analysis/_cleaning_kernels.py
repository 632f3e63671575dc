"""Compiled kernels of cleaning (numba): Hampel identifier, PCHIP resampling, low-pass.

The rolling median keeps its window's valid values sorted (insertion and removal by binary
search), so each step costs O(window) instead of a sort; only windows cut by a gap or an end
are gathered anew. ``cache=True`` stores the machine code on disk after the first call (a few
seconds to compile, once per machine).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["hampel_flags", "pchip_resample", "rolling_median", "zero_phase_lowpass"]


@numba.njit(cache=True, nogil=True)
def _search(window: npt.NDArray[np.float64], count: int, value: float) -> int:  # pragma: no cover
    # Leftmost position of value in the sorted window[:count].
    low, high = 0, count
    while low < high:
        middle = (low + high) // 2
        if window[middle] < value:
            low = middle + 1
        else:
            high = middle
    return low


@numba.njit(cache=True, nogil=True)
def _insert(window: npt.NDArray[np.float64], count: int, value: float) -> int:  # pragma: no cover
    position = _search(window, count, value)
    for k in range(count, position, -1):
        window[k] = window[k - 1]
    window[position] = value
    return count + 1


@numba.njit(cache=True, nogil=True)
def _remove(window: npt.NDArray[np.float64], count: int, value: float) -> int:  # pragma: no cover
    for k in range(_search(window, count, value), count - 1):
        window[k] = window[k + 1]
    return count - 1


@numba.njit(cache=True, nogil=True)
def _replace(
    window: npt.NDArray[np.float64], count: int, old: float, new: float
) -> None:  # pragma: no cover - compiled
    # Put new where old was and restore the order by moving it left or right: one short pass,
    # cheaper than a removal and an insertion in a window of a few values.
    position = 0
    while window[position] != old:
        position += 1
    while position > 0 and window[position - 1] > new:
        window[position] = window[position - 1]
        position -= 1
    while position < count - 1 and window[position + 1] < new:
        window[position] = window[position + 1]
        position += 1
    window[position] = new


@numba.njit(cache=True, nogil=True)
def _select(buffer: npt.NDArray[np.float64], count: int, k: int) -> float:  # pragma: no cover
    # The k-th smallest of buffer[:count] by quickselect (Hoare), reordering the buffer so
    # that buffer[:k] holds values no larger; no allocation.
    low, high = 0, count - 1
    while low < high:
        pivot = buffer[(low + high) // 2]
        i, j = low, high
        while i <= j:
            while buffer[i] < pivot:
                i += 1
            while buffer[j] > pivot:
                j -= 1
            if i <= j:
                buffer[i], buffer[j] = buffer[j], buffer[i]
                i += 1
                j -= 1
        if k <= j:
            high = j
        elif k >= i:
            low = i
        else:
            break
    return buffer[k]


@numba.njit(cache=True, nogil=True)
def _median_in_place(buffer: npt.NDArray[np.float64], count: int) -> float:  # pragma: no cover
    # Median of buffer[:count], reordering the buffer.
    upper = _select(buffer, count, count // 2)
    if count % 2:
        return upper
    lower = buffer[0]  # for an even count, the largest value left of the upper middle
    for k in range(1, count // 2):
        lower = max(lower, buffer[k])
    return 0.5 * (lower + upper)


@numba.njit(cache=True, nogil=True)
def _paired_median(
    series: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    i: int,
    half_width: int,
    scratch: npt.NDArray[np.float64],
) -> float:  # pragma: no cover - compiled
    # Median of the values at offsets -k and +k from i, for every k <= half_width at which
    # both are usable (at least two such k): symmetric around i, so a steady trend does not
    # bias it.
    length = series.shape[0]
    count = 0
    for k in range(1, half_width + 1):
        if i - k < 0 or i + k >= length:
            break
        if usable[i - k] and usable[i + k]:
            count = _insert(scratch, count, series[i - k])
            count = _insert(scratch, count, series[i + k])
    if count < 4:  # a single pair may lie far out on a curve: no judgement
        return np.nan
    return 0.5 * (scratch[count // 2 - 1] + scratch[count // 2])


@numba.njit(cache=True, nogil=True)
def _row_medians(
    series: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    half_width: int,
    out: npt.NDArray[np.float64],
    window: npt.NDArray[np.float64],
    scratch: npt.NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    # Leave-one-out centred median of each usable sample into out (NaN elsewhere). The sorted
    # window serves full windows; windows with a hole or cut by an end use symmetric pairs.
    length = series.shape[0]
    count = 0
    left = 0  # usable values in [i - half_width, i - 1]
    right = 0  # usable values in [i + 1, i + half_width]
    for k in range(min(half_width, length)):
        if usable[k]:
            count = _insert(window, count, series[k])
            if k > 0:
                right += 1
    for i in range(length):
        out[i] = np.nan
        entering = i + half_width
        enters = entering < length and usable[entering]
        leaving = i - half_width - 1
        leaves = leaving >= 0 and usable[leaving]
        if enters and leaves:
            _replace(window, count, series[leaving], series[entering])
        elif enters:
            count = _insert(window, count, series[entering])
        elif leaves:
            count = _remove(window, count, series[leaving])
        right += 1 if enters else 0
        left -= 1 if leaves else 0
        if usable[i]:
            if left == half_width and right == half_width and half_width >= 2:
                # A full window: the middle two once the sample itself is skipped.
                skip = _search(window, count, series[i])
                low = half_width - 1 if half_width - 1 < skip else half_width
                high = half_width if half_width < skip else half_width + 1
                out[i] = 0.5 * (window[low] + window[high])
            else:
                out[i] = _paired_median(series, usable, i, half_width, scratch)
            left += 1
        if i + 1 < length and usable[i + 1]:
            right -= 1


@numba.njit(cache=True, nogil=True)
def rolling_median(
    values: npt.NDArray[np.float64], half_width: int
) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    """Leave-one-out centred median of each valid sample, row by row (NaN = no value).

    The median is over the neighbours within ``half_width`` samples, the sample itself left
    out, so a residual from it is never zero by construction (which would shrink the robust
    scale). Near a gap or an end only offsets valid on both sides count, so the median of a
    steady trend stays on the trend. NaN at invalid samples and where fewer than two offsets
    qualify.
    """
    rows, length = values.shape
    medians = np.empty((rows, length))
    window = np.empty(2 * half_width + 1)
    scratch = np.empty(2 * half_width)
    for row in range(rows):
        usable = ~np.isnan(values[row])
        _row_medians(values[row], usable, half_width, medians[row], window, scratch)
    return medians


@numba.njit(cache=True, nogil=True)
def hampel_flags(
    series: npt.NDArray[np.float64],
    valid: npt.NDArray[np.bool_],
    half_width: int,
    block: int,
    n_sigmas: float,
    min_deviation: float,
) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled
    """Hampel outliers of every coordinate series.

    ``series`` is ``(joints, D, frames)``, ``valid`` ``(joints, frames)``. A valid sample is
    flagged when its residual from its :func:`rolling_median` exceeds ``min_deviation`` and
    ``n_sigmas`` robust standard deviations: 1.4826 x the larger of the median absolute
    residual of its block of ``block`` samples and that of its own window's neighbours
    (blocks with fewer than three residuals judge nothing). Returns ``(joints, D, frames)``.
    """
    joints, dims, length = series.shape
    flagged = np.zeros((joints, dims, length), np.bool_)
    window = np.empty(2 * half_width + 1)
    scratch = np.empty(2 * half_width)
    medians = np.empty(length)
    residual = np.empty(length)
    pool = np.empty(block)
    for joint in range(joints):
        usable = valid[joint]
        for d in range(dims):
            values = series[joint, d]
            _row_medians(values, usable, half_width, medians, window, scratch)
            judged = ~np.isnan(medians)
            for i in range(length):
                residual[i] = abs(values[i] - medians[i]) if judged[i] else np.nan
            for start in range(0, length, block):
                stop = min(start + block, length)
                count = 0
                for i in range(start, stop):
                    if judged[i]:
                        pool[count] = residual[i]
                        count += 1
                if count < 3:
                    continue
                spread = _median_in_place(pool, count)
                limit = max(min_deviation, n_sigmas * 1.4826 * spread)
                for i in range(start, stop):
                    if not judged[i] or residual[i] <= limit:
                        continue
                    # The residuals' own scale around the sample (its neighbours'): where the
                    # motion bends sharply the median lags it on several samples in a row,
                    # and this keeps such a bend from looking like an outlier.
                    local = _paired_median(residual, judged, i, half_width, scratch)
                    if np.isnan(local) or residual[i] > n_sigmas * 1.4826 * local:
                        flagged[joint, d, i] = True
    return flagged


@numba.njit(cache=True, nogil=True)
def _edge_slope(h0: float, h1: float, m0: float, m1: float) -> float:  # pragma: no cover
    # One-sided three-point end slope that keeps the data's shape (Moler, pchiptx; SciPy).
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > 3 * abs(m0):
        return 3 * m0
    return d


@numba.njit(cache=True, nogil=True)
def pchip_resample(
    raw: npt.NDArray[np.float64],
    valid: npt.NDArray[np.bool_],
    times: npt.NDArray[np.float64],
    grid: npt.NDArray[np.float64],
    interval: float,
    max_gap_s: float,
    dropped_factor: float,
    tolerance: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:  # pragma: no cover - compiled
    """Evaluate, joint by joint, a PCHIP through the valid samples at the grid times.

    ``raw`` is ``(joints, D, frames)``, ``valid`` ``(joints, frames)``. Two consecutive valid
    samples enclose a *gap* when frames between them were discarded or their interval exceeds
    ``dropped_factor`` median intervals; a gap whose missing samples would cover more than
    ``max_gap_s`` splits the interpolant into segments (each with SciPy's end rule). Returns
    values ``(joints, D, grid)`` (NaN outside segments) and, per grid time, 0 when observed
    (at a valid sample, or between two consecutive ones), 1 when interpolated across a gap,
    2 when missing.
    """
    joints, dims, frames = raw.shape
    size = grid.shape[0]
    values = np.full((joints, dims, size), np.nan)
    source = np.full((joints, size), 2, np.int8)
    index = np.empty(frames, np.int64)
    gap = np.zeros(frames, np.bool_)
    split = np.zeros(frames, np.bool_)
    slopes = np.zeros((frames, dims))
    for joint in range(joints):
        count = 0
        for i in range(frames):
            if valid[joint, i]:
                index[count] = i
                count += 1
        if count == 0:
            continue
        for k in range(count - 1):
            first, second = index[k], index[k + 1]
            span = times[second] - times[first]
            gap[k] = second - first > 1 or span > dropped_factor * interval
            split[k] = gap[k] and span - interval > max_gap_s + 1e-9
        split[count - 1] = True
        for k in range(count):
            has_before = k > 0 and not split[k - 1]
            has_after = not split[k]
            h0 = h1 = m0 = m1 = 0.0
            for d in range(dims):
                if has_before:
                    h0 = float(times[index[k]] - times[index[k - 1]])
                    m0 = (raw[joint, d, index[k]] - raw[joint, d, index[k - 1]]) / h0
                if has_after:
                    h1 = float(times[index[k + 1]] - times[index[k]])
                    m1 = (raw[joint, d, index[k + 1]] - raw[joint, d, index[k]]) / h1
                if has_before and has_after:
                    if m0 * m1 <= 0:
                        slopes[k, d] = 0.0
                    else:
                        w1, w2 = 2 * h1 + h0, h1 + 2 * h0
                        slopes[k, d] = (w1 + w2) / (w1 / m0 + w2 / m1)
                elif has_after:
                    if not split[k + 1]:
                        h2 = float(times[index[k + 2]] - times[index[k + 1]])
                        m2 = (raw[joint, d, index[k + 2]] - raw[joint, d, index[k + 1]]) / h2
                        slopes[k, d] = _edge_slope(h1, h2, m1, m2)
                    else:
                        slopes[k, d] = m1
                elif has_before:
                    if k > 1 and not split[k - 2]:
                        h2 = float(times[index[k - 1]] - times[index[k - 2]])
                        m2 = (raw[joint, d, index[k - 1]] - raw[joint, d, index[k - 2]]) / h2
                        slopes[k, d] = _edge_slope(h0, h2, m0, m2)
                    else:
                        slopes[k, d] = m0
                else:
                    slopes[k, d] = 0.0
        k = -1
        for g in range(size):
            moment = grid[g]
            while k + 1 < count and times[index[k + 1]] <= moment + tolerance:
                k += 1
            if k < 0:
                continue
            a = index[k]
            if abs(moment - times[a]) <= tolerance:
                for d in range(dims):
                    values[joint, d, g] = raw[joint, d, a]
                source[joint, g] = 0
            elif not split[k]:
                b = index[k + 1]
                h = times[b] - times[a]
                s = (moment - times[a]) / h
                h00 = (1 + 2 * s) * (1 - s) ** 2
                h10 = s * (1 - s) ** 2
                h01 = s * s * (3 - 2 * s)
                h11 = s * s * (s - 1)
                for d in range(dims):
                    values[joint, d, g] = (
                        h00 * raw[joint, d, a]
                        + h10 * h * slopes[k, d]
                        + h01 * raw[joint, d, b]
                        + h11 * h * slopes[k + 1, d]
                    )
                source[joint, g] = 1 if gap[k] else 0
    return values, source


@numba.njit(cache=True, nogil=True)
def _sosfilt(
    sos: npt.NDArray[np.float64],
    state: npt.NDArray[np.float64],
    buffer: npt.NDArray[np.float64],
    count: int,
) -> None:  # pragma: no cover - compiled
    # Second-order sections in transposed direct form II, in place over buffer[:count], from
    # the given per-section state (as scipy.signal.sosfilt with zi).
    sections = sos.shape[0]
    for i in range(count):
        x = buffer[i]
        for s in range(sections):
            y = sos[s, 0] * x + state[s, 0]
            state[s, 0] = sos[s, 1] * x - sos[s, 4] * y + state[s, 1]
            state[s, 1] = sos[s, 2] * x - sos[s, 5] * y
            x = y
        buffer[i] = x


@numba.njit(cache=True, nogil=True)
def zero_phase_lowpass(
    values: npt.NDArray[np.float64],
    finite: npt.NDArray[np.bool_],
    sos: npt.NDArray[np.float64],
    zi: npt.NDArray[np.float64],
    padding: int,
) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    """Filter forwards and backwards each run of finite values longer than ``padding``.

    ``values`` is ``(joints, D, samples)``, ``finite`` ``(joints, samples)``; ``sos`` and
    ``zi`` are a filter's second-order sections and :func:`scipy.signal.sosfilt_zi`. Each run
    is extended at both ends by ``padding`` samples of odd reflection, as
    :func:`scipy.signal.sosfiltfilt` does by default, so the result is the same; shorter runs
    and missing samples are copied unchanged. Returns a new array.
    """
    joints, dims, length = values.shape
    result = values.copy()
    sections = sos.shape[0]
    buffer = np.empty(length + 2 * padding)
    state = np.empty((sections, 2))
    for joint in range(joints):
        start = 0
        while start < length:
            if not finite[joint, start]:
                start += 1
                continue
            stop = start
            while stop < length and finite[joint, stop]:
                stop += 1
            size = stop - start
            if size > padding:
                total = size + 2 * padding
                for d in range(dims):
                    x = values[joint, d]
                    first, last = x[start], x[stop - 1]
                    for k in range(padding):
                        buffer[k] = 2 * first - x[start + padding - k]
                        buffer[padding + size + k] = 2 * last - x[stop - 2 - k]
                    for k in range(size):
                        buffer[padding + k] = x[start + k]
                    for s in range(sections):
                        state[s, 0] = zi[s, 0] * buffer[0]
                        state[s, 1] = zi[s, 1] * buffer[0]
                    _sosfilt(sos, state, buffer, total)
                    buffer[:total] = buffer[:total][::-1].copy()
                    for s in range(sections):
                        state[s, 0] = zi[s, 0] * buffer[0]
                        state[s, 1] = zi[s, 1] * buffer[0]
                    _sosfilt(sos, state, buffer, total)
                    for k in range(size):
                        result[joint, d, start + k] = buffer[total - 1 - padding - k]
            start = stop
    return result

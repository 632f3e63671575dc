"""Compiled (numba) writer of delimited text rows, imported only by the text exporters.

Formatting millions of floats with Python or numpy string conversion takes seconds per column;
this kernel writes the bytes of whole rows directly. Each value is written with a fixed number
of significant digits (9 is enough for every float32 to read back bit-identical), trailing
zeros dropped, in plain decimal notation unless the exponent is extreme.

``cache=True`` keeps the machine code on disk after the first call (a few seconds to compile).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["MAX_VALUE_BYTES", "format_rows"]

MAX_VALUE_BYTES = 32
"""Upper bound on the characters one formatted value takes (sign, 17 digits, point, exponent)."""

# Powers of ten that float64 holds exactly; scaling by them is one correctly rounded operation.
_POW10 = np.array([10.0**k for k in range(23)])


@numba.njit(cache=True, nogil=True)
def _write_int(
    out: npt.NDArray[np.uint8], pos: int, value: int, scratch: npt.NDArray[np.uint8]
) -> int:  # pragma: no cover - compiled
    count = 0
    while True:
        scratch[count] = 48 + value % 10
        value //= 10
        count += 1
        if value == 0:
            break
    for k in range(count):
        out[pos + k] = scratch[count - 1 - k]
    return pos + count


@numba.njit(cache=True, nogil=True)
def _write_value(
    out: npt.NDArray[np.uint8], pos: int, value: float, digits: int, scratch: npt.NDArray[np.uint8]
) -> int:  # pragma: no cover - compiled
    """Write ``value`` with ``digits`` significant digits at ``out[pos]``; return the new end."""
    if value == 0.0:
        out[pos] = 48
        return pos + 1
    if value < 0:
        out[pos] = 45
        pos += 1
        value = -value
    if value < 1e-300:
        out[pos] = 48
        return pos + 1
    # From the binary exponent: value is in [2**(b-1), 2**b), so its decimal exponent is
    # within one of floor((b - 1) * log10(2)); the loop settles it so that the mantissa has
    # exactly `digits` digits.
    exponent = math.floor((math.frexp(value)[1] - 1) * 0.30102999566398120)
    largest = 10**digits
    smallest = largest // 10
    mantissa = 0
    for _ in range(4):
        shift = digits - 1 - exponent
        if 0 <= shift <= 22:
            scaled = value * _POW10[shift]
        elif -22 <= shift < 0:
            scaled = value / _POW10[-shift]
        else:
            scaled = value * 10.0**shift if shift >= 0 else value / 10.0 ** (-shift)
        mantissa = round(scaled)
        if mantissa >= largest:
            exponent += 1
        elif mantissa < smallest:
            exponent -= 1
        else:
            break
    count = digits
    while count > 1 and mantissa % 10 == 0:
        mantissa //= 10
        count -= 1
    for k in range(count):
        scratch[count - 1 - k] = 48 + mantissa % 10
        mantissa //= 10
    if -7 <= exponent < 0:
        out[pos] = 48
        out[pos + 1] = 46
        pos += 2
        for _ in range(-exponent - 1):
            out[pos] = 48
            pos += 1
        for k in range(count):
            out[pos + k] = scratch[k]
        return pos + count
    if 0 <= exponent < 17:
        integer = exponent + 1
        for k in range(min(integer, count)):
            out[pos + k] = scratch[k]
        pos += min(integer, count)
        if integer >= count:
            for _ in range(integer - count):
                out[pos] = 48
                pos += 1
            return pos
        out[pos] = 46
        pos += 1
        for k in range(integer, count):
            out[pos] = scratch[k]
            pos += 1
        return pos
    out[pos] = scratch[0]
    pos += 1
    if count > 1:
        out[pos] = 46
        pos += 1
        for k in range(1, count):
            out[pos] = scratch[k]
            pos += 1
    out[pos] = 101
    pos += 1
    if exponent < 0:
        out[pos] = 45
        pos += 1
        exponent = -exponent
    return _write_int(out, pos, exponent, scratch)


@numba.njit(cache=True, nogil=True)
def format_rows(
    strings: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    values: npt.NDArray[np.floating],
    tail: npt.NDArray[np.int64],
    digits: int,
    separator: int,
    trailing_separator: bool,
    missing: npt.NDArray[np.uint8],
) -> npt.NDArray[np.uint8]:  # pragma: no cover - compiled
    r"""Write rows of ``head`` strings, formatted ``values`` and ``tail`` strings.

    Parameters
    ----------
    strings, offsets
        A table of byte strings: string ``i`` is ``strings[offsets[i]:offsets[i + 1]]``.
    head, tail
        ``(rows, k)`` indices into the string table: the fields before and after the values.
    values
        ``(columns, rows)``: numbers to format (float32 or float64); NaN is written as
        ``missing``.
    digits
        Significant digits per value.
    separator
        Byte between fields (``ord(",")`` or ``ord("\\t")``).
    trailing_separator
        Also end each row's last field with a separator (OpenSim's TRC rows do).
    missing
        Bytes written for NaN (empty for an empty field).

    Returns
    -------
    numpy.ndarray
        The bytes of the rows, each ending in ``\\n``.
    """
    columns = values.shape[0]
    rows = values.shape[1]
    longest = 0
    for i in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[i + 1] - offsets[i])
    per_row = (head.shape[1] + tail.shape[1]) * (longest + 1) + columns * (
        max(32, missing.shape[0]) + 1
    )
    out = np.empty(rows * (per_row + 2), np.uint8)
    scratch = np.empty(24, np.uint8)
    pos = 0
    fields = head.shape[1] + columns + tail.shape[1]
    for r in range(rows):
        field = 0
        for h in range(head.shape[1]):
            s = head[r, h]
            for k in range(offsets[s], offsets[s + 1]):
                out[pos] = strings[k]
                pos += 1
            field += 1
            if field < fields or trailing_separator:
                out[pos] = separator
                pos += 1
        for c in range(columns):
            v = np.float64(values[c, r])
            if math.isnan(v):
                for k in range(missing.shape[0]):
                    out[pos] = missing[k]
                    pos += 1
            else:
                pos = _write_value(out, pos, v, digits, scratch)
            field += 1
            if field < fields or trailing_separator:
                out[pos] = separator
                pos += 1
        for t in range(tail.shape[1]):
            s = tail[r, t]
            for k in range(offsets[s], offsets[s + 1]):
                out[pos] = strings[k]
                pos += 1
            field += 1
            if field < fields or trailing_separator:
                out[pos] = separator
                pos += 1
        out[pos] = 10
        pos += 1
    return out[:pos]

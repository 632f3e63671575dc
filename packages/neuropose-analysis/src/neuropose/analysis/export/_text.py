"""Write large delimited tables fast: string fields from a small table, numbers compiled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

__all__ = ["FLOAT32_DIGITS", "write_rows"]

FLOAT32_DIGITS = 9
"""Significant digits that make every float32 value read back bit-identical."""

_VALUES_PER_CHUNK = 1_000_000


def write_rows(
    handle: BinaryIO,
    strings: Sequence[str],
    head: npt.NDArray[np.int64],
    values: npt.NDArray[np.floating],
    tail: npt.NDArray[np.int64] | None = None,
    *,
    separator: str = ",",
    trailing_separator: bool = False,
    missing: str = "",
    digits: int = FLOAT32_DIGITS,
) -> None:
    """Write one text row per column of ``values`` (one per sample) to ``handle``.

    Parameters
    ----------
    handle
        Binary file open for writing.
    strings
        The distinct text fields; ``head`` and ``tail`` index into it.
    head, tail
        ``(rows, k)`` int64 indices of the fields written before and after the values.
    values
        ``(columns, rows)`` float32 or float64 numbers; NaN is written as ``missing``.
    separator, trailing_separator, missing, digits
        See :func:`neuropose.analysis.export._text_kernel.format_rows`.
    """
    from neuropose.analysis.export._text_kernel import format_rows

    rows = values.shape[1]
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    table = np.frombuffer(b"".join(encoded) or b"\0", np.uint8)
    if tail is None:
        tail = np.zeros((rows, 0), np.int64)
    if values.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        values = values.astype(np.float64)
    step = max(1, _VALUES_PER_CHUNK // max(1, values.shape[0]))
    missing_bytes = np.frombuffer(missing.encode("utf-8"), np.uint8)
    for start in range(0, rows, step):
        stop = min(rows, start + step)
        chunk = format_rows(
            table,
            offsets,
            np.ascontiguousarray(head[start:stop], np.int64),
            np.ascontiguousarray(values[:, start:stop]),
            np.ascontiguousarray(tail[start:stop], np.int64),
            digits,
            ord(separator),
            trailing_separator,
            missing_bytes,
        )
        handle.write(chunk.data)

"""Dynamic time warping between pose sequences.

The distance between sequences ``a`` (n frames) and ``b`` (m frames) is the smallest sum, over a
warping path from ``(0, 0)`` to ``(n-1, m-1)`` with steps ``(1, 0)``, ``(0, 1)`` and ``(1, 1)``,
of the Euclidean distance between the frames the path pairs. For poses, a frame is the
flattened ``(joints * 3)`` vector in millimetres, so the distance is in millimetres summed over
path steps; ``normalized_distance`` divides by the number of steps.

``method="exact"`` computes it exactly, optionally inside a Sakoe-Chiba band of half-width
``window`` frames. For sequences of unequal length the band is tslearn's
(``sakoe_chiba_radius=window``), which is also dtaidistance's (``window=window + 1``): cell
``(i, j)`` is allowed when ``-(window + max(0, n - m)) <= j - i <= window + max(0, m - n)``,
i.e. the band around the main diagonal is widened by the length difference on the longer
sequence's side only, so the last cell is always reachable. The kernel stores only the band:
memory is ``O(n * window)``, and two 54,000-frame trials with a 30-frame window need a few tens
of MB (``scripts/bench/dtw.py`` measures it). ``method="fastdtw"`` calls the ``fastdtw``
package (an approximation with its own ``radius``, and no window) for comparison.

DTW works on samples, not on seconds: resample variable-frame-rate trials onto a uniform time
grid first if the band or the path should mean the same time everywhere.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Literal, SupportsIndex, TypedDict, Unpack, cast

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import DTWInputError, ShapeMismatchError
from neuropose.analysis._indices import check_joint_indices
from neuropose.analysis.resample import interpolate_gaps

__all__ = [
    "METHODS",
    "NAN_POLICIES",
    "DTWOptions",
    "DTWResult",
    "Method",
    "NanPolicy",
    "dtw",
    "dtw_all",
    "dtw_distance_matrix",
    "dtw_per_joint",
    "dtw_relation",
]

Method = Literal["exact", "fastdtw"]
"""DTW algorithms: ``"exact"`` (this package's kernel) or ``"fastdtw"`` (the approximation)."""
METHODS: tuple[Method, ...] = ("exact", "fastdtw")
"""The values of ``method`` that :func:`dtw` accepts."""
NanPolicy = Literal["propagate", "interpolate", "drop"]
"""What :func:`dtw` does with NaN frames (see its ``nan_policy`` parameter)."""
NAN_POLICIES: tuple[NanPolicy, ...] = ("propagate", "interpolate", "drop")
"""The values of ``nan_policy`` that :func:`dtw` accepts."""


class DTWOptions(TypedDict, total=False):
    """The keyword options of :func:`dtw`, passed through by :func:`dtw_all` and its siblings."""

    method: Method
    window: int | None
    radius: int
    nan_policy: NanPolicy


@dataclass(frozen=True, slots=True)
class DTWResult:
    """The outcome of one DTW comparison.

    Attributes
    ----------
    distance
        Sum of per-step Euclidean distances along the optimal path (unit of the inputs, mm
        for poses). NaN when ``nan_policy="propagate"`` met a NaN.
    path
        ``(steps, 2)`` int array of ``(index in a, index in b)``, in the inputs' own frame
        indices whatever the NaN policy; empty when the distance is NaN.
    method
        ``"exact"`` or ``"fastdtw"``.
    window
        Sakoe-Chiba half-width in frames (tslearn's radius; see the module docstring for the
        band on unequal lengths), or ``None``; always ``None`` for fastdtw.
    radius
        fastdtw's radius, or ``None`` for the exact method.
    """

    distance: float
    path: npt.NDArray[np.intp]
    method: Method
    window: int | None = None
    radius: int | None = None

    @property
    def normalized_distance(self) -> float:
        """``distance`` divided by the number of path steps."""
        return self.distance / len(self.path) if len(self.path) else float("nan")


def _as_frames(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim < 2 or array.shape[0] == 0:
        raise ShapeMismatchError(
            f"{name} must have a non-empty frame axis first, got shape {array.shape}"
        )
    return array.reshape(array.shape[0], -1)


def _count(value: object, name: str) -> int:
    """Return a non-negative integer option, or raise a named error (booleans are refused)."""
    if isinstance(value, bool):
        raise DTWInputError(f"{name} must be a whole number of frames >= 0, got {value!r}")
    try:
        # A value without __index__ raises the TypeError handled below.
        number = operator.index(cast(SupportsIndex, value))
    except TypeError:
        raise DTWInputError(
            f"{name} must be a whole number of frames >= 0, got {value!r}"
        ) from None
    if number < 0:
        raise DTWInputError(
            f"{name} must be >= 0 frames, got {number} (0 pairs frame i with frame i only; "
            "leave it unset for no band)"
        )
    return number


def _check_options(
    method: object, window: object, radius: object, nan_policy: object
) -> tuple[int | None, int]:
    if method not in METHODS:
        raise DTWInputError(f"method must be 'exact' or 'fastdtw', not {method!r}")
    if nan_policy not in NAN_POLICIES:
        raise DTWInputError(
            f"nan_policy must be 'propagate', 'interpolate' or 'drop', not {nan_policy!r}"
        )
    checked_window = None if window is None else _count(window, "window")
    if checked_window is not None and method == "fastdtw":
        raise DTWInputError(
            "fastdtw has no Sakoe-Chiba window (it would be ignored); use its radius, or "
            "method='exact' with the window"
        )
    return checked_window, _count(radius, "radius")


def _check_infinite(array: npt.NDArray[np.float64], name: str) -> None:
    infinite = np.isinf(array)
    if infinite.any():
        frame, feature = np.argwhere(infinite)[0]
        raise DTWInputError(
            f"{name} holds an infinite value (frame {frame}, value {feature}); DTW needs finite "
            "numbers (NaN marks a missing frame)"
        )


def _check_interpolable(array: npt.NDArray[np.float64], name: str) -> None:
    empty = np.flatnonzero(np.isnan(array).all(axis=0))
    if empty.size:
        raise DTWInputError(
            f"value {empty[0]} of every frame of {name} is NaN ({empty.size} such value(s)): "
            "there is nothing to interpolate from; leave those values out (for poses, a joint "
            "that is never seen), or use nan_policy='drop' or 'propagate'"
        )


def _exact(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], window: int | None
) -> tuple[float, npt.NDArray[np.intp]]:
    from neuropose.analysis import _dtw_kernel

    n, m = len(a), len(b)
    if window is None:
        lower, upper = n - 1, m - 1
    else:
        lower, upper = window + max(0, n - m), window + max(0, m - n)
    distance, path = _dtw_kernel.banded_dtw(
        np.ascontiguousarray(a), np.ascontiguousarray(b), min(lower, n - 1), min(upper, m - 1)
    )
    return float(distance), path


def _fast(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], radius: int
) -> tuple[float, npt.NDArray[np.intp]]:
    from fastdtw import fastdtw

    def euclidean(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
        return float(np.sqrt(np.sum((x - y) ** 2)))

    distance, path = fastdtw(a, b, radius=radius, dist=euclidean)
    return float(distance), np.asarray(path, dtype=np.intp)


def dtw(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    method: Method = "exact",
    window: int | None = None,
    radius: int = 1,
    nan_policy: NanPolicy = "propagate",
) -> DTWResult:
    """DTW between two sequences whose first axis is time (other axes are flattened per frame).

    Parameters
    ----------
    a, b
        Sequences of any per-frame shape, equal between the two.
    method
        ``"exact"`` (default) or ``"fastdtw"``.
    window
        Sakoe-Chiba half-width in frames, ``>= 0``, for ``"exact"`` only. Equal lengths:
        ``|i - j| <= window``. Unequal lengths: tslearn's band (dtaidistance's with
        ``window + 1``), widened by ``|n - m|`` on the longer sequence's side (module
        docstring). ``None``: no band.
    radius
        fastdtw's radius (``>= 0``).
    nan_policy
        ``"propagate"``: NaN anywhere gives a NaN distance and an empty path.
        ``"interpolate"``: NaN frames are filled by linear interpolation over frames first
        (a value NaN in every frame is refused).
        ``"drop"``: frames with NaN are removed before warping; path indices still refer to the
        original frames.

    Raises
    ------
    ShapeMismatchError
        If per-frame shapes differ, or a sequence is empty (after dropping NaN frames).
    DTWInputError
        For an unknown method or NaN policy; a window or radius that is not a whole number
        ``>= 0``; a window with fastdtw; an infinite input value; a value NaN in every frame
        under ``"interpolate"``; or inputs so large that frame distances overflow to infinity.
    """
    window, radius = _check_options(method, window, radius, nan_policy)
    first, second = _as_frames(a, "a"), _as_frames(b, "b")
    if first.shape[1] != second.shape[1]:
        raise ShapeMismatchError(
            f"frames of a ({first.shape[1]} values) and b ({second.shape[1]}) differ in size"
        )
    _check_infinite(first, "a")
    _check_infinite(second, "b")
    index_a, index_b = np.arange(len(first)), np.arange(len(second))
    if nan_policy == "interpolate":
        _check_interpolable(first, "a")
        _check_interpolable(second, "b")
        first, second = interpolate_gaps(first), interpolate_gaps(second)
    elif nan_policy == "drop":
        index_a = index_a[np.isfinite(first).all(axis=1)]
        index_b = index_b[np.isfinite(second).all(axis=1)]
        first, second = first[index_a], second[index_b]
        if not len(first) or not len(second):
            raise ShapeMismatchError("no frame is left after dropping frames with NaN")
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        return DTWResult(float("nan"), np.empty((0, 2), np.intp), method, window)
    if method == "exact":
        distance, path = _exact(first, second, window)
    else:
        distance, path = _fast(first, second, radius)
    if not np.isfinite(distance):
        raise DTWInputError(
            "frame distances overflow to infinity (values near the float64 limit of 1.8e308); "
            "rescale the inputs, e.g. millimetres to metres"
        )
    mapped = np.stack([index_a[path[:, 0]], index_b[path[:, 1]]], axis=1)
    return DTWResult(
        distance,
        mapped,
        method,
        window if method == "exact" else None,
        radius if method == "fastdtw" else None,
    )


def _check_poses(
    a: npt.ArrayLike, b: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    first, second = np.asarray(a, np.float64), np.asarray(b, np.float64)
    for name, array in (("a", first), ("b", second)):
        if array.ndim != 3 or array.shape[-1] != 3:
            raise ShapeMismatchError(
                f"{name} must be shaped (frames, joints, 3), got {array.shape}"
            )
    if first.shape[1] != second.shape[1]:
        raise ShapeMismatchError(
            f"a has {first.shape[1]} joints and b has {second.shape[1]}: use the same skeleton"
        )
    return first, second


def dtw_all(a: npt.ArrayLike, b: npt.ArrayLike, **options: Unpack[DTWOptions]) -> DTWResult:
    """DTW over whole poses: each frame is the flattened ``(joints * 3)`` vector (mm).

    Options are those of :func:`dtw`.
    """
    first, second = _check_poses(a, b)
    return dtw(first, second, **options)


def dtw_per_joint(
    a: npt.ArrayLike, b: npt.ArrayLike, **options: Unpack[DTWOptions]
) -> tuple[DTWResult, ...]:
    """One DTW per joint on its 3D trajectory; every joint keeps its own path."""
    first, second = _check_poses(a, b)
    return tuple(dtw(first[:, j], second[:, j], **options) for j in range(first.shape[1]))


def dtw_relation(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    joint: int,
    other: int,
    **options: Unpack[DTWOptions],
) -> DTWResult:
    """DTW on the vector from ``other`` to ``joint`` (how two joints move relative to each other).

    Raises
    ------
    JointIndexError
        If ``joint`` or ``other`` is not an index of the poses' joints.
    """
    first, second = _check_poses(a, b)
    check_joint_indices(first.shape[1], joint=joint, other=other)
    return dtw(first[:, joint] - first[:, other], second[:, joint] - second[:, other], **options)


def _pair_distance(
    job: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], DTWOptions],
) -> float:
    a, b, options = job
    return dtw(a, b, **options).distance


def dtw_distance_matrix(
    sequences: Sequence[npt.ArrayLike],
    *,
    workers: int | None = None,
    **options: Unpack[DTWOptions],
) -> npt.NDArray[np.float64]:
    """Symmetric matrix of DTW distances between every pair of sequences, on every core.

    Parameters
    ----------
    sequences
        Sequences with equal per-frame shape (lengths may differ).
    workers
        Processes to use (default: all cores); 1 computes in this process.
    options
        Passed to :func:`dtw`.
    """
    arrays = [np.asarray(s, np.float64) for s in sequences]
    count = len(arrays)
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    jobs = [(arrays[i], arrays[j], options) for i, j in pairs]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < 2:
        distances = [_pair_distance(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            distances = list(
                pool.map(_pair_distance, jobs, chunksize=max(1, len(jobs) // (4 * workers)))
            )
    matrix = np.zeros((count, count))
    for (i, j), distance in zip(pairs, distances, strict=True):
        matrix[i, j] = matrix[j, i] = distance
    return matrix

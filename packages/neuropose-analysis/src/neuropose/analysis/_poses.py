"""The pose-array convention shared by the analysis modules, and its check."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import ShapeMismatchError

__all__ = ["FloatArray", "as_poses"]

FloatArray = npt.NDArray[np.float64]


def as_poses(poses: npt.ArrayLike, name: str = "poses") -> FloatArray:
    """Return ``poses`` as float64 ``(frames, joints, 3)``, or raise a named error.

    Raises
    ------
    ShapeMismatchError
        If the array is not shaped ``(frames, joints, 3)``.
    """
    array = np.asarray(poses, dtype=np.float64)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ShapeMismatchError(f"{name} must be shaped (frames, joints, 3), got {array.shape}")
    return array

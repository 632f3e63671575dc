"""Normalising poses: relative to a root, to body size, and the alignments used to compare trials.

Inputs are ``(frames, joints, 3)`` poses in millimetres; NaN frames stay NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import AnalysisError, MissingPersonError
from neuropose.analysis._poses import FloatArray, as_poses

if TYPE_CHECKING:
    from neuropose.schema import Skeleton

__all__ = [
    "ALIGNMENTS",
    "Alignment",
    "align_poses",
    "body_scale",
    "normalize_body_size",
    "root_relative",
]

Alignment = Literal["none", "root", "scale"]
"""How :func:`align_poses` prepares poses for comparing trials."""
ALIGNMENTS: tuple[Alignment, ...] = ("none", "root", "scale")
"""The values of ``align`` that :func:`align_poses` accepts."""


def root_relative(poses: npt.ArrayLike, root: int | Sequence[int]) -> FloatArray:
    """Subtract a root position (one joint, or the mean of several) from every joint, per frame.

    Parameters
    ----------
    poses
        ``(frames, joints, 3)``.
    root
        Joint index, or indices whose mean is the root (for example both hips).
    """
    array = as_poses(poses)
    indices = [root] if isinstance(root, int) else list(root)
    return array - array[:, indices].mean(axis=1, keepdims=True)


def body_scale(poses: npt.ArrayLike) -> float:
    """Measure body size robustly: median over frames of the RMS joint distance to the centroid (mm)."""
    array = as_poses(poses)
    centred = (
        array - np.nanmean(array, axis=1, keepdims=True) if np.isfinite(array).any() else array
    )
    with np.errstate(invalid="ignore"):
        per_frame = np.sqrt(np.mean(np.sum(centred**2, axis=-1), axis=-1))
    valid = per_frame[np.isfinite(per_frame)]
    if valid.size == 0:
        raise MissingPersonError("no frame has a complete pose to measure body size from")
    return float(np.median(valid))


def normalize_body_size(poses: npt.ArrayLike) -> FloatArray:
    """Divide root-relative poses by :func:`body_scale` so bodies of any size are comparable.

    Returns unitless poses centred on each frame's joint centroid.
    """
    array = as_poses(poses)
    centred = array - array.mean(axis=1, keepdims=True)
    return centred / body_scale(array)


def align_poses(
    poses: npt.ArrayLike, align: Alignment, *, skeleton: Skeleton | None = None
) -> FloatArray:
    """Prepare poses for a comparison between trials (what ``neuropose compare --align`` does).

    Parameters
    ----------
    poses
        ``(frames, joints, 3)`` in millimetres.
    align
        ``"none"``: unchanged (mm). ``"root"``: each frame minus the midpoint of its hips, so
        where the person stands does not count (mm). ``"scale"``: centred as for ``"root"``,
        then divided by :func:`body_scale` of the centred poses, so body size does not count
        either (unitless, in body sizes).
    skeleton
        The poses' skeleton. The hips are its joints named ``*hip*`` (``lhipb``, ``lhipf``,
        ``lhipl`` and their right mirrors in ``berkeley_mhad_43``; ``left_hip`` and
        ``right_hip`` in ``blazepose_33``; ``lhip`` and ``rhip`` in ``smpl_24``), and their
        mean is the midpoint, as left and right count the same joints. Without a skeleton, or
        for one without hip joints, frames are centred on the mean of all their joints.

    Raises
    ------
    AnalysisError
        If ``align`` is not one of :data:`ALIGNMENTS`.
    MissingPersonError
        For ``"scale"``, when no frame has a complete pose.
    """
    if align not in ALIGNMENTS:
        raise AnalysisError(f"align must be one of {', '.join(ALIGNMENTS)}, not {align!r}")
    array = as_poses(poses)
    if align != "none":
        names = skeleton.joint_names if skeleton is not None else ()
        hips = [k for k, name in enumerate(names) if "hip" in name.lower()]
        centre = array[:, hips] if hips else array
        array = array - centre.mean(axis=1, keepdims=True)
    if align == "scale":
        array = array / body_scale(array)
    return array

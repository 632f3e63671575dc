"""Joint angles: the angle at a joint between the bones to two others, in degrees.

Inputs are ``(frames, joints, 3)`` poses in millimetres; a missing frame gives NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neuropose.analysis._indices import check_joint_indices
from neuropose.analysis._poses import FloatArray, as_poses
from neuropose.analysis.trajectories import joint_indices, person_trajectory

if TYPE_CHECKING:
    from neuropose.schema import VideoPredictions

__all__ = ["joint_angle", "joint_angles"]


def joint_angle(poses: npt.ArrayLike, first: int, vertex: int, last: int) -> FloatArray:
    """Angle at ``vertex`` between the bones to ``first`` and ``last``, in degrees, per frame.

    A zero-length bone or a missing frame gives NaN (no warning). 180 is a straight limb.

    Raises
    ------
    JointIndexError
        If an index is outside ``0 .. joints - 1`` (negative indices are refused).
    ShapeMismatchError
        If ``poses`` is not ``(frames, joints, 3)``.
    """
    array = as_poses(poses)
    check_joint_indices(array.shape[1], first=first, vertex=vertex, last=last)
    u = array[:, first] - array[:, vertex]
    v = array[:, last] - array[:, vertex]
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # atan2 of |u x v| and u . v is accurate near 0 and 180 degrees, unlike arccos.
        angle = np.degrees(
            np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))
        )
    angle[(nu == 0) | (nv == 0) | ~np.isfinite(nu) | ~np.isfinite(nv)] = np.nan
    return angle


def joint_angles(
    predictions: VideoPredictions,
    triplets: Sequence[tuple[str, str, str]],
    *,
    person: int | None = None,
) -> dict[tuple[str, str, str], FloatArray]:
    """Three-joint angles in degrees, by joint names of the file's skeleton.

    Parameters
    ----------
    predictions
        The trial.
    triplets
        ``(end, vertex, end)`` joint names, e.g. ``("lsho1", "lelb", "lwri")`` for the left elbow.
    person
        Track id (a person slot in a file without track ids); ``None`` for the file's only
        person (refused when it holds several).

    Raises
    ------
    UnknownJointError
        When a name is not in the skeleton (the message lists the valid names).
    """
    poses = person_trajectory(predictions, person)
    result: dict[tuple[str, str, str], FloatArray] = {}
    for triplet in triplets:
        first, vertex, last = joint_indices(predictions.skeleton, triplet)
        end_a, middle, end_b = triplet  # three names: joint_indices gave three indices
        result[(end_a, middle, end_b)] = joint_angle(poses, first, vertex, last)
    return result

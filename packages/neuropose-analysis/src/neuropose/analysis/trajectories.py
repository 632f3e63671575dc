"""From predictions to arrays: one person's joints over time, and joint names to indices.

Arrays follow one convention: ``(frames, joints, 3)`` poses in millimetres, camera frame
(x right, y down, z forward); NaN marks frames where the person was not detected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from neuropose.analysis._errors import MissingPersonError, UnknownJointError
from neuropose.analysis._poses import FloatArray

if TYPE_CHECKING:
    from neuropose.schema import Skeleton, VideoPredictions

__all__ = ["joint_indices", "person_trajectory"]


def person_trajectory(
    predictions: VideoPredictions,
    person: int = 0,
    *,
    by: Literal["slot", "track"] = "slot",
    kind: Literal["poses3d", "poses2d"] = "poses3d",
) -> FloatArray:
    """Return one person's joints over time as ``(frames, joints, 3)`` (or ``2``) float64.

    Parameters
    ----------
    predictions
        The video's predictions.
    person
        Person slot (``by="slot"``: 0 is the first person detected in each frame) or track id
        (``by="track"``).
    by
        How ``person`` is interpreted.
    kind
        ``"poses3d"`` (mm) or ``"poses2d"`` (px).

    Returns
    -------
    ndarray
        NaN in frames where that person was not detected.

    Raises
    ------
    MissingPersonError
        If the person is never present.
    """
    source = np.asarray(getattr(predictions, kind), dtype=np.float64)
    frames, joints = predictions.frame_count, predictions.skeleton.joint_count
    result = np.full((frames, joints, source.shape[-1]), np.nan)
    if by == "slot":
        if 0 <= person < predictions.max_people:
            result = source[:, person].copy()
    else:
        rows, slots = np.nonzero(predictions.track_ids == person)
        result[rows] = source[rows, slots]
    if np.all(np.isnan(result)):
        seen = "slots 0.." + str(predictions.max_people - 1) if by == "slot" else "its track ids"
        msg = (
            f"person {person} ({by}) never appears in {predictions.metadata.file_name}; "
            f"check {seen} (the most people in one frame is {predictions.max_people})"
        )
        raise MissingPersonError(msg)
    return result


def joint_indices(skeleton: Skeleton, names: Sequence[str]) -> list[int]:
    """Map joint names to indices along the joint axis.

    Raises
    ------
    UnknownJointError
        For the first name the skeleton lacks; lists the skeleton's joint names.
    """
    result: list[int] = []
    for name in names:
        if name not in skeleton.joint_names:
            msg = (
                f"skeleton '{skeleton.name}' has no joint '{name}'; "
                f"its joints are: {', '.join(skeleton.joint_names)}"
            )
            raise UnknownJointError(msg)
        result.append(skeleton.joint_names.index(name))
    return result

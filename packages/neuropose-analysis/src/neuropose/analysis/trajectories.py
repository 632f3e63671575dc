"""From predictions to arrays: one person's joints over time, and joint names to indices.

Arrays follow one convention: ``(frames, joints, 3)`` poses in millimetres, camera frame
(x right, y down, z forward); NaN marks frames where the person was not detected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import (
    AmbiguousPersonError,
    MissingPersonError,
    NoCameraFrameError,
    UnknownJointError,
)
from neuropose.analysis._poses import FloatArray

if TYPE_CHECKING:
    from neuropose.schema import Skeleton, VideoPredictions

__all__ = [
    "PersonBy",
    "camera_frame_trajectory",
    "joint_indices",
    "person_label",
    "person_trajectory",
    "person_values",
    "resolve_person",
]


PersonBy = Literal["auto", "track", "slot"]
"""How an analysis reads its ``person`` argument: ``"track"`` (a track id), ``"slot"`` (a person
slot: whoever the detector listed there in each frame) or ``"auto"`` (a track id in a tracked
file, a slot in a file without track ids)."""


def resolve_person(
    predictions: VideoPredictions, person: int | None = None, *, by: PersonBy = "auto"
) -> tuple[int, Literal["track", "slot"]]:
    """Turn an analysis's ``person`` argument into a track id or a slot.

    Parameters
    ----------
    predictions
        The video's predictions.
    person
        A track id or slot (as ``by`` says), or ``None`` for the file's only person.
    by
        How ``person`` is read; ``"auto"``: a track id when the file has track ids.

    Returns
    -------
    person, by
        The person and whether it is a ``"track"`` id or a ``"slot"``.

    Raises
    ------
    AmbiguousPersonError
        If ``person`` is ``None`` and the file holds several people (several tracks; or, in an
        untracked file, two people in one frame): nothing here guesses which one is meant
        (:func:`~neuropose.analysis.subject.choose_subject_for` applies the subject rule).
    MissingPersonError
        If ``person`` is ``None`` and nobody was detected.
    """
    from neuropose.schema import NO_TRACK

    ids = np.asarray(predictions.track_ids)
    tracked = bool(np.any(ids != NO_TRACK))
    read: Literal["track", "slot"] = by if by != "auto" else ("track" if tracked else "slot")
    if person is not None:
        return int(person), read
    name = predictions.metadata.file_name
    if read == "track":
        tracks = np.unique(ids[ids != NO_TRACK]).tolist()
        if len(tracks) == 1:
            return int(tracks[0]), "track"
        if not tracks:
            raise MissingPersonError(f"{name} has no track ids; pass a person slot instead")
        raise AmbiguousPersonError(
            f"{name} holds {len(tracks)} tracks ({', '.join(map(str, tracks[:10]))}); say which "
            "person to analyse (neuropose people lists them and picks the subject)"
        )
    if predictions.max_people > 1:
        raise AmbiguousPersonError(
            f"{name} shows {predictions.max_people} people in one frame and has no track ids, "
            "so slot 0 is not one person; track the file (neuropose track) and say which "
            "person to analyse"
        )
    if predictions.max_people == 0:
        raise MissingPersonError(f"nobody was detected in {name}")
    return 0, "slot"


def person_label(
    predictions: VideoPredictions, person: int | None = None, *, by: PersonBy = "auto"
) -> str:
    """Name the person an analysis follows, as outputs record it: ``"track 3"``, ``"slot 0"``.

    Raises
    ------
    AmbiguousPersonError, MissingPersonError
        As :func:`resolve_person`.
    """
    chosen, read = resolve_person(predictions, person, by=by)
    return f"{read} {chosen}"


def person_trajectory(
    predictions: VideoPredictions,
    person: int | None = None,
    *,
    by: PersonBy = "auto",
    kind: Literal["poses3d", "poses2d"] = "poses3d",
) -> FloatArray:
    """Return one person's joints over time as ``(frames, joints, 3)`` (or ``2``) float64.

    Parameters
    ----------
    predictions
        The video's predictions.
    person
        Track id, or person slot (see ``by``); ``None`` for the file's only person.
    by
        How ``person`` is read (:data:`PersonBy`): by default a track id in a tracked file and
        a slot (0 is the first person detected in each frame) in a file without track ids.
    kind
        ``"poses3d"`` (mm) or ``"poses2d"`` (px).

    Returns
    -------
    ndarray
        NaN in frames where that person was not detected (and in joints a cleaned file marks
        missing).

    Raises
    ------
    MissingPersonError
        If the person is never present.
    AmbiguousPersonError
        If ``person`` is ``None`` and the file holds several people.
    """
    chosen, read = resolve_person(predictions, person, by=by)
    result = person_values(predictions, getattr(predictions, kind), chosen, read)
    if np.all(np.isnan(result)):
        seen = "slots 0.." + str(predictions.max_people - 1) if read == "slot" else "its track ids"
        msg = (
            f"person {chosen} ({read}) never appears in {predictions.metadata.file_name}; "
            f"check {seen} (the most people in one frame is {predictions.max_people})"
        )
        raise MissingPersonError(msg)
    return result


def person_values(
    predictions: VideoPredictions,
    array: npt.ArrayLike,
    chosen: int,
    read: Literal["track", "slot"],
    *,
    fill: float = np.nan,
    dtype: npt.DTypeLike = np.float64,
) -> npt.NDArray[Any]:
    """Return one person's rows of a ``(frames, persons, ...)`` array, ``fill`` where absent.

    Parameters
    ----------
    predictions
        The file whose ``track_ids`` say where a track sits.
    array
        One of its per-person arrays (or one shaped like them).
    chosen, read
        The person as :func:`resolve_person` returns it: a track id or a slot.
    fill, dtype
        Value of the frames without the person, and the result's dtype.
    """
    source = np.asarray(array, dtype=dtype)
    result = np.full((source.shape[0], *source.shape[2:]), fill, dtype=source.dtype)
    if read == "slot":
        if 0 <= chosen < source.shape[1]:
            result = source[:, chosen].copy()
    else:
        rows, slots = np.nonzero(predictions.track_ids == chosen)
        result[rows] = source[rows, slots]
    return result


def camera_frame_trajectory(
    predictions: VideoPredictions, person: int | None = None, *, by: PersonBy = "auto"
) -> FloatArray:
    """Return one person's joints in the camera frame, ``(frames, joints, 3)`` millimetres.

    MeTRAbs files are in the camera frame already (this is :func:`person_trajectory`).
    BlazePose files are hip-centred (``units.frame3d``): their origin moves with the person,
    so the pelvis never travels; adding the file's ``root_translation_mm`` (estimated from
    the 2D and 3D joints through the camera, not measured) places the joints in the camera
    frame, which distances travelled (step length, gait speed) need.

    Raises
    ------
    NoCameraFrameError
        If the file is hip-centred and has no ``root_translation_mm``.
    MissingPersonError, AmbiguousPersonError
        As :func:`person_trajectory`.
    """
    from neuropose.schema import Frame3d

    poses = person_trajectory(predictions, person, by=by)
    if predictions.units.frame3d != Frame3d.HIP_CENTRED:
        return poses
    if predictions.root_translation_mm is None:
        raise NoCameraFrameError(
            f"{predictions.metadata.file_name} holds hip-centred poses without "
            "root_translation_mm, so where the person is (and how far they travel) is unknown; "
            "re-run inference with this version of neuropose, which records it"
        )
    chosen, read = resolve_person(predictions, person, by=by)
    root = person_values(predictions, predictions.root_translation_mm, chosen, read)
    return poses + root[:, None, :]


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

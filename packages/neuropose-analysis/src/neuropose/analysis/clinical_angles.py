"""Clinical joint angles: signed angles in body frames, named per skeleton.

Angles are measured in frames attached to the body, never in the camera frame, so turning the
person relative to the camera changes nothing. The axes follow the International Society of
Biomechanics (ISB) recommendations (Wu et al. 2002, 2005): **X anterior, Y superior, Z to the
person's right**, right-handed, for every segment and both sides.

Body frames
    *Pelvis*: Z from the left to the right hip landmark; X and Y from a pelvis-fixed second
    direction: the anterior one from the back to the front pelvis markers when the skeleton has
    them (``berkeley_mhad_43``), else the superior one from the pelvis up its spine
    (``smpl_24``: pelvis to spine1). ``blazepose_33`` has no landmark fixed to the pelvis above
    the hips, so its pelvis takes the superior axis from the trunk (mid-hips to mid-shoulders):
    there, hip angles are thigh-to-trunk angles, and trunk flexion and lateral flexion are not
    defined. *Thorax*: Y from the lower to the upper trunk landmark, Z from the left to the right
    shoulder (or collar) landmark, X = Y x Z. *Thigh and upper arm*: the pelvis (thorax) frame
    turned by the hip (shoulder) flexion and abduction below, with no axial rotation (joint
    centres do not show the rotation of a limb about its own axis).

Angles (degrees)
    *Hip and shoulder*: Cardan angles of the thigh (upper arm), pointing distally, in the pelvis
    (thorax) frame, in ISB's hip order: flexion about Z, then abduction about the floating
    anterior axis. ``flexion = atan2(d_x, -d_y)``, ``abduction = asin(±d_z)`` (``+`` right,
    ``-`` left) for the unit direction ``d``. Positive: flexion (limb forward) and abduction
    (limb away from the midline), on both sides. ISB counts adduction as positive: ours is its
    negative. Abduction is within +-90; an arm raised sideways above the shoulder reads as
    flexion near 180 with the remainder as abduction, so ``shoulder_elevation`` (the angle
    between the upper arm and the thorax's downward axis, 0-180, no sign) is given as well.
    *Knee and elbow*: flexion is 180 minus the included angle at the joint (exact whatever the
    limb's rotation), signed by the side the distal segment lies on in the thigh (upper arm)
    frame: the shank behind the thigh is knee flexion, the forearm in front of the upper arm is
    elbow flexion; the other side is hyperextension (negative).
    *Ankle*: dorsiflexion is 90 minus the angle between the shank (ankle to knee) and the foot
    (heel to toe, or ankle to toe for ``smpl_24``): 0 with the foot perpendicular to the shank,
    positive with the toes toward the shin. ``smpl_24``'s foot joint sits below the ankle, so its
    neutral standing value is negative by a skeleton-dependent offset.
    *Trunk*: Cardan angles of the thorax relative to the pelvis in ISB's order Z, X, Y:
    ``trunk_flexion`` (forward positive; ISB's flexion angle is negative forward),
    ``trunk_lateral_flexion`` (toward the right positive, as ISB) and ``trunk_rotation``
    (the thorax turned to the left, i.e. the right shoulder forward, positive, as ISB).
    Limb rotations (hip, shoulder) and knee/ankle frontal-plane angles are not given: joint
    centres do not observe them.

A frame where a landmark is missing (NaN) or a segment has zero length gives NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._body import (
    LANDMARKS,
    SIDES,
    Body,
    Landmarks,
    Names,
    Side,
    landmarks_for,
    skeleton_of,
    unit_vectors,
)
from neuropose.analysis._errors import SkeletonSupportError, UnknownAngleError
from neuropose.analysis._poses import FloatArray, as_poses

if TYPE_CHECKING:
    from neuropose.schema import AngleConvention, AngleReport, Skeleton, VideoPredictions

__all__ = [
    "ANGLE_SKELETONS",
    "BODY_FRAME",
    "AngleDefinition",
    "angle_definitions",
    "angle_joints",
    "clinical_angle_report",
    "clinical_angle_values",
    "expand_angle_names",
]

Plane = Literal["sagittal", "frontal", "transverse", "any"]

BODY_FRAME = (
    "ISB-style body frames (X anterior, Y superior, Z to the person's right): pelvis from the "
    "hip landmarks and a pelvis-fixed second direction, thorax from the trunk and shoulder "
    "landmarks; thigh and upper arm follow the hip and shoulder flexion and abduction with no "
    "axial rotation"
)
"""How the body frames of every clinical angle are built, in words (written into outputs)."""


@dataclass(frozen=True, slots=True)
class AngleDefinition:
    """One clinical angle: what it measures and its sign.

    Attributes
    ----------
    name
        ``<joint>_<motion>[_<side>]``.
    joint
        ``hip``, ``knee``, ``ankle``, ``shoulder``, ``elbow`` or ``trunk``.
    side
        The person's side, or ``None`` for the trunk.
    motion
        The motion that is positive.
    plane
        Anatomical plane of the motion (``any`` for shoulder elevation).
    positive
        What a positive value means, in words.
    reference
        The frame the angle is measured in.
    """

    name: str
    joint: str
    side: Side | None
    motion: str
    plane: Plane
    positive: str
    reference: str

    @property
    def family(self) -> str:
        """The name without its side (``knee_flexion``): left and right share it."""
        return f"{self.joint}_{self.motion}"

    def convention(self) -> AngleConvention:
        """Return the definition as the schema's :class:`~neuropose.schema.AngleConvention`."""
        from neuropose.schema import AngleConvention

        return AngleConvention(
            name=self.name,
            joint=self.joint,
            side=self.side,
            motion=self.motion,
            plane=self.plane,
            positive=self.positive,
            reference=self.reference,
        )


ANGLE_SKELETONS: tuple[str, ...] = tuple(sorted(LANDMARKS))
"""Skeletons with clinical angle definitions."""

_PELVIS = "pelvis frame"
_THORAX = "thorax frame"


def _definitions_for(landmarks: Landmarks) -> tuple[AngleDefinition, ...]:
    pelvis = _PELVIS + (" (superior axis from the trunk)" if landmarks.pelvis_up_is_trunk else "")
    found: list[AngleDefinition] = []
    for side in SIDES:
        found += [
            AngleDefinition(
                f"hip_flexion_{side}", "hip", side, "flexion", "sagittal",
                "flexion: thigh forward (extension negative)", pelvis,
            ),
            AngleDefinition(
                f"hip_abduction_{side}", "hip", side, "abduction", "frontal",
                "abduction: thigh away from the midline (adduction negative)", pelvis,
            ),
            AngleDefinition(
                f"knee_flexion_{side}", "knee", side, "flexion", "sagittal",
                "flexion: shank behind the thigh (hyperextension negative)", "thigh frame",
            ),
            AngleDefinition(
                f"ankle_dorsiflexion_{side}", "ankle", side, "dorsiflexion", "sagittal",
                "dorsiflexion: toes toward the shin, 0 with the foot perpendicular to the shank "
                "(plantarflexion negative)", "shank",
            ),
            AngleDefinition(
                f"shoulder_flexion_{side}", "shoulder", side, "flexion", "sagittal",
                "flexion: upper arm forward (extension negative)", _THORAX,
            ),
            AngleDefinition(
                f"shoulder_abduction_{side}", "shoulder", side, "abduction", "frontal",
                "abduction: upper arm away from the midline (adduction negative)", _THORAX,
            ),
            AngleDefinition(
                f"shoulder_elevation_{side}", "shoulder", side, "elevation", "any",
                "elevation: angle between the upper arm and the thorax's downward axis (0-180)",
                _THORAX,
            ),
            AngleDefinition(
                f"elbow_flexion_{side}", "elbow", side, "flexion", "sagittal",
                "flexion: forearm in front of the upper arm (hyperextension negative)",
                "upper-arm frame",
            ),
        ]  # fmt: skip
    trunk = "thorax frame relative to the pelvis frame"
    if landmarks.why_no_trunk_bending is None:
        found += [
            AngleDefinition(
                "trunk_flexion", "trunk", None, "flexion", "sagittal",
                "flexion: thorax bent forward (extension negative)", trunk,
            ),
            AngleDefinition(
                "trunk_lateral_flexion", "trunk", None, "lateral_flexion", "frontal",
                "lateral flexion toward the right (toward the left negative)", trunk,
            ),
        ]  # fmt: skip
    found.append(
        AngleDefinition(
            "trunk_rotation", "trunk", None, "rotation", "transverse",
            "rotation of the thorax to the left, right shoulder forward (to the right negative)",
            trunk,
        )
    )  # fmt: skip
    return tuple(found)


_DEFINITIONS: Mapping[str, tuple[AngleDefinition, ...]] = MappingProxyType(
    {name: _definitions_for(landmarks) for name, landmarks in LANDMARKS.items()}
)


def angle_definitions(skeleton: str) -> tuple[AngleDefinition, ...]:
    """Every clinical angle a skeleton supports, in a stable order.

    Raises
    ------
    SkeletonSupportError
        If the skeleton has no definitions; the message lists those that do.
    """
    landmarks_for(skeleton)
    return _DEFINITIONS[skeleton]


def expand_angle_names(skeleton: str, names: Sequence[str]) -> tuple[AngleDefinition, ...]:
    """Resolve angle names; a name without a side (``knee_flexion``) gives the left and right angle.

    Duplicates are dropped, order is kept.

    Raises
    ------
    UnknownAngleError
        For a name the skeleton does not define; the message says why (for an angle other
        skeletons have) and lists the names it has.
    SkeletonSupportError
        If the skeleton has no definitions at all.
    """
    definitions = angle_definitions(skeleton)
    by_name = {d.name: d for d in definitions}
    by_family: dict[str, list[AngleDefinition]] = {}
    for definition in definitions:
        by_family.setdefault(definition.family, []).append(definition)
    chosen: dict[str, AngleDefinition] = {}
    for name in names:
        found = [by_name[name]] if name in by_name else by_family.get(name)
        if not found:
            reason = ""
            why = LANDMARKS[skeleton].why_no_trunk_bending
            if why and name in ("trunk_flexion", "trunk_lateral_flexion"):
                reason = f" ({why})"
            raise UnknownAngleError(
                f"skeleton '{skeleton}' has no clinical angle '{name}'{reason}; its angles are: "
                f"{', '.join(by_name)} (or a name without its side, such as knee_flexion)"
            )
        for definition in found:
            chosen.setdefault(definition.name, definition)
    return tuple(chosen.values())


# ------------------------------------------------------------------------------ geometry
def _local(frame: FloatArray, vectors: FloatArray) -> FloatArray:
    """Express camera-frame vectors in a body frame (``frame^T v`` per frame)."""
    return np.einsum("fji,fj->fi", frame, vectors)


def _degrees(radians: FloatArray) -> FloatArray:
    return np.degrees(radians)


def _included(u: FloatArray, v: FloatArray) -> FloatArray:
    """Angle between vectors, radians, accurate near 0 and pi (atan2 of |u x v| and u . v)."""
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


def _flexion_abduction(
    frame: FloatArray, proximal: FloatArray, distal: FloatArray, side: Side
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cardan flexion and abduction (radians) of a segment pointing distally, and its X axis.

    The segment's X axis (anterior) is the proximal frame's X turned by the flexion about Z:
    ``(cos f, sin f, 0)`` in the proximal frame; abduction does not move it.
    """
    d = _local(frame, unit_vectors(distal - proximal))
    lateral = 1.0 if side == "right" else -1.0
    flexion = np.arctan2(d[:, 0], -d[:, 1])
    abduction = np.arcsin(np.clip(lateral * d[:, 2], -1.0, 1.0))
    anterior_local = np.stack([np.cos(flexion), np.sin(flexion), np.zeros_like(flexion)], -1)
    anterior = np.einsum("fij,fj->fi", frame, anterior_local)
    return flexion, abduction, anterior


def _hinge(
    proximal: FloatArray,
    joint: FloatArray,
    distal: FloatArray,
    anterior: FloatArray,
    flexes_forward: bool,
) -> FloatArray:
    """180 minus the included angle, signed by the distal segment's side of the proximal one."""
    upper, lower = joint - proximal, distal - joint
    magnitude = _included(upper, lower)
    ahead = np.sum(lower * anterior, axis=-1)
    sign = np.where(ahead >= 0, 1.0, -1.0) if flexes_forward else np.where(ahead <= 0, 1.0, -1.0)
    return sign * magnitude


def _trunk(body: Body) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ISB Z-X-Y Cardan angles (radians) of the thorax relative to the pelvis."""
    relative = np.einsum("fji,fjk->fik", body.pelvis(), body.thorax())
    flexion = np.arctan2(-relative[:, 0, 1], relative[:, 1, 1])
    lateral = np.arcsin(np.clip(relative[:, 2, 1], -1.0, 1.0))
    rotation = np.arctan2(-relative[:, 2, 0], relative[:, 2, 2])
    return -flexion, lateral, rotation


def _compute(body: Body, definition: AngleDefinition) -> FloatArray:
    if definition.joint == "trunk":
        flexion, lateral, rotation = _trunk(body)
        by_motion = {"flexion": flexion, "lateral_flexion": lateral, "rotation": rotation}
        return _degrees(by_motion[definition.motion])
    assert definition.side is not None
    limb = body.limb(definition.side)
    if definition.joint in ("hip", "knee"):
        hip, knee = body.point(limb.hip), body.point(limb.knee)
        flexion, abduction, anterior = _flexion_abduction(body.pelvis(), hip, knee, definition.side)
        if definition.joint == "knee":
            ankle = body.point(limb.ankle)
            return _degrees(_hinge(hip, knee, ankle, anterior, flexes_forward=False))
        return _degrees(flexion if definition.motion == "flexion" else abduction)
    if definition.joint == "ankle":
        knee, ankle = body.point(limb.knee), body.point(limb.ankle)
        heel = body.point(limb.heel) if limb.heel is not None else ankle
        foot = body.point(limb.toe) - heel
        return 90.0 - _degrees(_included(knee - ankle, foot))
    shoulder, elbow = body.point(limb.shoulder), body.point(limb.elbow)
    if definition.motion == "elevation":
        d = _local(body.thorax(), elbow - shoulder)
        return _degrees(np.arctan2(np.hypot(d[:, 0], d[:, 2]), -d[:, 1]))
    flexion, abduction, anterior = _flexion_abduction(
        body.thorax(), shoulder, elbow, definition.side
    )
    if definition.joint == "elbow":
        wrist = body.point(limb.wrist)
        return _degrees(_hinge(shoulder, elbow, wrist, anterior, flexes_forward=True))
    return _degrees(flexion if definition.motion == "flexion" else abduction)


def _pelvis_joints(landmarks: Landmarks) -> Names:
    names = landmarks.pelvis_left + landmarks.pelvis_right
    for pair in (landmarks.pelvis_up, landmarks.pelvis_forward):
        if pair is not None:
            names += pair[0] + pair[1]
    return names


def _thorax_joints(landmarks: Landmarks) -> Names:
    return (
        landmarks.thorax_left
        + landmarks.thorax_right
        + landmarks.thorax_low
        + landmarks.thorax_high
    )


def angle_joints(skeleton: str, name: str) -> tuple[str, ...]:
    """Return the joint names one clinical angle is computed from (its frame's and segments').

    Raises
    ------
    UnknownAngleError, SkeletonSupportError
        As :func:`expand_angle_names`; ``name`` must include its side.
    """
    definitions = expand_angle_names(skeleton, [name])
    if len(definitions) != 1:
        raise UnknownAngleError(f"give the angle with its side: {name}_left or {name}_right")
    definition = definitions[0]
    landmarks = landmarks_for(skeleton)
    if definition.joint == "trunk":
        names = _pelvis_joints(landmarks) + _thorax_joints(landmarks)
    else:
        assert definition.side is not None
        limb = landmarks.limbs[definition.side]
        by_joint = {
            "hip": _pelvis_joints(landmarks) + limb.hip + limb.knee,
            "knee": _pelvis_joints(landmarks) + limb.hip + limb.knee + limb.ankle,
            "ankle": limb.knee + limb.ankle + (limb.heel or ()) + limb.toe,
            "shoulder": _thorax_joints(landmarks) + limb.shoulder + limb.elbow,
            "elbow": _thorax_joints(landmarks) + limb.shoulder + limb.elbow + limb.wrist,
        }
        names = by_joint[definition.joint]
    return tuple(dict.fromkeys(names))


def _needed_joints(landmarks: Landmarks) -> set[str]:
    names: set[str] = set()
    for group in (
        landmarks.pelvis_left,
        landmarks.pelvis_right,
        landmarks.thorax_left,
        landmarks.thorax_right,
        landmarks.thorax_low,
        landmarks.thorax_high,
    ):
        names.update(group)
    for pair in (landmarks.pelvis_up, landmarks.pelvis_forward):
        if pair is not None:
            names.update(pair[0] + pair[1])
    for limb in landmarks.limbs.values():
        for group in (limb.hip, limb.knee, limb.ankle, limb.heel or (), limb.toe):
            names.update(group)
        for group in (limb.shoulder, limb.elbow, limb.wrist):
            names.update(group)
    return names


def clinical_angle_values(
    poses: npt.ArrayLike, skeleton: Skeleton | str, names: Sequence[str] | None = None
) -> dict[str, FloatArray]:
    """Clinical angles per frame, in degrees, by registry name.

    Parameters
    ----------
    poses
        ``(frames, joints, 3)`` in millimetres, any frame of reference (camera frame as
        written by the estimator); NaN where a joint is missing.
    skeleton
        The poses' :class:`~neuropose.schema.Skeleton` (joints are found by name), or the name
        of a known skeleton (``berkeley_mhad_43``, ``smpl_24``, ``blazepose_33``), whose joint
        order the poses must then follow.
    names
        Angles to compute (:func:`angle_definitions`; a name without its side gives both
        sides); default: every angle of the skeleton.

    Returns
    -------
    dict
        ``{name: (frames,) degrees}``, in the order of the resolved names; NaN where the angle
        is undefined.

    Raises
    ------
    SkeletonSupportError
        If the skeleton has no angle definitions, or lacks a joint they need (named).
    UnknownAngleError
        For a name the skeleton does not define.
    ShapeMismatchError
        If ``poses`` is not ``(frames, joints, 3)`` with the skeleton's joint count.
    """
    from neuropose.analysis._errors import ShapeMismatchError

    skeleton_name, joint_names = skeleton_of(skeleton)
    landmarks = landmarks_for(skeleton_name)
    missing = sorted(_needed_joints(landmarks) - set(joint_names))
    if missing:
        raise SkeletonSupportError(
            f"skeleton '{skeleton_name}' lacks joint(s) {', '.join(missing)} that its clinical "
            "angles need"
        )
    array = as_poses(poses)
    if array.shape[1] != len(joint_names):
        raise ShapeMismatchError(
            f"poses have {array.shape[1]} joints but skeleton '{skeleton_name}' has "
            f"{len(joint_names)}"
        )
    definitions = (
        angle_definitions(skeleton_name)
        if names is None
        else expand_angle_names(skeleton_name, names)
    )
    body = Body(array, joint_names, landmarks)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {d.name: _compute(body, d) for d in definitions}


def clinical_angle_report(
    predictions: VideoPredictions,
    names: Sequence[str],
    *,
    person: int | None = None,
    source_name: str | None = None,
    triplets: Sequence[tuple[str, str, str]] = (),
    observed: npt.ArrayLike | None = None,
) -> AngleReport:
    """Summarise clinical angles (and optionally three-joint angles) over a trial.

    Parameters
    ----------
    predictions
        The trial; its skeleton must have clinical angle definitions.
    names
        Clinical angle names (a name without its side gives both sides).
    person
        Track id (a person slot in a file without track ids); ``None`` for the file's only
        person (refused when it holds several).
    source_name
        File name recorded as the report's source; defaults to the video's file name.
    triplets
        ``(end, vertex, end)`` joint names of included angles to add (0-180 degrees, unsigned).
    observed
        ``(frames, joints)`` booleans: which samples were observed; default: the finite ones.

    Returns
    -------
    AngleReport
        Per angle: its convention (plane, sign, frame), mean, sample SD, min, max (degrees),
        valid frames and observed fraction.

    Raises
    ------
    UnknownAngleError, SkeletonSupportError, MissingPersonError, UnknownJointError
        For names the skeleton lacks, or a person who never appears.
    """
    from neuropose.analysis.angles import joint_angle
    from neuropose.analysis.measures import angle_series
    from neuropose.analysis.reports import angle_summary
    from neuropose.analysis.stats import summary_statistics
    from neuropose.analysis.trajectories import joint_indices, person_label, person_trajectory
    from neuropose.schema import AngleReport, ClinicalAngleSummary, JointAngleSummary

    poses = person_trajectory(predictions, person)
    summaries: list[ClinicalAngleSummary] = []
    for series in angle_series(poses, predictions.skeleton, names, observed=observed):
        stats = summary_statistics(series.values)
        assert series.definition is not None
        summaries.append(
            ClinicalAngleSummary(
                convention=series.definition.convention(),
                mean_deg=stats["mean"],
                sd_deg=stats["std"] if (stats["valid"] or 0) > 1 else None,
                min_deg=stats["min"],
                max_deg=stats["max"],
                valid_frames=int(stats["valid"] or 0),
                observed_fraction=float(series.observed.mean()) if len(series.observed) else 0.0,
            )
        )
    included: list[JointAngleSummary] = []
    for triplet in triplets:
        first, vertex, last = joint_indices(predictions.skeleton, triplet)
        end_a, middle, end_b = triplet  # three names: joint_indices gave three indices
        included.append(
            angle_summary((end_a, middle, end_b), joint_angle(poses, first, vertex, last))
        )
    return AngleReport(
        source_file_name=source_name or predictions.metadata.file_name,
        skeleton=predictions.skeleton.name,
        person=person_label(predictions, person),
        body_frame=BODY_FRAME,
        angles=tuple(summaries),
        three_joint_angles=tuple(included),
    )

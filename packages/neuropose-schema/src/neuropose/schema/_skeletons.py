"""Skeletons NeuroPose knows by name: joint order, bones, and which joints mirror each other.

A predictions file carries its own :class:`~neuropose.schema.Skeleton`; these tables let a
backend declare the skeleton it produces without asking a model, and let analysis code find
the mirror of a joint (for left/right checks and symmetry measures) without string tricks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from neuropose.schema._errors import SchemaError
from neuropose.schema._skeleton import Skeleton

__all__ = [
    "BERKELEY_MHAD_43",
    "BLAZEPOSE_33",
    "KNOWN_SKELETONS",
    "SMPL_24",
    "KnownSkeleton",
    "known_skeleton",
]


@dataclass(frozen=True, slots=True)
class KnownSkeleton:
    """A skeleton with the joints that mirror each other across the body's midline.

    Attributes
    ----------
    skeleton
        Joint names in array order, and bones as index pairs.
    left_right_pairs
        ``(left, right)`` joint indices of each mirrored pair; joints on the midline (nose,
        pelvis, spine) belong to no pair.
    """

    skeleton: Skeleton
    left_right_pairs: tuple[tuple[int, int], ...]

    @property
    def name(self) -> str:
        """The skeleton's name."""
        return self.skeleton.name

    def mirror(self) -> tuple[int, ...]:
        """Return, for every joint, the index of its mirror (itself for midline joints)."""
        order = list(range(self.skeleton.joint_count))
        for left, right in self.left_right_pairs:
            order[left], order[right] = right, left
        return tuple(order)


def _build(
    name: str,
    joints: tuple[str, ...],
    bones: tuple[tuple[str, str], ...],
    pairs: tuple[tuple[str, str], ...],
) -> KnownSkeleton:
    # Tables are written with names so that a reordering cannot silently break a bone.
    index = {joint: i for i, joint in enumerate(joints)}
    skeleton = Skeleton(
        name=name,
        joint_names=joints,
        joint_edges=tuple((index[a], index[b]) for a, b in bones),
    )
    return KnownSkeleton(skeleton, tuple((index[a], index[b]) for a, b in pairs))


def _sided_pairs(joints: tuple[str, ...], left: str, right: str) -> tuple[tuple[str, str], ...]:
    """Pair every joint that starts with ``left`` with the one that starts with ``right``."""
    names = set(joints)
    pairs: list[tuple[str, str]] = []
    for joint in joints:
        if joint.startswith(left):
            mirror = right + joint.removeprefix(left)
            if mirror in names:
                pairs.append((joint, mirror))
    return tuple(pairs)


_BLAZEPOSE_JOINTS: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

_BLAZEPOSE_BONES: tuple[tuple[str, str], ...] = (
    # Face: eyes to ears through the nose, and the mouth.
    ("nose", "left_eye_inner"), ("left_eye_inner", "left_eye"),
    ("left_eye", "left_eye_outer"), ("left_eye_outer", "left_ear"),
    ("nose", "right_eye_inner"), ("right_eye_inner", "right_eye"),
    ("right_eye", "right_eye_outer"), ("right_eye_outer", "right_ear"),
    ("mouth_left", "mouth_right"),
    # Trunk.
    ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"), ("left_hip", "right_hip"),
    # Arms and hands.
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("left_wrist", "left_pinky"), ("left_wrist", "left_index"),
    ("left_wrist", "left_thumb"), ("left_pinky", "left_index"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("right_wrist", "right_pinky"), ("right_wrist", "right_index"),
    ("right_wrist", "right_thumb"), ("right_pinky", "right_index"),
    # Legs and feet: the heel and the toe tip both hang off the ankle and close a triangle.
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)  # fmt: skip

_BLAZEPOSE_PAIRS = (
    *_sided_pairs(_BLAZEPOSE_JOINTS, "left_", "right_"),
    ("mouth_left", "mouth_right"),
)

BLAZEPOSE_33: KnownSkeleton = _build(
    "blazepose_33", _BLAZEPOSE_JOINTS, _BLAZEPOSE_BONES, _BLAZEPOSE_PAIRS
)
"""MediaPipe Pose's 33 landmarks, in the order PoseLandmarker returns them.

Left and right are the person's own sides. Heels (29, 30) and toe tips (``foot_index``, 31, 32)
are what gait-event detection needs.
"""

_MHAD_JOINTS: tuple[str, ...] = (
    "head", "lhead", "rhead", "rback", "backl", "backt", "lback", "lside", "bell", "chest",
    "rside", "lsho1", "lsho2", "larm", "lelb", "lwri", "lhan1", "lhan2", "lhan3", "rsho1",
    "rsho2", "rarm", "relb", "rwri", "rhan1", "rhan2", "rhan3", "lhipb", "lhipf", "lhipl",
    "lleg", "lkne", "lank", "lhee", "lfoo", "rhipb", "rhipf", "rhipl", "rleg", "rkne", "rank",
    "rhee", "rfoo",
)  # fmt: skip

BERKELEY_MHAD_43: KnownSkeleton = _build(
    "berkeley_mhad_43",
    _MHAD_JOINTS,
    (),
    # "lback"/"rback" pair up like the rest; "backl" and "backt" are midline markers.
    _sided_pairs(_MHAD_JOINTS, "l", "r"),
)
"""The Berkeley MHAD marker set MeTRAbs predicts (NeuroPose's original skeleton).

Bones are left empty here: the MeTRAbs model supplies its own edge table at run time, and the
estimator writes that one into every predictions file.
"""

_SMPL_JOINTS: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip

# SMPL's kinematic tree: each joint to its parent.
_SMPL_BONES: tuple[tuple[str, str], ...] = (
    ("pelvis", "left_hip"), ("pelvis", "right_hip"), ("pelvis", "spine1"),
    ("left_hip", "left_knee"), ("right_hip", "right_knee"), ("spine1", "spine2"),
    ("left_knee", "left_ankle"), ("right_knee", "right_ankle"), ("spine2", "spine3"),
    ("left_ankle", "left_foot"), ("right_ankle", "right_foot"), ("spine3", "neck"),
    ("spine3", "left_collar"), ("spine3", "right_collar"), ("neck", "head"),
    ("left_collar", "left_shoulder"), ("right_collar", "right_shoulder"),
    ("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow"),
    ("left_elbow", "left_wrist"), ("right_elbow", "right_wrist"),
    ("left_wrist", "left_hand"), ("right_wrist", "right_hand"),
)  # fmt: skip

SMPL_24: KnownSkeleton = _build(
    "smpl_24", _SMPL_JOINTS, _SMPL_BONES, _sided_pairs(_SMPL_JOINTS, "left_", "right_")
)
"""The 24 joints of the SMPL body model (MeTRAbs' ``smpl_24``), in SMPL's order.

Bones follow SMPL's kinematic tree. ``left_foot``/``right_foot`` are the toe joints (ball of
the foot); SMPL has no heel joint.
"""

KNOWN_SKELETONS: Mapping[str, KnownSkeleton] = MappingProxyType(
    {known.name: known for known in (BLAZEPOSE_33, BERKELEY_MHAD_43, SMPL_24)}
)
"""Every skeleton of this module, by name."""


def known_skeleton(name: str) -> KnownSkeleton:
    """Return the skeleton called ``name``.

    Raises
    ------
    SchemaError
        If no skeleton has that name; the message lists the known names.
    """
    try:
        return KNOWN_SKELETONS[name]
    except KeyError:
        known = ", ".join(sorted(KNOWN_SKELETONS))
        raise SchemaError(f"no known skeleton '{name}'; known: {known}") from None

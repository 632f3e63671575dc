"""The body model shared by clinical angles and gait: landmarks per skeleton, and body frames.

A skeleton's :class:`Landmarks` say which joints (averaged) make each landmark of the pelvis,
thorax and limbs; :class:`Body` builds the ISB-style pelvis and thorax frames from them (see
:mod:`~neuropose.analysis.clinical_angles` for the conventions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import numpy as np

from neuropose.analysis._errors import SkeletonSupportError
from neuropose.analysis._poses import FloatArray

if TYPE_CHECKING:
    from neuropose.schema import Skeleton

__all__ = [
    "LANDMARKS",
    "SIDES",
    "Body",
    "Landmarks",
    "Limb",
    "Names",
    "Side",
    "landmarks_for",
    "skeleton_of",
    "unit_vectors",
]

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = ("left", "right")

Names = tuple[str, ...]
"""Joint names whose mean is one landmark."""


@dataclass(frozen=True, slots=True)
class Limb:
    """One side's limb landmarks, each a group of joint names."""

    hip: Names
    knee: Names
    ankle: Names
    heel: Names | None
    toe: Names
    shoulder: Names
    elbow: Names
    wrist: Names


@dataclass(frozen=True, slots=True)
class Landmarks:
    """Where a skeleton's body frames and segments come from (joint names, averaged)."""

    pelvis_left: Names
    pelvis_right: Names
    pelvis_up: tuple[Names, Names] | None
    pelvis_forward: tuple[Names, Names] | None
    pelvis_up_is_trunk: bool
    thorax_left: Names
    thorax_right: Names
    thorax_low: Names
    thorax_high: Names
    limbs: Mapping[Side, Limb]
    why_no_trunk_bending: str | None = None


def _limb(prefix: str, names: Mapping[str, str | None]) -> Limb:
    def one(key: str) -> Names:
        value = names[key]
        assert value is not None
        return (prefix + value,)

    heel = names.get("heel")
    return Limb(
        hip=one("hip"),
        knee=one("knee"),
        ankle=one("ankle"),
        heel=(prefix + heel,) if heel else None,
        toe=one("toe"),
        shoulder=one("shoulder"),
        elbow=one("elbow"),
        wrist=one("wrist"),
    )


_SMPL_LIMB = {
    "hip": "hip",
    "knee": "knee",
    "ankle": "ankle",
    "heel": None,
    "toe": "foot",
    "shoulder": "shoulder",
    "elbow": "elbow",
    "wrist": "wrist",
}
_BLAZEPOSE_LIMB = {**_SMPL_LIMB, "heel": "heel", "toe": "foot_index"}
_MHAD_LIMB = {
    "hip": "hipl",
    "knee": "kne",
    "ankle": "ank",
    "heel": "hee",
    "toe": "foo",
    "shoulder": "sho1",
    "elbow": "elb",
    "wrist": "wri",
}

LANDMARKS: Mapping[str, Landmarks] = MappingProxyType(
    {
        "smpl_24": Landmarks(
            pelvis_left=("left_hip",),
            pelvis_right=("right_hip",),
            pelvis_up=(("pelvis",), ("spine1",)),
            pelvis_forward=None,
            pelvis_up_is_trunk=False,
            thorax_left=("left_collar",),
            thorax_right=("right_collar",),
            thorax_low=("spine3",),
            thorax_high=("neck",),
            limbs={s: _limb(f"{s}_", _SMPL_LIMB) for s in SIDES},
        ),
        "blazepose_33": Landmarks(
            pelvis_left=("left_hip",),
            pelvis_right=("right_hip",),
            pelvis_up=(("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")),
            pelvis_forward=None,
            pelvis_up_is_trunk=True,
            thorax_left=("left_shoulder",),
            thorax_right=("right_shoulder",),
            thorax_low=("left_hip", "right_hip"),
            thorax_high=("left_shoulder", "right_shoulder"),
            limbs={s: _limb(f"{s}_", _BLAZEPOSE_LIMB) for s in SIDES},
            why_no_trunk_bending=(
                "blazepose_33 has no landmark fixed to the pelvis above the hips, so its pelvis "
                "frame takes its superior axis from the trunk and the trunk cannot bend in it"
            ),
        ),
        "berkeley_mhad_43": Landmarks(
            pelvis_left=("lhipf",),
            pelvis_right=("rhipf",),
            pelvis_up=None,
            pelvis_forward=(("lhipb", "rhipb"), ("lhipf", "rhipf")),
            pelvis_up_is_trunk=False,
            thorax_left=("lsho1",),
            thorax_right=("rsho1",),
            thorax_low=("lhipf", "rhipf", "lhipb", "rhipb"),
            thorax_high=("lsho1", "rsho1"),
            limbs={"left": _limb("l", _MHAD_LIMB), "right": _limb("r", _MHAD_LIMB)},
        ),
    }
)
"""The landmarks of every skeleton with a body model, by skeleton name."""


def landmarks_for(skeleton: str) -> Landmarks:
    """Return a skeleton's landmarks, or raise naming the skeletons that have them."""
    try:
        return LANDMARKS[skeleton]
    except KeyError:
        raise SkeletonSupportError(
            f"no clinical angles are defined for skeleton '{skeleton}'; they are for: "
            f"{', '.join(sorted(LANDMARKS))}"
        ) from None


def unit_vectors(vectors: FloatArray) -> FloatArray:
    """Vectors along the last axis scaled to length 1; NaN where the length is 0 or NaN."""
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = vectors / norm
    scaled[~np.isfinite(scaled).all(axis=-1)] = np.nan
    return scaled


def _frame_from_z_and_y(z_hint: FloatArray, y_hint: FloatArray) -> FloatArray:
    """Axes ``(frames, 3, 3)`` as columns X, Y, Z: Z along ``z_hint``, Y closest to ``y_hint``."""
    z = unit_vectors(z_hint)
    x = unit_vectors(np.cross(y_hint, z))
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-1)


def _frame_from_z_and_x(z_hint: FloatArray, x_hint: FloatArray) -> FloatArray:
    """Axes as columns X, Y, Z: Z along ``z_hint``, X closest to ``x_hint``."""
    z = unit_vectors(z_hint)
    y = unit_vectors(np.cross(z, x_hint))
    x = np.cross(y, z)
    return np.stack([x, y, z], axis=-1)


def _frame_from_y_and_z(y_hint: FloatArray, z_hint: FloatArray) -> FloatArray:
    """Axes as columns X, Y, Z: Y along ``y_hint``, Z closest to ``z_hint``."""
    y = unit_vectors(y_hint)
    x = unit_vectors(np.cross(y, z_hint))
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-1)


class Body:
    """Landmarks and frames of one skeleton's poses, computed once and shared by the angles."""

    def __init__(self, poses: FloatArray, names: Sequence[str], landmarks: Landmarks) -> None:
        self._poses = poses
        self._index = {name: i for i, name in enumerate(names)}
        self._marks = landmarks
        self._cache: dict[str, FloatArray] = {}

    def point(self, names: Names) -> FloatArray:
        missing = [n for n in names if n not in self._index]
        if missing:  # pragma: no cover - skeleton names are checked before
            raise SkeletonSupportError(f"the poses lack joint(s) {', '.join(missing)}")
        return self._poses[:, [self._index[n] for n in names]].mean(axis=1)

    def pelvis(self) -> FloatArray:
        if "pelvis" not in self._cache:
            marks = self._marks
            z_hint = self.point(marks.pelvis_right) - self.point(marks.pelvis_left)
            if marks.pelvis_forward is not None:
                back, front = marks.pelvis_forward
                frame = _frame_from_z_and_x(z_hint, self.point(front) - self.point(back))
            else:
                assert marks.pelvis_up is not None
                low, high = marks.pelvis_up
                frame = _frame_from_z_and_y(z_hint, self.point(high) - self.point(low))
            self._cache["pelvis"] = frame
        return self._cache["pelvis"]

    def thorax(self) -> FloatArray:
        if "thorax" not in self._cache:
            marks = self._marks
            y_hint = self.point(marks.thorax_high) - self.point(marks.thorax_low)
            z_hint = self.point(marks.thorax_right) - self.point(marks.thorax_left)
            self._cache["thorax"] = _frame_from_y_and_z(y_hint, z_hint)
        return self._cache["thorax"]

    def limb(self, side: Side) -> Limb:
        return self._marks.limbs[side]


def skeleton_of(skeleton: Skeleton | str) -> tuple[str, tuple[str, ...]]:
    """Return a skeleton's name and joint names, from the skeleton or a known skeleton's name."""
    if isinstance(skeleton, str):
        from neuropose.schema import KNOWN_SKELETONS

        known = KNOWN_SKELETONS.get(skeleton)
        if known is None:
            landmarks_for(skeleton)  # names the skeletons that have angles
            raise SkeletonSupportError(  # pragma: no cover - every angle skeleton is known
                f"skeleton '{skeleton}' has no joint table"
            )
        return skeleton, known.skeleton.joint_names
    return skeleton.name, skeleton.joint_names

"""Which joint angles a report measures: named three-joint angles per skeleton, sets per task.

These are included angles (0-180 degrees, 180 = a straight limb) at a joint between the bones
to two neighbours, measured in 3D. Signed clinical angles in a body frame (flexion/extension,
abduction/adduction) will replace them where a skeleton allows, once the analysis package
provides them; until then this table is the one place the report's angle names come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from neuropose.analysis.report._errors import ReportInputError

__all__ = ["NAMED_ANGLES", "TASK_ANGLES", "AngleSpec", "angle_specs"]


@dataclass(frozen=True)
class AngleSpec:
    """One measured angle: its name and ``(end, vertex, end)`` joint names."""

    name: str
    joints: tuple[str, str, str]

    @property
    def label(self) -> str:
        """Readable name: ``"elbow (left)"``."""
        joint, _, side = self.name.rpartition("_")
        if side in ("left", "right") and joint:
            return f"{joint.replace('_', ' ')} ({side})"
        return self.name.replace("_", " ")


NAMED_ANGLES: Mapping[str, Mapping[str, tuple[str, str, str]]] = MappingProxyType(
    {
        # Berkeley MHAD markers: *sho1 is the shoulder, *hipl the lateral hip, *foo the toe.
        "berkeley_mhad_43": MappingProxyType(
            {
                "shoulder_left": ("lhipl", "lsho1", "lelb"),
                "shoulder_right": ("rhipl", "rsho1", "relb"),
                "elbow_left": ("lsho1", "lelb", "lwri"),
                "elbow_right": ("rsho1", "relb", "rwri"),
                "hip_left": ("lsho1", "lhipl", "lkne"),
                "hip_right": ("rsho1", "rhipl", "rkne"),
                "knee_left": ("lhipl", "lkne", "lank"),
                "knee_right": ("rhipl", "rkne", "rank"),
                "ankle_left": ("lkne", "lank", "lfoo"),
                "ankle_right": ("rkne", "rank", "rfoo"),
            }
        ),
        "smpl_24": MappingProxyType(
            {
                "shoulder_left": ("lhip", "lsho", "lelb"),
                "shoulder_right": ("rhip", "rsho", "relb"),
                "elbow_left": ("lsho", "lelb", "lwri"),
                "elbow_right": ("rsho", "relb", "rwri"),
                "hip_left": ("lsho", "lhip", "lkne"),
                "hip_right": ("rsho", "rhip", "rkne"),
                "knee_left": ("lhip", "lkne", "lank"),
                "knee_right": ("rhip", "rkne", "rank"),
                "ankle_left": ("lkne", "lank", "ltoe"),
                "ankle_right": ("rkne", "rank", "rtoe"),
            }
        ),
        "blazepose_33": MappingProxyType(
            {
                "shoulder_left": ("left_hip", "left_shoulder", "left_elbow"),
                "shoulder_right": ("right_hip", "right_shoulder", "right_elbow"),
                "elbow_left": ("left_shoulder", "left_elbow", "left_wrist"),
                "elbow_right": ("right_shoulder", "right_elbow", "right_wrist"),
                "hip_left": ("left_shoulder", "left_hip", "left_knee"),
                "hip_right": ("right_shoulder", "right_hip", "right_knee"),
                "knee_left": ("left_hip", "left_knee", "left_ankle"),
                "knee_right": ("right_hip", "right_knee", "right_ankle"),
                "ankle_left": ("left_knee", "left_ankle", "left_foot_index"),
                "ankle_right": ("right_knee", "right_ankle", "right_foot_index"),
            }
        ),
    }
)
"""Named three-joint angles of each skeleton: ``NAMED_ANGLES[skeleton][name] = (end, vertex, end)``."""

TASK_ANGLES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "gait": ("hip", "knee", "ankle"),
        "reach": ("shoulder", "elbow"),
        "sit_to_stand": ("hip", "knee"),
        "tapping": ("elbow",),
        "tremor": ("shoulder", "elbow"),
        "generic": ("shoulder", "elbow", "hip", "knee"),
    }
)
"""The joints whose left and right angles a task measures when a recipe names none."""


def angle_specs(
    skeleton: str,
    joint_names: Sequence[str],
    task: str,
    names: Sequence[str] = (),
    custom: Sequence[tuple[str, tuple[str, str, str]]] = (),
) -> tuple[AngleSpec, ...]:
    """Resolve the angles to measure for a skeleton.

    Parameters
    ----------
    skeleton
        The skeleton's name.
    joint_names
        Its joints (custom angles and the table are checked against them).
    task
        The task; its usual angles are taken when neither ``names`` nor ``custom`` is given.
    names
        Named angles of the skeleton (``"elbow_left"``).
    custom
        ``(name, (end, vertex, end))`` angles by joint names.

    Returns
    -------
    tuple of AngleSpec
        Named angles in the order asked (or the table's order), then the custom ones. Empty
        when the skeleton has no named angles and none was asked for.

    Raises
    ------
    ReportInputError
        For an angle name the skeleton does not have (the message lists those it has), or a
        custom angle naming a joint it does not have.
    """
    table = NAMED_ANGLES.get(skeleton, {})
    specs: list[AngleSpec] = []
    if names:
        for name in names:
            if name not in table:
                known = ", ".join(table) or "none"
                raise ReportInputError(
                    f"skeleton '{skeleton}' has no angle named {name!r}; named angles: {known}; "
                    "or give the three joints as a custom angle ([[angles.custom]] in a recipe)"
                )
            specs.append(AngleSpec(name, table[name]))
    elif not custom:
        joints = TASK_ANGLES.get(task, TASK_ANGLES["generic"])
        specs = [
            AngleSpec(name, triplet)
            for name, triplet in table.items()
            if name.rpartition("_")[0] in joints
        ]
    known_joints = set(joint_names)
    for name, triplet in custom:
        unknown = [joint for joint in triplet if joint not in known_joints]
        if unknown:
            raise ReportInputError(
                f"angle {name!r} names joint(s) {', '.join(unknown)} that skeleton '{skeleton}' "
                f"does not have; its joints are: {', '.join(joint_names)}"
            )
        first, vertex, last = triplet  # may arrive as a list; AngleSpec holds a tuple
        specs.append(AngleSpec(name, (first, vertex, last)))
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ReportInputError(f"angle {spec.name!r} is asked for twice; name each angle once")
        seen.add(spec.name)
    return tuple(specs)

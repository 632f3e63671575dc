"""Clinical angles on constructed bodies with known angles, turned anyhow before the camera."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.analysis import (
    ANGLE_SKELETONS,
    SkeletonSupportError,
    UnknownAngleError,
    angle_definitions,
    angle_joints,
    clinical_angle_report,
    clinical_angle_values,
)
from neuropose.schema import AngleReport, Skeleton, io
from support.bodies import (
    SKELETONS,
    body_array,
    expected_elevation,
    predictions_from_poses,
    rotation_from_quaternion,
)

# Ranges away from each Cardan sequence's singularity (|abduction| = 90).
LIMB_RANGES = {
    "hip_flexion": (-40.0, 130.0),
    "hip_abduction": (-40.0, 60.0),
    "knee_flexion": (-10.0, 150.0),
    "ankle_dorsiflexion": (-50.0, 40.0),
    "shoulder_flexion": (-50.0, 170.0),
    "shoulder_abduction": (-30.0, 85.0),
    "elbow_flexion": (-10.0, 150.0),
}
TRUNK_RANGES = {
    "trunk_flexion": (-30.0, 80.0),
    "trunk_lateral_flexion": (-40.0, 40.0),
    "trunk_rotation": (-60.0, 60.0),
}


@st.composite
def bodies(draw, skeleton: str):
    angles = {}
    for family, (low, high) in LIMB_RANGES.items():
        for side in ("left", "right"):
            angles[f"{family}_{side}"] = draw(st.floats(low, high))
    for name, (low, high) in TRUNK_RANGES.items():
        if skeleton != "blazepose_33" or name == "trunk_rotation":
            angles[name] = draw(st.floats(low, high))
    quaternion = draw(
        st.tuples(*[st.floats(-1, 1) for _ in range(4)]).filter(lambda q: np.linalg.norm(q) > 0.1)
    )
    translation = draw(st.tuples(*[st.floats(-5000, 5000) for _ in range(3)]))
    return angles, rotation_from_quaternion(np.array(quaternion)), np.array(translation)


def _expected(name: str, angles: dict[str, float]) -> float:
    if name.startswith("shoulder_elevation"):
        side = name.rsplit("_", 1)[1]
        return expected_elevation(
            angles[f"shoulder_flexion_{side}"], angles[f"shoulder_abduction_{side}"]
        )
    return angles[name]


@pytest.mark.parametrize("skeleton", ["berkeley_mhad_43", "smpl_24", "blazepose_33"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_angle_is_recovered_whatever_the_view(skeleton, data):
    angles, rotation, translation = data.draw(bodies(skeleton))
    pose = body_array(skeleton, angles, rotation, translation)
    values = clinical_angle_values(pose[None], skeleton)
    assert set(values) == {d.name for d in angle_definitions(skeleton)}
    for name, value in values.items():
        assert value[0] == pytest.approx(_expected(name, angles), abs=1e-7), name


ONE_MOTION = [
    ("hip_flexion_left", 45.0),
    ("hip_flexion_right", -15.0),
    ("hip_abduction_right", 25.0),
    ("hip_abduction_left", -10.0),
    ("knee_flexion_left", 70.0),
    ("knee_flexion_right", -5.0),
    ("ankle_dorsiflexion_left", 15.0),
    ("ankle_dorsiflexion_right", -30.0),
    ("shoulder_flexion_left", 90.0),
    ("shoulder_abduction_right", 60.0),
    ("elbow_flexion_right", 100.0),
    ("trunk_rotation", 30.0),
    ("trunk_flexion", 40.0),
    ("trunk_lateral_flexion", -20.0),
]


@pytest.mark.parametrize(
    ("skeleton", "name", "angle"),
    [
        (skeleton, name, angle)
        for skeleton in ("berkeley_mhad_43", "smpl_24", "blazepose_33")
        for name, angle in ONE_MOTION
        # blazepose_33 defines no trunk bending (tested below).
        if not (skeleton == "blazepose_33" and name in ("trunk_flexion", "trunk_lateral_flexion"))
    ],
)
def test_one_motion_in_one_plane_moves_only_its_angle(skeleton, name, angle):
    rotation = rotation_from_quaternion(np.array([0.3, -0.5, 0.7, 0.2]))
    pose = body_array(skeleton, {name: angle}, rotation, np.array([200.0, -100.0, 3500.0]))
    values = clinical_angle_values(pose[None], skeleton)
    for other, value in values.items():
        if other == name:
            assert value[0] == pytest.approx(angle, abs=1e-9)
        elif other.startswith("shoulder_elevation") and name.startswith("shoulder"):
            continue
        elif name.startswith("trunk") and other.startswith(("shoulder", "elbow")):
            continue  # the arms hang from the thorax, so a trunk motion moves them with it
        else:
            assert value[0] == pytest.approx(0.0, abs=1e-9), other


def test_blazepose_has_no_trunk_bending_and_says_why():
    names = {d.name for d in angle_definitions("blazepose_33")}
    assert "trunk_rotation" in names
    assert "trunk_flexion" not in names
    pose = body_array("blazepose_33", {})
    with pytest.raises(UnknownAngleError, match="no landmark fixed to the pelvis above the hips"):
        clinical_angle_values(pose[None], "blazepose_33", ["trunk_flexion"])


def test_unknown_names_and_skeletons_are_named():
    pose = body_array("smpl_24", {})
    with pytest.raises(
        UnknownAngleError, match=r"no clinical angle 'knee_abduction_left'.*hip_flexion_left"
    ):
        clinical_angle_values(pose[None], "smpl_24", ["knee_abduction_left"])
    with pytest.raises(
        SkeletonSupportError, match=r"coco_17.*berkeley_mhad_43, blazepose_33, smpl_24"
    ):
        angle_definitions("coco_17")
    assert ANGLE_SKELETONS == ("berkeley_mhad_43", "blazepose_33", "smpl_24")


def test_a_skeleton_missing_joints_is_refused_by_name():
    full = SKELETONS["smpl_24"].skeleton
    names = tuple(n for n in full.joint_names if n != "left_collar")
    partial = Skeleton(name="smpl_24", joint_names=names)
    with pytest.raises(SkeletonSupportError, match="lacks joint\\(s\\) left_collar"):
        clinical_angle_values(np.zeros((1, len(names), 3)), partial)


def test_a_side_less_name_gives_both_sides_and_missing_frames_give_nan():
    poses = np.stack([body_array("berkeley_mhad_43", {"knee_flexion_left": 30.0})] * 3)
    poses[1, 5] = np.nan
    knee_joint = SKELETONS["berkeley_mhad_43"].skeleton.joint_names.index("lkne")
    poses[2, knee_joint] = np.nan
    values = clinical_angle_values(poses, "berkeley_mhad_43", ["knee_flexion"])
    assert list(values) == ["knee_flexion_left", "knee_flexion_right"]
    assert values["knee_flexion_left"][0] == pytest.approx(30.0)
    assert values["knee_flexion_left"][1] == pytest.approx(30.0)  # joint 5 is not used
    assert np.isnan(values["knee_flexion_left"][2])
    assert "lkne" in angle_joints("berkeley_mhad_43", "knee_flexion_left")


def test_report_carries_conventions_and_observed_fraction(tmp_path):
    times = np.arange(10) / 30
    poses = np.stack([body_array("smpl_24", {"elbow_flexion_left": 10.0 * k}) for k in range(10)])
    poses[:, :, 2] += 3000.0
    poses[4] = np.nan
    predictions = predictions_from_poses(poses, times, "smpl_24")
    report = clinical_angle_report(
        predictions,
        ["elbow_flexion_left"],
        triplets=[("left_shoulder", "left_elbow", "left_wrist")],
        source_name="p.npz",
    )
    (summary,) = report.angles
    assert summary.convention.name == "elbow_flexion_left"
    assert summary.convention.unit == "deg"
    assert summary.convention.plane == "sagittal"
    assert "forearm in front" in summary.convention.positive
    assert summary.valid_frames == 9
    assert summary.observed_fraction == pytest.approx(0.9)
    assert summary.max_deg == pytest.approx(90.0)
    assert summary.sd_deg == pytest.approx(np.std([10.0 * k for k in range(10) if k != 4], ddof=1))
    assert report.three_joint_angles[0].max_deg == pytest.approx(180.0)
    assert "X anterior, Y superior, Z to the person's right" in report.body_frame
    assert "n - 1" in report.sd_convention
    io.save(report, tmp_path / "angles.json")
    assert io.load(tmp_path / "angles.json", AngleReport) == report

"""Gait on a synthetic walker with known cadence, step length and speed."""

from __future__ import annotations

import numpy as np
import pytest

from neuropose.analysis import (
    MissingPersonError,
    SkeletonSupportError,
    analyze_gait,
    gait_analysis,
    gait_cycles,
    gait_events,
)
from neuropose.schema import GaitResult, Skeleton, io
from support.bodies import SKELETONS, hip_centred, predictions_from_poses
from support.walking import STANCE, Walk, camera_rotation, vfr_times, walking_poses

SKELETON_NAMES = ("berkeley_mhad_43", "smpl_24", "blazepose_33")


def _stats(result: GaitResult) -> dict[tuple[str, str], float]:
    return {(p.name, p.side): p.mean for p in result.parameters if p.mean is not None}


def _walk_result(skeleton: str, walk: Walk, times: np.ndarray, seed: int = 3) -> GaitResult:
    poses = walking_poses(skeleton, walk, times, camera=camera_rotation(seed))
    return analyze_gait(poses, times, SKELETONS[skeleton].skeleton)


@pytest.mark.parametrize("skeleton", SKELETON_NAMES)
@pytest.mark.parametrize(
    "walk",
    [Walk(), Walk(speed_mm_s=800.0, stride_s=1.3, heading_deg=-120.0), Walk(1500.0, 1.0, 75.0)],
    ids=["normal", "slow-away", "fast-across"],
)
def test_cadence_step_length_and_speed_are_recovered_within_2_percent(skeleton, walk):
    times = np.arange(0, 20, 1 / 30)
    stats = _stats(_walk_result(skeleton, walk, times))
    assert stats[("step_time", "both")] == pytest.approx(walk.stride_s / 2, rel=0.02)
    for side in ("left", "right", "both"):
        assert stats[("cadence", side)] == pytest.approx(walk.cadence_steps_min, rel=0.02)
        assert stats[("step_length", side)] == pytest.approx(walk.step_length_mm, rel=0.02)
        assert stats[("stride_length", side)] == pytest.approx(walk.stride_length_mm, rel=0.02)
        assert stats[("gait_speed", side)] == pytest.approx(walk.speed_mm_s / 1000, rel=0.02)
        # Events fall on frames: one side's step time carries up to a frame of error (33 ms).
        assert stats[("step_time", side)] == pytest.approx(walk.stride_s / 2, abs=1 / 30)


@pytest.mark.parametrize("fps", [30.0, 120.0])
def test_stance_swing_and_double_support_are_within_the_frame_error(fps):
    # Each event falls on a frame, a heel strike up to one frame early and a toe off up to
    # one frame late: stance is within two frames, and so is each double-support interval.
    walk = Walk()
    stats = _stats(_walk_result("smpl_24", walk, np.arange(0, 20, 1 / fps)))
    two_frames_pct = 100 * 2 / (fps * walk.stride_s)
    for side in ("left", "right"):
        assert stats[("stance_percent", side)] == pytest.approx(100 * STANCE, abs=two_frames_pct)
        assert stats[("swing_percent", side)] == pytest.approx(
            100 * (1 - STANCE), abs=two_frames_pct
        )
        assert stats[("double_support_percent", side)] == pytest.approx(
            200 * (STANCE - 0.5), abs=2 * two_frames_pct
        )


@pytest.mark.parametrize("skeleton", SKELETON_NAMES)
def test_a_variable_frame_rate_version_of_the_walk_gives_the_same_figures(skeleton):
    walk = Walk()
    steady = _stats(_walk_result(skeleton, walk, np.arange(0, 20, 1 / 30)))
    varying = _stats(_walk_result(skeleton, walk, vfr_times(20.0)))
    for name in ("cadence", "step_length", "stride_length", "gait_speed"):
        assert varying[(name, "both")] == pytest.approx(steady[(name, "both")], rel=0.02), name
        assert varying[(name, "both")] == pytest.approx(
            {
                "cadence": walk.cadence_steps_min,
                "step_length": walk.step_length_mm,
                "stride_length": walk.stride_length_mm,
                "gait_speed": walk.speed_mm_s / 1000,
            }[name],
            rel=0.02,
        )


def test_events_cycles_and_the_saved_result(tmp_path):
    walk = Walk()
    times = np.arange(0, 12, 1 / 30)
    poses = walking_poses("smpl_24", walk, times, camera=camera_rotation(7))
    skeleton = SKELETONS["smpl_24"].skeleton
    events = gait_events(poses, times, skeleton)
    strikes = times[events.heel_strikes["left"]]
    # The left heel strikes at k * stride (the walker's phase), to within a frame.
    assert np.all(np.abs((strikes + 1e-9) % walk.stride_s) < 1 / 30 + 1e-6)
    cycles = gait_cycles(events, times)
    assert all(c.end_s - c.start_s == pytest.approx(walk.stride_s, abs=1 / 15) for c in cycles)
    assert {c.side for c in cycles} == {"left", "right"}
    assert all(c.toe_off is not None for c in cycles)
    predictions = predictions_from_poses(poses, times, "smpl_24")
    result = gait_analysis(predictions, angles=["knee_flexion"], source="walk.npz")
    assert result.source_file_name == "walk.npz"
    assert result.method_version == 1
    assert "Zeni" in result.method
    assert any("metres per second" in c for c in result.conventions)
    assert "n - 1" in result.sd_convention
    assert len(result.cycle_measures) == len(result.cycles)
    assert result.cycle_measures[0].quantities[0].quantity == "knee_flexion_left"
    assert result.observed_fraction == 1.0
    units = {p.name: p.unit for p in result.parameters}
    assert units["step_length"] == "mm"
    assert units["gait_speed"] == "m/s"
    assert units["cadence"] == "steps/min"
    io.save(result, tmp_path / "gait.json")
    assert io.load(tmp_path / "gait.json", GaitResult) == result


def test_sd_is_the_sample_sd():
    times = np.arange(0, 12, 1 / 30)
    result = _walk_result("berkeley_mhad_43", Walk(), times)
    cycles = [c for c in result.cycles if c.side == "left"]
    strides = [c.end_s - c.start_s for c in cycles]
    (stat,) = [p for p in result.parameters if p.name == "stride_time" and p.side == "left"]
    assert stat.count == len(strides)
    assert stat.sd == pytest.approx(np.std(strides, ddof=1))


def test_missing_joints_are_named():
    full = SKELETONS["blazepose_33"].skeleton
    names = tuple(n for n in full.joint_names if n not in ("left_heel", "right_foot_index"))
    partial = Skeleton(name="blazepose_33", joint_names=names)
    with pytest.raises(
        SkeletonSupportError, match="needs joint\\(s\\) left_heel, right_foot_index"
    ):
        analyze_gait(np.zeros((10, len(names), 3)), np.arange(10) / 30, partial)
    other = Skeleton(name="coco_17", joint_names=("a", "b"))
    with pytest.raises(SkeletonSupportError, match="not defined for skeleton 'coco_17'"):
        analyze_gait(np.zeros((10, 2, 3)), np.arange(10) / 30, other)
    times = np.arange(0, 4, 1 / 30)
    poses = walking_poses("smpl_24", Walk(), times)
    poses[:, SKELETONS["smpl_24"].skeleton.joint_names.index("right_foot")] = np.nan
    with pytest.raises(MissingPersonError, match="right_foot are never seen"):
        analyze_gait(poses, times, SKELETONS["smpl_24"].skeleton)


def test_standing_still_finds_no_cycle_and_says_so():
    times = np.arange(0, 5, 1 / 30)
    poses = walking_poses("smpl_24", Walk(), times)
    still = np.repeat(poses[:1], len(times), axis=0)
    result = analyze_gait(still, times, SKELETONS["smpl_24"].skeleton)
    assert result.cycles == ()
    assert any("no full gait cycle" in note for note in result.notes)
    assert all(p.count == 0 and p.mean is None for p in result.parameters)


def test_feet_that_do_not_alternate_are_not_walking():
    # Both feet swinging together (a jump, or a rigid picture moved about): heel strikes of
    # the two feet coincide, so no stride has a step of the other foot inside it.
    times = np.arange(0, 10, 1 / 30)
    poses = walking_poses("blazepose_33", Walk(), times)
    names = SKELETONS["blazepose_33"].skeleton.joint_names
    for left, right in (("left_heel", "right_heel"), ("left_foot_index", "right_foot_index")):
        poses[:, names.index(right)] = poses[:, names.index(left)] + np.array([0.0, 0.0, 200.0])
    result = analyze_gait(poses, times, SKELETONS["blazepose_33"].skeleton)
    assert result.cycles == ()
    assert any("the feet do not alternate" in note for note in result.notes)


def test_a_pelvis_that_does_not_travel_is_flagged():
    # Walking in place: the feet step, the pelvis stays (standing, or a treadmill).
    walk = Walk()
    times = np.arange(0, 10, 1 / 30)
    poses = walking_poses("smpl_24", walk, times)
    names = SKELETONS["smpl_24"].skeleton.joint_names
    feet = [names.index(n) for n in ("left_ankle", "left_foot", "right_ankle", "right_foot")]
    body = [j for j in range(len(names)) if j not in feet]
    travel = poses[:, names.index("pelvis")] - poses[:1, names.index("pelvis")]
    poses[:, body] -= travel[:, None]
    poses[:, feet] -= travel[:, None]  # the feet move relative to a pelvis that stays put
    result = analyze_gait(poses, times, SKELETONS["smpl_24"].skeleton)
    assert result.cycles
    assert any("does not look like overground walking" in note for note in result.notes)


def test_a_hip_centred_file_is_measured_in_the_camera_frame():
    # BlazePose writes hip-centred poses plus the (estimated) camera-frame position of their
    # origin; gait must add it back, or the pelvis never travels and speed reads zero.
    from neuropose.analysis import NoCameraFrameError

    walk = Walk()
    times = np.arange(0, 12, 1 / 30)
    poses = walking_poses("blazepose_33", walk, times, camera=camera_rotation(5))
    camera_frame = predictions_from_poses(poses, times, "blazepose_33")
    expected, found = _stats(gait_analysis(camera_frame)), gait_analysis(hip_centred(camera_frame))
    assert _stats(found) == pytest.approx(expected, rel=1e-4)
    assert _stats(found)[("gait_speed", "both")] == pytest.approx(walk.speed_mm_s / 1000, rel=0.02)
    assert any("hip-centred" in note for note in found.notes)
    with pytest.raises(NoCameraFrameError, match="root_translation_mm"):
        gait_analysis(hip_centred(camera_frame, with_root=False))

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from neuropose.analysis import DuplicateTrackError, MissingPersonError, ShapeMismatchError
from neuropose.analysis._errors import TimestampError
from neuropose.analysis.tracking import (
    _solve_many,
    hip_joints,
    root_positions,
    track_people,
    track_trajectory,
)
from neuropose.schema import NO_TRACK, TrackingConfig, TrackingSummary
from support import scenes
from support.predictions import BERKELEY_MHAD_43, make_predictions


def _people(scene: scenes.Scene) -> int:
    return int(scene.truth.max()) + 1


# The metric itself ----------------------------------------------------------------------


def test_identity_score_counts_switches_and_misses():
    truth = np.array([[0, 1]] * 6)
    perfect = np.array([[5, 7]] * 6)
    assert scenes.identity_score(truth, perfect).idf1 == 1.0
    assert scenes.identity_score(truth, perfect).switches == 0
    swapped = perfect.copy()
    swapped[3:] = [[7, 5]]  # the two identities trade ids half-way
    score = scenes.identity_score(truth, swapped)
    assert score.switches == 2
    assert score.idf1 == pytest.approx(0.5)
    assert score.impure == 2
    missing = perfect.copy()
    missing[2, 0] = NO_TRACK
    score = scenes.identity_score(truth, missing)
    assert score.idf1 == pytest.approx(2 * 11 / (12 + 11))
    assert score.fragments == 1
    assert score.switches == 0


def test_identity_score_counts_ids_given_to_ghosts_as_false_positives():
    truth = np.array([[0, -2], [0, -1]])
    predicted = np.array([[3, 4], [3, NO_TRACK]])
    assert scenes.identity_score(truth, predicted).idf1 == pytest.approx(2 * 2 / (2 + 3))


# The scenes of issue 15 -----------------------------------------------------------------

SCENES = {
    "crossing": scenes.crossing,
    "crossing_occluded_0.5s": lambda seed, **kw: scenes.crossing(seed, occlusion_s=0.5, **kw),
    "leave_and_return": scenes.leave_and_return,
    "three_people": scenes.three_people,
}


@pytest.mark.parametrize("vfr", [False, True], ids=["cfr", "vfr"])
@pytest.mark.parametrize("name", list(SCENES))
def test_scene_has_no_identity_switch(name, vfr):
    scene = SCENES[name](0, vfr=vfr)
    result = scenes.track(scene)
    score = scenes.identity_score(scene.truth, result.track_ids)
    assert score.switches == 0
    assert score.impure == 0
    assert score.idf1 >= 0.99
    assert result.summary.tracks == _people(scene)


def test_occlusion_is_bridged_online_and_leaving_the_view_by_stitching():
    occluded = scenes.track(scenes.crossing(1, occlusion_s=0.5)).summary
    assert occluded.online_joins >= 1
    assert occluded.stitches == 0
    left = scenes.track(scenes.leave_and_return(1)).summary
    assert left.stitches == 1


def test_without_stitching_a_person_who_leaves_comes_back_as_a_new_track():
    scene = scenes.leave_and_return(2)
    result = scenes.track(scene, stitch=False)
    assert result.summary.tracks == 3
    assert scenes.identity_score(scene.truth, result.track_ids).switches == 1


# Derandomised: the same 25 scenes every run, so CI never meets a new, unlucky one. 600 random
# examples in these ranges showed no switch; harsher scenes (10 % misses and 10 % false
# detections, 15 mm jitter, +-40 % frame-time jitter) occasionally have one.
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(list(SCENES)),
    seed=st.integers(0, 10_000),
    vfr=st.booleans(),
    miss_rate=st.floats(0, 0.08),
    ghost_rate=st.floats(0, 0.08),
    noise_mm=st.floats(2, 15),
)
def test_identity_survives_misses_ghosts_jitter_and_shuffling(
    name, seed, vfr, miss_rate, ghost_rate, noise_mm
):
    scene = SCENES[name](
        seed, vfr=vfr, miss_rate=miss_rate, ghost_rate=ghost_rate, noise_mm=noise_mm
    )
    result = scenes.track(scene)
    score = scenes.identity_score(scene.truth, result.track_ids)
    assert score.switches == 0
    assert score.impure == 0
    assert score.idf1 >= 0.99


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), occlusion_s=st.floats(0.1, 3.0))
def test_any_occlusion_up_to_three_seconds_keeps_the_identity(seed, occlusion_s):
    scene = scenes.crossing(seed, occlusion_s=occlusion_s)
    result = scenes.track(scene)
    score = scenes.identity_score(scene.truth, result.track_ids)
    assert (score.switches, score.impure, result.summary.tracks) == (0, 0, 2)


def test_bone_lengths_keep_apart_two_people_who_use_the_same_doorway():
    # One person leaves on the right; 2 s later someone else comes in where they left.
    def scene(second_scale: float) -> scenes.Scene:
        people = [
            scenes.Person(scenes.linear_path((0, 0, 3000), (4000, 0, 3000), 0, 3), 1.0, walk_hz=1),
            scenes.Person(
                scenes.linear_path((4000, 0, 3000), (0, 0, 3000), 5, 8), second_scale, walk_hz=1
            ),
        ]
        return scenes.make_scene(people, duration_s=9, seed=3)

    stranger = scene(0.75)
    result = scenes.track(stranger)
    assert result.summary.tracks == 2
    assert scenes.identity_score(stranger.truth, result.track_ids).switches == 0
    # The same body size is, by the rule, the same person coming back.
    assert scenes.track(scene(1.0)).summary.stitches == 1


def test_death_is_measured_in_seconds_not_frames():
    # At 60 fps a 0.9 s absence is 54 frames: still continued online; 1.5 s is stitched.
    for hidden, online in ((0.9, True), (1.5, False)):
        people = [
            scenes.Person(
                scenes.linear_path((-1500, 0, 3500), (1500, 0, 3500), 0, 8),
                hidden=((3.0, 3.0 + hidden),),
            )
        ]
        summary = scenes.track(scenes.make_scene(people, duration_s=8, fps=60, seed=4)).summary
        assert summary.tracks == 1
        assert (summary.online_joins, summary.stitches) == ((1, 0) if online else (0, 1))


def test_ids_run_from_zero_in_order_of_first_appearance_left_to_right():
    scene = scenes.three_people(5)
    ids = scenes.track(scene).track_ids
    assert ids.dtype == np.int32
    assert set(np.unique(ids).tolist()) == {NO_TRACK, 0, 1, 2}
    # All three are there in frame 0; the walker starts leftmost, then the patient.
    first = {int(scene.truth[0, s]): int(ids[0, s]) for s in range(3)}
    assert first == {1: 0, 0: 1, 2: 2}
    assert np.all(ids[np.isnan(scene.boxes[..., 0])] == NO_TRACK)


def test_detections_never_confirmed_get_no_track():
    scene = scenes.crossing(6, ghost_rate=0.2)
    ids = scenes.track(scene).track_ids
    assert np.all(ids[scene.truth == -2] == NO_TRACK)
    # A person seen for two frames never gets min_hits=3 confident hits.
    people = [
        scenes.Person(scenes.linear_path((0, 0, 3000), (0, 0, 3000), 0, 1)),
        scenes.Person(scenes.linear_path((1500, 0, 3000), (1500, 0, 3000), 0, 1),
                      hidden=((0.0, 1.0), (1.06, 3.0))),
    ]  # fmt: skip
    brief = scenes.make_scene(people, duration_s=3, seed=7)
    result = scenes.track(brief)
    assert result.summary.tracks == 1
    assert result.summary.unconfirmed_detections == 2
    assert np.all(result.track_ids[brief.truth == 1] == NO_TRACK)


def test_five_people_use_the_general_assignment():
    people = [
        scenes.Person(
            scenes.linear_path((x, 0, 4000 + 300 * k), (-x, 0, 4000 + 300 * k), 0, 6),
            0.8 + 0.08 * k,
            walk_hz=1,
        )
        for k, x in enumerate((-2400, -1200, 0, 1200, 2400))
    ]
    scene = scenes.make_scene(people, duration_s=6, seed=8, miss_rate=0.03)
    result = scenes.track(scene)
    score = scenes.identity_score(scene.truth, result.track_ids)
    assert (score.switches, score.impure, result.summary.tracks) == (0, 0, 5)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10_000))
def test_enumerated_assignment_is_as_good_as_scipy(size, seed):
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(seed)
    benefit = rng.uniform(0, 1, (20, size, size))
    benefit[rng.random(benefit.shape) < 0.3] = 0.0
    links = _solve_many(benefit)
    for frame in range(20):
        rows, cols = linear_sum_assignment(benefit[frame], maximize=True)
        best = benefit[frame, rows, cols].sum()
        chosen = [(links[frame, c], c) for c in range(size) if links[frame, c] >= 0]
        assert len({r for r, _ in chosen}) == len(chosen)
        assert all(benefit[frame, r, c] > 0 for r, c in chosen)
        assert sum(benefit[frame, r, c] for r, c in chosen) == pytest.approx(best)


def test_summary_records_the_configuration():
    config = TrackingConfig(max_age_s=0.5, min_hits=4)
    result = track_people(
        *(getattr(scenes.crossing(0), name) for name in ("times_s", "boxes", "poses2d", "poses3d")),
        config=config,
    )
    summary = TrackingSummary.model_validate_json(result.summary.model_dump_json())
    assert summary == result.summary
    assert summary.config.method == "hungarian_online_stitch"
    assert summary.config.version == 1
    assert summary.config.max_age_s == 0.5
    assert summary.detections == int(np.isfinite(scenes.crossing(0).boxes[..., 0]).sum())


def test_config_is_frozen_and_validated():
    config = TrackingConfig()
    with pytest.raises(ValidationError):
        config.max_age_s = 2.0
    with pytest.raises(ValidationError):
        TrackingConfig(iou_weight=0, root3d_weight=0, root2d_weight=0)
    with pytest.raises(ValidationError):
        TrackingConfig(version=2)  # pyright: ignore[reportArgumentType]  # wrong on purpose: validation must reject it


def test_tracks_arrays_of_a_predictions_file_without_hips():
    predictions = make_predictions(60, [2] * 30 + [1] * 10 + [2] * 20, 17, seed=3)
    result = track_people(
        predictions.times_s,
        predictions.boxes,
        predictions.poses2d,
        predictions.poses3d,
        joint_edges=predictions.skeleton.joint_edges,
    )
    ids = result.track_ids
    assert ids.shape == predictions.track_ids.shape
    assert np.array_equal(ids == NO_TRACK, ~predictions.person_mask)
    assert result.summary.tracks >= 1


def test_empty_inputs_give_no_tracks():
    result = track_people(np.arange(3.0), np.full((3, 0, 5), np.nan), np.zeros((3, 0, 4, 2)),
                          np.zeros((3, 0, 4, 3)))  # fmt: skip
    assert result.track_ids.shape == (3, 0)
    assert result.summary.tracks == 0


def test_bad_inputs_are_named():
    scene = scenes.crossing(0)
    arrays = [scene.times_s, scene.boxes, scene.poses2d, scene.poses3d]
    with pytest.raises(ShapeMismatchError, match="poses2d"):
        track_people(arrays[0], arrays[1], arrays[2][:, :, :5], arrays[3])
    with pytest.raises(ShapeMismatchError, match="times_s"):
        track_people(arrays[0][:-1], *arrays[1:])
    backwards = arrays[0].copy()
    backwards[10] = -1
    with pytest.raises(TimestampError, match="frame 10"):
        track_people(backwards, *arrays[1:])
    with pytest.raises(ShapeMismatchError, match="edge"):
        track_people(*arrays, joint_edges=[(0, 99)])


def test_track_trajectory_follows_one_identity():
    scene = scenes.three_people(9)
    ids = scenes.track(scene).track_ids
    for track in range(3):
        trajectory = track_trajectory(scene.poses3d, ids, track)
        assert trajectory.shape == (len(scene.times_s), 43, 3)
        seen = (ids == track).any(axis=1)
        assert np.all(np.isnan(trajectory[~seen]))
        frames, slots = np.nonzero(ids == track)
        assert np.array_equal(trajectory[frames], scene.poses3d[frames, slots])
    boxes = track_trajectory(scene.boxes, ids, 0)
    assert boxes.shape == (len(scene.times_s), 5)
    with pytest.raises(MissingPersonError, match="tracks are: 0, 1, 2"):
        track_trajectory(scene.poses3d, ids, 7)
    untracked = ids.copy()
    untracked[5, 0] = NO_TRACK  # an untracked detection is nobody's trajectory
    with pytest.raises(MissingPersonError, match="track -1 never appears"):
        track_trajectory(scene.poses3d, untracked, NO_TRACK)
    doubled = ids.copy()
    doubled[4, :2] = 0
    with pytest.raises(DuplicateTrackError, match="frame 4"):
        track_trajectory(scene.poses3d, doubled, 0)
    with pytest.raises(ShapeMismatchError):
        track_trajectory(scene.poses3d[:, :1], ids, 0)


def test_hip_joints_and_roots():
    assert hip_joints(BERKELEY_MHAD_43) == (27, 35, 28, 36, 29, 37)
    assert hip_joints(["pelv", "lhip", "rhip", "head"]) == (1, 2)
    assert hip_joints(["left_hip", "nose", "right_hip"]) == (0, 2)
    assert hip_joints(["a", "b"]) is None
    poses = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
    assert np.allclose(root_positions(poses, [1, 3]), poses[:, [1, 3]].mean(axis=1))
    assert np.allclose(root_positions(poses), poses.mean(axis=1))
    with pytest.raises(ShapeMismatchError):
        root_positions(poses, [4])


@pytest.mark.parametrize("hip_centred", [False, True])
def test_a_person_detected_twice_keeps_one_track(hip_centred):
    """A detector may report one person twice for a frame (MediaPipe does on re-detection).

    The second detection, nearly the same box with a lower score, would otherwise start a rival
    track that can take over the person's id.
    """
    scene = scenes.make_scene(
        [scenes.Person(scenes.linear_path((-600, 0, 4000), (600, 0, 4000), 0, 4), walk_hz=1)],
        duration_s=4,
        seed=3,
        shuffle=False,
    )
    frames = scene.times_s.size
    twice = np.zeros(frames, bool)
    twice[[40, 41, 80]] = True
    boxes = np.concatenate([scene.boxes, np.full((frames, 1, 5), np.nan, np.float32)], axis=1)
    p2 = np.concatenate([scene.poses2d, np.full((frames, 1, 43, 2), np.nan, np.float32)], 1)
    p3 = np.concatenate([scene.poses3d, np.full((frames, 1, 43, 3), np.nan, np.float32)], 1)
    # The copy comes first in the frame, shifted by 3 % of the box, with a higher score for
    # one frame (then it is kept and the original is the duplicate) and a lower one after.
    shift = 0.03 * scene.boxes[twice, 0, 2]
    boxes[twice, 1], p2[twice, 1], p3[twice, 1] = boxes[twice, 0], p2[twice, 0], p3[twice, 0]
    boxes[twice, 0, 0] += shift
    p2[twice, 0, :, 0] += shift[:, None]
    p3[twice, 0, :, 0] += 20.0
    boxes[twice, 0, 4] = np.array([0.99, 0.5, 0.5], np.float32)
    config = TrackingConfig(root3d_weight=0.0) if hip_centred else TrackingConfig()
    result = track_people(
        scene.times_s, boxes, p2, p3, joint_edges=scene.joint_edges, config=config
    )
    assert result.summary.tracks == 1
    assert result.summary.duplicate_detections == 3
    assert np.all(result.track_ids[~twice, 0] == 0)
    assert np.count_nonzero(result.track_ids[twice] == 0) == 3  # one of each pair
    assert np.count_nonzero(result.track_ids[twice] == NO_TRACK) == 3
    kept = track_people(
        scene.times_s,
        boxes,
        p2,
        p3,
        joint_edges=scene.joint_edges,
        config=config.model_copy(update={"duplicate_iou": None}),
    )
    assert kept.summary.duplicate_detections == 0

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.analysis import DuplicateTrackError, NoTracksError, ShapeMismatchError
from neuropose.analysis.subject import choose_subject
from neuropose.schema import NO_TRACK, SubjectChoice, SubjectConfig
from support import scenes

PATIENT, CLINICIAN = 0, 1


def _seated(x: float, depth: float = 3000.0):
    return scenes.linear_path((x, 0, depth), (x, 0, depth), 0, 1)


def _choose(scene: scenes.Scene, ids: np.ndarray | None = None, **kwargs: Any) -> SubjectChoice:
    """Choose among the scene's true identities (or the given ids)."""
    return choose_subject(
        scene.times_s,
        np.where(scene.truth >= 0, scene.truth, NO_TRACK) if ids is None else ids,
        scene.boxes,
        scene.poses3d,
        frame_size=scene.frame_size,
        root_joints=scene.root_joints,
        **kwargs,
    )


def test_the_patient_present_throughout_beats_a_clinician_passing_by():
    # The clinician walks (more movement than the patient's arm) but is in view 40 % of
    # the time: coverage decides.
    people = [
        scenes.Person(_seated(0), 0.9, arm_amplitude_mm=200, arm_hz=0.6),
        scenes.Person(
            scenes.waypoint_path((0, 3, 6, 10), [(-4000, 0, 3500), (-4000, 0, 3500),
                                                 (4000, 0, 3500), (4000, 0, 3500)]),
            1.05,
            walk_hz=1.0,
        ),
    ]  # fmt: skip
    scene = scenes.make_scene(people, seed=1)
    choice = _choose(scene)
    assert choice.chosen == PATIENT
    assert choice.warning is None
    rows = {row.track_id: row for row in choice.tracks}
    assert rows[CLINICIAN].movement > rows[PATIENT].movement
    assert rows[CLINICIAN].coverage < 0.5 < 0.99 < rows[PATIENT].coverage
    assert rows[PATIENT].reason.startswith("highest score (coverage 1.00")
    assert "of the chosen track's" in rows[CLINICIAN].reason


def test_a_clinician_who_moves_more_wins_unless_the_task_joints_are_given():
    people = [
        scenes.Person(_seated(-400), 0.9, arm_amplitude_mm=250, arm_hz=0.5),
        scenes.Person(
            scenes.waypoint_path((0, 5, 10), [(600, 0, 3300), (1400, 0, 3300), (600, 0, 3300)]),
            1.05,
            walk_hz=1.0,
            arm_swing_mm=60,
        ),
    ]
    scene = scenes.make_scene(people, seed=2)
    # Whole-body movement: the walking clinician moves more, so the rule picks them...
    everything = _choose(scene)
    assert everything.chosen == CLINICIAN
    # ...and with the task's joints (the reaching arm) it picks the patient, as documented.
    task = _choose(scene, movement_joints=scenes.RIGHT_ARM)
    assert task.chosen == PATIENT
    for choice in (everything, task):
        best = max(choice.tracks, key=lambda row: row.score)
        assert choice.chosen == best.track_id
        assert choice.tracks[0].track_id == best.track_id  # ranked best first
    # For gait, the root's own speed is the movement: the walker.
    gait = _choose(scene, config=SubjectConfig(movement="root_speed"))
    assert gait.chosen == CLINICIAN


def test_close_scores_warn_naming_both_and_the_more_central_wins():
    people = [
        scenes.Person(_seated(-1400), 1.0, arm_amplitude_mm=200, arm_hz=0.6),
        scenes.Person(_seated(300), 1.0, arm_amplitude_mm=200, arm_hz=0.6),
    ]
    scene = scenes.make_scene(people, seed=3)
    choice = _choose(scene)
    assert choice.warning is not None
    assert set(choice.warning.track_ids) == {0, 1}
    assert choice.chosen == 1  # its box centre is nearer the image centre
    assert choice.warning.track_ids[0] == 1
    assert "tracks 1 and 0 score within 10%" in choice.warning.message
    rows = {row.track_id: row for row in choice.tracks}
    assert rows[1].centrality < rows[0].centrality
    assert "more central" in rows[1].reason
    assert "less central" in rows[0].reason
    # A tighter margin tells them apart by score alone.
    strict = _choose(scene, config=SubjectConfig(margin=0.0))
    assert strict.warning is None
    assert strict.chosen == max(strict.tracks, key=lambda row: row.score).track_id


def test_confidence_and_coverage_without_and_with_per_joint_confidence():
    people = [scenes.Person(_seated(0), arm_amplitude_mm=150, score=0.8)]
    scene = scenes.make_scene(people, duration_s=4, seed=4)
    ids = np.where(scene.truth >= 0, scene.truth, NO_TRACK)
    plain = _choose(scene, ids).tracks[0]
    assert plain.mean_confidence == pytest.approx(np.nanmean(scene.boxes[..., 4]))
    assert plain.coverage == pytest.approx(1.0)
    confidence = np.full(scene.poses3d.shape[:3], 0.9, np.float32)
    confidence[:, :, :10] = 0.2  # ten of 43 joints below min_joint_confidence
    rated = _choose(scene, ids, joint_confidence=confidence).tracks[0]
    assert rated.mean_confidence == pytest.approx((10 * 0.2 + 33 * 0.9) / 43)
    assert rated.coverage == pytest.approx(33 / 43)
    assert plain.reason.startswith("the only track")


def test_coverage_weighs_frames_by_their_duration():
    people = [scenes.Person(_seated(0), arm_amplitude_mm=150)]
    scene = scenes.make_scene(people, duration_s=4, seed=5, vfr=True)
    ids = np.where(scene.truth >= 0, scene.truth, NO_TRACK)
    ids[: len(ids) // 2] = NO_TRACK
    times = scene.times_s
    half = len(ids) // 2
    expected = (times[-1] - times[half] + np.median(np.diff(times))) / (
        times[-1] - times[0] + np.median(np.diff(times))
    )
    row = _choose(scene, ids).tracks[0]
    assert row.coverage == pytest.approx(expected)
    assert row.first_s == pytest.approx(times[half])
    assert row.last_s == pytest.approx(times[-1])


@settings(max_examples=30, deadline=None)
@given(
    count=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    margin=st.floats(0, 0.5),
    data=st.data(),
)
def test_the_rule_picks_the_best_score_or_the_most_central_of_the_tied(count, seed, margin, data):
    people = [
        scenes.Person(
            _seated(data.draw(st.floats(-2500, 2500)), data.draw(st.floats(2500, 5000))),
            data.draw(st.floats(0.8, 1.2)),
            arm_amplitude_mm=data.draw(st.floats(0, 300)),
            arm_hz=data.draw(st.floats(0.3, 2)),
            score=data.draw(st.floats(0.4, 1)),
            hidden=((0.0, data.draw(st.floats(0, 3))),),
        )
        for _ in range(count)
    ]
    scene = scenes.make_scene(people, duration_s=4, seed=seed, shuffle=True)
    if not (scene.truth >= 0).any():
        return
    choice = _choose(scene, config=SubjectConfig(margin=margin))
    scores = [row.score for row in choice.tracks]
    assert scores == sorted(scores, reverse=True)
    best = scores[0]
    tied = [row for row in choice.tracks if best - row.score <= margin * best]
    chosen = next(row for row in choice.tracks if row.chosen)
    assert sum(row.chosen for row in choice.tracks) == 1
    assert chosen.track_id == choice.chosen
    assert chosen.centrality == min(row.centrality for row in tied)
    assert (choice.warning is not None) == (len(tied) > 1)
    if choice.warning is not None:
        assert choice.chosen in choice.warning.track_ids
    assert SubjectChoice.model_validate_json(choice.model_dump_json()) == choice


def test_end_to_end_from_shuffled_detections_to_the_patient():
    people = [
        scenes.Person(_seated(-200, 2800), 0.92, arm_amplitude_mm=250, arm_hz=0.5),
        scenes.Person(
            scenes.linear_path((-2200, 0, 3600), (2200, 0, 3600), 0, 12), 1.1, walk_hz=1.0,
            arm_swing_mm=60, hidden=((4.7, 5.2),),
        ),
        scenes.Person(
            scenes.waypoint_path((0, 2, 5, 9, 12), [(2000, 0, 4600), (2000, 0, 4600),
                                 (4800, 0, 4600), (4800, 0, 4600), (1200, 0, 4600)]),
            0.8, walk_hz=1.2, arm_swing_mm=60,
        ),
    ]  # fmt: skip
    scene = scenes.make_scene(people, duration_s=12, seed=6)
    tracked = scenes.track(scene).track_ids
    choice = _choose(scene, tracked, movement_joints=scenes.RIGHT_ARM)
    mapping = scenes.identity_score(scene.truth, tracked).mapping
    assert mapping[choice.chosen] == PATIENT
    assert len(choice.tracks) == 3


def test_errors_are_named():
    scene = scenes.crossing(0)
    ids = np.where(scene.truth >= 0, scene.truth, NO_TRACK)
    with pytest.raises(NoTracksError, match="track the predictions first"):
        _choose(scene, np.full_like(ids, NO_TRACK))
    doubled = ids.copy()
    doubled[7] = 0
    with pytest.raises(DuplicateTrackError, match="frame 7"):
        _choose(scene, doubled)
    with pytest.raises(ShapeMismatchError, match="boxes"):
        choose_subject(scene.times_s, ids, scene.boxes[:, :, :4], scene.poses3d,
                       frame_size=scene.frame_size)  # fmt: skip
    with pytest.raises(ShapeMismatchError, match="movement joint 50"):
        _choose(scene, movement_joints=[50])

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from neuropose.schema import NO_TRACK, VideoPredictions, VideoPredictionsDocument
from support.predictions import make_predictions


def _replace(predictions: VideoPredictions, **arrays: object) -> VideoPredictions:
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    return VideoPredictions(**{**fields, **arrays})


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(0, 3), min_size=0, max_size=12),
    confidence=st.booleans(),
    tracks=st.booleans(),
    joints=st.integers(1, 5),
)
def test_per_frame_view_round_trips_exactly(counts, confidence, tracks, joints):
    predictions = make_predictions(
        len(counts), counts, joints, confidence=confidence, tracks=tracks
    )
    frames = predictions.to_frames()
    assert [len(f.people) for f in frames] == counts
    rebuilt = VideoPredictions.from_frames(
        frames,
        metadata=predictions.metadata,
        skeleton=predictions.skeleton,
        camera=predictions.camera,
        provenance=predictions.provenance,
    )
    # Confidence can only be recovered when some frame had a person to carry it.
    if confidence and sum(counts) == 0:
        assert rebuilt.joint_confidence is None
    else:
        assert rebuilt.same_as(predictions)


def test_missing_people_are_nan_and_untracked():
    predictions = make_predictions(4, [2, 0, 1, 2], 3, tracks=True)
    assert predictions.poses3d.shape == (4, 2, 3, 3)
    assert np.isnan(predictions.poses3d[1]).all()
    assert np.isnan(predictions.poses3d[2, 1]).all()
    assert predictions.track_ids[2].tolist() == [0, NO_TRACK]
    assert predictions.people_per_frame.tolist() == [2, 0, 1, 2]


def test_no_person_anywhere_is_valid():
    predictions = make_predictions(5, 0, 43)
    assert predictions.max_people == 0
    assert all(not frame.people for frame in predictions.to_frames())


def test_arrays_are_read_only_and_copied():
    source = make_predictions(3, 1, 2)
    poses = np.array(source.poses3d)
    predictions = _replace(source, poses3d=poses)
    poses[0, 0, 0, 0] = 12345.0
    assert predictions.poses3d[0, 0, 0, 0] != 12345.0
    with pytest.raises(ValueError, match="read-only"):
        predictions.poses3d[0, 0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda p: {"poses3d": p.poses3d[:, :, :-1]}, "poses3d", "expected shape"),
        (lambda p: {"times_s": p.times_s[::-1]}, "times_s", "goes backwards"),
        (lambda p: {"times_s": np.full(p.frame_count, np.nan)}, "times_s", "NaN"),
        (lambda p: {"boxes": np.array([["a"] * 5] * 3).reshape(3, 1, 5)}, "boxes", "numeric"),
        (lambda p: {"track_ids": np.full((3, 1), -5)}, "track_ids", "holds -5; values are >= 0"),
        (lambda p: {"track_ids": np.full((3, 1), 2**40)}, "track_ids", "outside int32's range"),
        (lambda p: {"track_ids": np.zeros((3, 1))}, "track_ids", "numeric array (int32)"),
        (lambda p: {"boxes": p.boxes[:, 0]}, "boxes", "expected 3 dimensions"),
    ],
)
def test_inconsistent_arrays_are_named(change, field, message):
    predictions = make_predictions(3, 1, 4)
    with pytest.raises(ValidationError) as raised:
        _replace(predictions, **change(predictions))
    assert field in str(raised.value)
    assert message in str(raised.value)


def test_nan_in_a_detected_person_is_refused():
    predictions = make_predictions(3, 1, 4)
    poses = np.array(predictions.poses3d)
    poses[2, 0, 1, 2] = np.nan
    with pytest.raises(ValidationError, match=r"poses3d.*detected person 0 in frame 2"):
        _replace(predictions, poses3d=poses)


def test_values_in_an_empty_slot_are_refused():
    predictions = make_predictions(3, [1, 0, 1], 4)
    poses = np.array(predictions.poses2d)
    poses[1, 0] = 1.0
    with pytest.raises(ValidationError, match="empty slot 0 of frame 1"):
        _replace(predictions, poses2d=poses)


def test_gap_before_a_person_is_refused():
    predictions = make_predictions(2, 2, 3)
    boxes, p3, p2 = (
        np.array(a) for a in (predictions.boxes, predictions.poses3d, predictions.poses2d)
    )
    for array in (boxes, p3, p2):
        array[1, 0] = np.nan
    with pytest.raises(ValidationError, match="empty slot before an occupied one"):
        _replace(predictions, boxes=boxes, poses3d=p3, poses2d=p2)


def test_document_with_wrong_joint_count_is_refused():
    predictions = make_predictions(2, 1, 3)
    data = predictions.to_document().model_dump(mode="json")
    data["frames"][1]["people"][0]["poses3d"].pop()
    document = VideoPredictionsDocument.model_validate(data)
    with pytest.raises(ValueError, match=r"frames\.1\.people\.0\.poses3d"):
        document.to_arrays()


def test_an_empty_slot_with_a_track_id_is_refused():
    predictions = make_predictions(3, [1, 0, 1], 4, tracks=True)
    tracks = np.array(predictions.track_ids)
    tracks[1, 0] = 4
    with pytest.raises(
        ValidationError, match="empty slot 0 of frame 1 holds values; empty slots hold -1"
    ):
        _replace(predictions, track_ids=tracks)


def test_untracked_people_have_no_track_id_in_the_frame_view():
    predictions = make_predictions(2, [2, 1], 3, tracks=True)
    tracks = np.array(predictions.track_ids)
    tracks[0, 1] = NO_TRACK
    frames = _replace(predictions, track_ids=tracks).to_frames()
    assert [p.track_id for p in frames[0].people] == [0, None]


def test_some_people_without_an_optional_array_are_refused():
    predictions = make_predictions(2, [1, 1], 3, confidence=True)
    frames = list(predictions.to_frames())
    person = frames[1].people[0].model_copy(update={"joint_confidence": None})
    frames[1] = frames[1].model_copy(update={"people": (person,)})
    with pytest.raises(ValueError, match=r"frames\.1\.people\.0\.joint_confidence: is missing"):
        VideoPredictions.from_frames(
            frames,
            metadata=predictions.metadata,
            skeleton=predictions.skeleton,
            camera=predictions.camera,
            provenance=predictions.provenance,
        )


def test_per_person_values_in_the_frame_view_are_checked():
    predictions = make_predictions(1, 1, 2)
    data = predictions.to_document().model_dump(mode="json")
    data["frames"][0]["people"][0]["box"][0] = "Infinity"
    with pytest.raises(ValidationError, match="box holds NaN or infinity"):
        VideoPredictionsDocument.model_validate(data)
    data = predictions.to_document().model_dump(mode="json")
    data["frames"][0]["people"][0]["track_id"] = -3
    with pytest.raises(ValidationError, match="track_id holds -3; values are 0 to 2147483647"):
        VideoPredictionsDocument.model_validate(data)

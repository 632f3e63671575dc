"""The ``quality_flags`` array: version-2 files gain it, and it excuses NaN in missing joints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuropose.schema import (
    CleaningConfig,
    QualityFlag,
    SchemaValidationError,
    TrackingConfig,
    VideoPredictions,
    flags_from_presence,
    io,
)
from support.predictions import make_predictions

OBSERVED, MISSING = int(QualityFlag.OBSERVED), int(QualityFlag.MISSING)


def _replace(predictions: VideoPredictions, **arrays: Any) -> VideoPredictions:
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    return VideoPredictions(**{**fields, **arrays})


def _as_version_2(path: Path) -> None:
    """Rewrite a current file as version 2 wrote it: no quality flags, no new provenance keys."""
    if path.suffix == ".json":
        document = json.loads(path.read_text())
        for frame in document["frames"]:
            for person in frame["people"]:
                del person["quality_flags"]
        for key in ("tracking", "cleaning", "subject"):
            del document["provenance"][key]
        path.write_text(json.dumps({**document, "schema_version": 2}))
        return
    with np.load(path) as archive:
        members = {name: archive[name] for name in archive.files}
    header = json.loads(members["header"].tobytes())
    header["arrays"].pop("quality_flags", None)
    members.pop("quality_flags", None)
    for key in ("tracking", "cleaning", "subject"):
        del header["provenance"][key]
    header["schema_version"] = 2
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **members)


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_a_version_2_file_loads_observed_where_a_person_is_and_missing_elsewhere(tmp_path, suffix):
    original = make_predictions(5, [1, 2, 0, 2, 1], 4, tracks=True, quality_flags=True)
    path = tmp_path / f"old.{suffix}"
    io.save_predictions(original, path)
    _as_version_2(path)

    loaded = io.load_predictions(path)
    assert loaded.schema_version == 3
    assert loaded.quality_flags is not None
    assert loaded.quality_flags.dtype == np.uint8
    expected = np.where(original.person_mask[..., None], OBSERVED, MISSING)
    np.testing.assert_array_equal(loaded.quality_flags, np.broadcast_to(expected, (5, 2, 4)))
    assert loaded.provenance.tracking is None
    for name in ("times_s", "boxes", "poses3d", "poses2d", "track_ids"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(original, name))


def test_flags_from_presence_spells_the_two_states():
    flags = flags_from_presence([[True, False]])
    assert flags.dtype == np.uint8
    assert flags.tolist() == [[OBSERVED, MISSING]]


def _with_a_missing_joint() -> VideoPredictions:
    predictions = make_predictions(4, [1, 1, 2, 1], 3, confidence=True, quality_flags=True)
    poses3d, poses2d = np.array(predictions.poses3d), np.array(predictions.poses2d)
    confidence = np.array(predictions.joint_confidence)
    flags = np.array(predictions.quality_flags)
    poses3d[2, 1, 0] = poses2d[2, 1, 0] = confidence[2, 1, 0] = np.nan
    flags[2, 1, 0] = MISSING | QualityFlag.LOW_CONFIDENCE
    return _replace(
        predictions,
        poses3d=poses3d,
        poses2d=poses2d,
        joint_confidence=confidence,
        quality_flags=flags,
    )


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_a_joint_flagged_missing_may_be_nan_and_round_trips(tmp_path, suffix):
    predictions = _with_a_missing_joint()
    assert predictions.person_mask[2, 1]
    path = tmp_path / f"p.{suffix}"
    io.save_predictions(predictions, path)
    loaded = io.load_predictions(path)
    assert loaded.same_as(predictions)
    assert np.isnan(loaded.poses3d[2, 1, 0]).all()
    assert loaded.quality_flags is not None
    assert loaded.quality_flags[2, 1, 0] == MISSING | QualityFlag.LOW_CONFIDENCE


def test_nan_in_a_joint_not_flagged_missing_is_refused():
    predictions = _with_a_missing_joint()
    flags = np.array(predictions.quality_flags)
    flags[2, 1, 0] = OBSERVED
    with pytest.raises(ValueError, match=r"poses3d: NaN or infinity for the detected person 1"):
        _replace(predictions, quality_flags=flags)
    with pytest.raises(ValueError, match=r"poses3d: NaN or infinity for the detected person 1"):
        _replace(predictions, quality_flags=None)


def test_json_nan_in_a_joint_not_flagged_missing_names_the_person(tmp_path):
    path = tmp_path / "p.json"
    io.save_predictions(_with_a_missing_joint(), path)
    document = json.loads(path.read_text())
    document["frames"][2]["people"][1]["quality_flags"][0] = OBSERVED
    path.write_text(json.dumps(document))
    with pytest.raises(SchemaValidationError) as raised:
        io.load_predictions(path)
    assert raised.value.field == "frames.2.people.1.poses3d"


def test_infinity_is_refused_even_in_a_missing_joint():
    predictions = _with_a_missing_joint()
    poses3d = np.array(predictions.poses3d)
    poses3d[2, 1, 0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        _replace(predictions, poses3d=poses3d)


def test_a_missing_joint_must_be_nan_in_every_coordinate():
    predictions = _with_a_missing_joint()
    poses3d = np.array(predictions.poses3d)
    poses3d[2, 1, 0, 2] = 1000.0
    with pytest.raises(ValueError, match="NaN or infinity"):
        _replace(predictions, poses3d=poses3d)


def test_empty_slots_hold_missing():
    predictions = make_predictions(2, [2, 1], 3, quality_flags=True)
    flags = np.array(predictions.quality_flags)
    flags[1, 1, 0] = OBSERVED
    with pytest.raises(
        ValueError, match="empty slot 1 of frame 1 holds values; empty slots hold 16"
    ):
        _replace(predictions, quality_flags=flags)


def test_provenance_records_tracking_and_cleaning(tmp_path):
    predictions = make_predictions(3, 1, 3)
    provenance = predictions.provenance.model_copy(
        update={
            "tracking": TrackingConfig(root3d_weight=0.0),
            "cleaning": CleaningConfig(task="tremor"),
        }
    )
    recorded = predictions.model_copy(update={"provenance": provenance})
    for suffix in ("json", "npz"):
        io.save_predictions(recorded, tmp_path / f"p.{suffix}")
        loaded = io.load_predictions(tmp_path / f"p.{suffix}")
        assert loaded.provenance.tracking == TrackingConfig(root3d_weight=0.0)
        assert loaded.provenance.cleaning is not None
        assert loaded.provenance.cleaning.cutoff_hz is None  # tremor keeps every frequency

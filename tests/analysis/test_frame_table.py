"""The long CSV table: its columns come from the predictions arrays, its values are exact."""

from __future__ import annotations

import csv
import io

import numpy as np

from neuropose.analysis import frame_table_columns, write_frame_table
from neuropose.schema import NO_TRACK, VideoPredictions
from support.predictions import make_predictions


def _rows(predictions: VideoPredictions) -> list[list[str]]:
    buffer = io.StringIO(newline="")
    count = write_frame_table(predictions, buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert count == len(rows) - 1
    return rows


def test_columns_follow_the_arrays():
    assert frame_table_columns(make_predictions(2, 1, 3)) == (
        "frame",
        "time_s",
        "person",
        "track_id",
        "joint",
        "x_mm",
        "y_mm",
        "z_mm",
        "u_px",
        "v_px",
    )
    with_confidence = frame_table_columns(make_predictions(2, 1, 3, confidence=True))
    assert with_confidence[-1] == "joint_confidence"


def test_one_row_per_frame_person_and_joint_with_exact_values():
    counts = [1, 0, 2, 1]
    predictions = make_predictions(4, counts, 3, tracks=True, confidence=True)
    tracks = np.array(predictions.track_ids)
    tracks[3, 0] = NO_TRACK
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    predictions = VideoPredictions(**{**fields, "track_ids": tracks})
    header, *rows = _rows(predictions)
    assert len(rows) == sum(counts) * 3
    frame, person, joint = 2, 1, 2
    row = dict(zip(header, rows[(1 + 1) * 3 + joint], strict=True))
    assert (row["frame"], row["person"], row["joint"]) == ("2", "1", "j2")
    assert float(row["time_s"]) == predictions.times_s[frame]
    assert row["track_id"] == "1"
    xyz = [float(row[c]) for c in ("x_mm", "y_mm", "z_mm")]
    assert np.array_equal(np.array(xyz, np.float32), predictions.poses3d[frame, person, joint])
    uv = [float(row[c]) for c in ("u_px", "v_px")]
    assert np.array_equal(np.array(uv, np.float32), predictions.poses2d[frame, person, joint])
    confidence = predictions.joint_confidence
    assert confidence is not None
    assert np.float32(float(row["joint_confidence"])) == confidence[frame, person, joint]
    untracked = dict(zip(header, rows[-1], strict=True))
    assert untracked["frame"] == "3"
    assert untracked["track_id"] == ""


def test_nobody_gives_only_the_header():
    assert len(_rows(make_predictions(3, 0, 4))) == 1

"""Exports: each format written, then read back by its own ecosystem's reader."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.analysis import export as ex
from neuropose.schema import NO_TRACK, NeuroPoseError, VideoPredictions
from support.predictions import make_predictions

JOINTS = 5
OBSERVED, LOW_CONFIDENCE, INTERPOLATED, MISSING = 1, 2, 8, 16


def rebuild(predictions: VideoPredictions, **arrays: Any) -> VideoPredictions:
    """A validated copy of ``predictions`` with some arrays replaced."""
    fields = {
        name: getattr(predictions, name)
        for name in ("times_s", "boxes", "poses3d", "poses2d", "track_ids", "joint_confidence")
    }
    fields.update(arrays)
    return VideoPredictions(
        metadata=predictions.metadata,
        skeleton=predictions.skeleton,
        camera=predictions.camera,
        provenance=predictions.provenance,
        **fields,
    )


def two_people(frames: int = 30, times: np.ndarray | None = None) -> VideoPredictions:
    """Tracks 7 and 3; they swap person slots in frames 5..9; track 3 is unseen in 12..15."""
    counts = [2] * frames
    base = make_predictions(frames, counts, JOINTS, confidence=True, tracks=True, seed=3)
    arrays = {
        name: np.array(getattr(base, name))
        for name in ("boxes", "poses3d", "poses2d", "joint_confidence")
    }
    tracks = np.where(np.arange(2)[None, :] == 0, 7, 3).repeat(frames, 0).astype(np.int32)
    swap = slice(5, 10)
    for array in arrays.values():
        array[swap] = array[swap][:, ::-1]
    tracks[swap] = tracks[swap][:, ::-1]
    # Track 3 unseen in frames 12..15: it sits in slot 1 there, which becomes empty.
    gone = slice(12, 16)
    for array in arrays.values():
        array[gone, 1] = np.nan
    tracks[gone, 1] = NO_TRACK
    if times is not None:
        arrays["times_s"] = times
    return rebuild(base, track_ids=tracks, **arrays)


def need(array: np.ndarray | None) -> np.ndarray:
    assert array is not None
    return array


def flags_for(predictions: VideoPredictions) -> np.ndarray:
    """Quality bits with every kind present, aligned with the person slots."""
    frames, persons = predictions.track_ids.shape
    flags = np.full((frames, persons, JOINTS), OBSERVED, np.uint8)
    flags[2, :, 1] = LOW_CONFIDENCE | INTERPOLATED
    flags[4, 0, :] = INTERPOLATED
    flags[~predictions.person_mask] = MISSING
    return flags


@pytest.fixture
def data() -> ex.ExportData:
    predictions = two_people()
    return ex.export_data(predictions, flags=flags_for(predictions))


def vfr_times(frames: int, seed: int = 0) -> np.ndarray:
    """Phone-like frame times: 30 fps with jitter and two dropped frames."""
    rng = np.random.default_rng(seed)
    steps = np.full(frames - 1, 1 / 30) + rng.uniform(-0.004, 0.004, frames - 1)
    steps[[7, 19]] *= 2
    return np.concatenate([[0.25], 0.25 + np.cumsum(steps)])


# --- export_data -------------------------------------------------------------------------------


def test_identities_follow_track_ids_not_slots() -> None:
    predictions = two_people()
    data = ex.export_data(predictions)
    assert data.track_ids == (3, 7)
    assert data.identities_from == "tracks"
    three = data.identities[0]
    # Frames 5..9 hold track 3 in slot 0, the rest in slot 1.
    np.testing.assert_array_equal(three.poses3d[6], predictions.poses3d[6, 0])
    np.testing.assert_array_equal(three.poses3d[0], predictions.poses3d[0, 1])
    np.testing.assert_array_equal(
        need(three.confidence)[20], need(predictions.joint_confidence)[20, 1]
    )
    assert np.isnan(three.poses3d[12:16]).all()
    assert three.present.sum() == 26
    assert data.identities[1].present.all()


def test_selection_and_unknown_identity() -> None:
    data = ex.export_data(two_people(), track_ids=[7])
    assert data.track_ids == (7,)
    with pytest.raises(ex.UnknownIdentityError, match=r"track id 5; the file has: 3, 7"):
        ex.export_data(two_people(), track_ids=[5])
    with pytest.raises(ex.ExportValueError, match="repeat"):
        ex.export_data(two_people(), track_ids=[7, 7])


def test_untracked_file_uses_slots_and_says_so() -> None:
    predictions = make_predictions(6, [1, 2, 2, 1, 2, 2], JOINTS)
    data = ex.export_data(predictions)
    assert data.identities_from == "slots"
    assert data.track_ids == (0, 1)
    assert np.isnan(data.identities[1].poses3d[[0, 3]]).all()


def test_flags_follow_identities_and_absence_is_missing() -> None:
    predictions = two_people()
    flags = flags_for(predictions)
    data = ex.export_data(predictions, flags=flags)
    three, seven = data.identities
    assert (need(three.flags)[12:16] == MISSING).all()
    assert (need(seven.flags)[4] == INTERPOLATED).all()
    assert need(three.flags)[2, 1] == LOW_CONFIDENCE | INTERPOLATED
    with pytest.raises(ex.ExportValueError, match="shape"):
        ex.export_data(predictions, flags=flags[:, :1])
    assert isinstance(ex.ExportValueError("x"), NeuroPoseError)


# --- CSV -----------------------------------------------------------------------------------------


def read_long_csv(path: Path, joints: tuple[str, ...]) -> dict[int, dict[str, np.ndarray]]:
    """Rebuild per-identity arrays from the long CSV with nothing but the csv module."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == ex.LONG_COLUMNS
    frames = 1 + max(int(row[0]) for row in rows[1:])
    out: dict[int, dict[str, np.ndarray]] = {}

    def number(text: str) -> float:
        return float(text) if text else np.nan

    for row in rows[1:]:
        assert len(row) == len(ex.LONG_COLUMNS)
        frame, track, joint = int(row[0]), int(row[2]), joints.index(row[3])
        person = out.setdefault(
            track,
            {
                "poses3d": np.full((frames, len(joints), 3), np.nan, np.float32),
                "poses2d": np.full((frames, len(joints), 2), np.nan, np.float32),
                "confidence": np.full((frames, len(joints)), np.nan, np.float32),
                "flags": np.full((frames, len(joints)), MISSING, np.uint8),
                "times": np.full(frames, np.nan),
            },
        )
        person["times"][frame] = float(row[1])
        person["poses3d"][frame, joint] = [number(v) for v in row[4:7]]
        person["poses2d"][frame, joint] = [number(v) for v in row[7:9]]
        person["confidence"][frame, joint] = number(row[9])
        person["flags"][frame, joint] = int(row[10])
    return out


def test_csv_reads_back_equal(data: ex.ExportData, tmp_path: Path) -> None:
    path = ex.write_csv(data, tmp_path / "poses.csv")
    back = read_long_csv(path, data.joint_names)
    assert sorted(back) == [3, 7]
    for person in data.identities:
        got = back[person.track_id]
        np.testing.assert_array_equal(got["poses3d"], person.poses3d)
        np.testing.assert_array_equal(got["poses2d"], person.poses2d)
        np.testing.assert_array_equal(got["confidence"], person.confidence)
        np.testing.assert_array_equal(got["flags"], person.flags)
        seen = ~np.isnan(got["times"])
        np.testing.assert_array_equal(got["times"][seen], data.times_s[seen])
    # Track 3 has no rows while unseen; rows come by frame, then track, then joint.
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert len(rows) == (30 + 26) * JOINTS
    keys = [(int(r[0]), int(r[2]), data.joint_names.index(r[3])) for r in rows]
    assert keys == sorted(keys)


def test_csv_without_confidence_or_flags_leaves_fields_empty(tmp_path: Path) -> None:
    predictions = make_predictions(4, 1, JOINTS, tracks=True)
    path = ex.write_csv(ex.export_data(predictions), tmp_path / "p.csv")
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert len(rows) == 4 * JOINTS
    assert all(row[9] == "" and row[10] == "" for row in rows)
    np.testing.assert_array_equal(
        np.array([[float(v) for v in row[4:7]] for row in rows], np.float32),
        predictions.poses3d[:, 0].reshape(-1, 3),
    )


def test_csv_in_chunks_matches_one_piece(
    data: ex.ExportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = ex.write_csv(data, tmp_path / "whole.csv").read_bytes()
    from neuropose.analysis.export import _text

    monkeypatch.setattr(_text, "_VALUES_PER_CHUNK", 13)
    assert ex.write_csv(data, tmp_path / "chunks.csv").read_bytes() == whole


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1, max_size=50)
)
def test_every_float32_reads_back_bit_identical(values: list[float]) -> None:
    import io

    from neuropose.analysis.export._text import write_rows

    array = np.array(values, np.float32)
    buffer = io.BytesIO()
    write_rows(buffer, ["r"], np.zeros((array.size, 1), np.int64), array[None, :])
    lines = buffer.getvalue().decode().splitlines()
    parsed = np.array([float(line.split(",")[1]) for line in lines], np.float32)
    np.testing.assert_array_equal(parsed, array)


# --- Parquet -------------------------------------------------------------------------------------


def test_parquet_reads_back_equal(data: ex.ExportData, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = ex.write_parquet(data, tmp_path / "poses.parquet")
    table = pq.read_table(path)
    assert tuple(table.column_names) == ex.LONG_COLUMNS
    assert str(table.schema.field("flag").type) == "uint8"
    assert str(table.schema.field("x_mm").type) == "float"
    assert pq.ParquetFile(path).metadata.row_group(0).column(4).compression == "ZSTD"
    meta = json.loads(table.schema.metadata[ex.PARQUET_METADATA_KEY])
    assert meta["track_ids"] == [3, 7]
    assert meta["skeleton"]["joint_names"] == list(data.joint_names)
    assert meta["units"]["x_mm"] == "mm"
    columns = {name: table.column(name).to_numpy(zero_copy_only=False) for name in ex.LONG_COLUMNS}
    reference = ex.long_table(data)
    np.testing.assert_array_equal(columns["frame"], reference.frame)
    np.testing.assert_array_equal(columns["time_s"], reference.time_s)
    np.testing.assert_array_equal(columns["track_id"], reference.track_id)
    joints = table.column("joint").to_pylist()
    assert joints == [data.joint_names[j] for j in reference.joint]
    for index, name in enumerate(("x_mm", "y_mm", "z_mm", "u_px", "v_px", "confidence")):
        np.testing.assert_array_equal(columns[name].astype(np.float32), reference.values[index])
    np.testing.assert_array_equal(columns["flag"], reference.flag)
    # Missing values are nulls, not NaN numbers, so SQL-style readers see them as missing.
    assert table.column("x_mm").null_count == int(np.isnan(reference.values[0]).sum())


def test_parquet_rows_equal_csv_rows(data: ex.ExportData, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(ex.write_parquet(data, tmp_path / "p.parquet"))
    with open(ex.write_csv(data, tmp_path / "p.csv"), newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert table.num_rows == len(rows)
    z = table.column("z_mm").to_numpy(zero_copy_only=False)
    np.testing.assert_array_equal(
        z.astype(np.float32), np.array([float(r[6]) if r[6] else np.nan for r in rows], np.float32)
    )


# --- TRC and MOT: a strict reader written from OpenSim's definition ------------------------------


def opensim_fields(line: str) -> list[str]:
    """Split like OpenSim's FileAdapter::tokenize: keep inner empty fields, drop a trailing one."""
    fields = line.rstrip("\r\n").split("\t")
    if fields and fields[-1] == "":
        fields.pop()
    return fields


def read_trc(path: Path) -> dict[str, Any]:
    """Parse a TRC file strictly, failing on anything OpenSim's TRCFileAdapter would reject."""
    lines = path.read_text().split("\n")
    first = lines[0].split("\t")
    assert first[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    assert first[3] == path.name
    keys = [k for k in opensim_fields(lines[1]) if k]
    assert keys == [
        "DataRate",
        "CameraRate",
        "NumFrames",
        "NumMarkers",
        "Units",
        "OrigDataRate",
        "OrigDataStartFrame",
        "OrigNumFrames",
    ]
    values = [v for v in opensim_fields(lines[2]) if v]
    assert len(values) == len(keys)
    meta = dict(zip(keys, values, strict=True))
    markers = int(meta["NumMarkers"])
    labels = opensim_fields(lines[3])
    assert labels[:2] == ["Frame#", "Time"]
    names = labels[2::3]
    assert len(names) == markers
    assert all(labels[3 + 3 * i : 5 + 3 * i] == ["", ""] for i in range(markers))
    axes = [a for a in opensim_fields(lines[4]) if a]
    assert axes == [f"{axis}{i}" for i in range(1, markers + 1) for axis in "XYZ"]
    assert lines[5] == ""
    body = [line for line in lines[6:] if line]
    assert lines[-1] == ""
    assert len(body) == int(meta["NumFrames"]) == int(meta["OrigNumFrames"])
    frames, times, xyz = [], [], np.full((len(body), markers, 3), np.nan)
    for row_number, line in enumerate(body):
        fields = opensim_fields(line)
        assert len(fields) == 2 + 3 * markers, f"row {row_number + 1} has {len(fields)} fields"
        frames.append(int(fields[0]))
        times.append(float(fields[1]))
        for m in range(markers):
            triple = fields[2 + 3 * m : 5 + 3 * m]
            # A marker is either all three numbers or all three empty.
            assert all(triple) or not any(triple)
            if all(triple):
                xyz[row_number, m] = [float(v) for v in triple]
    rate = float(meta["DataRate"])
    start = int(meta["OrigDataStartFrame"])
    assert frames == list(range(start, start + len(body)))
    np.testing.assert_allclose(
        np.array(times) - times[0], (np.array(frames) - start) / rate, atol=1e-9
    )
    return {"meta": meta, "names": names, "times": np.array(times), "xyz": xyz, "rate": rate}


def to_camera_mm(xyz_m: np.ndarray) -> np.ndarray:
    return (xyz_m * np.array([1.0, -1.0, -1.0]) * 1000.0).astype(np.float32)


def test_trc_header_and_round_trip(data: ex.ExportData, tmp_path: Path) -> None:
    path = ex.write_trc(data, tmp_path / "markers.trc")
    trc = read_trc(path)
    assert trc["meta"]["Units"] == "m"
    assert trc["rate"] == 30.0
    assert trc["meta"]["CameraRate"] == "30"
    assert trc["names"] == [f"id{t}_{j}" for t in (3, 7) for j in data.joint_names]
    np.testing.assert_array_equal(trc["times"], data.times_s)
    for index, person in enumerate(data.identities):
        got = to_camera_mm(trc["xyz"][:, index * JOINTS : (index + 1) * JOINTS])
        np.testing.assert_array_equal(got, person.poses3d)
    # Unseen samples are empty fields, which OpenSim reads as NaN.
    assert np.isnan(trc["xyz"][12:16, :JOINTS]).all()


def test_trc_y_points_up(tmp_path: Path) -> None:
    predictions = make_predictions(3, 1, JOINTS, tracks=True)
    path = ex.write_trc(ex.export_data(predictions), tmp_path / "one.trc")
    trc = read_trc(path)
    assert trc["names"] == list(predictions.skeleton.joint_names)
    camera_y = predictions.poses3d[:, 0, :, 1]
    np.testing.assert_allclose(trc["xyz"][..., 1], -camera_y / 1000.0, rtol=1e-7)
    # Right-handed: the map is a rotation.
    assert np.linalg.det(ex.CAMERA_TO_OPENSIM) == pytest.approx(1.0)


def interpolate(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Reference linear interpolation, one column at a time."""
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    out = np.stack([np.interp(grid, times, flat[:, k]) for k in range(flat.shape[1])], axis=1)
    return out.reshape((grid.shape[0], *values.shape[1:]))


def test_trc_resamples_variable_frame_rate(tmp_path: Path) -> None:
    times = vfr_times(30)
    predictions = two_people(times=times)
    data = ex.export_data(predictions, track_ids=[7])
    trc = read_trc(ex.write_trc(data, tmp_path / "vfr.trc"))
    steps = np.diff(times)
    assert trc["rate"] == pytest.approx(1 / np.median(steps), rel=1e-9)
    grid = times[0] + np.arange(trc["xyz"].shape[0]) / trc["rate"]
    np.testing.assert_allclose(trc["times"], grid, atol=1e-12)
    assert grid[-1] <= times[-1] < grid[-1] + 1 / trc["rate"]
    expected = interpolate(times, data.identities[0].poses3d, grid)
    np.testing.assert_allclose(to_camera_mm(trc["xyz"]), expected, atol=1e-3)


def test_resampling_leaves_gaps_missing_and_flags_them() -> None:
    times = vfr_times(30)
    predictions = two_people(times=times)
    data = ex.export_data(predictions, track_ids=[3], flags=flags_for(predictions))
    uniform = ex.to_uniform(data)
    assert uniform.resampled_hz == pytest.approx(1 / np.median(np.diff(times)))
    person = uniform.identities[0]
    inside_gap = (uniform.times_s > times[11]) & (uniform.times_s < times[16])
    assert inside_gap.any()
    assert np.isnan(person.poses3d[inside_gap]).all()
    assert (need(person.flags)[inside_gap] == MISSING).all()
    assert (need(person.flags)[~inside_gap] & MISSING == 0).all()
    # Grid samples leaning on frame 2 (joint 1 interpolated after a low-confidence value)
    # are interpolated and keep the reason; samples between observed frames stay observed.
    near_two = (uniform.times_s > times[1]) & (uniform.times_s < times[3])
    assert (need(person.flags)[near_two, 1] == LOW_CONFIDENCE | INTERPOLATED).all()
    far = (uniform.times_s > times[20]) & (uniform.times_s < times[28])
    assert (need(person.flags)[far] == OBSERVED).all()
    # Uniform input goes through untouched.
    plain = ex.export_data(two_people())
    assert ex.to_uniform(plain) is plain


def read_mot(path: Path) -> dict[str, Any]:
    """Parse a .mot file strictly per OpenSim's storage format."""
    lines = path.read_text().split("\n")
    end = lines.index("endheader")
    header = dict(line.split("=", 1) for line in lines[1:end])
    assert lines[0]
    assert "=" not in lines[0]
    assert header["version"] == "1"
    assert header["inDegrees"] == "yes"
    labels = lines[end + 1].split("\t")
    assert labels[0] == "time"
    assert len(labels) == int(header["nColumns"])
    body = [line.split("\t") for line in lines[end + 2 :] if line]
    assert len(body) == int(header["nRows"])
    assert lines[-1] == ""
    assert all(len(row) == len(labels) for row in body)
    table = np.array([[float(v) for v in row] for row in body])
    return {"name": lines[0], "labels": labels[1:], "time": table[:, 0], "values": table[:, 1:]}


def test_mot_round_trip_and_missing(tmp_path: Path) -> None:
    times = np.arange(20) / 50.0
    angles = np.stack([np.linspace(0, 90, 20), np.linspace(170, 120, 20)], axis=1)
    angles = angles.astype(np.float32)
    angles[4, 1] = np.nan
    path = ex.write_mot(tmp_path / "a.mot", times, angles, ["knee_angle_r", "elbow_flex_r"])
    mot = read_mot(path)
    assert mot["labels"] == ["knee_angle_r", "elbow_flex_r"]
    np.testing.assert_array_equal(mot["time"], times)
    np.testing.assert_array_equal(mot["values"].astype(np.float32), angles)
    assert "\tNaN" in path.read_text()


def test_mot_resamples_variable_frame_rate(tmp_path: Path) -> None:
    times = vfr_times(30)
    angles = np.stack([np.sin(times), np.cos(times)], axis=1) * 90
    mot = read_mot(ex.write_mot(tmp_path / "v.mot", times, angles, ["a", "b"], rate_hz=25.0))
    grid = times[0] + np.arange(mot["time"].shape[0]) / 25.0
    np.testing.assert_allclose(mot["time"], grid, atol=1e-12)
    np.testing.assert_allclose(mot["values"], interpolate(times, angles, grid), rtol=1e-8)


def test_mot_refuses_bad_input(tmp_path: Path) -> None:
    times = np.arange(3) / 30
    with pytest.raises(ex.ExportValueError, match="angle names"):
        ex.write_mot(tmp_path / "x.mot", times, np.zeros((3, 2)), ["a"])
    with pytest.raises(ex.ExportValueError, match="unique"):
        ex.write_mot(tmp_path / "x.mot", times, np.zeros((3, 2)), ["a", "a"])
    with pytest.raises(ex.ExportValueError, match="infinity"):
        ex.write_mot(tmp_path / "x.mot", times, np.full((3, 1), np.inf), ["a"])
    with pytest.raises(ex.ExportValueError, match="increasing"):
        ex.write_mot(tmp_path / "x.mot", times[::-1], np.zeros((3, 1)), ["a"])


def test_trc_needs_two_frames(tmp_path: Path) -> None:
    data = ex.export_data(make_predictions(1, 1, JOINTS))
    with pytest.raises(ex.ExportValueError, match="two frames"):
        ex.write_trc(data, tmp_path / "x.trc")


# --- C3D -----------------------------------------------------------------------------------------


def test_c3d_reads_back_equal_with_ezc3d(data: ex.ExportData, tmp_path: Path) -> None:
    ezc3d = pytest.importorskip("ezc3d")
    path = ex.write_c3d(data, tmp_path / "poses.c3d")
    c3d = ezc3d.c3d(str(path))
    parameters = c3d["parameters"]
    labels = parameters["POINT"]["LABELS"]["value"]
    assert labels == [f"id{t}:{j}" for t in (3, 7) for j in data.joint_names]
    assert parameters["POINT"]["UNITS"]["value"] == ["mm"]
    assert parameters["POINT"]["RATE"]["value"][0] == pytest.approx(30.0)
    assert parameters["SUBJECTS"]["NAMES"]["value"] == ["id3", "id7"]
    assert parameters["SUBJECTS"]["LABEL_PREFIXES"]["value"] == ["id3:", "id7:"]
    assert parameters["NEUROPOSE"]["MODEL_NAME"]["value"] == [data.model_name]
    assert parameters["POINT"]["Y_SCREEN"]["value"] == ["-Y"]
    points = c3d["data"]["points"]
    residuals = c3d["data"]["meta_points"]["residuals"][0]
    analogs = c3d["data"]["analogs"][0]
    analog_labels = parameters["ANALOG"]["LABELS"]["value"]
    for index, person in enumerate(data.identities):
        block = slice(index * JOINTS, (index + 1) * JOINTS)
        xyz = points[:3, block].transpose(2, 1, 0).astype(np.float32)
        np.testing.assert_array_equal(xyz, person.poses3d)
        missing = np.isnan(person.poses3d).any(axis=-1).T
        np.testing.assert_array_equal(residuals[block] == -1, missing)
        assert (residuals[block][~missing] >= 0).all()
        for suffix, expected in (("_conf", person.confidence), ("_flag", person.flags)):
            rows = [analog_labels.index(f"{label}{suffix}") for label in labels[block]]
            np.testing.assert_array_equal(analogs[rows].T.astype(np.float32), expected)


def test_c3d_single_person_and_variable_frame_rate(tmp_path: Path) -> None:
    ezc3d = pytest.importorskip("ezc3d")
    times = vfr_times(30)
    predictions = two_people(times=times)
    data = ex.export_data(predictions, track_ids=[7])
    c3d = ezc3d.c3d(str(ex.write_c3d(data, tmp_path / "vfr.c3d")))
    rate = c3d["parameters"]["POINT"]["RATE"]["value"][0]
    assert rate == pytest.approx(1 / np.median(np.diff(times)), rel=1e-6)
    assert c3d["parameters"]["POINT"]["LABELS"]["value"] == list(data.joint_names)
    uniform = ex.to_uniform(data)
    xyz = c3d["data"]["points"][:3].transpose(2, 1, 0)
    np.testing.assert_array_equal(xyz.astype(np.float32), uniform.identities[0].poses3d)
    grid = uniform.times_s
    np.testing.assert_allclose(xyz, interpolate(times, data.identities[0].poses3d, grid), atol=1e-3)


def test_c3d_with_more_than_255_points(tmp_path: Path) -> None:
    ezc3d = pytest.importorskip("ezc3d")
    data = ex.export_data(make_predictions(4, 6, 43, tracks=True))
    c3d = ezc3d.c3d(str(ex.write_c3d(data, tmp_path / "crowd.c3d")))
    point = c3d["parameters"]["POINT"]
    labels = point["LABELS"]["value"] + point["LABELS2"]["value"]
    assert labels == ex.c3d_labels(data)
    assert len(labels) == 258
    xyz = c3d["data"]["points"][:3].transpose(2, 1, 0).astype(np.float32)
    np.testing.assert_array_equal(xyz, np.concatenate([p.poses3d for p in data.identities], 1))


def test_c3d_needs_its_suffix(data: ex.ExportData, tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    with pytest.raises(ex.ExportValueError, match=r"\.c3d"):
        ex.write_c3d(data, tmp_path / "poses.dat")


# --- NWB -----------------------------------------------------------------------------------------


def test_nwb_validates_and_reads_back_equal(data: ex.ExportData, tmp_path: Path) -> None:
    pynwb = pytest.importorskip("pynwb")
    pytest.importorskip("ndx_pose")
    path = ex.write_nwb(data, tmp_path / "poses.nwb")
    assert pynwb.validate(path=str(path)) == []
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwbfile = io.read()
        behavior = nwbfile.processing["behavior"]
        skeletons = behavior["Skeletons"].skeletons
        assert sorted(skeletons) == ["track_3", "track_7"]
        assert list(skeletons["track_3"].nodes[:]) == list(data.joint_names)
        np.testing.assert_array_equal(skeletons["track_3"].edges[:], np.array(data.joint_edges))
        assert nwbfile.subject is None
        generated = {name: version for name, version in nwbfile.was_generated_by[:]}
        assert generated["neuropose-schema"] == "0.1.0"
        for person in data.identities:
            pose3d = behavior[f"pose3d_track_{person.track_id}"]
            pose2d = behavior[f"pose2d_track_{person.track_id}"]
            assert pose3d.skeleton.name == f"track_{person.track_id}"
            assert data.model_sha256 in pose3d.description
            assert pose3d.source_software == "NeuroPose"
            np.testing.assert_array_equal(pose3d.device.intrinsic_matrix[:], data.camera_matrix)
            for joint, name in enumerate(data.joint_names):
                series = pose3d.pose_estimation_series[name]
                assert series.unit == "meters"
                assert series.conversion == pytest.approx(0.001)
                np.testing.assert_array_equal(series.data[:], person.poses3d[:, joint])
                np.testing.assert_array_equal(
                    series.confidence[:], need(person.confidence)[:, joint]
                )
                np.testing.assert_array_equal(series.timestamps[:], data.times_s)
                np.testing.assert_allclose(
                    series.get_data_in_units(), person.poses3d[:, joint] / 1000.0, rtol=1e-6
                )
                flat = pose2d.pose_estimation_series[name]
                assert flat.unit == "pixels"
                np.testing.assert_array_equal(flat.data[:], person.poses2d[:, joint])
            flags = behavior[f"quality_flags_track_{person.track_id}"]
            np.testing.assert_array_equal(flags.data[:], person.flags)
            np.testing.assert_array_equal(flags.timestamps[:], data.times_s)


def test_every_header_names_the_files_3d_frame(tmp_path: Path) -> None:
    # A BlazePose file's poses are hip-centred: no export may call them camera-frame.
    from neuropose.schema import Frame3d

    pq = pytest.importorskip("pyarrow.parquet")
    ezc3d = pytest.importorskip("ezc3d")
    pynwb = pytest.importorskip("pynwb")
    pytest.importorskip("ndx_pose")
    camera_frame = ex.export_data(two_people())
    assert camera_frame.frame3d == Frame3d.CAMERA.value
    base = two_people()
    units = base.units.model_copy(update={"frame3d": Frame3d.HIP_CENTRED})
    data = ex.export_data(base.model_copy(update={"units": units}))
    assert data.frame3d == Frame3d.HIP_CENTRED.value
    table = pq.read_table(ex.write_parquet(data, tmp_path / "p.parquet"))
    assert json.loads(table.schema.metadata[ex.PARQUET_METADATA_KEY])["frame3d"] == data.frame3d
    c3d = ezc3d.c3d(str(ex.write_c3d(data, tmp_path / "p.c3d")))
    assert c3d["parameters"]["NEUROPOSE"]["FRAME"]["value"] == [data.frame3d]
    with pynwb.NWBHDF5IO(str(ex.write_nwb(data, tmp_path / "p.nwb")), "r") as io:
        behavior = io.read().processing["behavior"]
        series = behavior["pose3d_track_3"].pose_estimation_series[data.joint_names[0]]
        assert series.reference_frame.startswith("hip-centred")


def test_nwb_session_time_needs_a_timezone(data: ex.ExportData, tmp_path: Path) -> None:
    pytest.importorskip("pynwb")
    from datetime import datetime

    with pytest.raises(ex.ExportValueError, match="timezone"):
        ex.write_nwb(data, tmp_path / "x.nwb", session_start_time=datetime(2026, 1, 1))
    assert not (tmp_path / "x.nwb").exists()


# --- Format table, overwriting, missing extras -----------------------------------------------


def write_any(spec: ex.ExportFormat, data: ex.ExportData, path: Path, **kwargs: Any) -> Path:
    if spec.takes == "series":
        return spec.writer(data, path, **kwargs)
    if spec.takes == "angles":
        return spec.writer(path, data.times_s, np.zeros((data.frame_count, 1)), ["a"], **kwargs)
    return spec.writer(two_people(), path, **kwargs)


@pytest.mark.parametrize("name", list(ex.FORMATS))
def test_no_format_overwrites_without_force(name: str, data: ex.ExportData, tmp_path: Path) -> None:
    spec = ex.get_format(name)
    if not spec.available:
        pytest.skip(f"{spec.module} is not installed")
    path = tmp_path / f"out{spec.suffix}"
    path.write_bytes(b"keep me")
    with pytest.raises(ex.OutputExistsError, match="force"):
        write_any(spec, data, path)
    assert path.read_bytes() == b"keep me"
    write_any(spec, data, path, force=True)
    assert path.read_bytes() != b"keep me"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("name", ["json", "npz"])
def test_predictions_formats_keep_everything(name: str, tmp_path: Path) -> None:
    from neuropose.schema import io

    predictions = two_people()
    spec = ex.get_format(name)
    path = spec.writer(predictions, tmp_path / f"p{spec.suffix}")
    assert io.load_predictions(path).same_as(predictions)


def test_format_table() -> None:
    assert list(ex.FORMATS) == ["nwb", "trc", "mot", "c3d", "parquet", "csv", "json", "npz"]
    assert ex.get_format("Parquet").extra == "parquet"
    with pytest.raises(ex.UnknownFormatError, match="nwb, trc, mot, c3d, parquet, csv, json, npz"):
        ex.get_format("xlsx")


@pytest.mark.parametrize(
    ("module", "extra", "call"),
    [
        ("pyarrow", "parquet", lambda d, p: ex.write_parquet(d, p / "x.parquet")),
        ("pynwb", "nwb", lambda d, p: ex.write_nwb(d, p / "x.nwb")),
        ("ezc3d", "c3d", lambda d, p: ex.write_c3d(d, p / "x.c3d")),
    ],
)
def test_missing_extra_names_it(
    module: str,
    extra: str,
    call: Any,
    data: ex.ExportData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    with pytest.raises(ex.MissingExtraError, match=rf"neuropose-analysis\[{extra}\]"):
        call(data, tmp_path)


def test_importing_the_exporters_stays_light() -> None:
    heavy = ("pynwb", "pyarrow", "ezc3d", "h5py", "pandas", "numba", "scipy")
    code = (
        f"import sys, neuropose.analysis.export; print([m for m in {heavy!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

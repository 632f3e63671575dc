import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.schema import (
    CorruptFileError,
    JobStatus,
    JobStatusEntry,
    SchemaValidationError,
    StatusFile,
    UnsupportedSchemaVersionError,
    io,
    register_migration,
)
from neuropose.schema._base import PersistedModel
from support.predictions import make_predictions


@pytest.mark.parametrize("name", ["p.json", "p.npz"])
@pytest.mark.parametrize("compress", [True, False])
def test_predictions_round_trip_through_files(tmp_path, name, compress):
    predictions = make_predictions(25, [1, 2, 0, 1, 1] * 5, 43, confidence=True, tracks=True)
    io.save_predictions(predictions, tmp_path / name, compress=compress)
    assert io.load_predictions(tmp_path / name).same_as(predictions)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=6))
def test_npz_round_trip_property(tmp_path_factory, counts):
    path = tmp_path_factory.mktemp("p") / "p.npz"
    predictions = make_predictions(len(counts), counts, 2)
    io.save_predictions(predictions, path)
    assert io.load_predictions(path).same_as(predictions)


def test_truncated_npz_is_a_corrupt_file(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(50, 1, 43), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptFileError, match=r"p\.npz.*truncated"):
        io.load_predictions(path)


def test_npz_without_header_is_named(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, poses3d=np.zeros((1, 1, 1, 3)))
    with pytest.raises(CorruptFileError, match="no 'header' member"):
        io.load_predictions(path)


def _rewrite_member(path: Path, name: str, array: np.ndarray) -> None:
    with np.load(path) as archive:
        members = {key: archive[key] for key in archive.files}
    members[name] = array
    np.savez(path, **members)


def test_npz_wrong_dtype_is_named(tmp_path):
    path = tmp_path / "p.npz"
    predictions = make_predictions(4, 1, 3)
    io.save_predictions(predictions, path, compress=False)
    header = json.loads(np.load(path)["header"].tobytes())
    header["arrays"]["track_ids"]["dtype"] = "<f8"
    _rewrite_member(path, "header", np.frombuffer(json.dumps(header).encode(), np.uint8))
    _rewrite_member(path, "track_ids", predictions.track_ids.astype(np.float64))
    with pytest.raises(SchemaValidationError, match=r"field 'track_ids'.*dtype float64"):
        io.load_predictions(path)


def test_npz_wrong_shape_is_named(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(4, 1, 3), path)
    _rewrite_member(path, "poses3d", np.zeros((8, 5), np.uint8))
    with pytest.raises(SchemaValidationError, match=r"p\.npz: field 'poses3d'.*should be"):
        io.load_predictions(path)
    io.save_predictions(make_predictions(4, 1, 3), path)
    _rewrite_member(path, "poses2d", np.zeros((8, 5), np.uint8))
    with pytest.raises(SchemaValidationError, match=r"field 'poses2d': residual should be"):
        io.load_predictions(path)


def _drop_array(path: Path, name: str) -> None:
    with np.load(path) as archive:
        members = {key: archive[key] for key in archive.files if key != name}
    header = json.loads(members["header"].tobytes())
    del header["arrays"][name]
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(path, **members)


def test_npz_without_a_required_array_is_named(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(4, 1, 3, confidence=True), path)
    _drop_array(path, "joint_confidence")  # optional: the file is still valid
    assert io.load_predictions(path).joint_confidence is None
    _drop_array(path, "poses2d")
    with pytest.raises(SchemaValidationError, match=r"field 'poses2d'.*array missing"):
        io.load_predictions(path)


def test_npz_array_named_like_a_header_field_is_refused(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(2, 1, 3), path, compress=False)
    with np.load(path) as archive:
        members = {key: archive[key] for key in archive.files}
    header = json.loads(members["header"].tobytes())
    header["arrays"]["metadata"] = header["arrays"]["times_s"]
    members["metadata"] = members["times_s"]
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(path, **members)
    with pytest.raises(SchemaValidationError, match="names both an array and a header field"):
        io.load_predictions(path)


def test_json_with_nan_for_a_person_names_the_field(tmp_path):
    path = tmp_path / "p.json"
    io.save_predictions(make_predictions(3, 1, 2), path)
    data = json.loads(path.read_text())
    data["frames"][2]["people"][0]["poses3d"][1][0] = "NaN"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaValidationError) as raised:
        io.load_predictions(path)
    assert raised.value.field == "frames.2.people.0.poses3d"
    assert str(path) in str(raised.value)


def test_malformed_json_is_a_corrupt_file(tmp_path):
    path = tmp_path / "status.json"
    path.write_text('{"schema_version": 1, "jobs": {')
    with pytest.raises(CorruptFileError, match=r"status\.json: is not valid JSON.*truncated"):
        io.load_status(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CorruptFileError, match=r"nothere\.json: does not exist"):
        io.load_status(tmp_path / "nothere.json")


def test_json_array_instead_of_object(tmp_path):
    path = tmp_path / "status.json"
    path.write_text("[]")
    with pytest.raises(CorruptFileError, match="expected an object"):
        io.load_status(path)


@pytest.mark.parametrize(
    ("version", "error", "message"),
    [
        (2, UnsupportedSchemaVersionError, "upgrade neuropose-schema"),
        (0, UnsupportedSchemaVersionError, "not supported"),
        ("1", SchemaValidationError, "must be an integer"),
        (None, SchemaValidationError, "missing"),
    ],
)
def test_schema_versions(tmp_path, version, error, message):
    path = tmp_path / "status.json"
    data: dict[str, object] = {"jobs": {}}
    if version is not None:
        data["schema_version"] = version
    path.write_text(json.dumps(data))
    with pytest.raises(error, match=message):
        io.load_status(path)


def test_unknown_key_is_refused(tmp_path):
    path = tmp_path / "status.json"
    path.write_text(json.dumps({"schema_version": 1, "jobs": {}, "colour": "red"}))
    with pytest.raises(SchemaValidationError) as raised:
        io.load_status(path)
    assert raised.value.field == "colour"


class _Trial(PersistedModel):
    KIND = "test_trial"
    CURRENT_VERSION = 3
    schema_version: int = 3
    duration_s: float
    label: str


@register_migration("test_trial", 1)
def _v1_to_v2(data):
    milliseconds = data.pop("duration_ms")
    return {**data, "duration_s": milliseconds / 1000, "schema_version": 2}


@register_migration("test_trial", 2)
def _v2_to_v3(data):
    return {**data, "label": "unlabelled", "schema_version": 3}


def test_migrations_chain_to_the_current_version(tmp_path):
    path = tmp_path / "trial.json"
    path.write_text(json.dumps({"schema_version": 1, "duration_ms": 2500}))
    trial = io.load(path, _Trial)
    assert trial == _Trial(duration_s=2.5, label="unlabelled")


def test_models_refuse_a_version_other_than_current():
    with pytest.raises(ValueError, match="schema_version 1"):
        StatusFile(schema_version=2)


def test_status_file_round_trip(tmp_path):
    status = StatusFile(
        jobs={"a": JobStatusEntry(name="a", status=JobStatus.PROCESSING, frames_done=3)}
    )
    io.save(status, tmp_path / "status.json")
    assert io.load_status(tmp_path / "status.json") == status


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "status.json"
    io.save(StatusFile(), path)
    before = path.read_bytes()

    def disk_full(handle):
        handle.write(b"{partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        io.atomic_write(path, disk_full)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["status.json"]


def test_killed_writer_never_leaves_a_truncated_file(tmp_path):
    """SIGKILL a process that rewrites a large file in a loop; the file stays loadable."""
    path = tmp_path / "p.npz"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from support.predictions import make_predictions
        from neuropose.schema import io
        predictions = [make_predictions(3000, 1, 43, seed=s) for s in range(2)]
        i = 0
        while True:
            io.save_predictions(predictions[i % 2], {str(path)!r})
            print(i, flush=True)
            i += 1
        """
    )
    expected = [make_predictions(3000, 1, 43, seed=s) for s in range(2)]
    for delay in (0.05, 0.2, 0.35, 0.5, 0.8):
        writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        writer.stdout.readline()  # at least one complete save happened
        time.sleep(delay)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        loaded = io.load_predictions(path)
        assert any(loaded.same_as(e) for e in expected)
        assert zipfile.is_zipfile(path)

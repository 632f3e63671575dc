"""The compact ``.npz`` predictions file: small, exact to the bit, readable by the docs' recipe."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuropose.schema import CorruptFileError, SchemaValidationError, VideoPredictions, io
from neuropose.schema._binary import ENCODINGS, write_npz
from support.predictions import make_predictions

ROOT = Path(__file__).resolve().parents[2]


def _replace(predictions: VideoPredictions, **arrays: np.ndarray) -> VideoPredictions:
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    return VideoPredictions(**{**fields, **arrays})


def _bits(array: np.ndarray | None) -> bytes | None:
    return None if array is None else np.ascontiguousarray(array).tobytes()


def _assert_bit_identical(a: VideoPredictions, b: VideoPredictions) -> None:
    assert a.header() == b.header()
    for name, array in a.arrays().items():
        assert _bits(array) == _bits(b.arrays()[name]), name


def _encodings(path: Path) -> dict[str, str]:
    with np.load(path) as archive:
        header = json.loads(archive["header"].tobytes())
    return {name: info["encoding"] for name, info in header["arrays"].items()}


def _docs_reader() -> Any:
    """The NumPy-only decoder printed in docs/formats.md, executed as written."""
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    [code] = [block for block in blocks if "def read_predictions_npz" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/formats.md", "exec"), namespace)
    return namespace["read_predictions_npz"]


def test_thirty_minutes_of_one_person_fit_in_25_mb(tmp_path):
    predictions = make_predictions(54_000, 1, 43)
    path = tmp_path / "p.npz"
    io.save_predictions(predictions, path)
    size_mb = path.stat().st_size / 1e6
    assert size_mb <= 25.0, f"{size_mb:.1f} MB"
    assert _encodings(path)["poses2d"] == "projection_residual"
    _assert_bit_identical(io.load_predictions(path), predictions)


@pytest.mark.parametrize("compress", [True, False])
def test_the_docs_recipe_decodes_every_array_bit_for_bit(tmp_path, compress):
    predictions = make_predictions(300, [1, 2, 0] * 100, 43, confidence=True, tracks=True)
    path = tmp_path / "p.npz"
    io.save_predictions(predictions, path, compress=compress)
    header, arrays = _docs_reader()(path)
    assert header["skeleton"]["name"] == "berkeley_mhad_43"
    for name, array in predictions.arrays().items():
        assert _bits(arrays.get(name)) == _bits(array), name
    if compress:
        assert set(_encodings(path).values()) >= {"byteplanes_split", "projection_residual"}


def test_empty_slots_keep_their_nan_bits_and_signed_zeros(tmp_path):
    predictions = make_predictions(400, [1, 2] * 200, 5)
    poses2d = np.array(predictions.poses2d)
    poses2d.view(np.uint32)[0, 1] = np.uint32(0xFFC00123)  # a NaN with a sign and a payload
    poses2d[1, 0, 0, 0] = -0.0
    poses3d = np.array(predictions.poses3d)
    poses3d.view(np.uint32)[2, 1] = np.uint32(0x7FA00001)  # a signalling NaN in an empty slot
    changed = _replace(predictions, poses2d=poses2d, poses3d=poses3d)
    path = tmp_path / "p.npz"
    io.save_predictions(changed, path)
    assert _encodings(path)["poses2d"] == "projection_residual"
    loaded = io.load_predictions(path)
    _assert_bit_identical(loaded, changed)
    assert np.signbit(loaded.poses2d[1, 0, 0, 0])
    _, arrays = _docs_reader()(path)
    assert _bits(arrays["poses2d"]) == _bits(poses2d)


def test_a_2d_pose_that_is_not_the_projection_is_stored_as_planes(tmp_path):
    predictions = make_predictions(60, 1, 43)
    rng = np.random.default_rng(3)
    poses2d = rng.uniform(0, 1920, predictions.poses2d.shape).astype(np.float32)
    changed = _replace(predictions, poses2d=poses2d)
    path = tmp_path / "p.npz"
    io.save_predictions(changed, path)
    assert _encodings(path)["poses2d"].startswith("byteplanes")
    _assert_bit_identical(io.load_predictions(path), changed)


def test_subnormal_values_fall_back_to_planes(tmp_path):
    predictions = make_predictions(30, 1, 4)
    poses3d = np.array(predictions.poses3d)
    poses3d[3, 0, 1, 0] = np.float32(1e-40)  # subnormal: machines flushing to zero would differ
    changed = _replace(predictions, poses3d=poses3d)
    path = tmp_path / "p.npz"
    io.save_predictions(changed, path)
    assert _encodings(path)["poses2d"] != "projection_residual"
    _assert_bit_identical(io.load_predictions(path), changed)


def _old_layout(predictions: VideoPredictions, path: Path) -> None:
    """Write the layout of neuropose-schema 0.1 by hand: every float array as byte planes."""
    members: dict[str, np.ndarray] = {}
    described = {}
    for name, array in predictions.arrays().items():
        if array is None:
            continue
        encoding = "byteplanes" if array.dtype.kind == "f" and array.ndim > 1 else "raw"
        described[name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "encoding": encoding,
        }
        if encoding == "raw":
            members[name] = array
        else:
            values = np.asfortranarray(array).T.reshape(-1).view(np.uint8)
            members[name] = values.reshape(-1, array.dtype.itemsize).T.copy()
    header = {**predictions.header(), "format": "neuropose-predictions", "arrays": described}
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez_compressed(path, **members)  # pyright: ignore[reportArgumentType]  # numpy's stub checks **members against allow_pickle: bool


def test_files_in_the_earlier_layout_still_read(tmp_path):
    predictions = make_predictions(50, [1, 0, 2, 1, 1] * 10, 43, confidence=True)
    path = tmp_path / "old.npz"
    _old_layout(predictions, path)
    _assert_bit_identical(io.load_predictions(path), predictions)
    _, arrays = _docs_reader()(path)
    assert _bits(arrays["poses2d"]) == _bits(predictions.poses2d)


def test_without_projection_the_writer_stores_the_earlier_encodings(tmp_path):
    predictions = make_predictions(50, 1, 43)
    path = tmp_path / "p.npz"
    io.atomic_write(
        path,
        lambda handle: write_npz(
            handle,
            predictions.header(),
            predictions.arrays(),
            compress=True,
            project=False,
            split=False,
        ),
    )
    assert set(_encodings(path).values()) == {"raw", "byteplanes"}
    _assert_bit_identical(io.load_predictions(path), predictions)


def test_an_unknown_encoding_is_named(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(4, 1, 3), path, compress=False)
    with np.load(path) as archive:
        members = {key: archive[key] for key in archive.files}
    header = json.loads(members["header"].tobytes())
    header["arrays"]["boxes"]["encoding"] = "wavelets"
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(path, **members)
    with pytest.raises(SchemaValidationError, match=r"field 'boxes'.*unknown encoding 'wavelets'"):
        io.load_predictions(path)
    assert "wavelets" not in ENCODINGS


def test_a_flipped_bit_in_an_uncompressed_member_is_caught(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(500, 1, 43), path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        stored = archive.getinfo("poses3d.stored.npy")
        assert stored.compress_type == zipfile.ZIP_STORED
        local = stored.header_offset  # local header: 30 bytes, then the name and extra field
        name_length, extra_length = np.frombuffer(bytes(data[local + 26 : local + 30]), "<u2")
        offset = local + 30 + int(name_length) + int(extra_length) + 4096
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=r"p\.npz.*not a readable predictions archive"):
        io.load_predictions(path)


def test_a_missing_stored_member_is_named(tmp_path):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(200, 1, 43), path)
    with np.load(path) as archive:
        members = {key: archive[key] for key in archive.files if key != "poses3d.stored"}
    np.savez(path, **members)
    with pytest.raises(
        SchemaValidationError, match=r"field 'poses3d': stored planes member missing"
    ):
        io.load_predictions(path)

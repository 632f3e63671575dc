"""Predictions files of schema_version 1 (flat inference parameters) load as the current version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuropose.schema import (
    InferenceOptions,
    SchemaValidationError,
    VideoPredictions,
    io,
)
from support.predictions import make_predictions

V1_PARAMETERS = {
    "skeleton": "berkeley_mhad_43",
    "batch_size": 16,
    "num_aug": 3,
    "detector_threshold": 0.4,
    "max_detections": 2,
    "fov_degrees": 60.0,
    "device": "/GPU:0",
}


def _as_version_1(header: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    provenance = {**header["provenance"], "parameters": parameters}
    return {**header, "schema_version": 1, "provenance": provenance}


def _write_v1_json(predictions: VideoPredictions, path: Path, parameters: dict[str, Any]) -> None:
    document = json.loads(predictions.to_document().model_dump_json())
    path.write_text(json.dumps(_as_version_1(document, parameters)))


def _write_v1_npz(predictions: VideoPredictions, path: Path, parameters: dict[str, Any]) -> None:
    """The version-1 archive: the same members, with the old header, written by NumPy alone."""
    io.save_predictions(predictions, path)
    with np.load(path) as archive:
        members = {name: archive[name] for name in archive.files}
    header = json.loads(members["header"].tobytes().decode("utf-8"))
    old = json.dumps(_as_version_1(header, parameters)).encode("utf-8")
    members["header"] = np.frombuffer(old, dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **members)


WRITERS = {"json": _write_v1_json, "npz": _write_v1_npz}


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_version_1_file_loads_with_its_parameters_in_the_options_tree(tmp_path, suffix):
    original = make_predictions(6, [1, 2, 0, 1, 1, 2], 43)
    path = tmp_path / f"old.{suffix}"
    WRITERS[suffix](original, path, V1_PARAMETERS)
    assert json.loads(_header_text(path))["schema_version"] == 1

    loaded = io.load_predictions(path)
    assert loaded.schema_version == VideoPredictions.CURRENT_VERSION == 3
    options = loaded.provenance.parameters
    assert isinstance(options, InferenceOptions)
    assert (options.model, options.batch_size, options.device) == ("metrabs_test", 16, "/GPU:0")
    assert options.fov_degrees == 60.0
    metrabs = options.metrabs
    assert (metrabs.skeleton, metrabs.num_aug) == ("berkeley_mhad_43", 3)
    assert (metrabs.detector_threshold, metrabs.max_detections) == (0.4, 2)
    assert options.blazepose == InferenceOptions().blazepose  # did not run: defaults
    # Nothing else moved: arrays and the rest of the header are as written.
    for name in ("times_s", "boxes", "poses3d", "poses2d", "track_ids"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(original, name))
    assert loaded.metadata == original.metadata
    assert loaded.provenance.model_sha256 == original.provenance.model_sha256

    # Version 2 to 3 gave it quality flags: observed where a person is, missing elsewhere.
    assert loaded.quality_flags is not None
    np.testing.assert_array_equal(loaded.quality_flags[..., 0], np.where(loaded.person_mask, 1, 16))
    # Saved again, it is a current file that reloads identically.
    again = tmp_path / f"new.{suffix}"
    io.save_predictions(loaded, again)
    assert json.loads(_header_text(again))["schema_version"] == 3
    assert io.load_predictions(again).same_as(loaded)


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_calibrated_version_1_file_gets_the_then_default_field_of_view(tmp_path, suffix):
    path = tmp_path / f"old.{suffix}"
    WRITERS[suffix](make_predictions(3), path, {**V1_PARAMETERS, "fov_degrees": None})
    assert io.load_predictions(path).provenance.parameters.fov_degrees == 55.0


@pytest.mark.parametrize(
    ("parameters", "field", "reason"),
    [
        (
            {k: v for k, v in V1_PARAMETERS.items() if k != "num_aug"},
            "provenance.parameters.metrabs.num_aug",
            "integer",
        ),
        ({**V1_PARAMETERS, "colour": "red"}, "provenance.parameters.colour", "Extra inputs"),
        ({**V1_PARAMETERS, "batch_size": 0}, "provenance.parameters.batch_size", "greater"),
    ],
)
def test_bad_version_1_parameters_are_named_not_defaulted(tmp_path, parameters, field, reason):
    path = tmp_path / "old.json"
    _write_v1_json(make_predictions(3), path, parameters)
    with pytest.raises(SchemaValidationError, match=reason) as raised:
        io.load_predictions(path)
    assert raised.value.field == field


def test_the_migration_is_registered_without_importing_it(tmp_path):
    """A fresh interpreter that only imports neuropose.schema.io can read a version-1 file."""
    path = tmp_path / "old.npz"
    _write_v1_npz(make_predictions(3), path, V1_PARAMETERS)
    probe = (
        "import sys\nfrom neuropose.schema import io\n"
        f"print(io.load_predictions({str(path)!r}).provenance.parameters.metrabs.num_aug)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "3"


def _header_text(path: Path) -> str:
    if path.suffix == ".json":
        return path.read_text()
    with np.load(path) as archive:
        return archive["header"].tobytes().decode("utf-8")

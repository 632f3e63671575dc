"""PREDICTION_ARRAYS is the one list of the predictions arrays; everything else follows it."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from neuropose.schema import FramePrediction, PersonPrediction, VideoPredictions, io
from neuropose.schema._arrays import PREDICTION_ARRAYS, ArraySpec, array_spec
from neuropose.schema._frames import item_type
from support.predictions import make_predictions

ROOT = Path(__file__).resolve().parents[2]


def _type_checking_block(source: str) -> dict[str, tuple[str, bool]]:
    """``{name: (annotation source, has default)}`` declared under ``if TYPE_CHECKING:``."""
    (cls,) = ast.parse(textwrap.dedent(source)).body
    assert isinstance(cls, ast.ClassDef)
    declared: dict[str, tuple[str, bool]] = {}
    for node in cls.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.AnnAssign), ast.unparse(statement)
                assert isinstance(statement.target, ast.Name)
                declared[statement.target.id] = (
                    ast.unparse(statement.annotation),
                    statement.value is not None,
                )
    return declared


def _typing_mismatches(model: type[BaseModel], source: str, expected: dict[str, Any]) -> list[str]:
    """Where the type checker's copy of generated fields disagrees with the spec.

    ``expected`` maps each generated field to its type. A declaration may be missing (the type
    checker then refuses code that reads the field, which is its own alarm) but never wrong.
    """
    declared = _type_checking_block(source)
    problems = []
    order = [name for name in expected if name in declared]
    if list(declared) != order:
        problems.append(f"{model.__name__}: declared {list(declared)}, spec order is {order}")
    namespace = {"np": np, "tuple": tuple, "float": float, "int": int}
    for name, (annotation, has_default) in declared.items():
        if name not in expected:
            problems.append(f"{model.__name__}.{name} is declared but not generated")
            continue
        if eval(annotation, namespace) != expected[name]:
            problems.append(f"{model.__name__}.{name}: declared {annotation}, is {expected[name]}")
        field = model.model_fields[name]
        if has_default != (not field.is_required()):
            problems.append(f"{model.__name__}.{name}: default does not match the model")
    return problems


def _expected_types() -> dict[type[BaseModel], dict[str, Any]]:
    arrays: dict[str, Any] = {
        spec.name: np.ndarray if spec.required else np.ndarray | None for spec in PREDICTION_ARRAYS
    }
    people: dict[str, Any] = {
        spec.item: item_type(spec) for spec in PREDICTION_ARRAYS if spec.per_person
    }
    frames: dict[str, Any] = {"index": int} | {
        spec.item: item_type(spec) for spec in PREDICTION_ARRAYS if not spec.per_person
    }
    return {VideoPredictions: arrays, PersonPrediction: people, FramePrediction: frames}


@pytest.mark.parametrize("model", [VideoPredictions, PersonPrediction, FramePrediction])
def test_the_type_checkers_copy_of_the_fields_matches_the_spec(model):
    expected = _expected_types()[model]
    assert _typing_mismatches(model, inspect.getsource(model), expected) == []


def test_the_typing_check_catches_a_planted_mismatch():
    planted = inspect.getsource(PersonPrediction).replace(
        "track_id: int | None = None", "track_id: float | None = None"
    )
    problems = _typing_mismatches(PersonPrediction, planted, _expected_types()[PersonPrediction])
    assert problems == [
        "PersonPrediction.track_id: declared float | None, is int | None",
    ]


def test_models_have_one_field_per_array():
    generated = list(VideoPredictions.model_fields)[-len(PREDICTION_ARRAYS) :]
    assert generated == [spec.name for spec in PREDICTION_ARRAYS]
    assert list(PersonPrediction.model_fields) == [
        s.item for s in PREDICTION_ARRAYS if s.per_person
    ]
    assert list(FramePrediction.model_fields) == ["index", "time_s", "people"]
    assert VideoPredictions.ARRAYS is PREDICTION_ARRAYS


def test_the_file_formats_page_lists_exactly_the_arrays():
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split("### Arrays", 1)[1].split("\n\n", 2)[1]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()[2:]
    ]
    expected = [
        [
            f"`{s.name}`",
            s.dims_text(),
            s.dtype.name,
            s.description + ("" if s.required else " (optional)"),
        ]
        for s in PREDICTION_ARRAYS
    ]
    assert rows == expected


def test_every_view_round_trips_every_array(tmp_path):
    predictions = make_predictions(
        6,
        [1, 2, 0, 1, 2, 1],
        4,
        confidence=True,
        tracks=True,
        root_translation=True,
        quality_flags=True,
    )
    frames = predictions.to_frames()
    person = frames[1].people[1]
    for spec in PREDICTION_ARRAYS:
        if spec.per_person:
            value = getattr(person, spec.item)
            expected = getattr(predictions, spec.name)[1, 1]
            np.testing.assert_array_equal(np.asarray(value, dtype=spec.dtype), expected)
    for suffix in ("json", "npz"):
        io.save_predictions(predictions, tmp_path / f"p.{suffix}")
        assert io.load_predictions(tmp_path / f"p.{suffix}").same_as(predictions)
    with np.load(tmp_path / "p.npz") as archive:
        names = {s.name for s in PREDICTION_ARRAYS}
        assert {name.removesuffix(".stored") for name in archive.files} == {"header"} | names
        described = json.loads(archive["header"].tobytes())["arrays"]
        for spec in PREDICTION_ARRAYS:
            stored = {
                "raw": (spec.dtype,),
                "byteplanes": (np.uint8,),
                "byteplanes_split": (np.uint8,),
                "projection_residual": (np.int8, np.int16),  # poses2d against projected poses3d
            }[described[spec.name]["encoding"]]
            assert archive[spec.name].dtype in stored


def test_same_as_looks_at_every_array():
    predictions = make_predictions(
        3, 1, 2, confidence=True, tracks=True, root_translation=True, quality_flags=True
    )
    for spec in PREDICTION_ARRAYS:
        array = np.array(getattr(predictions, spec.name))
        array.reshape(-1)[-1] += 1  # the last value: a later time keeps times ordered
        fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
        changed = VideoPredictions(**{**fields, spec.name: array})
        assert not predictions.same_as(changed), spec.name
    without = make_predictions(3, 1, 2, confidence=False, tracks=True)
    assert not predictions.same_as(without)
    assert not without.same_as(predictions)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("a", np.float32, ("persons",), "x"), "first axis must be 'frames'"),
        (("a", np.float32, ("frames", "cameras"), "x"), "unknown axis 'cameras'"),
        (("a", np.str_, ("frames",), "x"), "not a float or integer"),
        (("a", np.int16, ("frames", "persons"), "x"), "needs a fill"),
    ],
)
def test_inconsistent_specs_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        ArraySpec(*arguments)


def test_components_must_match_the_last_axis():
    with pytest.raises(ValueError, match="2 components"):
        ArraySpec("a", np.float32, ("frames", "persons", 3), "x", components=("u", "v"))


def test_array_spec_lookup_names_the_arrays():
    assert array_spec("poses3d").dtype == np.float32
    with pytest.raises(KeyError, match="the arrays are: times_s, boxes"):
        array_spec("poses4d")


QUALITY_LINE = (
    'ArraySpec("quality", np.uint8, (FRAMES, PERSONS, JOINTS), "sample flags", fill=MISSING)'
)

ONE_MORE_ARRAY = r"""
import json, sys
import numpy as np
import neuropose.schema._arrays as arrays
from neuropose.schema._arrays import ArraySpec, FRAMES, PERSONS, JOINTS

OBSERVED, MISSING = 1, 16
# The change under test: one more entry in the spec, made before anything reads the spec.
arrays.PREDICTION_ARRAYS = (*arrays.PREDICTION_ARRAYS, QUALITY_LINE)

from neuropose.schema import VideoPredictions, io, register_migration
from neuropose.schema._predictions import _PredictionsHeader

old_version = _PredictionsHeader.CURRENT_VERSION
_PredictionsHeader.CURRENT_VERSION = old_version + 1


# Its migration: in an older file, detected people were observed and empty slots missing.
@register_migration("video_predictions", old_version)
def _add_quality(data):
    if "frames" in data:  # a JSON document
        for frame in data["frames"]:
            for person in frame["people"]:
                person["quality"] = [OBSERVED] * len(person["poses3d"])
    else:  # an .npz archive: its header and its arrays
        present = ~np.isnan(data["boxes"][..., 0])
        flags = np.where(present, OBSERVED, MISSING).astype(np.uint8)
        data["quality"] = np.repeat(flags[..., None], data["poses3d"].shape[2], axis=2)
    return {**data, "schema_version": old_version + 1}


folder = sys.argv[1]
report = {"fields": list(VideoPredictions.model_fields)}
# Files written before the change (by the test, with the unchanged spec).
for suffix in ("json", "npz"):
    report["old_" + suffix] = io.load_predictions(f"{folder}/old.{suffix}").quality.tolist()

old = io.load_predictions(f"{folder}/old.npz")
fields = {name: getattr(old, name) for name in VideoPredictions.model_fields}
quality = np.array(old.quality)
quality[3, 0, 1] = 4  # an outlier replaced
predictions = VideoPredictions(**{**fields, "quality": quality})
for suffix in ("json", "npz"):
    path = f"{folder}/new.{suffix}"
    io.save_predictions(predictions, path)
    report[suffix + "_same"] = io.load_predictions(path).same_as(predictions)
report["same_as_sees_it"] = predictions.same_as(old)
report["person_quality"] = list(predictions.to_frames()[3].people[0].quality)
report["json_keys"] = sorted(json.load(open(f"{folder}/new.json"))["frames"][0]["people"][0])
with np.load(f"{folder}/new.npz") as archive:
    report["npz_quality"] = archive["quality"].tolist()

for label, (frame, slot, joint, value) in (("empty_slot", (1, 0, 0, 1)), ("range", (0, 0, 0, 300))):
    broken = np.array(quality, dtype=np.int64)
    broken[frame, slot, joint] = value
    try:
        VideoPredictions(**{**fields, "quality": broken})
    except ValueError as error:
        report[label] = str(error)
try:
    from neuropose.analysis import frame_table_columns
except ImportError:
    pass
else:
    report["columns"] = list(frame_table_columns(predictions))
print(json.dumps(report))
""".replace("QUALITY_LINE", QUALITY_LINE)


def test_one_more_array_is_one_spec_entry_plus_its_migration(tmp_path):
    """Wave 2's quality flags, added as one ArraySpec plus a migration, work everywhere."""
    old = make_predictions(4, [1, 0, 2, 1], 3, tracks=True)
    io.save_predictions(old, tmp_path / "old.json")
    io.save_predictions(old, tmp_path / "old.npz")
    result = subprocess.run(
        [sys.executable, "-c", ONE_MORE_ARRAY, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["fields"][-1] == "quality"
    observed, missing = [1, 1, 1], [16, 16, 16]
    migrated = [[observed, missing], [missing, missing], [observed, observed], [observed, missing]]
    assert report["old_json"] == migrated
    assert report["old_npz"] == migrated
    assert report["json_same"]
    assert report["npz_same"]
    assert not report["same_as_sees_it"]
    assert report["person_quality"] == [1, 4, 1]
    assert report["npz_quality"][3][0] == [1, 4, 1]
    assert "quality" in report["json_keys"]
    assert (
        "quality: empty slot 0 of frame 1 holds values; empty slots hold 16" in report["empty_slot"]
    )
    assert "holds 300, outside uint8's range 0 to 255" in report["range"]
    if (
        importlib.util.find_spec("neuropose.analysis") is not None
    ):  # absent in the schema's own venv
        assert report["columns"][-1] == "quality"

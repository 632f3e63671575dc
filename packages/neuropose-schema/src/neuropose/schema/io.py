"""Load and save every NeuroPose file, validated on the way in and atomic on the way out.

Loading reads the file, checks ``schema_version`` (migrating older versions, refusing newer
ones), validates every field and raises a :mod:`neuropose.schema` error that names the file and
the field. Saving writes a temporary file beside the target, fsyncs it and renames it into
place, so a crash never leaves a truncated file where a good one was.

Predictions have two forms, chosen by the file suffix: ``.json`` (one object per frame, for
people and for any JSON reader) and ``.npz`` (arrays, for speed and size; see
:mod:`neuropose.schema._binary` for the layout).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from neuropose.schema._analysis import AnalysisReport
from neuropose.schema._arrays import PREDICTION_ARRAYS
from neuropose.schema._atomic import (
    TemporaryFile,
    atomic_write,
    fsync_directory,
    remove_stale_temporaries,
    temporary_path,
)
from neuropose.schema._base import PersistedModel
from neuropose.schema._binary import read_npz, write_npz
from neuropose.schema._errors import CorruptFileError, SchemaValidationError
from neuropose.schema._guards import is_array, is_json_object
from neuropose.schema._jobs import JobResults, StatusFile
from neuropose.schema._metrics import BenchmarkResult
from neuropose.schema._migrations import migrate
from neuropose.schema._predictions import (
    FieldValueError,
    VideoPredictions,
    VideoPredictionsDocument,
    collector_paused,
)
from neuropose.schema._segmentation import Segmentation

__all__ = [
    "PredictionsFormat",
    "TemporaryFile",
    "atomic_write",
    "fsync_directory",
    "load",
    "load_analysis_report",
    "load_benchmark",
    "load_job_results",
    "load_predictions",
    "load_segmentation",
    "load_status",
    "remove_stale_temporaries",
    "save",
    "save_predictions",
    "temporary_path",
    "validation_error",
]

ModelT = TypeVar("ModelT", bound=PersistedModel)
PredictionsFormat = Literal["json", "npz"]
"""A predictions file's format: ``"json"`` (one object per frame) or ``"npz"`` (arrays)."""


def validation_error(
    error: ValidationError | FieldValueError, path: Path | None
) -> SchemaValidationError:
    """Turn a pydantic or array-check failure into a :class:`SchemaValidationError`.

    The first problem is named by its dotted field location; the count of further problems is
    appended so nobody fixes one field only to meet the next.
    """
    if isinstance(error, FieldValueError):
        return SchemaValidationError(path, error.field, error.reason)
    problems = error.errors()
    first = problems[0]
    location = [str(part) for part in first["loc"]]
    reason = first["msg"]
    context_error = first.get("ctx", {}).get("error")
    if isinstance(context_error, FieldValueError):
        location.append(context_error.field)
        reason = context_error.reason
    if len(problems) > 1:
        reason += f" (and {len(problems) - 1} more problem(s))"
    return SchemaValidationError(path, ".".join(location) or "(root)", reason)


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CorruptFileError(path, "does not exist; check the path") from None
    except IsADirectoryError:
        raise CorruptFileError(path, "is a directory, not a file") from None
    except PermissionError:
        raise CorruptFileError(path, "cannot be read: permission denied") from None


def _parse_json(raw: bytes, path: Path | None) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as error:
        raise CorruptFileError(path, f"is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        reason = f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        if not raw.strip() or error.pos >= len(raw.rstrip()):
            reason += " (the file looks truncated)"
        raise CorruptFileError(path, reason) from None
    if not is_json_object(data):
        raise CorruptFileError(path, f"holds a JSON {type(data).__name__}, expected an object")
    return data


def _validate(model: type[ModelT], data: dict[str, Any], path: Path | None) -> ModelT:
    data = migrate(data, kind=model.KIND, current=model.CURRENT_VERSION, path=path)
    try:
        return model.model_validate(data)
    except (ValidationError, FieldValueError) as error:
        raise validation_error(error, path) from None


def load(path: Path, model: type[ModelT]) -> ModelT:
    """Load and validate a JSON file of any persisted kind.

    Parameters
    ----------
    path
        The file.
    model
        The expected contract, for example :class:`~neuropose.schema.StatusFile`.

    Raises
    ------
    CorruptFileError
        Missing, unreadable, not JSON, truncated.
    UnsupportedSchemaVersionError
        Written by a newer schema, or too old to migrate.
    SchemaValidationError
        A field is wrong; the error names it.
    """
    path = Path(path)
    return _validate(model, _parse_json(_read(path), path), path)


def save(document: PersistedModel, path: Path) -> None:
    """Save any persisted model as indented JSON, atomically."""
    if isinstance(document, VideoPredictions):
        save_predictions(document, path)
        return
    atomic_write(Path(path), document.model_dump_json(indent=2).encode("utf-8") + b"\n")


def load_status(path: Path) -> StatusFile:
    """Load ``status.json``."""
    return load(path, StatusFile)


def load_job_results(path: Path) -> JobResults:
    """Load a job's ``results.json``."""
    return load(path, JobResults)


def load_segmentation(path: Path) -> Segmentation:
    """Load a saved segmentation."""
    return load(path, Segmentation)


def load_benchmark(path: Path) -> BenchmarkResult:
    """Load a saved benchmark result."""
    return load(path, BenchmarkResult)


def load_analysis_report(path: Path) -> AnalysisReport:
    """Load a saved analysis report."""
    return load(path, AnalysisReport)


def _format_of(path: Path, raw: bytes | None = None) -> PredictionsFormat:
    suffix = path.suffix.lower()
    if suffix in {".json", ".npz"}:
        return "json" if suffix == ".json" else "npz"
    if raw is not None:
        return "npz" if raw.startswith(b"PK") else "json"
    msg = f"{path}: unknown predictions format '{suffix}'; use a .json or .npz file name"
    raise ValueError(msg)


def load_predictions(path: Path) -> VideoPredictions:
    """Load predictions from a ``.json`` or ``.npz`` file, validated.

    Raises
    ------
    CorruptFileError, UnsupportedSchemaVersionError, SchemaValidationError
        As for :func:`load`; array problems name the array and the first bad frame.
    """
    path = Path(path)
    raw = _read(path)
    if _format_of(path, raw) == "json":
        # Parsing and validating build millions of small acyclic objects; pausing the cyclic
        # collector meanwhile halves the load time of a 30-minute file.
        with collector_paused():
            document = _validate(VideoPredictionsDocument, _parse_json(raw, path), path)
            try:
                return document.to_arrays()
            except (ValidationError, FieldValueError) as error:
                raise validation_error(error, path) from None
    header, arrays = read_npz(raw, path)
    # Migrations see the arrays beside the header, so one that adds or reshapes an array can
    # build it from the others; dtypes are checked afterwards, against the current layout.
    data = migrate(
        {**header, **arrays},
        kind=VideoPredictions.KIND,
        current=VideoPredictions.CURRENT_VERSION,
        path=path,
    )
    _check_stored_arrays(data, path)
    try:
        return VideoPredictions.model_validate(data)
    except (ValidationError, FieldValueError) as error:
        raise validation_error(error, path) from None


def save_predictions(
    predictions: VideoPredictions,
    path: Path,
    *,
    format: PredictionsFormat | None = None,
    compress: bool = True,
) -> None:
    """Save predictions atomically as JSON or ``.npz``.

    Parameters
    ----------
    predictions
        What to save.
    path
        Destination; its suffix picks the format unless ``format`` is given.
    format
        ``"json"`` or ``"npz"``.
    compress
        For ``.npz``: byte planes and deflate, with the 2D pose stored as its residual against
        the projected 3D pose (about 45 % of the raw size, without loss), or raw arrays
        (fastest to write, largest).
    """
    path = Path(path)
    chosen = format or _format_of(path)
    if chosen == "json":
        text = predictions.to_document().model_dump_json()
        atomic_write(path, text.encode("utf-8"))
        return
    arrays = predictions.arrays()
    atomic_write(
        path, lambda handle: write_npz(handle, predictions.header(), arrays, compress=compress)
    )


def _check_stored_arrays(data: dict[str, Any], path: Path) -> None:
    """Refuse a missing required array, or a stored dtype other than the declared one.

    The model would convert a same-kind dtype silently; a file is held to the exact dtype, so
    a writer that stored float64 poses is caught here.
    """
    for spec in PREDICTION_ARRAYS:
        array: object = data.get(spec.name)
        if array is None:
            if spec.required:
                raise SchemaValidationError(path, spec.name, "array missing from the archive")
            continue
        if not is_array(array):
            continue  # a migration's own value: the model converts it or names the field
        stored = array
        if stored.dtype != spec.dtype:
            raise SchemaValidationError(
                path, spec.name, f"has dtype {stored.dtype}, expected {spec.dtype.name}"
            )

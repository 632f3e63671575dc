"""Versioned contracts shared by every NeuroPose package.

Every file NeuroPose writes has a model here with a ``schema_version``; value objects are
frozen and reject unknown keys. Load and save files with :mod:`neuropose.schema.io`.

Conventions written into every predictions file: ``poses3d`` in millimetres in the camera
frame (x right, y down, z forward), ``poses2d`` in pixels, times in seconds.
"""

# Exports load on first use (PEP 562): importing a submodule such as the error classes, or a
# package that only needs a few models, does not pay for building every pydantic model.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from neuropose.schema._analysis import AnalysisReport, Comparison, JointAngleSummary
    from neuropose.schema._errors import (
        ConfigError,
        CorruptFileError,
        NeuroPoseError,
        SchemaError,
        SchemaValidationError,
        UnsupportedSchemaVersionError,
    )
    from neuropose.schema._frames import FramePrediction, PersonPrediction
    from neuropose.schema._jobs import (
        JobResults,
        JobStatus,
        JobStatusEntry,
        StatusFile,
        VideoResult,
    )
    from neuropose.schema._metrics import (
        BenchmarkAggregate,
        BenchmarkResult,
        CpuComparison,
        PerformanceMetrics,
    )
    from neuropose.schema._migrations import register_migration
    from neuropose.schema._model_cache import CachedFile, ModelCacheEntry
    from neuropose.schema._predictions import NO_TRACK, VideoPredictions, VideoPredictionsDocument
    from neuropose.schema._protocol import EstimatorProtocol, ProcessVideoResult, ProgressCallback
    from neuropose.schema._provenance import InferenceParameters, Provenance
    from neuropose.schema._segmentation import Repetition, Segmentation, SegmentationConfig
    from neuropose.schema._settings import Settings, default_data_home
    from neuropose.schema._skeleton import Skeleton
    from neuropose.schema._video import CameraIntrinsics, Units, VideoMetadata

_EXPORTS: dict[str, str] = {
    "AnalysisReport": "neuropose.schema._analysis",
    "Comparison": "neuropose.schema._analysis",
    "JointAngleSummary": "neuropose.schema._analysis",
    "ConfigError": "neuropose.schema._errors",
    "CorruptFileError": "neuropose.schema._errors",
    "NeuroPoseError": "neuropose.schema._errors",
    "SchemaError": "neuropose.schema._errors",
    "SchemaValidationError": "neuropose.schema._errors",
    "UnsupportedSchemaVersionError": "neuropose.schema._errors",
    "FramePrediction": "neuropose.schema._frames",
    "PersonPrediction": "neuropose.schema._frames",
    "JobResults": "neuropose.schema._jobs",
    "JobStatus": "neuropose.schema._jobs",
    "JobStatusEntry": "neuropose.schema._jobs",
    "StatusFile": "neuropose.schema._jobs",
    "VideoResult": "neuropose.schema._jobs",
    "BenchmarkAggregate": "neuropose.schema._metrics",
    "BenchmarkResult": "neuropose.schema._metrics",
    "CpuComparison": "neuropose.schema._metrics",
    "PerformanceMetrics": "neuropose.schema._metrics",
    "register_migration": "neuropose.schema._migrations",
    "CachedFile": "neuropose.schema._model_cache",
    "ModelCacheEntry": "neuropose.schema._model_cache",
    "NO_TRACK": "neuropose.schema._predictions",
    "VideoPredictions": "neuropose.schema._predictions",
    "VideoPredictionsDocument": "neuropose.schema._predictions",
    "EstimatorProtocol": "neuropose.schema._protocol",
    "ProcessVideoResult": "neuropose.schema._protocol",
    "ProgressCallback": "neuropose.schema._protocol",
    "InferenceParameters": "neuropose.schema._provenance",
    "Provenance": "neuropose.schema._provenance",
    "Repetition": "neuropose.schema._segmentation",
    "Segmentation": "neuropose.schema._segmentation",
    "SegmentationConfig": "neuropose.schema._segmentation",
    "Settings": "neuropose.schema._settings",
    "default_data_home": "neuropose.schema._settings",
    "Skeleton": "neuropose.schema._skeleton",
    "CameraIntrinsics": "neuropose.schema._video",
    "Units": "neuropose.schema._video",
    "VideoMetadata": "neuropose.schema._video",
}

VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".mts"}
)
"""Lower-case file suffixes treated as videos by the daemon and the zip ingester."""


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("neuropose-schema")
        except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
            return "0.0.0"
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neuropose.schema' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "NO_TRACK",
    "VIDEO_EXTENSIONS",
    "AnalysisReport",
    "BenchmarkAggregate",
    "BenchmarkResult",
    "CachedFile",
    "CameraIntrinsics",
    "Comparison",
    "ConfigError",
    "CorruptFileError",
    "CpuComparison",
    "EstimatorProtocol",
    "FramePrediction",
    "InferenceParameters",
    "JobResults",
    "JobStatus",
    "JobStatusEntry",
    "JointAngleSummary",
    "ModelCacheEntry",
    "NeuroPoseError",
    "PerformanceMetrics",
    "PersonPrediction",
    "ProcessVideoResult",
    "ProgressCallback",
    "Provenance",
    "Repetition",
    "SchemaError",
    "SchemaValidationError",
    "Segmentation",
    "SegmentationConfig",
    "Settings",
    "Skeleton",
    "StatusFile",
    "Units",
    "UnsupportedSchemaVersionError",
    "VideoMetadata",
    "VideoPredictions",
    "VideoPredictionsDocument",
    "VideoResult",
    "__version__",
    "default_data_home",
    "register_migration",
]

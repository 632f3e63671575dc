"""Versioned contracts shared by every NeuroPose package.

Every file NeuroPose writes has a model here with a ``schema_version``; value objects are
frozen and reject unknown keys. Load and save files with :mod:`neuropose.schema.io`.

Conventions written into every predictions file: ``poses3d`` in millimetres in the camera
frame (x right, y down, z forward), ``poses2d`` in pixels, times in seconds.
"""

from importlib.metadata import PackageNotFoundError, version

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
from neuropose.schema._jobs import JobResults, JobStatus, JobStatusEntry, StatusFile, VideoResult
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

try:
    __version__ = version("neuropose-schema")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0"

VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".mts"}
)
"""Lower-case file suffixes treated as videos by the daemon and the zip ingester."""

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

"""Versioned contracts shared by every NeuroPose package.

This stub is the one list of the package's public names: type checkers read it, and
``__init__.py`` parses it at import time to load each name on first use and to build
``__all__``. Add a public name here, as ``from neuropose.schema._module import Name as Name``.
"""

from neuropose.schema._analysis import AnalysisReport as AnalysisReport
from neuropose.schema._analysis import Comparison as Comparison
from neuropose.schema._analysis import JointAngleSummary as JointAngleSummary
from neuropose.schema._arrays import PREDICTION_ARRAYS as PREDICTION_ARRAYS
from neuropose.schema._arrays import ArraySpec as ArraySpec
from neuropose.schema._arrays import array_spec as array_spec
from neuropose.schema._batch import BatchModel as BatchModel
from neuropose.schema._batch import BatchSummary as BatchSummary
from neuropose.schema._batch import BatchVideo as BatchVideo
from neuropose.schema._batch import BatchVideoStatus as BatchVideoStatus
from neuropose.schema._errors import ConfigError as ConfigError
from neuropose.schema._errors import CorruptFileError as CorruptFileError
from neuropose.schema._errors import NeuroPoseError as NeuroPoseError
from neuropose.schema._errors import SchemaError as SchemaError
from neuropose.schema._errors import SchemaValidationError as SchemaValidationError
from neuropose.schema._errors import UnsupportedSchemaVersionError as UnsupportedSchemaVersionError
from neuropose.schema._frames import FramePrediction as FramePrediction
from neuropose.schema._frames import PersonPrediction as PersonPrediction
from neuropose.schema._jobs import JobResults as JobResults
from neuropose.schema._jobs import JobStatus as JobStatus
from neuropose.schema._jobs import JobStatusEntry as JobStatusEntry
from neuropose.schema._jobs import StatusFile as StatusFile
from neuropose.schema._jobs import VideoResult as VideoResult
from neuropose.schema._layout import DataDirectory as DataDirectory
from neuropose.schema._measures import SD_CONVENTION as SD_CONVENTION
from neuropose.schema._measures import AngleConvention as AngleConvention
from neuropose.schema._measures import AngleReport as AngleReport
from neuropose.schema._measures import ClinicalAngleSummary as ClinicalAngleSummary
from neuropose.schema._measures import GaitConfig as GaitConfig
from neuropose.schema._measures import GaitCycle as GaitCycle
from neuropose.schema._measures import GaitResult as GaitResult
from neuropose.schema._measures import GaitStatistic as GaitStatistic
from neuropose.schema._measures import QuantityMeasures as QuantityMeasures
from neuropose.schema._measures import RepetitionMeasures as RepetitionMeasures
from neuropose.schema._measures import SymmetryMeasure as SymmetryMeasure
from neuropose.schema._metrics import BenchmarkAggregate as BenchmarkAggregate
from neuropose.schema._metrics import BenchmarkResult as BenchmarkResult
from neuropose.schema._metrics import CpuComparison as CpuComparison
from neuropose.schema._metrics import PerformanceMetrics as PerformanceMetrics
from neuropose.schema._migrations import register_migration as register_migration
from neuropose.schema._model_cache import CachedFile as CachedFile
from neuropose.schema._model_cache import ModelCacheEntry as ModelCacheEntry
from neuropose.schema._options import BlazePoseOptions as BlazePoseOptions
from neuropose.schema._options import InferenceOptions as InferenceOptions
from neuropose.schema._options import MetrabsOptions as MetrabsOptions
from neuropose.schema._options import OptionLeaf as OptionLeaf
from neuropose.schema._predictions import NO_TRACK as NO_TRACK
from neuropose.schema._predictions import VideoPredictions as VideoPredictions
from neuropose.schema._predictions import VideoPredictionsDocument as VideoPredictionsDocument
from neuropose.schema._protocol import EstimatorProtocol as EstimatorProtocol
from neuropose.schema._protocol import ProcessVideoResult as ProcessVideoResult
from neuropose.schema._protocol import ProgressCallback as ProgressCallback
from neuropose.schema._provenance import Provenance as Provenance
from neuropose.schema._quality import DEFAULT_CUTOFF_HZ as DEFAULT_CUTOFF_HZ
from neuropose.schema._quality import QUALITY_FLAGS_DTYPE as QUALITY_FLAGS_DTYPE
from neuropose.schema._quality import TASK_CUTOFFS_HZ as TASK_CUTOFFS_HZ
from neuropose.schema._quality import CleaningConfig as CleaningConfig
from neuropose.schema._quality import GapSpan as GapSpan
from neuropose.schema._quality import JointQuality as JointQuality
from neuropose.schema._quality import MovementMeasure as MovementMeasure
from neuropose.schema._quality import QualityFlag as QualityFlag
from neuropose.schema._quality import QualitySummary as QualitySummary
from neuropose.schema._quality import SubjectChoice as SubjectChoice
from neuropose.schema._quality import SubjectConfig as SubjectConfig
from neuropose.schema._quality import SubjectWarning as SubjectWarning
from neuropose.schema._quality import Task as Task
from neuropose.schema._quality import TrackingConfig as TrackingConfig
from neuropose.schema._quality import TrackingSummary as TrackingSummary
from neuropose.schema._quality import TrackScore as TrackScore
from neuropose.schema._quality import flags_from_presence as flags_from_presence
from neuropose.schema._recipe import REPORT_TASKS as REPORT_TASKS
from neuropose.schema._recipe import Recipe as Recipe
from neuropose.schema._recipe import RecipeAngle as RecipeAngle
from neuropose.schema._recipe import RecipeAngles as RecipeAngles
from neuropose.schema._recipe import RecipeComparison as RecipeComparison
from neuropose.schema._recipe import RecipeExports as RecipeExports
from neuropose.schema._recipe import RecipeGait as RecipeGait
from neuropose.schema._recipe import RecipeOverlay as RecipeOverlay
from neuropose.schema._recipe import RecipeSegmentation as RecipeSegmentation
from neuropose.schema._recipe import RecipeSubject as RecipeSubject
from neuropose.schema._recipe import ReportTask as ReportTask
from neuropose.schema._recipe import load_recipe as load_recipe
from neuropose.schema._segmentation import (
    SEGMENTATION_METHOD_VERSION as SEGMENTATION_METHOD_VERSION,
)
from neuropose.schema._segmentation import Repetition as Repetition
from neuropose.schema._segmentation import Segmentation as Segmentation
from neuropose.schema._segmentation import SegmentationConfig as SegmentationConfig
from neuropose.schema._settings import Settings as Settings
from neuropose.schema._settings import default_data_home as default_data_home
from neuropose.schema._skeleton import Skeleton as Skeleton
from neuropose.schema._skeletons import BERKELEY_MHAD_43 as BERKELEY_MHAD_43
from neuropose.schema._skeletons import BLAZEPOSE_33 as BLAZEPOSE_33
from neuropose.schema._skeletons import KNOWN_SKELETONS as KNOWN_SKELETONS
from neuropose.schema._skeletons import SMPL_24 as SMPL_24
from neuropose.schema._skeletons import KnownSkeleton as KnownSkeleton
from neuropose.schema._skeletons import known_skeleton as known_skeleton
from neuropose.schema._video import BoxMeaning as BoxMeaning
from neuropose.schema._video import CameraIntrinsics as CameraIntrinsics
from neuropose.schema._video import Frame3d as Frame3d
from neuropose.schema._video import RootTranslation as RootTranslation
from neuropose.schema._video import Units as Units
from neuropose.schema._video import VideoMetadata as VideoMetadata

__version__: str
"""The installed ``neuropose-schema`` version."""

VIDEO_EXTENSIONS: frozenset[str]
"""Lower-case file suffixes treated as videos by the daemon and the zip ingester."""

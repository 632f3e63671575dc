"""MeTRAbs 3D pose estimation over videos.

A library: give it a video and a loaded model, get back validated
:class:`~neuropose.schema.VideoPredictions` and :class:`~neuropose.schema.PerformanceMetrics`.
TensorFlow and OpenCV are imported only when a model is loaded or a video opened, so importing
this package is cheap.

Examples
--------
>>> from neuropose.estimator import Estimator, ModelStore, load_model
>>> from neuropose.schema import InferenceOptions
>>> store = ModelStore(settings.model_dir)                                   # doctest: +SKIP
>>> options = InferenceOptions().with_overrides({"batch_size": 8, "num_aug": 2})
>>> estimator = Estimator(load_model("metrabs_l", store), options)          # doctest: +SKIP
>>> result = estimator.process_video(Path("trial.mp4"))                     # doctest: +SKIP
"""

from neuropose.estimator._benchmark import (
    aggregate,
    compare_to_cpu,
    poses3d_divergence_mm,
    run_benchmark,
)
from neuropose.estimator._camera import intrinsics_from_fov
from neuropose.estimator._download import DownloadProgress
from neuropose.estimator._errors import (
    BackendUnavailableError,
    CorruptBundleError,
    EstimatorError,
    EstimatorOptionError,
    ModelDownloadError,
    ModelIntegrityError,
    ModelInterfaceError,
    ModelNotFoundError,
    NotAPoseModelError,
    UnknownSkeletonError,
    VideoDecodeError,
    VideoOpenError,
)
from neuropose.estimator._inference import Estimator
from neuropose.estimator._loader import LoadedModel, load_model
from neuropose.estimator._registry import DEFAULT_MODEL, MODEL_VARIANTS, ModelVariant
from neuropose.estimator._runtime import metal_status
from neuropose.estimator._sample_clip import sample_clip
from neuropose.estimator._store import CachedModel, ModelStore
from neuropose.estimator._video import FrameReader, VideoInfo

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_VARIANTS",
    "BackendUnavailableError",
    "CachedModel",
    "CorruptBundleError",
    "DownloadProgress",
    "Estimator",
    "EstimatorError",
    "EstimatorOptionError",
    "FrameReader",
    "LoadedModel",
    "ModelDownloadError",
    "ModelIntegrityError",
    "ModelInterfaceError",
    "ModelNotFoundError",
    "ModelStore",
    "ModelVariant",
    "NotAPoseModelError",
    "UnknownSkeletonError",
    "VideoDecodeError",
    "VideoInfo",
    "VideoOpenError",
    "aggregate",
    "compare_to_cpu",
    "intrinsics_from_fov",
    "load_model",
    "metal_status",
    "poses3d_divergence_mm",
    "run_benchmark",
    "sample_clip",
]

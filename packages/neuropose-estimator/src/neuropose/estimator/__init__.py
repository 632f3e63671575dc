"""Pose estimation over videos, with any of NeuroPose's model backends.

A library: give it a video and a loaded model, get back validated
:class:`~neuropose.schema.VideoPredictions` and :class:`~neuropose.schema.PerformanceMetrics`.
Two real backends implement one interface (:class:`PoseBackend`): MeTRAbs (TensorFlow, 3D in
the camera frame, the default) and BlazePose (MediaPipe, fast on a CPU, 3D hip-centred, runs
offline from the package index). :func:`load_estimator` picks the backend from
``options.model``. TensorFlow, MediaPipe and OpenCV are imported only when a model is loaded or
a video opened, so importing this package is cheap.

Examples
--------
>>> from neuropose.estimator import ModelStore, load_estimator
>>> from neuropose.schema import InferenceOptions
>>> store = ModelStore(settings.model_dir)                                  # doctest: +SKIP
>>> options = InferenceOptions().with_overrides({"model": "blazepose-full", "num_poses": 2})
>>> estimator = load_estimator(options, store)                              # doctest: +SKIP
>>> result = estimator.process_video(Path("trial.mp4"))                     # doctest: +SKIP
"""

from neuropose.estimator._backend import FramePoses, ModelIdentity, PoseBackend, RuntimeInfo
from neuropose.estimator._benchmark import (
    aggregate,
    compare_to_cpu,
    model_only_fps,
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
from neuropose.estimator._hashing import sha256_file
from neuropose.estimator._inference import Estimator
from neuropose.estimator._loader import LoadedModel, load_model
from neuropose.estimator._registry import DEFAULT_MODEL, MODEL_VARIANTS, ModelVariant
from neuropose.estimator._runtime import metal_status
from neuropose.estimator._sample_clip import SampleClip, sample_clip
from neuropose.estimator._select import BACKENDS, backend_for, load_backend, load_estimator
from neuropose.estimator._store import CachedModel, ModelStore
from neuropose.estimator._video import FrameReader, VideoInfo

__all__ = [
    "BACKENDS",
    "DEFAULT_MODEL",
    "MODEL_VARIANTS",
    "BackendUnavailableError",
    "CachedModel",
    "CorruptBundleError",
    "DownloadProgress",
    "Estimator",
    "EstimatorError",
    "EstimatorOptionError",
    "FramePoses",
    "FrameReader",
    "LoadedModel",
    "ModelDownloadError",
    "ModelIdentity",
    "ModelIntegrityError",
    "ModelInterfaceError",
    "ModelNotFoundError",
    "ModelStore",
    "ModelVariant",
    "NotAPoseModelError",
    "PoseBackend",
    "RuntimeInfo",
    "SampleClip",
    "UnknownSkeletonError",
    "VideoDecodeError",
    "VideoInfo",
    "VideoOpenError",
    "aggregate",
    "backend_for",
    "compare_to_cpu",
    "intrinsics_from_fov",
    "load_backend",
    "load_estimator",
    "load_model",
    "metal_status",
    "model_only_fps",
    "poses3d_divergence_mm",
    "run_benchmark",
    "sample_clip",
    "sha256_file",
]

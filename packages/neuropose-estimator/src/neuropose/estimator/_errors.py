"""Errors raised by the estimator: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = [
    "BackendUnavailableError",
    "CorruptBundleError",
    "EstimatorError",
    "EstimatorOptionError",
    "ModelDownloadError",
    "ModelIntegrityError",
    "ModelInterfaceError",
    "ModelNotFoundError",
    "NotAPoseModelError",
    "UnknownSkeletonError",
    "VideoDecodeError",
    "VideoOpenError",
]


class EstimatorError(NeuroPoseError):
    """Root of the estimator's errors."""


class ModelNotFoundError(EstimatorError):
    """No usable model: not cached, not a path, not a known variant, and no download possible."""


class ModelDownloadError(EstimatorError):
    """A model archive could not be downloaded."""


class ModelIntegrityError(EstimatorError):
    """A model archive or cache entry does not match its recorded SHA-256 or file list."""


class ModelInterfaceError(EstimatorError):
    """A loaded SavedModel lacks the MeTRAbs interface (wrong artefact)."""


class CorruptBundleError(ModelInterfaceError):
    """A MediaPipe Tasks bundle (``.task``) is not a readable zip of the expected models."""


class NotAPoseModelError(ModelInterfaceError):
    """A TFLite model (alone, or inside a bundle) is not a BlazePose detector or landmarker."""


class BackendUnavailableError(EstimatorError):
    """An optional backend's packages are not installed (the message names the extra)."""


class EstimatorOptionError(EstimatorError, ValueError):
    """An inference option is out of range (for example ``num_poses`` below 1)."""


class UnknownSkeletonError(EstimatorError):
    """The requested skeleton is not one the model provides."""


class VideoOpenError(EstimatorError):
    """A video file is missing or cannot be opened as a video."""


class VideoDecodeError(EstimatorError):
    """A video stopped decoding early (truncated or corrupt), or holds no frames.

    Attributes
    ----------
    frames_decoded
        Frames read before decoding failed.
    """

    def __init__(self, message: str, frames_decoded: int) -> None:
        super().__init__(message)
        self.frames_decoded = frames_decoded

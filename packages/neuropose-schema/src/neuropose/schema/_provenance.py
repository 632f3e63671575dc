"""Where a result came from: the model, the software and the parameters."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from neuropose.schema._base import ValueModel

__all__ = ["InferenceParameters", "Provenance"]


class InferenceParameters(ValueModel):
    """The estimator options that shape the numbers in a predictions file.

    Attributes
    ----------
    skeleton
        MeTRAbs skeleton name requested.
    batch_size
        Frames per model call.
    num_aug
        Test-time augmentations averaged per detection (MeTRAbs default 5).
    detector_threshold
        Minimum person-detector confidence, 0 to 1.
    max_detections
        People kept per frame; -1 keeps all.
    fov_degrees
        Field of view used to build the camera when no calibration was given, in degrees.
    device
        TensorFlow device string the model ran on, for example ``"/CPU:0"``.
    """

    skeleton: str
    batch_size: int = Field(gt=0)
    num_aug: int = Field(gt=0)
    detector_threshold: float = Field(ge=0, le=1)
    max_detections: int = Field(ge=-1)
    fov_degrees: float | None = None
    device: str


class Provenance(ValueModel):
    """Everything needed to say how a file was produced and to reproduce it.

    Attributes
    ----------
    model_name
        Name of the model variant (``"metrabs_l"``) or of the imported artefact.
    model_sha256
        SHA-256 of the model archive or directory contents; empty only for models handed to the
        estimator in memory, which the field ``model_source`` then says.
    model_source
        Where the model came from: a cache entry, a path or a URL.
    package_versions
        Versions of every package that touched the numbers (neuropose-*, tensorflow, numpy ...).
    parameters
        The inference parameters.
    created_at
        When the file was produced (UTC).
    """

    model_name: str
    model_sha256: str = Field(pattern=r"^([0-9a-f]{64})?$")
    model_source: str = ""
    package_versions: dict[str, str]
    parameters: InferenceParameters
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

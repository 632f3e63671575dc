"""Where a result came from: the model, the software and the options."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from neuropose.schema._base import ValueModel
from neuropose.schema._options import InferenceOptions

__all__ = ["Provenance"]


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
        The inference options the model ran with, whole and as resolved: ``device`` is the
        device that ran (never empty) and ``model`` the name of the model that ran (the same
        as ``model_name``). ``fov_degrees`` is recorded as set even when a calibration was
        given; the file's ``camera.source`` says which one built the camera. Options of
        backends that did not run hold their values too, and mean nothing for this file.
    created_at
        When the file was produced (UTC).
    """

    model_name: str
    model_sha256: str = Field(pattern=r"^([0-9a-f]{64})?$")
    model_source: str = ""
    package_versions: dict[str, str]
    parameters: InferenceOptions
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

"""Where a result came from: the model, the software and the options."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from neuropose.schema._base import ValueModel
from neuropose.schema._options import InferenceOptions
from neuropose.schema._quality import CleaningConfig, SubjectChoice, TrackingConfig

__all__ = ["Provenance"]


class Provenance(ValueModel):
    """Everything needed to say how a file was produced and to reproduce it.

    Attributes
    ----------
    backend
        The estimator backend that ran the model (``"metrabs"``, ``"blazepose"``); files from
        before backends existed were all MeTRAbs.
    model_name
        Name of the model variant (``"metrabs_l"``) or of the imported artefact.
    model_sha256
        SHA-256 of the model archive or directory contents (of the ``.task`` file for a
        BlazePose bundle, however it was obtained); empty only for models handed to the
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
    tracking
        The identity tracker's configuration (method, version, parameters) when the file's
        ``track_ids`` were assigned by it; ``None`` for untracked files and files from before
        tracking existed.
    cleaning
        The cleaning configuration of a cleaned file (``neuropose clean``); ``None`` for raw
        model output.
    subject
        How the person of a cleaned file was chosen (the subject rule's ranking), or ``None``
        when the person was given by id or the file was not cleaned.
    """

    backend: str = Field(default="metrabs", min_length=1)
    model_name: str
    model_sha256: str = Field(pattern=r"^([0-9a-f]{64})?$")
    model_source: str = ""
    package_versions: dict[str, str]
    parameters: InferenceOptions
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tracking: TrackingConfig | None = None
    cleaning: CleaningConfig | None = None
    subject: SubjectChoice | None = None

"""Upgrades of ``video_predictions`` files, JSON documents and ``.npz`` headers alike.

Each function receives the raw data of one version (the whole JSON document, or the header of an
``.npz`` archive: both carry ``schema_version`` and ``provenance``) and returns the next version.
A migration is a snapshot of its time: it spells the old and new layouts out and never reads the
current models' defaults, which later versions may change.
"""

from __future__ import annotations

from typing import Any

from neuropose.schema._migrations import register_migration

__all__: list[str] = []

KIND = "video_predictions"

# Version 1 recorded the field of view as None when a calibration built the camera; version 2
# records the option as set, and this was its default then.
_V1_DEFAULT_FOV_DEGREES = 55.0
_V1_TOP_LEVEL = ("batch_size", "device")
_V1_METRABS = ("skeleton", "num_aug", "detector_threshold", "max_detections")


@register_migration(KIND, 1)
def _options_recorded_whole(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 to 2: ``provenance.parameters`` becomes the whole inference-options tree.

    Version 1 held a flat ``InferenceParameters`` object (``skeleton``, ``batch_size``,
    ``num_aug``, ``detector_threshold``, ``max_detections``, ``fov_degrees`` or None, ``device``).
    Version 2 holds :class:`~neuropose.schema.InferenceOptions`: common options at the top, the
    MeTRAbs ones under ``metrabs``, and ``model`` (taken from ``provenance.model_name``). Other
    backends' options are left out and take their defaults. A missing version-1 field becomes
    ``None``, so validation names it instead of a default hiding it; an unknown one is kept at
    the top, where validation names it too.
    """
    provenance = data.get("provenance")
    parameters = provenance.get("parameters") if isinstance(provenance, dict) else None
    if not isinstance(provenance, dict) or not isinstance(parameters, dict):
        # Not the version-1 shape at all: validation reports the field as it stands.
        return {**data, "schema_version": 2}
    old = dict(parameters)
    fov = old.pop("fov_degrees", None)
    options: dict[str, Any] = {name: old.pop(name, None) for name in _V1_TOP_LEVEL}
    options["fov_degrees"] = _V1_DEFAULT_FOV_DEGREES if fov is None else fov
    options["metrabs"] = {name: old.pop(name, None) for name in _V1_METRABS}
    model_name = provenance.get("model_name")
    if isinstance(model_name, str) and model_name:
        options["model"] = model_name
    options.update(old)
    return {**data, "provenance": {**provenance, "parameters": options}, "schema_version": 2}

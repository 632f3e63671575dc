"""Upgrades of ``video_predictions`` files, JSON documents and ``.npz`` headers alike.

Each function receives the raw data of one version (the whole JSON document, or the header of an
``.npz`` archive with its decoded arrays beside it: both carry ``schema_version`` and
``provenance``) and returns the next version.
A migration is a snapshot of its time: it spells the old and new layouts out and never reads the
current models' defaults, which later versions may change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropose.schema._guards import is_array, is_json_array, is_json_object
from neuropose.schema._migrations import register_migration
from neuropose.schema._quality import flags_from_presence

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
    parameters = provenance.get("parameters") if is_json_object(provenance) else None
    if not is_json_object(provenance) or not is_json_object(parameters):
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


@register_migration(KIND, 2)
def _quality_flags_from_presence(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 to 3: files carry ``quality_flags``, one uint8 per joint of each person slot.

    Version 2 had no quality flags: a sample was either measured (a detected person) or absent.
    So detected people become OBSERVED on every joint and empty slots MISSING
    (:func:`~neuropose.schema.flags_from_presence`). A JSON document gets a ``quality_flags``
    list per person, an ``.npz`` archive a ``(frames, persons, joints)`` array built from the
    presence of its boxes. Data not shaped as version 2 is passed on for validation to name.
    """
    frames = data.get("frames")
    if is_json_array(frames):
        return {**data, "frames": [_frame_with_flags(f) for f in frames], "schema_version": 3}
    boxes, poses = data.get("boxes"), data.get("poses3d")
    if (
        is_array(boxes)
        and is_array(poses)
        and boxes.ndim == 3
        and poses.ndim == 4
        and boxes.shape[:2] == poses.shape[:2]
    ):
        present = ~np.isnan(boxes[..., 0])
        flags = flags_from_presence(np.broadcast_to(present[..., None], poses.shape[:3]))
        flags.flags.writeable = False
        data = {**data, "quality_flags": flags}
    return {**data, "schema_version": 3}


def _frame_with_flags(frame: Any) -> Any:
    people = frame.get("people") if is_json_object(frame) else None
    if not is_json_array(people):
        return frame
    return {**frame, "people": [_person_with_flags(person) for person in people]}


def _person_with_flags(person: Any) -> Any:
    poses = person.get("poses3d") if is_json_object(person) else None
    if not is_json_array(poses):
        return person
    return {**person, "quality_flags": flags_from_presence([True] * len(poses)).tolist()}

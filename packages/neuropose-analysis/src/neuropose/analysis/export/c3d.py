"""C3D, the biomechanics interchange file, written with ezc3d (``neuropose-analysis[c3d]``).

Points are the 3D joints in millimetres, in the file's 3D frame (x right, y down, z forward;
``NEUROPOSE:FRAME`` says whether it is the camera frame or hip-centred),
stored as floats; ``POINT:X_SCREEN = +X`` and ``POINT:Y_SCREEN = -Y`` tell viewers that up on
screen is -y, so the subject stands upright. A missing sample has residual -1 (C3D's "invalid
point"); present samples have residual 0. Confidence and quality flags travel as analog
channels sampled at the point rate, one per marker: ``<marker>_conf`` (0..1) and
``<marker>_flag`` (the uint8 bits as a number).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropose.analysis.export._data import FLAG_BITS, ExportData, software_versions
from neuropose.analysis.export._errors import ExportValueError
from neuropose.analysis.export._files import check_target, replace_from_temporary, require
from neuropose.analysis.export._resample import to_uniform

__all__ = ["C3D_GROUP", "c3d_labels", "write_c3d"]

C3D_GROUP = "NEUROPOSE"
"""C3D parameter group holding the video, model and software facts."""

_MAX_PARAMETER_ENTRIES = 255

_ARM_LINUX = "ezc3d publishes no wheel for Linux on ARM; export to TRC, NWB or Parquet there"


def c3d_labels(data: ExportData) -> list[str]:
    """Return one point label per (identity, joint), identity-major.

    Plain joint names for a single identity; ``id<track>:<joint>`` for several, the
    ``subject:marker`` form Vicon-era tools read (with ``SUBJECTS:LABEL_PREFIXES``).
    """
    if len(data.identities) <= 1:
        return list(data.joint_names)
    return [
        f"id{person.track_id}:{joint}" for person in data.identities for joint in data.joint_names
    ]


def write_c3d(
    data: ExportData,
    path: Path | str,
    *,
    rate_hz: float | None = None,
    force: bool = False,
) -> Path:
    """Write the 3D joints as a C3D file (millimetres, camera frame, uniform rate).

    Parameters
    ----------
    data
        Series to write; every identity becomes a set of points (see :func:`c3d_labels`).
    path
        Output file; it must end in ``.c3d`` (ezc3d appends the suffix otherwise).
    rate_hz
        Point rate in hertz; ``None`` keeps uniform input as is and resamples variable frame
        rate input at the inverse of its median frame interval (linear interpolation).
    force
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    MissingExtraError
        If ezc3d is not installed (``neuropose-analysis[c3d]``).
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    ExportValueError
        If the suffix is not ``.c3d``, or the data have fewer than two frames or no identity.

    Notes
    -----
    The rate is stored as a 32-bit float, as C3D defines it. Past 255 points, labels continue
    in ``POINT:LABELS2`` (and so on), as C3D defines. 2D poses are not written.
    """
    import platform
    import sys

    detail = _ARM_LINUX if sys.platform == "linux" and platform.machine() == "aarch64" else ""
    ezc3d = require("ezc3d", "c3d", detail)
    target = check_target(path, force)
    if target.suffix.lower() != ".c3d":
        raise ExportValueError(f"{target}: C3D files must end in .c3d")
    if not data.identities:
        raise ExportValueError("no identity to export: the data hold no person")
    uniform = to_uniform(data, rate_hz)
    rate = uniform.resampled_hz or (uniform.frame_count - 1) / float(
        uniform.times_s[-1] - uniform.times_s[0]
    )
    labels = c3d_labels(uniform)
    frames = uniform.frame_count
    xyz = np.concatenate([person.poses3d for person in uniform.identities], axis=1)
    points = np.ones((4, xyz.shape[1], frames), np.float64)
    points[:3] = xyz.transpose(2, 1, 0)
    missing = ~np.isfinite(xyz).all(axis=-1).T
    residuals = np.where(missing, -1.0, 0.0)[None]

    c3d = ezc3d.c3d()
    parameters = c3d["parameters"]
    parameters["POINT"]["RATE"]["value"] = [rate]
    parameters["POINT"]["LABELS"]["value"] = labels
    if len(labels) <= _MAX_PARAMETER_ENTRIES:
        # ezc3d splits labels past 255 into LABELS2..., but not descriptions.
        parameters["POINT"]["DESCRIPTIONS"]["value"] = [
            f"track {person.track_id} {joint}"
            for person in uniform.identities
            for joint in uniform.joint_names
        ]
    parameters["POINT"]["UNITS"]["value"] = ["mm"]
    c3d["data"]["points"] = points
    c3d["data"]["meta_points"] = {"residuals": residuals}
    analog_labels, analogs = _analogs(uniform, labels)
    parameters["ANALOG"]["RATE"]["value"] = [rate]
    parameters["ANALOG"]["LABELS"]["value"] = analog_labels
    parameters["ANALOG"]["UNITS"]["value"] = [
        "" if label.endswith("_flag") else "1" for label in analog_labels
    ]
    c3d["data"]["analogs"] = analogs
    c3d.add_parameter("POINT", "X_SCREEN", "+X")
    c3d.add_parameter("POINT", "Y_SCREEN", "-Y")
    _subjects(c3d, uniform)
    _provenance(c3d, uniform)
    with replace_from_temporary(target) as temporary:
        c3d.write(str(temporary))
    return target


def _analogs(data: ExportData, labels: list[str]) -> tuple[list[str], np.ndarray]:
    """Per-marker confidence and flag channels, at one sample per frame."""
    names: list[str] = []
    channels: list[np.ndarray] = []
    joints = data.joint_count
    for index, person in enumerate(data.identities):
        marker_labels = labels[index * joints : (index + 1) * joints]
        if person.confidence is not None:
            names += [f"{label}_conf" for label in marker_labels]
            channels.append(person.confidence.T.astype(np.float64))
        if person.flags is not None:
            names += [f"{label}_flag" for label in marker_labels]
            channels.append(person.flags.T.astype(np.float64))
    if not channels:
        return [], np.zeros((1, 0, data.frame_count))
    return names, np.concatenate(channels)[None]


def _subjects(c3d: Any, data: ExportData) -> None:
    add = c3d.add_parameter
    names = [f"id{person.track_id}" for person in data.identities]
    several = len(names) > 1
    add("SUBJECTS", "USED", len(names))
    add("SUBJECTS", "NAMES", names)
    add("SUBJECTS", "LABEL_PREFIXES", [f"{name}:" if several else "" for name in names])
    add("SUBJECTS", "USES_PREFIXES", int(several))


def _provenance(c3d: Any, data: ExportData) -> None:
    add = c3d.add_parameter
    version = software_versions(data).get("neuropose-analysis", "")
    add("MANUFACTURER", "COMPANY", "NeuroPose")
    add("MANUFACTURER", "SOFTWARE", "neuropose-analysis")
    if version:
        add("MANUFACTURER", "VERSION_LABEL", version)
    # ezc3d stores every string parameter as a character matrix; empty strings are kept as a
    # single space so that the parameter survives a round trip.
    facts = {
        "VIDEO_FILE": data.video_file,
        "VIDEO_SHA256": data.video_sha256,
        "MODEL_NAME": data.model_name,
        "MODEL_SHA256": data.model_sha256,
        "SKELETON": data.skeleton_name,
        "FRAME": data.frame3d,
        "IDENTITIES_FROM": data.identities_from,
        "FLAG_BITS": ", ".join(f"{name}={value}" for name, value in FLAG_BITS),
    }
    for key, value in facts.items():
        add(C3D_GROUP, key, value or " ")
    add(C3D_GROUP, "TRACK_IDS", [person.track_id for person in data.identities])
    if data.resampled_hz is not None:
        add(C3D_GROUP, "RESAMPLED_HZ", float(data.resampled_hz))

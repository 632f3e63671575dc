"""OpenSim inputs: marker trajectories (``.trc``) and joint angles (``.mot``).

Both are tab-separated text with a uniform time column, so variable frame rate input is first
linearly interpolated onto a uniform grid (:func:`neuropose.analysis.export.to_uniform`).

Coordinates go from our camera frame (x right, y down, z forward, millimetres) to OpenSim's
lab frame (Y up, metres) by a half turn about the x axis: ``(X, Y, Z) = (x, -y, -z) / 1000``.
That keeps the frame right-handed; +Z then points from the subject towards the camera, and +X
is the camera's right. Numbers carry 9 significant digits, enough to recover every float32
millimetre value exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from neuropose.analysis.export._data import ExportData
from neuropose.analysis.export._errors import ExportValueError
from neuropose.analysis.export._files import check_target
from neuropose.analysis.export._resample import blend, brackets, to_uniform, uniform_rate
from neuropose.schema.io import atomic_write

__all__ = ["CAMERA_TO_OPENSIM", "marker_names", "write_mot", "write_trc"]

CAMERA_TO_OPENSIM = np.diag([1.0, -1.0, -1.0])
"""Rotation taking camera-frame vectors (x right, y down, z forward) to OpenSim's lab frame
(Y up): a half turn about x."""

_TRC_KEYS = (
    "DataRate",
    "CameraRate",
    "NumFrames",
    "NumMarkers",
    "Units",
    "OrigDataRate",
    "OrigDataStartFrame",
    "OrigNumFrames",
)


def marker_names(data: ExportData, separator: str = "_") -> list[str]:
    """Return one marker name per (identity, joint), identity-major.

    Plain joint names for a single identity; ``id<track>{separator}<joint>`` when there are
    several, so every name is unique.
    """
    if len(data.identities) <= 1:
        return list(data.joint_names)
    return [
        f"id{person.track_id}{separator}{joint}"
        for person in data.identities
        for joint in data.joint_names
    ]


def write_trc(
    data: ExportData,
    path: Path | str,
    *,
    rate_hz: float | None = None,
    force: bool = False,
) -> Path:
    """Write marker trajectories as an OpenSim ``.trc`` file (metres, Y up).

    The header follows OpenSim's TRC reader: ``PathFileType 4 (X/Y/Z) <file>``, the eight
    keys ``DataRate CameraRate NumFrames NumMarkers Units OrigDataRate OrigDataStartFrame
    OrigNumFrames`` and their values, the ``Frame# Time <marker> ...`` row, the ``X1 Y1 Z1
    ...`` row and a blank line. Rows are numbered from 1; a missing marker sample is three
    empty fields, and every field ends with a tab, as OpenSim writes them.

    Parameters
    ----------
    data
        Series to write; every identity becomes a set of markers (see :func:`marker_names`).
    path
        Output file, usually ``*.trc``.
    rate_hz
        Rate of the uniform time grid in hertz; ``None`` keeps uniform input as is and gives
        variable frame rate input the inverse of its median frame interval.
    force
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    ExportValueError
        If the data have fewer than two frames or no identity.

    Notes
    -----
    Confidence and quality flags have no place in a TRC file and are not written.
    """
    target = check_target(path, force)
    if not data.identities:
        raise ExportValueError("no identity to export: the data hold no person")
    uniform = to_uniform(data, rate_hz)
    rate = _rate_of(uniform)
    names = marker_names(uniform)
    frames = uniform.frame_count
    # (identities, frames, joints, 3) -> (frames, markers * 3) in metres, OpenSim frame.
    stacked = np.stack([person.poses3d for person in uniform.identities]).astype(np.float64)
    stacked = stacked @ CAMERA_TO_OPENSIM.T / 1000.0
    values = stacked.transpose(0, 2, 3, 1).reshape(-1, frames)
    rate_text = _number(rate)
    header_lines = [
        "\t".join(("PathFileType", "4", "(X/Y/Z)", target.name)),
        "\t".join(_TRC_KEYS),
        "\t".join(
            (rate_text, rate_text, str(frames), str(len(names)), "m", rate_text, "1", str(frames))
        ),
        # Both label rows end every field with a tab, as OpenSim's own writer does.
        "Frame#\tTime\t" + "".join(f"{name}\t\t\t" for name in names),
        "\t\t" + "".join(f"{axis}{i}\t" for i in range(1, len(names) + 1) for axis in "XYZ"),
        "",
    ]
    strings = [f"{row}\t{time!r}" for row, time in enumerate(uniform.times_s.tolist(), start=1)]
    head = np.arange(frames, dtype=np.int64)[:, None]

    def write(handle: BinaryIO) -> None:
        from neuropose.analysis.export._text import write_rows

        handle.write(("\n".join(header_lines) + "\n").encode("utf-8"))
        write_rows(
            handle, strings, head, values, separator="\t", trailing_separator=True, missing=""
        )

    atomic_write(target, write)
    return target


def write_mot(
    path: Path | str,
    times_s: npt.ArrayLike,
    angles_deg: npt.ArrayLike,
    angle_names: Sequence[str],
    *,
    rate_hz: float | None = None,
    name: str = "Coordinates",
    force: bool = False,
) -> Path:
    """Write joint angles as an OpenSim motion (``.mot``) file, in degrees.

    Layout: a name line, ``version=1``, ``nRows=``, ``nColumns=`` (time included),
    ``inDegrees=yes``, ``endheader``, then a ``time`` column and one column per angle, tab
    separated. Angles are linearly interpolated onto a uniform grid when the times are not
    uniform; a missing angle is written ``NaN``.

    Parameters
    ----------
    path
        Output file, usually ``*.mot``.
    times_s
        ``(frames,)`` seconds, increasing.
    angles_deg
        ``(frames, angles)`` degrees; NaN where unknown.
    angle_names
        One column name per angle (OpenSim matches them to model coordinates).
    rate_hz
        Rate of the uniform grid in hertz; ``None`` as for :func:`write_trc`.
    name
        First header line (the name OpenSim shows for the motion).
    force
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportValueError
        If shapes disagree, a name is blank, repeated or holds a tab, or a value is infinite.
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    """
    target = check_target(path, force)
    times = np.asarray(times_s, np.float64)
    angles = np.asarray(angles_deg, np.float64)
    labels = [str(label) for label in angle_names]
    _check_angles(times, angles, labels, name)
    rate = uniform_rate(times) if rate_hz is None else float(rate_hz)
    if not np.isfinite(rate) or rate <= 0:
        raise ExportValueError(f"rate_hz must be a positive number of hertz, got {rate_hz!r}")
    count = int(np.floor(float(times[-1] - times[0]) * rate + 1e-9)) + 1
    grid = times[0] + np.arange(count, dtype=np.float64) / rate
    if count != times.shape[0] or np.max(np.abs(grid - times)) > 1e-6:
        left, weight = brackets(times, grid)
        right = np.minimum(left + 1, times.shape[0] - 1)
        angles = blend(angles, left, right, weight)
    lines = [
        name,
        "version=1",
        f"nRows={count}",
        f"nColumns={len(labels) + 1}",
        "inDegrees=yes",
        "endheader",
        "\t".join(["time", *labels]),
    ]
    strings = [repr(time) for time in grid.tolist()]
    head = np.arange(count, dtype=np.int64)[:, None]
    values = np.ascontiguousarray(angles.T)

    def write(handle: BinaryIO) -> None:
        from neuropose.analysis.export._text import write_rows

        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
        write_rows(handle, strings, head, values, separator="\t", missing="NaN")

    atomic_write(target, write)
    return target


def _check_angles(
    times: npt.NDArray[np.float64],
    angles: npt.NDArray[np.float64],
    labels: list[str],
    name: str,
) -> None:
    if times.ndim != 1 or times.shape[0] < 2:
        raise ExportValueError(f"times_s must be (frames,) with frames >= 2, got {times.shape}")
    if angles.ndim != 2 or angles.shape[0] != times.shape[0]:
        raise ExportValueError(
            f"angles_deg must be (frames, angles) = ({times.shape[0]}, n), got {angles.shape}"
        )
    if angles.shape[1] != len(labels):
        raise ExportValueError(
            f"{len(labels)} angle names for {angles.shape[1]} angle columns; give one per column"
        )
    bad = [label for label in labels if not label.strip() or any(c in label for c in "\t\r\n")]
    if bad:
        raise ExportValueError(f"angle names must be non-blank with no tab or newline: {bad}")
    if len(set(labels)) != len(labels) or "time" in labels:
        raise ExportValueError(f"angle names must be unique and not 'time': {labels}")
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        raise ExportValueError("times_s must be finite and strictly increasing")
    if np.any(np.isinf(angles)):
        raise ExportValueError("angles_deg holds infinity; use NaN for unknown angles")
    if "\n" in name or "=" in name or not name.strip():
        raise ExportValueError(f"name must be one non-blank line without '=': {name!r}")


def _rate_of(data: ExportData) -> float:
    if data.resampled_hz is not None:
        return data.resampled_hz
    times = data.times_s
    return (times.shape[0] - 1) / float(times[-1] - times[0])


def _number(value: float) -> str:
    # Rates such as 30 Hz print as "30", not "30.000000000000004".
    return f"{value:.10g}"

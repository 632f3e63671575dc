"""Long tables (one row per frame, identity and joint) as CSV and Parquet.

Columns, in order: ``frame`` (source video frame, from 0), ``time_s`` (seconds), ``track_id``,
``joint`` (name), ``x_mm``, ``y_mm``, ``z_mm`` (millimetres, camera frame: x right, y down,
z forward), ``u_px``, ``v_px`` (pixels), ``confidence`` (0..1) and ``flag`` (uint8 quality
bits). Missing values are empty in CSV and null in Parquet; ``confidence`` and ``flag`` are
empty/null throughout when the data have none.

Rows are ordered by frame, then track id, then joint (skeleton order). A frame is written for
an identity when it has any value there or any quality bit other than "missing"; every other
(frame, identity) pair is missing in full and has no rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from neuropose.analysis.export._data import FLAG_BITS, MISSING_FLAG, ExportData
from neuropose.analysis.export._files import check_target, require
from neuropose.schema.io import atomic_write

__all__ = [
    "LONG_COLUMNS",
    "PARQUET_METADATA_KEY",
    "LongTable",
    "header",
    "long_table",
    "write_csv",
    "write_long_rows",
    "write_parquet",
]

LONG_COLUMNS = (
    "frame",
    "time_s",
    "track_id",
    "joint",
    "x_mm",
    "y_mm",
    "z_mm",
    "u_px",
    "v_px",
    "confidence",
    "flag",
)
"""Column names of the long CSV and Parquet exports, in order."""

PARQUET_METADATA_KEY = b"neuropose"
"""Key of the JSON header stored in the Parquet file's key-value metadata."""


@dataclass(frozen=True)
class LongTable:
    """The long table as column arrays (no per-row Python objects).

    Attributes
    ----------
    frame
        ``(rows,)`` int64 source frame numbers.
    time_s
        ``(rows,)`` float64 seconds.
    track_id
        ``(rows,)`` int64 identities.
    joint
        ``(rows,)`` int64 index into ``joint_names``.
    values
        ``(6, rows)`` float32, one row per column: x_mm, y_mm, z_mm, u_px, v_px, confidence
        (NaN where missing).
    flag
        ``(rows,)`` int16 quality bits, -1 where the data carry no flags.
    joint_names
        Names for ``joint``.
    row_of_time
        ``(rows,)`` int64 index of each row's time on the data's time axis.
    """

    frame: npt.NDArray[np.int64]
    time_s: npt.NDArray[np.float64]
    track_id: npt.NDArray[np.int64]
    joint: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    flag: npt.NDArray[np.int16]
    joint_names: tuple[str, ...]
    row_of_time: npt.NDArray[np.int64]

    @property
    def row_count(self) -> int:
        """Number of rows."""
        return int(self.frame.shape[0])


def long_table(data: ExportData) -> LongTable:
    """Flatten per-identity series into the rows of the long format, vectorised.

    Parameters
    ----------
    data
        The series to flatten.

    Returns
    -------
    LongTable
        Rows ordered by frame, track id and joint.
    """
    joints = data.joint_count
    kept: list[npt.NDArray[np.int64]] = []
    for person in data.identities:
        keep = person.present
        if person.flags is not None:
            keep |= np.any(person.flags != MISSING_FLAG, axis=1)
        kept.append(np.nonzero(keep)[0].astype(np.int64))
    rows = sum(times.shape[0] for times in kept) * joints
    time_rows = np.empty(rows, np.int64)
    track = np.empty(rows, np.int64)
    joint = np.empty(rows, np.int64)
    values = np.empty((6, rows), np.float32)
    flag = np.empty(rows, np.int16)
    start = 0
    for person, times in zip(data.identities, kept, strict=True):
        stop = start + times.shape[0] * joints
        block = slice(start, stop)
        time_rows[block] = np.repeat(times, joints)
        track[block] = person.track_id
        joint[block] = np.tile(np.arange(joints, dtype=np.int64), times.shape[0])
        # Column-major values: each output column is contiguous for Arrow and the text kernel.
        values[0:3, block] = person.poses3d[times].reshape(-1, 3).T
        values[3:5, block] = person.poses2d[times].reshape(-1, 2).T
        values[5, block] = np.nan if person.confidence is None else person.confidence[times].ravel()
        flag[block] = -1 if person.flags is None else person.flags[times].ravel()
        start = stop
    if len(kept) > 1:
        # Blocks are in track order with joints in skeleton order; a stable sort on time alone
        # gives frame, then track, then joint.
        order = np.argsort(time_rows, kind="stable")
        time_rows, track, joint, flag = time_rows[order], track[order], joint[order], flag[order]
        values = values[:, order]
    return LongTable(
        frame=data.frame_index[time_rows],
        time_s=data.times_s[time_rows],
        track_id=track,
        joint=joint,
        values=values,
        flag=flag,
        joint_names=data.joint_names,
        row_of_time=time_rows,
    )


def write_csv(data: ExportData, path: Path | str, *, force: bool = False) -> Path:
    r"""Write the long table as CSV (comma separated, one header row, ``\\n`` line ends).

    Numbers are written with 9 significant digits, enough for every float32 value to read
    back bit-identical; times are written exactly. Missing values are empty fields. CSV keeps
    identities and flags but no provenance: use Parquet or NWB to keep the model and units.

    Parameters
    ----------
    data
        The series to write.
    path
        Output file.
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
    """
    target = check_target(path, force)
    table = long_table(data)

    def write(handle: BinaryIO) -> None:
        handle.write((",".join(LONG_COLUMNS) + "\n").encode())
        write_long_rows(handle, data, table)

    atomic_write(target, write)
    return target


def write_long_rows(handle: BinaryIO, data: ExportData, table: LongTable) -> None:
    """Write the data rows of the long CSV (no header) to ``handle``."""
    from neuropose.analysis.export._text import write_rows

    frames = data.frame_count
    # Distinct text fields: per time "frame,time", per (track, joint) "track,joint", flags.
    frame_fields = [
        f"{frame},{time!r}"
        for frame, time in zip(data.frame_index.tolist(), data.times_s.tolist(), strict=True)
    ]
    tracks = np.asarray(data.track_ids or (0,), np.int64)
    track_position = np.searchsorted(tracks, table.track_id)
    names = [_csv_field(name) for name in data.joint_names]
    track_fields = [f"{track},{name}" for track in tracks.tolist() for name in names]
    flag_fields = ["", *(str(value) for value in range(256))]
    strings = frame_fields + track_fields + flag_fields
    head = np.empty((table.row_count, 2), np.int64)
    head[:, 0] = table.row_of_time
    head[:, 1] = frames + track_position * data.joint_count + table.joint
    tail = (frames + len(track_fields) + 1 + table.flag.astype(np.int64))[:, None]
    write_rows(handle, strings, head, table.values, tail)


def write_parquet(data: ExportData, path: Path | str, *, force: bool = False) -> Path:
    """Write the long table as Parquet, zstd-compressed, with a JSON header in its metadata.

    Types: ``frame`` int32, ``time_s`` float64, ``track_id`` int32, ``joint`` dictionary of
    strings, coordinates and ``confidence`` float32, ``flag`` uint8; missing values are null.
    The file's key-value metadata ``neuropose`` holds units, frame conventions, the skeleton,
    the video, the model and the software versions.

    Parameters
    ----------
    data
        The series to write.
    path
        Output file.
    force
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    MissingExtraError
        If pyarrow is not installed (``neuropose-analysis[parquet]``).
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    """
    pa = require("pyarrow", "parquet")
    pq = require("pyarrow.parquet", "parquet")
    target = check_target(path, force)
    table = long_table(data)
    values = table.values
    # Columns are built from numpy buffers: pyarrow's conversion of Python lists and masked
    # arrays imports pandas, which costs more than writing the whole file.
    names = [name.encode("utf-8") for name in data.joint_names]
    offsets = np.zeros(len(names) + 1, np.int32)
    offsets[1:] = np.cumsum([len(name) for name in names])
    dictionary = pa.Array.from_buffers(
        pa.string(), len(names), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(names))]
    )
    columns = {
        "frame": _column(pa, pa.int32(), table.frame.astype(np.int32)),
        "time_s": _column(pa, pa.float64(), np.ascontiguousarray(table.time_s)),
        "track_id": _column(pa, pa.int32(), table.track_id.astype(np.int32)),
        "joint": pa.DictionaryArray.from_arrays(
            _column(pa, pa.int16(), table.joint.astype(np.int16)), dictionary
        ),
        "x_mm": _column(pa, pa.float32(), values[0], ~np.isnan(values[0])),
        "y_mm": _column(pa, pa.float32(), values[1], ~np.isnan(values[1])),
        "z_mm": _column(pa, pa.float32(), values[2], ~np.isnan(values[2])),
        "u_px": _column(pa, pa.float32(), values[3], ~np.isnan(values[3])),
        "v_px": _column(pa, pa.float32(), values[4], ~np.isnan(values[4])),
        "confidence": _column(pa, pa.float32(), values[5], ~np.isnan(values[5])),
        "flag": _column(pa, pa.uint8(), table.flag.clip(0, 255).astype(np.uint8), table.flag >= 0),
    }
    schema = pa.schema(
        [pa.field(name, columns[name].type) for name in LONG_COLUMNS],
        metadata={PARQUET_METADATA_KEY: json.dumps(header(data)).encode()},
    )
    arrow = pa.Table.from_arrays([columns[name] for name in LONG_COLUMNS], schema=schema)

    def write(handle: BinaryIO) -> None:
        # Dictionary encoding pays only for the joint names; trying it on floats costs time.
        pq.write_table(arrow, handle, compression="zstd", use_dictionary=["joint"])

    atomic_write(target, write)
    return target


def header(data: ExportData) -> dict[str, Any]:
    """Return the facts about an export that tables cannot hold in their columns, as JSON data."""
    return {
        "format": "neuropose long table",
        "columns": list(LONG_COLUMNS),
        "units": {
            "time_s": "s",
            "x_mm": "mm",
            "y_mm": "mm",
            "z_mm": "mm",
            "u_px": "px",
            "v_px": "px",
            "confidence": "0..1",
        },
        "frame3d": data.frame3d,
        "flag_bits": dict(FLAG_BITS),
        "identities_from": data.identities_from,
        "track_ids": list(data.track_ids),
        "skeleton": {
            "name": data.skeleton_name,
            "joint_names": list(data.joint_names),
            "joint_edges": [list(edge) for edge in data.joint_edges],
        },
        "video": {
            "file_name": data.video_file,
            "sha256": data.video_sha256,
            "nominal_fps": data.nominal_fps,
        },
        "model": {"name": data.model_name, "sha256": data.model_sha256},
        "package_versions": dict(data.package_versions),
        "created_at": None if data.created_at is None else data.created_at.isoformat(),
        "resampled_hz": data.resampled_hz,
    }


def _column(
    pa: Any,
    kind: Any,
    values: npt.NDArray[Any],
    valid: npt.NDArray[np.bool_] | None = None,
) -> Any:
    """Wrap a contiguous numpy buffer as an Arrow array, null where ``valid`` is False."""
    data = np.ascontiguousarray(values)
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(kind, data.shape[0], [bitmap, pa.py_buffer(data)])


def _csv_field(text: str) -> str:
    # RFC 4180 quoting, for the rare joint name with a comma, quote or line break.
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text

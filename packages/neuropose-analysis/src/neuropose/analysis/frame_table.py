"""The predictions as one long table: a row per frame, detected person and joint.

This is the CSV of ``neuropose export --format csv``. Its columns follow the arrays of the
predictions file (``VideoPredictions.ARRAYS``) in their order: ``frame``, then each per-frame
value (``time_s``), ``person`` (the slot), each per-person value (``track_id``), ``joint`` (the
name), then each per-joint array, one column per component with its unit (``x_mm``, ``y_mm``,
``z_mm``, ``u_px``, ``v_px``) or one column named after the array (``joint_confidence``).
Per-person vectors without a joint axis (the detector box) are left out, since they would repeat
on every joint's row. Absent optional arrays give no column; an unknown value (an untracked
person's track id) is an empty field. Values are written exactly: float32 values as the shortest
decimal that reads back to the same float.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from neuropose.schema import VideoPredictions

__all__ = ["frame_table_columns", "write_frame_table"]


def _layout(predictions: VideoPredictions) -> tuple[list[Any], list[Any], list[Any]]:
    """Sort the present arrays by table level: ``(per frame, per person, per joint)``."""
    frame: list[Any] = []
    person: list[Any] = []
    joint: list[Any] = []
    for spec in predictions.ARRAYS:
        if getattr(predictions, spec.name) is None:
            continue
        if not spec.per_person:
            if not spec.item_dims:
                frame.append(spec)
        elif not spec.item_dims:
            person.append(spec)
        elif spec.per_joint and len(spec.item_dims) <= 2:
            joint.append(spec)
    return frame, person, joint


def frame_table_columns(predictions: VideoPredictions) -> tuple[str, ...]:
    """Return the column names of :func:`write_frame_table` for these predictions."""
    frame, person, joint = _layout(predictions)
    names = ["frame", *(s.item for s in frame), "person", *(s.item for s in person), "joint"]
    for spec in joint:
        names.extend(spec.components or (spec.item,))
    return tuple(names)


def _cell(spec: Any) -> Callable[[Any], Any]:
    """How one value of ``spec`` is written: unknown values as an empty field."""
    if spec.unknown_is_fill:
        unknown = spec.fill_value
        return lambda value: "" if value == unknown else value
    return lambda value: value


def write_frame_table(predictions: VideoPredictions, handle: TextIO) -> int:
    """Write the table as CSV (header row first) to an open text file.

    Parameters
    ----------
    predictions
        What to write; empty person slots give no rows.
    handle
        A text file opened with ``newline=""`` (the csv module's requirement).

    Returns
    -------
    int
        Number of data rows written (frames x people x joints, summed over frames).
    """
    frame_specs, person_specs, joint_specs = _layout(predictions)
    writer = csv.writer(handle)
    writer.writerow(frame_table_columns(predictions))
    names = predictions.skeleton.joint_names
    per_frame = [(getattr(predictions, s.name).tolist(), _cell(s)) for s in frame_specs]
    per_person = [(getattr(predictions, s.name).tolist(), _cell(s)) for s in person_specs]
    per_joint = [(getattr(predictions, s.name), len(s.item_dims) == 2) for s in joint_specs]
    rows = 0
    for frame, count in enumerate(predictions.people_per_frame.tolist()):
        frame_cells = [frame, *(cell(values[frame]) for values, cell in per_frame)]
        for person in range(count):
            person_cells = [cell(values[frame][person]) for values, cell in per_person]
            joint_values = [(array[frame, person].tolist(), wide) for array, wide in per_joint]
            for joint, name in enumerate(names):
                row = [*frame_cells, person, *person_cells, name]
                for values, wide in joint_values:
                    if wide:
                        row.extend(values[joint])
                    else:
                        row.append(values[joint])
                writer.writerow(row)
            rows += len(names)
    return rows

"""The arrays of a predictions file, declared once.

:data:`PREDICTION_ARRAYS` is the only list of the arrays a predictions file holds. Everything
else that needs the list derives it from here: the fields of
:class:`~neuropose.schema.VideoPredictions` and their dtype and shape checks, the per-frame and
per-person fields of the JSON view, the ``.npz`` writer and reader, the dtype checks on load,
``same_as``, and the CSV table of :mod:`neuropose.analysis`. Adding an array is one more
:class:`ArraySpec` in that tuple (plus the migration that gives older files a value for it).

Axes are named: ``"frames"`` is the video's frame count, ``"joints"`` the skeleton's joint
count, ``"persons"`` the most people seen in one frame (taken from the arrays themselves);
integers are fixed sizes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.schema._quality import QualityFlag

__all__ = [
    "FRAMES",
    "JOINTS",
    "NO_TRACK",
    "PERSONS",
    "PREDICTION_ARRAYS",
    "PRESENCE_ARRAY",
    "ArraySpec",
    "FieldValueError",
    "array_spec",
]

FRAMES = "frames"
"""Axis name: one entry per decoded frame."""
PERSONS = "persons"
"""Axis name: person slots, as many as the most people seen in one frame."""
JOINTS = "joints"
"""Axis name: the skeleton's joints, in ``skeleton.joint_names`` order."""

NO_TRACK = -1
"""Value in ``VideoPredictions.track_ids`` for an empty person slot or an untracked person."""

_NAMED_AXES = (FRAMES, PERSONS, JOINTS)


class ArraySpec:
    """One array of a predictions file: its name, dtype, named axes and missing-value rules.

    Parameters
    ----------
    name
        Attribute of :class:`~neuropose.schema.VideoPredictions` and ``.npz`` member name.
    dtype
        Stored dtype; inputs of the same kind (floating, or integer for integer arrays) are
        converted to it, anything else is refused.
    dims
        Axis names (``"frames"``, ``"persons"``, ``"joints"``) or fixed sizes. The first axis
        is always ``"frames"``; an array whose second axis is ``"persons"`` holds one value
        per person slot.
    description
        What the values are, with their unit (the content column of ``docs/formats.md``).
    required
        Whether every file has the array; an optional one may be ``None`` (absent).
    fill
        Value of the empty person slots. Floating arrays default to NaN; integer arrays with
        a person axis must give one.
    item
        Name of one frame's (or one person's) value in the per-frame view and the JSON file;
        defaults to ``name``.
    components
        Names, with units, of the entries along a last axis of fixed size (``("x_mm", "y_mm",
        "z_mm")``); tables use them as column names.
    unknown_is_fill
        A detected person may hold ``fill`` too, meaning "not known" (``None`` in the per-frame
        view), as an untracked person holds ``NO_TRACK``.
    minimum
        Smallest value a detected person may hold (besides ``fill`` when ``unknown_is_fill``);
        ``None`` allows the dtype's whole range.

    Raises
    ------
    ValueError
        If the declaration is inconsistent (first axis not ``"frames"``, unknown axis name,
        non-numeric dtype, integer per-person array without a fill, components that do not
        match the last axis).
    """

    __slots__ = (
        "components",
        "description",
        "dims",
        "dtype",
        "fill",
        "item",
        "minimum",
        "name",
        "required",
        "unknown_is_fill",
    )

    def __init__(
        self,
        name: str,
        dtype: npt.DTypeLike,
        dims: tuple[str | int, ...],
        description: str,
        *,
        required: bool = True,
        fill: float | None = None,
        item: str = "",
        components: tuple[str, ...] = (),
        unknown_is_fill: bool = False,
        minimum: float | None = None,
    ) -> None:
        self.name = name
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self.dims = tuple(dims)
        self.description = description
        self.required = required
        self.fill = fill
        self.item = item or name
        self.components = tuple(components)
        self.unknown_is_fill = unknown_is_fill
        self.minimum = minimum
        self._check()

    def _check(self) -> None:
        where = f"array {self.name}"
        if not self.dims or self.dims[0] != FRAMES:
            raise ValueError(f"{where}: the first axis must be '{FRAMES}', got {self.dims}")
        for dim in self.dims:
            if isinstance(dim, str) and dim not in _NAMED_AXES:
                raise ValueError(f"{where}: unknown axis '{dim}', use one of {_NAMED_AXES}")
        if self.dtype.kind not in "fiu":
            raise ValueError(f"{where}: dtype {self.dtype} is not a float or integer type")
        if self.per_person and not self.is_float and self.fill is None:
            raise ValueError(f"{where}: an integer array with a person axis needs a fill")
        last = self.dims[-1]
        if self.components and (not isinstance(last, int) or len(self.components) != last):
            raise ValueError(f"{where}: {len(self.components)} components for axes {self.dims}")

    def __repr__(self) -> str:
        return f"ArraySpec({self.name!r}, {self.dtype.name}, {self.dims_text()})"

    @property
    def per_person(self) -> bool:
        """Whether the array holds one value per person slot (second axis ``"persons"``)."""
        return len(self.dims) > 1 and self.dims[1] == PERSONS

    @property
    def item_dims(self) -> tuple[str | int, ...]:
        """Axes of one person's value (or one frame's, for arrays without a person axis)."""
        return self.dims[2:] if self.per_person else self.dims[1:]

    @property
    def per_joint(self) -> bool:
        """Whether one person's value runs over the joints (its first axis is ``"joints"``)."""
        return self.per_person and self.item_dims[:1] == (JOINTS,)

    @property
    def is_float(self) -> bool:
        """Whether the dtype is floating point (NaN marks empty slots)."""
        return self.dtype.kind == "f"

    @property
    def fill_value(self) -> float:
        """Value of empty slots: ``fill``, or NaN when none was given."""
        return math.nan if self.fill is None else self.fill

    def shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """Return the array's shape for the given axis sizes (``{"frames": n, ...}``)."""
        return tuple(dim if isinstance(dim, int) else sizes[dim] for dim in self.dims)

    def empty(self, sizes: Mapping[str, int]) -> np.ndarray:
        """Return a writable array of this shape and dtype holding only ``fill_value``.

        An array without a person axis and without a fill (``times_s``) starts as zeros, to be
        overwritten.
        """
        fill = 0 if self.fill is None and not self.per_person else self.fill_value
        return np.full(self.shape(sizes), fill, self.dtype)

    def dims_text(self) -> str:
        """Return the axes as the docs write them, e.g. ``(frames, persons, joints, 3)``."""
        inner = ", ".join(str(dim) for dim in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"


PREDICTION_ARRAYS: tuple[ArraySpec, ...] = (
    ArraySpec(
        "times_s", np.float64, (FRAMES,), "frame times in seconds, never decreasing", item="time_s"
    ),
    ArraySpec(
        "boxes",
        np.float32,
        (FRAMES, PERSONS, 5),
        "detector box in pixels and its confidence 0-1",
        item="box",
        components=("x_px", "y_px", "width_px", "height_px", "confidence"),
    ),
    ArraySpec(
        "poses3d",
        np.float32,
        (FRAMES, PERSONS, JOINTS, 3),
        "joint positions in mm, in the frame of reference units.frame3d names "
        "(MeTRAbs: camera frame, x right, y down, z forward)",
        components=("x_mm", "y_mm", "z_mm"),
    ),
    ArraySpec(
        "poses2d",
        np.float32,
        (FRAMES, PERSONS, JOINTS, 2),
        "joint positions in pixels, origin top-left",
        components=("u_px", "v_px"),
    ),
    ArraySpec(
        "track_ids",
        np.int32,
        (FRAMES, PERSONS),
        "identity across frames, -1 when untracked",
        fill=NO_TRACK,
        item="track_id",
        unknown_is_fill=True,
        minimum=0,
    ),
    ArraySpec(
        "joint_confidence",
        np.float32,
        (FRAMES, PERSONS, JOINTS),
        "per-joint confidence 0-1, when the model gives one",
        required=False,
    ),
    ArraySpec(
        "root_translation_mm",
        np.float32,
        (FRAMES, PERSONS, 3),
        "ESTIMATED camera-frame position in mm of the poses3d origin, for models whose 3D "
        "poses are not camera-frame (units.root_translation_mm says how it was obtained)",
        required=False,
        components=("x_mm", "y_mm", "z_mm"),
    ),
    ArraySpec(
        "quality_flags",
        np.uint8,
        (FRAMES, PERSONS, JOINTS),
        "per-sample QualityFlag bits: 1 observed, 2 low confidence, 4 outlier replaced, "
        "8 interpolated, 16 missing",
        required=False,
        fill=QualityFlag.MISSING.value,  # an empty slot holds nobody
    ),
)
"""Every array of :class:`~neuropose.schema.VideoPredictions`, in file order."""

PRESENCE_ARRAY = "boxes"
"""The array that says which slots hold a person: a slot is occupied where its box is finite."""

_BY_NAME = {spec.name: spec for spec in PREDICTION_ARRAYS}


def array_spec(name: str) -> ArraySpec:
    """Return the spec of the array called ``name``.

    Raises
    ------
    KeyError
        If there is no such array; the message lists the arrays.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise KeyError(f"no predictions array '{name}'; the arrays are: {known}") from None


class FieldValueError(ValueError):
    """A ValueError that knows which field it is about, so loaders can name it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

"""The per-frame view of predictions: one object per frame, one per detected person.

The fields are derived from :data:`~neuropose.schema._arrays.PREDICTION_ARRAYS`: every array with
a person axis gives :class:`PersonPrediction` one field and every other array gives
:class:`FramePrediction` one, named by the array's ``item`` (``poses3d``, ``box``, ``time_s``),
typed as nested tuples of its per-person (or per-frame) axes. The JSON predictions file is this
view, so its keys come from the same list.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import AfterValidator, Field, create_model

from neuropose.schema._arrays import PREDICTION_ARRAYS, ArraySpec
from neuropose.schema._base import ValueModel

__all__ = ["FramePrediction", "PersonPrediction"]


def _value_type(spec: ArraySpec) -> Any:
    element: Any = float if spec.is_float else int
    for dim in reversed(spec.item_dims):
        element = tuple[(element,) * dim] if isinstance(dim, int) else tuple[element, ...]
    return element


def _may_be_none(spec: ArraySpec) -> bool:
    return not spec.required or spec.unknown_is_fill


def item_type(spec: ArraySpec) -> Any:
    """Return the type of one person's (or frame's) value of ``spec`` in the per-frame view.

    Fixed-size axes become fixed-length tuples, named axes (joints) tuples of any length, and
    the elements are ``float`` or ``int`` after the dtype. The type is ``... | None`` when the
    array is optional or a person may hold the "unknown" fill (``track_id``).
    """
    value = _value_type(spec)
    return value | None if _may_be_none(spec) else value


def _scalars(value: Any, depth: int) -> Iterable[Any]:
    if depth == 0:
        return (value,)
    for _ in range(depth - 1):
        value = itertools.chain.from_iterable(value)
    return value


def _value_check(spec: ArraySpec) -> AfterValidator:
    """Build the check of one value: finite floats, or integers within the allowed range."""
    depth = len(spec.item_dims)
    holder = "a detected person" if spec.per_person else "every frame"
    if spec.is_float:
        # A joint may be NaN where the person's quality_flags marks it missing; that needs the
        # flags, so VideoPredictions.from_frames checks NaN in joints, and this only infinity.
        nan_checked_later = spec.per_joint

        def finite(value: Any) -> Any:
            if not all(map(math.isfinite, _scalars(value, depth))) and (
                not nan_checked_later or any(map(math.isinf, _scalars(value, depth)))
            ):
                raise ValueError(f"{spec.item} holds NaN or infinity; {holder} has finite values")
            return value

        return AfterValidator(finite)
    limits = np.iinfo(spec.dtype)
    low = max(int(limits.min), int(spec.minimum if spec.minimum is not None else limits.min))
    high = int(limits.max)

    def in_range(value: Any) -> Any:
        for number in _scalars(value, depth):
            if not low <= number <= high:
                raise ValueError(f"{spec.item} holds {number}; values are {low} to {high}")
        return value

    return AfterValidator(in_range)


def _field(spec: ArraySpec) -> tuple[Any, Any]:
    """``(annotation, default)`` of the per-frame view's field for ``spec``, for create_model."""
    checked: Any = Annotated[_value_type(spec), _value_check(spec)]
    if _may_be_none(spec):
        return checked | None, None
    return checked, ...


def _fields(per_person: bool) -> dict[str, Any]:
    return {spec.item: _field(spec) for spec in PREDICTION_ARRAYS if spec.per_person == per_person}


if TYPE_CHECKING:
    _PersonFields = ValueModel
    _FrameFields = ValueModel
else:
    # The fields themselves: one per array, so adding an array to PREDICTION_ARRAYS adds it here.
    _PersonFields = create_model(
        "PersonPredictionFields", __base__=ValueModel, __module__=__name__, **_fields(True)
    )
    _FrameFields = create_model(
        "FramePredictionFields",
        __base__=ValueModel,
        __module__=__name__,
        index=(int, Field(ge=0)),
        **_fields(False),
    )


class PersonPrediction(_PersonFields):
    """One detected person in one frame.

    One field per array of the predictions file that has a person axis, named by the array's
    ``item`` and holding this person's slice of it as nested tuples in the array's units (the
    arrays table of the file formats page lists them): for example ``poses3d`` in mm, camera
    frame, or ``track_id``, ``None`` when untracked. Floating values are finite, except joints
    that ``quality_flags`` marks missing, which are NaN.
    """

    if TYPE_CHECKING:
        # The type checker's copy of the generated fields; tests/schema/test_arrays.py checks
        # it against PREDICTION_ARRAYS, so a mismatch fails there.
        box: tuple[float, float, float, float, float]
        poses3d: tuple[tuple[float, float, float], ...]
        poses2d: tuple[tuple[float, float], ...]
        track_id: int | None = None
        joint_confidence: tuple[float, ...] | None = None
        quality_flags: tuple[int, ...] | None = None


class FramePrediction(_FrameFields):
    """Everything detected in one frame.

    Attributes
    ----------
    index
        Zero-based frame index in decoding order.
    time_s
        Presentation time of the frame in seconds from the start of the video (one field per
        array of the predictions file without a person axis).
    people
        Detected people; empty when nobody was found (which is not an error).
    """

    if TYPE_CHECKING:
        # As for PersonPrediction: checked against PREDICTION_ARRAYS by the tests.
        index: int
        time_s: float

    people: tuple[PersonPrediction, ...] = ()

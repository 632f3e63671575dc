"""Predictions for one video, held as arrays, with an exact per-frame view.

Arrays are the primary form because a 30-minute video has 54,000 frames: one pydantic object
per frame would be slow to load and heavy in memory. The per-frame view
(:class:`FramePrediction`) and the JSON document are derived from the arrays and convert back
to them without loss. Which arrays there are is declared once, in
:data:`~neuropose.schema._arrays.PREDICTION_ARRAYS`; this module derives the fields, their
checks and both conversions from that list.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NoReturn, cast

import numpy as np
import numpy.typing as npt
from pydantic import BeforeValidator, ConfigDict, Field, create_model, model_validator

from neuropose.schema._arrays import (
    FRAMES,
    JOINTS,
    NO_TRACK,
    PERSONS,
    PREDICTION_ARRAYS,
    PRESENCE_ARRAY,
    ArraySpec,
    FieldValueError,
)
from neuropose.schema._base import PersistedModel
from neuropose.schema._frames import FramePrediction, PersonPrediction
from neuropose.schema._provenance import Provenance
from neuropose.schema._quality import QualityFlag
from neuropose.schema._skeleton import Skeleton
from neuropose.schema._video import CameraIntrinsics, Units, VideoMetadata

__all__ = ["NO_TRACK", "FieldValueError", "VideoPredictions", "VideoPredictionsDocument"]


def _as_array(spec: ArraySpec) -> BeforeValidator:
    """Build a validator that turns array-likes into read-only arrays of ``spec.dtype``.

    Floating arrays accept any real numbers, integer arrays any integers that fit the dtype;
    anything else (strings, objects, complex, floats for an integer array) is refused rather
    than coerced, so a wrong file fails loudly.
    """
    dtype = spec.dtype
    accepted = "fiu" if spec.is_float else "iu"

    def convert(value: object) -> np.ndarray:
        array = np.asarray(value)
        if array.dtype.kind not in accepted:
            raise ValueError(f"expected a numeric array ({dtype.name}), got {array.dtype}")
        if array.dtype == dtype and _frozen_to_the_root(array):
            return array
        if not spec.is_float and array.size and not np.can_cast(array.dtype, dtype):
            limits = np.iinfo(dtype)
            low, high = int(array.min()), int(array.max())
            if low < limits.min or high > limits.max:
                raise ValueError(
                    f"holds {low if low < limits.min else high}, outside {dtype.name}'s range "
                    f"{limits.min} to {limits.max}"
                )
        array = np.array(array, dtype=dtype, copy=True)
        array.flags.writeable = False
        return array

    return BeforeValidator(convert)


def _frozen_to_the_root(array: np.ndarray) -> bool:
    """Tell whether neither the array nor any array it views into can be written to.

    Such an array cannot change under us, so it is kept without a defensive copy (this is what
    makes loading a 30-minute file cheap).
    """
    current: object = array
    while isinstance(current, np.ndarray):
        if current.flags.writeable:
            return False
        # numpy types ``base`` as an array or None, but a buffer-backed array's base is the
        # buffer itself (``bytes`` for an array read from an immutable buffer).
        current = cast(object, current.base)
    return current is None or isinstance(current, bytes)


class _PredictionsHeader(PersistedModel):
    """Fields shared by the array form and the per-frame JSON document."""

    KIND: ClassVar[str] = "video_predictions"
    CURRENT_VERSION: ClassVar[int] = 3

    metadata: VideoMetadata
    skeleton: Skeleton
    camera: CameraIntrinsics
    provenance: Provenance
    units: Units = Field(default_factory=Units)


_HEADER_FIELDS = tuple(_PredictionsHeader.model_fields)


class _ArrayModel(_PredictionsHeader):
    model_config = ConfigDict(arbitrary_types_allowed=True)


def _array_field(spec: ArraySpec) -> tuple[Any, Any]:
    """``(annotation, default)`` of the model field holding ``spec``'s array, for create_model."""
    checked: Any = Annotated[np.ndarray, _as_array(spec)]
    if spec.required:
        return checked, ...
    return checked | None, None


if TYPE_CHECKING:
    _ArrayFields = _ArrayModel
else:
    # One field per entry of PREDICTION_ARRAYS, so the list of arrays is not written out here.
    _ArrayFields = create_model(
        "VideoPredictionsArrays",
        __base__=_ArrayModel,
        __module__=__name__,
        **{spec.name: _array_field(spec) for spec in PREDICTION_ARRAYS},
    )


class VideoPredictions(_ArrayFields):
    """Every pose found in one video, as arrays with a frame axis and a person-slot axis.

    One read-only array per entry of :attr:`ARRAYS` (``PREDICTION_ARRAYS``), with the dtype
    and named axes declared there: ``(frames,)`` for ``times_s``, ``(frames, persons, ...)``
    for the per-person arrays such as ``poses3d`` (millimetres, +y down, in the frame of
    reference ``units.frame3d`` names). People occupy the first slots of each frame; slots past
    a frame's last person hold the array's fill (NaN, and ``NO_TRACK`` in ``track_ids``).
    Optional arrays may be ``None``. A detected person's values are finite, except joints that
    ``quality_flags`` marks missing (a cleaned file's unfilled gaps), which are NaN.
    """

    ARRAYS: ClassVar[tuple[ArraySpec, ...]] = PREDICTION_ARRAYS
    """The arrays of this model: name, dtype, axes, fill (see :class:`ArraySpec`)."""

    if TYPE_CHECKING:
        # The type checker's copy of the generated fields; tests/schema/test_arrays.py checks
        # it against PREDICTION_ARRAYS, so a mismatch fails there.
        times_s: np.ndarray
        boxes: np.ndarray
        poses3d: np.ndarray
        poses2d: np.ndarray
        track_ids: np.ndarray
        joint_confidence: np.ndarray | None = None
        root_translation_mm: np.ndarray | None = None
        quality_flags: np.ndarray | None = None

    @model_validator(mode="after")
    def _arrays_consistent(self) -> VideoPredictions:
        _check_shapes(self.arrays(), self.metadata.frame_count, self.skeleton.joint_count)
        times = self.times_s
        if not np.all(np.isfinite(times)):
            _fail("times_s", "holds NaN or infinity; every frame has a finite time")
        if times.shape[0] > 1 and np.any(np.diff(times) < 0):
            first = int(np.argmax(np.diff(times) < 0)) + 1
            _fail("times_s", f"goes backwards at frame {first}; frame times never decrease")
        self._check_slots()
        return self

    def _check_slots(self) -> None:
        present = self.person_mask
        if present.shape[1] > 1 and np.any(present[:, 1:] & ~present[:, :-1]):
            frame = int(np.argmax(np.any(present[:, 1:] & ~present[:, :-1], axis=1)))
            _fail(PRESENCE_ARRAY, f"frame {frame} has an empty slot before an occupied one")
        absent = ~present
        any_absent = bool(absent.any())
        missing = _missing_joints(self.arrays())
        for spec in self.ARRAYS:
            array: np.ndarray | None = getattr(self, spec.name)
            if array is None or not spec.per_person:
                continue
            # order="A" keeps a Fortran-ordered (decoded) array a view; only the order of a
            # person's own values changes, which the all()/any() checks below ignore.
            flat = array.reshape(*present.shape, int(np.prod(array.shape[2:])), order="A")
            if spec.is_float:
                usable = _usable_people(array, missing) if spec.per_joint else None
                _check_float_slots(spec, flat, present, absent if any_absent else None, usable)
            else:
                _check_integer_slots(spec, flat, present, absent if any_absent else None)

    def arrays(self) -> dict[str, np.ndarray | None]:
        """Return every array by name, in :attr:`ARRAYS` order (``None`` for absent ones)."""
        return {spec.name: getattr(self, spec.name) for spec in self.ARRAYS}

    @property
    def frame_count(self) -> int:
        """Number of frames."""
        return int(self.times_s.shape[0])

    @property
    def max_people(self) -> int:
        """Number of person slots (the most people seen in any one frame)."""
        return int(getattr(self, PRESENCE_ARRAY).shape[1])

    @property
    def person_mask(self) -> npt.NDArray[np.bool_]:
        """``(frames, persons)`` bool: True where a slot holds a detected person."""
        presence: np.ndarray = getattr(self, PRESENCE_ARRAY)
        per_slot = int(np.prod(presence.shape[2:]))  # -1 cannot stand in when there are 0 slots
        return ~np.isnan(presence.reshape(*presence.shape[:2], per_slot)[..., 0])

    @property
    def people_per_frame(self) -> npt.NDArray[np.intp]:
        """``(frames,)``: how many people were detected in each frame."""
        return self.person_mask.sum(axis=1)

    def to_frames(self) -> tuple[FramePrediction, ...]:
        """Return the per-frame view (one :class:`FramePrediction` per frame).

        The values are exactly those of the arrays: float32 values widen to Python floats
        without rounding, and :meth:`from_frames` narrows them back to the same bits.
        """
        # Millions of small objects and no reference cycles: the cyclic collector would only
        # rescan them, which took about two thirds of the time.
        with collector_paused():
            return self._build_frames()

    def _build_frames(self) -> tuple[FramePrediction, ...]:
        counts = self.people_per_frame.tolist()
        per_frame: list[tuple[str, Callable[[Any], Any], Any]] = []
        per_person: list[tuple[str, Callable[[Any], Any], Any]] = []
        for spec in self.ARRAYS:
            array: np.ndarray | None = getattr(self, spec.name)
            if array is not None:  # an absent array leaves the view's field at its None default
                columns = per_person if spec.per_person else per_frame
                columns.append((spec.item, _to_item(spec), array.tolist()))
        frames: list[FramePrediction] = []
        # The arrays were validated as a whole, so the per-frame objects skip re-validation.
        for index, count in enumerate(counts):
            people = tuple(
                PersonPrediction.model_construct(
                    **{item: convert(values[index][slot]) for item, convert, values in per_person}
                )
                for slot in range(count)
            )
            frames.append(
                FramePrediction.model_construct(
                    index=index,
                    people=people,
                    **{item: convert(values[index]) for item, convert, values in per_frame},
                )
            )
        return tuple(frames)

    @classmethod
    def from_frames(
        cls,
        frames: Sequence[FramePrediction],
        *,
        metadata: VideoMetadata,
        skeleton: Skeleton,
        camera: CameraIntrinsics,
        provenance: Provenance,
        units: Units | None = None,
    ) -> VideoPredictions:
        """Build the array form from per-frame predictions.

        An optional array is present when any frame (or any person) carries a value for it;
        then every one must.

        Raises
        ------
        FieldValueError
            If frame indices are not ``0..n-1`` in order, a person's joint count differs from
            the skeleton's, or some but not all people carry an optional array.
        """
        joints = skeleton.joint_count
        sizes = {
            FRAMES: len(frames),
            PERSONS: max((len(f.people) for f in frames), default=0),
            JOINTS: joints,
        }
        arrays: dict[str, Any] = {}
        for spec in cls.ARRAYS:
            holders = (p for f in frames for p in f.people) if spec.per_person else iter(frames)
            wanted = spec.required or any(getattr(h, spec.item) is not None for h in holders)
            arrays[spec.name] = spec.empty(sizes) if wanted else None
        # (spec, array, per-joint) for each array present; looked up once, not per person.
        frame_columns = [
            (s, a) for s in cls.ARRAYS if not s.per_person and (a := arrays[s.name]) is not None
        ]
        person_columns = [
            (s, a, s.per_joint)
            for s in cls.ARRAYS
            if s.per_person and (a := arrays[s.name]) is not None
        ]
        for position, frame in enumerate(frames):
            if frame.index != position:
                _fail(
                    f"frames.{position}.index",
                    f"is {frame.index}; frames must be numbered 0..n-1 in order",
                )
            for spec, array in frame_columns:
                value = getattr(frame, spec.item)
                if value is None:
                    _fail(f"frames.{position}.{spec.item}", _missing_reason(spec, "frame"))
                array[position] = value
            for slot, person in enumerate(frame.people):
                for spec, array, per_joint in person_columns:
                    value = getattr(person, spec.item)
                    if value is None:
                        if spec.unknown_is_fill:
                            continue
                        where = f"frames.{position}.people.{slot}.{spec.item}"
                        _fail(where, _missing_reason(spec, "person"))
                    if per_joint and len(value) != joints:
                        _fail(
                            f"frames.{position}.people.{slot}.{spec.item}",
                            f"has {len(value)} joints; skeleton '{skeleton.name}' has {joints}",
                        )
                    array[position, slot] = value
        _check_missing_joints(arrays, [len(frame.people) for frame in frames])
        return cls(
            metadata=metadata,
            skeleton=skeleton,
            camera=camera,
            provenance=provenance,
            units=units or Units(),
            **arrays,
        )

    def header(self) -> dict[str, Any]:
        """Return the non-array fields as JSON-ready data."""
        return self.model_dump(mode="json", include=set(_HEADER_FIELDS))

    def to_document(self) -> VideoPredictionsDocument:
        """Return the per-frame document, the shape of the JSON file."""
        return VideoPredictionsDocument.model_construct(
            **{name: getattr(self, name) for name in _HEADER_FIELDS},
            frames=self.to_frames(),
        )

    def same_as(self, other: VideoPredictions) -> bool:
        """Return True when both hold the same header and bit-identical arrays (NaN equal NaN).

        An optional array equals another only when both are absent or both hold the same
        values.
        """
        if self.header() != other.header():
            return False
        for spec in self.ARRAYS:
            mine, theirs = getattr(self, spec.name), getattr(other, spec.name)
            if mine is None or theirs is None:
                if mine is not theirs:
                    return False
            elif not np.array_equal(mine, theirs, equal_nan=spec.is_float):
                return False
        return True


class VideoPredictionsDocument(_PredictionsHeader):
    """The per-frame JSON layout of :class:`VideoPredictions` (``*.json`` predictions files)."""

    frames: tuple[FramePrediction, ...]

    def to_arrays(self) -> VideoPredictions:
        """Convert to the array form, validating joint counts against the skeleton."""
        return VideoPredictions.from_frames(
            self.frames,
            **{name: getattr(self, name) for name in _HEADER_FIELDS if name != "schema_version"},
        )


_FLAGS_ARRAY = "quality_flags"
_MISSING_BIT = int(QualityFlag.MISSING)
_NAN_REASON = (
    "a detected person's joints are finite, or NaN where quality_flags marks them missing "
    f"({_MISSING_BIT})"
)


def _fail(field: str, reason: str) -> NoReturn:
    raise FieldValueError(field, reason)


def _missing_reason(spec: ArraySpec, holder: str) -> str:
    return f"is missing; when any {holder} has {spec.item}, every {holder} must"


def _to_item(spec: ArraySpec) -> Callable[[Any], Any]:
    """Build the converter from one slot's nested lists (``tolist``) to the view's value."""
    depth = len(spec.item_dims)
    if depth == 0:
        if spec.unknown_is_fill:
            unknown = spec.fill_value
            return lambda value: None if value == unknown else value
        return lambda value: value
    return _nested_tuples(depth)


def _nested_tuples(depth: int) -> Callable[[Any], Any]:
    if depth == 1:
        return tuple
    inner = _nested_tuples(depth - 1)

    def convert(value: Iterable[Any]) -> tuple[Any, ...]:
        return tuple(map(inner, value))

    return convert


@contextmanager
def collector_paused() -> Generator[None, None, None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_shapes(arrays: Mapping[str, np.ndarray | None], frames: int, joints: int) -> None:
    """Check every array against its axes; ``persons`` is taken from the first array having it."""
    sizes = {FRAMES: frames, JOINTS: joints}
    for spec in PREDICTION_ARRAYS:
        array = arrays[spec.name]
        if array is None:
            continue
        if array.ndim != len(spec.dims):
            _fail(
                spec.name,
                f"expected {len(spec.dims)} dimensions {spec.dims_text()}, got shape {array.shape}",
            )
        for dim, size in zip(spec.dims, array.shape, strict=True):
            if isinstance(dim, str):
                sizes.setdefault(dim, size)
        expected = spec.shape(sizes)
        if array.shape != expected:
            _fail(spec.name, f"expected shape {expected} {spec.dims_text()}, got {array.shape}")


def _missing_joints(arrays: Mapping[str, np.ndarray | None]) -> npt.NDArray[np.bool_] | None:
    """``(frames, persons, joints)``: samples ``quality_flags`` marks missing, or None if none."""
    flags = arrays.get(_FLAGS_ARRAY)
    if flags is None:
        return None
    missing = (np.asarray(flags) & _MISSING_BIT) != 0
    return missing if missing.any() else None


def _usable_people(
    array: np.ndarray, missing: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.bool_] | None:
    """``(frames, persons)``: every joint finite, or all NaN where flagged missing.

    A cleaned file keeps a person whose legs were not seen for longer than the gap filling
    bridges: those joints hold NaN and are flagged missing. ``None`` when nothing is flagged
    missing (then every value of a detected person must be finite).
    """
    if missing is None:
        return None
    finite, nan = np.isfinite(array), np.isnan(array)
    if array.ndim == missing.ndim + 1:  # a coordinate axis
        finite, nan = finite.all(axis=-1), nan.all(axis=-1)
    return np.asarray((finite | (missing & nan)).all(axis=-1), dtype=np.bool_)


def _check_missing_joints(arrays: Mapping[str, np.ndarray | None], counts: Sequence[int]) -> None:
    """Name the first person of the per-frame view holding NaN in a joint not flagged missing."""
    present = np.arange(max(counts, default=0))[None, :] < np.asarray(counts, np.intp)[:, None]
    missing = _missing_joints(arrays)
    for spec in PREDICTION_ARRAYS:
        array = arrays.get(spec.name)
        if array is None or not (spec.is_float and spec.per_joint):
            continue
        usable = _usable_people(array, missing)
        if usable is None:
            usable = np.isfinite(array).all(axis=tuple(range(2, array.ndim)))
        bad = present & ~usable
        if np.any(bad):
            frame, slot = np.argwhere(bad)[0]
            _fail(f"frames.{frame}.people.{slot}.{spec.item}", _NAN_REASON)


def _check_float_slots(
    spec: ArraySpec,
    flat: np.ndarray,
    present: npt.NDArray[np.bool_],
    absent: npt.NDArray[np.bool_] | None,
    usable: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Check that detected people have finite values and empty slots only NaN.

    ``usable`` replaces the finiteness of a person's values when some joints are flagged
    missing (see :func:`_usable_people`).
    """
    finite = np.isfinite(flat).all(axis=-1) if usable is None else usable
    if not np.array_equal(finite, present):
        bad_present = present & ~finite
        if np.any(bad_present):
            frame, slot = np.argwhere(bad_present)[0]
            reason = f"NaN or infinity for the detected person {slot} in frame {frame}"
            _fail(spec.name, reason + ("; " + _NAN_REASON if spec.per_joint else ""))
    if absent is not None:
        not_nan = ~np.isnan(flat[absent]).all(axis=-1)
        if np.any(not_nan):
            frame, slot = np.argwhere(absent)[int(np.argmax(not_nan))]
            _fail(spec.name, f"values in empty slot {slot} of frame {frame}; empty slots are NaN")


def _check_integer_slots(
    spec: ArraySpec,
    flat: np.ndarray,
    present: npt.NDArray[np.bool_],
    absent: npt.NDArray[np.bool_] | None,
) -> None:
    """Check that empty slots hold the fill and people values from ``minimum`` (or unknown)."""
    fill = spec.fill_value
    if absent is not None:
        wrong = (flat[absent] != fill).any(axis=-1)
        if np.any(wrong):
            frame, slot = np.argwhere(absent)[int(np.argmax(wrong))]
            _fail(
                spec.name,
                f"empty slot {slot} of frame {frame} holds values; empty slots hold {fill}",
            )
    if spec.minimum is not None:
        low = flat < spec.minimum
        if spec.unknown_is_fill:
            low &= flat != fill
        bad = low.any(axis=-1) & present
        if np.any(bad):
            frame, slot = np.argwhere(bad)[0]
            allowed = f" or {fill} (unknown)" if spec.unknown_is_fill else ""
            _fail(
                spec.name,
                f"person {slot} of frame {frame} holds {int(flat[frame, slot].min())}; values are "
                f">= {spec.minimum:g}{allowed}",
            )

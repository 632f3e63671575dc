"""Predictions for one video, held as arrays, with an exact per-frame view.

Arrays are the primary form because a 30-minute video has 54,000 frames: one pydantic object
per frame would be slow to load and heavy in memory. The per-frame view
(:class:`FramePrediction`) and the JSON document are derived from the arrays and convert back
to them without loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from neuropose.schema._base import PersistedModel
from neuropose.schema._frames import FramePrediction, PersonPrediction
from neuropose.schema._provenance import Provenance
from neuropose.schema._skeleton import Skeleton
from neuropose.schema._video import CameraIntrinsics, Units, VideoMetadata

__all__ = ["NO_TRACK", "FieldValueError", "VideoPredictions", "VideoPredictionsDocument"]

NO_TRACK = -1
"""Value in ``VideoPredictions.track_ids`` for an empty person slot or an untracked person."""

FloatArray = npt.NDArray[np.float32]


def _as_array(dtype: type[np.generic], kind: str) -> BeforeValidator:
    """Build a validator that turns array-likes into read-only arrays of ``dtype``.

    ``kind`` is the numpy dtype kind family accepted without complaint (``"f"`` for floating
    values, ``"i"`` for integers); anything else (strings, objects, complex) is refused rather
    than coerced, so a wrong file fails loudly.
    """

    def convert(value: object) -> np.ndarray:
        array = np.asarray(value)
        accepted = "fiu" if kind == "f" else "iu"
        if array.dtype.kind not in accepted:
            raise ValueError(
                f"expected a numeric array ({np.dtype(dtype).name}), got {array.dtype}"
            )
        if array.dtype == dtype and _frozen_to_the_root(array):
            return array
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
        current = current.base
    return current is None or isinstance(current, bytes)


Float32Array = Annotated[np.ndarray, _as_array(np.float32, "f")]
Float64Array = Annotated[np.ndarray, _as_array(np.float64, "f")]
Int32Array = Annotated[np.ndarray, _as_array(np.int32, "i")]


class _PredictionsHeader(PersistedModel):
    """Fields shared by the array form and the per-frame JSON document."""

    KIND: ClassVar[str] = "video_predictions"
    CURRENT_VERSION: ClassVar[int] = 1

    metadata: VideoMetadata
    skeleton: Skeleton
    camera: CameraIntrinsics
    provenance: Provenance
    units: Units = Field(default_factory=Units)


class VideoPredictions(_PredictionsHeader):
    """Every pose found in one video, as arrays with a frame axis and a person-slot axis.

    People occupy the first slots of each frame; slots past a frame's last person hold NaN
    (and ``NO_TRACK`` in ``track_ids``). All arrays are read-only.

    Attributes
    ----------
    times_s
        ``(frames,)`` float64: presentation time of each frame in seconds.
    boxes
        ``(frames, persons, 5)`` float32: x, y, width, height in pixels, detector confidence.
    poses3d
        ``(frames, persons, joints, 3)`` float32: millimetres, camera frame, +y down.
    poses2d
        ``(frames, persons, joints, 2)`` float32: pixels.
    track_ids
        ``(frames, persons)`` int32: identity across frames, ``NO_TRACK`` when unknown.
    joint_confidence
        ``(frames, persons, joints)`` float32, or ``None`` when the model gave none.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    times_s: Float64Array
    boxes: Float32Array
    poses3d: Float32Array
    poses2d: Float32Array
    track_ids: Int32Array
    joint_confidence: Float32Array | None = None

    @model_validator(mode="after")
    def _arrays_consistent(self) -> VideoPredictions:
        frames = self.metadata.frame_count
        joints = self.skeleton.joint_count
        _check_shape("times_s", self.times_s, (frames,))
        if self.boxes.ndim != 3:
            _fail(
                "boxes", f"expected 3 dimensions (frames, persons, 5), got shape {self.boxes.shape}"
            )
        persons = self.boxes.shape[1]
        _check_shape("boxes", self.boxes, (frames, persons, 5))
        _check_shape("poses3d", self.poses3d, (frames, persons, joints, 3))
        _check_shape("poses2d", self.poses2d, (frames, persons, joints, 2))
        _check_shape("track_ids", self.track_ids, (frames, persons))
        if self.joint_confidence is not None:
            _check_shape("joint_confidence", self.joint_confidence, (frames, persons, joints))
        if not np.all(np.isfinite(self.times_s)):
            _fail("times_s", "holds NaN or infinity; every frame has a finite time")
        if frames > 1 and np.any(np.diff(self.times_s) < 0):
            first = int(np.argmax(np.diff(self.times_s) < 0)) + 1
            _fail("times_s", f"goes backwards at frame {first}; frame times never decrease")
        self._check_slots()
        return self

    def _check_slots(self) -> None:
        present = self.person_mask
        if present.shape[1] > 1 and np.any(present[:, 1:] & ~present[:, :-1]):
            frame = int(np.argmax(np.any(present[:, 1:] & ~present[:, :-1], axis=1)))
            _fail("boxes", f"frame {frame} has an empty slot before an occupied one")
        arrays: dict[str, np.ndarray] = {
            "boxes": self.boxes,
            "poses3d": self.poses3d,
            "poses2d": self.poses2d,
        }
        if self.joint_confidence is not None:
            arrays["joint_confidence"] = self.joint_confidence
        absent = ~present
        any_absent = bool(absent.any())
        for name, array in arrays.items():
            flat = array.reshape(*present.shape, int(np.prod(array.shape[2:])))
            finite = np.isfinite(flat).all(axis=-1)
            if not np.array_equal(finite, present):
                bad_present = present & ~finite
                if np.any(bad_present):
                    frame, slot = np.argwhere(bad_present)[0]
                    _fail(name, f"NaN or infinity for the detected person {slot} in frame {frame}")
            if any_absent:
                not_nan = ~np.isnan(flat[absent]).all(axis=-1)
                if np.any(not_nan):
                    frame, slot = np.argwhere(absent)[int(np.argmax(not_nan))]
                    _fail(
                        name, f"values in empty slot {slot} of frame {frame}; empty slots are NaN"
                    )
        if np.any(self.track_ids[~present] != NO_TRACK) or np.any(self.track_ids < NO_TRACK):
            _fail("track_ids", f"empty slots must hold {NO_TRACK} and ids must be >= 0")

    @property
    def frame_count(self) -> int:
        """Number of frames."""
        return int(self.times_s.shape[0])

    @property
    def max_people(self) -> int:
        """Number of person slots (the most people seen in any one frame)."""
        return int(self.boxes.shape[1])

    @property
    def person_mask(self) -> npt.NDArray[np.bool_]:
        """``(frames, persons)`` bool: True where a slot holds a detected person."""
        return ~np.isnan(self.boxes[..., 0])

    @property
    def people_per_frame(self) -> npt.NDArray[np.intp]:
        """``(frames,)``: how many people were detected in each frame."""
        return self.person_mask.sum(axis=1)

    def to_frames(self) -> tuple[FramePrediction, ...]:
        """Return the per-frame view (one :class:`FramePrediction` per frame).

        The values are exactly those of the arrays: float32 values widen to Python floats
        without rounding, and :meth:`from_frames` narrows them back to the same bits.
        """
        counts = self.people_per_frame.tolist()
        times = self.times_s.tolist()
        boxes, p3, p2 = self.boxes.tolist(), self.poses3d.tolist(), self.poses2d.tolist()
        tracks = self.track_ids.tolist()
        confidence = None if self.joint_confidence is None else self.joint_confidence.tolist()
        frames = []
        # The arrays were validated as a whole, so the per-frame objects skip re-validation.
        for index, count in enumerate(counts):
            people = tuple(
                PersonPrediction.model_construct(
                    box=tuple(boxes[index][slot]),
                    poses3d=tuple(map(tuple, p3[index][slot])),
                    poses2d=tuple(map(tuple, p2[index][slot])),
                    track_id=None if tracks[index][slot] == NO_TRACK else tracks[index][slot],
                    joint_confidence=None if confidence is None else tuple(confidence[index][slot]),
                )
                for slot in range(count)
            )
            frames.append(
                FramePrediction.model_construct(index=index, time_s=times[index], people=people)
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

        Raises
        ------
        FieldValueError
            If frame indices are not ``0..n-1`` in order, or a person's joint count differs
            from the skeleton's.
        """
        joints = skeleton.joint_count
        persons = max((len(f.people) for f in frames), default=0)
        count = len(frames)
        with_confidence = any(p.joint_confidence is not None for f in frames for p in f.people)
        times = np.empty(count, np.float64)
        boxes = np.full((count, persons, 5), np.nan, np.float32)
        p3 = np.full((count, persons, joints, 3), np.nan, np.float32)
        p2 = np.full((count, persons, joints, 2), np.nan, np.float32)
        tracks = np.full((count, persons), NO_TRACK, np.int32)
        confidence = (
            np.full((count, persons, joints), np.nan, np.float32) if with_confidence else None
        )
        for position, frame in enumerate(frames):
            if frame.index != position:
                _fail(
                    f"frames.{position}.index",
                    f"is {frame.index}; frames must be numbered 0..n-1 in order",
                )
            times[position] = frame.time_s
            for slot, person in enumerate(frame.people):
                if len(person.poses3d) != joints or len(person.poses2d) != joints:
                    _fail(
                        f"frames.{position}.people.{slot}.poses3d",
                        f"has {len(person.poses3d)} 3D and {len(person.poses2d)} 2D joints; "
                        f"skeleton '{skeleton.name}' has {joints}",
                    )
                boxes[position, slot] = person.box
                p3[position, slot] = person.poses3d
                p2[position, slot] = person.poses2d
                if person.track_id is not None:
                    tracks[position, slot] = person.track_id
                if confidence is not None:
                    if person.joint_confidence is None or len(person.joint_confidence) != joints:
                        _fail(
                            f"frames.{position}.people.{slot}.joint_confidence",
                            f"must give one value per joint ({joints}) when any person has it",
                        )
                    confidence[position, slot] = person.joint_confidence
        return cls(
            metadata=metadata,
            skeleton=skeleton,
            camera=camera,
            provenance=provenance,
            units=units or Units(),
            times_s=times,
            boxes=boxes,
            poses3d=p3,
            poses2d=p2,
            track_ids=tracks,
            joint_confidence=confidence,
        )

    def header(self) -> dict[str, Any]:
        """Return the non-array fields as JSON-ready data."""
        return self.model_dump(
            mode="json",
            include={"schema_version", "metadata", "skeleton", "camera", "provenance", "units"},
        )

    def to_document(self) -> VideoPredictionsDocument:
        """Return the per-frame document, the shape of the JSON file."""
        return VideoPredictionsDocument.model_construct(
            **{name: getattr(self, name) for name in _HEADER_FIELDS},
            frames=self.to_frames(),
        )

    def same_as(self, other: VideoPredictions) -> bool:
        """Return True when both hold the same header and bit-identical arrays (NaN equal NaN)."""
        if self.header() != other.header():
            return False
        for name in ("times_s", "boxes", "poses3d", "poses2d", "track_ids"):
            if not np.array_equal(getattr(self, name), getattr(other, name), equal_nan=True):
                return False
        mine, theirs = self.joint_confidence, other.joint_confidence
        if mine is None or theirs is None:
            return mine is None and theirs is None
        return bool(np.array_equal(mine, theirs, equal_nan=True))


class VideoPredictionsDocument(_PredictionsHeader):
    """The per-frame JSON layout of :class:`VideoPredictions` (``*.json`` predictions files)."""

    frames: tuple[FramePrediction, ...]

    def to_arrays(self) -> VideoPredictions:
        """Convert to the array form, validating joint counts against the skeleton."""
        return VideoPredictions.from_frames(
            self.frames,
            **{name: getattr(self, name) for name in _HEADER_FIELDS if name != "schema_version"},
        )


_HEADER_FIELDS = ("schema_version", "metadata", "skeleton", "camera", "provenance", "units")


class FieldValueError(ValueError):
    """A ValueError that knows which field it is about, so loaders can name it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def _fail(field: str, reason: str) -> None:
    raise FieldValueError(field, reason)


def _check_shape(field: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if array.shape != expected:
        _fail(field, f"expected shape {expected}, got {array.shape}")

"""Repetition segmentation: its configuration and result, saved together."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from neuropose.schema._base import PersistedModel, ValueModel
from neuropose.schema._measures import RepetitionMeasures

__all__ = ["SEGMENTATION_METHOD_VERSION", "Repetition", "Segmentation", "SegmentationConfig"]

Extractor = Literal["joint_axis", "joint_pair_distance", "joint_speed", "joint_angle"]

SEGMENTATION_METHOD_VERSION = 3
"""Version of the segmentation method this schema describes.

1: parameters in frames from the median frame interval, no baseline removal (files of schema
version 1). 2: every parameter in seconds from the timestamps, baseline removal, minimum peak
height, padding. 3: two peaks exactly ``min_period_s`` apart no longer drop each other through
rounding (version 2 could lose a real repetition next to a small noise peak), and a valley is the
depth-weighted centre of its bottom (version 2 took the bottom's plain middle, up to 3 frames off
between repetitions of unequal speed).
"""

_JOINTS_NEEDED = {"joint_axis": 1, "joint_speed": 1, "joint_pair_distance": 2, "joint_angle": 3}


class SegmentationConfig(ValueModel):
    """How a 1-D movement signal is built and cut into repetitions.

    Every time is in seconds and is applied with the frame timestamps (variable frame rates are
    handled); amplitudes are in the signal's unit.

    Attributes
    ----------
    extractor
        Which signal: one coordinate of a joint (``joint_axis``), the distance between two
        joints (``joint_pair_distance``), a joint's speed (``joint_speed``) or a three-joint
        angle (``joint_angle``).
    joints
        Distinct joint names the extractor uses: one for ``joint_axis`` and ``joint_speed``,
        two for ``joint_pair_distance``, three (end, vertex, end) for ``joint_angle``.
    axis
        Coordinate for ``joint_axis``: ``"x"``, ``"y"`` or ``"z"`` (camera frame, +y down).
    person
        Person to follow: a track id (a person slot in a file without track ids); ``None``
        for the file's only person.
    invert
        Segment on the negated signal (when a repetition is a dip, not a peak).
    smoothing_s
        Width of a centred moving average in seconds; 0 disables smoothing.
    baseline_window_s
        Width, in seconds, of the centred moving median subtracted from the signal before
        peaks are sought, so that slow drift (the person stepping back, the camera settling)
        does not hide repetitions; ``None`` keeps the signal as it is. Make it several
        repetitions long: a window shorter than one repetition flattens it.
    min_period_s
        Minimum time between two repetition peaks, in seconds.
    min_prominence
        Minimum peak prominence in the signal's unit (mm, mm/s or degrees); ``None`` lets the
        segmenter use a fraction of the signal's range.
    relative_prominence
        Fraction of the (baseline-removed) signal's 5th-95th percentile range used when
        ``min_prominence`` is ``None``.
    min_height
        Minimum peak value in the signal's unit, measured on the signal peaks are sought in
        (after baseline removal and ``invert``); ``None`` for no minimum.
    pad_s
        Seconds added before each repetition's start and after its end (clipped to the trial);
        padded repetitions may overlap their neighbours.
    method
        The segmentation method: peaks of the signal, cut valley to valley.
    method_version
        Version of that method (:data:`SEGMENTATION_METHOD_VERSION` for new configurations;
        files saved by older versions keep the version that produced them).
    """

    extractor: Extractor
    joints: tuple[str, ...]
    axis: Literal["x", "y", "z"] | None = None
    person: int | None = Field(default=None, ge=0)
    invert: bool = False
    smoothing_s: float = Field(default=0.0, ge=0)
    baseline_window_s: float | None = Field(default=10.0, gt=0)
    min_period_s: float = Field(default=0.5, gt=0)
    min_prominence: float | None = Field(default=None, gt=0)
    relative_prominence: float = Field(default=0.3, gt=0, le=1)
    min_height: float | None = None
    pad_s: float = Field(default=0.0, ge=0)
    method: Literal["peak_valley"] = "peak_valley"
    method_version: int = Field(default=SEGMENTATION_METHOD_VERSION, ge=1)

    @model_validator(mode="after")
    def _joints_fit_extractor(self) -> SegmentationConfig:
        want = _JOINTS_NEEDED[self.extractor]
        if len(self.joints) != want:
            msg = f"extractor '{self.extractor}' takes {want} joint name(s), got {len(self.joints)}"
            raise ValueError(msg)
        repeated = sorted({j for j in self.joints if self.joints.count(j) > 1})
        if repeated:
            msg = (
                f"extractor '{self.extractor}' needs {want} different joints, but "
                f"{', '.join(repeated)} is repeated: the signal would be constant"
            )
            raise ValueError(msg)
        if self.extractor == "joint_axis" and self.axis is None:
            raise ValueError("extractor 'joint_axis' needs axis 'x', 'y' or 'z'")
        if self.method_version > SEGMENTATION_METHOD_VERSION:
            msg = (
                f"method_version {self.method_version} is newer than this package's "
                f"{SEGMENTATION_METHOD_VERSION}; upgrade neuropose-schema"
            )
            raise ValueError(msg)
        return self


class Repetition(ValueModel):
    """One repetition as frame indices ``[start, end)`` with its peak, and the same in seconds."""

    start: int = Field(ge=0)
    peak: int = Field(ge=0)
    end: int = Field(ge=0)
    start_s: float
    peak_s: float
    end_s: float

    @model_validator(mode="after")
    def _ordered(self) -> Repetition:
        if not self.start <= self.peak < self.end:
            raise ValueError(f"need start <= peak < end, got {self.start}, {self.peak}, {self.end}")
        return self


class Segmentation(PersistedModel):
    """Repetitions found in one predictions file, with the configuration that found them.

    Attributes
    ----------
    config
        The configuration used (with its method and version stamp).
    source_file_name
        File name of the predictions the signal came from.
    source_video_sha256
        SHA-256 of the original video, copied from the predictions' metadata.
    signal_unit
        Unit of the segmented signal (``"mm"``, ``"mm/s"``, ``"deg"``).
    repetitions
        The repetitions in time order.
    prominence_threshold
        The minimum prominence that was applied, in ``signal_unit`` (given, or derived from
        ``relative_prominence``); ``None`` in files of schema version 1.
    measures
        Per repetition: duration, range of motion, peak velocity, observed fraction, and
        left/right symmetry where both sides were measured.
    notes
        What the reader should know, e.g. why no repetition was found.
    """

    KIND: ClassVar[str] = "segmentation"
    CURRENT_VERSION: ClassVar[int] = 2

    config: SegmentationConfig
    source_file_name: str
    source_video_sha256: str
    signal_unit: str
    repetitions: tuple[Repetition, ...]
    prominence_threshold: float | None = None
    measures: tuple[RepetitionMeasures, ...] = ()
    notes: tuple[str, ...] = ()

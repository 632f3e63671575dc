"""Repetition segmentation: its configuration and result, saved together."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from neuropose.schema._base import PersistedModel, ValueModel

__all__ = ["Repetition", "Segmentation", "SegmentationConfig"]

Extractor = Literal["joint_axis", "joint_pair_distance", "joint_speed", "joint_angle"]


class SegmentationConfig(ValueModel):
    """How a 1-D movement signal is built and cut into repetitions.

    Attributes
    ----------
    extractor
        Which signal: one coordinate of a joint (``joint_axis``), the distance between two
        joints (``joint_pair_distance``), a joint's speed (``joint_speed``) or a three-joint
        angle (``joint_angle``).
    joints
        Joint names the extractor uses: one for ``joint_axis`` and ``joint_speed``, two for
        ``joint_pair_distance``, three (end, vertex, end) for ``joint_angle``.
    axis
        Coordinate for ``joint_axis``: ``"x"``, ``"y"`` or ``"z"`` (camera frame, +y down).
    person
        Person slot to follow.
    invert
        Segment on the negated signal (when a repetition is a dip, not a peak).
    smoothing_s
        Width of a centred moving-average window in seconds; 0 disables smoothing.
    min_period_s
        Minimum time between two repetition peaks, in seconds.
    min_prominence
        Minimum peak prominence in the signal's unit (mm, mm/s or degrees); ``None`` lets the
        segmenter use a fraction of the signal's range.
    relative_prominence
        Fraction of the signal's 5th-95th percentile range used when ``min_prominence`` is
        ``None``.
    """

    extractor: Extractor
    joints: tuple[str, ...]
    axis: Literal["x", "y", "z"] | None = None
    person: int = Field(default=0, ge=0)
    invert: bool = False
    smoothing_s: float = Field(default=0.0, ge=0)
    min_period_s: float = Field(default=0.5, gt=0)
    min_prominence: float | None = Field(default=None, gt=0)
    relative_prominence: float = Field(default=0.3, gt=0, le=1)

    @model_validator(mode="after")
    def _joints_fit_extractor(self) -> SegmentationConfig:
        needed = {"joint_axis": 1, "joint_speed": 1, "joint_pair_distance": 2, "joint_angle": 3}
        want = needed[self.extractor]
        if len(self.joints) != want:
            msg = f"extractor '{self.extractor}' takes {want} joint name(s), got {len(self.joints)}"
            raise ValueError(msg)
        if self.extractor == "joint_axis" and self.axis is None:
            raise ValueError("extractor 'joint_axis' needs axis 'x', 'y' or 'z'")
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
        The configuration used.
    source_file_name
        File name of the predictions the signal came from.
    source_video_sha256
        SHA-256 of the original video, copied from the predictions' metadata.
    signal_unit
        Unit of the segmented signal (``"mm"``, ``"mm/s"``, ``"deg"``).
    repetitions
        The repetitions in time order.
    """

    KIND: ClassVar[str] = "segmentation"

    config: SegmentationConfig
    source_file_name: str
    source_video_sha256: str
    signal_unit: str
    repetitions: tuple[Repetition, ...]

"""Clinical measures saved by the analysis: angles, repetitions and gait.

Angle conventions and summaries, per-repetition measures, and gait (events, cycles,
spatiotemporal parameters).

Every number carries its unit, and angles their plane and sign, in the file itself: a value can
be read years later without the code that wrote it. Standard deviations are sample standard
deviations (``n - 1`` in the denominator), and ``None`` when fewer than two values exist.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from neuropose.schema._analysis import JointAngleSummary
from neuropose.schema._base import PersistedModel, ValueModel

__all__ = [
    "SD_CONVENTION",
    "AngleConvention",
    "AngleReport",
    "ClinicalAngleSummary",
    "GaitConfig",
    "GaitCycle",
    "GaitResult",
    "GaitStatistic",
    "QuantityMeasures",
    "RepetitionMeasures",
    "SymmetryMeasure",
]

SD_CONVENTION = "sample standard deviation (n - 1 denominator); None for fewer than two values"
"""How every standard deviation in these files is computed, as written into them."""

Side = Literal["left", "right"]
Plane = Literal["sagittal", "frontal", "transverse", "any"]


class AngleConvention(ValueModel):
    """What one clinical angle measures, and its sign.

    Attributes
    ----------
    name
        Registry name, ``<joint>_<motion>[_<side>]``, e.g. ``knee_flexion_left``.
    joint
        ``hip``, ``knee``, ``ankle``, ``shoulder``, ``elbow`` or ``trunk``.
    side
        The person's own side, or ``None`` for the trunk.
    motion
        The motion whose direction is positive (``flexion``, ``abduction`` ...).
    plane
        Anatomical plane of the motion (``any`` for an elevation measured in its own plane).
    positive
        In words, what a positive value means; the opposite motion is negative.
    reference
        The body frame the angle is measured in, and how that frame is built.
    unit
        Always degrees.
    """

    name: str
    joint: str
    side: Side | None
    motion: str
    plane: Plane
    positive: str
    reference: str
    unit: Literal["deg"] = "deg"


class ClinicalAngleSummary(ValueModel):
    """One clinical angle summarised over a trial, in degrees.

    ``valid_frames`` counts frames where the angle is defined; ``observed_fraction`` is the
    fraction of all frames whose value comes from observed samples (until quality flags exist:
    finite samples). ``sd_deg`` is a sample SD (``n - 1``).
    """

    convention: AngleConvention
    mean_deg: float | None
    sd_deg: float | None
    min_deg: float | None
    max_deg: float | None
    valid_frames: int = Field(ge=0)
    observed_fraction: float = Field(ge=0, le=1)


class AngleReport(PersistedModel):
    """Clinical (body-frame) angles of one trial (``neuropose analyze --angle NAME``).

    Attributes
    ----------
    source_file_name
        The predictions file analysed.
    skeleton
        Skeleton name; angle definitions are per skeleton.
    person
        Which person was analysed, as the command chose it (``slot 0``, a track id ...).
    body_frame
        How the pelvis and thorax frames are built (ISB-style axes).
    sd_convention
        How standard deviations are computed.
    angles
        Clinical angle summaries, in the order asked for.
    three_joint_angles
        Included angles at a vertex (0-180 degrees, no sign), if any were asked for.
    """

    KIND: ClassVar[str] = "angle_report"

    source_file_name: str
    skeleton: str
    person: str
    body_frame: str
    sd_convention: str = SD_CONVENTION
    angles: tuple[ClinicalAngleSummary, ...] = ()
    three_joint_angles: tuple[JointAngleSummary, ...] = ()


class QuantityMeasures(ValueModel):
    """Measures of one time series over one repetition (or gait cycle).

    Attributes
    ----------
    quantity
        The series: a clinical angle name, or ``signal`` for the segmented signal.
    unit
        Unit of the series (``deg``, ``mm``, ``mm/s``).
    plane, positive
        For angles: the plane and the meaning of a positive value.
    range_of_motion
        Maximum minus minimum over the repetition, in ``unit``.
    minimum, maximum
        Extremes over the repetition, in ``unit``.
    peak_velocity
        Largest absolute rate of change over the repetition, in ``velocity_unit`` (from the
        timestamps); for angles, the peak angular velocity.
    velocity_unit
        ``unit`` per second.
    observed_fraction
        Fraction of the repetition's frames whose value was observed.
    """

    quantity: str
    unit: str
    plane: str | None = None
    positive: str | None = None
    range_of_motion: float | None
    minimum: float | None
    maximum: float | None
    peak_velocity: float | None
    velocity_unit: str
    observed_fraction: float = Field(ge=0, le=1)


class SymmetryMeasure(ValueModel):
    """Left/right symmetry of one quantity's range of motion over one repetition.

    ``symmetry_index_percent`` is ``100 * (left - right) / ((left + right) / 2)`` (Robinson's
    symmetry index): 0 is symmetric, positive means the left side moves more.
    """

    quantity: str
    unit: str
    left_range_of_motion: float | None
    right_range_of_motion: float | None
    symmetry_index_percent: float | None
    definition: str = "100 * (left - right) / ((left + right) / 2) of the range of motion"


class RepetitionMeasures(ValueModel):
    """Clinical measures of one repetition (or one gait cycle), with its time span in seconds."""

    index: int = Field(ge=0)
    start_s: float
    end_s: float
    duration_s: float = Field(ge=0)
    quantities: tuple[QuantityMeasures, ...] = ()
    symmetry: tuple[SymmetryMeasure, ...] = ()


class GaitConfig(ValueModel):
    """How gait events are found (saved with every gait result).

    Attributes
    ----------
    relative_prominence
        A heel strike (toe off) is a peak (trough) of the heel's (toe's) forward position
        relative to the pelvis whose prominence is at least this fraction of that signal's
        5th-95th percentile range ...
    min_prominence_mm
        ... and at least this many millimetres, so that the jitter of a foot that does not
        step is never taken for steps (a stride of 200 mm still moves the heel about 200 mm
        relative to the pelvis).
    min_event_interval_s
        Shortest time between two heel strikes (or two toe offs) of the same foot, seconds.
    max_stride_s
        Longest stride kept, seconds; longer ones (pauses, turns) are left out of the statistics.
    progression_window_s
        Width of the moving average of the pelvis' horizontal velocity that gives the direction
        of progression, seconds (longer than a stride, so the sway within a stride cancels).
    min_walking_speed_mm_s
        Below this pelvis speed the direction of progression is the pelvis' forward axis instead
        (treadmill, or standing), mm/s.
    """

    relative_prominence: float = Field(default=0.3, gt=0, le=1)
    min_prominence_mm: float = Field(default=50.0, ge=0)
    min_event_interval_s: float = Field(default=0.5, gt=0)
    max_stride_s: float = Field(default=2.5, gt=0)
    progression_window_s: float = Field(default=2.0, gt=0)
    min_walking_speed_mm_s: float = Field(default=100.0, ge=0)


class GaitCycle(ValueModel):
    """One gait cycle of one foot: heel strike to the next heel strike of the same foot.

    Frames are indices into the predictions, ``[start, end)``; ``toe_off`` is the same foot's
    toe off inside the cycle, if one was found.
    """

    side: Side
    start: int = Field(ge=0)
    toe_off: int | None = None
    end: int = Field(ge=0)
    start_s: float
    toe_off_s: float | None = None
    end_s: float

    @model_validator(mode="after")
    def _ordered(self) -> GaitCycle:
        if not self.start < self.end:
            raise ValueError(f"need start < end, got {self.start}, {self.end}")
        if self.toe_off is not None and not self.start <= self.toe_off < self.end:
            raise ValueError(f"toe off {self.toe_off} is outside [{self.start}, {self.end})")
        return self


class GaitStatistic(ValueModel):
    """Mean, sample SD and count of one gait parameter for one side (or both pooled)."""

    name: str
    side: Literal["left", "right", "both"]
    unit: str
    mean: float | None
    sd: float | None
    count: int = Field(ge=0)


class GaitResult(PersistedModel):
    """Gait events, cycles and spatiotemporal parameters of one walking trial (``neuropose gait``).

    Attributes
    ----------
    source_file_name, source_video_sha256
        The predictions analysed.
    skeleton
        Skeleton name.
    person
        Which person was analysed, as the command chose it.
    method, method_version
        The event-detection method and its version in this package.
    config
        The parameters used.
    heel_strikes_s, toe_offs_s
        Event times per side, seconds.
    cycles
        Every gait cycle, both feet, in time order.
    parameters
        Per parameter and side: mean, sample SD and count.
    cycle_measures
        Per-cycle measures of the requested angles (same as per repetition), if asked.
    observed_fraction
        Fraction of the trial's frames where every joint gait uses was observed.
    conventions
        Units, frames and definitions, in words.
    sd_convention
        How standard deviations are computed.
    notes
        Anything the reader should know (cycles left out and why, too few events ...).
    """

    KIND: ClassVar[str] = "gait"

    source_file_name: str
    source_video_sha256: str
    skeleton: str
    person: str
    method: str
    method_version: int = Field(ge=1)
    config: GaitConfig
    heel_strikes_s: dict[Side, tuple[float, ...]]
    toe_offs_s: dict[Side, tuple[float, ...]]
    cycles: tuple[GaitCycle, ...]
    parameters: tuple[GaitStatistic, ...]
    cycle_measures: tuple[RepetitionMeasures, ...] = ()
    observed_fraction: float = Field(ge=0, le=1)
    conventions: tuple[str, ...] = ()
    sd_convention: str = SD_CONVENTION
    notes: tuple[str, ...] = ()

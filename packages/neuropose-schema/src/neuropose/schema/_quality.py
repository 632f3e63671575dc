"""Identity and data quality: quality flags, and how tracks, subjects and cleaning are set.

This module holds the per-sample quality flags and the configurations of tracking, subject
choice and cleaning, with the small results saved next to them. These models live in the schema because they are written into files: a predictions file
records the tracker's configuration in its provenance, an analysis result records the subject
rule and the cleaning configuration it used, and the predictions format carries a
``quality_flags`` array built from :class:`QualityFlag`.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from neuropose.schema._base import ValueModel
from neuropose.schema._guards import is_json_object

__all__ = [
    "DEFAULT_CUTOFF_HZ",
    "QUALITY_FLAGS_DTYPE",
    "TASK_CUTOFFS_HZ",
    "CleaningConfig",
    "GapSpan",
    "JointQuality",
    "MovementMeasure",
    "QualityFlag",
    "QualitySummary",
    "SubjectChoice",
    "SubjectConfig",
    "SubjectWarning",
    "Task",
    "TrackScore",
    "TrackingConfig",
    "TrackingSummary",
    "flags_from_presence",
]


class QualityFlag(enum.IntFlag):
    """Where one sample (one joint in one frame) came from, as bits of a ``uint8``.

    Exactly one of ``OBSERVED``, ``INTERPOLATED`` and ``MISSING`` is set on every sample: it
    says what the value is. ``LOW_CONFIDENCE`` and ``OUTLIER_REPLACED`` are added when the raw
    value at that time was discarded, and say why; the value then present is interpolated, or
    the sample is missing.

    Attributes
    ----------
    OBSERVED
        The value is a measurement (on a resampled grid: interpolated between two consecutive
        raw measurements, with no discarded or dropped frame between them).
    LOW_CONFIDENCE
        The raw value fell below the confidence gate and was discarded.
    OUTLIER_REPLACED
        The raw value was rejected as an outlier and discarded.
    INTERPOLATED
        The value was filled in across a gap no longer than the cleaning's ``max_gap_s``.
    MISSING
        There is no value (NaN): the person or joint was not seen, or the gap was too long.
    """

    OBSERVED = 1
    LOW_CONFIDENCE = 2
    OUTLIER_REPLACED = 4
    INTERPOLATED = 8
    MISSING = 16


QUALITY_FLAGS_DTYPE = np.uint8
"""Dtype of every quality-flag array (one :class:`QualityFlag` bitfield per sample)."""


def flags_from_presence(present: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Flag raw samples as ``OBSERVED`` where present and ``MISSING`` elsewhere.

    This is what a file written before quality flags existed means: a sample was either
    measured or absent. Use it to migrate such files.

    Parameters
    ----------
    present
        Boolean array of any shape (for example ``(frames, persons, joints)``).

    Returns
    -------
    ndarray
        ``uint8`` array of the same shape.
    """
    mask = np.asarray(present, dtype=bool)
    return np.where(mask, QualityFlag.OBSERVED.value, QualityFlag.MISSING.value).astype(
        QUALITY_FLAGS_DTYPE
    )


class TrackingConfig(ValueModel):
    """Parameters of the identity tracker; saved into the provenance of tracked files.

    The tracker links detections of nearby frames by minimum-cost assignment, manages tracks
    online (birth after ``min_hits`` confident detections, death after ``max_age_s`` unseen)
    and finally stitches confirmed tracks broken by occlusion or by leaving the view. Its
    fixed internals (how far the first pass bridges misses, how much recency counts) belong
    to ``version``.

    The association cost of a detection to a track is the weighted mean of three terms, each
    scaled so that 1 is the largest plausible value for the time elapsed ``dt``:

    - ``1 - IoU`` of the boxes (the track's box shifted by its predicted motion);
    - 3D root distance / (``root3d_tolerance_mm`` + ``max_speed_mm_s`` x ``dt``);
    - 2D root distance / ((``root2d_tolerance`` + ``max_speed_heights_s`` x ``dt``) x box
      height).

    A pair whose 3D or 2D term (with a non-zero weight) exceeds 1, or whose cost exceeds
    ``max_cost``, is never linked.

    Attributes
    ----------
    method
        Name of the algorithm; with ``version``, identifies what produced the ids.
    version
        Version of the algorithm.
    iou_weight, root3d_weight, root2d_weight
        Weights of the cost terms. Set ``root3d_weight`` to 0 for backends whose 3D poses are
        root-relative (their roots are all at the origin).
    root3d_tolerance_mm
        Root distance accepted whatever the elapsed time (jitter of the 3D root), mm.
    max_speed_mm_s
        Fastest plausible root speed, mm/s.
    root2d_tolerance
        2D root distance accepted whatever the elapsed time, in box heights.
    max_speed_heights_s
        Fastest plausible 2D root speed, box heights per second.
    max_cost
        Highest cost at which a detection continues a track; leaving a pair unlinked costs
        this much, so two poor links never win over one good link. True frame-to-frame links
        cost about 0.1 (0.33 at worst with 15 mm jitter and +-40 % frame-time jitter).
    min_hits
        Confident detections a track needs before it is confirmed (born).
    min_score
        Detector score from which a detection counts as a confident hit.
    max_age_s
        A track unseen for longer than this (seconds) is no longer continued online.
    velocity_window_s
        Time span over which a track's end velocity is measured, seconds.
    extrapolate_s
        Longest time over which a lost track's motion is extrapolated at constant velocity;
        after that its predicted position stays put, seconds.
    stitch
        Run the offline stitching pass.
    stitch_max_gap_s
        Longest gap between two tracks that stitching may bridge, seconds; a person out of
        view for longer comes back as a new track.
    stitch_max_bone_difference
        Largest median relative difference of bone lengths between two tracks that stitching
        accepts as one person (0.15 = 15 %).
    bone_weight
        Weight of the bone-length term in the stitching cost (the motion terms keep their
        tracking weights; the gap term has weight 1).
    duplicate_iou
        Two detections of one frame whose boxes overlap by at least this IoU (and, when
        ``root3d_weight`` is not 0, whose 3D roots are within ``duplicate_root3d_mm``) are one
        person detected twice: the one with the lower score is left out (``NO_TRACK``), so it
        cannot start a rival track. ``None`` keeps every detection. People passing one behind
        the other overlap as much in the image but not in depth, which camera-frame 3D shows.
    duplicate_root3d_mm
        Largest 3D root distance of a duplicate, mm (far below the depth between two people).
    """

    method: Literal["hungarian_online_stitch"] = "hungarian_online_stitch"
    version: Literal[1] = 1
    iou_weight: float = Field(default=1.0, ge=0)
    root3d_weight: float = Field(default=1.0, ge=0)
    root2d_weight: float = Field(default=1.0, ge=0)
    root3d_tolerance_mm: float = Field(default=250.0, gt=0)
    max_speed_mm_s: float = Field(default=3000.0, gt=0)
    root2d_tolerance: float = Field(default=0.25, gt=0)
    max_speed_heights_s: float = Field(default=2.0, gt=0)
    max_cost: float = Field(default=0.6, gt=0, le=1)
    min_hits: int = Field(default=3, ge=1)
    min_score: float = Field(default=0.5, ge=0, le=1)
    max_age_s: float = Field(default=1.0, ge=0)
    velocity_window_s: float = Field(default=0.3, gt=0)
    extrapolate_s: float = Field(default=0.5, ge=0)
    stitch: bool = True
    stitch_max_gap_s: float = Field(default=30.0, ge=0)
    stitch_max_bone_difference: float = Field(default=0.15, gt=0)
    bone_weight: float = Field(default=1.0, ge=0)
    duplicate_iou: float | None = Field(default=0.7, gt=0, le=1)
    duplicate_root3d_mm: float = Field(default=100.0, gt=0)

    @model_validator(mode="after")
    def _some_weight(self) -> TrackingConfig:
        if self.iou_weight + self.root3d_weight + self.root2d_weight <= 0:
            raise ValueError("at least one of iou_weight, root3d_weight, root2d_weight must be > 0")
        return self


class TrackingSummary(ValueModel):
    """What one tracking run did, with the configuration it ran with.

    Attributes
    ----------
    config
        The tracker's configuration.
    detections
        Detections in the input.
    tracks
        Confirmed tracks in the output (ids ``0..tracks-1``).
    tracklets
        Chains of detections linked frame to frame before any joining.
    online_joins
        Tracklets continued online after a break shorter than ``max_age_s``.
    stitches
        Joins made by the offline stitching pass.
    unconfirmed_detections
        Detections left at ``NO_TRACK`` because their track never reached ``min_hits``.
    duplicate_detections
        Detections left at ``NO_TRACK`` as a second detection of a person (``duplicate_iou``).
    """

    config: TrackingConfig
    detections: int = Field(ge=0)
    tracks: int = Field(ge=0)
    tracklets: int = Field(ge=0)
    online_joins: int = Field(ge=0)
    stitches: int = Field(ge=0)
    unconfirmed_detections: int = Field(ge=0)
    duplicate_detections: int = Field(default=0, ge=0)


MovementMeasure = Literal["root_relative_speed", "root_speed"]
"""How the subject rule measures movement: limbs relative to the root, or the root itself."""


class SubjectConfig(ValueModel):
    """The rule that picks the patient among the tracks of a video.

    ``score = coverage x mean confidence x movement``; the highest score wins. When the best
    two scores are within ``margin`` of the best, the result carries a warning naming both
    and the more central track (box centre nearer the image centre, on average) wins.

    Attributes
    ----------
    rule
        Name of the rule; with ``version``, identifies it in saved results.
    version
        Version of the rule.
    movement
        ``"root_relative_speed"``: mean speed of the movement joints relative to the root
        (limb movement, the default); ``"root_speed"``: mean speed of the root (walking).
    speed_lag_s
        Speeds are measured between samples this far apart (seconds), so frame-to-frame
        jitter weighs less than real movement.
    min_joint_confidence
        With per-joint confidence, a detection covers its frame in proportion to the share of
        joints at or above this confidence.
    margin
        Relative score difference under which two tracks count as tied (0.1 = 10 %).
    """

    rule: Literal["coverage_confidence_movement"] = "coverage_confidence_movement"
    version: Literal[1] = 1
    movement: MovementMeasure = "root_relative_speed"
    speed_lag_s: float = Field(default=0.2, gt=0)
    min_joint_confidence: float = Field(default=0.5, ge=0, le=1)
    margin: float = Field(default=0.1, ge=0, lt=1)


class TrackScore(ValueModel):
    """One track's row in the subject ranking.

    Attributes
    ----------
    track_id
        The track.
    first_s, last_s
        Time of its first and last detection, seconds.
    coverage
        Share of the video's duration covered by the track, 0-1 (each frame counts for its
        duration; with per-joint confidence, in proportion to its confident joints).
    mean_confidence
        Mean per-joint confidence over its detections, or the mean detector score when the
        model gives no per-joint confidence.
    movement
        The rule's movement measure, mm/s.
    centrality
        Mean distance of its box centre from the image centre, as a fraction of the
        half-diagonal (0 = centred); lower is more central.
    score
        ``coverage x mean_confidence x movement``.
    chosen
        Whether this track is the subject.
    reason
        Why it was or was not chosen, in words.
    """

    track_id: int = Field(ge=0)
    first_s: float
    last_s: float
    coverage: float = Field(ge=0, le=1)
    mean_confidence: float
    movement: float = Field(ge=0)
    centrality: float = Field(ge=0)
    score: float = Field(ge=0)
    chosen: bool
    reason: str


class SubjectWarning(ValueModel):
    """Two tracks whose scores are too close for the rule to tell them apart."""

    track_ids: tuple[int, int]
    scores: tuple[float, float]
    message: str


class SubjectChoice(ValueModel):
    """Which track is the subject, by which rule, and the full ranking.

    Attributes
    ----------
    chosen
        Track id of the subject.
    config
        The rule and its parameters.
    tracks
        Every track, best first.
    warning
        Set when the best two tracks score within the margin.
    """

    chosen: int = Field(ge=0)
    config: SubjectConfig
    tracks: tuple[TrackScore, ...]
    warning: SubjectWarning | None = None


Task = Literal["gait", "reach", "sit_to_stand", "tapping", "tremor"]
"""The clinical tasks whose cleaning defaults NeuroPose knows (see :data:`TASK_CUTOFFS_HZ`)."""

TASK_CUTOFFS_HZ: dict[str, float | None] = {
    "gait": 6.0,
    "reach": 6.0,
    "sit_to_stand": 6.0,
    "tapping": 12.0,
    "tremor": None,
}
"""Low-pass cutoff (Hz) for each clinical task; ``None`` keeps every frequency (tremor)."""

DEFAULT_CUTOFF_HZ = 6.0
"""Low-pass cutoff (Hz) when neither a task nor a cutoff is given: whole-body movement."""


class CleaningConfig(ValueModel):
    """How a trajectory is cleaned; saved into every cleaned output.

    Steps, in order: confidence gate, Hampel outlier removal, resampling onto a uniform time
    grid, PCHIP filling of short gaps, zero-lag Butterworth low-pass over each run of values.

    Attributes
    ----------
    method
        Name of the procedure; with ``version``, identifies it in saved results.
    version
        Version of the procedure.
    task
        Clinical task; when ``cutoff_hz`` is not given it comes from :data:`TASK_CUTOFFS_HZ`.
    min_confidence
        Samples with a per-joint confidence below this are discarded; ``None`` turns the gate
        off. Ignored when the model gives no per-joint confidence.
    hampel_window_s
        Full width of the Hampel window, seconds: a sample is compared with its neighbours
        up to half this far on each side (at least two frames, at the median frame rate);
        ``None`` turns outlier removal off. Samples with fewer than two neighbours at equal
        offsets on both sides (next to a gap or an end) are not judged.
    hampel_n_sigmas
        A coordinate is an outlier when its residual from the median of its neighbours (the
        sample itself left out) exceeds this many robust standard deviations, 1.4826 x the
        median absolute residual over blocks of about two seconds ...
    hampel_min_deviation
        ... and more than this far from it, in the poses' unit (mm for 3D poses): deviations
        of the size of the estimator's jitter are never outliers.
    rate_hz
        Rate of the output time grid; ``None`` uses the median rate of the input.
    max_gap_s
        Longest gap filled by interpolation, seconds. A gap lasts from one valid sample to the
        next minus one median frame interval (the time the missing samples would cover), so
        at 30 fps the default 0.33 s fills up to 9 missing frames.
    cutoff_hz
        Low-pass cutoff of the Butterworth design, Hz; ``None`` does not filter. The filter is
        run forwards and backwards (zero lag), which attenuates 6 dB at the cutoff. When left
        out, it is taken from ``task`` (or :data:`DEFAULT_CUTOFF_HZ` without a task).
    filter_order
        Order of the Butterworth design (each pass).
    """

    method: Literal["gate_hampel_resample_pchip_butterworth"] = (
        "gate_hampel_resample_pchip_butterworth"
    )
    version: Literal[1] = 1
    task: Task | None = None
    min_confidence: float | None = Field(default=0.5, ge=0, le=1)
    hampel_window_s: float | None = Field(default=0.3, gt=0)
    hampel_n_sigmas: float = Field(default=3.0, gt=0)
    hampel_min_deviation: float = Field(default=20.0, ge=0)
    rate_hz: float | None = Field(default=None, gt=0)
    max_gap_s: float = Field(default=0.33, ge=0)
    cutoff_hz: float | None = Field(default=DEFAULT_CUTOFF_HZ, gt=0)
    filter_order: int = Field(default=4, ge=1, le=8)

    @model_validator(mode="before")
    @classmethod
    def _cutoff_from_task(cls, data: Any) -> Any:
        # An explicit cutoff (even None: no filter) wins; otherwise the task decides.
        if is_json_object(data) and "cutoff_hz" not in data:
            task = data.get("task")
            if task is not None and task in TASK_CUTOFFS_HZ:
                return {**data, "cutoff_hz": TASK_CUTOFFS_HZ[task]}
        return data


class JointQuality(ValueModel):
    """Shares of one joint's samples by origin (they add up to 1).

    Attributes
    ----------
    joint
        Index along the joint axis.
    name
        Joint name, when known.
    observed, interpolated, missing
        Fractions of the samples, 0-1.
    """

    joint: int = Field(ge=0)
    name: str | None = None
    observed: float = Field(ge=0, le=1)
    interpolated: float = Field(ge=0, le=1)
    missing: float = Field(ge=0, le=1)


class GapSpan(ValueModel):
    """A run of consecutive samples of one joint that were not observed.

    Attributes
    ----------
    joint
        Index along the joint axis.
    name
        Joint name, when known.
    start_s, end_s
        The run covers ``[start_s, end_s)``: from its first sample to the sample after its
        last (or one median interval after the last sample of the series), seconds.
    filled
        True when the run was interpolated, False when it is missing.
    """

    joint: int = Field(ge=0)
    name: str | None = None
    start_s: float
    end_s: float
    filled: bool


class QualitySummary(ValueModel):
    """How much of a cleaned trajectory was observed, per joint, and where its gaps are.

    Attributes
    ----------
    samples
        Samples per joint.
    observed, interpolated, missing
        Fractions over all joints and samples, 0-1.
    joints
        Per-joint fractions, in joint order.
    gaps
        Every run of interpolated or missing samples, by joint then time.
    """

    samples: int = Field(ge=0)
    observed: float = Field(ge=0, le=1)
    interpolated: float = Field(ge=0, le=1)
    missing: float = Field(ge=0, le=1)
    joints: tuple[JointQuality, ...]
    gaps: tuple[GapSpan, ...]

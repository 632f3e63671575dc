"""Cleaning a trajectory, with a quality flag on every sample.

:func:`clean_trajectory` turns one person's raw joints into an evenly sampled, filtered
trajectory and says, for every joint at every output time, whether the value was observed,
interpolated or is missing, and why raw values were discarded (:class:`QualityFlag`). Steps:

1. **Confidence gate**: joints whose confidence is below ``min_confidence`` are discarded.
2. **Hampel outliers**: a joint whose position (any coordinate) is far from the median of a
   sliding window, in robust standard deviations of the residuals and in absolute terms, is
   discarded.
3. **Uniform time grid** from ``times_s`` (variable frame rate is normal), at the median rate
   or a given one.
4. **Interpolation** by PCHIP (monotone cubic, no overshoot) through the remaining samples;
   gaps longer than ``max_gap_s`` break the interpolant and stay missing.
5. **Zero-lag low-pass**: a Butterworth filter run forwards and backwards over each run of
   values (never across a missing stretch).

The input is never modified; the result carries its configuration. :func:`quality_summary`
and :func:`check_observed` report and police how much of a trajectory was observed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import (
    CutoffTooHighError,
    MostlyMissingError,
    ShapeMismatchError,
    TimestampError,
)
from neuropose.schema import (
    CleaningConfig,
    GapSpan,
    JointQuality,
    QualityFlag,
    QualitySummary,
)

__all__ = [
    "CleanedTrajectory",
    "check_observed",
    "clean_predictions",
    "clean_trajectory",
    "person_flags",
    "quality_summary",
]

if TYPE_CHECKING:
    from neuropose.schema import SubjectChoice, VideoPredictions

FloatArray = npt.NDArray[np.float64]
FlagArray = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]

_OBSERVED = np.uint8(QualityFlag.OBSERVED)
_LOW_CONFIDENCE = np.uint8(QualityFlag.LOW_CONFIDENCE)
_OUTLIER = np.uint8(QualityFlag.OUTLIER_REPLACED)
_INTERPOLATED = np.uint8(QualityFlag.INTERPOLATED)
_MISSING = np.uint8(QualityFlag.MISSING)

# Two consecutive frames further apart than this many median intervals have dropped frames
# between them: what lies between is a gap, not an observation.
_DROPPED_FRAME_FACTOR = 1.5
# A grid time this close to a frame's time (in median intervals) is that frame's time: it only
# absorbs rounding, so snapping never moves a value measurably.
_SAME_TIME = 1e-6
# The robust scale of the Hampel residuals is measured over blocks of about this long (s).
_SCALE_BLOCK_S = 2.0


@dataclass(frozen=True)
class CleanedTrajectory:
    """A cleaned trajectory on a uniform time grid.

    Attributes
    ----------
    poses
        ``(samples, joints, D)`` float64, in the input's unit (mm for 3D poses); NaN where
        missing.
    times_s
        ``(samples,)`` float64: the grid, from the first input time at ``rate_hz``.
    flags
        ``(samples, joints)`` uint8 :class:`~neuropose.schema.QualityFlag` bits.
    config
        The configuration used.
    rate_hz
        Rate of the grid actually used.
    """

    poses: FloatArray
    times_s: FloatArray
    flags: FlagArray
    config: CleaningConfig
    rate_hz: float


def clean_trajectory(
    poses: npt.ArrayLike,
    times_s: npt.ArrayLike,
    *,
    confidence: npt.ArrayLike | None = None,
    config: CleaningConfig | None = None,
) -> CleanedTrajectory:
    """Gate, de-outlier, resample, gap-fill and low-pass one person's joints.

    Parameters
    ----------
    poses
        ``(frames, joints, D)`` raw positions (mm for 3D poses, px for 2D); NaN where the
        person or joint was not seen (for example from
        :func:`~neuropose.analysis.tracking.track_trajectory`).
    times_s
        ``(frames,)`` frame times, seconds, strictly increasing.
    confidence
        ``(frames, joints)`` per-joint confidence in [0, 1], or ``None`` when the model gives
        none (then the gate is skipped).
    config
        The cleaning configuration; the defaults when ``None``.

    Returns
    -------
    CleanedTrajectory
        New arrays; the inputs are not modified.

    Raises
    ------
    ShapeMismatchError
        If the arrays disagree in shape.
    TimestampError
        If ``times_s`` is not finite and strictly increasing, or has fewer than two frames.
    CutoffTooHighError
        If ``cutoff_hz`` is not below half the grid's rate.
    """
    config = config or CleaningConfig()
    given = np.asarray(poses)
    times = np.asarray(times_s, dtype=np.float64)
    _check(given, times, confidence)
    interval = float(np.median(np.diff(times)))
    rate = config.rate_hz or 1.0 / interval
    if config.cutoff_hz is not None and config.cutoff_hz >= rate / 2:
        raise CutoffTooHighError(
            f"cutoff {config.cutoff_hz:g} Hz is not below the Nyquist frequency "
            f"({rate / 2:g} Hz) of the {rate:g} Hz grid; lower cutoff_hz, raise rate_hz or "
            f"pass cutoff_hz=None to keep every frequency"
        )
    # Work series-major, (joints, D, frames), so every series is contiguous for the kernels
    # and the filter; this copy is also what keeps the caller's array untouched.
    series = np.ascontiguousarray(np.moveaxis(given, 0, -1), dtype=np.float64)
    present = np.isfinite(series).all(axis=1)  # (joints, frames)
    low = np.zeros_like(present)
    if confidence is not None and config.min_confidence is not None:
        scores = np.asarray(confidence, dtype=np.float64).T
        low = present & (scores < config.min_confidence)
    valid = present & ~low
    outlier = np.zeros_like(present)
    if config.hampel_window_s is not None:
        outlier = _hampel(series, valid, interval, config)
        valid &= ~outlier
    step = interval if config.rate_hz is None else 1.0 / rate
    grid = times[0] + np.arange(int(np.floor((times[-1] - times[0]) / step + 1e-6)) + 1) * step
    values, flags = _resample(series, valid, times, grid, interval, config.max_gap_s)
    nearest = _nearest(times, grid)
    flags |= np.where(low[:, nearest], _LOW_CONFIDENCE, 0).astype(np.uint8)
    flags |= np.where(outlier[:, nearest], _OUTLIER, 0).astype(np.uint8)
    if config.cutoff_hz is not None:
        values = _lowpass(values, rate, config.cutoff_hz, config.filter_order)
    return CleanedTrajectory(
        poses=np.ascontiguousarray(np.moveaxis(values, -1, 0)),
        times_s=grid,
        flags=np.ascontiguousarray(flags.T),
        config=config,
        rate_hz=float(rate),
    )


def _check(raw: np.ndarray, times: FloatArray, confidence: npt.ArrayLike | None) -> None:
    if raw.ndim != 3 or raw.dtype.kind not in "fiu":
        raise ShapeMismatchError(f"poses must be shaped (frames, joints, D), got {raw.shape}")
    if times.shape != raw.shape[:1]:
        raise ShapeMismatchError(
            f"times_s must be shaped ({raw.shape[0]},) to match poses, got {times.shape}"
        )
    if confidence is not None and np.shape(confidence) != raw.shape[:2]:
        raise ShapeMismatchError(
            f"confidence must be shaped {raw.shape[:2]} (frames, joints), "
            f"got {np.shape(confidence)}"
        )
    if times.size < 2:
        raise TimestampError(
            f"cleaning needs at least two frames to know the frame rate, got {times.size}"
        )
    if not np.all(np.isfinite(times)):
        raise TimestampError("times_s holds NaN or infinity; every frame needs a finite time")
    steps = np.diff(times)
    if np.any(steps <= 0):
        frame = int(np.argmax(steps <= 0)) + 1
        raise TimestampError(
            f"times_s does not increase at frame {frame} ({times[frame - 1]!r} then "
            f"{times[frame]!r} s); drop duplicate frames before cleaning"
        )


def _hampel(
    series: FloatArray, valid: npt.NDArray[np.bool_], interval: float, config: CleaningConfig
) -> npt.NDArray[np.bool_]:
    """Outlier mask ``(joints, frames)``: any coordinate of the joint is an outlier.

    Each coordinate's residual from the median of its neighbours (a centred window, cut
    symmetrically near gaps and ends, the sample itself left out) is compared with a robust
    scale, 1.4826 x the median absolute residual over blocks of about two seconds. Measuring
    the scale on residuals (not on the raw window, as the textbook Hampel filter does) keeps
    a moving joint's own motion out of it, so outliers during fast movement are still caught.
    """
    from neuropose.analysis._cleaning_kernels import hampel_flags

    assert config.hampel_window_s is not None
    half_width = max(2, int(config.hampel_window_s / 2 / interval + 1e-6))
    block = max(2 * half_width + 1, round(_SCALE_BLOCK_S / interval))
    flagged = hampel_flags(
        series,
        np.ascontiguousarray(valid),
        half_width,
        block,
        config.hampel_n_sigmas,
        config.hampel_min_deviation,
    )
    return flagged.any(axis=1) & valid


def _resample(
    series: FloatArray,
    valid: npt.NDArray[np.bool_],
    times: FloatArray,
    grid: FloatArray,
    interval: float,
    max_gap_s: float,
) -> tuple[FloatArray, FlagArray]:
    """PCHIP values ``(joints, D, grid)`` and flags ``(joints, grid)`` on ``grid``.

    The interpolant is SciPy's :class:`~scipy.interpolate.PchipInterpolator` (Fritsch-Carlson
    slopes inside, the shape-preserving three-point rule at the ends, a line through two
    points) built separately on each segment between gaps longer than ``max_gap_s``; flags
    say OBSERVED, INTERPOLATED or MISSING.
    """
    from neuropose.analysis._cleaning_kernels import pchip_resample

    values, source = pchip_resample(
        series,
        np.ascontiguousarray(valid),
        times,
        grid,
        interval,
        max_gap_s,
        _DROPPED_FRAME_FACTOR,
        _SAME_TIME * interval,
    )
    codes = np.array([_OBSERVED, _INTERPOLATED, _MISSING], np.uint8)
    return values, codes[source]


def _nearest(times: FloatArray, grid: FloatArray) -> IntArray:
    """Index of the input frame nearest in time to each grid time."""
    right = np.clip(np.searchsorted(times, grid), 1, times.size - 1)
    left = right - 1
    return np.where(grid - times[left] <= times[right] - grid, left, right)


def _lowpass(values: FloatArray, rate: float, cutoff_hz: float, order: int) -> FloatArray:
    """Zero-lag Butterworth low-pass of ``(joints, D, samples)`` over each run of values.

    The same result as :func:`scipy.signal.sosfiltfilt` (odd extension of its default length)
    on each run; runs no longer than that extension are left as they are, too short for the
    filter to settle.
    """
    from scipy.signal import butter, sosfilt_zi

    from neuropose.analysis._cleaning_kernels import zero_phase_lowpass

    sos = np.asarray(butter(order, cutoff_hz, btype="low", fs=rate, output="sos"))
    padding = 3 * (2 * sos.shape[0] + 1)
    finite = np.ascontiguousarray(np.isfinite(values).all(axis=1))
    return zero_phase_lowpass(values, finite, sos, np.asarray(sosfilt_zi(sos)), padding)


def quality_summary(
    flags: npt.ArrayLike,
    times_s: npt.ArrayLike,
    *,
    joint_names: Sequence[str] | None = None,
) -> QualitySummary:
    """Report how much of each joint was observed, and every unobserved stretch.

    Parameters
    ----------
    flags
        ``(samples, joints)`` uint8 quality flags (for example ``CleanedTrajectory.flags``).
    times_s
        ``(samples,)`` times of the samples, seconds.
    joint_names
        Names to put in the report, one per joint.

    Returns
    -------
    QualitySummary
        Overall and per-joint fractions observed / interpolated / missing, and the gaps
        ``(joint, start_s, end_s)``; a stretch ends one median interval after its last
        sample when it reaches the end of the series.
    """
    codes, times = _codes(flags, times_s, joint_names)
    samples, joints = codes.shape
    names = list(joint_names) if joint_names is not None else [None] * joints
    interval = float(np.median(np.diff(times))) if samples > 1 else 0.0
    bounds = np.append(times, times[-1] + interval) if samples else times
    per_joint: list[JointQuality] = []
    gaps: list[GapSpan] = []
    for joint in range(joints):
        column = codes[:, joint]
        per_joint.append(_fractions(column, joint, names[joint]))
        change = np.flatnonzero(np.diff(column)) + 1
        starts = np.concatenate([[0], change]) if samples else change
        stops = np.append(change, samples) if samples else change
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            if column[start] != 0:
                gaps.append(
                    GapSpan(
                        joint=joint,
                        name=names[joint],
                        start_s=float(bounds[start]),
                        end_s=float(bounds[stop]),
                        filled=bool(column[start] == 1),
                    )
                )
    total = max(codes.size, 1)
    return QualitySummary(
        samples=samples,
        observed=float(np.count_nonzero(codes == 0) / total),
        interpolated=float(np.count_nonzero(codes == 1) / total),
        missing=float(np.count_nonzero(codes == 2) / total),
        joints=tuple(per_joint),
        gaps=tuple(gaps),
    )


def check_observed(
    flags: npt.ArrayLike,
    times_s: npt.ArrayLike,
    *,
    joints: Sequence[int] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    min_observed: float = 0.5,
    allow_gaps: bool = False,
    joint_names: Sequence[str] | None = None,
) -> tuple[JointQuality, ...]:
    """Refuse a span of a trajectory in which a joint is mostly not observed.

    Parameters
    ----------
    flags
        ``(samples, joints)`` uint8 quality flags.
    times_s
        ``(samples,)`` times, seconds.
    joints
        Joint indices the analysis uses; all when ``None``.
    start_s, end_s
        The span to analyse (inclusive), seconds; the whole series when ``None``.
    min_observed
        Smallest acceptable fraction of observed samples (interpolated ones do not count).
    allow_gaps
        Report but do not refuse.
    joint_names
        Names for the messages and the report.

    Returns
    -------
    tuple of JointQuality
        Fractions within the span for each checked joint.

    Raises
    ------
    MostlyMissingError
        Naming the joint with the smallest observed fraction, the span and the fractions,
        when it is below ``min_observed`` and ``allow_gaps`` is False.
    """
    codes, times = _codes(flags, times_s, joint_names)
    selected = list(range(codes.shape[1])) if joints is None else list(joints)
    for joint in selected:
        if not 0 <= joint < codes.shape[1]:
            raise ShapeMismatchError(f"joint {joint} is not one of the {codes.shape[1]} joints")
    if times.size == 0:
        raise ShapeMismatchError("flags hold no samples; there is nothing to analyse")
    low = float(times[0]) if start_s is None else start_s
    high = float(times[-1]) if end_s is None else end_s
    span = (times >= low) & (times <= high)
    names = list(joint_names) if joint_names is not None else [None] * codes.shape[1]
    report = tuple(_fractions(codes[span, joint], joint, names[joint]) for joint in selected)
    if not report or allow_gaps:
        return report
    worst = min(report, key=lambda quality: quality.observed)
    if worst.observed < min_observed:
        raise MostlyMissingError(
            worst.name or f"#{worst.joint}",
            low,
            high,
            worst.observed,
            worst.interpolated,
            worst.missing,
            min_observed,
        )
    return report


def _codes(
    flags: npt.ArrayLike, times_s: npt.ArrayLike, joint_names: Sequence[str] | None
) -> tuple[npt.NDArray[np.int8], FloatArray]:
    """Per-sample origin: 0 observed, 1 interpolated, 2 missing (missing wins over the rest)."""
    array = np.asarray(flags)
    times = np.asarray(times_s, dtype=np.float64)
    if array.ndim != 2 or times.shape != array.shape[:1]:
        raise ShapeMismatchError(
            f"flags must be shaped (samples, joints) and times_s (samples,), got "
            f"{array.shape} and {times.shape}"
        )
    if joint_names is not None and len(joint_names) != array.shape[1]:
        raise ShapeMismatchError(
            f"{len(joint_names)} joint names for {array.shape[1]} joints of flags"
        )
    codes = np.full(array.shape, 2, np.int8)
    codes[(array & _INTERPOLATED) != 0] = 1
    codes[(array & _OBSERVED) != 0] = 0
    codes[(array & _MISSING) != 0] = 2
    return codes, times


def _fractions(codes: npt.NDArray[np.int8], joint: int, name: str | None) -> JointQuality:
    count = max(codes.size, 1)
    return JointQuality(
        joint=joint,
        name=name,
        observed=float(np.count_nonzero(codes == 0) / count),
        interpolated=float(np.count_nonzero(codes == 1) / count),
        missing=float(np.count_nonzero(codes == 2) / count) if codes.size else 1.0,
    )


def person_flags(
    predictions: VideoPredictions, person: int, *, by: Literal["track", "slot"] = "track"
) -> FlagArray:
    """Return one person's quality flags over the file's frames, MISSING where unseen.

    Parameters
    ----------
    predictions
        The predictions; a file without ``quality_flags`` counts as observed wherever a person
        was detected (what older files mean).
    person
        Track id (``by="track"``) or person slot (``by="slot"``).
    by
        How ``person`` is read.

    Returns
    -------
    ndarray
        ``(frames, joints)`` uint8 :class:`~neuropose.schema.QualityFlag` bits, ready for
        :func:`check_observed` and :func:`quality_summary` with ``predictions.times_s``.
    """
    from neuropose.analysis.trajectories import person_values
    from neuropose.schema import flags_from_presence

    flags = predictions.quality_flags
    if flags is None:
        present = predictions.person_mask
        joints = predictions.skeleton.joint_count
        flags = flags_from_presence(np.broadcast_to(present[..., None], (*present.shape, joints)))
    # An empty slot's flags are MISSING (the schema's fill), as are frames without the track.
    return person_values(predictions, flags, person, by, fill=int(_MISSING), dtype=np.uint8)


def clean_predictions(
    predictions: VideoPredictions,
    track_ids: int | Sequence[int],
    config: CleaningConfig | None = None,
    *,
    subject: SubjectChoice | None = None,
) -> VideoPredictions:
    """Clean identities of a tracked file into a predictions file of their own.

    Each person's 3D joints (mm) and 2D joints (px) are cleaned together by
    :func:`clean_trajectory`, as five coordinates of each joint, so both share one flag per
    joint and sample. The result is on the uniform time grid (the same for every person: it
    depends on the file's times and ``config`` only). A person is present at a grid time when
    any of their joints has a value; joints with none are NaN and flagged missing. Per grid
    time, the box, per-joint confidence and root translation are those of the person's raw
    detection nearest in time (they are not cleaned). The provenance records ``config``
    (``provenance.cleaning``) and ``subject`` (how the person was chosen, if by the rule); the
    metadata's ``frame_count``, ``fps`` and ``duration_s`` describe the grid.

    Parameters
    ----------
    predictions
        Tracked predictions; they are not modified.
    track_ids
        The identity to clean (the usual case: the subject), or several.
    config
        The cleaning configuration; the defaults when ``None``.
    subject
        The subject choice that picked the identity, recorded in the provenance.

    Returns
    -------
    VideoPredictions
        The cleaned file, with ``quality_flags``; people fill the first slots of each time.

    Raises
    ------
    MissingPersonError
        If a track never appears.
    DuplicateTrackError
        If a track appears twice in one frame.
    TimestampError, CutoffTooHighError
        As :func:`clean_trajectory`.
    """
    from neuropose.schema import NO_TRACK, VideoPredictions

    config = config or CleaningConfig()
    wanted = [int(track_ids)] if isinstance(track_ids, int) else [int(t) for t in track_ids]
    if not wanted:
        raise ShapeMismatchError("no track id given; pass the identity (or identities) to clean")
    people = [_clean_one(predictions, track, config) for track in wanted]
    grid, rate = people[0].times_s, people[0].rate_hz
    present = np.stack([person.present for person in people], axis=1)  # (samples, people)
    # People first in each grid time's slots, in the order asked for; empty slots after.
    order = np.argsort(~present, axis=1, kind="stable")
    slots = max(int(present.sum(axis=1).max(initial=0)), 1)
    order = order[:, :slots]

    def slotted(name: str, fill: float, dtype: npt.DTypeLike) -> np.ndarray:
        stacked = np.stack([getattr(person, name) for person in people], axis=1)
        taken = np.take_along_axis(
            stacked, order.reshape(*order.shape, *([1] * (stacked.ndim - 2))), axis=1
        )
        empty = ~np.take_along_axis(present, order, axis=1)
        taken = np.array(taken, dtype=dtype)
        taken[empty] = fill
        return taken

    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    fields.update(
        times_s=grid,
        boxes=slotted("boxes", np.nan, np.float32),
        poses3d=slotted("poses3d", np.nan, np.float32),
        poses2d=slotted("poses2d", np.nan, np.float32),
        track_ids=slotted("track_id", NO_TRACK, np.int32),
        quality_flags=slotted("flags", int(_MISSING), np.uint8),
    )
    if predictions.joint_confidence is not None:
        fields["joint_confidence"] = slotted("confidence", np.nan, np.float32)
    if predictions.root_translation_mm is not None:
        fields["root_translation_mm"] = slotted("root_translation", np.nan, np.float32)
    fields["metadata"] = predictions.metadata.model_copy(
        update={
            "frame_count": int(grid.size),
            "fps": rate,
            "duration_s": float(grid[-1] - grid[0] + 1.0 / rate) if grid.size else 0.0,
        }
    )
    fields["provenance"] = predictions.provenance.model_copy(
        update={"cleaning": config, "subject": subject}
    )
    return VideoPredictions(**fields)


@dataclass(frozen=True)
class _CleanedPerson:
    """One identity on the grid, every array with the grid as its first axis."""

    times_s: FloatArray
    rate_hz: float
    present: npt.NDArray[np.bool_]
    track_id: npt.NDArray[np.int64]
    boxes: FloatArray
    poses3d: FloatArray
    poses2d: FloatArray
    flags: FlagArray
    confidence: FloatArray | None
    root_translation: FloatArray | None


def _clean_one(
    predictions: VideoPredictions, track_id: int, config: CleaningConfig
) -> _CleanedPerson:
    from neuropose.analysis.tracking import track_trajectory

    ids = predictions.track_ids
    poses3d = track_trajectory(predictions.poses3d, ids, track_id)
    poses2d = track_trajectory(predictions.poses2d, ids, track_id)
    confidence = None
    if predictions.joint_confidence is not None:
        confidence = track_trajectory(predictions.joint_confidence, ids, track_id)
    cleaned = clean_trajectory(
        np.concatenate([poses3d, poses2d], axis=-1),
        predictions.times_s,
        confidence=None if confidence is None else np.nan_to_num(confidence, nan=0.0),
        config=config,
    )
    grid, flags = cleaned.times_s, cleaned.flags
    missing = (flags & _MISSING) != 0
    present = ~missing.all(axis=1)
    # The raw detection nearest in time to each grid time supplies what is not cleaned.
    rows, slots = np.nonzero(np.asarray(ids) == track_id)
    seen_at = np.asarray(predictions.times_s)[rows]
    pick = _nearest(seen_at, grid) if seen_at.size > 1 else np.zeros(grid.size, np.intp)
    source = (rows[pick], slots[pick])

    def nearest(array: np.ndarray | None) -> FloatArray | None:
        return None if array is None else np.asarray(array[source], dtype=np.float64)

    held_confidence = nearest(predictions.joint_confidence)
    if held_confidence is not None:
        held_confidence[missing] = np.nan
    return _CleanedPerson(
        times_s=grid,
        rate_hz=cleaned.rate_hz,
        present=present,
        track_id=np.full(grid.size, track_id, np.int64),
        boxes=np.asarray(predictions.boxes[source], dtype=np.float64),
        poses3d=cleaned.poses[..., :3],
        poses2d=cleaned.poses[..., 3:],
        flags=flags,
        confidence=held_confidence,
        root_translation=nearest(predictions.root_translation_mm),
    )

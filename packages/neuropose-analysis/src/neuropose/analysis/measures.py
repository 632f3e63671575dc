"""Clinical measures per repetition or gait cycle: duration, range of motion, peak velocity, symmetry.

A measure is taken on a *series* (one value per frame: a clinical angle, or the segmented
signal) over a *span* (a repetition or a gait cycle: frames ``[start, end)`` with their times).
Every measure says how much of its span was observed: ``observed_fraction`` is the fraction of
the span's frames whose value comes from observed samples (pass the quality flags' observed bit
as ``observed``; without it, a finite sample counts as observed).

Definitions
    *Duration*: ``end_s - start_s``, seconds. *Range of motion*: maximum minus minimum of the
    series over the span, in its unit. *Peak velocity*: the largest absolute rate of change over
    the span, in its unit per second, from the timestamps
    (:func:`~neuropose.analysis.kinematics.time_derivative`). *Symmetry*: for a quantity measured
    on both sides, Robinson's symmetry index of the ranges of motion,
    ``100 * (left - right) / ((left + right) / 2)`` percent: 0 is symmetric, positive means the
    left side moves more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import ShapeMismatchError
from neuropose.analysis._poses import FloatArray
from neuropose.analysis.kinematics import check_times, time_derivative

if TYPE_CHECKING:
    from neuropose.analysis.clinical_angles import AngleDefinition
    from neuropose.schema import (
        RepetitionMeasures,
        SegmentationConfig,
        Skeleton,
        SymmetryMeasure,
        VideoPredictions,
    )

__all__ = [
    "MeasuredSeries",
    "Span",
    "angle_series",
    "observed_frames",
    "repetition_measures",
    "segmentation_series",
    "symmetry_index",
]


class Span(Protocol):
    """Anything with frames ``[start, end)`` and their times: a Repetition, a GaitCycle."""

    @property
    def start(self) -> int:
        """First frame."""
        ...

    @property
    def end(self) -> int:
        """One past the last frame."""
        ...

    @property
    def start_s(self) -> float:
        """Time of the first frame, seconds."""
        ...

    @property
    def end_s(self) -> float:
        """Time at which the span ends, seconds."""
        ...


@dataclass(frozen=True, slots=True)
class MeasuredSeries:
    """One value per frame, with its unit, its observed frames, and (for angles) its definition.

    Attributes
    ----------
    name
        ``signal``, or a clinical angle name.
    values
        ``(frames,)`` values, NaN where undefined.
    unit
        Unit of the values (``deg``, ``mm`` ...).
    observed
        ``(frames,)`` booleans: the value comes from observed samples.
    definition
        The clinical angle's definition (plane, sign, side), or ``None``.
    """

    name: str
    values: FloatArray
    unit: str
    observed: npt.NDArray[np.bool_]
    definition: AngleDefinition | None = None


def observed_frames(
    observed: npt.ArrayLike | None, joints: Sequence[int], values: FloatArray
) -> npt.NDArray[np.bool_]:
    """Frames whose value is finite and whose joints were all observed.

    Parameters
    ----------
    observed
        ``(frames, joints)`` booleans, or ``None`` (then finite means observed).
    joints
        Joint indices the value is computed from.
    values
        ``(frames,)`` values.
    """
    finite = np.isfinite(values)
    if observed is None:
        return finite
    mask = np.asarray(observed, dtype=bool)
    if mask.ndim != 2 or mask.shape[0] != len(values):
        raise ShapeMismatchError(
            f"observed must be (frames, joints) = ({len(values)}, ...), got {mask.shape}"
        )
    return finite & mask[:, list(joints)].all(axis=1)


def angle_series(
    poses: npt.ArrayLike,
    skeleton: Skeleton,
    names: Sequence[str],
    *,
    observed: npt.ArrayLike | None = None,
) -> list[MeasuredSeries]:
    """Clinical angles of ``poses`` as measured series (degrees), one per resolved name.

    Raises
    ------
    UnknownAngleError, SkeletonSupportError
        For names the skeleton does not define.
    """
    from neuropose.analysis.clinical_angles import (
        angle_joints,
        clinical_angle_values,
        expand_angle_names,
    )

    definitions = expand_angle_names(skeleton.name, names)
    values = clinical_angle_values(poses, skeleton, [d.name for d in definitions])
    series: list[MeasuredSeries] = []
    for definition in definitions:
        joints = [
            skeleton.joint_names.index(n) for n in angle_joints(skeleton.name, definition.name)
        ]
        angle = values[definition.name]
        series.append(
            MeasuredSeries(
                definition.name, angle, "deg", observed_frames(observed, joints, angle), definition
            )
        )
    return series


def segmentation_series(
    predictions: VideoPredictions,
    config: SegmentationConfig,
    signal: FloatArray,
    unit: str,
    *,
    angles: Sequence[str] = (),
    observed: npt.ArrayLike | None = None,
) -> list[MeasuredSeries]:
    """Return the series a segmentation measures: its signal, then the requested clinical angles."""
    from neuropose.analysis.trajectories import joint_indices, person_trajectory

    joints = joint_indices(predictions.skeleton, config.joints)
    series = [MeasuredSeries("signal", signal, unit, observed_frames(observed, joints, signal))]
    if angles:
        poses = person_trajectory(predictions, config.person)
        series += angle_series(poses, predictions.skeleton, angles, observed=observed)
    return series


def symmetry_index(left: float | None, right: float | None) -> float | None:
    """Robinson's symmetry index ``100 * (left - right) / ((left + right) / 2)``, percent.

    ``None`` when a side is missing or both are zero.
    """
    if left is None or right is None or left + right == 0:
        return None
    return 100.0 * (left - right) / ((left + right) / 2.0)


def _optional(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _symmetry(
    series: Sequence[MeasuredSeries], ranges: dict[str, float | None]
) -> tuple[SymmetryMeasure, ...]:
    from neuropose.schema import SymmetryMeasure

    sides: dict[str, dict[str, str]] = {}
    for one in series:
        if one.definition is not None and one.definition.side is not None:
            sides.setdefault(one.definition.family, {})[one.definition.side] = one.name
    found: list[SymmetryMeasure] = []
    for family, names in sides.items():
        if "left" in names and "right" in names:
            left, right = ranges[names["left"]], ranges[names["right"]]
            found.append(
                SymmetryMeasure(
                    quantity=family,
                    unit="deg",
                    left_range_of_motion=left,
                    right_range_of_motion=right,
                    symmetry_index_percent=symmetry_index(left, right),
                )
            )
    return tuple(found)


def repetition_measures(
    series: Sequence[MeasuredSeries], times_s: npt.ArrayLike, spans: Sequence[Span]
) -> tuple[RepetitionMeasures, ...]:
    """Measure every series over every span (repetition or gait cycle).

    Parameters
    ----------
    series
        The series to measure, each ``(frames,)``.
    times_s
        Frame times, seconds (variable rates and repeated times are handled).
    spans
        Repetitions (:class:`~neuropose.schema.Repetition`), gait cycles
        (:class:`~neuropose.schema.GaitCycle`) or anything with ``start``, ``end``, ``start_s``
        and ``end_s``.

    Returns
    -------
    tuple of RepetitionMeasures
        One per span, in order: duration (s); per series its range of motion, extremes, peak
        absolute velocity (unit/s) and observed fraction; symmetry for series measured on both
        sides.
    """
    from neuropose.schema import QuantityMeasures, RepetitionMeasures

    times = check_times(times_s)
    if not spans:
        return ()
    rates: dict[str, FloatArray] = {}
    for one in series:
        if one.values.shape != times.shape:
            raise ShapeMismatchError(
                f"series {one.name} has {one.values.shape} values for {len(times)} frame times"
            )
        rates[one.name] = np.abs(time_derivative(one.values, times))
    measures: list[RepetitionMeasures] = []
    for index, span in enumerate(spans):
        quantities: list[QuantityMeasures] = []
        ranges: dict[str, float | None] = {}
        for one in series:
            window = one.values[span.start : span.end]
            finite = window[np.isfinite(window)]
            low = float(finite.min()) if finite.size else float("nan")
            high = float(finite.max()) if finite.size else float("nan")
            rate = rates[one.name][span.start : span.end]
            rate = rate[np.isfinite(rate)]
            ranges[one.name] = _optional(high - low)
            definition = one.definition
            quantities.append(
                QuantityMeasures(
                    quantity=one.name,
                    unit=one.unit,
                    plane=definition.plane if definition else None,
                    positive=definition.positive if definition else None,
                    range_of_motion=ranges[one.name],
                    minimum=_optional(low),
                    maximum=_optional(high),
                    peak_velocity=float(rate.max()) if rate.size else None,
                    velocity_unit=f"{one.unit}/s",
                    observed_fraction=float(one.observed[span.start : span.end].mean())
                    if span.end > span.start
                    else 0.0,
                )
            )
        measures.append(
            RepetitionMeasures(
                index=index,
                start_s=span.start_s,
                end_s=span.end_s,
                duration_s=max(0.0, span.end_s - span.start_s),
                quantities=tuple(quantities),
                symmetry=_symmetry(series, ranges),
            )
        )
    return tuple(measures)

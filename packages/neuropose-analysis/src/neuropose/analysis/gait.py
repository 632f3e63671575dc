"""Gait: heel strikes and toe offs from 3D poses, gait cycles, and spatiotemporal parameters.

Events (the kinematic method of Zeni et al. 2008, as OpenCap applies it to video-based poses):
the forward position of each heel and toe relative to the pelvis is followed along the direction
of progression; a **heel strike** is a peak of the heel's (the foot is furthest ahead of the
pelvis), a **toe off** a trough of the toe's (furthest behind). Peaks are kept when their
prominence reaches a fraction of the signal's range and when they are far enough apart in time
(:class:`~neuropose.schema.GaitConfig`): a fraction of the signal's range, and at least 50 mm
so that a foot that does not step never yields events. Where a skeleton has no heel (``smpl_24``) the ankle
stands in for it; the toe is ``foot_index`` (BlazePose), ``foo`` (MHAD) or ``foot`` (SMPL).

Frames: *superior* is the pelvis frame's Y axis (see
:mod:`~neuropose.analysis.clinical_angles`), averaged over ``progression_window_s``; the
*direction of progression* is the pelvis' horizontal velocity averaged over the same window,
or, where the pelvis moves slower than ``min_walking_speed_mm_s``, its horizontal forward axis.
Horizontal means perpendicular to superior. This is overground walking: on a treadmill the
lengths and the speed would need the belt's speed.

Parameters, per gait cycle of each foot (heel strike to its next heel strike): *stride time*;
*cadence* ``120 / stride time`` (steps per minute: two steps a stride); *stance* (heel strike to
toe off) and *swing* (toe off to the next heel strike) in seconds and as % of the stride; *double
support*: from the heel strike to the other foot's toe off plus from the other foot's heel strike
to this foot's toe off, in seconds and %; *step time*: from the other foot's last heel strike to
this one; *step length*: distance along the direction of progression from the other foot's
placement to this foot's; *stride length*: horizontal distance between this foot's consecutive
placements; *gait speed*: horizontal distance the pelvis travels over the stride divided by the
stride time. Strides in which the other foot does not strike are left out (walking alternates
the feet). A foot's *placement* is the median heel position over the first half of the stance
that follows its heel strike, when the heel is on the ground: lengths then do not depend on the
exact frame of the event. Strides longer than ``max_stride_s`` (pauses, turns) are left out.
Statistics are the mean, the sample SD (``n - 1``) and the count, per side and for both.
Units: seconds, %, steps/min, millimetres, metres per second.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._body import LANDMARKS, Body, Landmarks, skeleton_of, unit_vectors
from neuropose.analysis._errors import MissingPersonError, SkeletonSupportError
from neuropose.analysis._peaks import peaks_by_time
from neuropose.analysis._poses import FloatArray, as_poses
from neuropose.analysis.kinematics import check_times, time_derivative
from neuropose.analysis.resample import interpolate_gaps
from neuropose.analysis.segment import smooth

if TYPE_CHECKING:
    from neuropose.schema import (
        GaitConfig,
        GaitCycle,
        GaitResult,
        GaitStatistic,
        RepetitionMeasures,
        Skeleton,
        VideoPredictions,
    )

__all__ = [
    "GAIT_METHOD",
    "GAIT_METHOD_VERSION",
    "HIP_CENTRED_NOTE",
    "GaitEvents",
    "analyze_gait",
    "gait_analysis",
    "gait_cycles",
    "gait_events",
    "gait_joints",
    "with_frame_note",
]

Side = Literal["left", "right"]
_SIDES: tuple[Side, ...] = ("left", "right")

GAIT_METHOD = "heel and toe forward position relative to the pelvis (Zeni et al. 2008; OpenCap)"
"""The event-detection method, as written into every gait result."""
GAIT_METHOD_VERSION = 1
"""Version of this module's gait method, written into every gait result."""

_CONVENTIONS = (
    "times in seconds from the start of the video; durations in seconds",
    "stance, swing and double support percentages are % of the stride (gait cycle) time",
    "cadence in steps per minute (120 / stride time)",
    "step and stride length in millimetres; gait speed in metres per second",
    "left and right are the person's own sides",
    "body frames as ISB: X anterior, Y superior, Z right (pelvis frame from the hips)",
)

HIP_CENTRED_NOTE = (
    "the file's poses are hip-centred (BlazePose): positions, so step and stride length and gait "
    "speed, use its root translation, estimated from the 2D and 3D joints through the camera, not "
    "measured"
)
"""The note a gait result of a hip-centred file carries."""


@dataclass(frozen=True, slots=True)
class GaitEvents:
    """Gait events and the geometry they were found in.

    Attributes
    ----------
    heel_strikes, toe_offs
        Frame indices per side, in time order.
    heel, toe
        ``(frames, 3)`` heel (or ankle) and toe positions per side, gaps interpolated, mm.
    pelvis
        ``(frames, 3)`` pelvis centre, mm.
    up, progression
        ``(frames, 3)`` unit superior axis and direction of progression.
    observed
        ``(frames,)`` booleans: every joint gait uses was observed in that frame.
    """

    heel_strikes: dict[Side, npt.NDArray[np.intp]]
    toe_offs: dict[Side, npt.NDArray[np.intp]]
    heel: dict[Side, FloatArray]
    toe: dict[Side, FloatArray]
    pelvis: FloatArray
    up: FloatArray
    progression: FloatArray
    observed: npt.NDArray[np.bool_]


def _pelvis_names(marks: Landmarks) -> tuple[str, ...]:
    names = marks.pelvis_left + marks.pelvis_right
    if marks.pelvis_forward is not None:
        names += marks.pelvis_forward[0] + marks.pelvis_forward[1]
    return tuple(dict.fromkeys(names))


def gait_joints(skeleton: str) -> dict[str, tuple[str, ...]]:
    """Return the joints gait analysis uses for a skeleton: ``pelvis``, ``heel_left`` ... ``toe_right``.

    Raises
    ------
    SkeletonSupportError
        If gait is not defined for the skeleton (the message lists the skeletons it is for).
    """
    marks = LANDMARKS.get(skeleton)
    if marks is None:
        raise SkeletonSupportError(
            f"gait analysis is not defined for skeleton '{skeleton}'; it is for: "
            f"{', '.join(sorted(LANDMARKS))}"
        )
    names: dict[str, tuple[str, ...]] = {"pelvis": _pelvis_names(marks)}
    for side in _SIDES:
        limb = marks.limbs[side]
        names[f"heel_{side}"] = limb.heel or limb.ankle
        names[f"toe_{side}"] = limb.toe
    return names


def _resolve(skeleton: Skeleton | str) -> tuple[str, tuple[str, ...], Landmarks]:
    name, joint_names = skeleton_of(skeleton)
    needed = gait_joints(name)
    marks = LANDMARKS[name]
    extra = marks.pelvis_up[0] + marks.pelvis_up[1] if marks.pelvis_up else ()
    wanted = {n for group in needed.values() for n in group} | set(extra)
    missing = sorted(wanted - set(joint_names))
    if missing:
        raise SkeletonSupportError(
            f"gait analysis needs joint(s) {', '.join(missing)}, which skeleton '{name}' lacks"
        )
    return name, joint_names, marks


def _horizontal(vectors: FloatArray, up: FloatArray) -> FloatArray:
    return vectors - np.sum(vectors * up, axis=-1, keepdims=True) * up


def _smooth_rows(values: FloatArray, times: FloatArray, window_s: float) -> FloatArray:
    return np.stack([smooth(values[:, k], times, window_s) for k in range(values.shape[1])], -1)


def gait_events(
    poses: npt.ArrayLike,
    times_s: npt.ArrayLike,
    skeleton: Skeleton | str,
    config: GaitConfig | None = None,
    *,
    observed: npt.ArrayLike | None = None,
) -> GaitEvents:
    """Heel strikes and toe offs of both feet.

    Parameters
    ----------
    poses
        ``(frames, joints, 3)`` in millimetres, NaN where missing (short gaps are interpolated
        over time).
    times_s
        Frame times, seconds (variable frame rates and repeated times are handled).
    skeleton
        The poses' skeleton, or a known skeleton's name.
    config
        Thresholds; defaults to :class:`~neuropose.schema.GaitConfig`'s.
    observed
        ``(frames, joints)`` booleans: which samples were observed; default: the finite ones.

    Raises
    ------
    SkeletonSupportError
        If the skeleton lacks the joints gait needs (named).
    MissingPersonError
        If one of those joints is never seen.
    TimestampError
        If the times are broken or never advance.
    """
    from neuropose.schema import GaitConfig

    config = config or GaitConfig()
    name, joint_names, marks = _resolve(skeleton)
    array = as_poses(poses)
    times = check_times(times_s, array.shape[0], advancing=True)
    needed = gait_joints(name)
    wanted = {n for group in needed.values() for n in group}
    if marks.pelvis_up is not None:  # the pelvis frame's superior axis
        wanted |= set(marks.pelvis_up[0] + marks.pelvis_up[1])
    used = sorted(joint_names.index(n) for n in wanted)
    never = [joint_names[j] for j in used if not np.isfinite(array[:, j]).any()]
    if never:
        raise MissingPersonError(f"joint(s) {', '.join(never)} are never seen; gait needs them")
    seen = np.isfinite(array[:, used]).all(axis=-1)
    if observed is not None:
        seen &= np.asarray(observed, bool)[:, used]
    filled = array.copy()
    filled[:, used] = interpolate_gaps(array[:, used], times)
    body = Body(filled, joint_names, marks)
    pelvis_frame = body.pelvis()
    pelvis = body.point(needed["pelvis"])
    up = unit_vectors(_smooth_rows(pelvis_frame[:, :, 1], times, config.progression_window_s))
    velocity = _horizontal(time_derivative(pelvis, times), up)
    mean_velocity = _smooth_rows(velocity, times, config.progression_window_s)
    forward = unit_vectors(_horizontal(pelvis_frame[:, :, 0], up))
    moving = np.linalg.norm(mean_velocity, axis=-1) >= max(config.min_walking_speed_mm_s, 1e-9)
    progression = np.where(moving[:, None], unit_vectors(mean_velocity), forward)
    heel: dict[Side, FloatArray] = {s: body.point(needed[f"heel_{s}"]) for s in _SIDES}
    toe: dict[Side, FloatArray] = {s: body.point(needed[f"toe_{s}"]) for s in _SIDES}
    strikes: dict[Side, npt.NDArray[np.intp]] = {}
    offs: dict[Side, npt.NDArray[np.intp]] = {}
    for side in _SIDES:
        for points, sign, target in ((heel, 1.0, strikes), (toe, -1.0, offs)):
            signal = sign * np.sum((points[side] - pelvis) * progression, axis=-1)
            low, high = np.percentile(signal, [5, 95])
            search = peaks_by_time(
                signal,
                times,
                min_interval_s=config.min_event_interval_s,
                prominence=max(
                    config.relative_prominence * float(high - low), config.min_prominence_mm, 1e-9
                ),
            )
            target[side] = search.peaks
    observed_frames = np.asarray(seen.all(axis=-1), dtype=bool)
    return GaitEvents(strikes, offs, heel, toe, pelvis, up, progression, observed_frames)


def _next_after(events: Sequence[int], frame: int, before: int) -> int | None:
    k = bisect.bisect_right(events, frame)
    return events[k] if k < len(events) and events[k] < before else None


def _last_before(events: Sequence[int], frame: int) -> int | None:
    k = bisect.bisect_left(events, frame)
    return events[k - 1] if k > 0 else None


def gait_cycles(
    events: GaitEvents, times_s: npt.ArrayLike, config: GaitConfig | None = None
) -> tuple[GaitCycle, ...]:
    """Gait cycles of both feet (heel strike to the next heel strike), in time order.

    Strides longer than ``config.max_stride_s`` are left out, and so are strides in which the
    other foot does not strike (walking alternates the feet). Each cycle is a span that the
    per-repetition measures accept (:func:`~neuropose.analysis.measures.repetition_measures`).
    """
    from neuropose.schema import GaitConfig, GaitCycle

    config = config or GaitConfig()
    times = check_times(times_s)
    cycles: list[GaitCycle] = []
    for side in _SIDES:
        strikes: list[int] = events.heel_strikes[side].tolist()
        offs: list[int] = events.toe_offs[side].tolist()
        other: list[int] = events.heel_strikes["right" if side == "left" else "left"].tolist()
        for start, end in itertools.pairwise(strikes):
            if times[end] - times[start] > config.max_stride_s:
                continue
            if _next_after(other, start, end) is None:
                continue  # walking alternates the feet: no step of the other foot, no stride
            toe_off = _next_after(offs, start, end)
            cycles.append(
                GaitCycle(
                    side=side,
                    start=start,
                    toe_off=toe_off,
                    end=end,
                    start_s=float(times[start]),
                    toe_off_s=None if toe_off is None else float(times[toe_off]),
                    end_s=float(times[end]),
                )
            )
    return tuple(sorted(cycles, key=lambda c: (c.start_s, c.side)))


def _placement(
    events: GaitEvents, times: FloatArray, side: Side, strike: int, config: GaitConfig
) -> FloatArray:
    offs: list[int] = events.toe_offs[side].tolist()
    strike_s = float(times[strike])
    limit = int(np.searchsorted(times, strike_s + config.max_stride_s, side="right"))
    toe_off = _next_after(offs, strike, limit)
    end_s = (strike_s + float(times[toe_off])) / 2 if toe_off is not None else strike_s + 0.15
    stop = max(strike + 1, int(np.searchsorted(times, end_s, side="right")))
    return np.median(events.heel[side][strike:stop], axis=0)


def _statistic(
    name: str, side: Side | Literal["both"], unit: str, values: Sequence[float]
) -> GaitStatistic:
    from neuropose.schema import GaitStatistic

    array = np.asarray(values, float)
    return GaitStatistic(
        name=name,
        side=side,
        unit=unit,
        mean=float(array.mean()) if array.size else None,
        sd=float(array.std(ddof=1)) if array.size > 1 else None,
        count=int(array.size),
    )


_UNITS = {
    "cadence": "steps/min",
    "stride_time": "s",
    "step_time": "s",
    "stance_time": "s",
    "swing_time": "s",
    "double_support_time": "s",
    "stance_percent": "% of stride",
    "swing_percent": "% of stride",
    "double_support_percent": "% of stride",
    "step_length": "mm",
    "stride_length": "mm",
    "gait_speed": "m/s",
}


def _parameters(
    events: GaitEvents,
    cycles: Sequence[GaitCycle],
    times: FloatArray,
    config: GaitConfig,
) -> dict[str, dict[Side, list[float]]]:
    values: dict[str, dict[Side, list[float]]] = {k: {"left": [], "right": []} for k in _UNITS}
    placements: dict[tuple[Side, int], FloatArray] = {}

    def placement(side: Side, strike: int) -> FloatArray:
        key = (side, strike)
        if key not in placements:
            placements[key] = _placement(events, times, side, strike, config)
        return placements[key]

    for cycle in cycles:
        side: Side = cycle.side
        other: Side = "right" if side == "left" else "left"
        add = values
        stride = cycle.end_s - cycle.start_s
        add["stride_time"][side].append(stride)
        add["cadence"][side].append(120.0 / stride)
        up = events.up[cycle.start]
        pelvis_move = events.pelvis[cycle.end] - events.pelvis[cycle.start]
        pelvis_move = pelvis_move - np.dot(pelvis_move, up) * up
        add["gait_speed"][side].append(float(np.linalg.norm(pelvis_move)) / stride / 1000.0)
        stride_move = placement(side, cycle.end) - placement(side, cycle.start)
        stride_move = stride_move - np.dot(stride_move, up) * up
        add["stride_length"][side].append(float(np.linalg.norm(stride_move)))
        other_strikes = events.heel_strikes[other].tolist()
        previous = _last_before(other_strikes, cycle.end)
        if previous is not None and previous > cycle.start:
            add["step_time"][side].append(float(times[cycle.end] - times[previous]))
            step = placement(side, cycle.end) - placement(other, previous)
            add["step_length"][side].append(float(np.dot(step, events.progression[cycle.end])))
        if cycle.toe_off is None or cycle.toe_off_s is None:
            continue
        stance = cycle.toe_off_s - cycle.start_s
        add["stance_time"][side].append(stance)
        add["swing_time"][side].append(stride - stance)
        add["stance_percent"][side].append(100.0 * stance / stride)
        add["swing_percent"][side].append(100.0 * (stride - stance) / stride)
        other_off = _next_after(events.toe_offs[other].tolist(), cycle.start, cycle.toe_off)
        other_strike = _next_after(other_strikes, cycle.start, cycle.toe_off)
        if other_off is not None and other_strike is not None:
            double = float(times[other_off] - times[cycle.start]) + float(
                times[cycle.toe_off] - times[other_strike]
            )
            add["double_support_time"][side].append(double)
            add["double_support_percent"][side].append(100.0 * double / stride)
    return values


def analyze_gait(
    poses: npt.ArrayLike,
    times_s: npt.ArrayLike,
    skeleton: Skeleton,
    *,
    config: GaitConfig | None = None,
    observed: npt.ArrayLike | None = None,
    angles: Sequence[str] = (),
    source_file_name: str = "",
    source_video_sha256: str = "",
    person: str = "",
) -> GaitResult:
    """Events, cycles and spatiotemporal parameters of a walking trial, from arrays.

    Parameters
    ----------
    poses
        ``(frames, joints, 3)`` in millimetres.
    times_s
        Frame times, seconds.
    skeleton
        The poses' skeleton (joints are found by name).
    config
        Event thresholds; :class:`~neuropose.schema.GaitConfig` defaults.
    observed
        ``(frames, joints)`` booleans: which samples were observed; default: the finite ones.
    angles
        Clinical angles to measure per gait cycle (range of motion, peak angular velocity,
        symmetry), as for repetitions.
    source_file_name, source_video_sha256, person
        Recorded in the result.

    Returns
    -------
    GaitResult
        With units, conventions, the configuration and the method's version written in.

    Raises
    ------
    SkeletonSupportError
        If the skeleton lacks the joints gait needs (named) or has no gait definition.
    MissingPersonError
        If a needed joint is never seen.
    TimestampError
        If the times are broken or never advance.
    """
    from neuropose.analysis.measures import angle_series, repetition_measures
    from neuropose.schema import GaitConfig, GaitResult

    config = config or GaitConfig()
    times = check_times(times_s, as_poses(poses).shape[0], advancing=True)
    events = gait_events(poses, times, skeleton, config, observed=observed)
    cycles = gait_cycles(events, times, config)
    values = _parameters(events, cycles, times, config)
    statistics: list[GaitStatistic] = []
    for name, unit in _UNITS.items():
        per_side = values[name]
        for side in _SIDES:
            statistics.append(_statistic(name, side, unit, per_side[side]))
        statistics.append(_statistic(name, "both", unit, per_side["left"] + per_side["right"]))
    notes: list[str] = []
    for side in _SIDES:
        strikes = len(events.heel_strikes[side])
        if strikes < 2:
            notes.append(
                f"{side} foot: {strikes} heel strike(s) found, no full gait cycle; is this a "
                "walking trial seen long enough (at least two strides)?"
            )
        kept = sum(c.side == side for c in cycles)
        dropped = max(0, strikes - 1 - kept)
        if dropped:
            notes.append(
                f"{side} foot: {dropped} stride(s) left out: longer than "
                f"{config.max_stride_s:g} s (a pause or a turn), or without a heel strike of the "
                "other foot (the feet do not alternate: not walking)"
            )
    speeds = values["gait_speed"]["left"] + values["gait_speed"]["right"]
    slowest = config.min_walking_speed_mm_s / 1000
    if speeds and float(np.mean(speeds)) < slowest:
        notes.append(
            f"the pelvis moves at {float(np.mean(speeds)):.3g} m/s on average, below "
            f"{slowest:g} m/s: this does not look like overground walking (standing, or a "
            "treadmill); lengths and speed describe the pelvis, not the steps"
        )
    cycle_measures: tuple[RepetitionMeasures, ...] = ()
    if angles and cycles:
        series = angle_series(poses, skeleton, angles, observed=observed)
        cycle_measures = repetition_measures(series, times, cycles)
    return GaitResult(
        source_file_name=source_file_name,
        source_video_sha256=source_video_sha256,
        skeleton=skeleton.name,
        person=person,
        method=GAIT_METHOD,
        method_version=GAIT_METHOD_VERSION,
        config=config,
        heel_strikes_s={s: tuple(float(times[k]) for k in events.heel_strikes[s]) for s in _SIDES},
        toe_offs_s={s: tuple(float(times[k]) for k in events.toe_offs[s]) for s in _SIDES},
        cycles=cycles,
        parameters=tuple(statistics),
        cycle_measures=cycle_measures,
        observed_fraction=float(events.observed.mean()) if len(events.observed) else 0.0,
        conventions=_CONVENTIONS,
        notes=tuple(notes),
    )


def gait_analysis(
    predictions: VideoPredictions,
    *,
    person: int | None = None,
    config: GaitConfig | None = None,
    angles: Sequence[str] = (),
    observed: npt.ArrayLike | None = None,
    source: Path | str | None = None,
) -> GaitResult:
    """Gait analysis of one person in a predictions file (what ``neuropose gait`` computes).

    Parameters
    ----------
    predictions
        A walking trial.
    person
        Track id (a person slot in a file without track ids); ``None`` for the file's only
        person (refused when it holds several).
    config, angles, observed
        As for :func:`analyze_gait`.
    source
        The predictions file, recorded by name.

    Notes
    -----
    Gait is measured in the camera frame (:func:`~neuropose.analysis.camera_frame_trajectory`):
    a hip-centred (BlazePose) file's joints are placed there with its estimated
    ``root_translation_mm``, and the result says so in its notes.

    Raises
    ------
    SkeletonSupportError, MissingPersonError, TimestampError
        As :func:`analyze_gait`.
    NoCameraFrameError
        If the file is hip-centred and has no ``root_translation_mm``.
    """
    from neuropose.analysis.trajectories import camera_frame_trajectory, person_label

    poses = camera_frame_trajectory(predictions, person)
    result = analyze_gait(
        poses,
        predictions.times_s,
        predictions.skeleton,
        config=config,
        observed=observed,
        angles=angles,
        source_file_name=Path(source).name if source else predictions.metadata.file_name,
        source_video_sha256=predictions.metadata.sha256,
        person=person_label(predictions, person),
    )
    return with_frame_note(result, predictions)


def with_frame_note(result: GaitResult, predictions: VideoPredictions) -> GaitResult:
    """Add :data:`HIP_CENTRED_NOTE` to a result measured on a hip-centred file's positions."""
    from neuropose.schema import Frame3d

    if predictions.units.frame3d != Frame3d.HIP_CENTRED:
        return result
    return result.model_copy(update={"notes": (*result.notes, HIP_CENTRED_NOTE)})

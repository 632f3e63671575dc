"""Who is the patient: a documented rule that picks one track as the subject of a video.

The rule (:class:`~neuropose.schema.SubjectConfig`, ``coverage_confidence_movement``
version 1) scores every track

    score = coverage x mean confidence x movement

- **coverage**: the share of the video's duration in which the track is seen. Each frame
  counts for its own duration (the time to the next frame; the median interval for the last),
  so variable frame rates do not bias it. With per-joint confidence, a detection counts in
  proportion to its joints at or above ``min_joint_confidence``; without it (MeTRAbs gives
  none), a detection counts fully: the detector already kept it.
- **mean confidence**: the mean per-joint confidence over the track's detections or, when the
  model gives no per-joint confidence, the mean detector score of its boxes.
- **movement**: how much the track moves, in mm/s: by default the mean speed of the movement
  joints relative to the root (the hips), measured between samples ``speed_lag_s`` apart so
  that frame-to-frame jitter weighs little; ``root_speed`` measures the root instead (gait).
  Pass the task's joints (the moving arm for reaching, the hands for tapping): a clinician
  walking about moves more of the body than a seated patient does.

The highest score wins. When other tracks score within ``margin`` of the best, the scores
cannot tell them apart: the most central of them (box centre nearest the image centre, on
average) wins and the result carries a warning naming the chosen track and its closest rival.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import DuplicateTrackError, NoTracksError, ShapeMismatchError
from neuropose.analysis.kinematics import check_times
from neuropose.analysis.tracking import hip_joints, root_positions
from neuropose.schema import NO_TRACK, SubjectChoice, SubjectConfig, SubjectWarning, TrackScore

if TYPE_CHECKING:
    from neuropose.schema import VideoPredictions

__all__ = ["choose_subject", "choose_subject_for"]

FloatArray = npt.NDArray[np.float64]


def choose_subject(
    times_s: npt.ArrayLike,
    track_ids: npt.ArrayLike,
    boxes: npt.ArrayLike,
    poses3d: npt.ArrayLike,
    *,
    frame_size: tuple[int, int],
    joint_confidence: npt.ArrayLike | None = None,
    root_joints: Sequence[int] | None = None,
    movement_joints: Sequence[int] | None = None,
    config: SubjectConfig | None = None,
) -> SubjectChoice:
    """Rank the tracks of a video and choose the subject by the documented rule.

    Parameters
    ----------
    times_s
        ``(frames,)`` frame times, seconds.
    track_ids
        ``(frames, persons)`` track ids (:data:`~neuropose.schema.NO_TRACK` where none).
    boxes
        ``(frames, persons, 5)``: x, y, width, height in px, detector score.
    poses3d
        ``(frames, persons, joints, 3)`` mm.
    frame_size
        Image ``(width, height)`` in px, for centrality.
    joint_confidence
        ``(frames, persons, joints)`` per-joint confidence, or ``None`` when the model gives
        none (the detector score is used instead).
    root_joints
        Joints whose mean is the root (see :func:`~neuropose.analysis.tracking.hip_joints`);
        ``None`` for all joints.
    movement_joints
        Joints whose movement counts (the task's joints); ``None`` for all joints.
    config
        The rule's parameters; the defaults when ``None``.

    Returns
    -------
    SubjectChoice
        The chosen track, the rule, every track's row (best score first) and a warning when
        the best tracks are within the margin.

    Raises
    ------
    NoTracksError
        If no detection has a track id.
    ShapeMismatchError
        If the arrays disagree in shape or a joint index is out of range.
    TimestampError
        If ``times_s`` is not finite and non-decreasing.
    """
    config = config or SubjectConfig()
    times = np.asarray(times_s, dtype=np.float64)
    ids = np.asarray(track_ids)
    box = np.asarray(boxes, dtype=np.float64)
    poses = np.asarray(poses3d)
    confidence = None if joint_confidence is None else np.asarray(joint_confidence)
    _check(times, ids, box, poses, confidence, movement_joints)
    tracks = np.unique(ids[ids != NO_TRACK])
    if tracks.size == 0:
        raise NoTracksError(
            "no detection has a track id, so there is no subject to choose; track the "
            "predictions first (neuropose track)"
        )
    duration = _frame_durations(times)
    total = float(duration.sum()) or 1.0
    width, height = frame_size
    half_diagonal = float(np.hypot(width, height)) / 2 or 1.0
    rows: list[dict[str, float]] = []
    for track in tracks.tolist():
        frames, slots = np.nonzero(ids == track)
        if confidence is not None:
            joint_scores = confidence[frames, slots].astype(np.float64)
            with np.errstate(invalid="ignore"):
                weight: FloatArray = np.mean(joint_scores >= config.min_joint_confidence, axis=1)
            mean_confidence = float(np.nanmean(joint_scores)) if joint_scores.size else 0.0
        else:
            weight = np.ones(frames.size)
            detector_scores: FloatArray = box[frames, slots, 4]
            mean_confidence = float(np.nanmean(detector_scores))
        coverage = float(np.sum(duration[frames] * weight) / total)
        centre = box[frames, slots, :2] + box[frames, slots, 2:4] / 2
        centrality = float(
            np.mean(np.hypot(centre[:, 0] - width / 2, centre[:, 1] - height / 2)) / half_diagonal
        )
        movement = _movement(
            times[frames], poses[frames, slots], root_joints, movement_joints, config
        )
        rows.append(
            {
                "track_id": int(track),
                "first_s": float(times[frames[0]]),
                "last_s": float(times[frames[-1]]),
                "coverage": min(max(coverage, 0.0), 1.0),
                "mean_confidence": 0.0 if np.isnan(mean_confidence) else mean_confidence,
                "movement": movement,
                "centrality": centrality,
            }
        )
    for row in rows:
        row["score"] = max(row["coverage"] * row["mean_confidence"] * row["movement"], 0.0)
    return _decide(rows, config)


def choose_subject_for(
    predictions: VideoPredictions,
    *,
    movement_joints: Sequence[int] | None = None,
    config: SubjectConfig | None = None,
) -> SubjectChoice:
    """Choose the subject among the tracks of a predictions file (:func:`choose_subject`).

    The file's own arrays, frame size and skeleton (its hips as the root) feed the rule.

    Parameters
    ----------
    predictions
        Tracked predictions (see :func:`~neuropose.analysis.tracking.track_predictions`).
    movement_joints
        Joints whose movement counts (the task's joints); ``None`` for all joints.
    config
        The rule's parameters; the defaults when ``None``.

    Raises
    ------
    NoTracksError
        If the file has no track ids.
    """
    return choose_subject(
        predictions.times_s,
        predictions.track_ids,
        predictions.boxes,
        predictions.poses3d,
        frame_size=(predictions.metadata.width, predictions.metadata.height),
        joint_confidence=predictions.joint_confidence,
        root_joints=hip_joints(predictions.skeleton.joint_names),
        movement_joints=movement_joints,
        config=config,
    )


def _check(
    times: FloatArray,
    ids: np.ndarray,
    box: FloatArray,
    poses: np.ndarray,
    confidence: np.ndarray | None,
    movement_joints: Sequence[int] | None,
) -> None:
    if ids.ndim != 2 or ids.shape[0] != times.shape[0] or times.ndim != 1:
        raise ShapeMismatchError(
            f"track_ids must be shaped (frames, persons) with frames = {times.shape[0]} "
            f"(times_s), got {ids.shape}"
        )
    if box.shape != (*ids.shape, 5):
        raise ShapeMismatchError(f"boxes must be shaped {(*ids.shape, 5)}, got {box.shape}")
    if poses.ndim != 4 or poses.shape[:2] != ids.shape or poses.shape[-1] != 3:
        raise ShapeMismatchError(
            f"poses3d must be shaped {(*ids.shape, 'joints', 3)}, got {poses.shape}"
        )
    joints = poses.shape[2]
    if confidence is not None and confidence.shape != (*ids.shape, joints):
        raise ShapeMismatchError(
            f"joint_confidence must be shaped {(*ids.shape, joints)}, got {confidence.shape}"
        )
    for joint in movement_joints or ():
        if not 0 <= joint < joints:
            raise ShapeMismatchError(f"movement joint {joint} is not one of the {joints} joints")
    if movement_joints is not None and len(movement_joints) == 0:
        raise ShapeMismatchError("movement_joints is empty; pass None for all joints")
    check_times(times)
    duplicated = np.sort(ids, axis=1)
    same = (np.diff(duplicated, axis=1) == 0) & (duplicated[:, 1:] != NO_TRACK)
    if same.any():
        frame = int(np.argmax(same.any(axis=1)))
        raise DuplicateTrackError(
            f"frame {frame} lists one track id twice; re-track the predictions"
        )


def _frame_durations(times: FloatArray) -> FloatArray:
    """Duration of each frame: the time to the next one; the median interval for the last."""
    if times.size < 2:
        return np.ones(times.size)
    steps = np.diff(times)
    return np.append(steps, np.median(steps))


def _movement(
    times: FloatArray,
    poses: np.ndarray,
    root_joints: Sequence[int] | None,
    movement_joints: Sequence[int] | None,
    config: SubjectConfig,
) -> float:
    """Mean speed (mm/s) of the movement joints (or the root) over ``speed_lag_s`` steps."""
    pose = np.asarray(poses, dtype=np.float64)  # (detections, joints, 3)
    root = root_positions(pose, root_joints)
    if config.movement == "root_speed":
        points = root[:, None, :]
    else:
        selected = pose if movement_joints is None else pose[:, list(movement_joints)]
        points = selected - root[:, None, :]
    if times.size < 2:
        return 0.0
    later = np.searchsorted(times, times + config.speed_lag_s, side="left")
    usable = later < times.size
    start = np.flatnonzero(usable)
    stop = later[usable]
    elapsed = times[stop] - times[start]
    # Pairs that straddle a long absence say nothing about speed.
    keep = (elapsed > 0) & (elapsed <= 2 * config.speed_lag_s)
    if not keep.any():
        return 0.0
    start, stop, elapsed = start[keep], stop[keep], elapsed[keep]
    # A cleaned file holds NaN where a joint stayed missing: those joints and pairs do not count.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        distance: FloatArray = np.nanmean(
            np.linalg.norm(points[stop] - points[start], axis=-1), axis=-1
        )
        speed = float(np.nanmean(distance / elapsed))
    return speed if np.isfinite(speed) else 0.0


def _decide(rows: list[dict[str, float]], config: SubjectConfig) -> SubjectChoice:
    """Rank rows by score, pick the winner (centrality breaks ties) and explain."""
    rows.sort(key=lambda row: (-row["score"], row["centrality"], row["track_id"]))
    best = rows[0]["score"]
    tied = [row for row in rows if best - row["score"] <= config.margin * best]
    chosen = min(tied, key=lambda row: (row["centrality"], -row["score"], row["track_id"]))
    warning = None
    rival = None
    if len(tied) > 1:
        rival = max(
            (row for row in tied if row is not chosen),
            key=lambda row: (row["score"], -row["centrality"]),
        )
        warning = SubjectWarning(
            track_ids=(int(chosen["track_id"]), int(rival["track_id"])),
            scores=(chosen["score"], rival["score"]),
            message=(
                f"tracks {int(chosen['track_id'])} and {int(rival['track_id'])} score within "
                f"{config.margin:.0%} of each other ({chosen['score']:.4g} and "
                f"{rival['score']:.4g}); chose track {int(chosen['track_id'])} as the more "
                f"central; pass the person explicitly if that is wrong"
            ),
        )
    scored: list[TrackScore] = []
    for row in rows:
        is_chosen = row is chosen
        scored.append(
            TrackScore(
                track_id=int(row["track_id"]),
                first_s=row["first_s"],
                last_s=row["last_s"],
                coverage=row["coverage"],
                mean_confidence=row["mean_confidence"],
                movement=row["movement"],
                centrality=row["centrality"],
                score=row["score"],
                chosen=is_chosen,
                reason=_reason(row, chosen, rival, tied, len(rows), config),
            )
        )
    return SubjectChoice(
        chosen=int(chosen["track_id"]), config=config, tracks=tuple(scored), warning=warning
    )


def _reason(
    row: dict[str, float],
    chosen: dict[str, float],
    rival: dict[str, float] | None,
    tied: list[dict[str, float]],
    count: int,
    config: SubjectConfig,
) -> str:
    terms = (
        f"coverage {row['coverage']:.2f} x confidence {row['mean_confidence']:.2f} x "
        f"movement {row['movement']:.0f} mm/s = {row['score']:.4g}"
    )
    if row is chosen:
        if count == 1:
            return f"the only track ({terms})"
        if rival is None:
            return f"highest score ({terms})"
        return (
            f"within {config.margin:.0%} of track {int(rival['track_id'])} and more central "
            f"({row['centrality']:.2f} vs {rival['centrality']:.2f} of the half-diagonal; "
            f"{terms})"
        )
    if any(row is other for other in tied):
        return (
            f"within {config.margin:.0%} of track {int(chosen['track_id'])} but less central "
            f"({row['centrality']:.2f} vs {chosen['centrality']:.2f}; {terms})"
        )
    share = row["score"] / chosen["score"] if chosen["score"] > 0 else 0.0
    return f"score {share:.0%} of the chosen track's ({terms})"

"""Identity tracking: which detection in each frame is which person.

The detector lists the people of a frame in no particular order, so person slot 0 is not one
person. :func:`track_people` gives every detection a track id that follows one person through
the video, in three passes:

1. **Links between nearby frames.** Detections of consecutive frames are paired by a
   minimum-cost assignment (the Hungarian method; for up to four people it is solved for every
   frame at once by comparing all pairings, otherwise by
   :func:`scipy.optimize.linear_sum_assignment`) on a cost mixing box overlap and 2D/3D root
   distance, with gates scaled by the time between the frames (variable frame rate is
   normal). Detections left unpaired are then paired across up to three frames, which bridges
   the detector's brief misses. Linked detections form *tracklets*; unconfident detections
   (score below ``min_score``) at a tracklet's ends are cut off, so that a false detection next
   to a person the detector missed cannot begin or end that person's tracklet.
2. **Online track management**, in time order: a tracklet that starts while a track is lost
   (unseen for at most ``max_age_s``) continues the track it best matches, predicted at
   constant velocity from the track's end and compared with the tracklet's first few
   detections. Confirmed tracks choose before unconfirmed ones and, among equals, recently
   seen ones are preferred. Otherwise the tracklet starts a new tentative track. A track is
   born (confirmed) once it holds ``min_hits`` confident detections; a short continuation is
   only *pending* until it brings ``min_hits`` of its own, and is released if the track is
   continued from before it. Detections of tracks never confirmed get :data:`NO_TRACK`.
3. **Offline stitching.** Confirmed tracks broken by a long occlusion or by leaving the view
   are joined end to start when the gap is short enough, the motion is continuous
   (extrapolated over the gap) and the bone lengths agree, again by minimum-cost assignment.

Ids are renumbered ``0..K-1`` in order of first appearance. The parameters are a
:class:`~neuropose.schema.TrackingConfig`, recorded with the result.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import (
    DuplicateTrackError,
    MissingPersonError,
    ShapeMismatchError,
)
from neuropose.analysis.kinematics import check_times
from neuropose.schema import NO_TRACK, TrackingConfig, TrackingSummary

if TYPE_CHECKING:
    from neuropose.schema import VideoPredictions

__all__ = [
    "HIP_JOINT_NAMES",
    "TrackingResult",
    "hip_joints",
    "root_positions",
    "track_people",
    "track_predictions",
    "track_trajectory",
    "tracking_config_for",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

HIP_JOINT_NAMES = (
    ("lhip", "rhip"),
    ("left_hip", "right_hip"),
    ("lhipb", "rhipb"),
    ("lhipf", "rhipf"),
    ("lhipl", "rhipl"),
)
"""Left/right hip joint names of the skeletons NeuroPose reads (SMPL, COCO, BlazePose,
Berkeley MHAD); every pair a skeleton has contributes to its root."""

# Assignments maximise the summed benefit (a bound - cost) of the pairs they make; infeasible
# pairs have benefit 0, and this slack keeps the worst feasible pair above them.
_SLACK = 1e-3
# Online joins: benefit lost per max_age_s of time since a track was last seen.
_AGE_WEIGHT = 0.3
# Detections up to this many frames apart are linked in the vectorised first pass.
_BRIDGE_FRAMES = 3
# Up to this many people per frame, the frame-to-frame assignment enumerates all pairings.
_ENUMERATE_UP_TO = 4
# Bone lengths of a track are the median over at most this many of its detections.
_BONE_SAMPLES = 64


@dataclass(frozen=True)
class TrackingResult:
    """Track ids for every person slot, and what the tracker did.

    Attributes
    ----------
    track_ids
        ``(frames, persons)`` int32: ids ``0..K-1`` in order of first appearance;
        :data:`~neuropose.schema.NO_TRACK` for empty slots and unconfirmed detections.
    summary
        Counts of tracks, tracklets and joins, with the configuration.
    """

    track_ids: npt.NDArray[np.int32]
    summary: TrackingSummary


def hip_joints(joint_names: Sequence[str]) -> tuple[int, ...] | None:
    """Return the indices of a skeleton's hip joints, whose mean is the body's root.

    Parameters
    ----------
    joint_names
        The skeleton's joint names, in order.

    Returns
    -------
    tuple of int or None
        Indices of every left/right hip pair of :data:`HIP_JOINT_NAMES` the skeleton has, or
        ``None`` when it has none (then use the mean of all joints as the root).
    """
    positions = {name: index for index, name in enumerate(joint_names)}
    found: list[int] = []
    for left, right in HIP_JOINT_NAMES:
        if left in positions and right in positions:
            found.extend((positions[left], positions[right]))
    return tuple(found) if found else None


def root_positions(poses: npt.ArrayLike, root_joints: Sequence[int] | None = None) -> FloatArray:
    """Return each pose's root: the mean of ``root_joints``, or of all joints.

    Parameters
    ----------
    poses
        ``(..., joints, D)`` poses (mm or px); NaN for absent people.
    root_joints
        Joint indices to average (for example :func:`hip_joints`); ``None`` for all joints.

    Returns
    -------
    ndarray
        ``(..., D)`` float64.
    """
    array = np.asarray(poses)
    if array.ndim < 2:
        raise ShapeMismatchError(f"poses must be shaped (..., joints, D), got {array.shape}")
    joints = array.shape[-2]
    weights = np.zeros(joints, array.dtype if array.dtype.kind == "f" else np.float64)
    if root_joints is None:
        weights[:] = 1.0 / max(joints, 1)
    else:
        indices = list(root_joints)
        if not indices or any(not 0 <= index < joints for index in indices):
            raise ShapeMismatchError(
                f"root joints {indices} are not indices of the {joints} joints of the poses"
            )
        np.add.at(weights, indices, 1.0 / len(indices))
    # A weighted sum over the joint axis as one matrix product: several times faster than
    # gathering the joints or a float64 mean over a float32 array of a long video.
    return np.asarray(np.swapaxes(array, -1, -2) @ weights, dtype=np.float64)


def track_trajectory(values: npt.ArrayLike, track_ids: npt.ArrayLike, track_id: int) -> FloatArray:
    """Return one identity's values over time, NaN in frames where it is not seen.

    Parameters
    ----------
    values
        ``(frames, persons, ...)``: for example poses3d ``(frames, persons, joints, 3)`` in mm,
        poses2d in px, boxes or joint confidences.
    track_ids
        ``(frames, persons)`` track ids.
    track_id
        The identity to follow.

    Returns
    -------
    ndarray
        ``(frames, ...)`` float64, for example ``(frames, joints, 3)``.

    Raises
    ------
    ShapeMismatchError
        If the frame and person axes of the two arrays differ.
    MissingPersonError
        If the track id never appears.
    DuplicateTrackError
        If the track id appears twice in one frame.
    """
    array = np.asarray(values)
    ids = np.asarray(track_ids)
    if ids.ndim != 2 or array.shape[:2] != ids.shape:
        raise ShapeMismatchError(
            f"values {array.shape} and track_ids {ids.shape} must share (frames, persons)"
        )
    # NO_TRACK marks untracked slots: asking for it would gather every untracked detection.
    rows, slots = np.nonzero(ids == track_id) if track_id >= 0 else (np.empty(0, np.intp),) * 2
    if rows.size == 0:
        known = np.unique(ids[ids != NO_TRACK])
        listed = ", ".join(map(str, known[:20].tolist())) or "none (track the file first)"
        raise MissingPersonError(f"track {track_id} never appears; the tracks are: {listed}")
    if rows.size > 1 and np.any(np.diff(rows) == 0):
        frame = int(rows[1:][np.diff(rows) == 0][0])
        raise DuplicateTrackError(
            f"track {track_id} appears twice in frame {frame}; re-track the file"
        )
    result = np.full((ids.shape[0], *array.shape[2:]), np.nan)
    result[rows] = array[rows, slots]
    return result


def track_people(
    times_s: npt.ArrayLike,
    boxes: npt.ArrayLike,
    poses2d: npt.ArrayLike,
    poses3d: npt.ArrayLike,
    *,
    joint_edges: Sequence[tuple[int, int]] = (),
    root_joints: Sequence[int] | None = None,
    config: TrackingConfig | None = None,
) -> TrackingResult:
    """Give every detection an identity that follows one person through the video.

    Parameters
    ----------
    times_s
        ``(frames,)`` frame times, seconds, non-decreasing.
    boxes
        ``(frames, persons, 5)``: x, y, width, height in px, detector score; NaN for empty
        slots.
    poses2d
        ``(frames, persons, joints, 2)`` px.
    poses3d
        ``(frames, persons, joints, 3)`` mm.
    joint_edges
        The skeleton's bones as joint index pairs, for the bone-length check of stitching
        (no check without them).
    root_joints
        Joints whose mean is the root (see :func:`hip_joints`); ``None`` for all joints.
    config
        Tracker parameters; the defaults when ``None``.

    Returns
    -------
    TrackingResult
        ``track_ids`` ``(frames, persons)`` int32 and a summary.

    Raises
    ------
    ShapeMismatchError
        If the arrays do not share frames, persons and joints.
    TimestampError
        If ``times_s`` holds non-finite values or goes backwards.
    """
    config = config or TrackingConfig()
    times = np.asarray(times_s, dtype=np.float64)
    box = np.asarray(boxes, dtype=np.float64)
    p2 = np.asarray(poses2d)
    p3 = np.asarray(poses3d)
    _check_inputs(times, box, p2, p3, joint_edges)
    frames, persons = box.shape[:2]
    present = np.asarray(np.isfinite(box[..., :4]).all(axis=-1), dtype=bool)
    if frames == 0 or persons == 0 or not present.any():
        return _result(np.full((frames, persons), NO_TRACK, np.int32), config, 0, 0, 0, 0, 0)
    root3d = root_positions(p3, root_joints)
    duplicate = _duplicates(box, present, root3d, config)
    if duplicate.any():
        # A second detection of one person is left out: it would start a rival track.
        present = present & ~duplicate
        box = np.where(duplicate[..., None], np.nan, box)
    detections = _Detections(
        times=times,
        present=present,
        boxes=box[..., :4],
        scores=np.nan_to_num(box[..., 4], nan=0.0),
        root2d=np.where(present[..., None], root_positions(p2, root_joints), np.nan),
        root3d=np.where(present[..., None], root3d, np.nan),
    )
    predecessor = _frame_links(detections, config)
    tracklets = _Tracklets.build(detections, predecessor, config)
    track_of_tracklet, confirmed, online_joins = _manage_tracks(tracklets, detections, config)
    stitches = 0
    if config.stitch and confirmed.sum() > 1:
        track_of_tracklet, stitches = _stitch(
            tracklets, detections, track_of_tracklet, confirmed, p3, joint_edges, config
        )
    # Unconfirmed tracks lose their detections to NO_TRACK; the rest are renumbered by first
    # appearance, people first seen in the same frame from left to right.
    node_track = np.where(confirmed[track_of_tracklet], track_of_tracklet, -1)[tracklets.of_node]
    kept, position = np.unique(node_track, return_inverse=True)
    first_node = np.full(kept.size, frames * persons, np.intp)
    np.minimum.at(first_node, position, tracklets.nodes)
    frame_of, slot_of = first_node // persons, first_node % persons
    centre_x = box[frame_of, slot_of, 0] + box[frame_of, slot_of, 2] / 2
    rank = np.empty(kept.size, np.intp)
    order = np.lexsort((centre_x, frame_of))
    rank[order] = np.arange(kept.size)
    if kept[0] < 0:  # the unconfirmed detections, first in ``kept``, are not a track
        rank = np.where(kept < 0, NO_TRACK, rank - (rank > rank[0]))
    ids = np.full(frames * persons, NO_TRACK, np.int32)
    ids[tracklets.nodes] = rank[position]
    unconfirmed = int(np.count_nonzero(node_track < 0))
    return _result(
        ids.reshape(frames, persons),
        config,
        detections=int(present.sum()),
        tracks=int(np.count_nonzero(kept >= 0)),
        tracklets=tracklets.count,
        online_joins=online_joins,
        stitches=stitches,
        unconfirmed=unconfirmed,
        duplicates=int(duplicate.sum()),
    )


def _duplicates(
    boxes: FloatArray,
    present: npt.NDArray[np.bool_],
    root3d: FloatArray,
    config: TrackingConfig,
) -> npt.NDArray[np.bool_]:
    """``(frames, persons)``: detections that duplicate a better one of their frame.

    Of two boxes overlapping by at least ``duplicate_iou`` (with 3D roots, when they count,
    within ``duplicate_root3d_mm``), the one with the lower detector score (on a tie, the
    later slot) is the duplicate.
    """
    frames, persons = present.shape
    if config.duplicate_iou is None or persons < 2:
        return np.zeros((frames, persons), bool)
    iou = _iou(boxes[:, :, None, :4], boxes[:, None, :, :4])  # (frames, i, j)
    score = np.nan_to_num(boxes[..., 4], nan=0.0)
    slot = np.arange(int(persons))
    outranks = (score[:, :, None] > score[:, None, :]) | (
        (score[:, :, None] == score[:, None, :]) & (slot[:, None] < slot[None, :])
    )
    both = present[:, :, None] & present[:, None, :]
    with np.errstate(invalid="ignore"):
        same = iou >= config.duplicate_iou
        if config.root3d_weight > 0:
            apart = np.linalg.norm(root3d[:, :, None] - root3d[:, None, :], axis=-1)
            same &= apart <= config.duplicate_root3d_mm
    return np.asarray((both & same & outranks).any(axis=1), dtype=bool)


def tracking_config_for(predictions: VideoPredictions) -> TrackingConfig:
    """Return the default tracker configuration suited to a file's 3D frame of reference.

    Hip-centred 3D poses (BlazePose: ``units.frame3d`` says so; files from before that field
    are recognised by the ``blazepose_33`` skeleton) have every root at the origin, so the 3D
    root distance says nothing about identity: its weight is set to 0 and boxes and 2D roots
    decide. Camera-frame poses (MeTRAbs) keep every default.
    """
    from neuropose.schema import Frame3d

    hip_centred = (
        predictions.units.frame3d == Frame3d.HIP_CENTRED
        or predictions.skeleton.name == "blazepose_33"
    )
    return TrackingConfig(root3d_weight=0.0) if hip_centred else TrackingConfig()


def track_predictions(
    predictions: VideoPredictions, config: TrackingConfig | None = None
) -> tuple[VideoPredictions, TrackingSummary]:
    """Return the predictions with fresh track ids, and what the tracker did.

    The ids come from :func:`track_people` on the file's own boxes, 2D and 3D poses, with the
    skeleton's bones for stitching and its hips as the root. The result's provenance records
    the configuration (``provenance.tracking``); a file without ``quality_flags`` gets them
    (observed wherever a person was detected). Nothing else changes; ``predictions`` itself is
    not modified.

    Parameters
    ----------
    predictions
        Any predictions, tracked or not (existing ids are replaced).
    config
        Tracker parameters; :func:`tracking_config_for` the file when ``None``.

    Returns
    -------
    predictions, summary
        The tracked predictions and the tracker's :class:`~neuropose.schema.TrackingSummary`.
    """
    from neuropose.schema import VideoPredictions, flags_from_presence

    config = config or tracking_config_for(predictions)
    result = track_people(
        predictions.times_s,
        predictions.boxes,
        predictions.poses2d,
        predictions.poses3d,
        joint_edges=predictions.skeleton.joint_edges,
        root_joints=hip_joints(predictions.skeleton.joint_names),
        config=config,
    )
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    fields["track_ids"] = result.track_ids
    if predictions.quality_flags is None:
        present = predictions.person_mask
        shape = (*present.shape, predictions.skeleton.joint_count)
        fields["quality_flags"] = flags_from_presence(np.broadcast_to(present[..., None], shape))
    fields["provenance"] = predictions.provenance.model_copy(update={"tracking": config})
    return VideoPredictions(**fields), result.summary


def _result(
    ids: npt.NDArray[np.int32],
    config: TrackingConfig,
    detections: int,
    tracks: int,
    tracklets: int,
    online_joins: int,
    stitches: int,
    unconfirmed: int = 0,
    duplicates: int = 0,
) -> TrackingResult:
    return TrackingResult(
        track_ids=ids,
        summary=TrackingSummary(
            config=config,
            detections=detections,
            tracks=tracks,
            tracklets=tracklets,
            online_joins=online_joins,
            stitches=stitches,
            unconfirmed_detections=unconfirmed,
            duplicate_detections=duplicates,
        ),
    )


def _check_inputs(
    times: FloatArray,
    boxes: FloatArray,
    poses2d: np.ndarray,
    poses3d: np.ndarray,
    joint_edges: Sequence[tuple[int, int]],
) -> None:
    if boxes.ndim != 3 or boxes.shape[-1] != 5:
        raise ShapeMismatchError(f"boxes must be shaped (frames, persons, 5), got {boxes.shape}")
    frames, persons = boxes.shape[:2]
    if times.shape != (frames,):
        raise ShapeMismatchError(f"times_s must be shaped ({frames},), got {times.shape}")
    if poses3d.ndim != 4 or poses3d.shape[:2] != (frames, persons) or poses3d.shape[-1] != 3:
        raise ShapeMismatchError(
            f"poses3d must be shaped ({frames}, {persons}, joints, 3), got {poses3d.shape}"
        )
    joints = poses3d.shape[2]
    if poses2d.shape != (frames, persons, joints, 2):
        raise ShapeMismatchError(
            f"poses2d must be shaped ({frames}, {persons}, {joints}, 2), got {poses2d.shape}"
        )
    for a, b in joint_edges:
        if not (0 <= a < joints and 0 <= b < joints):
            raise ShapeMismatchError(f"joint edge ({a}, {b}) is outside the {joints} joints")
    check_times(times)


@dataclass(frozen=True)
class _Detections:
    """Per-slot detection arrays in float64, NaN where a slot is empty."""

    times: FloatArray  # (F,)
    present: npt.NDArray[np.bool_]  # (F, P)
    boxes: FloatArray  # (F, P, 4) x, y, w, h
    scores: FloatArray  # (F, P), 0 where empty
    root2d: FloatArray  # (F, P, 2)
    root3d: FloatArray  # (F, P, 3)


def _iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """Intersection over union of x, y, w, h boxes, broadcast; NaN boxes give NaN."""
    x0 = np.maximum(a[..., 0], b[..., 0])
    y0 = np.maximum(a[..., 1], b[..., 1])
    x1 = np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2])
    y1 = np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _association(
    box_a: FloatArray,
    r3_a: FloatArray,
    r2_a: FloatArray,
    box_b: FloatArray,
    r3_b: FloatArray,
    r2_b: FloatArray,
    dt: FloatArray | float,
    config: TrackingConfig,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Cost in [0, 1] of pairing state(s) ``a`` with detection(s) ``b``, and its gate.

    All arguments broadcast; ``a`` is a detection or a track's predicted state, ``dt`` the
    time between them. NaN inputs are infeasible.
    """
    weights = config.iou_weight + config.root3d_weight + config.root2d_weight
    iou = _iou(box_a, box_b)
    cost = config.iou_weight * (1.0 - iou)
    feasible = np.isfinite(iou)
    with np.errstate(invalid="ignore", divide="ignore"):
        if config.root3d_weight > 0:
            limit = config.root3d_tolerance_mm + config.max_speed_mm_s * np.asarray(dt)
            scaled = np.linalg.norm(r3_b - r3_a, axis=-1) / limit
            cost = cost + config.root3d_weight * scaled
            feasible &= scaled <= 1.0
        if config.root2d_weight > 0:
            height = np.maximum(box_a[..., 3], 1.0)
            limit = (config.root2d_tolerance + config.max_speed_heights_s * np.asarray(dt)) * height
            scaled = np.linalg.norm(r2_b - r2_a, axis=-1) / limit
            cost = cost + config.root2d_weight * scaled
            feasible &= scaled <= 1.0
    if config.root3d_weight == 0 and config.root2d_weight == 0:
        feasible &= iou > 0  # with overlap alone, disjoint boxes say nothing
    return cost / weights, feasible


@cache
def _pairings(size: int) -> IntArray:
    """Every assignment of ``size`` rows to ``size`` columns, ``(size!, size)``."""
    return np.array(list(itertools.permutations(range(size))), dtype=np.intp).reshape(-1, size)


def _frame_links(detections: _Detections, config: TrackingConfig) -> IntArray:
    """Link detections of nearby frames; returns each node's predecessor node, or -1.

    A node is ``frame * persons + slot``. Consecutive frames are linked first; then a
    detection left without a successor is linked to one left without a predecessor up to
    ``_BRIDGE_FRAMES`` frames later, which bridges the detector's brief misses without the
    slower track-by-track pass.
    """
    frames, persons = detections.present.shape
    predecessor = np.full(frames * persons, -1, np.intp)
    if frames < 2:
        return predecessor
    present = detections.present
    has_successor = np.zeros((frames, persons), bool)
    for lag in range(1, min(_BRIDGE_FRAMES, frames - 1) + 1):
        has_predecessor = (predecessor >= 0).reshape(frames, persons)
        ends = present[:-lag] & ~has_successor[:-lag]
        starts = present[lag:] & ~has_predecessor[lag:]
        later = np.flatnonzero(ends.any(axis=1) & starts.any(axis=1))  # frame - lag
        if later.size == 0:
            continue
        earlier_frames, later_frames = later, later + lag
        d = detections
        dt = (d.times[later_frames] - d.times[earlier_frames])[:, None, None]
        cost, feasible = _association(
            d.boxes[earlier_frames, :, None],
            d.root3d[earlier_frames, :, None],
            d.root2d[earlier_frames, :, None],
            d.boxes[later_frames, None, :],
            d.root3d[later_frames, None, :],
            d.root2d[later_frames, None, :],
            dt,
            config,
        )
        # Leaving a pair unlinked costs max_cost: two poor links never beat one good one.
        feasible &= (cost <= config.max_cost) & ends[later, :, None] & starts[later, None, :]
        benefit = np.where(feasible, config.max_cost + _SLACK - cost, 0.0)
        links = _solve_many(benefit)  # (pairs, persons): slot of the earlier frame, or -1
        row, slot = np.nonzero(links >= 0)
        previous = links[row, slot]
        predecessor[later_frames[row] * persons + slot] = earlier_frames[row] * persons + previous
        has_successor[earlier_frames[row], previous] = True
    return predecessor


def _solve_many(benefit: FloatArray) -> IntArray:
    """Best assignment of each ``(rows, cols)`` benefit matrix of a stack.

    Returns ``(stack, cols)``: the row given to each column, -1 when none (benefit 0 means
    infeasible). Small matrices are solved all at once by enumerating the pairings.
    """
    stack, size, _ = benefit.shape
    result = np.full((stack, size), -1, np.intp)
    if size == 1:
        result[:, 0] = np.where(benefit[:, 0, 0] > 0, 0, -1)
        return result
    if size <= _ENUMERATE_UP_TO:
        pairings = _pairings(size)  # pairings[k, row] = column
        rows = np.arange(int(size))
        totals = benefit[:, rows[None, :], pairings].sum(axis=-1)  # (stack, pairings)
        best = pairings[np.argmax(totals, axis=1)]  # (stack, rows)
        taken = np.take_along_axis(benefit, best[:, :, None], axis=2)[..., 0] > 0
        frame_index, row = np.nonzero(taken)
        result[frame_index, best[frame_index, row]] = row
        return result
    from scipy.optimize import linear_sum_assignment

    for index in np.flatnonzero(benefit.max(axis=(1, 2)) > 0):
        rows_, cols = linear_sum_assignment(benefit[index], maximize=True)
        keep = benefit[index, rows_, cols] > 0
        result[index, cols[keep]] = rows_[keep]
    return result


def _solve_one(benefit: FloatArray) -> list[tuple[int, int]]:
    """Best assignment of one benefit matrix, as (row, column) pairs with benefit > 0."""
    rows, cols = benefit.shape
    if rows == 0 or cols == 0:
        return []
    if rows == 1 or cols == 1:
        # Fast path: one track or one detection; the best single feasible pair wins.
        flat = int(np.argmax(benefit))
        row, col = divmod(flat, cols)
        return [(row, col)] if benefit[row, col] > 0 else []
    from scipy.optimize import linear_sum_assignment

    chosen_rows, chosen_cols = linear_sum_assignment(benefit, maximize=True)
    return [
        (int(r), int(c)) for r, c in zip(chosen_rows, chosen_cols, strict=True) if benefit[r, c] > 0
    ]


@dataclass(frozen=True)
class _Tracklets:
    """Chains of linked detections, numbered by their first detection.

    A detection is node ``frame * persons + slot``. A tracklet holds at most one detection
    per frame, in consecutive frames but for the brief misses the first pass bridged.
    """

    count: int
    nodes: IntArray  # present nodes, ascending
    of_node: IntArray  # tracklet of each present node
    start_frame: IntArray
    end_frame: IntArray
    start_node: IntArray
    end_node: IntArray
    hits: IntArray  # confident detections
    end_velocity3d: FloatArray  # (T, 3) mm/s
    end_velocity2d: FloatArray  # (T, 2) px/s
    ordered: IntArray  # nodes sorted by tracklet, then frame
    offset: IntArray  # position in ``ordered`` of each tracklet's first node
    sizes: IntArray  # detections in each tracklet

    @classmethod
    def build(
        cls, detections: _Detections, predecessor: IntArray, config: TrackingConfig
    ) -> _Tracklets:
        frames, persons = detections.present.shape
        total = frames * persons
        present = detections.present.ravel()
        predecessor = predecessor.copy()
        confident = present & (detections.scores.ravel() >= config.min_score)
        # A chain neither starts nor ends with unconfident detections: a false detection next
        # to a person the detector missed would otherwise begin or end that person's chain.
        # They are cut off as detections of their own (still free to join a track later).
        node = np.arange(int(total))
        head = _chain_heads(predecessor)
        first_confident = np.full(total, total, np.intp)
        last_confident = np.full(total, -1, np.intp)
        np.minimum.at(first_confident, head[confident], node[confident])
        np.maximum.at(last_confident, head[confident], node[confident])
        has_confident = last_confident[head] >= 0
        cut = has_confident & ((node <= first_confident[head]) | (node > last_confident[head]))
        cut &= predecessor >= 0
        if cut.any():
            predecessor[cut] = -1
            head = _chain_heads(predecessor)
        has_successor = np.zeros(total, bool)
        has_successor[predecessor[predecessor >= 0]] = True
        starts = present & (predecessor < 0)
        number = np.cumsum(starts) - 1
        nodes = np.flatnonzero(present)
        of_node = number[head[nodes]]
        start_node = np.flatnonzero(starts)
        end_node = np.flatnonzero(present & ~has_successor)
        end_node = end_node[np.argsort(number[head[end_node]], kind="stable")]
        count = int(start_node.size)
        start_frame = start_node // persons
        end_frame = end_node // persons
        scores = detections.scores.ravel()[nodes]
        hits = np.bincount(
            of_node, weights=(scores >= config.min_score).astype(np.float64), minlength=count
        )
        order = np.lexsort((nodes, of_node))
        ordered, ordered_tracklet = nodes[order], of_node[order]
        sizes = np.bincount(of_node, minlength=count)
        offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        # End velocity: from the tracklet's first detection at most velocity_window_s before
        # its end (found by one search over keys ordered by tracklet, then time).
        times = detections.times
        span_all = float(times[-1] - times[0]) + 1.0
        key: FloatArray = ordered_tracklet * span_all + (times[ordered // persons] - times[0])
        target: FloatArray = np.arange(count) * span_all + (
            times[end_frame] - config.velocity_window_s - times[0]
        )
        position = np.clip(np.searchsorted(key, target, side="left"), offset, offset + sizes - 1)
        back_node = ordered[position]
        span = times[end_frame] - times[back_node // persons]
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(span > 0, 1.0 / span, 0.0)[:, None]
        r3 = detections.root3d.reshape(total, 3)
        r2 = detections.root2d.reshape(total, 2)
        v3 = (r3[end_node] - r3[back_node]) * scale
        v2 = (r2[end_node] - r2[back_node]) * scale
        return cls(
            count=count,
            nodes=nodes,
            of_node=of_node,
            start_frame=start_frame,
            end_frame=end_frame,
            start_node=start_node,
            end_node=end_node,
            hits=hits.astype(np.intp),
            end_velocity3d=v3,
            end_velocity2d=v2,
            ordered=ordered,
            offset=offset,
            sizes=sizes,
        )


def _chain_heads(predecessor: IntArray) -> IntArray:
    """First node of each node's chain, by pointer jumping (log2 of the longest chain steps)."""
    head = np.where(predecessor >= 0, predecessor, np.arange(predecessor.size))
    while True:
        jumped = head[head]
        if np.array_equal(jumped, head):
            return head
        head = jumped


def _predicted(
    tracklets: _Tracklets,
    detections: _Detections,
    ends: IntArray,
    at_time: FloatArray,
    config: TrackingConfig,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Box, 3D root and 2D root of tracklets ``ends`` extrapolated to ``at_time``, and dt.

    ``ends`` and ``at_time`` broadcast against each other.
    """
    persons = detections.present.shape[1]
    node = tracklets.end_node[ends]
    frame, slot = node // persons, node % persons
    dt = at_time - detections.times[frame]
    horizon = np.minimum(dt, config.extrapolate_s)[..., None]
    shift2d = tracklets.end_velocity2d[ends] * horizon
    box = detections.boxes[frame, slot] + np.concatenate([shift2d, 0 * shift2d], axis=-1)
    r3 = detections.root3d[frame, slot] + tracklets.end_velocity3d[ends] * horizon
    r2 = detections.root2d[frame, slot] + shift2d
    return box, r3, r2, dt


def _continuation(
    tracklets: _Tracklets,
    detections: _Detections,
    ends: IntArray,
    starts: IntArray,
    config: TrackingConfig,
) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray]:
    """Cost of continuing tracklets ``ends`` with tracklets ``starts`` (broadcast together).

    Each of the first ``min_hits`` detections of a starting tracklet is tried and the best
    feasible one counts, so a false detection that happens to begin a person's tracklet does
    not hide the person. Returns the cost, whether it is feasible (gates and ``max_cost``)
    and the time from each end to each start.
    """
    persons = detections.present.shape[1]
    times = detections.times
    length = tracklets.sizes[starts]
    best = np.full(np.broadcast_shapes(np.shape(ends), np.shape(starts)), np.inf)
    possible = np.zeros(best.shape, bool)
    for step in range(config.min_hits):
        node = tracklets.ordered[tracklets.offset[starts] + np.minimum(step, length - 1)]
        frame, slot = node // persons, node % persons
        box, r3, r2, dt = _predicted(tracklets, detections, ends, times[frame], config)
        cost, feasible = _association(
            box,
            r3,
            r2,
            detections.boxes[frame, slot],
            detections.root3d[frame, slot],
            detections.root2d[frame, slot],
            dt,
            config,
        )
        feasible &= (step < length) & (cost <= config.max_cost)
        best = np.where(feasible & (cost < best), cost, best)
        possible |= feasible
    gap = times[tracklets.start_frame[starts]] - times[tracklets.end_frame[ends]]
    return best, possible, gap


@dataclass
class _Track:
    """A track during the online pass: its tracklets in time order.

    The first ``trusted`` tracklets are certain. The others are *pending*: together they hold
    fewer than ``min_hits`` confident detections, so they may be false detections. They
    become trusted once they reach ``min_hits``; if the track is continued from its last
    trusted tracklet instead, or ends, they are released.
    """

    tracklets: list[int]
    trusted: int
    hits: int  # confident detections in all its tracklets
    pending_hits: int  # ... in its pending ones


def _manage_tracks(
    tracklets: _Tracklets, detections: _Detections, config: TrackingConfig
) -> tuple[IntArray, npt.NDArray[np.bool_], int]:
    """Online pass: continue lost tracks with new tracklets, count hits, confirm tracks.

    Returns the track of each tracklet, which tracks are confirmed, and the number of joins.
    """
    times = detections.times
    end_frame = tracklets.end_frame
    tracks: list[_Track] = []
    open_tracks: list[int] = []  # tracks not yet dead
    joins = 0
    starts = tracklets.start_frame
    boundaries = np.flatnonzero(np.diff(starts)) + 1
    for group in np.split(np.arange(tracklets.count), boundaries):
        frame = int(starts[group[0]])
        now = times[frame]
        still_open: list[int] = []
        # Hypotheses (track, tracklet whose end predicts it, continue from the latest?)
        hypotheses: list[tuple[int, int, bool]] = []
        for index in open_tracks:
            track = tracks[index]
            latest = track.tracklets[-1]
            if end_frame[latest] < frame and now - times[end_frame[latest]] > config.max_age_s:
                continue  # dead: only offline stitching may continue it
            still_open.append(index)
            if end_frame[latest] < frame:
                hypotheses.append((index, latest, True))
            if 0 < track.trusted < len(track.tracklets):
                anchor = track.tracklets[track.trusted - 1]
                if now - times[end_frame[anchor]] <= config.max_age_s:
                    hypotheses.append((index, anchor, False))
        open_tracks = still_open
        joined: dict[int, tuple[int, bool]] = {}  # column -> (track, from the latest?)
        if hypotheses:
            ends = np.array([h[1] for h in hypotheses], np.intp)
            cost, feasible, dt = _continuation(
                tracklets, detections, ends[:, None], group[None, :], config
            )
            # Among feasible continuations, a recently seen track is preferred to one lost
            # longer ago (whose wider gate would otherwise make it look cheaper).
            age = np.clip(dt / config.max_age_s, 0, 1) if config.max_age_s > 0 else 0 * dt
            benefit = np.where(
                feasible,
                np.maximum(config.max_cost + _SLACK - cost - _AGE_WEIGHT * age, _SLACK),
                0.0,
            )
            # A matching cascade: confirmed tracks choose first, so an unconfirmed (likely
            # false) track cannot take a detection from a real track it is near.
            confirmed_track = {h[0]: tracks[h[0]].hits >= config.min_hits for h in hypotheses}
            for stage in (True, False):
                chosen = [
                    (h, values)
                    for h, values in zip(hypotheses, benefit, strict=True)
                    if confirmed_track[h[0]] is stage
                ]
                free = [col for col in range(group.size) if col not in joined]
                if not chosen or not free:
                    continue
                # One row per track, per new tracklet the better of continuing the track's latest
                # tracklet or its last trusted one (dropping the pending ones in between).
                candidates = sorted({h[0] for h, _ in chosen})
                row_of = {track: row for row, track in enumerate(candidates)}
                merged = np.zeros((len(candidates), len(free)))
                from_latest = np.zeros((len(candidates), len(free)), bool)
                for (track, _, latest), values in chosen:
                    row = row_of[track]
                    if latest:
                        from_latest[row] = values[free] >= merged[row]
                        merged[row] = np.maximum(merged[row], values[free])
                    else:
                        from_latest[row] &= merged[row] >= values[free]
                        merged[row] = np.maximum(merged[row], values[free])
                for row, col in _solve_one(merged):
                    joined[free[col]] = (candidates[row], bool(from_latest[row, col]))
        for col, tracklet in enumerate(group.tolist()):
            gained = int(tracklets.hits[tracklet])
            if col not in joined:
                solid = gained >= config.min_hits
                tracks.append(_Track([tracklet], int(solid), gained, 0 if solid else gained))
                open_tracks.append(len(tracks) - 1)
                continue
            joins += 1
            index, latest = joined[col]
            track = tracks[index]
            if not latest:
                _release(tracks, track, tracklets)
            track.tracklets.append(tracklet)
            track.hits += gained
            track.pending_hits += gained
            if track.pending_hits >= config.min_hits:
                track.trusted = len(track.tracklets)
                track.pending_hits = 0
    # Pending tracklets at the end of a trusted track were never confirmed by what followed.
    for track in list(tracks):
        if 0 < track.trusted < len(track.tracklets):
            _release(tracks, track, tracklets)
    track_of = np.full(tracklets.count, -1, np.intp)
    for index, track in enumerate(tracks):
        track_of[track.tracklets] = index
    hits = np.bincount(track_of, weights=tracklets.hits.astype(np.float64), minlength=len(tracks))
    return track_of, hits >= config.min_hits, joins


def _release(tracks: list[_Track], track: _Track, tracklets: _Tracklets) -> None:
    """Detach a track's pending tracklets; each becomes an (unconfirmed) track of its own."""
    for released in track.tracklets[track.trusted :]:
        hits = int(tracklets.hits[released])
        tracks.append(_Track([released], 0, hits, hits))
        track.hits -= hits
    del track.tracklets[track.trusted :]
    track.pending_hits = 0


def _stitch(
    tracklets: _Tracklets,
    detections: _Detections,
    track_of: IntArray,
    confirmed: npt.NDArray[np.bool_],
    poses3d: np.ndarray,
    joint_edges: Sequence[tuple[int, int]],
    config: TrackingConfig,
) -> tuple[IntArray, int]:
    """Offline pass: join confirmed tracks end to start; returns the new track of each tracklet."""
    persons = detections.present.shape[1]
    times = detections.times
    tracks = np.flatnonzero(confirmed)
    first = np.full(confirmed.size, tracklets.count, np.intp)
    final = np.full(confirmed.size, -1, np.intp)
    np.minimum.at(first, track_of, np.arange(tracklets.count))
    np.maximum.at(final, track_of, np.arange(tracklets.count))
    first, final = first[tracks], final[tracks]
    start_frame = tracklets.start_frame[first]
    end_frame = tracklets.end_frame[final]
    # Pair (a, b): b starts after a ends, within the stitching gap.
    gap = times[start_frame][None, :] - times[end_frame][:, None]
    candidate = (start_frame[None, :] > end_frame[:, None]) & (gap <= config.stitch_max_gap_s)
    if not candidate.any():
        return track_of, 0
    a_index, b_index = np.nonzero(candidate)
    cost, feasible, _ = _continuation(tracklets, detections, final[a_index], first[b_index], config)
    motion_weight = config.iou_weight + config.root3d_weight + config.root2d_weight
    total = motion_weight * cost + gap[a_index, b_index] / max(config.stitch_max_gap_s, 1e-9)
    weight = motion_weight + 1.0
    if joint_edges and config.bone_weight > 0:
        bones = _track_bones(tracklets, track_of, tracks, poses3d, joint_edges, persons)
        left, right = bones[a_index], bones[b_index]
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a track without finite bones
            difference = np.nanmedian(np.abs(left - right) / ((left + right) / 2), axis=1)
        scaled = difference / config.stitch_max_bone_difference
        feasible &= scaled <= 1.0
        total = total + config.bone_weight * scaled
        weight += config.bone_weight
    benefit = np.zeros((tracks.size, tracks.size))
    benefit[a_index, b_index] = np.where(feasible, 1.0 + _SLACK - total / weight, 0.0)
    pairs = _solve_one(benefit)
    if not pairs:
        return track_of, 0
    # Follow each chain of joins back to its first track.
    predecessor = np.full(confirmed.size, -1, np.intp)
    for a, b in pairs:
        predecessor[tracks[b]] = tracks[a]
    return _chain_heads(predecessor)[track_of], len(pairs)


def _track_bones(
    tracklets: _Tracklets,
    track_of: IntArray,
    tracks: IntArray,
    poses3d: np.ndarray,
    joint_edges: Sequence[tuple[int, int]],
    persons: int,
) -> FloatArray:
    """Median 3D bone lengths of each track, over up to _BONE_SAMPLES of its detections."""
    edges = np.asarray(joint_edges, np.intp)
    node_track = track_of[tracklets.of_node]
    order = np.argsort(node_track, kind="stable")
    bounds = np.searchsorted(node_track[order], tracks, side="left")
    ends = np.searchsorted(node_track[order], tracks, side="right")
    result = np.full((tracks.size, edges.shape[0]), np.nan)
    lows: list[int] = bounds.tolist()
    highs: list[int] = ends.tolist()
    for row, (low, high) in enumerate(zip(lows, highs, strict=True)):
        picked = order[np.linspace(low, high - 1, min(_BONE_SAMPLES, high - low)).astype(np.intp)]
        node = tracklets.nodes[picked]
        pose = np.asarray(poses3d[node // persons, node % persons], dtype=np.float64)
        lengths = np.linalg.norm(pose[:, edges[:, 0]] - pose[:, edges[:, 1]], axis=-1)
        result[row] = np.median(lengths, axis=0)
    return result

"""From predictions to arrays, and the standard ways to normalise and summarise them.

Arrays follow one convention: ``(frames, joints, 3)`` poses in millimetres, camera frame
(x right, y down, z forward); NaN marks frames where the person was not detected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import MissingPersonError, ShapeMismatchError, UnknownJointError

if TYPE_CHECKING:
    from neuropose.schema import Skeleton, VideoPredictions

__all__ = [
    "ProcrustesResult",
    "body_scale",
    "find_peaks",
    "interpolate_gaps",
    "joint_angle",
    "joint_angles",
    "joint_indices",
    "normalize_body_size",
    "pad_to_length",
    "person_trajectory",
    "procrustes",
    "root_relative",
    "summary_statistics",
    "time_normalize",
]

FloatArray = npt.NDArray[np.float64]


def _poses(poses: npt.ArrayLike, name: str = "poses") -> FloatArray:
    array = np.asarray(poses, dtype=np.float64)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ShapeMismatchError(f"{name} must be shaped (frames, joints, 3), got {array.shape}")
    return array


def person_trajectory(
    predictions: VideoPredictions,
    person: int = 0,
    *,
    by: Literal["slot", "track"] = "slot",
    kind: Literal["poses3d", "poses2d"] = "poses3d",
) -> FloatArray:
    """Return one person's joints over time as ``(frames, joints, 3)`` (or ``2``) float64.

    Parameters
    ----------
    predictions
        The video's predictions.
    person
        Person slot (``by="slot"``: 0 is the first person detected in each frame) or track id
        (``by="track"``).
    by
        How ``person`` is interpreted.
    kind
        ``"poses3d"`` (mm) or ``"poses2d"`` (px).

    Returns
    -------
    ndarray
        NaN in frames where that person was not detected.

    Raises
    ------
    MissingPersonError
        If the person is never present.
    """
    source = np.asarray(getattr(predictions, kind), dtype=np.float64)
    frames, joints = predictions.frame_count, predictions.skeleton.joint_count
    result = np.full((frames, joints, source.shape[-1]), np.nan)
    if by == "slot":
        if 0 <= person < predictions.max_people:
            result = source[:, person].copy()
    else:
        rows, slots = np.nonzero(predictions.track_ids == person)
        result[rows] = source[rows, slots]
    if np.all(np.isnan(result)):
        seen = "slots 0.." + str(predictions.max_people - 1) if by == "slot" else "its track ids"
        msg = (
            f"person {person} ({by}) never appears in {predictions.metadata.file_name}; "
            f"check {seen} (the most people in one frame is {predictions.max_people})"
        )
        raise MissingPersonError(msg)
    return result


def joint_indices(skeleton: Skeleton, names: Sequence[str]) -> list[int]:
    """Map joint names to indices along the joint axis.

    Raises
    ------
    UnknownJointError
        For the first name the skeleton lacks; lists the skeleton's joint names.
    """
    result = []
    for name in names:
        if name not in skeleton.joint_names:
            msg = (
                f"skeleton '{skeleton.name}' has no joint '{name}'; "
                f"its joints are: {', '.join(skeleton.joint_names)}"
            )
            raise UnknownJointError(msg)
        result.append(skeleton.joint_names.index(name))
    return result


def root_relative(poses: npt.ArrayLike, root: int | Sequence[int]) -> FloatArray:
    """Subtract a root position (one joint, or the mean of several) from every joint, per frame.

    Parameters
    ----------
    poses
        ``(frames, joints, 3)``.
    root
        Joint index, or indices whose mean is the root (for example both hips).
    """
    array = _poses(poses)
    indices = [root] if isinstance(root, int) else list(root)
    return array - array[:, indices].mean(axis=1, keepdims=True)


def body_scale(poses: npt.ArrayLike) -> float:
    """Measure body size robustly: median over frames of the RMS joint distance to the centroid (mm)."""
    array = _poses(poses)
    centred = (
        array - np.nanmean(array, axis=1, keepdims=True) if np.isfinite(array).any() else array
    )
    with np.errstate(invalid="ignore"):
        per_frame = np.sqrt(np.mean(np.sum(centred**2, axis=-1), axis=-1))
    valid = per_frame[np.isfinite(per_frame)]
    if valid.size == 0:
        raise MissingPersonError("no frame has a complete pose to measure body size from")
    return float(np.median(valid))


def normalize_body_size(poses: npt.ArrayLike) -> FloatArray:
    """Divide root-relative poses by :func:`body_scale` so bodies of any size are comparable.

    Returns unitless poses centred on each frame's joint centroid.
    """
    array = _poses(poses)
    centred = array - array.mean(axis=1, keepdims=True)
    return centred / body_scale(array)


def interpolate_gaps(values: npt.ArrayLike, times_s: npt.ArrayLike | None = None) -> FloatArray:
    """Fill NaN frames by linear interpolation over time; ends take the nearest valid value.

    Parameters
    ----------
    values
        Array whose first axis is time; each other element is a separate series.
    times_s
        Frame times in seconds (default: frame indices).
    """
    array = np.asarray(values, dtype=np.float64)
    frames = array.shape[0]
    times = np.arange(frames, dtype=float) if times_s is None else np.asarray(times_s, float)
    flat = array.reshape(frames, -1).copy()
    for column in range(flat.shape[1]):
        series = flat[:, column]
        valid = np.isfinite(series)
        if valid.all() or not valid.any():
            continue
        series[~valid] = np.interp(times[~valid], times[valid], series[valid])
    return flat.reshape(array.shape)


def time_normalize(values: npt.ArrayLike, length: int) -> FloatArray:
    """Resample a sequence to ``length`` frames by linear interpolation (0 % to 100 % of the movement).

    NaN frames are interpolated first, so the result has NaN only when the input is all NaN.
    """
    array = interpolate_gaps(values)
    frames = array.shape[0]
    if frames == 0 or length < 1:
        raise ShapeMismatchError(f"cannot resample {frames} frames to {length}")
    old = np.linspace(0.0, 1.0, frames)
    new = np.linspace(0.0, 1.0, length)
    flat = array.reshape(frames, -1)
    if frames == 1:
        out = np.repeat(flat, length, axis=0)
    else:
        out = np.stack([np.interp(new, old, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return out.reshape((length, *array.shape[1:]))


def pad_to_length(
    values: npt.ArrayLike, length: int, *, mode: Literal["nan", "edge"] = "nan"
) -> FloatArray:
    """Pad (or refuse to truncate) a sequence along time to ``length`` frames.

    Parameters
    ----------
    values
        Sequence whose first axis is time.
    length
        Frames wanted.
    mode
        ``"nan"`` appends NaN frames; ``"edge"`` repeats the last frame.

    Raises
    ------
    ShapeMismatchError
        If the sequence is already longer than ``length``.
    """
    array = np.asarray(values, dtype=np.float64)
    extra = length - array.shape[0]
    if extra < 0:
        raise ShapeMismatchError(f"sequence has {array.shape[0]} frames, more than {length}")
    if mode == "edge" and array.shape[0]:
        tail = np.repeat(array[-1:], extra, axis=0)
    else:
        tail = np.full((extra, *array.shape[1:]), np.nan)
    return np.concatenate([array, tail], axis=0)


@dataclass(frozen=True, slots=True)
class ProcrustesResult:
    """Similarity alignment of ``source`` onto ``target``.

    Attributes
    ----------
    aligned
        ``source`` after ``scale * source @ rotation + translation``.
    rotation
        ``(3, 3)`` proper rotation (determinant +1), or ``(frames, 3, 3)`` per frame.
    scale
        Scale factor (1 when scaling is off), or one per frame.
    translation
        ``(3,)`` or ``(frames, 3)`` in mm.
    rmsd_mm
        Root-mean-square joint distance after alignment, in mm (per frame for per-frame mode).
    """

    aligned: FloatArray
    rotation: FloatArray
    scale: FloatArray | float
    translation: FloatArray
    rmsd_mm: FloatArray | float


def _kabsch(
    source: FloatArray, target: FloatArray, scaling: bool
) -> tuple[FloatArray, float, FloatArray]:
    """Best rotation, scale and translation mapping point set ``source`` (n, 3) onto ``target``."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    u, singular, vt = np.linalg.svd(s.T @ t)
    # Flip the weakest axis when the best orthogonal map would be a reflection.
    sign = np.sign(np.linalg.det(u @ vt)) or 1.0
    correction = np.diag([1.0, 1.0, sign])
    rotation = u @ correction @ vt
    norm = float(np.sum(s**2))
    scale = float(np.sum(singular * np.diag(correction)) / norm) if scaling and norm > 0 else 1.0
    translation = mu_t - scale * mu_s @ rotation
    return rotation, scale, translation


def procrustes(
    source: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    per_frame: bool = False,
    scaling: bool = True,
) -> ProcrustesResult:
    """Align ``source`` poses onto ``target`` with a rotation (never a reflection), scale and shift.

    Parameters
    ----------
    source, target
        ``(frames, joints, 3)`` of equal shape; frames with NaN are ignored when fitting a
        whole-sequence alignment and give NaN when aligning per frame.
    per_frame
        Fit one transform per frame (pose shape only) instead of one for the whole sequence.
    scaling
        Allow a scale factor.

    Raises
    ------
    ShapeMismatchError
        If the shapes differ (resample with :func:`time_normalize` first for unequal lengths).
    """
    a, b = _poses(source, "source"), _poses(target, "target")
    if a.shape != b.shape:
        msg = f"source {a.shape} and target {b.shape} differ; use time_normalize to give both the same number of frames"
        raise ShapeMismatchError(msg)
    if not per_frame:
        valid = np.isfinite(a).all(axis=(1, 2)) & np.isfinite(b).all(axis=(1, 2))
        if not valid.any():
            raise MissingPersonError("no frame is complete in both sequences")
        rotation, scale, translation = _kabsch(
            a[valid].reshape(-1, 3), b[valid].reshape(-1, 3), scaling
        )
        aligned = scale * a @ rotation + translation
        with np.errstate(invalid="ignore"):
            rmsd = float(np.sqrt(np.nanmean(np.sum((aligned[valid] - b[valid]) ** 2, axis=-1))))
        return ProcrustesResult(aligned, rotation, scale, translation, rmsd)
    frames = a.shape[0]
    rotations = np.full((frames, 3, 3), np.nan)
    scales = np.full(frames, np.nan)
    translations = np.full((frames, 3), np.nan)
    aligned = np.full_like(a, np.nan)
    for index in range(frames):
        if np.isfinite(a[index]).all() and np.isfinite(b[index]).all():
            r, s, t = _kabsch(a[index], b[index], scaling)
            rotations[index], scales[index], translations[index] = r, s, t
            aligned[index] = s * a[index] @ r + t
    with np.errstate(invalid="ignore"):
        rmsd = np.sqrt(np.mean(np.sum((aligned - b) ** 2, axis=-1), axis=-1))
    return ProcrustesResult(aligned, rotations, scales, translations, rmsd)


def joint_angle(poses: npt.ArrayLike, first: int, vertex: int, last: int) -> FloatArray:
    """Angle at ``vertex`` between the bones to ``first`` and ``last``, in degrees, per frame.

    A zero-length bone or a missing frame gives NaN (no warning). 180 is a straight limb.
    """
    array = _poses(poses)
    u = array[:, first] - array[:, vertex]
    v = array[:, last] - array[:, vertex]
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # atan2 of |u x v| and u . v is accurate near 0 and 180 degrees, unlike arccos.
        angle = np.degrees(
            np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))
        )
    angle[(nu == 0) | (nv == 0) | ~np.isfinite(nu) | ~np.isfinite(nv)] = np.nan
    return angle


def joint_angles(
    predictions: VideoPredictions,
    triplets: Sequence[tuple[str, str, str]],
    *,
    person: int = 0,
) -> dict[tuple[str, str, str], FloatArray]:
    """Three-joint angles in degrees, by joint names of the file's skeleton.

    Parameters
    ----------
    predictions
        The trial.
    triplets
        ``(end, vertex, end)`` joint names, e.g. ``("lsho1", "lelb", "lwri")`` for the left elbow.
    person
        Person slot.

    Raises
    ------
    UnknownJointError
        When a name is not in the skeleton (the message lists the valid names).
    """
    poses = person_trajectory(predictions, person)
    result = {}
    for triplet in triplets:
        first, vertex, last = joint_indices(predictions.skeleton, triplet)
        result[tuple(triplet)] = joint_angle(poses, first, vertex, last)
    return result  # type: ignore[return-value]


def summary_statistics(values: npt.ArrayLike) -> dict[str, float | int | None]:
    """NaN-aware mean, standard deviation, minimum, maximum, range and count of valid values."""
    array = np.asarray(values, dtype=np.float64).ravel()
    valid = array[np.isfinite(array)]
    if valid.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "range": None, "valid": 0}
    return {
        "mean": float(valid.mean()),
        "std": float(valid.std(ddof=1)) if valid.size > 1 else 0.0,
        "min": float(valid.min()),
        "max": float(valid.max()),
        "range": float(valid.max() - valid.min()),
        "valid": int(valid.size),
    }


def find_peaks(signal: npt.ArrayLike, **kwargs: Any) -> tuple[npt.NDArray[np.intp], dict[str, Any]]:
    """:func:`scipy.signal.find_peaks` on a 1-D signal whose NaN gaps are interpolated first.

    Keyword arguments (``distance``, ``prominence``, ...) are passed through unchanged, in frames
    and in the signal's unit.
    """
    from scipy.signal import find_peaks as scipy_find_peaks

    array = np.asarray(signal, dtype=np.float64)
    if array.ndim != 1:
        raise ShapeMismatchError(f"find_peaks takes a 1-D signal, got shape {array.shape}")
    return scipy_find_peaks(interpolate_gaps(array), **kwargs)

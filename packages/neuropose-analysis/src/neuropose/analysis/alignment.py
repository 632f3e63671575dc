"""Procrustes alignment: the rotation, scale and shift that best map one pose set onto another.

Inputs are ``(frames, joints, 3)`` poses in millimetres. The fitted map is always a proper
rotation (never a reflection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import MissingPersonError, ShapeMismatchError
from neuropose.analysis._poses import FloatArray, as_poses

__all__ = ["ProcrustesResult", "procrustes"]


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
    a, b = as_poses(source, "source"), as_poses(target, "target")
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
            squared: FloatArray = np.sum((aligned[valid] - b[valid]) ** 2, axis=-1)
            rmsd = float(np.sqrt(np.nanmean(squared)))
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
